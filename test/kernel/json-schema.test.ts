// `tsbpf run --json` as a script reads it (docs/json.md): the built command line runs tracers whose records cover
// every record type a run prints (events with strings, a nested struct, arrays, u64 and i64 at their edges; every
// aggregation keyed and unkeyed, empty and filled; a plain map; lost events on a ring buffer and a perf buffer),
// against this process's own getppid() calls; every line printed must match the tracer's schema (recordSchemaFor:
// exact fields, integers as numbers in their type's range), and the first record, only the first, carries the version.

import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { compile } from "../../compiler/index.ts";
import type { CollectionSpec } from "../../core/object/spec.ts";
import * as z from "../../core/zod.ts";
import { JSON_FORMAT_VERSION } from "../../runtime/output/json.ts";
import { recordSchemaFor } from "../../runtime/output/json-schema.ts";
import { kernelTest } from "../support/kernel.ts";
import { waitFor } from "../support/wait.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const env = { ...process.env, TSBPF_CACHE_DIR: mkdtempSync(join(tmpdir(), "tsbpf-cache-")), NO_COLOR: "1" };

interface Printed {
  readonly type: string;
  readonly channel?: string;
  readonly data: { readonly [key: string]: unknown };
}

function specOf(fixture: string): CollectionSpec {
  const c = compile(join(root, fixture));
  assert.ok(c.spec, c.diagnostics.map((d) => d.message).join("\n"));
  return c.spec;
}

/**
 * Runs the fixture with --json until the probes are attached, makes `calls` getppid() calls, waits for `until` to
 * hold over stdout, stops the run with Ctrl-C and returns its lines, each checked against the fixture's schema.
 */
async function runJson(fixture: string, spec: CollectionSpec, calls: number, until: (stdout: string) => boolean, params: string[] = []): Promise<{ lines: string[]; records: Printed[] }> {
  const args = ["run", fixture, "--json", "--verbose", "--param", `pid=${process.pid}`, ...params.flatMap((p) => ["--param", p])];
  const child: ChildProcess = spawn(process.execPath, [join(root, "bin/tsbpf.js"), ...args], { cwd: root, env });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => (stdout += d));
  child.stderr!.on("data", (d: Buffer) => (stderr += d));
  const exit = new Promise<number | null>((r) => child.on("exit", (c) => r(c)));
  try {
    // --verbose logs "loaded and attached" on stderr once the probes are attached (stdout holds only records).
    await waitFor(() => /^loaded and attached in /m.test(stderr) || child.exitCode !== null, "the probes to attach");
    for (let i = 0; i < calls; i++) void process.ppid;
    await waitFor(() => until(stdout) || child.exitCode !== null, `the records of ${calls} calls`);
  } finally {
    child.kill("SIGINT");
  }
  assert.is(await exit, 0, stderr);
  const lines = stdout.split("\n");
  assert.is(lines.pop(), "", "the last line ends in a newline");
  const schema = recordSchemaFor(spec);
  const records = lines.map((line, i) => {
    const record = JSON.parse(line) as Printed;
    const r = schema.safeParse(record);
    assert.ok(r.success, `line ${i + 1} of ${fixture} does not match its schema:\n${line}\n${r.success ? "" : z.prettifyError(r.error)}`);
    return record;
  });
  const first = records[0] as Printed & { version?: number };
  // begin and end handlers count, as bpftrace counts BEGIN and END.
  const probes = spec.programs.filter((p) => p.attach.kind !== "none").length;
  assert.equal([first.type, first.version, first.data], ["attached_probes", JSON_FORMAT_VERSION, { probes }]);
  assert.ok(records.slice(1).every((r) => !("version" in r) && r.type !== "attached_probes"), "the version in the first record only");
  return { lines, records };
}

const count = (stdout: string, type: string) => stdout.split("\n").filter((l) => l.startsWith(`{"type":"${type}"`)).length;
/** The one map of a map record, by name. */
const mapValue = (records: readonly Printed[], name: string) => records.find((r) => r.type !== "event" && r.type !== "printf" && `@${name}` in r.data)?.data[`@${name}`];
const jsonType = (v: unknown) => (Array.isArray(v) ? "array" : v === null ? "null" : typeof v);

const RECORDS = "test/fixtures/json/records.ts";

kernelTest(test, "every line of a run with every field kind and every aggregation matches the tracer's schema", async () => {
  const spec = specOf(RECORDS);
  const first = await runJson(RECORDS, spec, 3, (out) => count(out, "event") >= 3);
  const empty = first.records;
  // The maps that can stay empty get a value in a second run: their records keep their JSON type.
  const full = (await runJson(RECORDS, spec, 3, (out) => count(out, "event") >= 3, ["never=1"])).records;
  for (const records of [empty, full]) {
    assert.equal(new Set(records.map((r) => r.type)), new Set(["attached_probes", "event", "printf", "map", "stats", "hist"]));
    const lines = records.filter((r) => r.type === "printf").map((r) => r.data as unknown as string);
    assert.is(lines[0], "begin\n");
    assert.is(lines.at(-1), "end true\n", "the end handler's line comes before the maps");
    assert.equal(lines.slice(1, -1).map((l) => l.replace(/^\d\d:\d\d:\d\d /, "")), ["call 1 by node\n", "call 2 by node\n", "call 3 by node\n"]);
    const bySyscall = records.find((r) => r.type === "map" && "@bySyscall" in r.data) as unknown as { top: number; keys: number; data: Record<string, unknown> };
    assert.equal([bySyscall.top, bySyscall.keys], [1, 2]);
    if (process.arch === "x64") assert.equal(bySyscall.data["@bySyscall"], { getppid: 6 });
    const events = records.filter((r) => r.type === "event");
    assert.is(events.length, 3);
    events.forEach((e, i) => {
      assert.is(e.channel, "events");
      assert.is(e.data.pid, process.pid);
      assert.equal(e.data.words, ["one", "two"], "the two unwritten slots are left out");
      assert.equal(e.data.nums, [i + 1, 0, 0], "numbers keep their length");
      assert.is(e.data.neg, -(e.data.ts as number));
    });
    assert.is(mapValue(records, "calls"), 3);
    assert.equal(mapValue(records, "byCall"), { "1,node": 1, "2,node": 1, "3,node": 1 });
    assert.equal(mapValue(records, "spread"), { count: 3, average: 2, total: 6 });
  }
  // 2^64 - 1 and -2^63 with all their digits (JSON.parse rounds them: read the text)
  const events = first.lines.filter((l) => l.startsWith('{"type":"event"'));
  assert.ok(events.every((l) => l.includes('"top":18446744073709551615,"bottom":-9223372036854775808,')), events.join("\n"));
  // every exported map has a record, but for the unkeyed min that saw no value; the same JSON type in both runs
  const exported = spec.maps.filter((m) => m.exported && !m.events).map((m) => m.name);
  assert.equal(exported.filter((n) => mapValue(empty, n) === undefined), ["unseen"]);
  assert.equal(exported.filter((n) => mapValue(full, n) === undefined), []);
  for (const n of exported.filter((x) => x !== "unseen")) assert.is(jsonType(mapValue(empty, n)), jsonType(mapValue(full, n)), n);
  assert.equal([mapValue(empty, "unseenCount"), mapValue(empty, "unseenByPid"), mapValue(empty, "unseenHist")], [0, {}, []]);
  assert.equal([mapValue(full, "unseenCount"), mapValue(full, "unseenByPid"), mapValue(full, "unseen")], [2, { [process.pid]: 2 }, 2]);
});

kernelTest(test, "a burst that fills a one-page ring buffer and perf buffer ends in lost_events records that match the schema", async () => {
  const fixture = "test/fixtures/json/lost.ts";
  const spec = specOf(fixture);
  // 2,000 calls in a few milliseconds; four events fit in each buffer: the reader cannot keep up.
  const { records } = await runJson(fixture, spec, 2000, (out) => count(out, "event") >= 2 * 4);
  const lost = records.filter((r) => r.type === "lost_events");
  assert.equal(lost.map((r) => r.channel).sort(), ["perf", "ring"]);
  for (const channel of ["ring", "perf"]) {
    const events = records.filter((r) => r.type === "event" && r.channel === channel).length;
    const dropped = lost.find((r) => r.channel === channel)!.data.events as number;
    assert.is(events + dropped, 2000, channel);
  }
  // the lost events come last, after every event
  assert.ok(records.slice(-2).every((r) => r.type === "lost_events"));
});

test.run();
