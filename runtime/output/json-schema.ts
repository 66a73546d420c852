// The NDJSON records of `tsbpf run --json` (docs/json.md) as zod schemas, for readers: a parsed line in, the record
// or the ways it differs from the format out. One schema per record type, and JsonRecord, any record; recordSchemaFor
// narrows them to one tracer (its CollectionSpec in): each channel's events field by field from the event's type, and
// each map's value from its aggregation kind. Objects are strict: a field the format does not define is an error.
// The writer is json.ts; test/kernel/json-schema.test.ts holds every line of real runs to these schemas.

import type { TypeDesc } from "../../core/object/layout.ts";
import type { CollectionSpec, MapSpec } from "../../core/object/spec.ts";
import * as z from "../../core/zod.ts";
import { JSON_FORMAT_VERSION } from "./json.ts";

// ---- values -------------------------------------------------------------------------------------------------------
// JSON.parse reads an integer beyond 2^53 as the nearest double: the bounds of 64-bit types are doubles too (2^64
// for u64), and an integer is any number without a fraction, not only a safe one.

const integer = (min: number, max: number) =>
  z.number().check(z.refine((n) => Number.isInteger(n), "expected an integer"), z.gte(min), z.lte(max));

/** Any integer of the format: a JSON number without a fraction, within 64 bits. */
export const Integer = integer(-(2 ** 63), 2 ** 64);
/** A count: an integer from 0. */
export const Count = integer(0, 2 ** 64);
/** `time_ms`: milliseconds since the Unix epoch, a safe integer. */
export const TimeMs = integer(0, Number.MAX_SAFE_INTEGER);

/** The value a field of this type has in a record (docs/json.md, "Values"). */
export function valueSchema(t: TypeDesc): z.ZodMiniType {
  switch (t.kind) {
    case "int": {
      // A stack: its frames' text, innermost first (stacks.ts stackJson).
      if (t.display === "kstack" || t.display === "ustack") return z.array(z.string());
      const bits = t.size * 8;
      return t.signed ? integer(-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) : integer(0, 2 ** bits - 1);
    }
    case "pointer":
      return integer(0, 2 ** 64);
    case "bool":
      return z.boolean();
    case "string":
      // UTF-8 bytes up to the NUL; a byte that is not UTF-8 reads as one U+FFFD, so never more code units than bytes
      return z.string().check(z.maxLength(Math.max(t.capacity - 1, 0)));
    case "bytes":
      return z.array(integer(0, 255)).check(z.length(t.length));
    case "array": {
      const element = valueSchema(t.element);
      // An array of strings without its trailing empty strings; any other array at its declared length.
      if (t.element.kind !== "string") return z.array(element).check(z.length(t.length));
      return z.array(element).check(
        z.maxLength(t.length),
        z.refine((a) => a.length === 0 || a[a.length - 1] !== "", "an array of strings ends with its last non-empty string"),
      );
    }
    case "struct":
      // KFrames/UFrames: the stack's frames' text, as a stack value's.
      if (t.display) return z.array(z.string());
      return z.strictObject(Object.fromEntries(t.fields.map((f) => [f.name, valueSchema(f.type)])));
  }
}

/** One histogram bucket: bounds inclusive; the below bucket has no min, the above bucket no max. */
export const Bucket = z.strictObject({ min: z.optional(Integer), max: z.optional(Integer), count: Count });

/** A histogram: its buckets in order, from the first non-zero one to the last (those between may be zero). */
export const Buckets = z.array(Bucket).check(
  z.refine((b) => b.length === 0 || (b[0]!.count > 0 && b[b.length - 1]!.count > 0), "a histogram starts and ends with a non-zero bucket"),
  z.refine((b) => b.every((x, i) => (x.min !== undefined || i === 0) && (x.max !== undefined || i === b.length - 1)), "only the first bucket may lack a min, only the last a max"),
);

/** stats(): count, average (truncated) and total. */
export const StatsValue = z.strictObject({ count: Count, average: Integer, total: Integer });

// ---- records ------------------------------------------------------------------------------------------------------

/** The first record of a run, and only the first: the format's version and the probes the run attaches. */
export const AttachedProbesRecord = z.strictObject({
  type: z.literal("attached_probes"),
  version: z.literal(JSON_FORMAT_VERSION),
  time_ms: TimeMs,
  data: z.strictObject({ probes: Count }),
});

/** One event of a channel: its fields (recordSchemaFor checks them against the channel's type). */
export const EventRecord = eventRecord(z.string(), z.json());

function eventRecord(channel: z.ZodMiniType<string>, data: z.ZodMiniType) {
  return z.strictObject({ type: z.literal("event"), time_ms: TimeMs, channel, data });
}

/** A line printed from a probe, with its newline, as bpftrace's printf record. */
export const PrintfRecord = z.strictObject({ type: z.literal("printf"), time_ms: TimeMs, data: z.string().check(z.endsWith("\n")) });

/** Events a channel dropped because its buffer was full (only channels that dropped some). */
export const LostEventsRecord = lostEventsRecord(z.string());

function lostEventsRecord(channel: z.ZodMiniType<string>) {
  return z.strictObject({ type: z.literal("lost_events"), time_ms: TimeMs, channel, data: z.strictObject({ events: integer(1, 2 ** 64) }) });
}

/** The record types of maps, by bpftrace's names: count, sum, min, max and plain maps; avg and stats; histograms. */
export type MapRecordType = "map" | "stats" | "hist";

/**
 * A map's record: `data` holds one map, `@name`, with its value (keyed maps: an object of values by key text). An
 * aggregation declared with `{ top: N }` that left keys out says how many it printed (`top`) of how many (`keys`).
 */
function mapRecord(type: MapRecordType, data: z.ZodMiniType) {
  return z.strictObject({ type: z.literal(type), top: z.optional(integer(1, 2 ** 31)), keys: z.optional(integer(2, 2 ** 53)), time_ms: TimeMs, data })
    .check(z.refine((r) => (r.top === undefined) === (r.keys === undefined) && (r.top === undefined || r.top < r.keys!), "top and keys come together, top below keys"));
}

/** `data` of the generic map records: exactly one map, named `@...`. */
const oneMap = (value: z.ZodMiniType) =>
  z.record(z.string().check(z.startsWith("@")), value).check(z.refine((o) => Object.keys(o).length === 1, "one map per record"));

const keyed = (value: z.ZodMiniType) => z.record(z.string(), value);

/** count, sum, min, max: an integer, or integers by key; plain maps: their values by key. */
export const MapRecord = mapRecord("map", oneMap(z.json()));
/** avg: an integer; stats: a StatsValue; or either by key. */
export const StatsRecord = mapRecord("stats", oneMap(z.union([Integer, StatsValue, keyed(z.union([Integer, StatsValue]))])));
/** hist, lhist: Buckets, or Buckets by key. */
export const HistRecord = mapRecord("hist", oneMap(z.union([Buckets, keyed(Buckets)])));

/** Any record of the format. */
export const JsonRecord = z.discriminatedUnion("type", [AttachedProbesRecord, EventRecord, PrintfRecord, MapRecord, StatsRecord, HistRecord, LostEventsRecord]);

// ---- one tracer ---------------------------------------------------------------------------------------------------

/**
 * The records a run of this tracer can print: events of its channels with exactly their fields, and a record per
 * map that can be printed (aggregations and exported maps) with its exact value.
 */
export function recordSchemaFor(spec: CollectionSpec): z.ZodMiniType {
  const channels = spec.maps.filter((m) => m.events);
  const printed = spec.maps.filter((m) => !m.events && (m.aggregation || m.exported));
  const byType: z.ZodMiniType[] = [AttachedProbesRecord, PrintfRecord];
  // Events by channel, map records by map name: a record that fails is reported against its own channel or map.
  const events = channels.map((m) => eventRecord(z.literal(m.name), valueSchema(m.events!.type)));
  if (events.length) {
    byType.push(events.length > 1 ? z.discriminatedUnion("channel", events as [typeof events[0], ...typeof events]) : events[0]!);
    byType.push(lostEventsRecord(z.enum(channels.map((m) => m.name) as [string, ...string[]])));
  }
  const maps = printed.map((m) => ({ name: `@${m.name}`, ...mapValueFor(m) }));
  for (const type of ["map", "stats", "hist"] as const) {
    const ofType = maps.filter((x) => x.type === type);
    if (!ofType.length) continue;
    const data = z.strictObject(Object.fromEntries(ofType.map((x) => [x.name, z.optional(x.value)])));
    byType.push(mapRecord(type, data.check(z.refine((o) => Object.keys(o).length === 1, "one map per record"))));
  }
  return z.discriminatedUnion("type", byType as [z.ZodMiniObject, ...z.ZodMiniObject[]]);
}

/** A map's record type and the schema of its value in `data`. */
function mapValueFor(m: MapSpec): { type: MapRecordType; value: z.ZodMiniType } {
  const a = m.aggregation;
  const value = (type: MapRecordType, v: z.ZodMiniType) => ({ type, value: a && !a.keyed ? v : keyed(v) });
  if (!a) return value("map", m.value ? valueSchema(m.value) : z.json());
  switch (a.kind) {
    case "count":
    case "sum":
    case "min":
    case "max":
      return value("map", Integer);
    case "avg":
      return value("stats", Integer);
    case "stats":
      return value("stats", StatsValue);
    case "hist":
    case "lhist":
      return value("hist", Buckets);
  }
}
