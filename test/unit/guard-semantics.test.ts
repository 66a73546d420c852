// What the compiler promises about values, checked by running compiled tracers in the VM: map values that may be
// missing read as TypeScript defines it (`===` is false, `??` and `||` give the default, `!` ends the program,
// switch goes to default), signed aggregations compare signed, strings keep their NUL in char[N], and structs
// carry C's tail padding. Each test fails on the compiler bug it names (planted and checked when it was written).

import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { compile } from "../../compiler/index.ts";
import { type TypeDesc, layoutOf, u8, u16, u32, u64 } from "../../core/object/layout.ts";
import { type Simulation, simulate } from "../../testing.ts";

const NULL_CHECKS = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "guard", "null-checks.ts");
const dir = mkdtempSync(join(tmpdir(), "tsbpf-guard-"));
test.after(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function tracer(source: string): string {
  const path = join(dir, `t${n++}.ts`);
  writeFileSync(path, source);
  return path;
}

/** out[0..] after one run of getpid's handler with `set` applied to the maps first. */
async function nullChecks(set: (s: Simulation) => void): Promise<{ out: (bigint | undefined)[]; ret: bigint }> {
  const s = await simulate(NULL_CHECKS);
  set(s);
  const r = s.fire("syscalls/sys_enter_getpid", {});
  const out = s.maps.out as unknown as { get(i: number): bigint | undefined };
  return { out: Array.from({ length: 16 }, (_, i) => out.get(i)), ret: r.value };
}

type Maps = Record<string, { set(k: unknown, v: unknown): boolean }>;
const put = (s: Simulation, map: string, k: unknown, v: unknown) => assert.ok((s.maps as unknown as Maps)[map]!.set(k, v), `${map}.set(${k})`);

test("map values that may be missing: every key absent", async () => {
  const { out, ret } = await nullChecks(() => {});
  // h.get(1) === 3n, v !== 3n, g(h.get(1)), f(h.get(1)), v || 7n, (h.get(1) ?? 40n) + 1n
  assert.equal(out.slice(0, 6), [2n, 1n, 2n, 100n, 7n, 41n]);
  // h.get(1) === h.get(2) (both absent: equal), !==, 3n === h.get(1), truthiness, switch
  assert.equal(out.slice(6, 11), [1n, 2n, 2n, 2n, 30n]);
  // a.get(i) ?? 50n with i = 2 (in range, zero-initialised), a.get(i) === 0n
  assert.equal(out.slice(11, 13), [0n, 1n]);
  // h.get(5)! ended the program before out[13] was written: no fault, r0 = 0
  assert.is(out[13], 0n);
  assert.is(ret, 0n);
  // ... and the run stopped there: the same tracer with key 5 present runs longer (checked below).
});

test("map values that may be missing: present values are read", async () => {
  const { out } = await nullChecks((s) => {
    put(s, "h", 1, 3n);
    put(s, "h", 5, 9n);
    put(s, "idx", 0, 6);
  });
  assert.equal(out.slice(0, 6), [1n, 2n, 1n, 4n, 3n, 4n]);
  assert.equal(out.slice(6, 11), [2n, 1n, 1n, 1n, 10n]);
  // index 6 of a 4-element ArrayMap: absent, so the default
  assert.equal(out.slice(11, 13), [50n, 2n]);
  assert.is(out[13], 10n);
});

test("map values that may be missing: zero is present but falsy, and equal values compare equal", async () => {
  const { out } = await nullChecks((s) => {
    put(s, "h", 1, 0n);
    put(s, "h", 2, 0n);
    put(s, "h", 5, 0n);
  });
  assert.equal(out.slice(0, 6), [2n, 1n, 2n, 1n, 7n, 1n]);
  assert.equal(out.slice(6, 11), [1n, 2n, 2n, 2n, 20n]);
  assert.is(out[13], 1n);
});

test("`!` on a struct value: copied when present, the program ended (no fault) when absent; event fields", async () => {
  const s = await simulate(NULL_CHECKS);
  assert.equal(s.fire("syscalls/sys_enter_getppid", {}).events.map((e) => e.event), [{ value: 99n, three: 0 }]);
  put(s, "h", 1, 3n);
  assert.equal(s.fire("syscalls/sys_enter_getppid", {}).events.map((e) => e.event), [{ value: 3n, three: 1 }]);
  const out = s.maps.out as unknown as { get(i: number): bigint | undefined };
  const copies = s.maps.copies as unknown as { get(k: number): unknown };
  assert.is(out.get(14), 0n);
  assert.is(copies.get(1), undefined);
  put(s, "pairs", 1, { a: 7n, b: 8 });
  s.fire("syscalls/sys_enter_getppid", {});
  assert.is(out.get(14), 1n);
  assert.equal(copies.get(1), { a: 7n, b: 8 });
});

test("strings and structs that may be missing compare as TypeScript says", async () => {
  const s = await simulate(NULL_CHECKS);
  const strs = s.maps.strs as unknown as { get(i: number): bigint | undefined };
  const run = () => (s.fire("syscalls/sys_enter_getuid", {}), [0, 1, 2, 3].map((i) => strs.get(i)));
  // absent: === is false, !== true, switch takes default, two absent structs are equal
  assert.equal(run(), [2n, 1n, 2n, 1n]);
  put(s, "names", 1, "bash");
  put(s, "pairs", 1, { a: 1n, b: 2 });
  assert.equal(run(), [1n, 2n, 2n, 2n]);
  put(s, "names", 1, "zsh");
  put(s, "pairs", 2, { a: 1n, b: 2 });
  assert.equal(run(), [2n, 1n, 1n, 1n]);
});

const MIN_MAX = `
import { tracepoint, HashMap, Min, Max, type u32, type i64 } from "tsbpf";
const vals = new HashMap<u32, i64>(4);
export const lo = new Min();
export const hi = new Max();
tracepoint("syscalls/sys_enter_getpid", (ctx) => {
  const v = vals.get(0) ?? 0n;
  lo.record(v);
  hi.record(v);
});
`;

/** Records each value through Min and Max of signed (i64) values; returns what the user side reads. */
async function minMax(values: bigint[]): Promise<{ lo: bigint | undefined; hi: bigint | undefined; printed: string }> {
  const s = await simulate(tracer(MIN_MAX));
  for (const v of values) {
    put(s, "vals", 0, v);
    s.fire("syscalls/sys_enter_getpid", {});
  }
  const m = s.maps as unknown as Record<string, { get(): bigint | undefined }>;
  return { lo: m.lo!.get(), hi: m.hi!.get(), printed: s.print("lo") };
}

test("signed Min and Max compare signed: min(5, -3) is -3, max(-5, -3) is -3", async () => {
  const a = await minMax([5n, -3n, 4n]);
  assert.is(a.lo, -3n);
  assert.is(a.hi, 5n);
  assert.match(a.printed, /-3\b/);
  const b = await minMax([-5n, -3n]);
  assert.is(b.lo, -5n);
  assert.is(b.hi, -3n);
});

const STRINGS = `
import { tracepoint, HashMap, bpf, type u32, type Str } from "tsbpf";
interface Named { name: Str<8>; flag: u32; }
const longs = new HashMap<u32, Str<32>>(4);
export const shorts = new HashMap<u32, Str<8>>(4);
export const named = new HashMap<u32, Named>(4);
tracepoint("syscalls/sys_enter_getpid", (ctx) => {
  const s = longs.get(0);
  if (s === undefined) return;
  shorts.set(0, s);
  named.set(0, { name: s, flag: 1 });
  named.set(1, { name: "1234567", flag: 2 });
  const c: Str<8> = "abc";
  shorts.set(1, c);
});
`;

const u32le = (n: number) => new Uint8Array(new Uint32Array([n]).buffer);

test("strings keep their NUL in char[N]: a longer Str<32> copied into Str<8> keeps 7 bytes and a NUL", async () => {
  const s = await simulate(tracer(STRINGS));
  put(s, "longs", 0, "abcdefghijklmnopqrstuvwxyz");
  s.fire("syscalls/sys_enter_getpid", {});
  const shorts = s.mock("shorts");
  const raw = shorts.getRaw(u32le(0))!;
  assert.is(raw.length, 8);
  assert.equal([...raw], [..."abcdefg"].map((c) => c.charCodeAt(0)).concat([0]));
  // Short literals are zero-filled to the capacity: nothing of an earlier value shows through.
  assert.equal([...shorts.getRaw(u32le(1))!], [97, 98, 99, 0, 0, 0, 0, 0]);
  const named = s.mock("named");
  const n0 = named.getRaw(u32le(0))!;
  assert.is(n0[7], 0, "the struct's Str<8> field ends with a NUL");
  assert.equal([...named.getRaw(u32le(1))!.subarray(0, 8)], [..."1234567"].map((c) => c.charCodeAt(0)).concat([0]));
  const maps = s.maps as unknown as Record<string, { get(k: number): unknown }>;
  assert.is(maps.shorts!.get(0), "abcdefg");
  assert.equal(maps.named!.get(0), { name: "abcdefg", flag: 1 });
});

test("a string literal that would fill char[N] (no room for its NUL) is a compile error", () => {
  const path = tracer(STRINGS.replace('"1234567"', '"12345678"'));
  const r = compile(path);
  assert.equal(r.diagnostics.map((d) => [d.code, d.span?.line]), [["TSB2043", 12]]);
  assert.match(r.diagnostics[0]!.message, /does not fit Str<8> \(at most 7 bytes\)/);
});

/** Structs as C lays them out (x86_64 and aarch64 agree): sizeof and offsetof, written by hand. */
const C_LAYOUTS: [string, TypeDesc, number, number[]][] = [
  // struct { u64 a; u32 b; } : 16 (4 bytes of tail padding)
  ["u64 then u32", struct([u64, u32]), 16, [0, 8]],
  // struct { u32 a; u8 b; } : 8
  ["u32 then u8", struct([u32, u8]), 8, [0, 4]],
  // struct { u8 a; u16 b; u8 c; } : 6
  ["u8, u16, u8", struct([u8, u16, u8]), 6, [0, 2, 4]],
  // struct { u16 a; char s[3]; } : 6
  ["u16 then char[3]", struct([u16, { kind: "string", capacity: 3 }]), 6, [0, 2]],
  // struct { struct { u64 a; u8 b; } in; u8 c; } : 24 (the inner struct is 16)
  ["nested", struct([struct([u64, u8]), u8]), 24, [0, 16]],
];

function struct(types: TypeDesc[]): TypeDesc {
  return { kind: "struct", name: "s", fields: types.map((type, i) => ({ name: `f${i}`, type })) };
}

test("struct layouts have C's sizes, offsets and tail padding", () => {
  for (const [what, t, size, offsets] of C_LAYOUTS) {
    const l = layoutOf(t);
    assert.is(l.size, size, `${what}: sizeof`);
    assert.equal(l.fields!.map((f) => f.offset), offsets, `${what}: offsets`);
  }
  // In an array the tail padding is the stride: element 1 of { u64; u32 }[2] starts at 16.
  assert.is(layoutOf({ kind: "array", element: struct([u64, u32]), length: 2 }).size, 32);
});

test("compiled maps and events carry the tail padding: { u64; u32 } values are 16 bytes", async () => {
  const path = tracer(`
import { tracepoint, HashMap, RingBuffer, type u32, type u64 } from "tsbpf";
interface V { a: u64; b: u32; }
export const vals = new HashMap<u32, V>(4);
export const events = new RingBuffer<V>(4096);
tracepoint("syscalls/sys_enter_getpid", (ctx) => {
  vals.set(0, { a: 1n, b: 2 });
  events.emit({ a: 3n, b: 4 });
});
`);
  const r = compile(path);
  assert.equal(r.diagnostics, []);
  assert.is(r.spec!.maps.find((m) => m.name === "vals")!.valueSize, 16);
  const s = await simulate(path);
  const fired = s.fire("syscalls/sys_enter_getpid", {});
  assert.equal(fired.events.map((e) => e.event), [{ a: 3n, b: 4 }]);
  let length = -1;
  s.channel("events").drain((_view, _offset, n) => (length = n));
  assert.is(length, 16);
  assert.equal([...s.mock("vals").getRaw(u32le(0))!], [1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0]);
});

test("a divisor that is zero only after folding divides as eBPF defines it: x / 0 = 0, x % 0 = x", async () => {
  const s = await simulate(tracer(`
import { tracepoint, HashMap, ArrayMap, type u32, type u64 } from "tsbpf";
const vals = new HashMap<u32, u64>(4);
export const out = new ArrayMap<u64>(2);
tracepoint("syscalls/sys_enter_getpid", (ctx) => {
  const x = vals.get(0) ?? 0n;
  let z = 0n;
  out.set(0, x / z);
  out.set(1, x % z);
});
`));
  put(s, "vals", 0, 42n);
  s.fire("syscalls/sys_enter_getpid", {});
  const out = s.maps.out as unknown as { get(i: number): bigint | undefined };
  assert.equal([out.get(0), out.get(1)], [0n, 42n]);
});

test.run();
