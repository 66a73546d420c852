// Real-kernel map tests (root): every map type the runtime supports, update flags, iteration, batch and fallback,
// per-CPU values, pinning, freezing, size checks.

import { readFileSync } from "node:fs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { u32, u64 } from "../../core/object/layout.ts";
import type { MapSpec } from "../../core/object/spec.ts";
import { BpfError } from "../../runtime/kernel/errors.ts";
import { BpfMap } from "../../runtime/kernel/maps.ts";
import { possibleCpus } from "../../runtime/kernel/cpus.ts";
import { kernelTest } from "../support/kernel.ts";

const hash: MapSpec = { name: "t_hash", type: "hash", keySize: 4, valueSize: 8, maxEntries: 4, key: u32, value: u64 };

kernelTest(test, "hash map: set/get/has/delete and the NOEXIST/EXIST flags", (sys) => {
  using m = BpfMap.create<number, bigint>(sys, hash);
  assert.is(m.get(1), undefined);
  m.set(1, 10n);
  assert.is(m.get(1), 10n);
  assert.ok(m.has(1));
  assert.throws(() => m.set(1, 11n, "noexist"), (e: unknown) => e instanceof BpfError && e.code === "EEXIST" && /already exists/.test(e.message));
  m.set(1, 12n, "exist");
  assert.is(m.get(1), 12n);
  assert.throws(() => m.set(2, 1n, "exist"), (e: unknown) => e instanceof BpfError && e.code === "ENOENT");
  assert.ok(m.delete(1));
  assert.not.ok(m.delete(1));
  assert.is(m.get(1), undefined);
});

kernelTest(test, "a full hash map says so (E2BIG) and names max_entries", (sys) => {
  using m = BpfMap.create<number, bigint>(sys, hash);
  for (let i = 0; i < 4; i++) m.set(i, BigInt(i));
  assert.throws(() => m.set(99, 1n), (e: unknown) => e instanceof BpfError && e.code === "E2BIG" && /is full \(max_entries 4\)/.test(e.message));
});

kernelTest(test, "keys() and entries() see every element; drain() empties the map", (sys) => {
  using m = BpfMap.create<number, bigint>(sys, { ...hash, maxEntries: 3000 });
  for (let i = 0; i < 2500; i++) m.set(i, BigInt(i * 3));
  const keys = [...m.keys()].sort((a, b) => a - b);
  assert.is(keys.length, 2500);
  assert.is(keys[2499], 2499);
  const entries = new Map(m.entries());
  assert.is(entries.size, 2500);
  assert.is(entries.get(1234), 3702n);
  const drained = m.drain();
  assert.is(drained.length, 2500);
  assert.is([...m.keys()].length, 0);
});

kernelTest(test, "take() removes and returns (lookup-and-delete)", (sys) => {
  using m = BpfMap.create<number, bigint>(sys, hash);
  m.set(7, 70n);
  assert.is(m.take(7), 70n);
  assert.is(m.get(7), undefined);
  assert.is(m.take(7), undefined);
});

kernelTest(test, "array map: pre-zeroed, index bounds, no deletion", (sys) => {
  using m = BpfMap.create<number, bigint>(sys, { name: "t_array", type: "array", keySize: 4, valueSize: 8, maxEntries: 8, key: u32, value: u64 });
  assert.is(m.get(5), 0n);
  m.set(5, 55n);
  assert.is(m.get(5), 55n);
  assert.throws(() => m.set(8, 1n), (e: unknown) => e instanceof BpfError && /index out of range/.test(e.message));
  assert.throws(() => m.delete(5), /cannot be deleted/);
  assert.is(m.entries().length, 8);
  m.clear();
  assert.is(m.get(5), 0n);
});

kernelTest(test, "per-CPU maps: one value per possible CPU, merged by sum", (sys) => {
  const ncpu = possibleCpus().length;
  using m = BpfMap.create<number, bigint>(sys, { name: "t_pcpu", type: "percpu_hash", keySize: 4, valueSize: 8, maxEntries: 16, key: u32, value: u64 });
  m.set(1, Array.from({ length: ncpu }, (_, c) => BigInt(c + 1)));
  assert.equal(m.getPerCpu(1), Array.from({ length: ncpu }, (_, c) => BigInt(c + 1)));
  assert.is(m.getMerged(1), BigInt((ncpu * (ncpu + 1)) / 2));
  assert.throws(() => m.get(1), /per-CPU: use getPerCpu\(\) or getMerged\(\)/);
  const [k, v] = m.entriesMerged()[0]!;
  assert.is(k, 1);
  assert.is(v, BigInt((ncpu * (ncpu + 1)) / 2));
  // A 4-byte value still takes an 8-byte stride per CPU in user space.
  using a = BpfMap.create<number, number>(sys, { name: "t_pcpu_arr", type: "percpu_array", keySize: 4, valueSize: 4, maxEntries: 2, key: u32, value: u32 });
  a.set(0, 3);
  assert.equal(a.getPerCpu(0), Array(ncpu).fill(3));
});

kernelTest(test, "LRU hash maps evict instead of failing when full", (sys) => {
  using m = BpfMap.create<number, bigint>(sys, { ...hash, name: "t_lru", type: "lru_hash", maxEntries: 64 });
  for (let i = 0; i < 1000; i++) m.set(i, BigInt(i));
  const n = [...m.keys()].length;
  assert.ok(n > 0 && n <= 64, `${n} entries`);
  assert.is(m.get(999), 999n);
});

kernelTest(test, "ring buffer, perf event array and stack trace maps are created", (sys) => {
  using rb = BpfMap.create(sys, { name: "t_rb", type: "ringbuf", keySize: 0, valueSize: 0, maxEntries: 1 << 16 });
  assert.is(rb.info().type, 27);
  assert.throws(() => BpfMap.create(sys, { name: "t_rb_bad", type: "ringbuf", keySize: 0, valueSize: 0, maxEntries: 5000 }),
    (e: unknown) => e instanceof BpfError && /rejected the size 5000/.test(e.message) && /power of 2 and a multiple of the page size/.test(e.hint ?? ""));
  using pe = BpfMap.create(sys, { name: "t_pe", type: "perf_event_array", keySize: 4, valueSize: 4, maxEntries: possibleCpus().length });
  assert.is(pe.info().type, 4);
  using st = BpfMap.create(sys, { name: "t_st", type: "stack_trace", keySize: 4, valueSize: 8 * 127, maxEntries: 128 });
  assert.is(st.info().type, 7);
  using lp = BpfMap.create(sys, { name: "t_lpcpu", type: "lru_percpu_hash", keySize: 4, valueSize: 8, maxEntries: 16 });
  assert.is(lp.info().type, 10);
});

kernelTest(test, "pinning: a pinned map is reopened with its contents; mismatched definitions are refused", (sys) => {
  const dir = "/sys/fs/bpf";
  if (!readFileSync("/proc/mounts", "utf8").split("\n").some((l: string) => l.split(" ")[1] === dir)) sys.mount!("bpf", dir, "bpf");
  const path = `${dir}/tsbpf_test_${process.pid}`;
  BpfMap.unpin(path);
  {
    using m = BpfMap.create<number, bigint>(sys, hash);
    m.set(3, 33n);
    m.pin(path);
  }
  try {
    using again = BpfMap.openPinned<number, bigint>(sys, path, hash);
    assert.is(again.get(3), 33n);
    assert.throws(() => BpfMap.openPinned(sys, path, { ...hash, valueSize: 16 }), /value_size is 8 in the kernel, 16 in the program/);
  } finally {
    BpfMap.unpin(path);
  }
  assert.throws(() => BpfMap.openPinned(sys, path), /no pinned map at/);
});

kernelTest(test, "freeze makes a map read-only from user space", (sys) => {
  using m = BpfMap.create<number, bigint>(sys, { name: "t_frozen", type: "array", keySize: 4, valueSize: 8, maxEntries: 1, key: u32, value: u64, initialValue: "2a00000000000000", freeze: true });
  assert.is(m.get(0), 42n);
  assert.throws(() => m.set(0, 1n), (e: unknown) => e instanceof BpfError && e.code === "EPERM");
});

kernelTest(test, "values are checked against their types before they reach the kernel", (sys) => {
  using m = BpfMap.create<number, bigint>(sys, hash);
  assert.throws(() => m.set(-1, 1n), /-1 does not fit u32/);
  assert.throws(() => m.set(1, 1.5 as unknown as bigint), /expected an integer for u64, got 1.5/);
  assert.throws(() => m.set(1, (1n << 64n)), /does not fit u64/);
  m.set(1, 7 as unknown as bigint); // an integral number is taken for a 64-bit value
  assert.is(m.get(1), 7n);
});


test.run();
