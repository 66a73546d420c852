// The user-side API checked the same way over both backends: map specs and a tracer in; named checks that the VM
// tests (MockMap, SimCollection) and the kernel tests (BpfMap, Collection) both run, so that the two backends are
// held to the same behaviour.

import * as assert from "uvu/assert";
import { type TypeDesc, u32, u64 } from "../../core/object/layout.ts";
import type { CollectionSpec, MapSpec } from "../../core/object/spec.ts";
import type { Avg, Count, Histogram, LinearHistogram, Max, Min, Stats, Sum } from "../../runtime/user/aggregations.ts";
import type { BackendFor } from "../../runtime/user/bind.ts";
import type { Bindable } from "../../runtime/user/registry.ts";
import type { ArrayMap, HashMap, LruHashMap, LruPerCpuHashMap, PerCpuArrayMap, PerCpuHashMap } from "../../runtime/user/maps.ts";
import type { MapBackend } from "../../runtime/user/backend.ts";

const tagged: TypeDesc = { kind: "struct", name: "tagged", fields: [{ name: "n", type: u64 }, { name: "tag", type: { kind: "string", capacity: 8 } }] };
const pair: TypeDesc = { kind: "struct", name: "pair", fields: [{ name: "a", type: u32 }, { name: "b", type: u64 }] };
const task: TypeDesc = { kind: "struct", name: "task", fields: [{ name: "pid", type: u32 }, { name: "comm", type: { kind: "string", capacity: 16 } }] };

const map = (name: string, cls: string, index: number, type: MapSpec["type"], maxEntries: number, key: TypeDesc, value: TypeDesc, keySize: number, valueSize: number): MapSpec =>
  ({ name, type, keySize, valueSize, maxEntries, key, value, declared: { class: cls, index } });

/** One map of each keyed class (small, to fill them), and a struct-keyed hash of u32 values. */
export const KEYED_SPEC: CollectionSpec = {
  maps: [
    map("h", "HashMap", 0, "hash", 3, u32, u64, 4, 8),
    map("lru", "LruHashMap", 1, "lru_hash", 3, u32, u64, 4, 8),
    map("pch", "PerCpuHashMap", 2, "percpu_hash", 4, u32, tagged, 4, 16),
    map("lpch", "LruPerCpuHashMap", 3, "lru_percpu_hash", 4, u32, u64, 4, 8),
    map("arr", "ArrayMap", 4, "array", 4, u32, pair, 4, 16),
    map("parr", "PerCpuArrayMap", 5, "percpu_array", 2, u32, u64, 4, 8),
    map("tasks", "HashMap", 6, "hash", 4, task, u32, 20, 4),
  ],
  programs: [],
};

export interface KeyedContext {
  readonly maps: ReadonlyMap<string, Bindable>;
  readonly backendFor: BackendFor;
  /** Values per key of per-CPU maps. */
  readonly cpus: number;
  /** The VM's LRU is exact; the kernel's is approximate (it may evict other or more entries). */
  readonly exactLru: boolean;
}

const sorted = <T>(xs: T[]): T[] => [...xs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
const zeros = <T>(n: number, first: T, zero: T): T[] => Array.from({ length: n }, (_, c) => (c === 0 ? first : zero));

export const KEYED_CHECKS: Readonly<Record<string, (cx: KeyedContext) => void>> = {
  "HashMap: set/get/has/delete; set() is false when full (E2BIG) or when the flag refuses (EEXIST, ENOENT)": (cx) => {
    const h = cx.maps.get("h") as HashMap<number, bigint>;
    assert.is(h.get(1), undefined);
    for (const k of [1, 2, 3]) assert.is(h.set(k, BigInt(k * 10)), true);
    assert.is(h.set(4, 40n), false, "full");
    assert.is(h.get(4), undefined);
    assert.is(h.set(1, 99n, "noexist"), false, "exists");
    assert.is(h.get(1), 10n);
    assert.is(h.set(5, 1n, "exist"), false, "absent");
    assert.is(h.has(5), false);
    assert.is(h.set(1, 11n, "exist"), true);
    assert.is(h.set(1, 12n), true, "a full map still updates an existing key");
    assert.is(h.get(1), 12n);
    assert.is(h.has(2), true);
    assert.is(h.delete(2), true);
    assert.is(h.delete(2), false);
    assert.is(h.set(4, 40n, "noexist"), true, "room again");
    assert.equal(sorted(h.keys()), [1, 3, 4]);
    assert.equal(sorted(h.values()), [12n, 30n, 40n]);
    assert.equal(new Map(h.entries()), new Map([[1, 12n], [3, 30n], [4, 40n]]));
    h.clear();
    assert.equal(h.entries(), []);
  },

  "HashMap.add: creates at delta, adds, wraps at the value's width, and throws when the map is full": (cx) => {
    const h = cx.maps.get("h") as HashMap<number, bigint>;
    h.add(7, 5n);
    h.add(7, 2n);
    assert.is(h.get(7), 7n);
    h.set(8, 2n ** 64n - 1n);
    h.add(8, 2n);
    assert.is(h.get(8), 1n, "u64 wraps");
    h.set(9, 0n);
    assert.throws(() => h.add(10, 1n), /is full \(max_entries 3\)/);
    const tasks = cx.maps.get("tasks") as HashMap<{ pid: number; comm: string }, number>;
    const bash = { pid: 42, comm: "bash" };
    assert.is(tasks.set(bash, 0xffff_ffff), true);
    tasks.add(bash, 2);
    assert.is(tasks.get({ pid: 42, comm: "bash" }), 1, "u32 wraps; struct keys compare by value");
    assert.is(tasks.get({ pid: 42, comm: "zsh" }), undefined);
    assert.equal(tasks.entries(), [[bash, 1]]);
  },

  "LruHashMap: a full LRU map evicts instead of refusing": (cx) => {
    const lru = cx.maps.get("lru") as LruHashMap<number, bigint>;
    for (let k = 1; k <= 5; k++) assert.is(lru.set(k, BigInt(k)), true, `set ${k}`);
    const keys = sorted(lru.keys());
    if (cx.exactLru) assert.equal(keys, [3, 4, 5], "the least recently used went first");
    else assert.ok(keys.length >= 1 && keys.length <= 3 && keys.includes(5), `kept ${keys.join(",")}`);
    assert.is(lru.get(5), 5n);
  },

  "PerCpuHashMap: get sums integer fields across CPUs, strings come from the CPU that has one; perCpu gives each": (cx) => {
    const pch = cx.maps.get("pch") as PerCpuHashMap<number, { n: bigint; tag: string }>;
    assert.is(pch.set(1, { n: 5n, tag: "x" }), true);
    assert.equal(pch.get(1), { n: 5n, tag: "x" }, "set puts the value on CPU 0 and zeroes elsewhere: get returns it");
    assert.equal(pch.perCpu(1), zeros(cx.cpus, { n: 5n, tag: "x" }, { n: 0n, tag: "" }));
    const values = Array.from({ length: cx.cpus }, (_, c) => ({ n: BigInt(c + 1), tag: c === cx.cpus - 1 ? "last" : "" }));
    (cx.backendFor("pch") as MapBackend).set(2, values);
    assert.equal(pch.get(2), { n: BigInt((cx.cpus * (cx.cpus + 1)) / 2), tag: "last" });
    assert.equal(pch.perCpu(2), values);
    assert.equal(new Map(pch.entries()), new Map([[1, { n: 5n, tag: "x" }], [2, { n: BigInt((cx.cpus * (cx.cpus + 1)) / 2), tag: "last" }]]));
    assert.is(pch.perCpu(3), undefined);
    assert.is(pch.has(3), false);
    assert.is(pch.set(1, { n: 1n, tag: "" }, "noexist"), false);
    assert.is(pch.set(3, { n: 1n, tag: "" }, "exist"), false);
  },

  "LruPerCpuHashMap: add goes to CPU 0's value, get sums": (cx) => {
    const m = cx.maps.get("lpch") as LruPerCpuHashMap<number, bigint>;
    m.add(1, 3n);
    m.add(1, 4n);
    assert.is(m.get(1), 7n);
    assert.equal(m.perCpu(1), zeros(cx.cpus, 7n, 0n));
    (cx.backendFor("lpch") as MapBackend).set(2, Array.from({ length: cx.cpus }, () => 2n));
    m.add(2, 1n);
    assert.is(m.get(2), BigInt(2 * cx.cpus + 1));
    assert.is(m.delete(1), true);
    assert.equal(m.keys(), [2]);
  },

  "ArrayMap: pre-zeroed, indices out of range refused, noexist always refused, clear zeroes, no delete": (cx) => {
    const arr = cx.maps.get("arr") as ArrayMap<{ a: number; b: bigint }>;
    const zero = { a: 0, b: 0n };
    assert.equal(arr.get(3), zero);
    assert.is(arr.has(3), true);
    assert.is(arr.get(4), undefined);
    assert.is(arr.has(4), false);
    assert.is(arr.set(4, { a: 1, b: 1n }), false, "out of range (E2BIG)");
    assert.is(arr.set(1, { a: 1, b: 1n }, "noexist"), false, "every element exists (EEXIST)");
    assert.is(arr.set(1, { a: 7, b: 2n ** 40n }, "exist"), true);
    assert.equal(arr.get(1), { a: 7, b: 2n ** 40n });
    assert.equal(arr.keys(), [0, 1, 2, 3]);
    assert.equal(arr.values(), [zero, { a: 7, b: 2n ** 40n }, zero, zero]);
    assert.throws(() => arr.delete(1), /elements of array maps cannot be deleted/);
    arr.clear();
    assert.equal(arr.get(1), zero);
    assert.equal(arr.entries(), [[0, zero], [1, zero], [2, zero], [3, zero]]);
  },

  "PerCpuArrayMap: per-CPU sums; clear zeroes every CPU; add": (cx) => {
    const parr = cx.maps.get("parr") as PerCpuArrayMap<bigint>;
    assert.is(parr.get(0), 0n);
    assert.equal(parr.perCpu(1), zeros(cx.cpus, 0n, 0n));
    assert.is(parr.set(0, 5n), true);
    assert.is(parr.get(0), 5n);
    (cx.backendFor("parr") as MapBackend).set(1, Array.from({ length: cx.cpus }, (_, c) => BigInt(10 * (c + 1))));
    assert.is(parr.get(1), BigInt((10 * cx.cpus * (cx.cpus + 1)) / 2));
    parr.add(1, 1n);
    assert.equal(parr.perCpu(1)![0], 11n);
    assert.is(parr.set(2, 1n), false, "out of range");
    parr.clear();
    assert.equal(parr.entries(), [[0, 0n], [1, 0n]]);
    assert.equal(parr.perCpu(1), zeros(cx.cpus, 0n, 0n));
  },
};

// ---- Aggregations, written by a compiled tracer -------------------------------------------------------------

/** A tracer with one aggregation of each kind, keyed and not, fed by a raw tracepoint's two arguments (k, v). */
export const AGG_TRACER = `
import { rawTracepoint, Count, Sum, Min, Max, Avg, Stats, Histogram, LinearHistogram, HashMap, type u32, type u64 } from "tsbpf";
export const calls = new Count();
export const byKey = new Count<u32>();
export const total = new Sum<u32>();
export const lo = new Min();
export const hi = new Max<u32>();
export const mean = new Avg();
export const st = new Stats<u32>();
export const h = new Histogram({ unit: "us" });
export const hk = new Histogram<u32>();
export const lh = new LinearHistogram(0, 100, 10);
const seen = new HashMap<u32, u64>(4);
rawTracepoint("sys_enter", (ctx) => {
  const k = Number(ctx.arg(0));
  const v = ctx.arg(1);
  calls.increment();
  byKey.increment(k);
  total.add(k, v);
  lo.record(v);
  hi.record(k, v);
  mean.record(v);
  st.record(k, v);
  h.record(v);
  hk.record(k, v);
  lh.record(v);
  seen.set(k, v);
});
`;

/** What the checks below expect: (cpu, k, v) events, run on CPUs 0 and 1. */
export const AGG_EVENTS: readonly (readonly [cpu: number, k: number, v: bigint])[] = [
  [0, 1, 5n], [0, 2, 100n], [1, 1, 7n], [1, 3, 0n], [1, 1, 2000n],
];

/** The context of the raw tracepoint program: its arguments as u64s. */
export function rawArgs(...args: (number | bigint)[]): Uint8Array {
  const b = new Uint8Array(8 * args.length);
  const v = new DataView(b.buffer);
  args.forEach((a, i) => v.setBigUint64(8 * i, BigInt.asUintN(64, BigInt(a)), true));
  return b;
}

const B = (low: bigint, high: bigint, count: bigint) => ({ low, high, count });
const ABOVE = 2n ** 63n;

export interface AggMaps {
  calls: Count;
  byKey: Count;
  total: Sum;
  lo: Min;
  hi: Max;
  mean: Avg;
  st: Stats;
  h: Histogram;
  hk: Histogram;
  lh: LinearHistogram;
}

export const AGG_CHECKS: Readonly<Record<string, (m: AggMaps) => void>> = {
  "Count and Sum: get merges the CPUs, entries come in print order, print is what tsbpf run prints": (m) => {
    assert.is(m.calls.get(), 5n);
    assert.equal(m.calls.entries(), [[undefined, 5n]]);
    assert.is(m.calls.print(), "@calls: 5\n");
    assert.is(m.byKey.get(1), 3n);
    assert.is(m.byKey.get(99), 0n);
    assert.equal(m.byKey.entries(), [[2, 1n], [3, 1n], [1, 3n]]);
    assert.is(m.byKey.print(), "@byKey[2]: 1\n@byKey[3]: 1\n@byKey[1]: 3\n");
    assert.is(m.total.get(1), 2012n);
    assert.is(m.total.get(3), 0n);
    assert.equal(m.total.entries(), [[3, 0n], [2, 100n], [1, 2012n]]);
  },

  "Min, Max, Avg, Stats: merged across CPUs; undefined for a key never recorded": (m) => {
    assert.is(m.lo.get(), 0n);
    assert.is(m.hi.get(1), 2000n);
    assert.is(m.hi.get(2), 100n);
    assert.is(m.hi.get(99), undefined);
    assert.equal(m.hi.entries(), [[3, 0n], [2, 100n], [1, 2000n]]);
    assert.is(m.mean.get(), 422n, "2112 / 5, truncated");
    assert.is(m.mean.print(), "@mean: 422\n");
    assert.equal(m.st.get(1), { count: 3n, total: 2012n, average: 670n });
    assert.is(m.st.get(99), undefined);
    assert.equal(m.st.entries().map(([k]) => k), [3, 2, 1]);
    assert.is(m.st.print(), "@st[3]: count 1, average 0, total 0\n@st[2]: count 1, average 100, total 100\n@st[1]: count 3, average 670, total 2012\n");
  },

  "Histogram: buckets from the lowest to the highest non-empty one, count(), keyed by {key, bucket}": (m) => {
    const h = m.h.get();
    assert.equal(h.map((b) => [b.low, b.high, b.count]), [
      [0n, 1n, 1n], [1n, 2n, 0n], [2n, 4n, 0n], [4n, 8n, 2n], [8n, 16n, 0n], [16n, 32n, 0n], [32n, 64n, 0n], [64n, 128n, 1n],
      [128n, 256n, 0n], [256n, 512n, 0n], [512n, 1024n, 0n], [1024n, 2048n, 1n],
    ]);
    assert.is(m.h.count(), 5n);
    assert.equal(m.h.entries(), [[undefined, h]]);
    assert.ok(m.h.print().startsWith("@h (us):\n[0]                    1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n[1]"), m.h.print());
    assert.equal(m.hk.get(2), [B(64n, 128n, 1n)]);
    assert.equal(m.hk.get(3), [B(0n, 1n, 1n)]);
    assert.is(m.hk.count(1), 3n);
    assert.equal(m.hk.get(1)[0], B(4n, 8n, 2n));
    assert.is(m.hk.get(1).length, 9);
    assert.equal(m.hk.get(99), []);
    assert.is(m.hk.count(99), 0n);
    assert.equal(m.hk.entries().map(([k, b]) => [k, b.reduce((s, x) => s + x.count, 0n)]), [[2, 1n], [3, 1n], [1, 3n]]);
  },

  "LinearHistogram: steps of 10 in [0, 100), the above bucket's high is 2^63": (m) => {
    const lh = m.lh.get();
    assert.is(lh.length, 11);
    assert.equal(lh[0], B(0n, 10n, 3n));
    assert.equal(lh[10], B(100n, ABOVE, 2n));
    assert.ok(lh.slice(1, 10).every((b) => b.count === 0n));
    assert.is(m.lh.count(), 5n);
    const lines = m.lh.print().split("\n");
    assert.is(lines[0], "@lh:");
    assert.is(lines[1], "[0, 10)                3 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|");
    assert.is(lines[11], "[100, ...)             2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@                  |");
  },

  "clear() deletes everything recorded; keys are checked against the aggregation": (m) => {
    m.calls.clear();
    assert.is(m.calls.get(), 0n);
    assert.equal(m.calls.entries(), []);
    assert.is(m.calls.print(), "");
    m.byKey.clear();
    assert.is(m.byKey.get(1), 0n);
    assert.equal(m.byKey.entries(), []);
    m.hk.clear();
    assert.equal(m.hk.get(1), []);
    m.h.clear();
    assert.is(m.h.count(), 0n);
    assert.is(m.total.get(1), 2012n, "the others are untouched");
    assert.throws(() => m.calls.get(1), /has no key: call get\(\)/);
    assert.throws(() => m.byKey.get(), /has a key: call get\(key\)/);
    assert.throws(() => m.calls.increment(), /Count\.increment\(\) runs in probe handlers only/);
    assert.throws(() => m.h.record(1), /Histogram\.record\(\) runs in probe handlers only/);
  },
};

// ---- Event channels, written by a compiled tracer --------------------------------------------------------------

/** A tracer that sends one event per run to a ring buffer (4 KiB: 102 records of 8 + 32 bytes) and a perf array. */
export const EVENTS_TRACER = `
import { rawTracepoint, RingBuffer, PerfEventArray, bpf, type u32, type u64, type Str } from "tsbpf";
interface Ev { pid: u32; comm: Str<16>; v: u64 }
export const events = new RingBuffer<Ev>(4096);
export const perf = new PerfEventArray<Ev>();
rawTracepoint("sys_enter", (ctx) => {
  events.emit({ pid: bpf.pid(), comm: bpf.comm(), v: ctx.arg(0) });
  perf.emit({ pid: bpf.pid(), comm: bpf.comm(), v: ctx.arg(0) + 1000n });
});
`;

export interface Ev {
  pid: number;
  comm: string;
  v: bigint;
}
