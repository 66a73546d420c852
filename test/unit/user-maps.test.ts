// runtime/user keyed maps over the VM's MockMaps: the shared checks of test/support/user-checks.ts (the kernel
// tests run the same ones over BpfMap), plus what only needs checking once: unbound objects, binding to the wrong
// map, the per-CPU merge.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { u32, u64 } from "../../core/object/layout.ts";
import type { CollectionSpec, MapSpec } from "../../core/object/spec.ts";
import { MockMap } from "../../runtime/interp/maps.ts";
import { Count } from "../../runtime/user/aggregations.ts";
import { objectsFromSpec } from "../../runtime/user/bind.ts";
import { RingBuffer } from "../../runtime/user/events.ts";
import { ArrayMap, HashMap, PerCpuHashMap, mergeCpus } from "../../runtime/user/maps.ts";
import { BIND, CLASS } from "../../runtime/user/registry.ts";
import { KEYED_CHECKS, KEYED_SPEC } from "../support/user-checks.ts";

const CPUS = 4;

function mockMaps(spec: CollectionSpec) {
  const mocks = new Map(spec.maps.map((m) => [m.name, new MockMap(m, { cpus: CPUS })]));
  const backendFor = (name: string) => mocks.get(name)!;
  return { maps: objectsFromSpec(spec, backendFor), backendFor };
}

for (const [name, check] of Object.entries(KEYED_CHECKS)) {
  test(name, () => check({ ...mockMaps(KEYED_SPEC), cpus: CPUS, exactLru: true }));
}

const hashSpec: MapSpec = { name: "h", type: "hash", keySize: 4, valueSize: 8, maxEntries: 4, key: u32, value: u64 };

test("an object that was never bound says so on use, naming its class", () => {
  const m = new HashMap<number, bigint>(16);
  assert.is(m[CLASS], "HashMap");
  assert.throws(() => m.get(1), /^this HashMap is not bound to a kernel map: user-side map objects work only when the tracer module declares them at its top level/);
  assert.throws(() => new Count().get(), /this Count is not bound .*inside main\(\)/);
  assert.throws(() => new RingBuffer(4096).drain(), /this RingBuffer is not bound/);
  assert.throws(() => new HashMap(0), /HashMap: the number of entries must be a positive integer, got 0/);
});

test("binding checks that the map is of the object's kind", () => {
  const mock = new MockMap(hashSpec);
  assert.throws(() => new ArrayMap(4)[BIND](hashSpec, mock), /^cannot bind an ArrayMap to map h: it is a hash map, not an array map$/);
  assert.throws(() => new Count()[BIND](hashSpec, mock), /^cannot bind a Count to map h: it is a hash map, not an aggregation$/);
  const agg: MapSpec = { ...hashSpec, type: "percpu_hash", aggregation: { kind: "sum", keyed: true } };
  assert.throws(() => new Count()[BIND](agg, mock), /it is a sum aggregation, not a count/);
  assert.throws(() => new PerCpuHashMap(4)[BIND](agg, mock), /it is a sum aggregation/);
  assert.throws(() => new RingBuffer(4096)[BIND]({ name: "e", type: "ringbuf", keySize: 0, valueSize: 0, maxEntries: 4096 }, mock),
    /its spec does not describe the events/);
  const ok = new HashMap<number, bigint>(4);
  ok[BIND](hashSpec, mock);
  assert.is(ok.set(1, 2n), true);
  assert.is(mock.get(1), 2n, "the object writes the map it is bound to");
});

test("objectsFromSpec makes the declared class, or infers it, and skips the compiler's own maps", () => {
  const spec: CollectionSpec = {
    maps: [
      { ...hashSpec, name: "plain" },
      { ...hashSpec, name: "arr", type: "array", declared: { class: "ArrayMap", index: 0 } },
      { ...hashSpec, name: "c", type: "percpu_array", maxEntries: 1, aggregation: { kind: "count", keyed: false } },
      { ...hashSpec, name: "events.lost", type: "percpu_array", maxEntries: 1 },
      { ...hashSpec, name: ".rodata", type: "array", maxEntries: 1 },
    ],
    programs: [],
  };
  const made = objectsFromSpec(spec, (n) => new MockMap(spec.maps.find((m) => m.name === n)!));
  assert.equal([...made].map(([n, o]) => [n, o[CLASS]]), [["plain", "HashMap"], ["arr", "ArrayMap"], ["c", "Count"]]);
  assert.throws(() => objectsFromSpec({ maps: [{ ...hashSpec, declared: { class: "Bogus", index: 0 } }], programs: [] }, () => new MockMap(hashSpec)),
    /map h: no user-side class Bogus/);
});

test("mergeCpus: integers summed, booleans or'ed, the first non-empty string or byte array, field by field", () => {
  assert.is(mergeCpus([1n, 2n, 3n]), 6n);
  assert.is(mergeCpus([1, 2]), 3);
  assert.is(mergeCpus([false, true]), true);
  assert.is(mergeCpus(["", "b", "c"]), "b");
  assert.is(mergeCpus(["", ""]), "");
  assert.equal(mergeCpus([Uint8Array.of(0, 0), Uint8Array.of(0, 3)]), Uint8Array.of(0, 3));
  assert.equal(mergeCpus([{ n: 1, s: { t: "" }, a: [1n, 2n] }, { n: 2, s: { t: "x" }, a: [3n, 4n] }]), { n: 3, s: { t: "x" }, a: [4n, 6n] });
});

test("per-CPU maps whose value is an array cannot be written (one value or one per CPU would be ambiguous)", () => {
  const spec: MapSpec = { name: "pa", type: "percpu_hash", keySize: 4, valueSize: 16, maxEntries: 2, key: u32, value: { kind: "array", element: u64, length: 2 } };
  const m = new PerCpuHashMap<number, bigint[]>(2);
  m[BIND](spec, new MockMap(spec));
  assert.throws(() => m.set(1, [1n, 2n]), /per-CPU maps whose value is an array cannot be written from the user side/);
});

test.run();
