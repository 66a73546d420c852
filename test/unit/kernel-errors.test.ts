// The kernel's refusals in plain words, one test per message: an errno injected into a fake kernel
// (test/support/fake-bpf.ts) at the call that fails in real life, or given to explain() with the facts it depends
// on; each message says what failed, why (the limit, the missing capability, the fd limit) and what to do, and
// says "this kernel does not support" only when a small map of the same type fails too.

import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Exit, Mov, R0, resolve } from "../../core/asm/index.ts";
import { u32, u64 } from "../../core/object/layout.ts";
import type { CollectionSpec, MapSpec, ProgramSpec } from "../../core/object/spec.ts";
import { Collection } from "../../runtime/kernel/collection.ts";
import {
  BpfError, CAP, type HostFacts, PERMISSION_HINT, UnsupportedFeatureError, explain, permissionHint,
} from "../../runtime/kernel/errors.ts";
import { Kernel } from "../../runtime/kernel/kernel.ts";
import { BpfMap, HASH_ELEMENT_MAX, HASH_ENTRIES_MAX, PERCPU_VALUE_MAX } from "../../runtime/kernel/maps.ts";
import { Program } from "../../runtime/kernel/programs.ts";
import { ERRNO, SysError, type ErrnoName } from "../../runtime/kernel/sys.ts";
import { Tracefs } from "../../runtime/kernel/tracefs.ts";
import { FakeBpfSys } from "../support/fake-bpf.ts";

const MAP_CREATE = 0, LINK_CREATE = 28;

/** What `run` throws, as an Error (fails the test when nothing is thrown). */
function thrown(run: () => unknown): Error {
  try {
    run();
  } catch (e) {
    return e as Error;
  }
  throw new assert.Assertion({ message: "expected an error", generated: false, operator: "throws", expects: "", actual: "" });
}

async function rejected(run: () => Promise<unknown>): Promise<Error> {
  try {
    await run();
  } catch (e) {
    return e as Error;
  }
  throw new assert.Assertion({ message: "expected a rejection", generated: false, operator: "throws", expects: "", actual: "" });
}

const hash: MapSpec = { name: "h", type: "hash", keySize: 4, valueSize: 8, maxEntries: 8, key: u32, value: u64, declared: { class: "HashMap", index: 0 } };
/** The same map without layouts, so its sizes can be anything. */
const { key: _k, value: _v, ...rawHash } = hash;

/** A map that fails to be created with `errno` once; the feature probe after it (a small map) succeeds. */
function createFailing(spec: MapSpec, errno: ErrnoName, times = 1): Error {
  const sys = new FakeBpfSys();
  sys.fail(MAP_CREATE, errno, times);
  const e = thrown(() => BpfMap.create(sys, spec));
  assert.equal(sys.openFds(), [], "nothing left open");
  return e;
}

const sysError = (errno: ErrnoName) => new SysError("bpf", ERRNO[errno]);

// ---- map create: E2BIG names the limit ----------------------------------------------------------------------

test("E2BIG on a per-CPU map: too large, bytes per value, the 32 KiB limit; the scratch map names its program", () => {
  const scratch: MapSpec = { name: ".scratch.handle_exec", type: "percpu_array", keySize: 4, valueSize: 1 << 20, maxEntries: 1 };
  const e = createFailing(scratch, "E2BIG");
  assert.ok(e instanceof BpfError && !(e instanceof UnsupportedFeatureError), String(e));
  assert.match(e.message, `too large: 1048576 bytes per value, limit ${PERCPU_VALUE_MAX} for a per-CPU map`);
  assert.match((e as BpfError).hint ?? "", "the scratch memory of program handle_exec");
  assert.match((e as BpfError).hint ?? "", "a shorter Str<N> or FixedArray<T, N>");
  assert.is((e as BpfError).code, "E2BIG");
});

test("E2BIG on a hash map: too many entries, with the 2^27 limit and the declaring class", () => {
  const e = createFailing({ ...rawHash, name: "big", maxEntries: 1 << 28, valueSize: 4096 }, "E2BIG");
  assert.match(e.message, `create map big (hash): too large: 268435456 entries, limit ${HASH_ENTRIES_MAX} (2^27) for a hash map (E2BIG)`);
  assert.match((e as BpfError).hint ?? "", "map big (the HashMap declared in the tracer): give the map fewer entries");
});

test("E2BIG on a hash map: key + value larger than an element may be", () => {
  const e = createFailing({ ...rawHash, valueSize: 4 << 20 }, "E2BIG");
  assert.match(e.message, `too large: ${4 + (4 << 20)} bytes per element (key 4 + value ${4 << 20}), limit ${HASH_ELEMENT_MAX}`);
});

test("E2BIG no known limit explains, on a kernel where a small map of the type works: too large, not 'unsupported'", () => {
  const e = createFailing(hash, "E2BIG");
  assert.not.instance(e, UnsupportedFeatureError);
  assert.match(e.message, "create map h (hash): too large: key 4 bytes, value 8 bytes, 8 entries (E2BIG)");
});

test("E2BIG or EINVAL where a small map of the same type fails too: this kernel does not support the map type", () => {
  for (const errno of ["E2BIG", "EINVAL"] as const) {
    const e = createFailing({ ...hash, type: "percpu_hash", maxEntries: 16 }, errno, 2);
    assert.instance(e, UnsupportedFeatureError, errno);
    assert.match(e.message, `this kernel does not support percpu_hash maps (create map h (percpu_hash) failed with ${errno}, and so does a small percpu_hash map)`);
    assert.match((e as BpfError).hint ?? "", "needs Linux 4.6 or newer");
  }
});

// ---- map create: EINVAL names the field -----------------------------------------------------------------------

test("EINVAL on map create: the definition's invalid field, as the kernel refuses it", () => {
  const cases: [MapSpec, string, string][] = [
    [{ name: "z", type: "hash", keySize: 0, valueSize: 8, maxEntries: 8 }, "invalid definition: key_size is 0", "give the map a key type"],
    [{ name: "z", type: "hash", keySize: 4, valueSize: 0, maxEntries: 8 }, "invalid definition: value_size is 0", "give the map a value type"],
    [{ name: "z", type: "hash", keySize: 4, valueSize: 8, maxEntries: 0 }, "invalid definition: max_entries is 0", "at least one entry"],
    [{ name: "z", type: "array", keySize: 8, valueSize: 8, maxEntries: 4 }, "invalid definition: key_size is 8", "their keys are 4 bytes"],
    [{ name: "z", type: "ringbuf", keySize: 0, valueSize: 0, maxEntries: 1000 }, "the kernel rejected the size 1000", "a power of 2 and a multiple of the page size"],
  ];
  for (const [spec, message, hint] of cases) {
    const sys = new FakeBpfSys();
    const e = thrown(() => BpfMap.create(sys, spec));
    assert.match(e.message, `create map z (${spec.type}): ${message} (EINVAL)`);
    assert.match((e as BpfError).hint ?? "", hint);
  }
});

test("EINVAL on map create with flags, the definition otherwise valid: the flag is named as the likely cause", () => {
  const e = createFailing({ ...hash, flags: 0x40 }, "EINVAL");
  assert.match(e.message, "the kernel rejected the definition (key 4 bytes, value 8 bytes, 8 entries, flags 0x40) (EINVAL)");
  assert.match((e as BpfError).hint ?? "", "a flag this kernel does not know");
});

// ---- map create: memory ---------------------------------------------------------------------------------------

test("ENOMEM for a map larger than the machine: too large, with its size in bytes", () => {
  const e = createFailing({ name: "huge", type: "array", keySize: 4, valueSize: 4096, maxEntries: 1 << 28 }, "ENOMEM");
  assert.match(e.message, "create map huge (array): too large: 1.0 TiB: 268435456 entries of 4 + 4096 bytes, more than this machine's memory");
  assert.match((e as BpfError).hint ?? "", "give the map fewer entries or smaller values");
});

test("ENOMEM for a map that would fit: the kernel could not allocate it, and what to do", () => {
  const e = createFailing({ ...hash, maxEntries: 1024 }, "ENOMEM");
  assert.match(e.message, "create map h (hash): the kernel could not allocate 12.0 KiB: 1024 entries of 4 + 8 bytes (ENOMEM)");
  assert.match((e as BpfError).hint ?? "", "map h (the HashMap declared in the tracer): ");
});

// ---- permissions: the hint follows the facts ------------------------------------------------------------------

const allCaps = (1n << 41n) - 1n;
const facts = (f: Partial<HostFacts>): HostFacts => ({ uid: 0, release: "6.18.0", capabilities: allCaps, ...f });

test("EPERM as a user without capabilities: run as root or grant CAP_BPF and CAP_PERFMON", () => {
  const e = explain(sysError("EPERM"), "create map h", { call: "map-create", facts: facts({ uid: 1000, capabilities: 0n }) }) as BpfError;
  assert.is(e.message, "create map h: permission denied (EPERM)");
  assert.is(e.hint, PERMISSION_HINT);
  const perf = explain(sysError("EACCES"), "open tracepoint a/b", { call: "perf-open", facts: facts({ uid: 1000, capabilities: 0n, perfParanoid: 2 }) }) as BpfError;
  assert.match(perf.hint ?? "", "kernel.perf_event_paranoid <= 1 for users (it is 2)");
});

test("EPERM as root without CAP_BPF (a container): the capability is named, not 'run as root'", () => {
  const noBpf = allCaps & ~(1n << BigInt(CAP.BPF)) & ~(1n << BigInt(CAP.SYS_ADMIN));
  const e = explain(sysError("EPERM"), "load program p", { call: "prog-load", facts: facts({ capabilities: noBpf }) }) as BpfError;
  assert.match(e.hint ?? "", "this process runs as root without CAP_BPF");
});

test("EPERM loading a program as root with CAP_BPF but without CAP_PERFMON: CAP_PERFMON is named", () => {
  const noPerfmon = allCaps & ~(1n << BigInt(CAP.PERFMON)) & ~(1n << BigInt(CAP.SYS_ADMIN));
  const e = explain(sysError("EPERM"), "load program p", { call: "prog-load", facts: facts({ capabilities: noPerfmon }) }) as BpfError;
  assert.match(e.hint ?? "", "this process runs as root without CAP_PERFMON");
  const map = explain(sysError("EPERM"), "create map m", { call: "map-create", facts: facts({ capabilities: noPerfmon }) }) as BpfError;
  assert.not.match(map.hint ?? "", "CAP_PERFMON");
});

test("EPERM with every capability under kernel lockdown (confidentiality): lockdown is named", () => {
  const e = explain(sysError("EPERM"), "load program p", { call: "prog-load", facts: facts({ lockdown: "confidentiality" }) }) as BpfError;
  assert.match(e.hint ?? "", "locked down in confidentiality mode");
});

test("EPERM on a kernel before 5.11 with the capabilities: RLIMIT_MEMLOCK", () => {
  const e = explain(sysError("EPERM"), "create map h", { call: "map-create", facts: facts({ release: "5.10.0-28-amd64" }) }) as BpfError;
  assert.match(e.hint ?? "", "charges BPF maps and programs to RLIMIT_MEMLOCK");
  assert.match(e.hint ?? "", "ulimit -l unlimited");
});

test("EPERM with every capability, no lockdown, a new kernel: a security policy refused it", () => {
  const e = explain(sysError("EPERM"), "attach fentry f", { call: "other", facts: facts({ lockdown: "none" }) }) as BpfError;
  assert.match(e.hint ?? "", "a security policy refused it");
  assert.is(e.hint, permissionHint("other", facts({})));
});

// ---- descriptors, busy, space, missing ------------------------------------------------------------------------

test("EMFILE: this process's open-file limit, with its value and what holds descriptors", () => {
  const e = explain(sysError("EMFILE"), "open cpu-clock sampling on CPU 3", { call: "perf-open", facts: facts({ openFiles: 1024 }) }) as BpfError;
  assert.is(e.message, "open cpu-clock sampling on CPU 3: this process has too many open files (its limit is 1024) (EMFILE)");
  assert.match(e.hint ?? "", "raise the limit (ulimit -n)");
});

test("ENFILE: the system-wide limit", () => {
  const e = explain(sysError("ENFILE"), "create map h", { call: "map-create" }) as BpfError;
  assert.match(e.message, "the system has too many open files (ENFILE)");
  assert.match(e.hint ?? "", "fs.file-max");
});

test("EBUSY: busy, for a probe and for anything else", () => {
  assert.match((explain(sysError("EBUSY"), "attach uprobe x", { call: "perf-attach" }) as BpfError).hint ?? "", "another tool holds this event or probe exclusively");
  assert.match((explain(sysError("EBUSY"), "pin map h", {}) as BpfError).hint ?? "", "another user holds it");
});

test("Node's own system errors (a tracefs write) are explained like the syscalls' (EBUSY here)", () => {
  const nodeError = Object.assign(new Error("EBUSY: resource busy or locked, write"), { code: "EBUSY", errno: -16, syscall: "write" });
  const e = explain(nodeError, "create uprobe /bin/true:main in tracefs uprobe_events", { call: "perf-open" }) as BpfError;
  assert.instance(e, BpfError);
  assert.is(e.message, "create uprobe /bin/true:main in tracefs uprobe_events: the kernel says it is busy (EBUSY)");
});

test("ENOSPC: a full map for an update, a full kernel table otherwise", () => {
  assert.match((explain(sysError("ENOSPC"), "update map h", { call: "map-update" }) as BpfError).hint ?? "", "the map is full");
  assert.match((explain(sysError("ENOSPC"), "attach x", { call: "perf-attach" }) as BpfError).hint ?? "", "a fixed-size kernel table is full");
});

test("ENOENT: it does not exist in this kernel", () => {
  assert.is(explain(sysError("ENOENT"), "attach kprobe nosuch").message, "attach kprobe nosuch: it does not exist in this kernel (ENOENT)");
});

test("ENOSYS: no bpf() at all, which is a missing feature", () => {
  const e = explain(sysError("ENOSYS"), "create map h", { call: "map-create" });
  assert.instance(e, UnsupportedFeatureError);
  assert.match(e.message, "CONFIG_BPF_SYSCALL");
});

test("ENODEV on perf_event_open: no such event source", () => {
  assert.match(explain(sysError("ENODEV"), "open cycles", { call: "perf-open" }).message, "has no such event source (PMU) (ENODEV)");
});

// ---- programs -------------------------------------------------------------------------------------------------

const prog = (n: number): ProgramSpec => ({
  name: "p", type: "tracepoint", attach: { kind: "none" }, license: "GPL",
  instructions: resolve([...Array.from({ length: n - 1 }, () => Mov.imm(R0, 0)), Exit()]),
});

test("E2BIG on program load without a log: too large, with the instruction count and the limit", () => {
  const sys = new FakeBpfSys();
  sys.loadBehaviour = { errno: "E2BIG", log: "" };
  const e = thrown(() => Program.load(sys, prog(5000), { mapFd: () => undefined }));
  assert.match(e.message, "load program p: too large: 5000 instructions, limit 1000000 (4096 without CAP_BPF) (E2BIG)");
  assert.match((e as BpfError).hint ?? "", "split the work into several probes");
});

// ---- attaching: BPF_TRACE_MAX_PROGS ------------------------------------------------------------------------------

function fakeTracefs(): Tracefs {
  const root = mkdtempSync(join(tmpdir(), "tsbpf-tracefs-"));
  mkdirSync(join(root, "events", "syscalls", "sys_enter_getpid"), { recursive: true });
  writeFileSync(join(root, "events", "syscalls", "sys_enter_getpid", "id"), "600\n");
  return Tracefs.at(root);
}

const tracepointSpec = (): CollectionSpec => ({
  maps: [],
  programs: [{ name: "t", type: "tracepoint", attach: { kind: "tracepoint", category: "syscalls", name: "sys_enter_getpid" }, instructions: resolve([Mov.imm(R0, 0), Exit()]), license: "GPL" }],
});

test("E2BIG attaching to a tracepoint (bpf_link): the per-event program limit, which tracepoint, what to do", async () => {
  const sys = new FakeBpfSys();
  // Only the real attachment fails: the feature probe before it passes bogus fds.
  sys.fail(LINK_CREATE, "E2BIG", 1, (v) => v.getUint32(0, true) !== 0x7fffffff);
  const e = await rejected(() => Collection.load(tracepointSpec(), { kernel: new Kernel(sys, { tracefs: fakeTracefs() }), track: false }));
  assert.match(e.message, "attach program t to tracepoint syscalls/sys_enter_getpid: too many BPF programs on one event: the kernel allows 64 per tracepoint, kprobe or perf event (BPF_TRACE_MAX_PROGS), counting every tracer's (E2BIG)");
  assert.match((e as BpfError).hint ?? "", "bpftool perf list");
  assert.equal(sys.openFds(), [], "the perf event, program and maps are released");
});

test("E2BIG attaching with the legacy ioctl (before 5.15): the same explanation; EEXIST: already attached", async () => {
  for (const [errno, text] of [["E2BIG", "BPF_TRACE_MAX_PROGS"], ["EEXIST", "a BPF program is already attached to this perf event"]] as const) {
    const sys = new FakeBpfSys();
    sys.perfLink = false;
    sys.failCall("ioctl", errno);
    const e = await rejected(() => Collection.load(tracepointSpec(), { kernel: new Kernel(sys, { tracefs: fakeTracefs() }), track: false }));
    assert.match(e.message, text);
    assert.equal(sys.openFds(), []);
  }
});

test("EINVAL opening a profile above the kernel's maximum sample rate: the rate and the sysctl", async () => {
  const sys = new FakeBpfSys();
  sys.failCall("perfEventOpen", "EINVAL");
  const spec: CollectionSpec = {
    maps: [],
    programs: [{ name: "p", type: "perf_event", attach: { kind: "profile", frequency: 10_000_000 }, instructions: resolve([Mov.imm(R0, 0), Exit()]), license: "GPL" }],
  };
  const e = await rejected(() => Collection.load(spec, { kernel: new Kernel(sys, { tracefs: fakeTracefs() }), track: false }));
  assert.match(e.message, "10000000 Hz is more than this kernel samples (EINVAL)");
  assert.match((e as BpfError).hint ?? "", "kernel.perf_event_max_sample_rate is");
  assert.equal(sys.openFds(), []);
});

test.run();
