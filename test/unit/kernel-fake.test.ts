// Maps, programs and links against a fake kernel (test/support/fake-bpf.ts): the runtime's own logic — attr
// layouts, flag handling, fallbacks, log handling, fd ownership — checked without root or BPF.

import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Exit, LdMapFd, Ldx, Mov, R0, R1, resolve, withMeta } from "../../core/asm/index.ts";
import { u32, u64 } from "../../core/object/layout.ts";
import type { CollectionSpec, MapSpec, ProgramSpec } from "../../core/object/spec.ts";
import { Collection } from "../../runtime/kernel/collection.ts";
import { BpfError, NotFoundError, UnsupportedFeatureError, hostFacts, permissionHint } from "../../runtime/kernel/errors.ts";
import { Kernel } from "../../runtime/kernel/kernel.ts";
import { BpfMap } from "../../runtime/kernel/maps.ts";
import { Program } from "../../runtime/kernel/programs.ts";
import { Tracefs } from "../../runtime/kernel/tracefs.ts";
import { VerifierError } from "../../runtime/kernel/verifier.ts";
import { FakeBpfSys } from "../support/fake-bpf.ts";

const hash: MapSpec = { name: "h", type: "hash", keySize: 4, valueSize: 8, maxEntries: 8, key: u32, value: u64 };

test("map create writes the attr at the UAPI offsets", () => {
  const sys = new FakeBpfSys();
  using m = BpfMap.create(sys, { ...hash, name: "a_long_map_name_that_is_cut", flags: 1 });
  const attr = sys.calls[0]!.attr;
  const v = new DataView(attr.buffer);
  assert.equal([v.getUint32(0, true), v.getUint32(4, true), v.getUint32(8, true), v.getUint32(12, true), v.getUint32(16, true)], [1, 4, 8, 8, 1]);
  assert.is(new TextDecoder().decode(attr.subarray(28, 43)), "a_long_map_name");
  assert.is(attr[43], 0, "object names are 15 characters and a NUL");
  assert.ok(m.fd > 0);
});

test("maps: flags, E2BIG, delete, take; errors carry the errno name", () => {
  const sys = new FakeBpfSys();
  using m = BpfMap.create<number, bigint>(sys, { ...hash, maxEntries: 2 });
  m.set(1, 5n);
  assert.throws(() => m.set(1, 6n, "noexist"), (e: unknown) => e instanceof BpfError && e.code === "EEXIST");
  assert.throws(() => m.set(3, 6n, "exist"), (e: unknown) => e instanceof BpfError && e.code === "ENOENT");
  m.set(2, 7n);
  assert.throws(() => m.set(3, 1n), /is full \(max_entries 2\)/);
  assert.is(m.take(2), 7n);
  assert.ok(m.delete(1));
  assert.not.ok(m.delete(1));
});

test("iteration uses batch lookups, and falls back to GET_NEXT_KEY when the kernel has none", () => {
  for (const batch of [true, false]) {
    const sys = new FakeBpfSys();
    sys.batch = batch;
    using m = BpfMap.create<number, bigint>(sys, { ...hash, maxEntries: 3000 });
    for (let i = 0; i < 2500; i++) m.set(i, BigInt(i));
    const before = sys.calls.length;
    const e = m.entries();
    assert.is(e.length, 2500);
    assert.is(new Map(e).get(77), 77n);
    const cmds = sys.calls.slice(before).map((c) => c.cmd);
    if (batch) assert.ok(cmds.every((c) => c === 24), `only batch lookups: ${[...new Set(cmds)]}`);
    else assert.ok(cmds.includes(4) && cmds.includes(1), "next-key walk plus lookups");
  }
});

test("a closed map throws on every use, before touching its freed key and value buffers", () => {
  const sys = new FakeBpfSys();
  const m = BpfMap.create<number, bigint>(sys, hash);
  m.set(1, 2n);
  m.close();
  const uses: [string, () => unknown][] = [
    ["get", () => m.get(1)], ["has", () => m.has(1)], ["set", () => m.set(1, 3n)], ["delete", () => m.delete(1)],
    ["keys", () => [...m.keys()]], ["getRaw", () => m.getRaw(new Uint8Array(4))], ["updateRaw", () => m.updateRaw(new Uint8Array(4), new Uint8Array(8))],
  ];
  for (const [name, use] of uses) {
    try {
      use();
      assert.unreachable(`${name} on a closed map must throw`);
    } catch (e) {
      assert.instance(e, BpfError, `${name}: ${(e as Error).message}`);
      assert.match((e as Error).message, /map h is closed/, name);
    }
  }
  m.close(); // idempotent
});

test("per-CPU values use an 8-byte stride per CPU in user space", () => {
  const sys = new FakeBpfSys({ cpus: 3 });
  using m = BpfMap.create<number, number>(sys, { name: "p", type: "percpu_array", keySize: 4, valueSize: 4, maxEntries: 1, key: u32, value: u32 }, { cpus: 3 });
  m.set(0, [10, 20, 30]);
  const update = sys.calls.filter((c) => c.cmd === 2).pop()!;
  const valueAddr = new DataView(update.attr.buffer).getBigUint64(16, true);
  assert.ok(valueAddr > 0n);
  assert.equal(m.getPerCpu(0), [10, 20, 30]);
  assert.is(m.getMerged(0), 60);
});

test("opening a pinned map checks its definition against the program's", () => {
  const sys = new FakeBpfSys();
  const m = BpfMap.create(sys, hash);
  m.pin("/sys/fs/bpf/x");
  assert.throws(() => BpfMap.openPinned(sys, "/sys/fs/bpf/x", { ...hash, keySize: 8 }), /key_size is 4 in the kernel, 8 in the program/);
  using again = BpfMap.openPinned(sys, "/sys/fs/bpf/x", hash);
  assert.is(again.maxEntries, 8);
  assert.throws(() => BpfMap.openPinned(sys, "/sys/fs/bpf/nope"), (e: unknown) => e instanceof NotFoundError);
  m.close();
});

test("EPERM anywhere becomes 'permission denied' with the hint this process's capabilities call for", () => {
  const sys = new FakeBpfSys();
  sys.fail(0, "EPERM");
  assert.throws(() => BpfMap.create(sys, hash), (e: unknown) => e instanceof BpfError && /permission denied \(EPERM\)/.test(e.message) && e.hint === permissionHint("map-create", hostFacts()));
});

const prog = (insns = resolve([Mov.imm(R0, 0), Exit()])): ProgramSpec => ({ name: "p", type: "socket_filter", attach: { kind: "none" }, instructions: insns, license: "GPL" });

test("program load: map names patched to fds, license passed, no log on the first attempt", () => {
  const sys = new FakeBpfSys();
  using m = BpfMap.create(sys, hash);
  using p = Program.load(sys, prog(resolve([LdMapFd(R1, "h"), Mov.imm(R0, 0), Exit()])), { mapFd: () => m.fd });
  const loaded = sys.programs()[0]!;
  assert.is(loaded.license, "GPL");
  assert.is(loaded.insns[1], 0x10 | 1, "src = BPF_PSEUDO_MAP_FD, dst = r1");
  assert.is(new DataView(loaded.insns.buffer).getInt32(4, true), m.fd);
  assert.equal(sys.loadAttempts, [{ logLevel: 0, logSize: 0 }]);
  assert.ok(p.fd > 0);
});

test("program load: EAGAIN is retried; a failure reloads once, with a 16 MiB log", () => {
  const sys = new FakeBpfSys();
  sys.loadBehaviour = { eagain: 2 };
  using p = Program.load(sys, prog(), { mapFd: () => undefined });
  assert.is(sys.loadAttempts.length, 3);
  assert.ok(p.fd > 0);

  const sys2 = new FakeBpfSys();
  const span = { file: "t.ts", line: 4, column: 2 };
  const insns = resolve([Mov.imm(R1, 0), withMeta(Ldx.dw(R0, R1, 0), { span, source: "x.y" }), Exit()]);
  sys2.loadBehaviour = { errno: "EACCES", log: "0: (b7) r1 = 0\n1: (79) r0 = *(u64 *)(r1 +0)\nR1 invalid mem access 'scalar'\nprocessed 2 insns\n", needsLogSize: 1 << 20 };
  try {
    Program.load(sys2, prog(insns), { mapFd: () => undefined });
    assert.unreachable();
  } catch (e) {
    assert.ok(e instanceof VerifierError, String(e));
    assert.is(e.insn, 1);
    assert.equal(e.span, span);
    assert.match(e.explanation, /plain number is dereferenced/);
  }
  assert.equal(sys2.loadAttempts.map((a) => a.logSize), [0, 16777215]);
});

test("program load: a failure without a log is explained, not shown as a verifier error", () => {
  const sys = new FakeBpfSys();
  sys.loadBehaviour = { errno: "EINVAL", log: "" };
  assert.throws(() => Program.load(sys, { ...prog(), type: "syscall" }, { mapFd: () => undefined }),
    (e: unknown) => e instanceof BpfError && !(e instanceof VerifierError) && /syscall programs needs Linux 5.14/.test(e.hint ?? ""));
});

function fakeTracefs(): Tracefs {
  const root = mkdtempSync(join(tmpdir(), "tsbpf-tracefs-"));
  for (const [cat, name, id] of [["syscalls", "sys_enter_openat", 614], ["syscalls", "sys_exit_openat", 613], ["sched", "sched_switch", 300]] as const) {
    mkdirSync(join(root, "events", cat, name), { recursive: true });
    writeFileSync(join(root, "events", cat, name, "id"), `${id}\n`);
  }
  writeFileSync(join(root, "uprobe_events"), "");
  return Tracefs.at(root);
}

const counterSpec = (attach: ProgramSpec["attach"], type: ProgramSpec["type"] = "tracepoint"): CollectionSpec => ({
  maps: [{ name: "c", type: "array", keySize: 4, valueSize: 8, maxEntries: 1 }],
  programs: [{ name: "t", type, attach, instructions: resolve([LdMapFd(R1, "c"), Mov.imm(R0, 0), Exit()]), license: "GPL" }],
});

test("tracepoint attach: perf event of type TRACEPOINT with the tracefs id, then a perf bpf_link", async () => {
  const sys = new FakeBpfSys();
  const k = new Kernel(sys, { tracefs: fakeTracefs() });
  const c = await Collection.load(counterSpec({ kind: "tracepoint", category: "syscalls", name: "sys_enter_openat" }), { kernel: k, track: false });
  const open = sys.perfOpens[0]!;
  const a = new DataView(open.attr.buffer);
  assert.equal([a.getUint32(0, true), Number(a.getBigUint64(8, true)), open.pid, open.cpu], [2, 614, -1, 0]);
  assert.is(c.links[0]!.mechanism, "bpf_link");
  c.dispose();
  assert.equal(sys.openFds(), [], "every fd closed");
});

test("tracepoint attach on kernels before 5.15 falls back to PERF_EVENT_IOC_SET_BPF + ENABLE", async () => {
  const sys = new FakeBpfSys();
  sys.perfLink = false;
  const k = new Kernel(sys, { tracefs: fakeTracefs() });
  const c = await Collection.load(counterSpec({ kind: "tracepoint", category: "sched", name: "sched_switch" }), { kernel: k, track: false });
  assert.is(c.links[0]!.mechanism, "perf_event ioctl");
  assert.equal(sys.ioctls.map((i) => i.request), [0x40042408, 0x2400]);
  c.dispose();
  assert.equal(sys.ioctls.map((i) => i.request), [0x40042408, 0x2400, 0x2401], "disabled before the fd is closed");
  assert.equal(sys.openFds(), []);
});

test("a missing tracepoint names the closest ones; nothing is left open", async () => {
  const sys = new FakeBpfSys();
  const k = new Kernel(sys, { tracefs: fakeTracefs() });
  try {
    await Collection.load(counterSpec({ kind: "tracepoint", category: "syscalls", name: "sys_enter_opnat" }), { kernel: k, track: false });
    assert.unreachable();
  } catch (e) {
    assert.match((e as Error).message, /no tracepoint syscalls\/sys_enter_opnat; did you mean syscalls\/sys_enter_openat/);
  }
  assert.equal(sys.openFds(), []);
});

test("uprobe attach through the PMU: type from sysfs, path and file offset in config1/config2, retprobe bit", async () => {
  const sys = new FakeBpfSys();
  const pmuRoot = mkdtempSync(join(tmpdir(), "tsbpf-pmu-"));
  mkdirSync(join(pmuRoot, "uprobe", "format"), { recursive: true });
  writeFileSync(join(pmuRoot, "uprobe", "type"), "8\n");
  writeFileSync(join(pmuRoot, "uprobe", "format", "retprobe"), "config:0\n");
  const k = new Kernel(sys, { tracefs: fakeTracefs(), eventSourceRoot: pmuRoot });
  const c = await Collection.load(counterSpec({ kind: "uprobe", target: "libc", symbol: "getpid", retprobe: true, pid: process.pid }, "kprobe"), { kernel: k, track: false });
  const open = sys.perfOpens[0]!;
  const a = new DataView(open.attr.buffer);
  assert.is(a.getUint32(0, true), 8);
  assert.is(a.getBigUint64(8, true), 1n, "retprobe bit");
  assert.ok(a.getBigUint64(64, true) > 0n, "file offset of getpid");
  assert.equal([open.pid, open.cpu], [process.pid, -1]);
  assert.match(c.links[0]!.description, new RegExp(`^uretprobe .*libc\\.so\\.\\d+:getpid \\(pid ${process.pid}\\)$`));
  c.dispose();
  assert.equal(sys.openFds(), []);
});

test("kprobes without a PMU or kprobe_events: UnsupportedFeatureError before any program is loaded", async () => {
  const sys = new FakeBpfSys();
  const k = new Kernel(sys, { tracefs: fakeTracefs(), eventSourceRoot: mkdtempSync(join(tmpdir(), "tsbpf-nopmu-")) });
  try {
    await Collection.load(counterSpec({ kind: "kprobe", function: "vfs_read", retprobe: false }, "kprobe"), { kernel: k, track: false });
    assert.unreachable();
  } catch (e) {
    assert.ok(e instanceof UnsupportedFeatureError);
    assert.match((e as Error).message, /this kernel does not support kprobes \(CONFIG_KPROBES/);
  }
  assert.is(sys.programs().length, 0);
  assert.equal(sys.openFds(), []);
});

test.run();
