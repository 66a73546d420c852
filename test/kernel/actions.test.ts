// What handlers ask of user space, in a real run (test/fixtures/tools/actions.ts): the begin line first, a line per
// call with the wall-clock time, a map printed and cleared from an interval, exit() ending the run with status 0,
// the end line before the maps; all in the order the handlers asked.

import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { kernelTest } from "../support/kernel.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const env = { ...process.env, TSBPF_CACHE_DIR: mkdtempSync(join(tmpdir(), "tsbpf-cache-")), NO_COLOR: "1" };

kernelTest(test, "print, print(map), clear and exit from handlers; begin and end; in order", async () => {
  const child = spawn(process.execPath, [join(root, "bin/tsbpf.js"), "run", "test/fixtures/tools/actions.ts", "--param", `pid=${process.pid}`, "--verbose"],
    { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (err += d));
  const code = new Promise<number | null>((r) => child.on("close", r));
  while (!/loaded and attached/.test(err)) {
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  // Two calls (process.ppid asks the kernel each time), before the first tick or soon after: each a line, both
  // counted by the tick that follows them.
  const started = Date.now();
  void process.ppid;
  void process.ppid;
  const status = await Promise.race([code, new Promise<string>((r) => setTimeout(() => r("timeout"), 15_000))]);
  if (status === "timeout") child.kill("SIGKILL");
  assert.is(status, 0, `exit() ends the run normally: ${err}`);
  assert.ok(Date.now() - started < 10_000);
  const lines = out.split("\n");
  assert.is(lines[0], "begin", out);
  const calls = lines.filter((l) => l.startsWith("call at "));
  assert.is(calls.length, 2, out);
  for (const l of calls) {
    const m = /^call at (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\.(\d{6}) by (\S+) \((\d+)\)$/.exec(l);
    assert.ok(m, l);
    assert.is(Number(m![4]), process.pid);
    // The wall-clock time of the call: within seconds of now, in local time as strftime gives it.
    const when = new Date(m![1]!.replace(" ", "T")).getTime();
    assert.ok(Math.abs(when - started) < 5000, `${m![1]} is not now`);
  }
  const ticks = lines.filter((l) => l.startsWith("tick "));
  assert.equal(ticks, ["tick 1", "tick 2", "tick 3"], out);
  // The calls are printed once, by the tick after them, then cleared: later ticks print nothing for them.
  const printed = lines.filter((l) => l.startsWith("@calls["));
  assert.equal(printed, [`@calls[${process.pid}]: 2`], out);
  const at = (l: string) => lines.indexOf(l);
  assert.ok(at(calls[1]!) < at(printed[0]!), "a call's line comes before the tick that prints its count");
  assert.ok(at("tick 3") < at("end"), "end runs after the last tick");
  // At the end, the map is empty (cleared by the last print's tick): nothing after "end" but the blank line.
  assert.equal(lines.slice(at("end") + 1).filter(Boolean), [], out);
});


kernelTest(test, "a tool with main(): its handlers' lines print while main() runs", async () => {
  const child = spawn(process.execPath, [join(root, "bin/tsbpf.js"), "run", "test/fixtures/tools/print-main.ts", "--verbose", "--", "--only", String(process.pid)],
    { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  let printedAt: number | undefined;
  child.stdout.on("data", (d) => {
    out += d;
    if (printedAt === undefined && out.includes("getppid by ")) printedAt = Date.now();
  });
  child.stderr.on("data", (d) => (err += d));
  const code = new Promise<number | null>((r) => child.on("close", r));
  while (!/loaded and attached/.test(err) && child.exitCode === null) await new Promise((r) => setTimeout(r, 20));
  void process.ppid;
  void process.ppid;
  assert.is(await code, 0, err);
  const endedAt = Date.now();
  assert.equal(out.split("\n").filter((l) => l.startsWith("getppid by ")), [`getppid by ${process.pid}`, `getppid by ${process.pid}`], out);
  // main() waits 1.5 s after the probes are attached: the lines came while it ran, not when the run ended.
  assert.ok(printedAt !== undefined && endedAt - printedAt > 700, `printed ${printedAt === undefined ? "never" : `${endedAt - printedAt} ms before the end`}`);
});

test.run();
