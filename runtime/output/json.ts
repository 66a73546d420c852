// The NDJSON records of a run (docs/json.md): a run's data in (probes attached, a decoded event, a printed line, an
// AggregationData, a lost-event count) with the time of writing, one record as one line of compact JSON out. Every
// record's shape is here, one builder per record type; json-schema.ts describes the same records for readers, and
// json-output.ts writes them in a run's order.
//
// The records are bpftrace's (`-f json`, checked against bpftrace 0.17) where bpftrace has one, plus a `time_ms`
// on each, the format's `version` on the first, and the channel of events and lost events:
//   {"type":"attached_probes","version":1,"time_ms":T,"data":{"probes":3}}
//   {"type":"event","time_ms":T,"channel":"events","data":{"pid":1,"comm":"bash"}}          (tsbpf's own)
//   {"type":"printf","time_ms":T,"data":"a line\n"}
//   count/sum/min/max, plain maps  {"type":"map","time_ms":T,"data":{"@n":5}}  or  {"@n":{"key":5,...}}
//   avg                            {"type":"stats","time_ms":T,"data":{"@n":7}}  (bpftrace files avg under "stats")
//   stats                          {"type":"stats","time_ms":T,"data":{"@n":{"count":2,"average":6,"total":12}}}
//   hist, lhist                    {"type":"hist","time_ms":T,"data":{"@n":[{"min":2,"max":3,"count":1},...]}}
//   {"type":"lost_events","time_ms":T,"channel":"events","data":{"events":12}}
// Keyed maps nest one value per key under the key's text; tuple and struct keys join their elements with ","
// (`"1,bash"`), in print order (ascending by value, as bpftrace prints). Histogram `max` is inclusive (the bucket
// [2, 4) is min 2, max 3); the below bucket has no `min` and the lhist above bucket no `max`; the buckets run from
// the first non-zero one to the last, the zero ones between included, as bpftrace's.
//
// An aggregation declared with `{ top: N }` that prints only its N largest entries says so, and how many keys it has,
// beside "data" (an explicit top, bpftrace's `print(@m, N)`, prints bpftrace's record):
//   {"type":"map","top":10,"keys":104,"time_ms":T,"data":{"@n":{...10 keys}}}
// Keys and values declared `Syscall` are syscall names, or the number's decimal string when it has none (display.ts):
// always a string, whatever the number.
//
// Values keep their JSON type whatever they hold (docs/json.md, "Integers" and "Arrays"): every integer, 64-bit or
// not, is a JSON number written with all its digits (never a string, never rounded); an array of strings leaves out
// its trailing empty strings (the unused slots of a FixedArray<Str<N>, M>); a keyed map with no entries is `{}`, an
// unkeyed count or sum with nothing counted 0, an unkeyed histogram with nothing recorded `[]`, and an unkeyed min,
// max, avg or stats with no value has no record. Lone surrogates in strings become U+FFFD.

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
import { isStackTrace } from "../symbols/types.ts";
import { stackJson } from "./stacks.ts";

/** The version of the record format, in the first record of every run: a change a reader could misread bumps it. */
export const JSON_FORMAT_VERSION = 1;

/**
 * What a record holds: JSON values, with bigints for integers (written as numbers with all their digits), Uint8Array
 * for byte arrays, and Map for an object whose keys must keep their order (JS objects put integer-like keys first).
 */
export type JsonValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | readonly JsonValue[]
  | ReadonlyMap<string, JsonValue>
  | { readonly [key: string]: JsonValue };

/** The record types of maps: bpftrace's. */
export type AggregationRecordType = "map" | "hist" | "stats";

/** A map record before its time is stamped: `{"type": ..., "data": {"@name": ...}}`. */
export interface AggregationRecord {
  readonly type: AggregationRecordType;
  /** Present when the aggregation's own top left entries out: the number printed, and the number of keys in the map. */
  readonly top?: number;
  readonly keys?: number;
  readonly data: { readonly [name: string]: JsonValue };
}

/** The first record of a run: the format's version and the number of probes the run attaches. */
export function attachedJson(probes: number, timeMs: number): string {
  return `{"type":"attached_probes","version":${JSON_FORMAT_VERSION},"time_ms":${timeMs},"data":{"probes":${probes}}}`;
}

/** The start of each event record of a channel, up to its data: one per batch, the events follow. */
export function eventPrefix(channel: string, timeMs: number): string {
  return `{"type":"event","time_ms":${timeMs},"channel":${JSON.stringify(wellFormed(channel))},"data":`;
}

/** One event as a record: its decoded value under "data", so no field name can collide with the envelope's. */
export function eventJson(channel: string, event: unknown, timeMs: number): string {
  return `${eventPrefix(channel, timeMs)}${serialize(event)}}`;
}

/** A line printed from a probe (without its newline) as bpftrace's printf record, whose data ends in the newline. */
export function printfJson(text: string, timeMs: number): string {
  return `{"type":"printf","time_ms":${timeMs},"data":${serialize(`${text}\n`)}}`;
}

/** A channel's lost events: bpftrace's `{"type":"lost_events","data":{"events":N}}` plus the channel. */
export function lostJson(channel: string, count: number | bigint, timeMs: number): string {
  return `{"type":"lost_events","time_ms":${timeMs},"channel":${serialize(channel)},"data":{"events":${serialize(count)}}}`;
}

/** One map's record with its time, or undefined when the map has no value to print (see the header). */
export function mapJson(a: AggregationData, timeMs: number, opts: FormatOptions = {}): string | undefined {
  const r = aggregationJson(a, opts);
  const top = r?.top !== undefined ? `,"top":${r.top},"keys":${r.keys}` : "";
  return r && `{"type":"${r.type}"${top},"time_ms":${timeMs},"data":${serialize(r.data)}}`;
}

/**
 * One map as the record bpftrace prints for it (without the time), keyed entries in print order (see
 * orderedEntries); undefined for an unkeyed min, max, avg or stats that holds no value.
 */
export function aggregationJson(a: AggregationData, opts: FormatOptions = {}): AggregationRecord | undefined {
  const showValue = a.kind === "map" ? displayOf(a.valueType, opts, "string") : undefined;
  const value = (e: AggregationEntry) => entryJson(a, e, showValue);
  let data: JsonValue;
  let omitted: { top: number; keys: number } | undefined;
  if (a.keyed) {
    const showKey = displayOf(a.keyType, opts, "string");
    const entries = orderedEntries(a, opts.top ?? a.top);
    if (opts.top === undefined && entries.length < a.entries.length) omitted = { top: entries.length, keys: a.entries.length };
    data = new Map(entries.map((e) => [jsonKey(showKey ? showKey(e.key) : e.key), value(e)]));
  } else {
    const [e] = scalarEntries(a);
    if (e) data = value(e);
    else if (a.kind === "count" || a.kind === "sum") data = 0n;
    else if (a.kind === "hist" || a.kind === "lhist") data = [];
    else return undefined;
  }
  return { type: recordType(a.kind), ...omitted, data: { [mapName(a)]: data } };
}

function recordType(kind: AggregationKind): AggregationRecordType {
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
      return entryValue(a, e);
    case "avg":
      return entryStats(a, e).average;
    case "stats": {
      const s = entryStats(a, e);
      return { count: s.count, average: s.average, total: s.total };
    }
    case "hist":
    case "lhist":
      return histogramJson(a, entryBuckets(a, e));
    case "map": {
      const v = "value" in e ? e.value : null;
      return (showValue ? showValue(v) : v) as JsonValue;
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
    if (low !== undefined) bucket["min"] = low;
    if (high !== undefined) bucket["max"] = high - 1n;
    bucket["count"] = buckets[i] ?? 0n;
    out.push(bucket);
  }
  return out;
}

/**
 * A key as a JSON object key: tuple, multi-key and struct keys join their elements with ","; a stack is its frames
 * joined by "\n", innermost first.
 */
export function jsonKey(key: unknown): string {
  if (typeof key === "string") return key;
  if (Array.isArray(key)) return key.map(keyPart).join(",");
  if (typeof key === "object" && key !== null && !(key instanceof Uint8Array) && !isStackTrace(key)) return Object.values(key).map(keyPart).join(",");
  return keyPart(key);
}

const keyPart = (v: unknown): string => (isStackTrace(v) ? stackJson(v).join("\n") : formatValue(v));

/** Records as NDJSON: one compact line each, every line ending in "\n" (serialize's rules). */
export function toNdjson(records: readonly unknown[]): string {
  return records.map((r) => `${serialize(r)}\n`).join("");
}

/**
 * A value as compact JSON text (no space after `:` or `,`), by the format's rules: integers (numbers and bigints)
 * as JSON numbers with all their digits; NaN, Infinity and undefined as null (undefined and functions are left out
 * of objects, as JSON.stringify does); byte arrays (Uint8Array) as arrays of numbers; arrays without their
 * trailing empty strings; Maps as objects in their order; lone surrogates as U+FFFD.
 */
export function serialize(v: unknown): string {
  switch (typeof v) {
    case "bigint":
      return String(v);
    case "number":
      return Number.isFinite(v) ? String(v) : "null";
    case "boolean":
      return v ? "true" : "false";
    case "string":
      return JSON.stringify(wellFormed(v));
    case "object": {
      if (v === null) return "null";
      if (v instanceof Uint8Array) return `[${v.join(",")}]`;
      if (isStackTrace(v)) return serialize(stackJson(v));
      if (Array.isArray(v)) {
        let end = v.length;
        while (end > 0 && v[end - 1] === "") end--;
        let out = "";
        for (let i = 0; i < end; i++) out += `${i ? "," : ""}${serialize(v[i])}`;
        return `[${out}]`;
      }
      let out = "";
      const field = (k: string, x: unknown) => {
        if (x !== undefined && typeof x !== "function") out += `${out ? "," : ""}${k}:${serialize(x)}`;
      };
      // A map's keys are its data (pids, names): quoted each time; a struct's field names repeat in every record.
      if (v instanceof Map) for (const [k, x] of v) field(JSON.stringify(wellFormed(String(k))), x);
      else for (const k of Object.keys(v)) field(fieldName(k), (v as Record<string, unknown>)[k]);
      return `{${out}}`;
    }
    default:
      // undefined, functions, symbols: nothing JSON can hold
      return "null";
  }
}

/** Field names, quoted: the same few in every event of a channel. Bounded, for objects with keys as data. */
const fieldNames = new Map<string, string>();
const FIELD_NAMES_KEPT = 4096;

function fieldName(k: string): string {
  let t = fieldNames.get(k);
  if (t === undefined) {
    t = JSON.stringify(wellFormed(k));
    if (fieldNames.size < FIELD_NAMES_KEPT) fieldNames.set(k, t);
  }
  return t;
}

const SURROGATE = /[\uD800-\uDFFF]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** JSON.stringify writes a lone surrogate as `\udXXX`, which strict UTF-8 readers reject: U+FFFD instead, as text output does. */
function wellFormed(s: string): string {
  return SURROGATE.test(s) ? s.replace(LONE_SURROGATE, "\uFFFD") : s;
}
