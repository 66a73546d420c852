// Ctrl-C and SIGTERM at any moment of `tsbpf run`'s start-up stop it promptly and leave nothing in the kernel: 50
// signals (SIGINT and SIGTERM in turn) at random points of the start-up of a tool with main() and of opensnoop,
// spread over the window measured first (spawn to attached, cached compile) and a little past it. Before the probes
// are attached the run is cancelled and dies by the signal; after, it stops cleanly and exits 0 (main()'s code, and
// main() reports what it saw). Either way the process ends within a bound and no map of the run (and so no program:
// each holds its maps) and no tracefs entry of its pid is left.

import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Sys } from "../../runtime/kernel/sys.ts";
import { kernelTest } from "../support/kernel.ts";
import { freshTag, leftOver, objectsOf, reap, type RunChild, type Scratch, scratchProject, spawnRun, STACK, within } from "../support/stop.ts";
import { Random } from "../fuzz/random.ts";

const TRIALS = 50;
/** How long a run may take to end after its signal: a hang, not a speed (the machine may be loaded). */
const EXIT_BOUND_MS = 20_000;

/** A seeded generator (the fuzzers' mulberry32), so that a failure names the seed that reproduces its delays. */
function random(seed: number): () => number {
  const r = new Random(seed);
  return () => r.next();
}

interface Tool {
  readonly name: string;
  readonly file: string;
  readonly tag: string;
  readonly args: readonly string[];
  /** After a clean stop: what stdout must show. */
  readonly cleanStdout?: RegExp;
}

/** Where in start-up a signal landed, by what the run had printed (--verbose). */
type Phase = "starting" | "compiled" | "attaching" | "attached";

function phase(stderr: string): Phase {
  if (/^loaded and attached in /m.test(stderr)) return "attached";
  if (/^Attaching \d+ probes?\.\.\./m.test(stderr)) return "attaching";
  return /^compiled in /m.test(stderr) ? "compiled" : "starting";
}

interface Outcome {
  readonly delay: number;
  readonly signal: NodeJS.Signals;
  readonly phase: Phase;
}

async function trial(sys: Sys, scratch: Scratch, tool: Tool, delay: number, signal: NodeJS.Signals, seed: number): Promise<Outcome> {
  const r = spawnRun(["run", "--verbose", tool.file, ...tool.args], { env: scratch.env });
  try {
    return await signalled(sys, tool, r, delay, signal, seed);
  } finally {
    reap(r);
  }
}

async function signalled(sys: Sys, tool: Tool, r: RunChild, delay: number, signal: NodeJS.Signals, seed: number): Promise<Outcome> {
  const what = `${tool.name}, ${signal} at ${delay.toFixed(0)} ms (seed ${seed})`;
  await new Promise((resolve) => setTimeout(resolve, delay));
  const sent = performance.now();
  r.child.kill(signal);
  const end = await within(r.exit, EXIT_BOUND_MS, `${what}: the run did not end`);
  // "loaded and attached" is printed synchronously with the run's switch from start-up to running.
  const landed = phase(r.stderr);
  const out = `${what}: ${JSON.stringify(end)}\n${r.stderr}${r.stdout}`;
  if (landed === "attached") {
    assert.equal([end.code, end.signal], [0, null], `a stop once attached is a clean end: ${out}`);
    if (tool.cleanStdout) assert.match(r.stdout, tool.cleanStdout, out);
  } else {
    assert.equal([end.code, end.signal], [null, signal], `a cancelled start-up dies by its signal: ${out}`);
  }
  assert.not.match(r.stderr, STACK, out);
  assert.ok(end.at >= sent);
  assert.equal(await leftOver(sys, tool.tag, r.pid), { maps: [], probes: [] }, `left in the kernel: ${out}`);
  return { delay, signal, phase: landed };
}

kernelTest(test, `SIGINT and SIGTERM at ${TRIALS} random points of start-up (a tool with main(), opensnoop): the run ends promptly and the kernel keeps nothing of it`, async (sys) => {
  const scratch = scratchProject();
  const calibration: RunChild[] = [];
  try {
    const mainTag = freshTag();
    const snoopTag = freshTag();
    const tools: Tool[] = [
      {
        name: "ppid-main", tag: mainTag, file: await scratch.tool("test/fixtures/tools/ppid-main.ts", mainTag, ["calls", "events"]), args: ["--", "forever"],
        cleanStdout: /^\{"args":\["forever"\],"limit":3,"seen":3,"counted":"3"\}$/m,
      },
      { name: "opensnoop", tag: snoopTag, file: await scratch.tool("samples/opensnoop.ts", snoopTag, ["pending", "events"]), args: [] },
    ];
    // The start-up window of each, measured with the cache warm and both starting at once, as in the trials: spawn
    // to attached. The kernel has the run's maps then (the check below sees them), and a SIGINT then is a clean stop.
    const windows = new Map<Tool, { attaching: number; attached: number }>();
    await Promise.all(tools.map(async (tool) => {
      const r = spawnRun(["run", "--verbose", tool.file, ...tool.args], { env: scratch.env });
      calibration.push(r);
      await r.stderrMatch(/^Attaching \d+ probes?\.\.\./m);
      const attaching = performance.now() - r.started;
      await r.stderrMatch(/^loaded and attached in /m);
      windows.set(tool, { attaching, attached: performance.now() - r.started });
      assert.ok(objectsOf(sys, tool.tag, r.pid).maps.length >= 2, `the run's maps are visible while attached: ${JSON.stringify(objectsOf(sys, tool.tag, r.pid))}`);
      r.child.kill("SIGINT");
      const end = await within(r.exit, EXIT_BOUND_MS, `${tool.name}: SIGINT once attached`);
      assert.equal([end.code, end.signal], [0, null], r.stderr);
      if (tool.cleanStdout) assert.match(r.stdout, tool.cleanStdout, r.stdout);
      assert.equal(await leftOver(sys, tool.tag, r.pid), { maps: [], probes: [] });
    }));
    // The two tools' trials run side by side (their tags differ); each tool's one after another.
    const seed = Date.now() >>> 0;
    const next = random(seed);
    const plans = tools.map((tool) => ({ tool, trials: [] as { delay: number; signal: NodeJS.Signals }[] }));
    for (let i = 0; i < TRIALS; i++) {
      const plan = plans[i % plans.length]!;
      const w = windows.get(plan.tool)!;
      // Half over the whole window and a little past it; half around loading and attaching, which is short but
      // where the kernel's objects come into being (as the machine's load varies, they spread over both sides).
      // Each tool's k-th trial: the two ranges in turn, and each with both signals.
      const k = Math.floor(i / plans.length);
      const [from, to] = k % 2 === 0 ? [0, 1.3 * w.attached] : [0.8 * w.attaching, 1.2 * w.attached];
      plan.trials.push({ delay: from + next() * (to - from), signal: Math.floor(k / 2) % 2 === 0 ? "SIGINT" : "SIGTERM" });
    }
    const outcomes = (await Promise.all(plans.map(async ({ tool, trials }) => {
      const done: Outcome[] = [];
      for (const t of trials) done.push(await trial(sys, scratch, tool, t.delay, t.signal, seed));
      return done;
    }))).flat();
    assert.is(outcomes.length, TRIALS);
    // The signals landed all over start-up (a slower machine moves them later, a faster one earlier): in three of
    // its phases at least, and both signals before the probes were attached.
    const phases = new Map<Phase, number>();
    for (const o of outcomes) phases.set(o.phase, (phases.get(o.phase) ?? 0) + 1);
    const spread = `${JSON.stringify(Object.fromEntries(phases))} (seed ${seed}, windows ${[...windows.values()].map((w) => `${w.attaching.toFixed(0)}/${w.attached.toFixed(0)}`).join(", ")} ms)`;
    assert.ok(phases.size >= 3, spread);
    const cancelled = outcomes.filter((o) => o.phase !== "attached");
    assert.ok(cancelled.some((o) => o.signal === "SIGINT") && cancelled.some((o) => o.signal === "SIGTERM"), spread);
  } finally {
    for (const r of calibration) reap(r);
    scratch.remove();
  }
});

test.run();
