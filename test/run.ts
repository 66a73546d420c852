// `npm test`: rebuilds a stale dist/, then runs every test runner (typecheck, each uvu test file, bpf_conformance) as child processes, streams
// their output, and ends with one line of its own: `tests: N passed, M failed, K skipped`.
//
// Counts never come from parsing what a test prints: each uvu test file runs in its own process through
// test/support/run-file.ts, which reports its counts and its skips (test/support/skip.ts) as JSON on a pipe of its
// own (fd 3). A crash, a hang past the time limit or a file that fails to load is a failure of that file. Under
// CI=true a skip is a failure unless it is a kernel feature the running kernel was probed to lack, and uvu's own
// `test.skip`/`test.only` (which say no reason) are failures.

import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { availableParallelism } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { bundleMatchesSources } from "../bin/fresh.js";
import type { FileReport } from "./support/run-file.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const tsx = ["--import", "tsx"];
const inCI = process.env.CI === "true";
/** A test file that runs longer than this is stopped and counted as failed (the slowest take about a minute). */
const FILE_LIMIT_MS = 10 * 60_000;
/** `npm test -- <regex>`: only the uvu test files whose path matches, without the typecheck and conformance. */
const only = process.argv[2] === undefined ? undefined : new RegExp(process.argv[2]);

interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

interface Outcome {
  readonly out: string;
  readonly code: number;
  readonly report: string;
  readonly timedOut: boolean;
}

/**
 * Runs node with `args`; fd 3 is a pipe for its report. Its output is streamed, or with `buffered` kept and printed
 * whole when it ends (test files run two at a time: their lines must not interleave).
 */
function run(args: string[], env: NodeJS.ProcessEnv = process.env, buffered = false): Promise<Outcome> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: root, stdio: ["ignore", "pipe", "pipe", "pipe"], env });
    let out = "";
    let report = "";
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGTERM");
      setTimeout(() => child.kill("SIGKILL"), 10_000).unref();
    }, FILE_LIMIT_MS);
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      if (!buffered) process.stdout.write(d);
    });
    child.stderr!.on("data", (d: Buffer) => {
      out += d.toString();
      if (!buffered) process.stderr.write(d);
    });
    (child.stdio[3] as NodeJS.ReadableStream).on("data", (d: Buffer) => (report += d.toString()));
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      // eslint-disable-next-line no-control-regex
      resolve({ out: out.replace(/\x1b\[[0-9;]*m/g, ""), code: code ?? (signal ? 128 : 1), report, timedOut });
    });
  });
}

const notes: string[] = [];
const total: Counts = { passed: 0, failed: 0, skipped: 0 };
const add = (c: Counts) => {
  total.passed += c.passed;
  total.failed += c.failed;
  total.skipped += c.skipped;
};

// dist/ is what `import "tsbpf"` runs (package.json's exports) and what bin/tsbpf.js prefers: rebuilt first when the
// sources changed since it was built, so that the tests that use the package as its users do run this code.
if (!bundleMatchesSources(root)) {
  console.log("\n== npm run build (dist/ does not match the sources)");
  const o = await run([...tsx, "cli/bundle.ts"]);
  if (o.code !== 0) {
    add({ passed: 0, failed: 1, skipped: 0 });
    notes.push(`cli/bundle.ts: exit ${o.code}: dist/ is stale, and the tests that import tsbpf by name fail`);
  }
}

// The type check: one test.
if (!only) {
  console.log("\n== typecheck");
  const o = await run([...tsx, "test/typecheck.ts"]);
  const ok = /typecheck: 0 errors/.test(o.out) && o.code === 0;
  add({ passed: ok ? 1 : 0, failed: ok ? 0 : 1, skipped: 0 });
  if (!ok) notes.push("typecheck: failed");
}

// uvu: one process per test file.
function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((e) => (e.isDirectory() ? testFiles(join(dir, e.name)) : e.name.endsWith(".test.ts") ? [join(dir, e.name)] : []));
}

/** A file's counts from its report; anything unexpected (no report, a crash, a load error, a hang) is a failure. */
function countFile(name: string, o: Outcome): Counts {
  let r: FileReport;
  try {
    r = JSON.parse(o.report.trim().split("\n").pop() ?? "") as FileReport;
  } catch {
    notes.push(`${name}: ${o.timedOut ? `stopped after ${FILE_LIMIT_MS / 60_000} min` : `ended (exit ${o.code}) without reporting its counts`}`);
    return { passed: 0, failed: 1, skipped: 0 };
  }
  if (r.loadError !== undefined) {
    notes.push(`${name}: failed to load: ${r.loadError.split("\n")[0]}`);
    return { passed: 0, failed: 1, skipped: 0 };
  }
  const c: Counts = { passed: r.ran, failed: r.total - r.ran, skipped: 0 };
  for (const s of r.skips) {
    const allowed = !inCI || s.feature !== undefined;
    notes.push(`${name}: skip${allowed ? "" : " (a failure under CI=true)"}: ${s.reason}`);
    c.passed--;
    if (allowed) c.skipped++;
    else c.failed++;
  }
  if (c.passed < 0) {
    notes.push(`${name}: skip() was called outside a test that then passed`);
    c.failed += -c.passed;
    c.passed = 0;
  }
  if (r.uvuSkipped) {
    notes.push(`${name}: ${r.uvuSkipped} test(s) left out by uvu's test.skip/test.only, which give no reason${inCI ? " (failures under CI=true)" : ""}`);
    if (inCI) c.failed += r.uvuSkipped;
    else c.skipped += r.uvuSkipped;
  }
  if (o.timedOut) {
    notes.push(`${name}: stopped after ${FILE_LIMIT_MS / 60_000} min`);
    c.failed++;
  } else if (o.code !== 0 && c.failed === 0) {
    notes.push(`${name}: exit code ${o.code} with every test passed (an error after the tests?)`);
    c.failed = 1;
  }
  return c;
}

// Test files run JOBS at a time (most of a file's time is its own process starting); each file's output is printed
// whole when it ends, under its name. TSBPF_TEST_JOBS=1 streams them one by one.
const JOBS = Math.max(1, Number(process.env.TSBPF_TEST_JOBS) || Math.min(2, availableParallelism()));
const queue = testFiles(join(root, "test")).map((f) => relative(root, f)).filter((name) => !only || only.test(name));
async function worker(): Promise<void> {
  for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
    if (JOBS === 1) console.log(`\n== ${name}`);
    const o = await run([...tsx, "test/support/run-file.ts", name], { ...process.env, TSBPF_TEST_REPORT_FD: "3" }, JOBS > 1);
    if (JOBS > 1) process.stdout.write(`\n== ${name}\n${o.out}`);
    add(countFile(name, o));
  }
}
await Promise.all(Array.from({ length: JOBS }, worker));

// bpf_conformance: its counts, reported on its pipe like a test file's.
if (!only) {
  console.log("\n== conformance");
  const o = await run([...tsx, "test/conformance/main.ts"], { ...process.env, TSBPF_TEST_REPORT_FD: "3" });
  let c: Counts;
  try {
    c = JSON.parse(o.report.trim().split("\n").pop() ?? "") as Counts;
    if (o.code !== 0 && c.failed === 0) c.failed = 1;
  } catch {
    c = { passed: 0, failed: 1, skipped: 0 };
    notes.push(`test/conformance/main.ts: ended (exit ${o.code}) without reporting its counts`);
  }
  add(c);
}

if (notes.length) console.log(`\n${notes.join("\n")}`);
console.log(`\ntests: ${total.passed} passed, ${total.failed} failed${total.skipped ? `, ${total.skipped} skipped` : ""}`);
process.exitCode = total.failed ? 1 : 0;
