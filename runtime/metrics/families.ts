// A tracer's maps as metric families: each exported map's spec (with what its declaration says as a metric,
// MapSpec.metric) and its merged contents (runtime/output/read.ts) in; the families of runtime/metrics/model.ts out,
// with the label sets beyond the per-metric limit left out and counted. One MetricSet lives as long as `tsbpf
// serve` runs: it remembers which label sets each metric exposed (a label set keeps its place while its key is in
// the map, so the series exposed do not flap), which histogram buckets have had values (a bucket once exposed stays
// exposed), and what was dropped.
//
// How a map becomes a family:
// - Count: a counter; Sum: a counter (a gauge with `@type gauge`); Min, Max: gauges; Avg, Stats: summaries (count
//   and sum); Histogram, LinearHistogram: histograms, with cumulative buckets whose `le` is the bucket's largest
//   integer (log2 bucket [2^k, 2^(k+1)) is le = 2^(k+1) - 1), no _sum (the kernel side keeps none);
// - a plain map: a gauge (a counter with `@type counter`) of an integer value, or one per integer field of a struct
//   value (`<name>_<field>`); a value of another type (a string, an array) is no metric, said once in `skipped`.
// - names: `@name`, or `<namespace>_<map>` in snake case (the map's name alone when it starts with the namespace); a unit (`@unit`, or the aggregation's `unit` option) ends
//   the name, and time units are exposed in seconds (`ns` values divided by 1e9, histogram bounds too).
// - labels: a struct key's fields by name (nested fields joined by `_`), another key's `@labels` name or what the
//   handlers key it by (compiler/frontend/metrics.ts), or `key`; values as printed (syscall names, strings), stacks
//   folded as flame graphs fold them (`root;...;leaf`, runtime/output/folded.ts).

import { LOG2_BUCKETS, linearBounds, linearBucketCount, log2Bounds } from "../../core/aggregations.ts";
import type { TypeDesc } from "../../core/object/layout.ts";
import type { MapSpec } from "../../core/object/spec.ts";
import type { AggregationData } from "../output/aggregations.ts";
import { type DisplayOptions, displayOf } from "../output/display.ts";
import { stackFrames } from "../output/folded.ts";
import { isStackTrace } from "../symbols/types.ts";
import type { Bucket, Labels, MetricFamily, MetricPoint, MetricType } from "./model.ts";

export interface MetricSetOptions {
  /** The first part of every name (`syscount`): the tool's file name by default; empty for none. */
  readonly namespace: string;
  /** Label sets per metric; more are dropped and counted (`tsbpf_series_dropped_total`). */
  readonly maxSeries: number;
  /** Names the exporter serves metrics of its own under, which no map may take. */
  readonly reserved?: readonly string[];
}

/** Time units exposed in seconds, and how many of them make a second. */
const SECONDS: Readonly<Record<string, number>> = {
  ns: 1e9, nsec: 1e9, nsecs: 1e9, nanoseconds: 1e9, us: 1e6, usec: 1e6, usecs: 1e6, microseconds: 1e6,
  ms: 1e3, msec: 1e3, msecs: 1e3, milliseconds: 1e3, s: 1, sec: 1, secs: 1, second: 1, seconds: 1,
};
const BYTES = new Set(["b", "byte", "bytes"]);

/** A unit as exposed, and what the values are divided by to be in it (1e9 for ns in seconds: exact for integers). */
export function exposedUnit(unit: string | undefined): { unit?: string; per: number } {
  if (!unit) return { per: 1 };
  const u = unit.toLowerCase();
  if (SECONDS[u] !== undefined) return { unit: "seconds", per: SECONDS[u] };
  if (BYTES.has(u)) return { unit: "bytes", per: 1 };
  return { unit: sanitize(unit), per: 1 };
}

/** A name made of what metric names may hold: letters, digits and _ (snake case from camel case). */
export function sanitize(name: string): string {
  const s = name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").replace(/[^a-zA-Z0-9_]+/g, "_").replace(/^_+|_+$/g, "").toLowerCase();
  return /^[0-9]/.test(s) ? `_${s}` : s;
}

/** What a MetricSet made of one scrape: the families, and the self-metrics of the guard. */
export interface Scrape {
  readonly families: MetricFamily[];
  /** Label sets left out of this scrape, by metric. */
  readonly dropped: ReadonlyMap<string, number>;
}

interface Shape {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  readonly unit?: string;
  readonly per: number;
}

/** The metrics of one tracer, scrape after scrape. */
export class MetricSet {
  /** Per metric: the label sets exposed at the last scrape (identity → admitted). */
  readonly #admitted = new Map<string, Set<string>>();
  /**
   * Per metric: the label sets refused at the last scrape, and how many refusals were counted: a label set counts once
   * while it stays refused (and again if it comes back after leaving the map), so memory is bounded by the map's size.
   */
  readonly #refused = new Map<string, { ids: Set<string>; total: number }>();
  /** Per histogram metric: the lowest and highest bucket index that had values. */
  readonly #buckets = new Map<string, { low: number; high: number }>();
  /** Maps that are no metric, and why (said once by the caller). */
  readonly skipped: { readonly map: string; readonly reason: string }[] = [];

  constructor(readonly maps: readonly MapSpec[], readonly options: MetricSetOptions) {
    for (const m of maps) {
      const why = noMetric(m);
      if (why) this.skipped.push({ map: m.name, reason: why });
    }
    const names = new Map<string, string>();
    for (const m of maps) {
      if (noMetric(m)) continue;
      for (const s of this.#shapes(m)) {
        const other = names.get(s.name);
        if (other !== undefined) throw new MetricNameError(`maps ${other} and ${m.name} are both exposed as ${s.name}; give one a @name in its doc comment`);
        if (options.reserved?.includes(s.name)) {
          throw new MetricNameError(`map ${m.name} would be exposed as ${s.name}, a metric of the exporter's own; give it a @name in its doc comment, or another --namespace`);
        }
        names.set(s.name, m.name);
      }
    }
  }

  #display: DisplayOptions = {};

  /**
   * The families of the maps' current contents (`read` gives a map's merged contents by its spec); `display` is how
   * keys print (syscall names, symbolized stacks).
   */
  scrape(read: (m: MapSpec) => AggregationData, display: DisplayOptions = {}): Scrape {
    this.#display = display;
    const families: MetricFamily[] = [];
    const dropped = new Map<string, number>();
    for (const m of this.maps) {
      if (noMetric(m)) continue;
      const data = read(m);
      const shapes = this.#shapes(m);
      const labelled = this.#guard(shapes[0]!.name, data, m, dropped);
      if (m.aggregation) {
        const points = this.#aggregationPoints(m, shapes[0]!, labelled);
        families.push({ ...familyBase(shapes[0]!), points: points.length || m.aggregation.keyed ? points : zeroPoints(m) });
      }
      else families.push(...plainFamilies(m, shapes, labelled));
    }
    return { families, dropped };
  }

  /** Label sets refused, by metric, each counted once while it stays refused (`tsbpf_series_dropped_total`). */
  refusedTotals(): ReadonlyMap<string, number> {
    return new Map([...this.#refused].map(([k, v]) => [k, v.total]));
  }

  /** The metric families the map is exposed as: one, or one per integer field of a plain map's struct value. */
  #shapes(m: MapSpec): Shape[] {
    const meta = m.metric ?? {};
    const { unit, per } = exposedUnit(meta.unit ?? m.aggregation?.unit);
    const ns = sanitize(this.options.namespace);
    const own = sanitize(m.name);
    // runqlat's map runqlat is runqlat_seconds, not runqlat_runqlat_seconds; a one-liner's `$` (the map `@`) is named
    // by what it holds: tsbpf_count.
    const named = own || m.aggregation?.kind || "map";
    let base = meta.name ?? (!ns || named === ns || named.startsWith(`${ns}_`) ? named : `${ns}_${named}`);
    const help = meta.help ?? `tsbpf map ${m.name}`;
    const withUnit = (n: string) => (unit && !n.endsWith(`_${unit}`) ? `${n}_${unit}` : n);
    if (m.aggregation) {
      const k = m.aggregation.kind;
      const type: MetricType = k === "count" ? "counter" : k === "sum" ? (meta.type ?? "counter")
        : k === "min" || k === "max" ? "gauge" : k === "avg" || k === "stats" ? "summary" : "histogram";
      if (type === "counter") base = base.replace(/_total$/, "");
      return [{ name: withUnit(base), help, type, ...(unit ? { unit } : {}), per }];
    }
    const type = meta.type ?? "gauge";
    if (type === "counter") base = base.replace(/_total$/, "");
    const v = m.value!;
    if (v.kind !== "struct") return [{ name: withUnit(base), help, type, ...(unit ? { unit } : {}), per }];
    return numericFields(v).map((f) => ({ name: withUnit(`${base}_${sanitize(f.path.join("_"))}`), help: `${help} (${f.path.join(".")})`, type, ...(unit ? { unit } : {}), per }));
  }

  /**
   * The entries whose label sets the guard admits, with their labels: those exposed at the last scrape first, then
   * new ones in the map's order, up to maxSeries; the rest are counted as dropped.
   */
  #guard(metric: string, data: AggregationData, m: MapSpec, dropped: Map<string, number>): { labels: Labels; entry: AggregationData["entries"][number] }[] {
    const labelsOf = keyLabeller(m, this.#display);
    const before = this.#admitted.get(metric) ?? new Set<string>();
    const now = new Set<string>();
    const kept: { labels: Labels; entry: AggregationData["entries"][number] }[] = [];
    /** Where each admitted label set is in `kept`, for keys that print alike. */
    const at = new Map<string, number>();
    const fresh: { id: string; labels: Labels; entry: AggregationData["entries"][number] }[] = [];
    const keep = (id: string, row: { labels: Labels; entry: AggregationData["entries"][number] }) => {
      const i = at.get(id);
      // Two keys that print the same (two pids' folded stacks): one series, their values added.
      if (i !== undefined) kept[i] = { labels: row.labels, entry: merged(kept[i]!.entry, row.entry) };
      else {
        at.set(id, kept.length);
        now.add(id);
        kept.push(row);
      }
    };
    for (const entry of data.entries) {
      const labels = labelsOf(entry.key);
      const id = labelIdentity(labels);
      if (before.has(id)) keep(id, { labels, entry });
      else fresh.push({ id, labels, entry });
    }
    const refusedBefore = this.#refused.get(metric);
    const refusedNow = new Set<string>();
    for (const f of fresh) {
      if (now.has(f.id) || now.size < this.options.maxSeries) keep(f.id, f);
      else refusedNow.add(f.id);
    }
    this.#admitted.set(metric, now);
    if (refusedNow.size) dropped.set(metric, refusedNow.size);
    let newly = 0;
    for (const id of refusedNow) if (!refusedBefore?.ids.has(id)) newly++;
    if (refusedBefore || refusedNow.size) this.#refused.set(metric, { ids: refusedNow, total: (refusedBefore?.total ?? 0) + newly });
    return kept;
  }

  #aggregationPoints(m: MapSpec, s: Shape, rows: readonly { labels: Labels; entry: AggregationData["entries"][number] }[]): MetricPoint[] {
    const a = m.aggregation!;
    const points: MetricPoint[] = [];
    if (a.kind === "hist" || a.kind === "lhist") {
      const bounds = a.kind === "hist"
        ? (i: number) => log2Bounds(i)
        : (i: number) => linearBounds(i, { min: BigInt(a.lhist!.min), max: BigInt(a.lhist!.max), step: BigInt(a.lhist!.step) });
      const count = a.kind === "hist" ? LOG2_BUCKETS : linearBucketCount({ min: BigInt(a.lhist!.min), max: BigInt(a.lhist!.max), step: BigInt(a.lhist!.step) });
      // The buckets exposed: from the lowest to the highest that ever had a value, in every series of the metric.
      let span = this.#buckets.get(s.name);
      for (const { entry } of rows) {
        const b = (entry as { buckets: readonly bigint[] }).buckets;
        for (let i = 0; i < b.length; i++) {
          if (!b[i]) continue;
          span = span ? { low: Math.min(span.low, i), high: Math.max(span.high, i) } : { low: i, high: i };
        }
      }
      if (span) this.#buckets.set(s.name, span);
      for (const { labels, entry } of rows) {
        const b = (entry as { buckets: readonly bigint[] }).buckets;
        const buckets: Bucket[] = [];
        let total = 0;
        for (let i = 0; i < b.length && span && i < span.low; i++) total += Number(b[i] ?? 0n);
        for (let i = span?.low ?? 0; span && i <= span.high && i < count; i++) {
          total += Number(b[i] ?? 0n);
          const high = bounds(i).high;
          if (high === undefined) continue; // the linear histogram's bucket above max: +Inf below
          buckets.push({ le: Number(high - 1n) / s.per, count: total });
        }
        for (let i = (span?.high ?? -1) + 1; i < b.length; i++) total += Number(b[i] ?? 0n);
        buckets.push({ le: Infinity, count: total });
        points.push({ labels, buckets, count: total });
      }
      return points;
    }
    for (const { labels, entry } of rows) {
      if ("count" in entry && "total" in entry) points.push({ labels, count: Number(entry.count), sum: Number(entry.total) / s.per });
      else points.push({ labels, value: Number((entry as { value: bigint }).value) / s.per });
    }
    return points;
  }
}

/** A metric name two maps would share, or that is not one: bad input, said before serving. */
export class MetricNameError extends Error {
  override name = "MetricNameError";
}

/** Why a map is no metric (undefined when it is one). */
function noMetric(m: MapSpec): string | undefined {
  if (m.events) return undefined; // event channels are counted by the daemon, not read here
  if (m.aggregation) return undefined;
  const v = m.value;
  if (!v) return "its values have no declared type";
  if (v.kind === "int" || v.kind === "bool") return undefined;
  if (v.kind === "struct" && numericFields(v).length) return undefined;
  return `its values (${v.kind}) are not numbers: only integers, booleans and structs of them are exposed`;
}

/** Whether the map is exposed: not an event channel, and with numeric values. */
export function isMetricMap(m: MapSpec): boolean {
  return !m.events && noMetric(m) === undefined;
}

/** The integer and boolean fields of a struct, nested ones by their path. */
function numericFields(t: TypeDesc, path: readonly string[] = []): { path: string[] }[] {
  if (t.kind === "int" || t.kind === "bool") return [{ path: [...path] }];
  if (t.kind === "struct" && !t.display) return t.fields.flatMap((f) => numericFields(f.type, [...path, f.name]));
  return [];
}

/** What an aggregation without a key that has seen nothing shows: a zero (min and max have no value yet). */
function zeroPoints(m: MapSpec): MetricPoint[] {
  switch (m.aggregation!.kind) {
    case "count": case "sum": return [{ labels: {}, value: 0 }];
    case "avg": case "stats": return [{ labels: {}, count: 0, sum: 0 }];
    case "hist": case "lhist": return [{ labels: {}, buckets: [{ le: Infinity, count: 0 }], count: 0 }];
    default: return [];
  }
}

function familyBase(s: Shape): Omit<MetricFamily, "points"> {
  return { name: s.name, help: s.help, type: s.type, ...(s.unit ? { unit: s.unit } : {}) };
}

/** A plain map's families: one per numeric field of its value (or one for an integer value). */
function plainFamilies(m: MapSpec, shapes: readonly Shape[], rows: readonly { labels: Labels; entry: AggregationData["entries"][number] }[]): MetricFamily[] {
  const fields = m.value!.kind === "struct" ? numericFields(m.value!) : [{ path: [] as string[] }];
  return shapes.map((s, i) => ({
    ...familyBase(s),
    points: rows.map(({ labels, entry }) => {
      let v: unknown = (entry as { value: unknown }).value;
      for (const p of fields[i]!.path) v = (v as Record<string, unknown> | undefined)?.[p];
      return { labels, value: toNumber(v) / s.per };
    }),
  }));
}

const toNumber = (v: unknown): number => (typeof v === "boolean" ? (v ? 1 : 0) : Number(v ?? 0));

/** Two entries' values added (keys that print alike). */
function merged(a: AggregationData["entries"][number], b: AggregationData["entries"][number]): AggregationData["entries"][number] {
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  if ("buckets" in x) {
    const xa = x.buckets as bigint[];
    const xb = y.buckets as bigint[];
    return { key: x.key, buckets: Array.from({ length: Math.max(xa.length, xb.length) }, (_, j) => (xa[j] ?? 0n) + (xb[j] ?? 0n)) };
  }
  const out: Record<string, unknown> = { key: x.key };
  for (const k of Object.keys(x)) if (k !== "key") out[k] = typeof x[k] === "bigint" && typeof y[k] === "bigint" ? (x[k] as bigint) + (y[k] as bigint) : x[k];
  return out as AggregationData["entries"][number];
}

/** A label set of one metric (whose label names are always the same) as one string that equal sets share. */
function labelIdentity(labels: Labels): string {
  let id = "";
  for (const k in labels) id += `${labels[k]}\u0000`;
  return id;
}

/** The function from a map's decoded key to its labels. */
function keyLabeller(m: MapSpec, display: DisplayOptions): (key: unknown) => Labels {
  const keyType = m.aggregation ? m.aggregation.key : m.key;
  if (!keyType || (m.aggregation && !m.aggregation.keyed)) return () => ({});
  const shown = displayOf(keyType, display, "string") ?? ((v: unknown) => v);
  const names = m.metric?.labels;
  if (keyType.kind === "struct" && !keyType.display) {
    const leaves = structLeaves(keyType);
    const labelNames = names && names.length === leaves.length ? names : leaves.map((l) => sanitize(l.join("_")) || "key");
    return (key) => {
      const v = shown(key) as Record<string, unknown>;
      const out: Record<string, string> = {};
      leaves.forEach((path, i) => {
        let x: unknown = v;
        for (const p of path) x = (x as Record<string, unknown> | undefined)?.[p];
        out[labelNames[i]!] = labelValue(x);
      });
      return out;
    };
  }
  const name = names?.[0] ?? defaultLabel(keyType);
  return (key) => ({ [name]: labelValue(shown(key)) });
}

/** A struct's fields down to the values that are no struct (a stack's frames struct is one value). */
function structLeaves(t: TypeDesc, path: readonly string[] = []): string[][] {
  if (t.kind === "struct" && !t.display) return t.fields.flatMap((f) => structLeaves(f.type, [...path, f.name]));
  return [[...path]];
}

function defaultLabel(t: TypeDesc): string {
  if (t.kind === "int" && t.display === "syscall") return "syscall";
  if (t.kind === "int" && (t.display === "kstack" || t.display === "ustack")) return t.display;
  if (t.kind === "struct" && t.display) return t.display === "kframes" ? "kstack" : "ustack";
  return "key";
}

/** A displayed key part as a label value: strings as they are, numbers in decimal, stacks folded root first. */
export function labelValue(v: unknown): string {
  if (v === undefined || v === null) return "";
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "bigint") return String(v);
  if (typeof v === "boolean") return v ? "true" : "false";
  if (isStackTrace(v)) return stackFrames(v).join(";");
  if (v instanceof Uint8Array) return Buffer.from(v).toString("hex");
  if (Array.isArray(v)) return v.map(labelValue).join(",");
  if (typeof v === "object") return JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? String(x) : x));
  return String(v);
}
