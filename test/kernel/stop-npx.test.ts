// `npx tsbpf run` is three processes: npm, the `sh -c` it runs the command with, and the tracer. npm forwards
// SIGTERM to the shell only, which dies of it; the tracer asked the kernel for a SIGHUP when its parent dies
// (bin/parent.js), and stops on it as on SIGTERM: cleanly (main() returns and reports), everything released.

import { readdirSync, readFileSync } from "node:fs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { kernelTest } from "../support/kernel.ts";
import { freshTag, leftOver, objectsOf, reap, scratchProject, spawnRun, STACK, within } from "../support/stop.ts";

const BOUND_MS = 30_000;

/** The processes whose command line has `arg`: a tracer that outlived a failed test, to end. */
function processesWith(arg: string): number[] {
  const out: number[] = [];
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").includes(arg)) out.push(Number(pid));
    } catch {
      // gone since the listing
    }
  }
  return out;
}

kernelTest(test, "SIGTERM to npx's own process (npm) stops the tracer behind its shell cleanly, and the kernel keeps nothing", async (sys) => {
  const scratch = scratchProject();
  const tag = freshTag();
  const file = await scratch.tool("test/fixtures/tools/ppid-main.ts", tag, ["calls", "events"]);
  // npx resolves tsbpf to this checkout: the package in the working directory.
  const r = spawnRun(["tsbpf", "run", "--verbose", file, "--", "forever"], { env: scratch.env, command: ["npx"] });
  const closed = new Promise<void>((resolve) => r.child.on("close", () => resolve()));
  try {
    await r.stderrMatch(/^loaded and attached in /m, 120_000);
    const tracers = processesWith(file);
    assert.is(tracers.length, 1, `one tracer process: ${tracers.join(", ")}`);
    assert.not.ok(tracers.includes(r.pid), "npm is not the tracer");
    assert.ok(objectsOf(sys, tag, tracers[0]!).maps.length >= 2, "the run's maps exist while it runs");
    r.child.kill("SIGTERM");
    // The pipes close when their last holder, the tracer, has exited.
    await within(closed, BOUND_MS, `the tracer's end after SIGTERM to npm:\n${r.stderr}`);
    assert.match(r.stdout, /^\{"args":\["forever"\],"limit":3,"seen":3,"counted":"3"\}$/m, `main() returned after a clean stop:\n${r.stdout}\n${r.stderr}`);
    assert.not.match(r.stderr, STACK, r.stderr);
    assert.equal(processesWith(file), []);
    assert.equal((await leftOver(sys, tag, tracers[0]!)).maps, []);
  } finally {
    reap(r);
    for (const pid of processesWith(file)) process.kill(pid, "SIGKILL");
    scratch.remove();
  }
});

test.run();
