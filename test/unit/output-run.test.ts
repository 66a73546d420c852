// runtime/output's Output: a whole run (attached → batches of two channels' events and a line printed from a probe →
// the maps → lost events → end) driven through the text and NDJSON implementations into an in-memory sink, checked
// write by write (which stream, which text, one write per batch), with the module's format()/header and a format()
// that throws; stdout backpressure; the registry of format names.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { u32, u64 } from "../../core/object/layout.ts";
import {
  createOutput,
  FoldedOutput,
  isOutputFormat,
  JsonOutput,
  OUTPUT_FORMATS,
  TextOutput,
  type AggregationData,
  type EventChannel,
  type Output,
  type OutputOptions,
  type Sink,
} from "../../runtime/output/index.ts";

/** A sink that keeps every write, in order, as [stream, text]. */
function memorySink(): Sink & { writes: ["out" | "err", string][] } {
  const writes: ["out" | "err", string][] = [];
  const writer = (stream: "out" | "err") => ({
    write: (text: string) => (writes.push([stream, text]), true),
    once: () => undefined,
  });
  return { stdout: writer("out"), stderr: writer("err"), writes };
}

const opens: EventChannel = {
  name: "opens",
  buffer: "ringbuf",
  type: { kind: "struct", fields: [{ name: "pid", type: u32 }, { name: "comm", type: { kind: "string", capacity: 16 } }, { name: "flags", type: u32 }] },
};
const sizes: EventChannel = { name: "sizes", buffer: "perf", type: u64 };

const calls: AggregationData = { name: "calls", kind: "count", keyed: true, entries: [{ key: "bash", value: 3n }, { key: "sh", value: 1n }] };
const empty: AggregationData = { name: "empty", kind: "sum", keyed: true, entries: [] };
const lat: AggregationData = { name: "lat", kind: "hist", keyed: false, unit: "us", entries: [{ key: undefined, buckets: [0n, 1n, 2n] }] };

/** The stages of a run as `tsbpf run` calls them, with an empty batch (the final drain) among them. */
async function wholeRun(o: Output): Promise<void> {
  await o.attached(2);
  await o.events(opens, [{ pid: 1, comm: "bash", flags: 0x80000 }, { pid: 22, comm: "sh", flags: 0 }]);
  await o.events(sizes, [4096n]);
  await o.line("from a probe: 7");
  await o.events(opens, []);
  await o.events(sizes, [2n, 5n]);
  await o.events(opens, [{ pid: 333, comm: "a-very-long-command-name", flags: 1 }]);
  await o.aggregation(calls);
  await o.aggregation(empty);
  await o.aggregation(lat);
  await o.lost(opens, 12n);
  await o.lost(sizes, 1n);
  await o.end();
}

const LAT_TEXT =
  "@lat (us):\n" +
  "[0]                    1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n" +
  "[1]                    2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n";
const LOST_TEXT: ["err", string][] = [
  ["err", "Lost 12 events on opens (ring buffer full; a larger RingBuffer(bytes) or fewer events would help)\n"],
  ["err", "Lost 1 event on sizes (perf buffer full; more PerfEventArray({ pages }) or fewer events would help)\n"],
];

test("text: columns under a header per channel, a blank line, the maps; Attaching and lost events on stderr", async () => {
  const sink = memorySink();
  await wholeRun(createOutput("text", sink));
  assert.equal(sink.writes, [
    ["err", "Attaching 2 probes...\n"],
    ["out", "    PID COMM                 FLAGS\n      1 bash               0x80000\n     22 sh                     0x0\n"],
    ["out", "       VALUE\n        4096\n"],
    ["out", "from a probe: 7\n"],
    ["out", "           2\n           5\n"],
    ["out", "    333 a-very-long-command-name 0x1\n"],
    ["out", "\n"],
    ["out", "@calls[sh]: 1\n@calls[bash]: 3\n"],
    ["out", LAT_TEXT],
    ...LOST_TEXT,
  ]);
});

test("text with the module's format(): its header once above the first lines of any channel; a throw goes to stderr and the batch goes on", async () => {
  const sink = memorySink();
  const options: OutputOptions = {
    header: "WHAT",
    format: (e, channel) => {
      if (e === 2n) throw new RangeError("two");
      return channel === "opens" ? `${(e as { comm: string }).comm}[${(e as { pid: number }).pid}]\n` : `${channel} ${String(e)}`;
    },
  };
  await wholeRun(createOutput("text", sink, options));
  assert.equal(sink.writes, [
    ["err", "Attaching 2 probes...\n"],
    ["out", "WHAT\nbash[1]\nsh[22]\n"],
    ["out", "sizes 4096\n"],
    ["out", "from a probe: 7\n"],
    // The error is reported as it happens, before the batch's line is written.
    ["err", "format() for channel sizes threw: RangeError: two\n"],
    ["out", "sizes 5\n"],
    ["out", "a-very-long-command-name[333]\n"],
    ["out", "\n"],
    ["out", "@calls[sh]: 1\n@calls[bash]: 3\n"],
    ["out", LAT_TEXT],
    ...LOST_TEXT,
  ]);
});

test("text: the module's header needs a format() and a string; without format() the columns print", async () => {
  const run = async (options: OutputOptions) => {
    const sink = memorySink();
    const o = createOutput("text", sink, options);
    await o.events(sizes, []);
    await o.events(sizes, [7n]);
    await o.events(sizes, [8n]);
    return sink.writes.filter(([stream]) => stream === "out").map(([, text]) => text).join("");
  };
  assert.is(await run({ header: "IGNORED" }), "       VALUE\n           7\n           8\n");
  assert.is(await run({ header: 5, format: (e) => `v=${String(e)}` }), "v=7\nv=8\n");
  assert.is(await run({ format: (e) => `v=${String(e)}` }), "v=7\nv=8\n");
  assert.is(await run({ header: "H", format: () => undefined }), "H\n");
});

test("text: a run without maps prints no blank line; a batch that formats to nothing writes nothing", async () => {
  const sink = memorySink();
  const o = createOutput("text", sink, { format: () => { throw new Error("no"); } });
  await o.attached(1);
  await o.events(sizes, [1n]);
  await o.end();
  assert.equal(sink.writes, [["err", "Attaching 1 probe...\n"], ["err", "format() for channel sizes threw: Error: no\n"]]);
});

/** The clock of the NDJSON tests: each record one millisecond after the one before. */
const ticks = () => {
  let t = 1_700_000_000_000;
  return () => t++;
};

const NDJSON: ["out", string][] = [
  ["out", '{"type":"attached_probes","version":1,"time_ms":1700000000000,"data":{"probes":2}}\n'],
  ["out", '{"type":"event","time_ms":1700000000001,"channel":"opens","data":{"pid":1,"comm":"bash","flags":524288}}\n' +
    '{"type":"event","time_ms":1700000000001,"channel":"opens","data":{"pid":22,"comm":"sh","flags":0}}\n'],
  ["out", '{"type":"event","time_ms":1700000000002,"channel":"sizes","data":4096}\n'],
  ["out", '{"type":"printf","time_ms":1700000000003,"data":"from a probe: 7\\n"}\n'],
  ["out", '{"type":"event","time_ms":1700000000004,"channel":"sizes","data":2}\n{"type":"event","time_ms":1700000000004,"channel":"sizes","data":5}\n'],
  ["out", '{"type":"event","time_ms":1700000000005,"channel":"opens","data":{"pid":333,"comm":"a-very-long-command-name","flags":1}}\n'],
  ["out", '{"type":"map","time_ms":1700000000006,"data":{"@calls":{"sh":1,"bash":3}}}\n'],
  ["out", '{"type":"map","time_ms":1700000000007,"data":{"@empty":{}}}\n'],
  ["out", '{"type":"hist","time_ms":1700000000008,"data":{"@lat":[{"min":0,"max":0,"count":1},{"min":1,"max":1,"count":2}]}}\n'],
  ["out", '{"type":"lost_events","time_ms":1700000000009,"channel":"opens","data":{"events":12}}\n'],
  ["out", '{"type":"lost_events","time_ms":1700000000010,"channel":"sizes","data":{"events":1}}\n'],
];

test("json: one record a line on stdout, one write per batch (its events share a time), nothing on stderr", async () => {
  const sink = memorySink();
  await wholeRun(new JsonOutput(sink, { now: ticks() }));
  assert.equal(sink.writes, NDJSON);
  for (const [, text] of sink.writes) for (const line of text.split("\n").filter(Boolean)) JSON.parse(line);
});

test("json: the module's format() and header do not apply; time_ms is the wall clock's", async () => {
  const sink = memorySink();
  const before = Date.now();
  await wholeRun(createOutput("json", sink, { header: "WHAT", format: () => { throw new Error("never called"); } }));
  const after = Date.now();
  const times: number[] = [];
  const writes = sink.writes.map(([stream, text]): [string, string] => [stream, text.replace(/"time_ms":(\d+)/g, (_, t: string) => (times.push(Number(t)), '"time_ms":T'))]);
  assert.equal(writes, NDJSON.map(([stream, text]) => [stream, text.replace(/"time_ms":\d+/g, '"time_ms":T')]));
  assert.ok(times.every((t, i) => t >= before && t <= after && (i === 0 || t >= times[i - 1]!)), String(times));
});

test("events() and line() wait for stdout to drain when the writer says its buffer is full", async () => {
  for (const format of OUTPUT_FORMATS) {
    for (const stage of ["events", "line"] as const) {
      let drain: (() => void) | undefined;
      const written: string[] = [];
      const stdout = { write: (text: string) => (written.push(text), false), once: (_event: "drain", listener: () => void) => (drain = listener) };
      // folded writes events and lines for the person, on stderr: stdout is for the stacks
      const o = createOutput(format, format === "folded" ? { stdout: memorySink().stdout, stderr: stdout } : { stdout, stderr: memorySink().stderr });
      let done = false;
      const batch = Promise.resolve(stage === "events" ? o.events(sizes, [1n]) : o.line("a line")).then(() => (done = true));
      await new Promise((r) => setTimeout(r, 10));
      assert.is(written.length, 1, format);
      assert.not.ok(done, `${format} ${stage}: resolved before the drain`);
      assert.type(drain, "function");
      drain!();
      await batch;
      assert.ok(done);
      // An empty batch writes nothing and does not wait.
      await o.events(sizes, []);
      assert.is(written.length, 1);
    }
  }
});

test("the registry: names to implementations, text first", () => {
  assert.equal(OUTPUT_FORMATS, ["text", "json", "folded"]);
  assert.ok(isOutputFormat("text") && isOutputFormat("json") && isOutputFormat("folded"));
  assert.not.ok(isOutputFormat("yaml"));
  assert.not.ok(isOutputFormat("toString"));
  assert.instance(createOutput("text", memorySink()), TextOutput);
  assert.instance(createOutput("json", memorySink()), JsonOutput);
  assert.instance(createOutput("folded", memorySink()), FoldedOutput);
});

test.run();
