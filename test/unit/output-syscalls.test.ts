// runtime/output's two additions to bpftrace's printing: values declared `Syscall` print as syscall names (map keys,
// struct and tuple keys, plain map values, event columns, JSON keys and fields; an unknown number stays a number in
// text and is its decimal string in JSON; --syscall-numbers prints numbers), and an aggregation's `top` prints its N
// largest entries and how many keys there are, in text and JSON, overridden by print's own top.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { u32, type TypeDesc } from "../../core/object/layout.ts";
import {
  mapJson,
  eventColumns,
  formatAggregation,
  formatEventHeader,
  formatEventLine,
  JsonOutput,
  TextOutput,
  type AggregationData,
  type EventChannel,
  type Sink,
} from "../../runtime/output/index.ts";
import { skip } from "../support/skip.ts";

/** A map's NDJSON record, parsed, without its time. */
function mapRecord(a: Parameters<typeof mapJson>[0], opts: Parameters<typeof mapJson>[2] = {}): { type: string; top?: number; keys?: number; data: Record<string, Record<string, unknown>> } {
  const r = JSON.parse(mapJson(a, 0, opts)!);
  delete r.time_ms;
  return r;
}

const SYSCALL: TypeDesc = { kind: "int", size: 4, signed: false, display: "syscall" };
/** openat and getppid on the running architecture, from its kernel table (hand-copied: a second source). */
const NR = ({ x64: { openat: 257, getppid: 110 }, arm64: { openat: 56, getppid: 173 } } as Record<string, { openat: number; getppid: number }>)[process.arch];
/** No architecture has a syscall 1000. */
const UNKNOWN = 1000;

function memorySink(): Sink & { out: string } {
  const sink = {
    out: "",
    stdout: { write: (t: string) => ((sink.out += t), true), once: () => undefined },
    stderr: { write: () => true, once: () => undefined },
  };
  return sink;
}

test("keys declared Syscall print as names; unknown numbers as numbers; --syscall-numbers as numbers", () => {
  if (!NR) return skip(`no syscall table for ${process.arch}`);
  const a: AggregationData = {
    name: "syscalls", kind: "count", keyed: true, keyType: SYSCALL,
    entries: [{ key: NR.openat, value: 5n }, { key: UNKNOWN, value: 2n }, { key: NR.getppid, value: 9n }],
  };
  assert.is(formatAggregation(a), `@syscalls[${UNKNOWN}]: 2\n@syscalls[openat]: 5\n@syscalls[getppid]: 9\n`);
  assert.is(formatAggregation(a, { syscallNumbers: true }), `@syscalls[${UNKNOWN}]: 2\n@syscalls[${NR.openat}]: 5\n@syscalls[${NR.getppid}]: 9\n`);
  assert.is(formatAggregation({ ...a, keyType: u32 }), formatAggregation(a, { syscallNumbers: true }), "a plain u32 key is a number");
  assert.equal(mapRecord(a).data, { "@syscalls": { [UNKNOWN]: 2, openat: 5, getppid: 9 } });
  assert.equal(mapRecord(a, { syscallNumbers: true }).data, { "@syscalls": { [UNKNOWN]: 2, [NR.openat]: 5, [NR.getppid]: 9 } });
});

test("a Syscall inside a struct key, a tuple key and a plain map's value", () => {
  if (!NR) return skip(`no syscall table for ${process.arch}`);
  const structKey: TypeDesc = { kind: "struct", fields: [{ name: "comm", type: { kind: "string", capacity: 16 } }, { name: "nr", type: SYSCALL }] };
  const byProcess: AggregationData = {
    name: "calls", kind: "count", keyed: true, keyType: structKey,
    entries: [{ key: { comm: "bash", nr: NR.openat }, value: 1n }, { key: { comm: "sh", nr: UNKNOWN }, value: 2n }],
  };
  assert.is(formatAggregation(byProcess), `@calls[bash, openat]: 1\n@calls[sh, ${UNKNOWN}]: 2\n`);
  assert.equal(mapRecord(byProcess).data, { "@calls": { "bash,openat": 1, [`sh,${UNKNOWN}`]: 2 } });
  const arrayKey: AggregationData = {
    name: "pairs", kind: "count", keyed: true, keyType: { kind: "array", element: SYSCALL, length: 2 },
    entries: [{ key: [NR.openat, NR.getppid], value: 1n }],
  };
  assert.is(formatAggregation(arrayKey), "@pairs[openat, getppid]: 1\n");
  // HashMap<u32, Syscall>: a thread's current syscall
  const current: AggregationData = {
    name: "current", kind: "map", keyed: true, keyType: u32, valueType: SYSCALL,
    entries: [{ key: 7, value: NR.openat }, { key: 8, value: UNKNOWN }],
  };
  assert.is(formatAggregation(current), `@current[7]: openat\n@current[8]: ${UNKNOWN}\n`);
  assert.equal(mapRecord(current).data, { "@current": { 7: "openat", 8: String(UNKNOWN) } }, "JSON: always a string");
  assert.equal(mapRecord(current, { syscallNumbers: true }).data, { "@current": { 7: NR.openat, 8: UNKNOWN } });
});

test("top: the N largest and a line with the number of keys; JSON says top and keys; print's own top prints as bpftrace", () => {
  const entries = ["a", "b", "c", "d", "e"].map((key, i) => ({ key, value: BigInt(i + 1) }));
  const a: AggregationData = { name: "c", kind: "count", keyed: true, top: 2, entries };
  assert.is(formatAggregation(a), "@c[d]: 4\n@c[e]: 5\n(top 2 of 5 keys)\n");
  assert.is(formatAggregation(a, { top: 3 }), "@c[c]: 3\n@c[d]: 4\n@c[e]: 5\n", "print(@c, 3): bpftrace's lines");
  assert.is(formatAggregation(a, { top: 0 }), "@c[a]: 1\n@c[b]: 2\n@c[c]: 3\n@c[d]: 4\n@c[e]: 5\n", "top 0: every key, no line");
  assert.is(formatAggregation({ ...a, top: 5 }), "@c[a]: 1\n@c[b]: 2\n@c[c]: 3\n@c[d]: 4\n@c[e]: 5\n", "nothing left out: no line");
  assert.equal(mapRecord(a), { type: "map", top: 2, keys: 5, data: { "@c": { d: 4, e: 5 } } });
  assert.equal(mapJson(a, 0), '{"type":"map","top":2,"keys":5,"time_ms":0,"data":{"@c":{"d":4,"e":5}}}');
  assert.equal(mapRecord({ ...a, top: 5 }), { type: "map", data: { "@c": { a: 1, b: 2, c: 3, d: 4, e: 5 } } });
  assert.equal(mapRecord(a, { top: 1 }), { type: "map", data: { "@c": { e: 5 } } }, "print(@c, 1): bpftrace's record");
  const hist: AggregationData = {
    name: "h", kind: "hist", keyed: true, top: 1,
    entries: [{ key: "x", buckets: [0n, 1n] }, { key: "y", buckets: [0n, 3n] }],
  };
  assert.is(formatAggregation(hist), "@h[y]:\n[0]                    3 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n(top 1 of 2 keys)\n");
});

test("event columns: a Syscall field is a left-aligned name column, a number column with --syscall-numbers", () => {
  if (!NR) return skip(`no syscall table for ${process.arch}`);
  const type: TypeDesc = { kind: "struct", fields: [{ name: "pid", type: u32 }, { name: "nr", type: SYSCALL }, { name: "ret", type: u32 }] };
  const cols = eventColumns(type);
  assert.equal(cols.map((c) => [c.header, c.width, c.align, c.style]), [["PID", 7, "right", "decimal"], ["NR", 16, "left", "syscall"], ["RET", 7, "right", "decimal"]]);
  assert.is(formatEventHeader(cols), "    PID NR                   RET");
  assert.is(formatEventLine(cols, { pid: 1, nr: NR.openat, ret: 3 }), "      1 openat                 3");
  assert.is(formatEventLine(cols, { pid: 1, nr: UNKNOWN, ret: 3 }), `      1 ${UNKNOWN}                   3`);
  const numbers = eventColumns(type, { syscallNumbers: true });
  assert.equal(numbers[1]!.style, "decimal");
  assert.is(formatEventLine(numbers, { pid: 1, nr: NR.openat, ret: 3 }), `      1 ${String(NR.openat).padStart(7)}       3`);
});

test("the Outputs: text and NDJSON print names, numbers with syscallNumbers; events and maps alike", async () => {
  if (!NR) return skip(`no syscall table for ${process.arch}`);
  const channel: EventChannel = { name: "calls", buffer: "ringbuf", type: { kind: "struct", fields: [{ name: "pid", type: u32 }, { name: "nr", type: SYSCALL }] } };
  const counts: AggregationData = { name: "n", kind: "count", keyed: true, keyType: SYSCALL, top: 1, entries: [{ key: NR.openat, value: 2n }, { key: NR.getppid, value: 1n }] };
  const run = async (numbers: boolean, json: boolean) => {
    const sink = memorySink();
    const o = json ? new JsonOutput(sink, { syscallNumbers: numbers, now: () => 7 }) : new TextOutput(sink, { syscallNumbers: numbers });
    await o.events(channel, [{ pid: 1, nr: NR.openat }, { pid: 2, nr: UNKNOWN }]);
    await o.aggregation(counts);
    return sink.out;
  };
  assert.is(await run(false, false), `    PID NR\n      1 openat\n      2 ${UNKNOWN}\n\n@n[openat]: 2\n(top 1 of 2 keys)\n`);
  assert.is(await run(true, false), `    PID      NR\n      1 ${String(NR.openat).padStart(7)}\n      2 ${String(UNKNOWN).padStart(7)}\n\n@n[${NR.openat}]: 2\n(top 1 of 2 keys)\n`);
  assert.is(await run(false, true), [
    '{"type":"event","time_ms":7,"channel":"calls","data":{"pid":1,"nr":"openat"}}',
    `{"type":"event","time_ms":7,"channel":"calls","data":{"pid":2,"nr":"${UNKNOWN}"}}`,
    '{"type":"map","top":1,"keys":2,"time_ms":7,"data":{"@n":{"openat":2}}}',
    "",
  ].join("\n"));
  assert.is(await run(true, true), [
    `{"type":"event","time_ms":7,"channel":"calls","data":{"pid":1,"nr":${NR.openat}}}`,
    `{"type":"event","time_ms":7,"channel":"calls","data":{"pid":2,"nr":${UNKNOWN}}}`,
    `{"type":"map","top":1,"keys":2,"time_ms":7,"data":{"@n":{"${NR.openat}":2}}}`,
    "",
  ].join("\n"));
});

test.run();
