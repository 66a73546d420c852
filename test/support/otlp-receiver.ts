// A test receiver of OTLP/HTTP metric pushes on 127.0.0.1: POSTs in (an ExportMetricsServiceRequest in OTLP's
// protobuf or JSON encoding, by its Content-Type, gzipped or not), each one decoded into plain data out (the
// resource's attributes and each metric's name, description, unit, kind and points, 64-bit integers and timestamps as
// numbers and bigints), and answers a test chooses: a status for the next requests, answers held back, or an answer
// started and never finished.
//
//   const r = await startOtlpReceiver();
//   try {
//     ...push to r.url...; await r.waitForPushes(1);
//     r.pushes[0]!.sum("syscount_syscalls").points  // [{ attributes: { comm: "bash" }, value: 120, ... }]
//   } finally {
//     await r.close();
//   }

import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";
import { decodeOtlpProtobuf } from "./otlp-protobuf.ts";
import { waitFor } from "./wait.ts";

export type AttributeValue = string | number | boolean;

interface PointBase {
  readonly attributes: Readonly<Record<string, AttributeValue>>;
  readonly startTimeNs: bigint | undefined;
  readonly timeNs: bigint;
}

export interface NumberPoint extends PointBase {
  readonly value: number;
  /** asInt (true) or asDouble (false). */
  readonly isInt: boolean;
}

export interface HistogramPoint extends PointBase {
  readonly explicitBounds: readonly number[];
  /** Per bucket, not cumulative: one more than explicitBounds. */
  readonly bucketCounts: readonly number[];
  readonly count: number;
  readonly sum: number | undefined;
}

export type Temporality = "unspecified" | "delta" | "cumulative";

export type ReceivedMetric = { readonly name: string; readonly description: string; readonly unit: string } & (
  | {
      readonly kind: "sum";
      readonly isMonotonic: boolean;
      readonly temporality: Temporality;
      readonly points: readonly NumberPoint[];
    }
  | { readonly kind: "gauge"; readonly points: readonly NumberPoint[] }
  | { readonly kind: "histogram"; readonly temporality: Temporality; readonly points: readonly HistogramPoint[] }
  | { readonly kind: "other"; readonly points: readonly [] }
);

export interface ReceivedPush {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** The status it was answered with (or is being answered with). */
  readonly status: number;
  readonly resource: Readonly<Record<string, AttributeValue>>;
  readonly scopes: readonly string[];
  readonly metrics: readonly ReceivedMetric[];
  /** The metric named `name` of kind sum/gauge/histogram, or an error naming what arrived. */
  sum(name: string): Extract<ReceivedMetric, { kind: "sum" }>;
  gauge(name: string): Extract<ReceivedMetric, { kind: "gauge" }>;
  histogram(name: string): Extract<ReceivedMetric, { kind: "histogram" }>;
}

export interface OtlpReceiver {
  /** http://127.0.0.1:PORT: the base URL (pushes go to its /v1/metrics). */
  readonly url: string;
  /** Every request received, in order of arrival, answered well or not. */
  readonly pushes: readonly ReceivedPush[];
  /** The most requests that were ever being answered at once. */
  readonly maxConcurrent: number;
  /** Answers the next `times` requests with `status` (an empty body) and `headers`, then 200 again. */
  answer(status: number, times?: number, headers?: Readonly<Record<string, string>>): void;
  /** Holds every answer back `ms` (0: answers at once). */
  delay(ms: number): void;
  /** While on, starts every answer and never finishes it, writing a space every 50 ms (a receiver stuck mid-answer). */
  trickle(on: boolean): void;
  /** Resolves once `n` requests have arrived (an error after 10 s). */
  waitForPushes(n: number): Promise<void>;
  close(): Promise<void>;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const pushes: ReceivedPush[] = [];
  const failures: { readonly status: number; readonly headers: Readonly<Record<string, string>> }[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let delayMs = 0;
  let trickling = false;
  let concurrent = 0;
  let maxConcurrent = 0;

  /** Answers in the request's encoding: an empty ExportMetricsServiceResponse is "{}" in JSON, no bytes in protobuf. */
  const finish = (res: ServerResponse, protobuf: boolean, status: number, headers: Readonly<Record<string, string>>) => {
    const type = protobuf ? "application/x-protobuf" : "application/json";
    if (trickling) {
      res.writeHead(200, { "content-type": type });
      const t = setInterval(() => res.write(protobuf ? "\0" : " "), 50);
      timers.add(t);
      res.on("close", () => (clearInterval(t), timers.delete(t)));
      return;
    }
    res.writeHead(status, { ...headers, "content-type": type });
    res.end(status === 200 && !protobuf ? "{}" : "");
  };

  const server = createServer((req, res) => {
    concurrent++;
    maxConcurrent = Math.max(maxConcurrent, concurrent);
    res.on("close", () => concurrent--);
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const { status, headers } = failures.shift() ?? { status: 200, headers: {} };
      let body: Buffer = Buffer.concat(chunks);
      if (req.headers["content-encoding"] === "gzip") body = gunzipSync(body);
      pushes.push(decodePush(req.method ?? "", req.url ?? "", req.headers, status, body));
      const protobuf = req.headers["content-type"] === "application/x-protobuf";
      if (delayMs === 0) return finish(res, protobuf, status, headers);
      const t = setTimeout(() => (timers.delete(t), finish(res, protobuf, status, headers)), delayMs);
      timers.add(t);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    pushes,
    get maxConcurrent() {
      return maxConcurrent;
    },
    answer: (status, times = 1, headers = {}) => {
      for (let i = 0; i < times; i++) failures.push({ status, headers });
    },
    delay: (ms) => void (delayMs = ms),
    trickle: (on) => void (trickling = on),
    waitForPushes: (n) => waitFor(() => pushes.length >= n, `${n} OTLP push(es) (got ${pushes.length})`),
    close: async () => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// OTLP's JSON encoding (the protobuf's fields in lowerCamelCase; int64 and fixed64 as numbers or decimal strings).
type Json = Record<string, unknown>;

const obj = (v: unknown): Json => (v && typeof v === "object" && !Array.isArray(v) ? (v as Json) : {});
const arr = (v: unknown): Json[] => (Array.isArray(v) ? v.map(obj) : []);
const num = (v: unknown): number => (typeof v === "string" ? Number(v) : typeof v === "number" ? v : Number.NaN);
const nanos = (v: unknown): bigint | undefined =>
  typeof v === "string" || typeof v === "number" ? BigInt(v) : undefined;
const TEMPORALITY: Record<number, Temporality> = { 1: "delta", 2: "cumulative" };

function anyValue(v: Json): AttributeValue {
  if ("stringValue" in v) return String(v.stringValue);
  if ("intValue" in v) return num(v.intValue);
  if ("doubleValue" in v) return num(v.doubleValue);
  if ("boolValue" in v) return Boolean(v.boolValue);
  return JSON.stringify(v);
}

const attributesOf = (list: unknown): Record<string, AttributeValue> =>
  Object.fromEntries(arr(list).map((kv) => [String(kv.key), anyValue(obj(kv.value))]));

function pointBase(p: Json): PointBase {
  return {
    attributes: attributesOf(p.attributes),
    startTimeNs: nanos(p.startTimeUnixNano),
    timeNs: nanos(p.timeUnixNano) ?? 0n,
  };
}

const numberPoint = (p: Json): NumberPoint => ({
  ...pointBase(p),
  value: num(p.asInt ?? p.asDouble),
  isInt: "asInt" in p,
});

const histogramPoint = (p: Json): HistogramPoint => ({
  ...pointBase(p),
  explicitBounds: Array.isArray(p.explicitBounds) ? p.explicitBounds.map(num) : [],
  bucketCounts: Array.isArray(p.bucketCounts) ? p.bucketCounts.map(num) : [],
  count: num(p.count),
  sum: p.sum === undefined ? undefined : num(p.sum),
});

function decodeMetric(m: Json): ReceivedMetric {
  const head = { name: String(m.name ?? ""), description: String(m.description ?? ""), unit: String(m.unit ?? "") };
  if (m.sum) {
    const s = obj(m.sum);
    const temporality = TEMPORALITY[num(s.aggregationTemporality)] ?? "unspecified";
    const points = arr(s.dataPoints).map(numberPoint);
    return { ...head, kind: "sum", isMonotonic: s.isMonotonic === true, temporality, points };
  }
  if (m.gauge) return { ...head, kind: "gauge", points: arr(obj(m.gauge).dataPoints).map(numberPoint) };
  if (m.histogram) {
    const h = obj(m.histogram);
    const temporality = TEMPORALITY[num(h.aggregationTemporality)] ?? "unspecified";
    return { ...head, kind: "histogram", temporality, points: arr(h.dataPoints).map(histogramPoint) };
  }
  return { ...head, kind: "other", points: [] };
}

function decodePush(
  method: string,
  path: string,
  headers: IncomingHttpHeaders,
  status: number,
  body: Buffer,
): ReceivedPush {
  let json: Json = {};
  let decodeError: string | undefined;
  const type = headers["content-type"] ?? "";
  try {
    if (type.startsWith("application/json")) json = obj(JSON.parse(body.toString("utf8")));
    else if (type === "application/x-protobuf") json = decodeOtlpProtobuf(body);
    else decodeError = `an unexpected Content-Type ${JSON.stringify(type)}`;
  } catch (e) {
    // A push with no metrics, which the test's checks then report, with this.
    decodeError = `a body that does not decode as ${type}: ${(e as Error).message}`;
  }
  const resources = arr(json.resourceMetrics);
  const scopeMetrics = resources.flatMap((r) => arr(r.scopeMetrics));
  const metrics = scopeMetrics.flatMap((s) => arr(s.metrics)).map(decodeMetric);
  const find = <K extends ReceivedMetric["kind"]>(name: string, kind: K): Extract<ReceivedMetric, { kind: K }> => {
    const m = metrics.find((x) => x.name === name);
    if (m?.kind !== kind) {
      const got = metrics.map((x) => `${x.name} (${x.kind})`).join(", ") || `no metrics${decodeError ? ` (${decodeError})` : ""}`;
      throw new Error(`no ${kind} named ${name} in the push; it has ${got}`);
    }
    return m as Extract<ReceivedMetric, { kind: K }>;
  };
  return {
    method,
    path,
    headers,
    status,
    resource: Object.fromEntries(resources.flatMap((r) => Object.entries(attributesOf(obj(r.resource).attributes)))),
    scopes: scopeMetrics.map((s) => String(obj(s.scope).name ?? "")),
    metrics,
    sum: (name) => find(name, "sum"),
    gauge: (name) => find(name, "gauge"),
    histogram: (name) => find(name, "histogram"),
  };
}
