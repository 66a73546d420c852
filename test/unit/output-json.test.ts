// runtime/output/json.ts and json-schema.ts: the NDJSON records of docs/json.md. Values in, exact lines out (compact,
// integers as numbers with all their digits at the edges of 64 bits, arrays of strings without their trailing
// empty strings, the envelope of each record type); and the schemas: every builder's record passes, and a record
// with a stray field, an integer written as a string, a padded array or a misplaced version fails.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { i64, u32, u64, u8, type TypeDesc } from "../../core/object/layout.ts";
import type { CollectionSpec, MapSpec } from "../../core/object/spec.ts";
import {
  attachedJson,
  eventJson,
  JSON_FORMAT_VERSION,
  lostJson,
  mapJson,
  printfJson,
  serialize,
  type AggregationData,
} from "../../runtime/output/index.ts";
import { Buckets, JsonRecord, recordSchemaFor, valueSchema } from "../../runtime/output/json-schema.ts";

const T = 1_700_000_000_123;
const str = (capacity: number): TypeDesc => ({ kind: "string", capacity });
const struct = (fields: Record<string, TypeDesc>): TypeDesc => ({ kind: "struct", fields: Object.entries(fields).map(([name, type]) => ({ name, type })) });
const array = (element: TypeDesc, length: number): TypeDesc => ({ kind: "array", element, length });

/** The integer tokens of a JSON text, as written (JSON.parse would round those beyond 2^53). */
const integerTokens = (text: string) => text.replace(/"(?:[^"\\]|\\.)*"/g, '""').match(/-?\d+/g) ?? [];

const valid = (schema: { safeParse(v: unknown): { success: boolean } }, line: string) => schema.safeParse(JSON.parse(line)).success;

// ---- integers -----------------------------------------------------------------------------------------------------

const EDGES: readonly [string, bigint][] = [
  ["zero", 0n],
  ["safe", 2n ** 53n - 1n],
  ["two53", 2n ** 53n],
  ["past53", 2n ** 53n + 1n],
  ["i64max", 2n ** 63n - 1n],
  ["u64max", 2n ** 64n - 1n],
  ["i64min", -(2n ** 63n)],
  ["minus1", -1n],
];

test("integers: JSON numbers with all their digits, 0, 2^53, 2^64 - 1 and negative i64 alike", () => {
  const event = Object.fromEntries(EDGES);
  const line = eventJson("events", event, T);
  assert.is(
    line,
    `{"type":"event","time_ms":${T},"channel":"events","data":{"zero":0,"safe":9007199254740991,"two53":9007199254740992,` +
      '"past53":9007199254740993,"i64max":9223372036854775807,"u64max":18446744073709551615,"i64min":-9223372036854775808,"minus1":-1}}',
  );
  // each value's digits, exactly, and each one a number to JSON.parse
  assert.equal(integerTokens(line).slice(1), EDGES.map(([, v]) => String(v)));
  for (const [name] of EDGES) assert.type(JSON.parse(line).data[name], "number", name);
  // numbers (u32 and smaller) the same way
  assert.is(serialize({ a: 0, b: 4294967295, c: -2147483648 }), '{"a":0,"b":4294967295,"c":-2147483648}');
});

test("integers: a field's JSON type never depends on its value", () => {
  for (const v of [0n, 1n, 2n ** 32n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 63n, 2n ** 64n - 1n]) {
    const line = eventJson("e", { ts: v }, T);
    assert.type(JSON.parse(line).data.ts, "number", String(v));
    assert.ok(valid(JsonRecord, line) && valueSchema(u64).safeParse(JSON.parse(line).data.ts).success, String(v));
  }
  for (const v of [-(2n ** 63n), -(2n ** 53n) - 1n, -1n, 0n, 2n ** 63n - 1n]) assert.ok(valueSchema(i64).safeParse(JSON.parse(serialize(v))).success, String(v));
  // counts in map records, small or not
  for (const value of [0n, 7n, 2n ** 60n]) {
    const line = mapJson({ name: "c", kind: "count", keyed: false, entries: [{ key: undefined, value }] }, T)!;
    assert.type(JSON.parse(line).data["@c"], "number");
    assert.is(integerTokens(line).at(-1), String(value));
  }
});

// ---- compact text, strings ----------------------------------------------------------------------------------------

test("compact: no space after ':' or ',' anywhere outside strings; strings keep theirs", () => {
  const line = eventJson("e", { s: "a: b, c", n: [1, 2], o: { x: { y: [true, false] } }, raw: Uint8Array.of(0, 255) }, T);
  assert.is(line, `{"type":"event","time_ms":${T},"channel":"e","data":{"s":"a: b, c","n":[1,2],"o":{"x":{"y":[true,false]}},"raw":[0,255]}}`);
  for (const text of [line, attachedJson(3, T), lostJson("e", 5n, T), printfJson("x, y: z", T)]) {
    assert.not.match(text.replace(/"(?:[^"\\]|\\.)*"/g, '""'), /\s/, text);
  }
});

test("strings: JSON escapes, lone surrogates as U+FFFD, in values, field names, keys and channel names", () => {
  assert.is(serialize('say "hi"\n\t\\'), '"say \\"hi\\"\\n\\t\\\\"');
  assert.is(serialize({ "a\uD800": "b\uDC00c", ok: "\uD83D\uDE00" }), '{"a\uFFFD":"b\uFFFDc","ok":"\uD83D\uDE00"}');
  assert.is(eventJson("ch\uD800", 1, T), `{"type":"event","time_ms":${T},"channel":"ch\uFFFD","data":1}`);
  const keyed: AggregationData = { name: "k", kind: "count", keyed: true, entries: [{ key: "x\uDFFF", value: 1n }] };
  assert.is(mapJson(keyed, T), `{"type":"map","time_ms":${T},"data":{"@k":{"x\uFFFD":1}}}`);
  // a field named __proto__ stays a field
  assert.is(serialize(JSON.parse('{"__proto__":1}')), '{"__proto__":1}');
  assert.is(serialize({ n: NaN, i: Infinity, u: undefined, f: () => 1 }), '{"n":null,"i":null}');
});

// ---- arrays -------------------------------------------------------------------------------------------------------

test("arrays: an array of strings leaves out its trailing empty strings (FixedArray<Str<N>, M> slots never written)", () => {
  const argv = ["ls", "", "-l", "", "", ""];
  assert.is(serialize({ argv }), '{"argv":["ls","","-l"]}');
  assert.is(serialize({ argv: ["", "", ""] }), '{"argv":[]}');
  assert.is(serialize([["a", ""], ["", ""]]), '[["a"],[]]', "nested arrays of strings too; the outer array holds arrays, not strings");
  // zeros are values: numbers, byte arrays and structs keep their declared length
  assert.is(serialize({ addr: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 10, 0, 0, 0] }), '{"addr":[0,0,0,0,0,0,0,0,0,0,255,255,10,0,0,0]}');
  assert.is(serialize({ raw: new Uint8Array(3) }), '{"raw":[0,0,0]}');
  assert.is(serialize({ slots: [{ comm: "a" }, { comm: "" }] }), '{"slots":[{"comm":"a"},{"comm":""}]}');
  assert.is(serialize({ flags: [true, false, false] }), '{"flags":[true,false,false]}');
  // and the schema of the type says the same
  const args = valueSchema(array(str(8), 6));
  assert.ok(args.safeParse(["ls", "", "-l"]).success);
  assert.ok(args.safeParse([]).success);
  assert.not.ok(args.safeParse(["ls", ""]).success, "a trailing empty string");
  assert.not.ok(args.safeParse(["a", "b", "c", "d", "e", "f", "g"]).success, "longer than declared");
  assert.ok(valueSchema(array(u8, 4)).safeParse([0, 0, 0, 0]).success);
  assert.not.ok(valueSchema(array(u8, 4)).safeParse([1]).success, "a number array at its declared length");
});

// ---- the records --------------------------------------------------------------------------------------------------

test("records: attached_probes (first, with the version), printf, lost_events, event", () => {
  assert.is(JSON_FORMAT_VERSION, 1);
  assert.is(attachedJson(3, T), `{"type":"attached_probes","version":1,"time_ms":${T},"data":{"probes":3}}`);
  // bpftrace 0.17: printf("hi\n") is {"type": "printf", "data": "hi\n"}; line() gets the text without its newline
  assert.is(printfJson("hi", T), `{"type":"printf","time_ms":${T},"data":"hi\\n"}`);
  assert.is(printfJson("", T), `{"type":"printf","time_ms":${T},"data":"\\n"}`);
  assert.is(lostJson("events", 12n, T), `{"type":"lost_events","time_ms":${T},"channel":"events","data":{"events":12}}`);
  assert.is(lostJson("events", 2n ** 60n, T), `{"type":"lost_events","time_ms":${T},"channel":"events","data":{"events":1152921504606846976}}`);
  // the event's own fields named type or channel stay under data
  assert.is(eventJson("events", { type: 7, channel: "x" }, T), `{"type":"event","time_ms":${T},"channel":"events","data":{"type":7,"channel":"x"}}`);
  assert.is(mapJson({ name: "m", kind: "min", keyed: false, entries: [] }, T), undefined, "an unkeyed min with no value has no record");
});

const MAPS: readonly AggregationData[] = [
  { name: "c", kind: "count", keyed: false, entries: [{ key: undefined, value: 5n }] },
  { name: "c0", kind: "count", keyed: false, entries: [] },
  { name: "k", kind: "sum", keyed: true, entries: [{ key: [1, "bash"], value: -3n }, { key: [2, "sh"], value: 2n ** 63n }] },
  { name: "a", kind: "avg", keyed: false, entries: [{ key: undefined, count: 2n, total: 15n }] },
  { name: "s", kind: "stats", keyed: true, entries: [{ key: "count", count: 2n, total: 12n }] },
  { name: "h", kind: "hist", keyed: false, entries: [{ key: undefined, buckets: [1n, 0n, 2n] }] },
  { name: "kh", kind: "lhist", keyed: true, lhist: { min: 0n, max: 10n, step: 5n }, entries: [{ key: 1, buckets: [1n, 0n, 0n, 4n] }] },
  { name: "p", kind: "map", keyed: true, entries: [{ key: 1, value: { pid: 1, argv: ["a", ""] } }] },
];

test("schema: every record the builders write is a JsonRecord", () => {
  const lines = [
    attachedJson(2, T),
    eventJson("events", { pid: 1, comm: "bash", ts: 2n ** 64n - 1n, argv: ["a", "", ""] }, T),
    eventJson("n", 5n, T),
    printfJson("a line", T),
    lostJson("events", 3n, T),
    ...MAPS.map((a) => mapJson(a, T)!),
  ];
  for (const line of lines) {
    const r = JsonRecord.safeParse(JSON.parse(line));
    assert.ok(r.success, `${line}\n${r.success ? "" : JSON.stringify(r.error.issues)}`);
  }
});

test("schema: a stray field, an integer as a string, a fraction, a missing time, a version past the first record fail", () => {
  const bad = [
    `{"type":"attached_probes","version":1,"time_ms":${T},"count":2,"data":{"probes":2}}`,
    `{"type":"attached_probes","time_ms":${T},"data":{"probes":2}}`,
    `{"type":"attached_probes","version":2,"time_ms":${T},"data":{"probes":2}}`,
    `{"type":"event","version":1,"time_ms":${T},"channel":"e","data":1}`,
    `{"type":"event","channel":"e","data":1}`,
    `{"type":"event","time_ms":"${T}","channel":"e","data":1}`,
    `{"type":"map","time_ms":${T},"data":{"@c":"18446744073709551615"},"extra":1}`,
    `{"type":"map","time_ms":${T},"data":{"@a":1,"@b":2}}`,
    `{"type":"map","time_ms":${T},"data":{"c":1}}`,
    `{"type":"stats","time_ms":${T},"data":{"@s":{"bash":{"count":1,"average":1,"total":1,"min":1}}}}`,
    `{"type":"stats","time_ms":${T},"data":{"@a":1.5}}`,
    `{"type":"hist","time_ms":${T},"data":{"@h":[{"min":0,"max":0,"count":0},{"min":1,"max":1,"count":1}]}}`,
    `{"type":"hist","time_ms":${T},"data":{"@h":[{"min":1,"max":1,"count":"1"}]}}`,
    `{"type":"printf","time_ms":${T},"data":"no newline"}`,
    `{"type":"lost_events","time_ms":${T},"channel":"e","data":{"events":0}}`,
    `{"type":"lost_events","time_ms":${T},"data":{"events":1}}`,
    `{"type":"value","time_ms":${T},"data":1}`,
  ];
  for (const line of bad) assert.not.ok(valid(JsonRecord, line), line);
  assert.not.ok(Buckets.safeParse([{ min: 1, count: 1 }, { min: 2, max: 3, count: 1 }]).success, "a min-less bucket that is not the first");
});

// ---- one tracer's records -----------------------------------------------------------------------------------------

const CALL = struct({ pid: u32, comm: str(16), ts: u64, argv: array(str(8), 3) });
const spec = {
  programs: [],
  maps: [
    { name: "events", type: "ringbuf", keySize: 0, valueSize: 0, maxEntries: 4096, exported: true, events: { type: CALL, lostMap: "events.lost" } },
    { name: "calls", type: "percpu_hash", keySize: 4, valueSize: 8, maxEntries: 10, aggregation: { kind: "count", keyed: true, key: u32 } },
    { name: "lat", type: "percpu_array", keySize: 4, valueSize: 8, maxEntries: 66, aggregation: { kind: "hist", keyed: false } },
    { name: "last", type: "hash", keySize: 4, valueSize: 8, maxEntries: 10, exported: true, key: u32, value: u64 },
    { name: "hidden", type: "hash", keySize: 4, valueSize: 8, maxEntries: 10, key: u32, value: u64 },
  ] satisfies MapSpec[],
} as CollectionSpec;

test("recordSchemaFor: events field by field from the channel's type, maps by their kind, channels and maps by name", () => {
  const schema = recordSchemaFor(spec);
  // JSON.stringify, not serialize, which would mend some of these
  const event = (data: unknown, channel = "events") => `{"type":"event","time_ms":${T},"channel":"${channel}","data":${JSON.stringify(data)}}`;
  const good = [
    attachedJson(1, T),
    eventJson("events", { pid: 1, comm: "bash", ts: 2n ** 64n - 1n, argv: ["ls", "", "-l"] }, T),
    eventJson("events", { pid: 1, comm: "", ts: 0n, argv: ["", "", ""] }, T),
    lostJson("events", 1n, T),
    mapJson({ name: "calls", kind: "count", keyed: true, entries: [{ key: 7, value: 2n }] }, T)!,
    mapJson({ name: "lat", kind: "hist", keyed: false, entries: [] }, T)!,
    mapJson({ name: "last", kind: "map", keyed: true, entries: [{ key: 1, value: 5n }] }, T)!,
    printfJson("x", T),
  ];
  for (const line of good) assert.ok(valid(schema, line), line);
  const bad = [
    event({ pid: 1, comm: "bash", ts: 1, argv: [], extra: 1 }),
    event({ pid: 1, comm: "bash", ts: "1", argv: [] }),
    event({ pid: 4294967296, comm: "bash", ts: 1, argv: [] }),
    event({ pid: 1, comm: "bash", argv: [] }),
    event({ pid: 1, comm: "a".repeat(16), ts: 1, argv: [] }),
    event({ pid: 1, comm: "bash", ts: 1, argv: ["a", ""] }),
    event({ pid: 1, comm: "bash", ts: 1, argv: [] }, "other"),
    lostJson("other", 1n, T),
    mapJson({ name: "calls", kind: "count", keyed: false, entries: [{ key: undefined, value: 2n }] }, T)!,
    mapJson({ name: "lat", kind: "hist", keyed: true, entries: [] }, T)!,
    mapJson({ name: "hidden", kind: "map", keyed: true, entries: [] }, T)!,
    `{"type":"map","time_ms":${T},"data":{"@calls":{"7":2},"@lat":[]}}`,
  ];
  for (const line of bad) assert.not.ok(valid(schema, line), line);
});

test.run();
