// Load-time parameters set from the command line and from load(): a spec with a boolean, a u8 and an i64 parameter
// in .rodata; each accepted spelling written at its offset, and each bad value refused with a message naming the
// parameter, the value and what it should be (never silently false or wrapped).

import { test } from "uvu";
import * as assert from "uvu/assert";
import { paramValues, setParams } from "../../core/object/params.ts";
import type { CollectionSpec } from "../../core/object/spec.ts";

const spec: CollectionSpec = {
  maps: [{ name: ".rodata", type: "array", keySize: 4, valueSize: 16, maxEntries: 1, initialValue: "00".repeat(16), freeze: true }],
  programs: [],
  paramMap: ".rodata",
  params: [
    { name: "failed", offset: 0, type: { kind: "bool" }, default: "0" },
    { name: "min", offset: 1, type: { kind: "int", size: 1, signed: false }, default: "0" },
    { name: "delta", offset: 8, type: { kind: "int", size: 8, signed: true }, default: "0" },
  ],
};

test("params: booleans are true/false or 1/0, in any of the forms the command line and load() give", () => {
  for (const v of ["true", "1", true, 1, 1n]) assert.is(paramValues(setParams(spec, { failed: v })).failed, true, String(v));
  for (const v of ["false", "0", false, 0, 0n]) assert.is(paramValues(setParams(spec, { failed: v })).failed, false, String(v));
});

test("params: a boolean given anything else is refused, naming the value", () => {
  for (const v of ["maybe", "yes", "", "2", "TRUE", 2]) {
    assert.throws(() => setParams(spec, { failed: v }), (e: Error) => /parameter failed: expected true or false \(or 1 or 0\), not/.test(e.message), String(v));
  }
  assert.throws(() => setParams(spec, { failed: "maybe" }), /not "maybe"/);
});

test("params: integers parse (decimal, hex, negative) and must fit their type", () => {
  assert.is(paramValues(setParams(spec, { min: "255" })).min, 255);
  assert.is(paramValues(setParams(spec, { min: "0x10" })).min, 16);
  assert.is(paramValues(setParams(spec, { delta: "-9223372036854775808" })).delta, -(1n << 63n));
  assert.throws(() => setParams(spec, { min: "256" }), /parameter min: 256 does not fit u8 \(0\.\.255\)/);
  assert.throws(() => setParams(spec, { min: "-1" }), /parameter min: -1 does not fit u8/);
  assert.throws(() => setParams(spec, { delta: "9223372036854775808" }), /does not fit i64/);
  assert.throws(() => setParams(spec, { min: "ten" }), /parameter min: "ten" is not an integer/);
  assert.throws(() => setParams(spec, { min: "1.5" }), /is not an integer/);
  assert.throws(() => setParams(spec, { min: 1.5 }), /is not an integer/);
  assert.throws(() => setParams(spec, { min: true }), /parameter min: expected an integer, not true/);
});

test("params: an unknown name lists the parameters the tracer declares", () => {
  assert.throws(() => setParams(spec, { fail: "1" }), /unknown parameter fail \(parameters: failed, min, delta\)/);
  const none: CollectionSpec = { maps: [], programs: [] };
  assert.throws(() => setParams(none, { x: "1" }), /x: this tracer declares no param\(\)/);
});

test.run();
