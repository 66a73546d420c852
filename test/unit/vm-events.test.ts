// Event channels in the VM: hand-assembled programs calling bpf_ringbuf_* and bpf_perf_event_output in; the records a
// consumer drains, the helpers' return values, the space each record takes and the drops, exactly as the kernel
// accounts them (ring: 8-byte header + payload rounded to 8, at most size - 8 bytes in use; perf: header, u32
// raw_size and padded data, one byte of the buffer always free, PERF_RECORD_LOST before the next sample) out.

import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  Add, Call, Exit, JEq, LdMapFd, Ldx, Mov, R0, R1, R2, R3, R4, R5, R6, R10, St, Stx, label, resolve,
  type AsmItem,
} from "../../core/asm/index.ts";
import { type TypeDesc, u32, u64 } from "../../core/object/layout.ts";
import type { MapSpec } from "../../core/object/spec.ts";
import { MockPerfEventArray, MockRingBuffer, perfSampleSize } from "../../runtime/interp/events.ts";
import { defaultEnvironment, simHelpers, type SimEnvironment } from "../../runtime/interp/helpers.ts";
import { MockMap } from "../../runtime/interp/maps.ts";
import { VmError, VmProgram, type VmMap } from "../../runtime/interp/index.ts";
import { ringbufProducer } from "../support/programs.ts";

const signed = (r0: bigint): bigint => BigInt.asIntN(64, r0);
const vmFault = (fn: () => unknown, kind: string, re: RegExp) =>
  assert.throws(fn, (e: unknown) => e instanceof VmError && e.kind === kind && re.test(e.message));

const ringSpec = (bytes = 4096, name = "events"): MapSpec => ({ name, type: "ringbuf", keySize: 0, valueSize: 0, maxEntries: bytes });
const counter = (name: string): MockMap<number, bigint> =>
  new MockMap({ name, type: "array", keySize: 4, valueSize: 8, maxEntries: 1, key: u32, value: u64 });
/** The 64-byte record of ringbufProducer: the sequence number in each of its eight u64s. */
const seqRecord: TypeDesc = { kind: "struct", fields: [{ name: "seq", type: u64 }, { name: "rest", type: { kind: "array", element: u64, length: 7 } }] };

function load(items: readonly AsmItem[], maps: readonly VmMap[], env: SimEnvironment = defaultEnvironment()): VmProgram {
  const byName = new Map(maps.map((m) => [m.name, m]));
  return VmProgram.load(resolve(items), { helpers: simHelpers(env), maps: (ref) => (ref.name === undefined ? undefined : byName.get(ref.name)) });
}

/** Every record a consumer gets now, as copies. */
function drainAll(ch: { drain(f: (v: DataView, o: number, n: number) => void, limit?: number): number }, limit?: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  const n = ch.drain((v, o, len) => out.push(new Uint8Array(v.buffer, v.byteOffset + o, len).slice()), limit);
  assert.is(n, out.length);
  return out;
}
const u64At = (b: Uint8Array, off = 0): bigint => new DataView(b.buffer, b.byteOffset).getBigUint64(off, true);

/** reserve(r1 = size, r2 = flags); submit, or discard when r3 = 1. Returns 1 when reserved, 0 for NULL. */
const RESERVE = [
  Mov.reg(R6, R3), Mov.reg(R3, R2), Mov.reg(R2, R1), LdMapFd(R1, "events"), Call.helper(131), JEq.imm(R0, 0, "null"),
  Mov.reg(R1, R0), Mov.imm(R2, 0), JEq.imm(R6, 1, "discard"), Call.helper(132), Mov.imm(R0, 1), Exit(),
  label("discard"), Call.helper(133), Mov.imm(R0, 1), Exit(),
  label("null"), Mov.imm(R0, 0), Exit(),
];
/** bpf_ringbuf_output(events, the u64 r1 on the stack, r2 bytes, r3 flags); returns its result. */
const OUTPUT = [Stx.dw(R10, -8, R1), Mov.reg(R4, R3), Mov.reg(R3, R2), Mov.reg(R2, R10), Add.imm(R2, -8), LdMapFd(R1, "events"), Call.helper(130), Exit()];
/** bpf_ringbuf_query(events, r1). */
const QUERY = [Mov.reg(R2, R1), LdMapFd(R1, "events"), Call.helper(134), Exit()];

test("ring buffer: a 64-byte record takes 72 bytes; a 4096-byte ring takes 56 of them and the program counts the rest", () => {
  const ring = new MockRingBuffer(ringSpec());
  const seq = counter("seq"), drops = counter("drops");
  const p = load(ringbufProducer("events", 64), [ring, seq, drops]);
  for (let i = 0; i < 60; i++) assert.is(p.run().r0, 0n);
  // 56 × 72 = 4032; a 57th would bring the producer 4104 bytes ahead of the consumer, more than size - 1.
  assert.is(ring.used, 4032);
  assert.is(drops.get(0), 4n);
  assert.is(ring.dropped(), 4);
  assert.is(ring.lost(), 0n); // no lostMap in the spec: the kernel keeps no count for ring buffers
  const records = drainAll(ring);
  assert.equal(records.map((r) => r.length), Array(56).fill(64));
  assert.equal(records.map((r) => u64At(r)), Array.from({ length: 56 }, (_, i) => BigInt(i)));
  assert.equal(records.map((r) => u64At(r, 56)), Array.from({ length: 56 }, (_, i) => BigInt(i))); // filled to the end
  assert.is(ring.used, 0);
  p.run();
  assert.equal(drainAll(ring).map((r) => u64At(r)), [60n]); // 56-59 were dropped
  assert.equal(drainAll(ring), []);
});

test("ring buffer: 8-byte records take 16 bytes, and 255 fit in 4096 bytes, not 256", () => {
  const ring = new MockRingBuffer(ringSpec());
  const drops = counter("drops");
  const p = load(ringbufProducer("events", 8), [ring, counter("seq"), drops]);
  for (let i = 0; i < 300; i++) p.run();
  assert.is(ring.used, 255 * 16);
  assert.is(drops.get(0), 45n);
  assert.is(drainAll(ring).length, 255);
});

test("bpf_ringbuf_reserve: 8-byte header, rounding to 8, size 0, the largest record that fits, flags and oversize give NULL", () => {
  const ring = new MockRingBuffer(ringSpec());
  const p = load(RESERVE, [ring]);
  const reserve = (size: number, flags = 0, discard = false) => p.run({ regs: { 1: BigInt(size), 2: BigInt(flags), 3: discard ? 1n : 0n } }).r0;
  assert.is(reserve(1), 1n);
  assert.is(ring.used, 16);
  assert.is(reserve(9), 1n);
  assert.is(ring.used, 16 + 24);
  assert.is(reserve(0), 1n); // the verifier allows size 0 (ARG_CONST_ALLOC_SIZE_OR_ZERO): a header alone
  assert.is(ring.used, 16 + 24 + 8);
  assert.is(reserve(16, 1), 0n); // any flag: NULL
  assert.equal(drainAll(ring).map((r) => r.length), [1, 9, 0]);
  assert.is(reserve(4096), 0n); // more than the ring
  assert.is(reserve(4081), 0n); // 4096 bytes with the header: more than size - 1
  assert.is(reserve(4080), 1n); // 4088 bytes: the most a 4096-byte ring holds
  assert.is(ring.used, 4088);
  assert.is(reserve(0), 0n);
  assert.is(ring.dropped(), 3); // refused for lack of space; the flagged call is refused for its flags
  assert.equal(drainAll(ring).map((r) => r.length), [4080]);
});

test("bpf_ringbuf_discard: the record never reaches the consumer but holds its space until the consumer passes it", () => {
  const ring = new MockRingBuffer(ringSpec());
  const p = load(RESERVE, [ring]);
  const reserve = (size: number, discard: boolean) => p.run({ regs: { 1: BigInt(size), 2: 0n, 3: discard ? 1n : 0n } }).r0;
  assert.is(reserve(16, true), 1n);
  assert.is(reserve(24, false), 1n);
  assert.is(reserve(32, true), 1n);
  assert.is(ring.used, 24 + 32 + 40);
  assert.equal(drainAll(ring).map((r) => r.length), [24]);
  assert.is(ring.used, 0);
});

test("bpf_ringbuf_output: 0, -EAGAIN when full, -EINVAL for unknown flags; the data must be readable program memory", () => {
  const ring = new MockRingBuffer(ringSpec());
  const p = load(OUTPUT, [ring]);
  const output = (value: bigint, size = 8, flags = 0) => signed(p.run({ regs: { 1: value, 2: BigInt(size), 3: BigInt(flags) } }).r0);
  assert.is(output(1n, 8, 1), 0n); // BPF_RB_NO_WAKEUP
  assert.is(output(2n, 8, 2), 0n); // BPF_RB_FORCE_WAKEUP
  assert.is(output(3n, 8, 4), -22n);
  assert.is(output(4n, 3), 0n);
  for (let i = 0; i < 252; i++) assert.is(output(BigInt(100 + i)), 0n);
  assert.is(ring.used, 255 * 16);
  assert.is(output(5n), -11n); // -EAGAIN
  const records = drainAll(ring);
  assert.is(records.length, 255);
  assert.equal(records.slice(0, 3), [Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 0), Uint8Array.of(2, 0, 0, 0, 0, 0, 0, 0), Uint8Array.of(4, 0, 0)]);
  assert.is(u64At(records[254]!), 351n);
  vmFault(() => output(1n, 16), "helper", /^bpf_ringbuf_output: data r2 \(stack\+4088, 16 bytes\) is not readable memory at instruction 6/);
});

test("bpf_ringbuf_query: available data, ring size, consumer and producer positions; other flags give 0", () => {
  const ring = new MockRingBuffer(ringSpec(8192));
  const out = load(OUTPUT, [ring]);
  const q = load(QUERY, [ring]);
  const query = (flags: number) => q.run({ regs: { 1: BigInt(flags) } }).r0;
  for (const v of [1n, 2n]) out.run({ regs: { 1: v, 2: 8n, 3: 0n } });
  assert.equal([0, 1, 2, 3, 4].map(query), [32n, 8192n, 0n, 32n, 0n]);
  drainAll(ring);
  assert.equal([0, 1, 2, 3].map(query), [0n, 8192n, 32n, 32n]);
});

test("ring order: a record committed behind one still reserved waits for it; wait() resolves at the commit", async () => {
  const ring = new MockRingBuffer(ringSpec());
  const a = ring.reserve(8)!, b = ring.reserve(8)!;
  a.bytes[0] = 1;
  b.bytes[0] = 2;
  ring.commit(b, false);
  assert.equal(drainAll(ring), []);
  let woken = false;
  const waiting = ring.wait().then(() => (woken = true));
  await Promise.resolve();
  assert.is(woken, false);
  ring.commit(a, false);
  await waiting;
  assert.equal(drainAll(ring).map((r) => r[0]), [1, 2]);
  assert.throws(() => ring.commit(a, true), /record at 0 is not reserved/);
  // drain's limit, and a closed channel: waits resolve, nothing is delivered.
  for (let i = 0; i < 3; i++) ring.output(Uint8Array.of(i), 0n);
  assert.equal(drainAll(ring, 2).map((r) => r[0]), [0, 1]);
  ring.close();
  assert.is(ring.closed, true);
  await ring.wait();
  assert.equal(drainAll(ring), []);
});

test("a record is memory of exactly its size until submit; after it every access faults, naming the release", () => {
  const ring = new MockRingBuffer(ringSpec());
  const body = (after: AsmItem) => [
    LdMapFd(R1, "events"), Mov.imm(R2, 16), Mov.imm(R3, 0), Call.helper(131), JEq.imm(R0, 0, "out"), Mov.reg(R6, R0),
    St.dw(R6, 0, 7), St.dw(R6, 8, 8), Mov.reg(R1, R6), Mov.imm(R2, 0), Call.helper(132), after,
    label("out"), Mov.imm(R0, 0), Exit(),
  ];
  vmFault(() => load(body(St.w(R6, 0, 1)), [ring]).run(), "write",
    /^use after release: write of 4 bytes at ringbuf record events\+0 \(bpf_ringbuf_submit at instruction 10 gave it to user space\) at instruction 11 \(stw \[%r6\], 1\)$/);
  vmFault(() => load(body(Ldx.dw(R0, R6, 8)), [ring]).run(), "read",
    /^use after release: read of 8 bytes at ringbuf record events\+8 \(bpf_ringbuf_submit/);
  // The fault came after the submit: both records reached the ring.
  assert.equal(drainAll(ring).map((r) => [u64At(r), u64At(r, 8)]), [[7n, 8n], [7n, 8n]]);
  // Past the end of the reservation.
  vmFault(() => load([
    LdMapFd(R1, "events"), Mov.imm(R2, 12), Mov.imm(R3, 0), Call.helper(131), JEq.imm(R0, 0, "out"),
    St.dw(R0, 8, 1), label("out"), Mov.imm(R0, 0), Exit(),
  ], [ring]).run(), "write", /^out-of-bounds write of 8 bytes at ringbuf record events\+8 \(ringbuf record events has 12 bytes\) at instruction 5/);
  // The faulting run held its record: the VM discarded it, so the ring is not stuck behind it.
  assert.is(ring.used, 24);
  assert.equal(drainAll(ring), []);
  assert.is(ring.used, 0);
});

test("submit and discard take only a reserved record's own pointer, once; a program that exits holding one is refused", () => {
  const ring = new MockRingBuffer(ringSpec());
  const reserve = [LdMapFd(R1, "events"), Mov.imm(R2, 16), Mov.imm(R3, 0), Call.helper(131), JEq.imm(R0, 0, "out"), Mov.reg(R6, R0)];
  const tail = [label("out"), Mov.imm(R0, 0), Exit()];
  const release = (id: number, ...setup: AsmItem[]) => [...setup, Mov.imm(R2, 0), Call.helper(id)];
  vmFault(() => load([...reserve, ...release(132, Mov.reg(R1, R6)), ...release(133, Mov.reg(R1, R6)), ...tail], [ring]).run(), "helper",
    /^bpf_ringbuf_discard: r1 \(ringbuf record events\+0\) was released already \(bpf_ringbuf_submit at instruction 8 gave it to user space\); the verifier rejects this program at instruction 11 \(call bpf_ringbuf_discard#133\)$/);
  vmFault(() => load([...reserve, ...release(132, Mov.reg(R1, R6), Add.imm(R1, 8)), ...release(132, Mov.reg(R1, R6)), ...tail], [ring]).run(), "helper",
    /^bpf_ringbuf_submit: r1 \(ringbuf record events\+8\) points 8 bytes into the record; pass the pointer bpf_ringbuf_reserve returned at instruction 9/);
  vmFault(() => load([...reserve, ...release(132, Mov.reg(R1, R10), Add.imm(R1, -16)), ...release(132, Mov.reg(R1, R6)), ...tail], [ring]).run(), "helper",
    /^bpf_ringbuf_submit: r1 \(stack\+4080\) is not a record from bpf_ringbuf_reserve; the verifier rejects this program at instruction 9/);
  vmFault(() => load([...reserve, ...tail], [ring]).run(), "reference",
    /^the program exited holding the ring buffer record of events \(bpf_ringbuf_reserve\) it acquired \(it must be released on every path; the verifier rejects this program: "Unreleased reference"\) at instruction 3 \(call bpf_ringbuf_reserve#131\)$/);
  // Every faulting run above held a record, discarded when the run ended; the first one had submitted its record.
  assert.is(ring.used, 4 * 24);
  assert.is(drainAll(ring).length, 1);
  assert.is(ring.used, 0);
  // A map of the wrong type is refused as the verifier would.
  vmFault(() => load([LdMapFd(R1, "seq"), Mov.imm(R2, 8), Mov.imm(R3, 0), Call.helper(131), Exit()], [counter("seq")]).run(), "helper",
    /^bpf_ringbuf_reserve: map seq is not a ring buffer \(the verifier rejects this program\)/);
});

test("records' memory regions are recycled between runs: the address space does not grow with the events sent", () => {
  const ring = new MockRingBuffer(ringSpec());
  const p = load(ringbufProducer("events", 64), [ring, counter("seq"), counter("drops")]);
  p.run();
  const regions = p.memory.regions.length;
  for (let i = 0; i < 500; i++) {
    p.run();
    if (i % 50 === 0) drainAll(ring);
  }
  assert.is(p.memory.regions.length, regions);
});

const perfSpec = (over: Partial<MapSpec> = {}, pages = 1): MapSpec =>
  ({ name: "events", type: "perf_event_array", keySize: 4, valueSize: 4, maxEntries: 0, events: { type: seqRecord, lostMap: "drops", pages }, ...over });

test("perf buffers: one per CPU; 64-byte samples take 80 bytes, 51 fit in one page; drops return -ENOSPC and are counted once", () => {
  assert.equal(perfSampleSize(64), { record: 80, raw: 68 });
  assert.equal(perfSampleSize(8), { record: 24, raw: 12 });
  const env = defaultEnvironment();
  const perf = new MockPerfEventArray(perfSpec(), { cpus: 2, lostCount: () => drops.get(0)! });
  const drops = counter("drops");
  const p = load(ringbufProducer("events", 64, { perf: true }), [perf, counter("seq"), drops], env);
  assert.is(perf.bufferSize, 4096);
  for (let i = 0; i < 53; i++) p.run();
  assert.is(perf.used(0), 51 * 80); // 4080: an 80-byte record needs used + 80 ≤ 4095
  assert.is(perf.dropped(0), 2);
  env.cpu = 1;
  for (let i = 0; i < 3; i++) p.run();
  assert.is(perf.used(1), 240);
  // The program counted both drops; the buffer's own count (PERF_RECORD_LOST) is of the same two events.
  assert.is(drops.get(0), 2n);
  assert.is(perf.lost(), 2n);
  // CPU order; raw_size includes the 4 bytes of padding after the 64 bytes.
  const samples = drainAll(perf);
  assert.equal(samples.map((s) => s.length), Array(54).fill(68));
  assert.equal(samples.map((s) => u64At(s)), [...Array.from({ length: 51 }, (_, i) => BigInt(i)), 53n, 54n, 55n]);
  assert.equal(samples[0]!.subarray(64), new Uint8Array(4));
  // The next sample on CPU 0 comes after a PERF_RECORD_LOST of 24 bytes.
  env.cpu = 0;
  p.run();
  assert.is(perf.used(0), 24 + 80);
  assert.equal(drainAll(perf).map((s) => u64At(s)), [56n]);
  assert.is(perf.used(0), 0);
});

test("perf buffers: a sample must fit together with the pending PERF_RECORD_LOST, or it is dropped too", () => {
  const perf = new MockPerfEventArray(perfSpec({ events: { type: seqRecord, lostMap: "none" } }), { cpus: 1 }); // no lostMap reader
  const p = load(ringbufProducer("events", 64, { perf: true }), [perf, counter("seq"), counter("drops")]);
  assert.is(perf.pages, 64); // MapSpec.events.pages absent: 64 pages
  assert.is(perf.bufferSize, 64 * 4096);
  const small = new MockPerfEventArray(perfSpec(), { cpus: 1 });
  const q = load(ringbufProducer("events", 64, { perf: true }), [small, counter("seq"), counter("drops")]);
  for (let i = 0; i < 52; i++) q.run(); // 51 fit, one dropped
  assert.equal(drainAll(small, 1).map((s) => u64At(s)), [0n]);
  q.run(); // 95 bytes free: enough for a sample (80), not for LOST + sample (104)
  assert.is(small.dropped(0), 2);
  assert.is(small.used(0), 4000);
  assert.equal(drainAll(small, 1).map((s) => u64At(s)), [1n]);
  q.run(); // 175 bytes free: LOST (2) + sample
  assert.is(small.used(0), 3920 + 104);
  assert.is(small.dropped(0), 2);
  assert.is(small.lost(), 2n); // no lostMap reader: the buffer's count
  assert.equal(drainAll(small).map((s) => u64At(s)), [...Array.from({ length: 49 }, (_, i) => BigInt(i + 2)), 53n]);
  p.run();
  assert.is(perf.used(0), 80);
});

test("bpf_perf_event_output: BPF_F_CURRENT_CPU or the running CPU's index; -E2BIG, -ENOENT, -EOPNOTSUPP, -EINVAL", () => {
  const env = defaultEnvironment();
  const perf = new MockPerfEventArray(perfSpec({ maxEntries: 6 }, 64), { cpus: 4 });
  // output(ctx 0, events, flags r2, the u64 r1 on the stack, 8 bytes)
  const p = load([
    Stx.dw(R10, -8, R1), Mov.reg(R3, R2), LdMapFd(R2, "events"), Mov.imm(R1, 0), Mov.reg(R4, R10), Add.imm(R4, -8), Mov.imm(R5, 8),
    Call.helper(25), Exit(),
  ], [perf], env);
  const output = (value: bigint, flags: bigint) => signed(p.run({ regs: { 1: value, 2: flags } }).r0);
  env.cpu = 2;
  assert.is(output(1n, 0xffffffffn), 0n);
  assert.is(output(2n, 2n), 0n);
  assert.is(output(3n, 1n), -95n); // another CPU's buffer: -EOPNOTSUPP
  assert.is(output(4n, 5n), -2n); // an entry without a buffer (max_entries 6, 4 CPUs): -ENOENT
  assert.is(output(5n, 6n), -7n); // beyond max_entries: -E2BIG
  assert.is(output(6n, 1n << 32n), -22n); // BPF_F_CTXLEN_MASK is for skb programs only
  assert.is(perf.used(2), 2 * 24);
  assert.equal(drainAll(perf), [Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), Uint8Array.of(2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)]);
  env.cpu = 4;
  vmFault(() => output(1n, 0xffffffffn), "helper", /^bpf_perf_event_output: the program runs on CPU 4, but map events simulates 4 CPUs/);
  vmFault(() => load([Mov.imm(R1, 0), LdMapFd(R2, "r"), Mov.imm(R3, 0), Mov.reg(R4, R10), Add.imm(R4, -8), Mov.imm(R5, 8), Call.helper(25), Exit()],
    [new MockRingBuffer(ringSpec(4096, "r"))]).run(), "helper", /^bpf_perf_event_output: map r is not a perf event array/);
});

test("channel specs are checked as BPF_MAP_CREATE would", () => {
  assert.throws(() => new MockRingBuffer(ringSpec(6000)), /max_entries 6000 must be a power of two and a multiple of 4096/);
  assert.throws(() => new MockRingBuffer(ringSpec(2048)), /multiple of 4096/);
  assert.throws(() => new MockRingBuffer({ ...ringSpec(), keySize: 4 }), /key_size and value_size must be 0/);
  assert.throws(() => new MockPerfEventArray(perfSpec({}, 3)), /pages must be a power of two, got 3/);
  assert.throws(() => new MockPerfEventArray(perfSpec({ valueSize: 8 })), /key_size and value_size must be 4/);
  assert.is(new MockPerfEventArray(perfSpec(), { cpus: 3 }).entries, 3); // max_entries 0: one per CPU
});

test("the lost count of a ring buffer is its lostMap summed over CPUs", () => {
  const lost = new MockMap<number, bigint>({ name: "events.lost", type: "percpu_array", keySize: 4, valueSize: 8, maxEntries: 1, key: u32, value: u64 }, { cpus: 3 });
  lost.set(0, [1n, 0n, 5n]);
  const ring = new MockRingBuffer(ringSpec(), { lostCount: () => lost.getPerCpu(0)!.reduce((a, b) => a + b, 0n) });
  assert.is(ring.lost(), 6n);
});

test.run();
