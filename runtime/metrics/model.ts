// Metrics as plain data, the one model every exporter reads: a tracer's maps in (runtime/metrics/families.ts), metric
// families out, which the Prometheus/OpenMetrics exposition (exposition.ts, through prom-client) and the OTLP push
// (runtime/serve/otlp.ts, through the OpenTelemetry SDK) each render their own way. Nothing here knows about maps,
// HTTP or a wire format.

/** Label names to values, in the order they are printed. */
export type Labels = Readonly<Record<string, string>>;

/**
 * How a family is exposed:
 * - counter: a total that only grows while the tracer runs (Count, Sum); exposed as `<name>_total`.
 * - gauge: a current value (Min, Max, a plain map's value).
 * - histogram: cumulative `le` buckets (Histogram, LinearHistogram), `_count`, and `_sum` where the tracer keeps one.
 * - summary: `_count` and `_sum` without quantiles (Avg, Stats).
 */
export type MetricType = "counter" | "gauge" | "histogram" | "summary";

/** One bucket of a histogram point: how many values were at most `le` (cumulative; the last is +Infinity). */
export interface Bucket {
  readonly le: number;
  readonly count: number;
}

export type MetricPoint =
  /** counter, gauge */
  | { readonly labels: Labels; readonly value: number }
  /** histogram: `buckets` cumulative and ascending, ending with le = +Infinity whose count is `count` */
  | { readonly labels: Labels; readonly buckets: readonly Bucket[]; readonly count: number; readonly sum?: number }
  /** summary */
  | { readonly labels: Labels; readonly count: number; readonly sum: number };

export interface MetricFamily {
  /**
   * The family's name (`syscount_syscalls`, `biolatency_latency_seconds`): [a-zA-Z_:][a-zA-Z0-9_:]*, without the
   * `_total` a counter's samples add, ending with `_<unit>` when it has a unit.
   */
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  /** The unit the name ends with (`seconds`, `bytes`), as OpenMetrics' UNIT line and OTLP's unit give it. */
  readonly unit?: string;
  readonly points: readonly MetricPoint[];
}

export const isHistogramPoint = (p: MetricPoint): p is Extract<MetricPoint, { buckets: readonly Bucket[] }> => "buckets" in p;
export const isValuePoint = (p: MetricPoint): p is Extract<MetricPoint, { value: number }> => "value" in p;
