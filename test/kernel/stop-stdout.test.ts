// A stalled or closed stdout never holds a run: with nobody reading its stdout, Ctrl-C and --duration still stop
// the run at once (probes detached, kernel objects released, lost events reported on stderr) and the output
// written so far waits for the reader, who then gets all of it; a closed stdout (EPIPE) stops the run with a
// one-line note and exit 0; a --duration beyond setTimeout's 2^31-1 ms does not fire at once. The workload is this
// process's own getppid() calls, so every count is exact.

import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Sys } from "../../runtime/kernel/sys.ts";
import { kernelTest } from "../support/kernel.ts";
import { freshTag, leftOver, reap, type RunChild, type Scratch, scratchProject, spawnRun, STACK, within } from "../support/stop.ts";

const BOUND_MS = 20_000;

/** getppid() calls by this process: the tracer's tracepoint, filtered to our pid. */
const calls = (n: number) => {
  for (let i = 0; i < n; i++) void process.ppid;
};

let scratch: Scratch | undefined;
/** The ppid.ts fixture with its maps tagged (and its ring buffer `ringBytes` long), compiled into the children's cache. */
async function ppidTool(tag: string, ringBytes?: number): Promise<string> {
  scratch ??= scratchProject();
  const ring = ringBytes === undefined ? undefined : (text: string) => text.replace("new RingBuffer<Call>(1 << 16)", `new RingBuffer<Call>(${ringBytes})`);
  return scratch.tool("test/fixtures/tools/ppid.ts", tag, ["calls", "events"], ring);
}

function run(file: string, extra: readonly string[], stdout: "read" | "stalled"): RunChild {
  return spawnRun(["run", "--verbose", file, "--param", `pid=${process.pid}`, ...extra], { env: scratch!.env, stdout });
}

/** Lines of the events table that are our calls, and the count map's line. */
function summary(stdout: string, tag: string): { events: number; counted: number | undefined } {
  const events = stdout.split("\n").filter((l) => new RegExp(`^\\s*${process.pid}\\s+\\d+ node\\s+\\d+$`).test(l)).length;
  const m = new RegExp(`^@${tag}calls\\[${process.pid}\\]: (\\d+)$`, "m").exec(stdout);
  return { events, counted: m ? Number(m[1]) : undefined };
}

/** The run's "Lost N events" line (text output: on stderr). */
function lostOf(stderr: string, tag: string): number {
  const m = new RegExp(`^Lost (\\d+) events? on ${tag}events`, "m").exec(stderr);
  return m ? Number(m[1]) : 0;
}

/**
 * Stalls the run's stdout with far more than a pipe holds, stops it with `stop`, and checks what a stop must do
 * without the reader; then reads, and checks that nothing was lost. The 1 MiB ring buffer holds about 26,000 of the
 * 60,000 events (40 bytes each): with the stalled reader the rest are lost, and what the ring holds at the stop is
 * about 900 KB of text, several times what the pipe and this process's paused stream take in (with the 64 KiB ring
 * of ppid.ts, what was left at the stop sometimes fit in them, and the run ended without waiting).
 */
async function stalled(sys: Sys, extra: readonly string[], stop: (r: RunChild) => void): Promise<void> {
  const tag = freshTag();
  const file = await ppidTool(tag, 1 << 20);
  const r = run(file, extra, "stalled");
  try {
    await stalledRun(sys, tag, r, stop);
  } finally {
    reap(r);
  }
}

async function stalledRun(sys: Sys, tag: string, r: RunChild, stop: (r: RunChild) => void): Promise<void> {
  await r.stderrMatch(/^loaded and attached in /m);
  const N = 60_000;
  calls(N);
  stop(r);
  // Stopped and released while stdout still holds what was written: the lost events are reported, and the run says
  // that it waits for the reader.
  await within(r.stderrMatch(/^tsbpf run: stopped; waiting for stdout's reader to take the last \d+ bytes/m), BOUND_MS, "the note on the waiting output");
  const lost = lostOf(r.stderr, tag);
  assert.ok(lost > 0, `a stalled reader makes the ring buffer drop events: ${r.stderr}`);
  assert.equal(await leftOver(sys, tag, r.pid), { maps: [], probes: [] }, "released before the reader read");
  assert.is(r.child.exitCode, null, "the process waits for its reader");
  // The reader comes back: it gets everything, and the run ends normally.
  r.child.stdout!.on("data", (d: Buffer) => (r.stdout += d));
  const end = await within(r.exit, BOUND_MS, "the exit once stdout is read");
  assert.equal([end.code, end.signal], [0, null], r.stderr);
  const s = summary(r.stdout, tag);
  assert.is(s.counted, N, "every call counted in the kernel");
  assert.is(s.events + lost, N, `every event printed or reported lost: ${s.events} + ${lost}`);
  assert.not.match(r.stderr, STACK);
}

kernelTest(test, "stdout stalled (nobody reads it): Ctrl-C stops the run, releases everything and reports lost events; the output waits for the reader", async (sys) => {
  await stalled(sys, [], (r) => r.child.kill("SIGINT"));
});

kernelTest(test, "stdout stalled: --duration stops the run the same way", async (sys) => {
  // Long enough for this process to make its calls after it sees the run attached, on a loaded machine too (6 s was
  // not, once, while the serve tests ran beside it: the run stopped before the calls, and nothing was lost).
  await stalled(sys, ["--duration", "12"], () => {});
});

kernelTest(test, "stdout closed by its reader (EPIPE): the run stops with a one-line note, exit 0, and releases everything", async (sys) => {
  const tag = freshTag();
  const file = await ppidTool(tag);
  const r = run(file, [], "read");
  try {
    await closedRun(sys, tag, r);
  } finally {
    reap(r);
  }
});

async function closedRun(sys: Sys, tag: string, r: RunChild): Promise<void> {
  await r.stderrMatch(/^loaded and attached in /m);
  calls(1);
  // The reader takes the header and the first event, then goes away, as `| head -2` does.
  await within(new Promise<void>((resolve) => {
    const check = () => summary(r.stdout, tag).events >= 1 && resolve();
    r.child.stdout!.on("data", check);
    check();
  }), BOUND_MS, "the first event");
  r.child.stdout!.destroy();
  // Events keep coming until a write fails; the run then stops by itself.
  let exited = false;
  void r.exit.then(() => (exited = true));
  const until = performance.now() + BOUND_MS;
  while (!exited && performance.now() < until) {
    calls(100);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const end = await within(r.exit, 1, "the run's end after EPIPE");
  assert.equal([end.code, end.signal], [0, null], r.stderr);
  assert.match(r.stderr, /^tsbpf run: stdout was closed \(EPIPE\): stopping$/m);
  assert.is(r.stderr.split("\n").filter((l) => l.includes("stdout was closed")).length, 1, r.stderr);
  assert.not.match(r.stderr, STACK, r.stderr);
  assert.equal(await leftOver(sys, tag, r.pid), { maps: [], probes: [] });
}

kernelTest(test, "--duration 2200000 (more than setTimeout's 2^31-1 ms) runs until stopped instead of stopping at once", async (sys) => {
  const tag = freshTag();
  const file = await ppidTool(tag);
  const r = run(file, ["--duration", "2200000"], "read");
  try {
    await r.stderrMatch(/^loaded and attached in /m);
    // Still tracing two seconds after attaching (an overflowed timer ends the run 1 ms after attaching): a call every
    // 200 ms, each waited for as an event. What is checked is an absence over time, so time it takes.
    const rounds = 10;
    for (let i = 1; i <= rounds; i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      calls(1);
      let check = () => {};
      await within(new Promise<void>((resolve, reject) => {
        check = () => {
          if (summary(r.stdout, tag).events === i) resolve();
          else if (r.child.exitCode !== null) reject(new Error(`the run ended after ${i - 1} events:\n${r.stdout}\n${r.stderr}`));
        };
        r.child.stdout!.on("data", check);
        void r.exit.then(check);
        check();
      }), BOUND_MS, `event ${i}:\n${r.stdout}\n${r.stderr}`).finally(() => r.child.stdout!.off("data", check));
    }
    r.child.kill("SIGINT");
    const end = await within(r.exit, BOUND_MS, "the exit after SIGINT");
    assert.equal([end.code, end.signal], [0, null], r.stderr);
    assert.equal(summary(r.stdout, tag), { events: rounds, counted: rounds });
    assert.equal(await leftOver(sys, tag, r.pid), { maps: [], probes: [] });
  } finally {
    reap(r);
  }
});

test.after(() => scratch?.remove());

test.run();
