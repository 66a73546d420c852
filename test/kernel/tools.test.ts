// Event streams and the user side, as users meet them: `tsbpf run` printing a tracer's events (columns, NDJSON),
// a one-file tool whose main() runs in the same process with the module's maps bound (arguments, load-time
// parameters from them, exit code, Ctrl-C ending its event loop), and `load()` from a Node program.

import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { load } from "../../load.ts";
import type { Count, RingBuffer } from "../../stdlib-types/index.js";
import { kernelTest } from "../support/kernel.ts";
import { waitFor } from "../support/wait.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const env = { ...process.env, TSBPF_CACHE_DIR: mkdtempSync(join(tmpdir(), "tsbpf-cache-")), NO_COLOR: "1" };

interface Run {
  readonly child: ChildProcess;
  stdout: string;
  stderr: string;
  /** Resolves once the probes are attached. */
  readonly attached: Promise<void>;
  readonly exit: Promise<number | null>;
}

function run(args: string[]): Run {
  // --verbose logs "loaded and attached" once the probes are attached ("Attaching N probes..." comes before).
  const child = spawn(process.execPath, [join(root, "bin/tsbpf.js"), "run", "--verbose", ...args], { cwd: root, env });
  const r: Run = {
    child, stdout: "", stderr: "",
    // Rejects if the run ends first (a compile error...), with what it printed.
    attached: new Promise<void>((resolve, reject) => {
      const check = () => {
        if (/^loaded and attached in /m.test(r.stderr)) resolve();
      };
      child.stdout!.on("data", (d: Buffer) => ((r.stdout += d), check()));
      child.stderr!.on("data", (d: Buffer) => ((r.stderr += d), check()));
      child.on("exit", (c) => reject(new Error(`tsbpf run exited (${c}) before attaching:\n${r.stderr}`)));
    }),
    exit: new Promise((resolve) => child.on("exit", (c) => resolve(c))),
  };
  r.attached.catch(() => {}); // a test that only awaits the exit does not care
  return r;
}

/** getppid() calls by this process: the fixtures' tracepoint. */
const calls = (n: number) => {
  for (let i = 0; i < n; i++) void process.ppid;
};

kernelTest(test, "tsbpf run prints each event as a line, columns from the event type, then the exported maps", async () => {
  const r = run(["test/fixtures/tools/ppid.ts", "--param", `pid=${process.pid}`]);
  await r.attached;
  calls(4);
  const rows = () => r.stdout.split("\n").filter((l) => new RegExp(`^\\s*${process.pid}\\s+\\d+ node\\s+\\d+$`).test(l));
  await waitFor(() => rows().length >= 4, "4 event lines");
  r.child.kill("SIGINT");
  assert.is(await r.exit, 0, r.stderr);
  const lines = r.stdout.split("\n");
  assert.match(lines[0]!, /^\s+PID\s+TID COMM\s+TS$/);
  assert.is(rows().length, 4, r.stdout);
  assert.match(r.stdout, new RegExp(`^@calls\\[${process.pid}\\]: 4$`, "m"));
});

kernelTest(test, "tsbpf run prints events with the module's format(event, channel) when it exports one, under its header", async () => {
  const r = run(["test/fixtures/tools/ppid-format.ts", "--param", `pid=${process.pid}`]);
  await r.attached;
  calls(2);
  await waitFor(() => r.stdout.split("asked for its parent").length - 1 >= 2, "2 formatted events");
  r.child.kill("SIGINT");
  assert.is(await r.exit, 0, r.stderr);
  assert.equal(r.stdout.trim().split("\n"), ["CHANNEL: COMM[PID]", `events: node[${process.pid}] asked for its parent`, `events: node[${process.pid}] asked for its parent`]);
});

kernelTest(test, "tsbpf run --json writes one event record per event, then the maps", async () => {
  const r = run(["test/fixtures/tools/ppid.ts", "--json", "--param", `pid=${process.pid}`]);
  await r.attached;
  calls(3);
  await waitFor(() => (r.stdout.match(/"type":\s*"event"/g)?.length ?? 0) >= 3, "3 event records");
  r.child.kill("SIGINT");
  assert.is(await r.exit, 0, r.stderr);
  const records = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as { type: string; channel?: string; data: Record<string, unknown> });
  const events = records.filter((x) => x.type === "event");
  assert.is(events.length, 3, r.stdout);
  assert.is(events[0]!.channel, "events");
  assert.is(events[0]!.data.pid, process.pid);
  assert.is(events[0]!.data.comm, "node");
  assert.type(events[0]!.data.ts, "number");
  const map = records.find((x) => x.type === "map" && "@calls" in x.data);
  assert.equal(map?.data["@calls"], { [String(process.pid)]: 3 }, r.stdout);
});

kernelTest(test, "a tool's main() runs with its arguments, its maps bound, its parameters from -- --name value, and its exit code", async () => {
  const r = run(["test/fixtures/tools/ppid-main.ts", "--", "--limit", "5", "extra"]);
  const code = await r.exit;
  assert.is(code, 7, r.stderr);
  const out = JSON.parse(r.stdout.trim().split("\n").at(-1)!) as { args: string[]; limit: number; seen: number; counted: string };
  assert.equal(out, { args: ["--limit", "5", "extra"], limit: 5, seen: 5, counted: "5" });
});

kernelTest(test, "Ctrl-C ends a tool's event loop (the maps stay readable) and the run exits with main's code", async () => {
  const r = run(["test/fixtures/tools/ppid-main.ts", "--", "forever"]);
  await r.attached;
  // The tool says on stderr when it has seen its own 3 calls; only then does Ctrl-C test the loop's end.
  await waitFor(() => /^seen 3$/m.test(r.stderr), "the tool to see its 3 calls");
  r.child.kill("SIGINT");
  assert.is(await r.exit, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split("\n").at(-1)!) as { limit: number; seen: number; counted: string };
  assert.is(out.seen, 3);
  assert.is(out.counted, "3");
});

kernelTest(test, "load(): compiled, loaded, attached; typed maps and events; close() ends iterators and frees the kernel objects", async () => {
  const t = await load(join(root, "test/fixtures/tools/ppid.ts"), { params: { pid: process.pid } });
  const maps = t.maps as unknown as { calls: Count<number>; events: RingBuffer<{ pid: number; tid: number; comm: string; ts: bigint }> };
  try {
    assert.equal(Object.keys(t.maps).sort(), ["calls", "events"]);
    assert.equal(t.programs, [{ name: "sys_enter_getppid", attach: "tracepoint:syscalls/sys_enter_getppid" }]);
    calls(6);
    const got: { pid: number; comm: string; ts: bigint }[] = [];
    for await (const e of maps.events) {
      got.push(e);
      if (got.length === 6) break;
    }
    assert.ok(got.every((e) => e.pid === process.pid && e.comm === "node" && typeof e.ts === "bigint"));
    assert.ok(got.every((e, i) => i === 0 || e.ts >= got[i - 1]!.ts), "in order");
    assert.is(maps.calls.get(process.pid), 6n);
    assert.match(t.print(), new RegExp(`^@calls\\[${process.pid}\\]: 6$`, "m"));
    assert.is(maps.events.lost, 0n);
  } finally {
    await t.close();
  }
  assert.ok(t.closed);
  assert.throws(() => maps.calls.get(process.pid), /closed/);
});

kernelTest(test, "load() reports a tracer that does not compile as a CompileError with the diagnostics", async () => {
  try {
    await load(join(root, "test/fixtures/bad-tracer.ts"));
    assert.unreachable("it compiled");
  } catch (e) {
    assert.is((e as Error).name, "CompileError");
    assert.match((e as Error).message, /TSB1008/);
  }
});

kernelTest(test, "stop(): probes detached (in parallel), then the event loops end with what was sent; the maps stay readable until close()", async () => {
  const t = await load<typeof import("../fixtures/tools/ppid.ts")>(join(root, "test/fixtures/tools/ppid.ts"), { params: { pid: process.pid } });
  try {
    calls(3);
    const seen: number[] = [];
    const loop = (async () => {
      for await (const e of t.maps.events) seen.push(e.pid);
    })();
    await t.stop();
    await loop; // ends: stop() ended the stream once the probes were detached
    assert.equal(seen, [process.pid, process.pid, process.pid]);
    assert.is(t.collection.links.length, 0);
    calls(2); // detached: not counted
    assert.is(t.maps.calls.get(process.pid), 3n);
    assert.is(t.stop(), t.stop(), "one stop, shared");
  } finally {
    await t.close();
  }
  assert.ok(t.closed);
});

test.run();
