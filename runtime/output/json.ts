// bpftrace's JSON output (`-f json`): an AggregationData in, one record `{"type": ..., "data": {"@name": ...}}` out,
// and records in, NDJSON text (one record a line, bpftrace's spacing) out.
//
// Record shapes follow bpftrace's src/output/json.cpp and tests/runtime/json-output, checked against bpftrace 0.17:
//   count/sum/min/max, plain maps  {"type": "map",   "data": {"@n": 5}}  or  {"@n": {"key": 5, ...}}
//   avg                            {"type": "stats", "data": {"@n": 7}}  (bpftrace files avg under "stats")
//   stats                          {"type": "stats", "data": {"@n": {"count": 2, "average": 6, "total": 12}}}
//   hist, lhist                    {"type": "hist",  "data": {"@n": [{"min": 2, "max": 3, "count": 1}, ...]}}
// Keyed maps nest one value per key under the key's text; tuple and struct keys join their elements with ","
// (`"1,bash"`). Histogram `max` is inclusive (the bucket [2, 4) is min 2, max 3); the below bucket has no `min`
// and the lhist above bucket no `max`. A map with no entries is `{}`.
//
// An aggregation declared with `{ top: N }` that prints only its N largest entries says so, and how many keys it has,
// beside "data" (an explicit top, bpftrace's `print(@m, N)`, prints bpftrace's record):
//   {"type": "map", "top": 10, "keys": 104, "data": {"@n": {...10 keys}}}
// Keys and values declared `Syscall` are syscall names, or the number's decimal string when it has none (display.ts).
//
// Integers: a bigint becomes a JSON number when it is a safe integer (|v| < 2^53), so that every JSON parser reads
// back the exact value, and a decimal string otherwise. bpftrace 0.17 prints every integer as a number (2^63 - 1
// reads back rounded); current bpftrace uses a string when the value is not exactly a double.

import {
  bucketBounds,
  entryBuckets,
  entryStats,
  entryValue,
  nonZeroRange,
  orderedEntries,
  scalarEntries,
  type AggregationData,
  type AggregationEntry,
  type AggregationKind,
} from "./aggregations.ts";
import { type Display, displayOf } from "./display.ts";
import { formatValue, mapName, type FormatOptions } from "./text.ts";

export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

export interface AggregationRecord {
  readonly type: "map" | "hist" | "stats";
  /** Present when the aggregation's own top left entries out: the number printed, and the number of keys in the map. */
  readonly top?: number;
  readonly keys?: number;
  readonly data: { readonly [name: string]: JsonValue };
}

/**
 * One map as the record bpftrace prints for it. Keyed entries are in print order (see orderedEntries), but JS
 * objects list integer-like keys ("5") first in ascending order whatever the insertion order; JSON objects are
 * unordered, so a reader must not rely on the order anyway.
 */
export function aggregationJson(a: AggregationData, opts: FormatOptions = {}): AggregationRecord {
  const showValue = a.kind === "map" ? displayOf(a.valueType, opts, "string") : undefined;
  const value = (e: AggregationEntry) => entryJson(a, e, showValue);
  let data: JsonValue;
  let omitted: { top: number; keys: number } | undefined;
  if (a.keyed) {
    const showKey = displayOf(a.keyType, opts, "string");
    const entries = orderedEntries(a, opts.top ?? a.top);
    if (opts.top === undefined && entries.length < a.entries.length) omitted = { top: entries.length, keys: a.entries.length };
    data = Object.fromEntries(entries.map((e) => [jsonKey(showKey ? showKey(e.key) : e.key), value(e)]));
  } else {
    const [e] = scalarEntries(a);
    data = e ? value(e) : {};
  }
  return { type: recordType(a.kind), ...omitted, data: { [mapName(a)]: data } };
}

function recordType(kind: AggregationKind): AggregationRecord["type"] {
  switch (kind) {
    case "hist":
    case "lhist":
      return "hist";
    case "avg":
    case "stats":
      return "stats";
    default:
      return "map";
  }
}

function entryJson(a: AggregationData, e: AggregationEntry, showValue: Display | undefined): JsonValue {
  switch (a.kind) {
    case "count":
    case "sum":
    case "min":
    case "max":
      return jsonInteger(entryValue(a, e));
    case "avg":
      return jsonInteger(entryStats(a, e).average);
    case "stats": {
      const s = entryStats(a, e);
      return { count: jsonInteger(s.count), average: jsonInteger(s.average), total: jsonInteger(s.total) };
    }
    case "hist":
    case "lhist":
      return histogramJson(a, entryBuckets(a, e));
    case "map": {
      const v = "value" in e ? e.value : undefined;
      return jsonValue(showValue ? showValue(v) : v);
    }
    default: {
      const never: never = a.kind;
      throw new TypeError(`unknown aggregation kind ${String(never)}`);
    }
  }
}

/** The buckets from the first to the last non-zero one, as `{"min", "max", "count"}` with an inclusive max. */
function histogramJson(a: AggregationData, buckets: readonly bigint[]): JsonValue[] {
  const range = nonZeroRange(buckets);
  const out: JsonValue[] = [];
  if (!range) return out;
  for (let i = range.first; i <= range.last; i++) {
    const { low, high } = bucketBounds(a, i);
    const bucket: Record<string, JsonValue> = {};
    if (low !== undefined) bucket["min"] = jsonInteger(low);
    if (high !== undefined) bucket["max"] = jsonInteger(high - 1n);
    bucket["count"] = jsonInteger(buckets[i] ?? 0n);
    out.push(bucket);
  }
  return out;
}

/** A key as a JSON object key: tuple, multi-key and struct keys join their elements with ",". */
export function jsonKey(key: unknown): string {
  if (typeof key === "string") return key;
  if (Array.isArray(key)) return key.map(formatValue).join(",");
  if (typeof key === "object" && key !== null && !(key instanceof Uint8Array)) return Object.values(key).map(formatValue).join(",");
  return formatValue(key);
}

/** A bigint as a JSON number when it is a safe integer, else as its decimal string (see the header). */
export function jsonInteger(v: bigint | number): number | string {
  if (typeof v === "number") return v;
  return v >= -MAX_SAFE && v <= MAX_SAFE ? Number(v) : String(v);
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** A decoded map value as JSON: tuples (arrays) and byte arrays become arrays, structs objects, bigints as jsonInteger. */
export function jsonValue(v: unknown): JsonValue {
  switch (typeof v) {
    case "undefined":
      return null;
    case "boolean":
    case "string":
      return v;
    case "number":
      return Number.isFinite(v) ? v : null;
    case "bigint":
      return jsonInteger(v);
    case "object":
      if (v === null) return null;
      if (v instanceof Uint8Array) return Array.from(v);
      if (Array.isArray(v)) return v.map(jsonValue);
      // fromEntries defines own properties, so a field named __proto__ stays a field
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, jsonValue(x)]));
    default:
      throw new TypeError(`cannot write ${typeof v} as JSON`);
  }
}

/**
 * Records as NDJSON: one line each, every line ending in "\n". The spacing is bpftrace's (`{"k": v, "k2": v}`,
 * arrays `[1,2]`), so lines compare equal to its output; bigints anywhere are written as jsonInteger does, byte
 * arrays as arrays of numbers, lone surrogates in strings as U+FFFD.
 */
export function toNdjson(records: readonly object[]): string {
  return records.map((r) => `${serialize(r)}\n`).join("");
}

function serialize(v: unknown): string {
  switch (typeof v) {
    case "bigint":
      return serialize(jsonInteger(v));
    case "object": {
      if (v === null) return "null";
      if (v instanceof Uint8Array) return `[${v.join(",")}]`;
      if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? "null" : serialize(x))).join(",")}]`;
      let out = "";
      for (const k of Object.keys(v)) {
        const x = (v as Record<string, unknown>)[k];
        if (x === undefined || typeof x === "function") continue;
        out += `${out ? ", " : ""}${JSON.stringify(k)}: ${serialize(x)}`;
      }
      return `{${out}}`;
    }
    case "string":
      return JSON.stringify(wellFormed(v));
    default:
      // finite numbers, booleans; NaN and Infinity become null as in JSON.stringify
      return JSON.stringify(v) ?? "null";
  }
}

const SURROGATE = /[\uD800-\uDFFF]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** JSON.stringify writes a lone surrogate as `\udXXX`, which strict UTF-8 readers reject: U+FFFD instead, as text output does. */
function wellFormed(s: string): string {
  return SURROGATE.test(s) ? s.replace(LONE_SURROGATE, "\uFFFD") : s;
}
