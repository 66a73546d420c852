// Aggregations, the one table: a kind (count, sum, min, max, avg, stats, hist, lhist) in; the class a tracer
// constructs, the method its handlers call, the per-CPU value layout the kernel side updates and the user side
// merges, and the histogram bucket formulas out. The frontend recognises declarations by `class`, lowering emits
// updates of `value` and bucket indices by `log2Index`/`linearIndex`'s rules, the compiler lays out the maps, and
// runtime/output reads them back and prints the bucket bounds; a test runs the emitted bucket code in the VM against
// the formulas here.

import type { TypeDesc } from "./object/layout.ts";

export type AggregationKind = "count" | "sum" | "min" | "max" | "avg" | "stats" | "hist" | "lhist";

const U64: TypeDesc = { kind: "int", size: 8, signed: false };
const I64: TypeDesc = { kind: "int", size: 8, signed: true };

/** What one CPU holds for one key. */
export const AGG_VALUE = {
  /** count: events; also each histogram bucket's counter. */
  count: U64,
  /** sum: a signed running total. */
  sum: I64,
  /** min/max: the value, and whether this CPU has seen one (there is no neutral starting value). */
  minmax: { kind: "struct", name: "minmax", fields: [{ name: "value", type: I64 }, { name: "set", type: U64 }] } as TypeDesc,
  /** avg/stats: how many values and their total. */
  stats: { kind: "struct", name: "stats", fields: [{ name: "count", type: U64 }, { name: "total", type: I64 }] } as TypeDesc,
  bucket: U64,
} as const;

export interface AggregationDef {
  readonly kind: AggregationKind;
  /** The class a tracer constructs (`new Count<K>()`), in stdlib-types/index.d.ts and runtime/user. */
  readonly class: string;
  /** The one method a handler calls on it. */
  readonly method: "increment" | "add" | "record";
  /** Its per-CPU value. */
  readonly value: TypeDesc;
  /** One counter per bucket, keyed by the bucket (and the user's key, if any). */
  readonly histogram: boolean;
}

export const AGGREGATIONS: Readonly<Record<AggregationKind, AggregationDef>> = {
  count: { kind: "count", class: "Count", method: "increment", value: AGG_VALUE.count, histogram: false },
  sum: { kind: "sum", class: "Sum", method: "add", value: AGG_VALUE.sum, histogram: false },
  min: { kind: "min", class: "Min", method: "record", value: AGG_VALUE.minmax, histogram: false },
  max: { kind: "max", class: "Max", method: "record", value: AGG_VALUE.minmax, histogram: false },
  avg: { kind: "avg", class: "Avg", method: "record", value: AGG_VALUE.stats, histogram: false },
  stats: { kind: "stats", class: "Stats", method: "record", value: AGG_VALUE.stats, histogram: false },
  hist: { kind: "hist", class: "Histogram", method: "record", value: AGG_VALUE.bucket, histogram: true },
  lhist: { kind: "lhist", class: "LinearHistogram", method: "record", value: AGG_VALUE.bucket, histogram: true },
};

const BY_CLASS = new Map(Object.values(AGGREGATIONS).map((a) => [a.class, a]));

/** The aggregation a class name constructs, or undefined. */
export function aggregationOfClass(name: string): AggregationDef | undefined {
  return BY_CLASS.get(name);
}

/** The key of a keyed histogram: the user's key and the bucket index. */
export function histKey(key: TypeDesc): TypeDesc {
  return { kind: "struct", name: "hist_key", fields: [{ name: "key", type: key }, { name: "bucket", type: { kind: "int", size: 4, signed: false } }] };
}

// ---------------------------------------------------------------------------------------------------------------
// Histogram buckets.
//
// log2: index 0 holds negative values, 1 holds 0, k >= 2 holds [2^(k-2), 2^(k-1)); 66 buckets cover u64.
// linear: index 0 is below min, 1..n hold [min + (i-1)*step, min + i*step), n+1 holds min + n*step and above.

export const LOG2_BUCKETS = 66;

/** Parameters of a LinearHistogram: n = (max - min) / step buckets in [min, max) plus one on each side. */
export interface LinearHistogramParams {
  readonly min: bigint;
  readonly max: bigint;
  readonly step: bigint;
}

/** The values a bucket holds, [low, high): `low` is absent for the below bucket, `high` for the above bucket. */
export interface BucketBounds {
  readonly low?: bigint;
  readonly high?: bigint;
}

/** Buckets inside [min, max): the linear histogram has two more. */
export function linearSteps(p: LinearHistogramParams): bigint {
  return (p.max - p.min) / p.step;
}

export function linearBucketCount(p: LinearHistogramParams): number {
  return Number(linearSteps(p)) + 2;
}

/** The bucket a value lands in, as the emitted code computes it (`v` as the handler's type: signed or not). */
export function log2Index(v: bigint): number {
  if (v < 0n) return 0;
  if (v === 0n) return 1;
  return v.toString(2).length + 1;
}

export function linearIndex(v: bigint, p: LinearHistogramParams): number {
  if (v < p.min) return 0;
  if (v >= p.max) return Number(linearSteps(p)) + 1;
  return Number((v - p.min) / p.step) + 1;
}

export function log2Bounds(index: number): BucketBounds {
  if (index === 0) return { high: 0n };
  if (index === 1) return { low: 0n, high: 1n };
  return { low: 1n << BigInt(index - 2), high: 1n << BigInt(index - 1) };
}

export function linearBounds(index: number, p: LinearHistogramParams): BucketBounds {
  const n = linearSteps(p);
  const at = (i: bigint) => p.min + i * p.step;
  if (index === 0) return { high: p.min };
  if (BigInt(index) <= n) return { low: at(BigInt(index - 1)), high: at(BigInt(index)) };
  return { low: at(n) };
}
