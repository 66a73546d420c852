// OTLP's protobuf encoding, decoded into the shape of its JSON encoding (fields by their lowerCamelCase names, 64-bit
// integers as decimal strings), so that one reader serves both. Written from opentelemetry-proto's .proto files (the
// field numbers below), not from the SDK's encoder, so that a push the SDK encodes wrongly fails here. Only the
// messages and fields a metrics push uses are named; other fields are skipped by their wire type.

type Kind = "string" | "bool" | "uint" | "int64" | "fixed64" | "sfixed64" | "double" | { readonly message: string };
interface Field {
  readonly name: string;
  readonly kind: Kind;
  readonly repeated?: true;
}

const m = (message: string): Kind => ({ message });
const SCHEMA: Readonly<Record<string, Readonly<Record<number, Field>>>> = {
  ExportMetricsServiceRequest: { 1: { name: "resourceMetrics", kind: m("ResourceMetrics"), repeated: true } },
  ResourceMetrics: {
    1: { name: "resource", kind: m("Resource") },
    2: { name: "scopeMetrics", kind: m("ScopeMetrics"), repeated: true },
    3: { name: "schemaUrl", kind: "string" },
  },
  Resource: { 1: { name: "attributes", kind: m("KeyValue"), repeated: true }, 2: { name: "droppedAttributesCount", kind: "uint" } },
  ScopeMetrics: {
    1: { name: "scope", kind: m("InstrumentationScope") },
    2: { name: "metrics", kind: m("Metric"), repeated: true },
    3: { name: "schemaUrl", kind: "string" },
  },
  InstrumentationScope: {
    1: { name: "name", kind: "string" },
    2: { name: "version", kind: "string" },
    3: { name: "attributes", kind: m("KeyValue"), repeated: true },
  },
  Metric: {
    1: { name: "name", kind: "string" },
    2: { name: "description", kind: "string" },
    3: { name: "unit", kind: "string" },
    5: { name: "gauge", kind: m("Gauge") },
    7: { name: "sum", kind: m("Sum") },
    9: { name: "histogram", kind: m("Histogram") },
    10: { name: "exponentialHistogram", kind: m("Unknown") },
    11: { name: "summary", kind: m("Unknown") },
  },
  Gauge: { 1: { name: "dataPoints", kind: m("NumberDataPoint"), repeated: true } },
  Sum: {
    1: { name: "dataPoints", kind: m("NumberDataPoint"), repeated: true },
    2: { name: "aggregationTemporality", kind: "uint" },
    3: { name: "isMonotonic", kind: "bool" },
  },
  Histogram: {
    1: { name: "dataPoints", kind: m("HistogramDataPoint"), repeated: true },
    2: { name: "aggregationTemporality", kind: "uint" },
  },
  NumberDataPoint: {
    7: { name: "attributes", kind: m("KeyValue"), repeated: true },
    2: { name: "startTimeUnixNano", kind: "fixed64" },
    3: { name: "timeUnixNano", kind: "fixed64" },
    4: { name: "asDouble", kind: "double" },
    6: { name: "asInt", kind: "sfixed64" },
    8: { name: "flags", kind: "uint" },
  },
  HistogramDataPoint: {
    9: { name: "attributes", kind: m("KeyValue"), repeated: true },
    2: { name: "startTimeUnixNano", kind: "fixed64" },
    3: { name: "timeUnixNano", kind: "fixed64" },
    4: { name: "count", kind: "fixed64" },
    5: { name: "sum", kind: "double" },
    6: { name: "bucketCounts", kind: "fixed64", repeated: true },
    7: { name: "explicitBounds", kind: "double", repeated: true },
    10: { name: "flags", kind: "uint" },
    11: { name: "min", kind: "double" },
    12: { name: "max", kind: "double" },
  },
  KeyValue: { 1: { name: "key", kind: "string" }, 2: { name: "value", kind: m("AnyValue") } },
  AnyValue: {
    1: { name: "stringValue", kind: "string" },
    2: { name: "boolValue", kind: "bool" },
    3: { name: "intValue", kind: "int64" },
    4: { name: "doubleValue", kind: "double" },
  },
  Unknown: {},
};

const WIRE: Readonly<Record<Exclude<Kind, { message: string } | "string">, number>> = {
  uint: 0,
  bool: 0,
  int64: 0,
  fixed64: 1,
  sfixed64: 1,
  double: 1,
};

/** Decodes `bytes` as the message `type` (by default the export request); throws on malformed wire data. */
export function decodeOtlpProtobuf(bytes: Uint8Array, type = "ExportMetricsServiceRequest"): Record<string, unknown> {
  return decodeMessage(bytes, 0, bytes.length, type);
}

function decodeMessage(b: Uint8Array, start: number, end: number, type: string): Record<string, unknown> {
  const schema = SCHEMA[type]!;
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: Record<string, unknown> = {};
  let at = start;
  const varint = (): bigint => {
    let v = 0n;
    for (let shift = 0n; ; shift += 7n) {
      if (at >= end) throw new Error(`${type}: a varint runs past the end`);
      if (shift > 63n) throw new Error(`${type}: a varint longer than 10 bytes`);
      const byte = b[at++]!;
      v |= BigInt(byte & 0x7f) << shift;
      if (!(byte & 0x80)) return v;
    }
  };
  const fixed = (n: 4 | 8): number => {
    if (at + n > end) throw new Error(`${type}: a fixed${n * 8} runs past the end`);
    const p = at;
    at += n;
    return p;
  };
  const set = (f: Field, v: unknown) => {
    if (f.repeated) ((out[f.name] ??= []) as unknown[]).push(v);
    else out[f.name] = v;
  };
  /** A scalar of `kind` read at `at` (wire type given), as the JSON encoding writes it. */
  const scalar = (kind: Exclude<Kind, { message: string }>): unknown => {
    switch (kind) {
      case "uint":
        return Number(varint());
      case "bool":
        return varint() !== 0n;
      case "int64":
        return BigInt.asIntN(64, varint()).toString();
      case "fixed64":
        return view.getBigUint64(fixed(8), true).toString();
      case "sfixed64":
        return view.getBigInt64(fixed(8), true).toString();
      case "double":
        return view.getFloat64(fixed(8), true);
      case "string":
        throw new Error("unreachable");
    }
  };
  while (at < end) {
    const tag = varint();
    const number = Number(tag >> 3n);
    const wire = Number(tag & 7n);
    const f = schema[number];
    if (wire === 2) {
      const length = Number(varint());
      if (at + length > end) throw new Error(`${type}: field ${number} runs past the end`);
      const from = at;
      at += length;
      if (!f) continue;
      if (typeof f.kind === "object") set(f, decodeMessage(b, from, at, f.kind.message));
      else if (f.kind === "string") set(f, new TextDecoder("utf-8", { fatal: true }).decode(b.subarray(from, at)));
      else if (f.repeated) {
        // A packed repeated scalar: its values one after another.
        const after = at;
        at = from;
        while (at < after) set(f, scalar(f.kind));
        if (at !== after) throw new Error(`${type}: packed field ${f.name} ends inside a value`);
      } else throw new Error(`${type}: field ${f.name} (${f.kind}) arrived length-delimited`);
      continue;
    }
    const expected = !f ? wire : typeof f.kind === "object" || f.kind === "string" ? 2 : WIRE[f.kind];
    if (expected !== wire) throw new Error(`${type}: field ${f!.name} arrived with wire type ${wire}, not ${expected}`);
    if (f) set(f, scalar(f.kind as Exclude<Kind, { message: string } | "string">));
    else if (wire === 0) varint();
    else if (wire === 1) fixed(8);
    else if (wire === 5) fixed(4);
    else throw new Error(`${type}: wire type ${wire} of field ${number} is not one protobuf has`);
  }
  return out;
}
