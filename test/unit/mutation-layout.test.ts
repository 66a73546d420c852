// The layout codec's edges that a mutation run (test/mutation/run.ts) could change without any other fast test
// noticing: bool and pointer fields' size and alignment inside structs, and the exact range each integer size
// accepts (both ends, signed and unsigned), at encode.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { LayoutError, codecOf, i16, i32, i64, i8, layoutOf, type TypeDesc, u16, u32, u64, u8 } from "../../core/object/layout.ts";

test("a bool takes one byte with alignment 1; a pointer 8 with alignment 8: the fields after them sit accordingly", () => {
  const t: TypeDesc = { kind: "struct", fields: [{ name: "a", type: { kind: "bool" } }, { name: "b", type: u8 }, { name: "p", type: { kind: "pointer" } }, { name: "c", type: u8 }] };
  const l = layoutOf(t);
  assert.equal(l.fields!.map((f) => [f.name, f.offset, f.size]), [["a", 0, 1], ["b", 1, 1], ["p", 8, 8], ["c", 16, 1]]);
  assert.is(l.align, 8);
  assert.equal([layoutOf({ kind: "bool" }).size, layoutOf({ kind: "pointer" }).size, layoutOf({ kind: "pointer" }).align], [1, 8, 8]);
  const c = codecOf<{ a: boolean; b: number; p: bigint; c: number }>(t);
  const v = { a: true, b: 7, p: 0xffff_8880_1234_5678n, c: 9 };
  const bytes = c.toBytes(v);
  assert.is(bytes[0], 1);
  assert.is(bytes[1], 7);
  assert.is(new DataView(bytes.buffer).getBigUint64(8, true), v.p);
  assert.is(bytes[16], 9);
  assert.equal(c.fromBytes(bytes), v);
});

test("each integer type accepts exactly its range: both ends encode and decode, one past either end is a LayoutError", () => {
  for (const t of [u8, u16, u32, u64, i8, i16, i32, i64]) {
    if (t.kind !== "int") continue;
    const bits = BigInt(t.size * 8);
    const [min, max] = t.signed ? [-(1n << (bits - 1n)), (1n << (bits - 1n)) - 1n] : [0n, (1n << bits) - 1n];
    const c = codecOf<number | bigint>(t);
    const as = (v: bigint) => (t.size === 8 ? v : Number(v));
    for (const v of [min, max, min + 1n, max - 1n]) assert.equal(c.fromBytes(c.toBytes(as(v))), as(v), `${t.signed ? "i" : "u"}${bits}: ${v}`);
    for (const v of [min - 1n, max + 1n]) assert.throws(() => c.toBytes(as(v)), (e: unknown) => e instanceof LayoutError, `${t.signed ? "i" : "u"}${bits}: ${v} must not encode`);
  }
});

test("an integer field takes a boolean as 1 or 0 and refuses a string; a struct refuses null with a LayoutError", () => {
  const c = codecOf<unknown>(u8);
  assert.equal([...c.toBytes(true)], [1]);
  assert.equal([...c.toBytes(false)], [0]);
  assert.throws(() => c.toBytes("5"), (e: unknown) => e instanceof LayoutError);
  const s = codecOf<unknown>({ kind: "struct", fields: [{ name: "x", type: u32 }] });
  assert.throws(() => s.toBytes(null), (e: unknown) => e instanceof LayoutError && /expected an object/.test(e.message));
  assert.throws(() => s.toBytes(5), (e: unknown) => e instanceof LayoutError && /expected an object/.test(e.message));
});

test.run();
