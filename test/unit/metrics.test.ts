// Maps as metrics: a tracer's doc comments and keys in (compiler/frontend/metrics.ts: MapSpec.metric), metric families
// out of merged map contents (runtime/metrics/families.ts: types, names, units in seconds, labels, cumulative
// buckets whose `le` is each bucket's largest integer, the cardinality guard), and the exposition prom-client writes
// of them (runtime/metrics/exposition.ts: OpenMetrics when asked, the text format otherwise).

import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compile } from "../../compiler/index.ts";
import { log2Index } from "../../core/aggregations.ts";
import type { TypeDesc } from "../../core/object/layout.ts";
import type { MapSpec } from "../../core/object/spec.ts";
import type { AggregationData } from "../../runtime/output/aggregations.ts";
import { MetricNameError, MetricSet, exposedUnit, labelValue } from "../../runtime/metrics/families.ts";
import { OPENMETRICS, PROMETHEUS_TEXT, expose, wantsOpenMetrics } from "../../runtime/metrics/exposition.ts";
import type { MetricFamily } from "../../runtime/metrics/model.ts";

const u32: TypeDesc = { kind: "int", size: 4, signed: false };
const u64: TypeDesc = { kind: "int", size: 8, signed: false };
const str16: TypeDesc = { kind: "string", capacity: 16 };
const base = { keySize: 8, valueSize: 8, maxEntries: 64, exported: true } as const;

const agg = (name: string, kind: NonNullable<MapSpec["aggregation"]>["kind"], key?: TypeDesc, extra: Partial<MapSpec> = {}): MapSpec =>
  ({ ...base, name, type: key ? "percpu_hash" : "percpu_array", aggregation: { kind, keyed: !!key, ...(key ? { key } : {}) }, ...extra });

const scrapeOf = (set: MetricSet, data: Record<string, Omit<AggregationData, "name">>) => set.scrape((m) => ({ name: m.name, ...data[m.name]! }));

test("counts are counters named <namespace>_<map>, keys labelled as the doc comment or the handlers say", () => {
  const set = new MetricSet([agg("callsByComm", "count", str16, { metric: { help: "Calls.", labels: ["comm"] } })], { namespace: "syscount", maxSeries: 100 });
  const { families } = scrapeOf(set, { callsByComm: { kind: "count", keyed: true, entries: [{ key: "bash", value: 3n }, { key: "sshd", value: 5n }] } });
  assert.equal(families, [{ name: "syscount_calls_by_comm", help: "Calls.", type: "counter", points: [{ labels: { comm: "bash" }, value: 3 }, { labels: { comm: "sshd" }, value: 5 }] }]);
});

test("a histogram's buckets are cumulative, le is the bucket's largest integer, and ns are exposed as seconds", () => {
  const set = new MetricSet([agg("lat", "hist", undefined, { aggregation: { kind: "hist", keyed: false, unit: "ns" } })], { namespace: "t", maxSeries: 10 });
  // A map named as its tool is not named twice: runqlat's runqlat is runqlat_seconds.
  const runqlat = new MetricSet([agg("runqlat", "hist", undefined, { aggregation: { kind: "hist", keyed: false, unit: "us" } })], { namespace: "runqlat", maxSeries: 1 });
  assert.is(runqlat.scrape((m) => ({ name: m.name, kind: "hist", keyed: false, entries: [] })).families[0]!.name, "runqlat_seconds");
  // Values 3 and 3 (bucket [2, 4)), 100 five times (bucket [64, 128)).
  const buckets: bigint[] = [];
  for (const v of [3n, 3n, 100n, 100n, 100n, 100n, 100n]) buckets[log2Index(v)] = (buckets[log2Index(v)] ?? 0n) + 1n;
  for (let i = 0; i < buckets.length; i++) buckets[i] ??= 0n;
  const { families } = scrapeOf(set, { lat: { kind: "hist", keyed: false, entries: [{ key: undefined, buckets }] } });
  const f = families[0]!;
  assert.is(f.name, "t_lat_seconds");
  assert.is(f.unit, "seconds");
  const p = f.points[0] as unknown as { buckets: { le: number; count: number }[]; count: number };
  assert.equal(p.buckets.map((b) => [b.le === Infinity ? "+Inf" : String(b.le), b.count]), [
    ["3e-9", 2], ["7e-9", 2], ["1.5e-8", 2], ["3.1e-8", 2], ["6.3e-8", 2], ["1.27e-7", 7], ["+Inf", 7],
  ]);
  assert.is(p.count, 7);
  // The span of buckets, once seen, stays: a later scrape with values only in [2, 4) still shows up to le 127 ns.
  const later = scrapeOf(set, { lat: { kind: "hist", keyed: false, entries: [{ key: undefined, buckets: [0n, 0n, 0n, 1n] }] } });
  assert.is((later.families[0]!.points[0] as unknown as { buckets: unknown[] }).buckets.length, 7);
});

test("stats and averages are summaries; min and max gauges; sums counters unless @type gauge", () => {
  const set = new MetricSet([
    agg("sizes", "stats", u32, { metric: { labels: ["pid"] } }), agg("low", "min"), agg("balance", "sum", undefined, { metric: { type: "gauge" } }), agg("bytes", "sum"),
  ], { namespace: "", maxSeries: 10 });
  const { families } = scrapeOf(set, {
    sizes: { kind: "stats", keyed: true, entries: [{ key: 7, count: 2n, total: 10n }] },
    low: { kind: "min", keyed: false, entries: [{ key: undefined, value: -4n }] },
    balance: { kind: "sum", keyed: false, entries: [] },
    bytes: { kind: "sum", keyed: false, entries: [{ key: undefined, value: 9n }] },
  });
  assert.equal(families.map((f) => [f.name, f.type, f.points]), [
    ["sizes", "summary", [{ labels: { pid: "7" }, count: 2, sum: 10 }]],
    ["low", "gauge", [{ labels: {}, value: -4 }]],
    // A counter without a key that has seen nothing is a zero, so that rate() has a start.
    ["balance", "gauge", [{ labels: {}, value: 0 }]],
    ["bytes", "counter", [{ labels: {}, value: 9 }]],
  ]);
});

test("a plain map's struct values are one gauge per integer field; a map of strings is no metric, said once", () => {
  const value: TypeDesc = { kind: "struct", fields: [{ name: "reads", type: u64 }, { name: "io", type: { kind: "struct", fields: [{ name: "bytes", type: u64 }] } }, { name: "comm", type: str16 }] };
  const maps: MapSpec[] = [
    { ...base, name: "perPid", type: "hash", key: u32, value, metric: { labels: ["pid"] } },
    { ...base, name: "names", type: "hash", key: u32, value: str16 },
  ];
  const set = new MetricSet(maps, { namespace: "x", maxSeries: 10 });
  assert.equal(set.skipped.map((s) => s.map), ["names"]);
  const { families } = scrapeOf(set, { perPid: { kind: "map", keyed: true, entries: [{ key: 42, value: { reads: 3n, io: { bytes: 4096n }, comm: "dd" } }] } });
  assert.equal(families.map((f) => [f.name, f.type, f.points]), [
    ["x_per_pid_reads", "gauge", [{ labels: { pid: "42" }, value: 3 }]],
    ["x_per_pid_io_bytes", "gauge", [{ labels: { pid: "42" }, value: 4096 }]],
  ]);
});

test("a struct key's fields are labels by name; syscall numbers are names", () => {
  const key: TypeDesc = { kind: "struct", fields: [{ name: "pid", type: u32 }, { name: "nr", type: { kind: "int", size: 4, signed: false, display: "syscall" } }] };
  const set = new MetricSet([agg("calls", "count", key)], { namespace: "t", maxSeries: 10 });
  const { families } = scrapeOf(set, { calls: { kind: "count", keyed: true, entries: [{ key: { pid: 1, nr: process.arch === "x64" ? 39 : 172 }, value: 1n }] } });
  assert.equal(families[0]!.points, [{ labels: { pid: "1", nr: "getpid" }, value: 1 }]);
});

test("the guard admits --max-series label sets per metric, keeps the ones exposed before, and counts each refused once", () => {
  const set = new MetricSet([agg("c", "count", u32)], { namespace: "t", maxSeries: 2 });
  const entries = (keys: number[]) => ({ c: { kind: "count" as const, keyed: true, entries: keys.map((k) => ({ key: k, value: 1n })) } });
  let s = scrapeOf(set, entries([1, 2, 3]));
  assert.equal(s.families[0]!.points.map((p) => p.labels.key), ["1", "2"]);
  assert.equal([...s.dropped], [["t_c", 1]]);
  // 3 is refused again (counted once); 0, new and first in the map's order, does not push out 1 or 2.
  s = scrapeOf(set, entries([0, 3, 1, 2]));
  assert.equal(s.families[0]!.points.map((p) => p.labels.key), ["1", "2"]);
  assert.equal([...set.refusedTotals()], [["t_c", 2]]);
  // Once 1 is gone from the map, its place goes to the next new key.
  s = scrapeOf(set, entries([2, 3]));
  assert.equal(s.families[0]!.points.map((p) => p.labels.key), ["2", "3"]);
  assert.equal(s.dropped.size, 0);
});

test("stack keys are folded stacks; two stacks that fold alike are one series, their counts added", () => {
  const kstack: TypeDesc = { kind: "int", size: 8, signed: false, display: "kstack", depth: 127 };
  const set = new MetricSet([agg("offcpu", "count", kstack)], { namespace: "t", maxSeries: 10 });
  const frames = (names: string[]) => names.map((symbol) => ({ address: 1n, symbol, origin: "kernel" as const }));
  // Ids 1 and 2 hold the same frames at different offsets (they fold alike), 3 another stack.
  const stacks = {
    resolve: (_s: "kstack" | "ustack", _d: number, id: bigint) => ({ kind: "kstack" as const, frames: frames(id === 3n ? ["schedule", "do_nanosleep"] : ["schedule", "pipe_read"]) }),
    captured: () => ({ kind: "kstack" as const, frames: [] }),
  };
  const { families } = set.scrape((m) => ({ name: m.name, kind: "count", keyed: true, entries: [1n, 2n, 3n].map((k) => ({ key: k, value: 10n * k })) }), { stacks });
  assert.equal(families[0]!.points, [
    { labels: { kstack: "pipe_read_[k];schedule_[k]" }, value: 30 },
    { labels: { kstack: "do_nanosleep_[k];schedule_[k]" }, value: 30 },
  ]);
});

test("two maps exposed under one name are refused, naming both", () => {
  assert.throws(() => new MetricSet([agg("a", "count", undefined, { metric: { name: "same" } }), agg("b", "count", undefined, { metric: { name: "same" } })], { namespace: "t", maxSeries: 1 }),
    (e: unknown) => e instanceof MetricNameError && /maps a and b are both exposed as same/.test(e.message));
});

test("a map exposed under a name the exporter uses for itself is refused", () => {
  assert.throws(() => new MetricSet([agg("reloads", "count")], { namespace: "tsbpf", maxSeries: 1, reserved: ["tsbpf_reloads"] }),
    (e: unknown) => e instanceof MetricNameError && /map reloads would be exposed as tsbpf_reloads, a metric of the exporter's own/.test(e.message));
});

test("a one-liner's $ (the map @) is named by what it holds", () => {
  const set = new MetricSet([agg("@", "count", str16), agg("@bytes", "sum", u32)], { namespace: "tsbpf", maxSeries: 1 });
  const { families } = set.scrape((m) => ({ name: m.name, kind: m.aggregation!.kind, keyed: true, entries: [] }));
  assert.equal(families.map((f) => f.name), ["tsbpf_count", "tsbpf_bytes"]);
});

test("units and label values", () => {
  assert.equal(exposedUnit("us"), { unit: "seconds", per: 1e6 });
  assert.equal(exposedUnit("bytes"), { unit: "bytes", per: 1 });
  assert.equal(exposedUnit("pages"), { unit: "pages", per: 1 });
  assert.is(labelValue(12n), "12");
  assert.is(labelValue(true), "true");
  const frame = (symbol: string, origin: "kernel" | "user") => ({ address: 1n, symbol, origin });
  assert.is(labelValue({ kind: "kstack", frames: [frame("leaf", "kernel"), frame("root", "kernel")] }), "root_[k];leaf_[k]");
});

const families: MetricFamily[] = [
  { name: "t_calls", help: "Calls \"by\" comm.\nSecond line.", type: "counter", points: [{ labels: { comm: 'a"b\\c' }, value: 3 }] },
  { name: "t_lat_seconds", help: "Latency.", type: "histogram", unit: "seconds", points: [{ labels: {}, buckets: [{ le: 7e-9, count: 2 }, { le: Infinity, count: 3 }], count: 3 }] },
  { name: "t_sizes", help: "Sizes.", type: "summary", points: [{ labels: { pid: "1" }, count: 2, sum: 10 }] },
];

test("OpenMetrics when the scraper asks for it: _total on counters' samples only, escaped values, # EOF", async () => {
  const accept = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
  assert.ok(wantsOpenMetrics(accept));
  const { contentType, body } = await expose(families, accept, { process: false });
  assert.is(contentType, OPENMETRICS);
  assert.is(body, [
    "# HELP t_calls Calls \"by\" comm.\\nSecond line.", "# TYPE t_calls counter", 't_calls_total{comm="a\\"b\\\\c"} 3',
    "# HELP t_lat_seconds Latency.", "# TYPE t_lat_seconds histogram", 't_lat_seconds_bucket{le="7e-9"} 2', 't_lat_seconds_bucket{le="+Inf"} 3', "t_lat_seconds_count 3",
    "# HELP t_sizes Sizes.", "# TYPE t_sizes summary", 't_sizes_sum{pid="1"} 10', 't_sizes_count{pid="1"} 2',
    "# EOF", "",
  ].join("\n"));
});

test("the text format otherwise, with the process's own metrics", async () => {
  const { contentType, body } = await expose(families, "text/plain");
  assert.is(contentType, PROMETHEUS_TEXT);
  assert.match(body, /^# HELP t_calls_total Calls/m);
  assert.match(body, /^t_calls_total\{comm="a\\"b\\\\c"\} 3$/m);
  assert.match(body, /^process_resident_memory_bytes \d+/m);
  assert.match(body, /^process_cpu_seconds_total [\d.e-]+$/m);
  assert.not.match(body, /# EOF/);
  // In OpenMetrics too, the process's counters end in one _total.
  const om = (await expose([], "application/openmetrics-text")).body;
  assert.match(om, /^# TYPE process_cpu_seconds counter$/m);
  assert.match(om, /^process_cpu_seconds_total [\d.e-]+$/m);
});

test("a map's doc comment and the handlers' keys become its MetricSpec; a bad tag is TSB2099", () => {
  const dir = mkdtempSync(join(tmpdir(), "tsbpf-metrics-"));
  try {
    const file = join(dir, "m.ts");
    writeFileSync(file, `import { tracepoint, Count, Histogram, HashMap, Sum, bpf, type Str, type u32, type u64 } from "tsbpf";
/**
 * Reads by process.
 * @labels comm
 */
export const reads = new Count<Str<16>>();
/** Read sizes. @unit bytes @name read_size_bytes */
export const sizes = new Histogram<u32>();
/** Last size per thread. */
export const last = new HashMap<u32, u64>(1024);
export const mixed = new Sum<u32>();
tracepoint("syscalls/sys_enter_read", (ctx) => {
  reads.increment(bpf.comm());
  sizes.record(bpf.pid(), ctx.count);
  last.set(bpf.tid(), ctx.count);
  mixed.add(bpf.pid(), 1);
  mixed.add(bpf.tid(), 1);
});
`);
    const r = compile(file);
    assert.equal(r.diagnostics.map((d) => d.message), []);
    const metric = Object.fromEntries(r.spec!.maps.filter((m) => m.exported).map((m) => [m.name, m.metric]));
    assert.equal(metric, {
      reads: { help: "Reads by process.", labels: ["comm"] },
      sizes: { help: "Read sizes.", unit: "bytes", name: "read_size_bytes", labels: ["pid"] },
      last: { help: "Last size per thread.", labels: ["tid"] },
      // Keyed by two things: no name is right for both.
      mixed: undefined,
    });
    writeFileSync(file, `import { tracepoint, Count, type u32 } from "tsbpf";
/** @type histogram */
export const a = new Count<u32>();
/** @labels 1st */
export const b = new Count<u32>();
tracepoint("syscalls/sys_enter_read", () => { a.increment(1); b.increment(1); });
`);
    const bad = compile(file);
    assert.equal(bad.diagnostics.map((d) => `${d.code} ${d.message}`), [
      "TSB2099 @type histogram in the doc comment of a: expected counter or gauge",
      "TSB2099 @labels 1st in the doc comment of b: expected label names: letters, digits and _, not starting with __",
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
