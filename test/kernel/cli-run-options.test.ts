// `tsbpf run`'s bpftrace-like options against a real run: -o FILE takes everything the run prints on stdout (event
// lines, maps, NDJSON records) while stderr keeps its messages; -q leaves out "Attaching N probes..." (and, with
// -f json, the attached_probes record); and `tsbpf file.ts [options]` / `tsbpf [options] file.ts`, without the
// command word, is the same run. The workload is this process's own getppid() calls (test/fixtures/tools/ppid.ts).

import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { kernelTest } from "../support/kernel.ts";
import { waitFor } from "../support/wait.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const dir = mkdtempSync(join(tmpdir(), "tsbpf-run-options-"));
const env = { ...process.env, TSBPF_CACHE_DIR: join(dir, "cache"), NO_COLOR: "1" };
const fixture = "test/fixtures/tools/ppid.ts";

interface Run {
  readonly child: ChildProcess;
  stdout: string;
  stderr: string;
  readonly exit: Promise<number | null>;
}

/** `tsbpf <args> --verbose --param pid=<this process>`, its output gathered. */
function tsbpf(args: string[]): Run {
  const child = spawn(process.execPath, [join(root, "bin/tsbpf.js"), ...args, "--verbose", "--param", `pid=${process.pid}`], { cwd: root, env });
  const r: Run = { child, stdout: "", stderr: "", exit: new Promise((resolve) => child.on("exit", (c) => resolve(c))) };
  child.stdout!.on("data", (d: Buffer) => (r.stdout += d));
  child.stderr!.on("data", (d: Buffer) => (r.stderr += d));
  return r;
}

/** Attached (--verbose says so), then `n` getppid() calls, then Ctrl-C once the run has `seen` them. */
async function traceCalls(r: Run, n: number, seen: () => boolean): Promise<number | null> {
  await waitFor(() => /^loaded and attached in /m.test(r.stderr), `the run to attach:\n${r.stderr}`, 60_000);
  for (let i = 0; i < n; i++) void process.ppid;
  await waitFor(seen, `the run to see ${n} calls`);
  r.child.kill("SIGINT");
  return r.exit;
}

const eventLine = new RegExp(`^\\s*${process.pid}\\s+\\d+ node\\s+\\d+$`, "gm");

kernelTest(test, "tsbpf file.ts -o FILE -q: events and maps in FILE, nothing on stdout, no Attaching line", async () => {
  const out = join(dir, "text.out");
  const r = tsbpf([fixture, "-o", out, "-q"]);
  const code = await traceCalls(r, 3, () => (readFileSync(out, "utf8").match(eventLine) ?? []).length >= 3);
  assert.is(code, 0, r.stderr);
  assert.is(r.stdout, "");
  assert.not.match(r.stderr, "Attaching");
  const text = readFileSync(out, "utf8");
  assert.match(text, /^\s+PID\s+TID COMM\s+TS$/m);
  assert.is(text.match(eventLine)?.length, 3, text);
  assert.match(text, new RegExp(`^@calls\\[${process.pid}\\]: 3$`, "m"));
});

kernelTest(test, "tsbpf -f json -q file.ts --output FILE: NDJSON in FILE, without attached_probes; -q's absence keeps it", async () => {
  const out = join(dir, "json.out");
  const quiet = tsbpf(["-f", "json", "-q", fixture, "--output", out]);
  const records = () => readFileSync(out, "utf8").split("\n").filter((l) => l).map((l) => JSON.parse(l) as { type: string });
  assert.is(await traceCalls(quiet, 2, () => records().filter((x) => x.type === "event").length >= 2), 0, quiet.stderr);
  assert.is(quiet.stdout, "");
  assert.equal(records().map((x) => x.type), ["event", "event", "map"]);

  const loud = tsbpf(["run", fixture, "--json"]);
  const lines = () => loud.stdout.split("\n").filter((l) => l).map((l) => JSON.parse(l) as { type: string });
  assert.is(await traceCalls(loud, 1, () => lines().some((x) => x.type === "event")), 0, loud.stderr);
  assert.equal(lines().map((x) => x.type), ["attached_probes", "event", "map"]);
});

kernelTest(test, "without -q, the Attaching line on stderr; -o empties a file that held something", async () => {
  const out = join(dir, "text.out");
  const r = tsbpf([fixture, "-o", out]);
  assert.is(await traceCalls(r, 1, () => (readFileSync(out, "utf8").match(eventLine) ?? []).length >= 1), 0, r.stderr);
  assert.match(r.stderr, /^Attaching 1 probe\.\.\.$/m);
  assert.is(readFileSync(out, "utf8").match(eventLine)?.length, 1);
});

test.run();
