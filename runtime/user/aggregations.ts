// The user side of aggregations (Count, Sum, Min, Max, Avg, Stats, Histogram, LinearHistogram): a key in, the
// value merged across CPUs out; entries() and print() through runtime/output (readAggregation, formatAggregation),
// so they agree with what `tsbpf run` prints. The layouts are core/aggregations.ts's: a per-CPU
// array (no key; one element per histogram bucket) or a per-CPU hash (keyed; histograms key on {key, bucket}).

import type { MapSpec } from "../../core/object/spec.ts";
import { AGGREGATIONS, type AggregationKind, type BucketBounds, LOG2_BUCKETS, linearBounds, log2Bounds } from "../../core/aggregations.ts";
import {
  type AggregationData, type AggregationEntry, entryBuckets, entryStats, entryValue, mergeCount, mergeMax, mergeMin, mergeStats,
  nonZeroRange, orderedEntries, type MinMaxSlot,
} from "../output/aggregations.ts";
import { readAggregation } from "../output/read.ts";
import { formatAggregation } from "../output/text.ts";
import type { MapBackend } from "./backend.ts";
import { STACKS } from "./registry.ts";
import type { StackResolver } from "../output/stacks.ts";
import { Declared, aOr } from "./declared.ts";

export interface AggregationOptions {
  readonly maxEntries?: number;
  readonly unit?: string;
}

/** One bucket of a histogram: values in [low, high) were seen `count` times. */
export interface Bucket {
  readonly low: bigint;
  readonly high: bigint;
  readonly count: bigint;
}

/** What a Stats aggregation holds for a key. */
export interface StatsValue {
  readonly count: bigint;
  readonly total: bigint;
  readonly average: bigint;
}

/** The open ends of the below and above buckets, as the contract gives them (stdlib-types/index.d.ts). */
const BELOW = -(1n << 63n);
const ABOVE = 1n << 63n;
const toBig = (v: unknown): bigint => (typeof v === "bigint" ? v : BigInt(v as number));

/** What every aggregation has on the user side: entries merged across CPUs, clear, print. */
export abstract class Aggregation<R> extends Declared<MapBackend> {
  readonly #kind: AggregationKind;

  protected constructor(kind: AggregationKind) {
    super(AGGREGATIONS[kind].class);
    this.#kind = kind;
  }

  protected mismatch(spec: MapSpec): string | undefined {
    const a = spec.aggregation;
    if (!a) return `it is ${aOr(spec.type)} map, not an aggregation`;
    return a.kind === this.#kind ? undefined : `it is ${aOr(a.kind)} aggregation, not ${aOr(this.#kind)}`;
  }

  /** Every key with its merged value, in the order `tsbpf run` prints them (the key is undefined without a key). */
  entries(): [unknown, R][] {
    const data = this.read();
    return orderedEntries(data).map((e) => [e.key, this.entryResult(data, e)]);
  }

  /** Deletes everything recorded so far. */
  clear(): void {
    this.backend.clear();
  }

  /** The text `tsbpf run` prints for this aggregation (stacks symbolized, when its tracer gave it the means). */
  print(): string {
    const stacks = (this as { [STACKS]?: () => StackResolver | undefined })[STACKS]?.();
    return formatAggregation(this.read(), stacks ? { stacks } : {});
  }

  protected read(): AggregationData {
    return readAggregation(this.backend, this.spec);
  }

  protected abstract entryResult(data: AggregationData, e: AggregationEntry): R;

  /** Each CPU's value at the key the caller gave (none for an aggregation without a key), or undefined. */
  protected cpuValues(args: readonly unknown[], method: string): unknown[] | undefined {
    return this.backend.getPerCpu(this.keyOf(args, method));
  }

  /** The map key of a user key: the key itself, or element 0 of an aggregation without a key. */
  protected keyOf(args: readonly unknown[], method: string): unknown {
    const keyed = this.spec.aggregation!.keyed;
    if (keyed && args.length !== 1) throw new TypeError(`${this.label} has a key: call ${method}(key)`);
    if (!keyed && args.length !== 0) throw new TypeError(`${this.label} has no key: call ${method}()`);
    return keyed ? args[0] : 0;
  }
}

/** count() in bpftrace. */
export class Count extends Aggregation<bigint> {
  constructor(_options?: AggregationOptions) {
    super("count");
  }

  /** The count for `key` (0n when never incremented). */
  get(...key: unknown[]): bigint {
    const vs = this.cpuValues(key, "get");
    return vs ? mergeCount(vs.map(toBig)) : 0n;
  }

  increment(..._key: unknown[]): void {
    throw this.kernelOnly("increment", "read the counts with get() or entries()");
  }

  protected entryResult(data: AggregationData, e: AggregationEntry): bigint {
    return entryValue(data, e);
  }
}

/** sum() in bpftrace. */
export class Sum extends Aggregation<bigint> {
  constructor(_options?: AggregationOptions) {
    super("sum");
  }

  /** The sum for `key` (0n when nothing was added). */
  get(...key: unknown[]): bigint {
    const vs = this.cpuValues(key, "get");
    return vs ? mergeCount(vs.map(toBig)) : 0n;
  }

  add(..._args: unknown[]): void {
    throw this.kernelOnly("add", "read the sums with get() or entries()");
  }

  protected entryResult(data: AggregationData, e: AggregationEntry): bigint {
    return entryValue(data, e);
  }
}

/** min() and max(): each CPU keeps its extreme and whether it has one. */
abstract class Extreme extends Aggregation<bigint> {
  protected abstract pick(slots: readonly MinMaxSlot[], signed: boolean): bigint | undefined;

  /** The extreme recorded for `key`, or undefined. */
  get(...key: unknown[]): bigint | undefined {
    const vs = this.cpuValues(key, "get");
    return vs && this.pick(vs as MinMaxSlot[], !!this.spec.aggregation!.signed);
  }

  record(..._args: unknown[]): void {
    throw this.kernelOnly("record", "read the values with get() or entries()");
  }

  protected entryResult(data: AggregationData, e: AggregationEntry): bigint {
    return entryValue(data, e);
  }
}

/** The smallest value seen. */
export class Min extends Extreme {
  constructor(_options?: AggregationOptions) {
    super("min");
  }

  protected pick(slots: readonly MinMaxSlot[], signed: boolean): bigint | undefined {
    return mergeMin(slots, signed);
  }
}

/** The largest value seen. */
export class Max extends Extreme {
  constructor(_options?: AggregationOptions) {
    super("max");
  }

  protected pick(slots: readonly MinMaxSlot[], signed: boolean): bigint | undefined {
    return mergeMax(slots, signed);
  }
}

/** The count and total of `key` across CPUs, or undefined when nothing was recorded. */
function statsOf(vs: unknown[] | undefined): StatsValue | undefined {
  if (!vs) return undefined;
  const { count, total } = mergeStats(vs as { count: bigint; total: bigint }[]);
  return count === 0n ? undefined : { count, total, average: total / count };
}

/** avg() in bpftrace. */
export class Avg extends Aggregation<bigint> {
  constructor(_options?: AggregationOptions) {
    super("avg");
  }

  /** The average (truncated) of the values recorded for `key`, or undefined. */
  get(...key: unknown[]): bigint | undefined {
    return statsOf(this.cpuValues(key, "get"))?.average;
  }

  record(..._args: unknown[]): void {
    throw this.kernelOnly("record", "read the averages with get() or entries()");
  }

  protected entryResult(data: AggregationData, e: AggregationEntry): bigint {
    return entryStats(data, e).average;
  }
}

/** stats() in bpftrace: count, average and total. */
export class Stats extends Aggregation<StatsValue> {
  constructor(_options?: AggregationOptions) {
    super("stats");
  }

  /** Count, total and average for `key`, or undefined. */
  get(...key: unknown[]): StatsValue | undefined {
    return statsOf(this.cpuValues(key, "get"));
  }

  record(..._args: unknown[]): void {
    throw this.kernelOnly("record", "read the statistics with get() or entries()");
  }

  protected entryResult(data: AggregationData, e: AggregationEntry): StatsValue {
    return entryStats(data, e);
  }
}

/** Histograms: one counter per bucket, per CPU. */
abstract class Buckets extends Aggregation<Bucket[]> {
  protected abstract bucketCount(): number;
  protected abstract bounds(index: number): BucketBounds;

  /** The buckets of `key` from the lowest to the highest non-empty one (empty when nothing was recorded). */
  get(...key: unknown[]): Bucket[] {
    return this.toBuckets(this.counts(key, "get"));
  }

  /** How many values were recorded for `key`. */
  count(...key: unknown[]): bigint {
    return mergeCount(this.counts(key, "count"));
  }

  record(..._args: unknown[]): void {
    throw this.kernelOnly("record", "read the buckets with get() or entries()");
  }

  protected entryResult(data: AggregationData, e: AggregationEntry): Bucket[] {
    return this.toBuckets(entryBuckets(data, e));
  }

  /** Each bucket's count for the key, merged across CPUs. */
  private counts(args: readonly unknown[], method: string): bigint[] {
    const n = this.bucketCount();
    const counts = new Array<bigint>(n).fill(0n);
    const key = this.keyOf(args, method);
    if (!this.spec.aggregation!.keyed) {
      // The map is the histogram: one element per bucket, read in one go.
      for (const [i, vs] of this.backend.entriesPerCpu()) if ((i as number) < n) counts[i as number] = mergeCount(vs.map(toBig));
      return counts;
    }
    for (let i = 0; i < n; i++) {
      const vs = this.backend.getPerCpu({ key, bucket: i });
      if (vs) counts[i] = mergeCount(vs.map(toBig));
    }
    return counts;
  }

  private toBuckets(counts: readonly bigint[]): Bucket[] {
    const range = nonZeroRange(counts);
    if (!range) return [];
    const out: Bucket[] = [];
    for (let i = range.first; i <= range.last; i++) {
      const { low, high } = this.bounds(i);
      out.push({ low: low ?? BELOW, high: high ?? ABOVE, count: counts[i] ?? 0n });
    }
    return out;
  }
}

/** hist() in bpftrace: power-of-2 buckets. */
export class Histogram extends Buckets {
  constructor(_options?: AggregationOptions) {
    super("hist");
  }

  protected bucketCount(): number {
    return LOG2_BUCKETS;
  }

  protected bounds(index: number): BucketBounds {
    return log2Bounds(index);
  }
}

/** lhist() in bpftrace: buckets of `step` in [min, max), one below and one above. */
export class LinearHistogram extends Buckets {
  constructor(_min: number, _max: number, _step: number, _options?: AggregationOptions) {
    super("lhist");
  }

  protected bucketCount(): number {
    const p = this.params();
    return Number((p.max - p.min) / p.step) + 2;
  }

  protected bounds(index: number): BucketBounds {
    return linearBounds(index, this.params());
  }

  private params(): { min: bigint; max: bigint; step: bigint } {
    const l = this.spec.aggregation!.lhist;
    if (!l) throw new Error(`${this.label}: the spec has no lhist min, max and step`);
    return { min: BigInt(l.min), max: BigInt(l.max), step: BigInt(l.step) };
  }
}
