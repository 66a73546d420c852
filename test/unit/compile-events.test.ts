// Compiled event channels, run in the VM: an object literal built in a reserved ring record, a full ring counting
// its losses, events larger than the stack (per-CPU scratch memory) through a ring buffer and a perf event array,
// and kernel struct fields read at offsets relocated from BTF.

import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { compile } from "../../compiler/index.ts";
import { parseBtf } from "../../core/object/btf/index.ts";
import { fieldOffset } from "../../core/object/relocate.ts";
import { memoryOf, simulate } from "../../testing.ts";
import { lacksVmlinuxBtf } from "../support/skip.ts";

const fixtures = join(dirname(fileURLToPath(import.meta.url)), "../fixtures/events");
const cstr = (s: string, size = s.length + 1) => {
  const b = new Uint8Array(size);
  b.set(new TextEncoder().encode(s));
  return b;
};

test("emit({...}) builds the event in the reserved record: shorthand fields, helpers, a user string", async () => {
  const path = 0x7000_0000n;
  const sim = await simulate(join(fixtures, "ring.ts"), { env: { pid: 4242, comm: "cat", readUser: memoryOf([[path, cstr("/etc/passwd")]]) } });
  const r = sim.fire("syscalls/sys_enter_openat", { dfd: -100, filename: path });
  assert.is(r.ret, 1);
  assert.is(r.events.length, 1);
  assert.is(r.events[0]!.channel, "events");
  assert.equal(r.events[0]!.event, { pid: 4242, fd: -100, comm: "cat", ts: 1_000_000_000n, path: "/etc/passwd" });
  assert.is(sim.lost("events"), 0n);
});

test("the compiled emit reserves and submits in place: no stack copy, no zero-filling of the string", () => {
  const r = compile(join(fixtures, "ring.ts"));
  assert.ok(r.spec, JSON.stringify(r.diagnostics));
  const insns = r.spec.programs[0]!.instructions;
  const calls = insns.filter((i) => i.op === 0x85).map((i) => i.imm);
  assert.ok(calls.includes(131) && calls.includes(132), `reserve and submit: ${calls}`);
  assert.not.ok(calls.includes(130), "no bpf_ringbuf_output");
  // 64 bytes of path zeroed would be 8 stores of 0 to the record; there are none beyond the struct's padding.
  const zeroStores = insns.filter((i) => (i.op & 0x07) === 0x02 && i.imm === 0).length;
  assert.ok(zeroStores <= 2, `${zeroStores} zero stores`);
});

test("sizes of strings and arrays from constants: `typeof` a const, a type alias of a literal", () => {
  const r = compile(join(fixtures, "sized.ts"));
  assert.ok(r.spec, JSON.stringify(r.diagnostics));
  const type = r.spec.maps.find((m) => m.name === "events")!.events!.type;
  assert.equal(type.kind === "struct" && type.fields.map((f) => [f.name, f.type]), [
    ["pid", { kind: "int", size: 4, signed: false }],
    ["name", { kind: "string", capacity: 48 }],
    ["args", { kind: "array", element: { kind: "string", capacity: 48 }, length: 3 }],
    ["tag", { kind: "string", capacity: 8 }],
    ["raw", { kind: "array", element: { kind: "int", size: 1, signed: false }, length: 8 }],
  ]);
});

test("a full ring: emit returns false, nothing is written, the loss is counted per event", async () => {
  const path = 0x7000_0000n;
  const sim = await simulate(join(fixtures, "ring.ts"), { env: { readUser: memoryOf([[path, cstr("/x")]]) } });
  // The event is 96 bytes, a record 8 + 96: 4096 bytes hold 39 of them (the producer stays a byte short of full).
  const results = Array.from({ length: 43 }, () => sim.fire("syscalls/sys_enter_openat", { dfd: 3, filename: path }).ret);
  assert.equal(results.filter((x) => x === 1).length, 39);
  assert.equal(results.slice(39), [0, 0, 0, 0]);
  assert.is(sim.lost("events"), 4n);
  assert.is(sim.events("events").length, 39);
  // Space is back once the test consumed them.
  assert.is(sim.fire("syscalls/sys_enter_openat", { dfd: 3, filename: path }).ret, 1);
});

test("events larger than the stack go through per-CPU scratch memory to a ring buffer and a perf event array", async () => {
  const file = 0x7000_0000n;
  const argv = 0x7100_0000n;
  const arg0 = 0x7200_0000n;
  const argvBytes = new Uint8Array(8);
  new DataView(argvBytes.buffer).setBigUint64(0, arg0, true);
  const long = "x".repeat(350);
  const sim = await simulate(join(fixtures, "big.ts"), {
    env: { pid: 77, comm: "sh", cpu: 2, readUser: memoryOf([[file, cstr("/bin/ls")], [argv, argvBytes], [arg0, cstr(long)]]) },
  });
  assert.ok(sim.spec.maps.some((m) => m.name.startsWith(".scratch.") && m.valueSize >= 804), "a scratch map");
  const r = sim.fire("syscalls/sys_enter_execve", { filename: file, argv });
  assert.equal(r.events.map((e) => [e.channel, e.event]), [
    ["ring", { pid: 77, file: "/bin/ls", first: long }],
    ["perf", { pid: 77, file: "/bin/ls", first: long }],
    ["perf", { pid: 7, file: "literal", first: "sh" }],
  ]);
  assert.is(sim.lost("perf"), 0n);
});

const VMLINUX = "/sys/kernel/btf/vmlinux";

test("kernel struct fields are read at the offsets this kernel's BTF gives (btf_field relocations)", async () => {
  if (lacksVmlinuxBtf()) return;
  const btf = parseBtf(readFileSync(VMLINUX));
  const off = (f: string) => fieldOffset(btf, "task_struct", f).offset;
  const task = 0xffff_8880_0000_0000n;
  const parent = 0xffff_8880_1000_0000n;
  const mem = new Uint8Array(16384);
  const view = new DataView(mem.buffer);
  view.setBigUint64(off("real_parent"), parent, true);
  view.setInt32(off("exit_code"), 9 << 8, true);
  view.setBigUint64(off("start_time"), 123_456_789n, true);
  const pmem = new Uint8Array(16384);
  new DataView(pmem.buffer).setInt32(off("tgid"), 4321, true);
  const sim = await simulate(join(fixtures, "task.ts"), { btf, env: { task, readKernel: memoryOf([[task, mem], [parent, pmem]]) } });
  const relocs = sim.spec.programs[0]!.relocations ?? [];
  assert.equal(relocs.map((r) => r.kind === "btf_field" && `${r.struct}.${r.field}:${r.size}`), ["task_struct.real_parent:8", "task_struct.tgid:4", "task_struct.exit_code:4", "task_struct.start_time:8"]);
  const r = sim.fire("sched/sched_process_exit", {});
  assert.equal(r.events[0]?.event, { ppid: 4321, code: 9 << 8, start: 123_456_789n });
});

test("a field this kernel does not have fails at load with the struct and field named", async () => {
  if (lacksVmlinuxBtf()) return;
  const btf = parseBtf(readFileSync(VMLINUX));
  assert.throws(() => fieldOffset(btf, "task_struct", "no_such_field"), /struct task_struct has no field no_such_field/);
  assert.throws(() => fieldOffset(btf, "no_such_struct", "x"), /no struct no_such_struct/);
  assert.is(fieldOffset(btf, "task_struct", "se.sum_exec_runtime").size, 8);
});

test.run();
