// Aggregation results as data: per-CPU values read from the kernel in, one merged AggregationData per map out,
// plus the ordering and histogram bucket conventions that the text and JSON printers share.

import {
  type AggregationKind as Aggregation, type BucketBounds, LOG2_BUCKETS, type LinearHistogramParams, linearBounds, linearBucketCount, log2Bounds,
} from "../../core/aggregations.ts";
import type { TypeDesc } from "../../core/object/layout.ts";

/** What the tracer assigned to the map (an aggregation, or "map" for a plain map); decides how entries are merged, ordered and printed. */
export type AggregationKind = Aggregation | "map";

/** One map's contents, ready to print. */
export interface AggregationData {
  /** Printed as `@name` (a name that already starts with `@` is printed as is). */
  readonly name: string;
  readonly kind: AggregationKind;
  /** Shown after the key in the header line, e.g. `@lat (us):`, for sum/min/max/avg/stats/hist/lhist. */
  readonly unit?: string;
  /** false: a single value with `key` undefined, printed `@name: 5`, or `@name:` and a histogram. */
  readonly keyed: boolean;
  readonly entries: readonly AggregationEntry[];
  /** Required for kind "lhist". */
  readonly lhist?: LinearHistogramParams;
  /** Print only the `top` largest entries, and say how many keys there are (the tracer's `{ top: N }`). */
  readonly top?: number;
  /** The layout of the keys, and of a plain map's values: where a syscall number prints as a name (display.ts). */
  readonly keyType?: TypeDesc;
  readonly valueType?: TypeDesc;
}

/**
 * One key's value. `key` is a decoded JS value: undefined (unkeyed), number, bigint, string, boolean, Uint8Array,
 * an array (a tuple or multi-key) or a plain object (a struct).
 */
export type AggregationEntry =
  /** count, sum, min, max */
  | { readonly key: unknown; readonly value: bigint }
  /** avg, stats */
  | { readonly key: unknown; readonly count: bigint; readonly total: bigint }
  /** hist, lhist: one counter per bucket, see log2Bounds / linearBounds */
  | { readonly key: unknown; readonly buckets: readonly bigint[] }
  /** plain maps: any decoded value */
  | { readonly key: unknown; readonly value: unknown };

// ---------------------------------------------------------------------------------------------------------------
// Per-CPU merging. Aggregations live in per-CPU maps so that the BPF side never contends on a cache line; user
// space reads one slot per possible CPU and folds them here.

/** count() and sum(): the per-CPU partial sums added up. Pass values decoded with the map's signedness. */
export function mergeCount(values: readonly bigint[]): bigint {
  let sum = 0n;
  for (const v of values) sum += v;
  return sum;
}

/** One CPU's min()/max() slot: `set` is non-zero once that CPU has seen a value (there is no neutral default). */
export interface MinMaxSlot {
  readonly value: bigint;
  readonly set: bigint;
}

/**
 * min() over the CPUs that have a value; undefined if none has. `signed` reinterprets each 64-bit slot, because a
 * raw read decodes the kernel's word as u64 while `min(-3)` stored an i64.
 */
export function mergeMin(values: readonly MinMaxSlot[], signed: boolean): bigint | undefined {
  return pick(values, signed, (a, b) => a < b);
}

/** max() over the CPUs that have a value; undefined if none has. See mergeMin for `signed`. */
export function mergeMax(values: readonly MinMaxSlot[], signed: boolean): bigint | undefined {
  return pick(values, signed, (a, b) => a > b);
}

function pick(values: readonly MinMaxSlot[], signed: boolean, better: (a: bigint, b: bigint) => boolean): bigint | undefined {
  let best: bigint | undefined;
  for (const { value, set } of values) {
    if (set === 0n) continue; // a CPU that never ran the probe holds a zero that is not a sample
    const v = signed ? BigInt.asIntN(64, value) : BigInt.asUintN(64, value);
    if (best === undefined || better(v, best)) best = v;
  }
  return best;
}

/** avg() and stats(): counts and totals added up across CPUs. */
export function mergeStats(values: readonly { readonly count: bigint; readonly total: bigint }[]): { count: bigint; total: bigint } {
  let count = 0n;
  let total = 0n;
  for (const v of values) {
    count += v.count;
    total += v.total;
  }
  return { count, total };
}

/**
 * Histogram counters grouped by key. The kernel stores one counter per (key, bucket) (the bucket index is the
 * last key field), so a map read yields one row per non-zero bucket. Keys are compared structurally (an integer
 * number equals the bigint of the same value; object field order does not matter); rows for the same (key,
 * bucket), e.g. one per CPU, are added. Each key's `buckets` runs to its highest bucket seen; the printers read
 * missing buckets as zero. Keys come out in order of first appearance.
 */
export function collectBuckets(
  entries: readonly { readonly key: unknown; readonly bucket: number; readonly count: bigint }[],
): { key: unknown; buckets: bigint[] }[] {
  const byKey = new Map<string, { key: unknown; buckets: bigint[] }>();
  for (const { key, bucket, count } of entries) {
    if (!Number.isInteger(bucket) || bucket < 0) throw new RangeError(`bad histogram bucket index ${bucket}`);
    const id = keyIdentity(key);
    let group = byKey.get(id);
    if (!group) byKey.set(id, (group = { key, buckets: [] }));
    while (group.buckets.length <= bucket) group.buckets.push(0n);
    group.buckets[bucket] = (group.buckets[bucket] ?? 0n) + count;
  }
  return [...byKey.values()];
}

/** A string that two structurally equal keys share and no unequal keys do. */
export function keyIdentity(k: unknown): string {
  switch (typeof k) {
    case "undefined":
      return "u";
    case "boolean":
      return k ? "t" : "f";
    case "bigint":
      return `i${k}`;
    case "number":
      return Number.isInteger(k) ? `i${BigInt(k)}` : `n${k}`;
    case "string":
      return `s${JSON.stringify(k)}`;
    case "object":
      if (k === null) return "z";
      if (k instanceof Uint8Array) return `y[${k.join(",")}]`;
      if (Array.isArray(k)) return `a[${k.map(keyIdentity).join(",")}]`;
      return `o{${Object.keys(k)
        .sort()
        .map((f) => `${JSON.stringify(f)}:${keyIdentity((k as Record<string, unknown>)[f])}`)
        .join(",")}}`;
    default:
      throw new TypeError(`unsupported map key ${String(k)}`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Entry access. A kind and an entry shape that disagree are a bug in whoever built the AggregationData.

/** The value of a count/sum/min/max entry. */
export function entryValue(a: AggregationData, e: AggregationEntry): bigint {
  const v = "value" in e ? e.value : undefined;
  if (typeof v === "bigint") return v;
  if (typeof v === "number" && Number.isInteger(v)) return BigInt(v);
  throw new TypeError(`@${a.name}: a ${a.kind} entry needs a bigint value`);
}

/** count and total of an avg/stats entry, and the average bpftrace prints: total / count truncated, 0 if empty. */
export function entryStats(a: AggregationData, e: AggregationEntry): { count: bigint; total: bigint; average: bigint } {
  if (!("count" in e && "total" in e)) throw new TypeError(`@${a.name}: a ${a.kind} entry needs count and total`);
  return { count: e.count, total: e.total, average: e.count === 0n ? 0n : e.total / e.count };
}

/** The bucket counters of a hist/lhist entry, checked against the number of buckets the kind has. */
export function entryBuckets(a: AggregationData, e: AggregationEntry): readonly bigint[] {
  if (!("buckets" in e)) throw new TypeError(`@${a.name}: a ${a.kind} entry needs buckets`);
  const limit = bucketCount(a);
  if (e.buckets.length > limit) throw new RangeError(`@${a.name}: ${e.buckets.length} buckets, a ${a.kind} has ${limit}`);
  return e.buckets;
}

// ---------------------------------------------------------------------------------------------------------------
// Histogram buckets: the formulas are core/aggregations.ts's, which the compiler's emitted code follows.

/** Bucket bounds for a hist or lhist aggregation. */
export function bucketBounds(a: AggregationData, index: number): BucketBounds {
  return a.kind === "lhist" ? linearBounds(index, lhistParams(a)) : log2Bounds(index);
}

export function bucketCount(a: AggregationData): number {
  if (a.kind === "hist") return LOG2_BUCKETS;
  if (a.kind === "lhist") return linearBucketCount(lhistParams(a));
  throw new TypeError(`@${a.name}: a ${a.kind} has no buckets`);
}

/** The printed range of a histogram, from its first to its last non-zero bucket (as bpftrace trims); undefined if all are zero. */
export function nonZeroRange(buckets: readonly bigint[]): { first: number; last: number } | undefined {
  let first = -1;
  let last = -1;
  buckets.forEach((c, i) => {
    if (c > 0n) {
      if (first < 0) first = i;
      last = i;
    }
  });
  return first < 0 ? undefined : { first, last };
}

export function totalCount(buckets: readonly bigint[]): bigint {
  return mergeCount(buckets);
}

function lhistParams(a: AggregationData): LinearHistogramParams {
  const p = a.lhist;
  if (!p) throw new TypeError(`@${a.name}: an lhist needs its min, max and step`);
  if (p.step <= 0n || p.max <= p.min) throw new RangeError(`@${a.name}: lhist needs min < max and step > 0`);
  return p;
}

// ---------------------------------------------------------------------------------------------------------------
// Ordering, as bpftrace prints: ascending, so the largest is last and stays on screen. bpftrace sorts counts and
// integer values by value, avg/stats by average, histograms by their total count, other maps by key. Its sort
// leaves ties in hash order; here ties fall back to the key so the output is deterministic.

/** Entries in print order, keeping only the `top` largest when `top` is a positive number (bpftrace's print(@m, top)). */
export function orderedEntries(a: AggregationData, top?: number): AggregationEntry[] {
  const rank = rankOf(a);
  const ranked = a.entries.map((e) => ({ e, r: rank(e) }));
  ranked.sort((x, y) => {
    // `<` and `>` rather than `!==`, which would call 1 and 1n different
    if (x.r !== undefined && y.r !== undefined) {
      if (x.r < y.r) return -1;
      if (x.r > y.r) return 1;
    }
    return compareKeys(x.e.key, y.e.key);
  });
  const out = ranked.map((x) => x.e);
  return top !== undefined && top > 0 && out.length > top ? out.slice(out.length - top) : out;
}

/** An unkeyed map holds at most one entry; more means the reader built the data wrong. */
export function scalarEntries(a: AggregationData): readonly AggregationEntry[] {
  if (a.entries.length > 1) throw new TypeError(`@${a.name}: an unkeyed map has ${a.entries.length} entries`);
  return a.entries;
}

function rankOf(a: AggregationData): (e: AggregationEntry) => bigint | number | undefined {
  switch (a.kind) {
    case "count":
    case "sum":
    case "min":
    case "max":
      return (e) => entryValue(a, e);
    case "avg":
    case "stats":
      return (e) => entryStats(a, e).average;
    case "hist":
    case "lhist":
      return (e) => totalCount(entryBuckets(a, e));
    case "map": {
      // bpftrace sorts integer-valued maps by value and everything else by key.
      const numeric = a.entries.every((e) => "value" in e && (typeof e.value === "bigint" || typeof e.value === "number"));
      return numeric ? (e) => ("value" in e ? (e.value as bigint | number) : undefined) : () => undefined;
    }
    default: {
      const never: never = a.kind;
      throw new TypeError(`unknown aggregation kind ${String(never)}`);
    }
  }
}

const typeRank = (v: unknown): number => {
  if (v === undefined || v === null) return 0;
  switch (typeof v) {
    case "boolean":
      return 1;
    case "number":
    case "bigint":
      return 2;
    case "string":
      return 3;
    default:
      return v instanceof Uint8Array ? 4 : Array.isArray(v) ? 5 : 6;
  }
};

/** A total order on decoded keys: numbers by value, strings by code unit, tuples and structs field by field. */
export function compareKeys(a: unknown, b: unknown): number {
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra - rb;
  switch (ra) {
    case 1:
    case 2:
    case 3:
      return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
    case 4:
      return compareLists([...(a as Uint8Array)], [...(b as Uint8Array)]);
    case 5:
      return compareLists(a as unknown[], b as unknown[]);
    case 6:
      return compareLists(Object.values(a as object), Object.values(b as object));
    default:
      return 0;
  }
}

function compareLists(a: readonly unknown[], b: readonly unknown[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = compareKeys(a[i], b[i]);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}
