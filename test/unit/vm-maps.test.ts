// runtime/interp maps and helpers: hand-assembled programs in, the kernel's return values, errnos and map contents out,
// read back through the same user-side methods as the kernel's BpfMap.

import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  Add, Call, Exit, JEq, LdFunc, LdMapFd, LdMapValue, Ldx, Mov, R0, R1, R2, R3, R4, R5, R6, R7, R8, R10, St, Stx,
  label, resolve, type AsmItem,
} from "../../core/asm/index.ts";
import { type TypeDesc, u32, u64, i64 } from "../../core/object/layout.ts";
import { MAP_FLAGS, type MapSpec } from "../../core/object/spec.ts";
import { FakeClock, TAI_OFFSET_NS, defaultEnvironment, memoryOf, simHelpers, type SimEnvironment } from "../../runtime/interp/helpers.ts";
import { MockMap } from "../../runtime/interp/maps.ts";
import { MockStackTraceMap } from "../../runtime/interp/stacks.ts";
import { VmError, VmProgram, type VmMap } from "../../runtime/interp/index.ts";
import { BpfError } from "../../runtime/kernel/errors.ts";
import { BpfMap } from "../../runtime/kernel/maps.ts";

const ANY = 0, NOEXIST = 1, EXIST = 2;
const hashSpec = (over: Partial<MapSpec> = {}): MapSpec => ({ name: "m", type: "hash", keySize: 4, valueSize: 8, maxEntries: 16, key: u32, value: u64, ...over });

/** Loads `items` with simulated helpers over `env` and the given maps (found by name). */
function load(items: readonly AsmItem[], maps: readonly VmMap[], env: SimEnvironment = defaultEnvironment()): VmProgram {
  const byName = new Map<string, VmMap>(maps.map((m) => [m.name, m]));
  return VmProgram.load(resolve(items), { helpers: simHelpers(env), maps: (ref) => (ref.name === undefined ? undefined : byName.get(ref.name)) });
}
const signed = (r0: bigint): bigint => BigInt.asIntN(64, r0);

/** Three programs over map `name` with a u32 key and a u64 value: update(key, value, flags), lookup(key), delete(key). */
function mapOps(map: MockMap, env: SimEnvironment = defaultEnvironment()) {
  const keyPtr = (r: number): AsmItem[] => [Mov.reg(r, R10), Add.imm(r, -4)];
  const update = load([
    Stx.w(R10, -4, R1), Stx.dw(R10, -16, R2), Mov.reg(R4, R3),
    LdMapFd(R1, map.name), ...keyPtr(R2), Mov.reg(R3, R10), Add.imm(R3, -16), Call.helper(2), Exit(),
  ], [map], env);
  const lookup = load([
    Stx.w(R10, -4, R1), LdMapFd(R1, map.name), ...keyPtr(R2), Call.helper(1),
    JEq.imm(R0, 0, "none"), Ldx.dw(R0, R0, 0), Exit(),
    label("none"), Mov.imm(R0, -1), Exit(),
  ], [map], env);
  const del = load([Stx.w(R10, -4, R1), LdMapFd(R1, map.name), ...keyPtr(R2), Call.helper(3), Exit()], [map], env);
  return {
    update: (key: number, value: bigint | number, flags: number) => signed(update.run({ regs: { 1: BigInt(key), 2: BigInt(value), 3: BigInt(flags) } }).r0),
    /** The value, or -1 when the helper returned NULL. */
    lookup: (key: number) => signed(lookup.run({ regs: { 1: BigInt(key) } }).r0),
    del: (key: number) => signed(del.run({ regs: { 1: BigInt(key) } }).r0),
  };
}

const throwsBpf = (fn: () => unknown, re: RegExp, code?: string) =>
  assert.throws(fn, (e: unknown) => e instanceof BpfError && re.test(e.message) && (code === undefined || e.code === code));
const vmFault = (fn: () => unknown, kind: string, re: RegExp) =>
  assert.throws(fn, (e: unknown) => e instanceof VmError && e.kind === kind && re.test(e.message));

test("hash map through helpers: BPF_ANY, BPF_NOEXIST, BPF_EXIST, bad flags and delete return the kernel's errnos", () => {
  const m = new MockMap<number, bigint>(hashSpec());
  const { update, lookup, del } = mapOps(m);
  assert.is(lookup(1), -1n);
  assert.is(update(1, 10, NOEXIST), 0n);
  assert.is(update(1, 11, NOEXIST), -17n); // -EEXIST
  assert.is(lookup(1), 10n);
  assert.is(update(2, 20, EXIST), -2n); // -ENOENT
  assert.is(update(1, 12, EXIST), 0n);
  assert.is(lookup(1), 12n);
  assert.is(update(1, 13, ANY), 0n);
  assert.is(update(1, 14, 3), -22n); // flags > BPF_EXIST
  assert.is(update(1, 14, 4), -22n); // BPF_F_LOCK without a spin lock in the value
  assert.is(m.get(1), 13n);
  assert.is(del(1), 0n);
  assert.is(del(1), -2n);
  assert.is(lookup(1), -1n);
  assert.is(m.has(1), false);
});

test("a full hash map: -E2BIG from programs and 'is full' from user space; existing keys still update", () => {
  const m = new MockMap<number, bigint>(hashSpec({ maxEntries: 2 }));
  const { update, del } = mapOps(m);
  assert.is(update(1, 1, ANY), 0n);
  assert.is(update(2, 2, ANY), 0n);
  assert.is(update(3, 3, ANY), -7n);
  assert.is(update(1, 10, ANY), 0n);
  throwsBpf(() => m.set(3, 3n), /^map m is full \(max_entries 2\)$/, "E2BIG");
  assert.is(del(2), 0n);
  assert.is(update(3, 3, ANY), 0n);
  assert.equal(m.entries(), [[1, 10n], [3, 3n]]);
});

test("LRU maps evict the least recently used entry; program lookups and updates count as use, user reads do not", () => {
  const m = new MockMap<number, bigint>(hashSpec({ type: "lru_hash", maxEntries: 3 }));
  const { update, lookup } = mapOps(m);
  for (const k of [1, 2, 3]) assert.is(update(k, k * 10, ANY), 0n);
  assert.is(lookup(1), 10n); // 1 is now the most recent: 2, 3, 1
  assert.is(m.get(2), 20n); // a user-space read does not count (htab_lru_map_lookup_elem_sys)
  assert.is(update(4, 40, ANY), 0n); // evicts 2: 3, 1, 4
  assert.is(m.has(2), false);
  assert.is(update(3, 31, EXIST), 0n); // 1, 4, 3
  m.set(5, 50n); // a user-space update is a use too: evicts 1
  assert.equal([...m.keys()], [3, 4, 5]); // insertion order, not recency
  assert.equal(m.entries(), [[3, 31n], [4, 40n], [5, 50n]]);
});

test("pointer stability: stores through a looked-up pointer land in the map; updates keep the buffer", () => {
  const m = new MockMap<number, bigint>(hashSpec());
  m.set(7, 100n);
  // *lookup(7) += 1, three times
  const inc = load([
    St.w(R10, -4, 7), LdMapFd(R1, "m"), Mov.reg(R2, R10), Add.imm(R2, -4), Call.helper(1), JEq.imm(R0, 0, "out"),
    Ldx.dw(R1, R0, 0), Add.imm(R1, 1), Stx.dw(R0, 0, R1), label("out"), Mov.imm(R0, 0), Exit(),
  ], [m]);
  for (let i = 0; i < 3; i++) inc.run();
  assert.is(m.get(7), 103n);
  // p = lookup(7); update(7, 555); return *p
  const stale = load([
    St.w(R10, -4, 7), LdMapFd(R1, "m"), Mov.reg(R2, R10), Add.imm(R2, -4), Call.helper(1), Mov.reg(R6, R0),
    St.dw(R10, -16, 555), LdMapFd(R1, "m"), Mov.reg(R2, R10), Add.imm(R2, -4), Mov.reg(R3, R10), Add.imm(R3, -16), Mov.imm(R4, ANY),
    Call.helper(2), Ldx.dw(R0, R6, 0), Exit(),
  ], [m]);
  assert.is(stale.run().r0, 555n);
  const key = Uint8Array.of(7, 0, 0, 0);
  const live = m.lookupRaw(key, 0)!;
  assert.ok(live === m.lookupRaw(key, 0));
  // A deleted entry's buffer is reused by the next new key, as the kernel reuses preallocated elements.
  m.delete(7);
  m.set(8, 1n);
  assert.ok(m.lookupRaw(Uint8Array.of(8, 0, 0, 0), 0) === live);
});

test("per-CPU maps: each simulated CPU has its own value; a program updates its own CPU; user space merges", () => {
  const env = defaultEnvironment();
  const m = new MockMap<number, bigint>(hashSpec({ name: "pc", type: "percpu_hash" }));
  assert.is(m.cpus, 4);
  const { update, lookup } = mapOps(m, env);
  assert.is(update(1, 5, ANY), 0n); // created on CPU 0, zero on the others
  env.cpu = 2;
  assert.is(lookup(1), 0n);
  assert.is(update(1, 7, ANY), 0n);
  assert.is(lookup(1), 7n);
  env.cpu = 0;
  assert.is(lookup(1), 5n);
  assert.equal(m.getPerCpu(1), [5n, 0n, 7n, 0n]);
  assert.is(m.getMerged(1), 12n);
  assert.equal(m.entriesMerged(), [[1, 12n]]);
  assert.equal(m.getMerged(1, (vs) => vs.reduce((a, b) => (a > b ? a : b))), 7n);
  throwsBpf(() => m.get(1), /^map pc is per-CPU: use getPerCpu\(\) or getMerged\(\)$/);
  throwsBpf(() => m.entries(), /use entriesPerCpu\(\) or entriesMerged\(\)/);
  m.set(2, [1n, 2n, 3n, 4n]);
  assert.equal(m.getPerCpu(2), [1n, 2n, 3n, 4n]);
  m.set(3, 9n);
  assert.equal(m.getPerCpu(3), [9n, 9n, 9n, 9n]);
  throwsBpf(() => m.set(2, [1n]), /^map pc: expected 4 per-CPU values, got 1$/);
  assert.is(m.getRaw(Uint8Array.of(2, 0, 0, 0))!.length, 4 * 8);
  // A new key that reuses a deleted entry's buffers still starts at zero on the other CPUs.
  m.delete(2);
  assert.is(update(5, 8, ANY), 0n);
  assert.equal(m.getPerCpu(5), [8n, 0n, 0n, 0n]);
  env.cpu = 4;
  vmFault(() => lookup(1), "helper", /bpf_map_lookup_elem: the program runs on CPU 4, but map pc simulates 4 CPUs/);

  // A per-CPU array counter: each CPU counts its own runs.
  const arr = new MockMap<number, bigint>({ name: "hits", type: "percpu_array", keySize: 4, valueSize: 8, maxEntries: 1, key: u32, value: u64 }, { cpus: 2 });
  const env2 = defaultEnvironment();
  const count = load([
    St.w(R10, -4, 0), LdMapFd(R1, "hits"), Mov.reg(R2, R10), Add.imm(R2, -4), Call.helper(1), JEq.imm(R0, 0, "out"),
    Ldx.dw(R1, R0, 0), Add.imm(R1, 1), Stx.dw(R0, 0, R1), label("out"), Mov.imm(R0, 0), Exit(),
  ], [arr], env2);
  for (const cpu of [0, 1, 1, 1]) {
    env2.cpu = cpu;
    count.run();
  }
  assert.equal(arr.getPerCpu(0), [1n, 3n]);
  assert.equal(arr.entriesMerged(), [[0, 4n]]);
});

test("array maps: pre-zeroed, bounds-checked, NOEXIST is -EEXIST, delete is -EINVAL; user errors match BpfMap", () => {
  const m = new MockMap<number, bigint>({ name: "arr", type: "array", keySize: 4, valueSize: 8, maxEntries: 4, key: u32, value: u64 });
  const { update, lookup, del } = mapOps(m);
  assert.is(lookup(0), 0n);
  assert.is(lookup(4), -1n); // out of range: NULL
  assert.is(update(3, 9, ANY), 0n);
  assert.is(update(4, 1, ANY), -7n); // -E2BIG
  assert.is(update(0, 1, NOEXIST), -17n); // every element exists
  assert.is(update(0, 1, EXIST), 0n);
  assert.is(del(0), -22n);
  assert.equal([...m.keys()], [0, 1, 2, 3]);
  assert.equal(m.entries(), [[0, 1n], [1, 0n], [2, 0n], [3, 9n]]);
  assert.is(m.get(4), undefined);
  throwsBpf(() => m.delete(0), /^map arr: elements of array maps cannot be deleted; set them to zero instead$/, "EINVAL");
  throwsBpf(() => m.set(4, 1n), /^map arr: index out of range \(max_entries 4\)$/, "E2BIG");
  throwsBpf(() => m.set(0, 1n, "noexist"), /^map arr: the key already exists \(update with "noexist"\)$/, "EEXIST");
  throwsBpf(() => m.drain(), /cannot be deleted/);
  m.clear();
  assert.equal(m.entries().map(([, v]) => v), [0n, 0n, 0n, 0n]);
});

test("read-only data: initialValue fills element 0; RDONLY_PROG faults on program writes; frozen maps refuse user writes", () => {
  const rodata = new MockMap<number, bigint>({
    name: "rodata", type: "array", keySize: 4, valueSize: 8, maxEntries: 1, key: u32, value: u64,
    flags: MAP_FLAGS.rdonlyProg, initialValue: "2a00000000000000", freeze: true,
  });
  assert.is(rodata.writable, false);
  assert.is(rodata.get(0), 42n);
  assert.is(load([LdMapValue(R1, "rodata"), Ldx.dw(R0, R1, 0), Exit()], [rodata]).run().r0, 42n);
  vmFault(() => load([LdMapValue(R1, "rodata"), St.b(R1, 0, 1), Mov.imm(R0, 0), Exit()], [rodata]).run(), "write", /write to read-only map value rodata/);
  // The same through a pointer from bpf_map_lookup_elem.
  vmFault(() => load([
    St.w(R10, -4, 0), LdMapFd(R1, "rodata"), Mov.reg(R2, R10), Add.imm(R2, -4), Call.helper(1), JEq.imm(R0, 0, "out"),
    St.dw(R0, 0, 1), label("out"), Mov.imm(R0, 0), Exit(),
  ], [rodata]).run(), "write", /write to read-only map value rodata/);
  vmFault(() => mapOps(rodata).update(0, 1, ANY), "helper", /bpf_map_update_elem: write into map forbidden: map rodata is read-only for programs/);
  throwsBpf(() => rodata.set(0, 1n), /map rodata: user space cannot write to it: it is frozen/, "EPERM");
  // A writable global (.data / .bss) is shared between BPF_PSEUDO_MAP_VALUE and the user side.
  const data = new MockMap<number, bigint>({ name: "data", type: "array", keySize: 4, valueSize: 8, maxEntries: 1, key: u32, value: u64 });
  load([LdMapValue(R1, "data"), St.dw(R1, 0, 77), Mov.imm(R0, 0), Exit()], [data]).run();
  assert.is(data.get(0), 77n);
  assert.throws(() => new MockMap(hashSpec()).valueRegion(), /only array maps have a value region/);
});

/** A program that runs probe-read helper `id` into out[0] (a 32-byte array value): r1 = size, r2 = source address. */
function probeInto(id: number, out: MockMap, env: SimEnvironment, dst?: bigint): VmProgram {
  return load([
    Mov.reg(R7, R1), Mov.reg(R8, R2),
    St.w(R10, -4, 0), LdMapFd(R1, out.name), Mov.reg(R2, R10), Add.imm(R2, -4), Call.helper(1), JEq.imm(R0, 0, "out"),
    dst === undefined ? Mov.reg(R1, R0) : Mov.imm(R1, Number(dst)), Mov.reg(R2, R7), Mov.reg(R3, R8), Call.helper(id),
    label("out"), Exit(),
  ], [out], env);
}
const outMap = () => new MockMap<number, Uint8Array>({ name: "out", type: "array", keySize: 4, valueSize: 32, maxEntries: 1, key: u32 });
const fill = (m: MockMap<number, Uint8Array>) => m.set(0, new Uint8Array(32).fill(0xff));
const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

test("probe reads: a copy on success; on a fault -EFAULT and a zeroed destination; kernel reads see VM memory", () => {
  const user = Uint8Array.from({ length: 16 }, (_, i) => i + 1);
  const env = defaultEnvironment({ readUser: memoryOf([[0x1000n, user]]), readKernel: memoryOf([[0xffff0000n, ascii("kernel")]]) });
  const out = outMap();
  const readUser = probeInto(112, out, env);
  fill(out);
  assert.is(readUser.run({ regs: { 1: 16n, 2: 0x1000n } }).r0, 0n);
  assert.equal(out.get(0)!.subarray(0, 17), Uint8Array.from([...user, 0xff]));
  fill(out);
  assert.is(signed(readUser.run({ regs: { 1: 16n, 2: 0x1008n } }).r0), -14n); // crosses the end of readable memory
  assert.equal(out.get(0)!.subarray(0, 17), Uint8Array.from([...new Uint8Array(16), 0xff]));
  assert.is(readUser.run({ regs: { 1: 0n, 2: 0n } }).r0, 0n); // size 0 reads nothing
  const readKernel = probeInto(113, out, env);
  assert.is(readKernel.run({ regs: { 1: 6n, 2: 0xffff0000n } }).r0, 0n);
  assert.equal(out.get(0)!.subarray(0, 6), ascii("kernel"));
  assert.is(signed(readKernel.run({ regs: { 1: 8n, 2: 0x1000n } }).r0), -14n); // user memory is not kernel memory
  // The program's own stack is kernel memory: bpf_probe_read_kernel can copy from it, bpf_probe_read_user cannot.
  const fromStack = (id: number) => load([
    St.dw(R10, -8, 0x1234), St.w(R10, -12, 0), LdMapFd(R1, "out"), Mov.reg(R2, R10), Add.imm(R2, -12), Call.helper(1),
    JEq.imm(R0, 0, "out"), Mov.reg(R1, R0), Mov.imm(R2, 8), Mov.reg(R3, R10), Add.imm(R3, -8), Call.helper(id), label("out"), Exit(),
  ], [out], env);
  assert.is(fromStack(113).run().r0, 0n);
  assert.is(new DataView(out.get(0)!.buffer).getBigUint64(0, true), 0x1234n);
  assert.is(signed(fromStack(112).run().r0), -14n);
  vmFault(() => probeInto(112, out, env, 0x1234n).run({ regs: { 1: 8n, 2: 0x1000n } }), "helper",
    /bpf_probe_read_user: destination r1 \(0x1234, 8 bytes\) is not writable memory/);
});

test("string probe reads: the string and its NUL, the length including the NUL, truncation, faults", () => {
  const env = defaultEnvironment({
    readUser: memoryOf([[0x2000n, ascii("hello\0world\0\0")], [0x3000n, ascii("abcdef")], [0x4000n, ascii("hi\0")]]),
    readKernel: memoryOf([[0x5000n, ascii("kstr\0")]]),
  });
  const out = outMap();
  const str = probeInto(114, out, env);
  const run = (size: number, src: bigint) => {
    fill(out);
    return signed(str.run({ regs: { 1: BigInt(size), 2: src } }).r0);
  };
  assert.is(run(32, 0x2000n), 6n);
  assert.equal(out.get(0)!.subarray(0, 7), Uint8Array.from([...ascii("hello\0"), 0xff])); // nothing past the NUL
  assert.is(run(4, 0x2000n), 4n); // truncated: size - 1 bytes and a NUL
  assert.equal(out.get(0)!.subarray(0, 5), Uint8Array.from([...ascii("hel\0"), 0xff]));
  assert.is(run(8, 0x2005n), 1n); // the empty string
  assert.is(run(4, 0x3000n), 4n); // no NUL within size bytes, all readable
  assert.is(run(16, 0x3000n), -14n); // runs off the end of readable memory before a NUL
  assert.equal(out.get(0)!.subarray(0, 17), Uint8Array.from([...new Uint8Array(16), 0xff]));
  assert.is(run(16, 0x4000n), 3n); // a short string at the end of readable memory
  fill(out);
  assert.is(probeInto(115, out, env).run({ regs: { 1: 16n, 2: 0x5000n } }).r0, 5n);
  assert.equal(out.get(0)!.subarray(0, 6), Uint8Array.from([...ascii("kstr\0"), 0xff]));
});

test("current task: pid/tgid and uid/gid packing, comm truncated and zero-padded, cpu, cgroup, clocks, random", () => {
  const clock = new FakeClock(5_000_000_123n);
  const env = defaultEnvironment({ pid: 4242, tid: 4243, uid: 1001, gid: 1002, cpu: 3, cgroupId: 0x1234_5678_9an, clock });
  const call = (id: number) => load([Call.helper(id), Exit()], [], env).run().r0;
  assert.is(call(14), (4242n << 32n) | 4243n);
  assert.is(call(15), (1002n << 32n) | 1001n);
  assert.is(call(8), 3n);
  assert.is(call(80), 0x1234_5678_9an);
  assert.is(call(42), 0n);
  assert.is(call(5), 5_000_000_123n);
  assert.is(call(125), 5_000_000_123n);
  assert.is(call(160), 5_000_000_000n); // coarse: the last 4 ms tick
  assert.is(call(118), 1250n); // jiffies at HZ=250
  assert.is(call(208), 5_000_000_123n + TAI_OFFSET_NS);
  clock.advance(10);
  assert.is(call(5), 5_000_000_133n);
  const rand = (e: SimEnvironment) => [0, 1, 2].map(() => load([Call.helper(7), Exit()], [], e).run().r0);
  const first = rand(defaultEnvironment());
  assert.equal(rand(defaultEnvironment()), first); // deterministic
  assert.ok(first.every((v) => v <= 0xffffffffn) && new Set(first).size === 3);

  const out = outMap();
  const comm = load([
    Mov.reg(R7, R1), St.w(R10, -4, 0), LdMapFd(R1, "out"), Mov.reg(R2, R10), Add.imm(R2, -4), Call.helper(1), JEq.imm(R0, 0, "out"),
    Mov.reg(R1, R0), Mov.reg(R2, R7), Call.helper(16), label("out"), Exit(),
  ], [out], env);
  const commOf = (name: string, size: number) => {
    env.comm = name;
    fill(out);
    assert.is(comm.run({ regs: { 1: BigInt(size) } }).r0, 0n);
    return out.get(0)!.subarray(0, size + 1);
  };
  assert.equal(commOf("a-very-long-command-name", 16), Uint8Array.from([...ascii("a-very-long-com\0"), 0xff])); // TASK_COMM_LEN
  assert.equal(commOf("a-very-long-command-name", 8), Uint8Array.from([...ascii("a-very-\0"), 0xff]));
  assert.equal(commOf("sh", 16), Uint8Array.from([...ascii("sh"), ...new Uint8Array(14), 0xff])); // zero-padded
});

test("bpf_loop: the callback gets (index, ctx), sums through its context, stops on 1; bad flags and counts are refused", () => {
  const out = new MockMap<number, { ret: bigint; sum: bigint }>({
    name: "out", type: "array", keySize: 4, valueSize: 16, maxEntries: 1, key: u32,
    value: { kind: "struct", fields: [{ name: "ret", type: i64 }, { name: "sum", type: u64 }] } as TypeDesc,
  });
  // ctx = { sum at r10-16, stopAt at r10-8 }; r1 = count, r2 = stopAt, r3 = flags
  const p = load([
    St.dw(R10, -16, 0), Stx.dw(R10, -8, R2), Mov.reg(R4, R3),
    LdFunc(R2, "cb"), Mov.reg(R3, R10), Add.imm(R3, -16), Call.helper(181), Mov.reg(R6, R0),
    St.w(R10, -20, 0), LdMapFd(R1, "out"), Mov.reg(R2, R10), Add.imm(R2, -20), Call.helper(1), JEq.imm(R0, 0, "done"),
    Stx.dw(R0, 0, R6), Ldx.dw(R1, R10, -16), Stx.dw(R0, 8, R1),
    label("done"), Mov.imm(R0, 0), Exit(),
    label("cb"), Ldx.dw(R3, R2, 0), Add.reg(R3, R1), Stx.dw(R2, 0, R3), Ldx.dw(R4, R2, 8), JEq.reg(R1, R4, "stop"),
    Mov.imm(R0, 0), Exit(),
    label("stop"), Mov.imm(R0, 1), Exit(),
  ], [out]);
  const loop = (count: number, stopAt: number, flags = 0) => (p.run({ regs: { 1: BigInt(count), 2: BigInt(stopAt), 3: BigInt(flags) } }), out.get(0));
  assert.equal(loop(10, 100), { ret: 10n, sum: 45n });
  assert.equal(loop(10, 3), { ret: 4n, sum: 6n }); // 0 + 1 + 2 + 3, then stop
  assert.equal(loop(0, 100), { ret: 0n, sum: 0n });
  assert.equal(loop((1 << 23) + 1, 0), { ret: -7n, sum: 0n }); // -E2BIG, no iteration
  assert.equal(loop(10, 100, 1), { ret: -22n, sum: 0n }); // flags must be 0
});

/** Runs bpf_trace_printk on `fmt` (put in a read-only global) with up to three arguments; r0 and the printed lines. */
function printk(fmt: string, args: readonly bigint[], size = fmt.length + 1) {
  const bytes = new Uint8Array(Math.ceil((fmt.length + 1) / 8) * 8);
  bytes.set(ascii(fmt));
  const spec: MapSpec = { name: "fmt", type: "array", keySize: 4, valueSize: bytes.length, maxEntries: 1, flags: MAP_FLAGS.rdonlyProg, initialValue: Buffer.from(bytes).toString("hex") };
  const env = defaultEnvironment();
  const p = load([Mov.reg(R5, R3), Mov.reg(R4, R2), Mov.reg(R3, R1), LdMapValue(R1, "fmt"), Mov.imm(R2, size), Call.helper(6), Exit()], [new MockMap(spec)], env);
  const [a = 0n, b = 0n, c = 0n] = args;
  const r0 = signed(p.run({ regs: { 1: a, 2: b, 3: c } }).r0);
  return { r0, lines: env.printk };
}

test("bpf_trace_printk: integer conversions, l/ll, width and flags, %c and %%; bad formats are -EINVAL; %s is named", () => {
  const m1 = BigInt.asUintN(64, -1n);
  assert.equal(printk("pid %d comm %u hex %x\n", [m1, 42n, 255n]), { r0: 22n, lines: ["pid -1 comm 42 hex ff"] });
  assert.equal(printk("%lld %llu %llx", [BigInt.asUintN(64, -5n), m1, 0xdeadbeefcafen]).lines, ["-5 18446744073709551615 deadbeefcafe"]);
  assert.equal(printk("%d %u %i", [0xffffffffn, 0x100000001n, 7n]).lines, ["-1 1 7"]); // without l: 32 bits
  assert.equal(printk("[%5d|%-5d|%05d]", [42n, 42n, 42n]).lines, ["[   42|42   |00042]"]);
  assert.equal(printk("%+d %X %c%%", [7n, 0xabn, 65n]).lines, ["+7 AB A%"]);
  assert.equal(printk("%q", [1n]), { r0: -22n, lines: [] });
  assert.equal(printk("%d %d %d %d", [1n, 2n, 3n]), { r0: -22n, lines: [] }); // at most 3 arguments
  assert.equal(printk("no nul", [], 6), { r0: -22n, lines: [] }); // fmt_size excludes the NUL
  vmFault(() => printk("%s", [0n]), "helper", /bpf_trace_printk: %s is not simulated in the VM \(integers only\)/);
});

test("bpf_send_signal records signals; an invalid signal is -EINVAL; task, func ip and cookie are fixed values", () => {
  const env = defaultEnvironment();
  const p = load([Call.helper(109), Exit()], [], env);
  assert.is(p.run({ regs: { 1: 9n } }).r0, 0n);
  assert.is(signed(p.run({ regs: { 1: 65n } }).r0), -22n);
  assert.equal(env.signals, [9]);
  assert.ok(load([Call.helper(35), Exit()], [], env).run().r0 > 0xffff000000000000n);
  assert.is(load([Call.helper(173), Exit()], [], env).run().r0, 0n);
  assert.is(load([Call.helper(174), Exit()], [], env).run().r0, 0n);
});

test("bpf_get_current_task is the environment's task, readable through readKernel; bpf_get_stackid stores the environment's stacks", () => {
  const task = 0xffff_8880_1234_5000n;
  const env = defaultEnvironment({ task, readKernel: memoryOf([[task + 0x20n, Uint8Array.of(0x2a, 0, 0, 0, 0, 0, 0, 0)]]) });
  assert.is(load([Call.helper(35), Exit()], [], env).run().r0, task);
  // probe_read_kernel(r10-8, 8, task + 0x20): *(u64 *)(r10-8)
  const field = load([
    Call.helper(35), Mov.reg(R3, R0), Add.imm(R3, 0x20), Mov.reg(R1, R10), Add.imm(R1, -8), Mov.imm(R2, 8), Call.helper(113),
    Mov.reg(R6, R0), Ldx.dw(R0, R10, -8), Add.reg(R0, R6), Exit(),
  ], [], env);
  assert.is(field.run().r0, 42n);
  env.task = 0xffff_8880_9999_0000n;
  assert.is(signed(field.run().r0), -14n); // -EFAULT, and the destination zeroed: -14 + 0
  const stacks = new MockStackTraceMap({ name: "stacks", type: "stack_trace", keySize: 4, valueSize: 3 * 8, maxEntries: 1024 });
  env.kernelStack = [0xffff_ffff_8100_0010n, 0xffff_ffff_8100_0020n, 0xffff_ffff_8100_0030n, 0xffff_ffff_8100_0040n];
  env.userStack = [0x40_1000n, 0x40_2000n];
  const stackid = load([Mov.reg(R3, R1), LdMapFd(R2, "stacks"), Mov.imm(R1, 0), Call.helper(27), Exit()], [stacks], env);
  const id = (flags: bigint) => signed(stackid.run({ regs: { 1: flags } }).r0);
  const k = id(0n);
  assert.ok(k >= 0n);
  assert.equal(stacks.frames(Number(k)), env.kernelStack.slice(0, 3)); // cut to the map's depth
  assert.is(id(0n), k); // the same stack, the same id
  const skipped = id(1n);
  assert.equal(stacks.frames(Number(skipped)), env.kernelStack.slice(1, 4));
  const u = id(0x100n); // BPF_F_USER_STACK
  assert.equal(stacks.frames(Number(u)), env.userStack);
  assert.is(id(0x100n | 2n), -14n); // nothing left past 2 skipped frames: -EFAULT
  assert.is(id(0x7ffn), -14n); // every valid flag (skip 255)
  assert.is(id(0x800n), -22n);
  // A stack hashing to a taken bucket: -EEXIST, or the bucket replaced with BPF_F_REUSE_STACKID.
  const one = new MockStackTraceMap({ name: "one", type: "stack_trace", keySize: 4, valueSize: 8, maxEntries: 1 });
  const p1 = load([Mov.reg(R3, R1), LdMapFd(R2, "one"), Mov.imm(R1, 0), Call.helper(27), Exit()], [one], env);
  assert.is(signed(p1.run({ regs: { 1: 0n } }).r0), 0n);
  assert.is(signed(p1.run({ regs: { 1: 0x100n } }).r0), -17n);
  assert.is(signed(p1.run({ regs: { 1: 0x100n | 0x400n } }).r0), 0n);
  assert.equal(one.frames(0), [0x40_1000n]);
  vmFault(() => load([Mov.imm(R3, 0), LdMapFd(R2, "m"), Mov.imm(R1, 0), Call.helper(27), Exit()], [new MockMap(hashSpec())], env).run(), "helper",
    /^bpf_get_stackid: map m is not a stack trace map \(the verifier rejects this program\)/);
});

test("unsimulated helpers fail with the helper's id and name; maps that are not MockMaps are named", () => {
  vmFault(() => load([Mov.imm(R1, 0), Call.helper(26), Exit()], []).run(), "helper", /helper 26 \(bpf_skb_load_bytes\) is not available in the VM/);
  const fake: VmMap = { name: "plain" };
  const p = VmProgram.load(resolve([St.w(R10, -4, 0), LdMapFd(R1, "plain"), Mov.reg(R2, R10), Add.imm(R2, -4), Call.helper(1), Exit()]),
    { helpers: simHelpers(defaultEnvironment()), maps: () => fake });
  vmFault(() => p.run(), "helper", /bpf_map_lookup_elem: map plain is not simulated/);
  // A key pointer outside program memory is a located error too.
  const bad = load([LdMapFd(R1, "m"), Mov.imm(R2, 64), Call.helper(1), Exit()], [new MockMap(hashSpec())]);
  vmFault(() => bad.run(), "helper", /bpf_map_lookup_elem: key r2 \(0x40, 4 bytes\) is not readable memory at instruction 2/);
});

test("a MockMap refuses the map types other mocks simulate, and those the VM does not, with a clear error", () => {
  for (const type of ["ringbuf", "perf_event_array", "stack_trace", "lpm_trie"] as const) {
    assert.throws(() => new MockMap({ name: "x", type, keySize: 4, valueSize: 4, maxEntries: 4096 }), /x \(\w+\): \w+ maps are not simulated by a MockMap \(simulated: hash, array, percpu_hash/);
  }
});

test("user side: set flags, has, take, keys, entries, drain, clear, raw bytes and close behave as BpfMap's", () => {
  const key: TypeDesc = { kind: "struct", fields: [{ name: "pid", type: u32 }, { name: "comm", type: { kind: "string", capacity: 8 } }] };
  const m = new MockMap<{ pid: number; comm: string }, bigint>({ name: "by_task", type: "hash", keySize: 12, valueSize: 8, maxEntries: 8, key, value: u64 });
  m.set({ pid: 1, comm: "init" }, 1n, "noexist");
  m.set({ pid: 2, comm: "sh" }, 2n);
  throwsBpf(() => m.set({ pid: 1, comm: "init" }, 5n, "noexist"), /^map by_task: the key already exists \(update with "noexist"\)$/, "EEXIST");
  throwsBpf(() => m.set({ pid: 3, comm: "x" }, 5n, "exist"), /^map by_task: no such key \(update with "exist"\)$/, "ENOENT");
  assert.is(m.has({ pid: 2, comm: "sh" }), true);
  assert.equal([...m.keys()], [{ pid: 1, comm: "init" }, { pid: 2, comm: "sh" }]);
  assert.is(m.take({ pid: 1, comm: "init" }), 1n);
  assert.is(m.take({ pid: 1, comm: "init" }), undefined);
  assert.is(m.delete({ pid: 1, comm: "init" }), false);
  m.set({ pid: 3, comm: "bash" }, 3n);
  assert.equal(m.drain(), [[{ pid: 2, comm: "sh" }, 2n], [{ pid: 3, comm: "bash" }, 3n]]);
  assert.equal(m.entries(), []);
  m.set({ pid: 4, comm: "vi" }, 4n);
  m.clear();
  assert.is(m.size, 0);
  assert.equal(m.entriesPerCpu(), []);

  const raw = new MockMap({ name: "raw", type: "hash", keySize: 2, valueSize: 3, maxEntries: 2 });
  raw.updateRaw(Uint8Array.of(1, 2), Uint8Array.of(7, 8, 9, 10));
  assert.equal(raw.getRaw(Uint8Array.of(1, 2)), Uint8Array.of(7, 8, 9));
  assert.equal(raw.get(Uint8Array.of(1, 2)), Uint8Array.of(7, 8, 9));
  assert.is(raw.keyType, undefined);
  raw.close();
  throwsBpf(() => raw.get(Uint8Array.of(1, 2)), /^map raw is closed$/);
});

// Every public member of BpfMap, listed so that the type checker fails here when BpfMap gains or loses one.
const BPF_MAP_MEMBERS: Record<Exclude<keyof BpfMap, symbol>, "shared" | "kernel-only"> = {
  spec: "shared", name: "shared", type: "shared", keySize: "shared", valueSize: "shared", maxEntries: "shared", flags: "shared",
  perCpu: "shared", cpus: "shared", keyType: "shared", get: "shared", getPerCpu: "shared", getMerged: "shared",
  has: "shared", set: "shared", updateRaw: "shared", getRaw: "shared", delete: "shared", take: "shared",
  keys: "shared", entries: "shared", entriesPerCpu: "shared", entriesMerged: "shared", drain: "shared",
  clear: "shared", freeze: "shared", close: "shared",
  // A file descriptor, kernel map info and bpffs pinning have no meaning without a kernel.
  fd: "kernel-only", info: "kernel-only", pin: "kernel-only",
};
type Shared = { [K in keyof typeof BPF_MAP_MEMBERS]: (typeof BPF_MAP_MEMBERS)[K] extends "shared" ? K : never }[keyof typeof BPF_MAP_MEMBERS];
// The type checker also checks the signatures: a MockMap is usable wherever BpfMap's shared members are.
const asBpfMap = <K, V>(m: MockMap<K, V>): Pick<BpfMap<K, V>, Shared | typeof Symbol.dispose> => m;

test("MockMap's user side mirrors BpfMap: every public method and property of BpfMap exists on MockMap", () => {
  const names = Object.getOwnPropertyNames(BpfMap.prototype).filter((n) => n !== "constructor");
  const mock = asBpfMap(new MockMap(hashSpec()));
  // TypeScript's `private` is not visible at run time: the prototype also holds BpfMap's private helpers. Those not in
  // the public list must not be public in the type either (the Record above would then miss them).
  const publicNames = names.filter((n) => n in BPF_MAP_MEMBERS);
  assert.ok(["get", "set", "delete", "drain", "entriesMerged", "keyType"].every((n) => publicNames.includes(n)));
  for (const n of publicNames) {
    if (BPF_MAP_MEMBERS[n as keyof typeof BPF_MAP_MEMBERS] === "kernel-only") continue;
    assert.ok(n in mock, `MockMap lacks BpfMap.${n}`);
    if (typeof Object.getOwnPropertyDescriptor(BpfMap.prototype, n)?.value === "function") {
      assert.type((mock as unknown as Record<string, unknown>)[n], "function", `MockMap.${n} is not a method`);
    }
  }
  for (const n of Object.keys(BPF_MAP_MEMBERS)) if (BPF_MAP_MEMBERS[n as keyof typeof BPF_MAP_MEMBERS] === "shared") assert.ok(n in mock, `MockMap lacks BpfMap.${n}`);
  assert.ok(Symbol.dispose in mock);
});

test.run();
