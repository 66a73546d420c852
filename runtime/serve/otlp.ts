// The OTLP push of `tsbpf serve --otlp URL`: metric families in (runtime/metrics/model.ts, from the caller's
// collect()), OTLP/HTTP export requests out, one every interval, through the OpenTelemetry SDK's OTLPMetricExporter,
// which POSTs an ExportMetricsServiceRequest to the URL's /v1/metrics in either encoding: http/protobuf (OTLP's
// default, application/x-protobuf: what the SDKs send unless told otherwise, about a third of JSON's size) or
// http/json (application/json). otlpProtocol() picks between them as the OpenTelemetry SDKs do. The families are
// built directly as the SDK's ResourceMetrics (no Meter, no instruments: the values are already aggregated by the
// tracer), one scope "tsbpf" under one resource:
//   counter    Sum, monotonic, cumulative, starting at startTimeMs() (a reload that restarts counting moves it)
//   gauge      Gauge
//   histogram  Histogram, cumulative: explicitBounds = the finite `le`s, bucketCounts per bucket (not cumulative),
//              the last bucket above the last bound; count, and sum where the tracer keeps one
//   summary    Histogram with no bounds: one bucket holding count, and sum. OTLP's Summary point is not something the
//              SDK can export (its MetricData has no summary type, its encoder writes none), and a bucketless
//              histogram is OTLP's own shape for "count and sum of a distribution"; a Prometheus exporter downstream
//              writes it as _count and _sum (and one le="+Inf" bucket), the names the scrape endpoint gives.
// Labels become string attributes, a family's help its description, its unit the UCUM unit (seconds -> s).
//
// How the exporter behaves, and what this adds (read from @opentelemetry/otlp-exporter-base 0.301):
// - It retries, within one push, answers 429, 502, 503 and 504 and network errors (ECONNREFUSED, ECONNRESET, a
//   request idle for timeoutMs...), after about 1 s, 1.5 s, 2.25 s... (Retry-After when given), while the retry still
//   starts before timeoutMs from the push's start; any other status (500, 400) fails at once. A failed push is one
//   line to onError; the next tick pushes the current values again (cumulative values lose nothing by a missed push).
// - Its timeout is a socket's idle time, not the request's: a receiver that trickles bytes holds a push forever. So
//   pushes run one at a time (a tick that finds one running is skipped, said once), and shutdown() waits for its last
//   push at most timeoutMs, then destroys the HTTP agent (this module's, given to the exporter) and returns.
// - It logs through @opentelemetry/api's diag, which prints nothing unless a logger is installed; none is.
// - OTEL_EXPORTER_OTLP_HEADERS and OTEL_EXPORTER_OTLP_COMPRESSION (gzip) still apply; the URL and the timeout given
//   here win over OTEL_EXPORTER_OTLP_*ENDPOINT/TIMEOUT. OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME add to and
//   override the resource given here (the operator's word over the defaults). HTTPS verifies the receiver against
//   Node's CAs (NODE_EXTRA_CA_CERTS adds a private one); the exporter's OTEL_EXPORTER_OTLP_CERTIFICATE and client
//   key variables are not read, as the agent is this module's.

import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import type { Duplex } from "node:stream";
import { ValueType, type HrTime } from "@opentelemetry/api";
import { OTLPMetricExporter as JsonExporter } from "@opentelemetry/exporter-metrics-otlp-http";
import { OTLPMetricExporter as ProtobufExporter } from "@opentelemetry/exporter-metrics-otlp-proto";
import {
  detectResources,
  defaultResource,
  resourceAttributesEnvDetector,
  resourceFromAttributes,
  serviceNameEnvDetector,
  type Resource,
} from "@opentelemetry/resources";
import {
  AggregationTemporality,
  DataPointType,
  type DataPoint,
  type Histogram,
  type MetricData,
  type ResourceMetrics,
} from "@opentelemetry/sdk-metrics";
import { isHistogramPoint, isValuePoint, type MetricFamily, type MetricPoint } from "../metrics/model.ts";

export interface OtlpOptions {
  /** `http://host:4318` (/v1/metrics appended, as to OTEL_EXPORTER_OTLP_ENDPOINT) or a full `.../v1/metrics`. */
  readonly url: string;
  /** The encoding (see otlpProtocol); default http/protobuf. */
  readonly protocol?: OtlpProtocol;
  /** The push period. */
  readonly intervalMs: number;
  /** Sent with every push (authorization...). */
  readonly headers?: Readonly<Record<string, string>>;
  /** How long one push may take, retries included; and how long shutdown() waits for its last push. Default 10 s. */
  readonly timeoutMs?: number;
  /** The resource's attributes: service.name, tsbpf.tool, host.name... */
  readonly resource: Readonly<Record<string, string>>;
  readonly collect: () => Promise<readonly MetricFamily[]>;
  /** When the series' counting started (the tracer's load), for cumulative start times; may change after a reload. */
  readonly startTimeMs: () => number;
  /** One line per failed push (and one when pushes fall behind the interval); never throws. */
  readonly onError?: (line: string) => void;
}

export interface OtlpPush {
  /** Pushes now (after the push under way, if any) and waits for the answer. */
  flush(): Promise<void>;
  /** Stops the timer, pushes once more (waiting at most timeoutMs), releases the exporter and its connections. */
  shutdown(): Promise<void>;
}

/** The OpenTelemetry exporters' default timeout. */
const DEFAULT_TIMEOUT_MS = 10_000;

/** ExportResultCode.SUCCESS of @opentelemetry/core (not a dependency of its own here). */
const EXPORT_SUCCESS = 0;

/**
 * The URL pushes go to: `url` itself when its path ends with /v1/metrics, otherwise `url` with /v1/metrics appended
 * to its path (OTEL_EXPORTER_OTLP_ENDPOINT's rule); an error line when it is not an http(s) URL.
 */
export function otlpMetricsUrl(url: string): string | { error: string } {
  const hint = "give the OTLP/HTTP receiver's address, e.g. http://127.0.0.1:4318 (an OpenTelemetry Collector's)";
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { error: `"${url}" is not a URL: ${hint}` };
  }
  // "localhost:4318" parses, as the scheme "localhost:".
  if (u.protocol !== "http:" && u.protocol !== "https:") {
    const scheme = u.protocol.slice(0, -1);
    return { error: `"${url}" is not an http(s) URL (OTLP is pushed over HTTP only, not ${scheme}): ${hint}` };
  }
  if (!/\/v1\/metrics\/?$/.test(u.pathname)) u.pathname = `${u.pathname.replace(/\/$/, "")}/v1/metrics`;
  return u.href;
}

export type OtlpProtocol = "http/protobuf" | "http/json";

/**
 * The OTLP encoding to push with: `given` (--otlp-protocol) when there is one, else OTEL_EXPORTER_OTLP_METRICS_PROTOCOL,
 * else OTEL_EXPORTER_OTLP_PROTOCOL, else http/protobuf, the specification's default; an error line for another value
 * (grpc, which this does not speak, among them), naming where it came from.
 */
export function otlpProtocol(given: string | undefined, env: NodeJS.ProcessEnv = process.env): OtlpProtocol | { error: string } {
  const sources: [string, string | undefined][] = [
    ["--otlp-protocol", given],
    ["OTEL_EXPORTER_OTLP_METRICS_PROTOCOL", env.OTEL_EXPORTER_OTLP_METRICS_PROTOCOL],
    ["OTEL_EXPORTER_OTLP_PROTOCOL", env.OTEL_EXPORTER_OTLP_PROTOCOL],
  ];
  const found = sources.find(([, v]) => v !== undefined && v.trim() !== "");
  if (!found) return "http/protobuf";
  const [from, raw] = found;
  const value = raw!.trim();
  if (value === "http/protobuf" || value === "http/json") return value;
  const why = value === "grpc" ? "OTLP over gRPC is not supported; a collector's OTLP/HTTP port (4318) takes either of the others" : "expected http/protobuf or http/json";
  return { error: `${from} is ${JSON.stringify(value)}: ${why}` };
}

/** Starts pushing `o.collect()`'s families every `o.intervalMs` (the timer keeps no process alive). */
export function startOtlpPush(o: OtlpOptions): OtlpPush {
  const url = otlpMetricsUrl(o.url);
  if (typeof url !== "string") throw new Error(url.error);
  const shown = withoutCredentials(url);
  const timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const report = (line: string) => {
    try {
      o.onError?.(line);
    } catch {
      // A reporter that throws must not stop the pushes.
    }
  };
  let closed = false;
  const agent = closableAgent(url, () => closed);
  const Exporter = o.protocol === "http/json" ? JsonExporter : ProtobufExporter;
  const exporter = new Exporter({
    url,
    timeoutMillis: timeoutMs,
    userAgent: "tsbpf",
    httpAgentOptions: async () => agent,
    ...(o.headers ? { headers: { ...o.headers } } : {}),
  });
  const resource = defaultResource()
    .merge(resourceFromAttributes({ ...o.resource }))
    .merge(detectResources({ detectors: [resourceAttributesEnvDetector, serviceNameEnvDetector] }));

  /** The push under way, or queued behind it: the next one starts when it ends. */
  let busy: Promise<void> | undefined;
  let saidBehind = false;

  const pushOnce = async (): Promise<void> => {
    if (closed) return;
    let request: ResourceMetrics;
    try {
      request = resourceMetrics(resource, await o.collect(), o.startTimeMs(), Date.now());
    } catch (e) {
      report(`OTLP push to ${shown} failed: collecting the metrics: ${oneLine((e as Error).message ?? String(e))}`);
      return;
    }
    if (closed) return;
    let error: unknown;
    try {
      // The exporter serializes before sending, and may throw there (a time that is not a number): the promise rejects.
      error = await new Promise<unknown>((resolve) =>
        exporter.export(request, (r) => resolve(r.code === EXPORT_SUCCESS ? undefined : (r.error ?? "failed"))),
      );
    } catch (e) {
      error = e;
    }
    if (error !== undefined && !closed) report(`OTLP push to ${shown} failed: ${reason(error)}`);
  };

  const push = (): Promise<void> => {
    const p = (busy ?? Promise.resolve()).then(pushOnce);
    busy = p;
    void p.finally(() => {
      if (busy === p) busy = undefined;
    });
    return p;
  };

  const timer = setInterval(() => {
    if (busy) {
      if (!saidBehind) {
        const line = `takes longer than the ${o.intervalMs} ms interval: a push is skipped while one is under way`;
        report(`OTLP push to ${shown} ${line}`);
      }
      saidBehind = true;
      return;
    }
    void push();
  }, o.intervalMs);
  timer.unref();

  let shutdown: Promise<void> | undefined;
  return {
    flush: () => (closed ? Promise.resolve() : push()),
    shutdown: () =>
      (shutdown ??= (async () => {
        clearInterval(timer);
        const deadline = Date.now() + timeoutMs;
        if (await within(deadline, push())) {
          const line = `the last push was not done ${timeoutMs} ms after shutdown began; abandoned`;
          report(`OTLP push to ${shown} failed: ${line}`);
        }
        closed = true;
        // Cuts a connection still open (a receiver that never finishes answering) and the idle keep-alive one; the
        // closed agent opens no other, so a retry the exporter had scheduled fails at once.
        agent.destroy();
        await within(deadline, exporter.shutdown());
      })()),
  };
}

/** Waits for `p` until `deadline` (ms since the epoch): true when the deadline came first. */
async function within(deadline: number, p: Promise<unknown>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const ms = Math.max(0, deadline - Date.now());
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), ms)));
  try {
    const settled = p.then(
      () => false,
      () => false,
    );
    return await Promise.race([settled, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The exporter's keep-alive agent, which opens no connection once `isClosed()`. */
function closableAgent(url: string, isClosed: () => boolean): HttpAgent {
  const Base = url.startsWith("https:") ? HttpsAgent : HttpAgent;
  const Closable = class extends Base {
    override createConnection(...args: Parameters<HttpAgent["createConnection"]>): Duplex | null | undefined {
      if (isClosed()) throw new Error("the OTLP push was shut down");
      return super.createConnection(...args);
    }
  };
  return new Closable({ keepAlive: true });
}

/** The export request for `families`: one resource, one scope, one metric per family that has points. */
export function resourceMetrics(
  resource: Resource,
  families: readonly MetricFamily[],
  startMs: number,
  nowMs: number,
): ResourceMetrics {
  const start = hrTime(startMs);
  const end = hrTime(nowMs);
  const metrics = families.filter((f) => f.points.length > 0).map((f) => metricData(f, start, end));
  return { resource, scopeMetrics: [{ scope: { name: "tsbpf" }, metrics }] };
}

function metricData(f: MetricFamily, startTime: HrTime, endTime: HrTime): MetricData {
  const point = <T>(p: MetricPoint, value: T): DataPoint<T> => ({
    startTime,
    endTime,
    attributes: { ...p.labels },
    value,
  });
  const descriptor = (valueType: ValueType) => ({ name: f.name, description: f.help, unit: ucum(f.unit), valueType });
  const aggregationTemporality = AggregationTemporality.CUMULATIVE;
  switch (f.type) {
    case "counter":
    case "gauge": {
      const values = f.points.filter(isValuePoint);
      const valueType = values.every((p) => Number.isInteger(p.value)) ? ValueType.INT : ValueType.DOUBLE;
      const dataPoints = values.map((p) => point(p, p.value));
      const head = { descriptor: descriptor(valueType), aggregationTemporality };
      return f.type === "counter"
        ? { ...head, dataPointType: DataPointType.SUM, isMonotonic: true, dataPoints }
        : { ...head, dataPointType: DataPointType.GAUGE, dataPoints };
    }
    case "histogram":
    case "summary": {
      const dataPoints = f.points.filter(isCountPoint).map((p) => point(p, histogram(p)));
      const head = { descriptor: descriptor(ValueType.DOUBLE), aggregationTemporality };
      return { ...head, dataPointType: DataPointType.HISTOGRAM, dataPoints };
    }
    default: {
      const never: never = f.type;
      throw new Error(`unknown metric type ${String(never)}`);
    }
  }
}

type CountPoint = Exclude<MetricPoint, { value: number }>;

const isCountPoint = (p: MetricPoint): p is CountPoint => !isValuePoint(p);

/** A histogram point's per-bucket counts from the cumulative `le` buckets; a summary point as one bucket. */
function histogram(p: CountPoint): Histogram {
  const boundaries: number[] = [];
  const counts: number[] = [];
  let below = 0;
  if (isHistogramPoint(p)) {
    for (const b of p.buckets) {
      if (b.le === Number.POSITIVE_INFINITY) break;
      boundaries.push(b.le);
      counts.push(b.count - below);
      below = b.count;
    }
  }
  counts.push(p.count - below);
  return { buckets: { boundaries, counts }, count: p.count, ...(p.sum === undefined ? {} : { sum: p.sum }) };
}

/** Milliseconds since the epoch as [seconds, nanoseconds]; a time that is not a finite number is an error. */
function hrTime(ms: number): HrTime {
  // The protobuf encoder would write it as some number; the JSON one throws.
  if (!Number.isFinite(ms)) throw new Error(`a point's time is not a number of milliseconds: ${ms}`);
  const seconds = Math.floor(ms / 1000);
  return [seconds, Math.min(999_999_999, Math.round((ms - seconds * 1000) * 1e6))];
}

/** Prometheus unit words (a family name's suffix) as the UCUM units OTLP uses; others as they are. */
const UCUM: Readonly<Record<string, string>> = {
  seconds: "s",
  milliseconds: "ms",
  microseconds: "us",
  nanoseconds: "ns",
  bytes: "By",
  bits: "bit",
  ratio: "1",
  percent: "%",
  hertz: "Hz",
  celsius: "Cel",
};

const ucum = (unit: string | undefined): string => (unit === undefined ? "" : (UCUM[unit] ?? unit));

/** Why an export failed, in a few words: the errno, the HTTP status, or the exporter's message. */
function reason(e: unknown): string {
  if (!(e instanceof Error)) return oneLine(String(e));
  const { code, data } = e as Error & { code?: unknown; data?: unknown };
  if (typeof code === "string") return code;
  if (typeof code === "number") {
    const body = typeof data === "string" && data.trim() ? `: ${oneLine(data).slice(0, 200)}` : "";
    return `HTTP ${code}${e.message ? ` ${e.message}` : ""}${body}`;
  }
  // What the exporter says when 429/502/503/504 answers outlasted the retries: the status itself is not kept.
  if (/retryable status/.test(e.message)) return "the receiver answered 429, 502, 503 or 504 (busy) until the timeout";
  return oneLine(e.message);
}

const oneLine = (s: string): string => s.replace(/\s+/g, " ").trim();

function withoutCredentials(url: string): string {
  const u = new URL(url);
  u.username = "";
  u.password = "";
  return u.href;
}
