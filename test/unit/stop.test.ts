// How a run stops, without a kernel: --duration's parsing (one line and exit 2 for what is not a positive number)
// and its timer (chained below setTimeout's 2^31-1 ms limit); the signals (the first requests a stop, a second
// SIGINT or SIGTERM hurries, SIGHUP never does); the guarded stdout (EPIPE reported once, writes dropped, waits
// for "drain" released at stop, flushed()).

import { EventEmitter } from "node:events";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { runCommand } from "../../cli/run.ts";
import { longTimeout, MAX_TIMEOUT_MS, parseDuration, RunStop, type StopReason } from "../../cli/stop.ts";
import { writeAndDrain } from "../../runtime/output/output.ts";
import { GuardedWriter } from "../../runtime/output/stdio.ts";

test("--duration: positive decimal seconds; anything else is a one-line complaint", () => {
  assert.is(parseDuration("10"), 10);
  assert.is(parseDuration("0.5"), 0.5);
  assert.is(parseDuration("2200000"), 2200000);
  assert.is(parseDuration("1e3"), 1000);
  for (const bad of ["abc", "", "0", "-1", "-0.5", "NaN", "Infinity", "1e400", "0x10", "10s", "1,5"]) {
    const r = parseDuration(bad);
    assert.type(r, "string", bad);
    assert.match(r as string, /^--duration takes a number of seconds greater than 0/);
    assert.not.match(r as string, /\n/);
  }
});

/** runCommand(argv) with stderr captured: its exit code and what it wrote. */
async function runCaptured(argv: string[]): Promise<{ code: number; stderr: string }> {
  const write = process.stderr.write;
  let stderr = "";
  process.stderr.write = ((chunk: string | Uint8Array) => ((stderr += String(chunk)), true)) as typeof process.stderr.write;
  try {
    return { code: await runCommand(argv), stderr };
  } finally {
    process.stderr.write = write;
  }
}

test("tsbpf run --duration with a bad value: exactly one line on stderr and exit 2, before compiling anything", async () => {
  for (const value of ["abc", "-5", "NaN", "0", "Infinity"]) {
    for (const argv of [["samples/opensnoop.ts", "--duration", value], ["samples/opensnoop.ts", `--duration=${value}`], ["-d", value, "samples/opensnoop.ts"]]) {
      const r = await runCaptured(argv);
      assert.is(r.code, 2, `${argv.join(" ")}: ${r.stderr}`);
      assert.is(r.stderr, `tsbpf run: --duration takes a number of seconds greater than 0 (such as 10 or 0.5), not ${JSON.stringify(value)}; see tsbpf run --help\n`);
    }
  }
});

/** Fake timers: what was armed, fired by hand. */
function fakeTimers() {
  const armed: { fn: () => void; ms: number; cleared: boolean }[] = [];
  return {
    armed,
    setTimeout: (fn: () => void, ms: number) => {
      armed.push({ fn, ms, cleared: false });
      return armed.length - 1;
    },
    clearTimeout: (t: never) => {
      const a = armed[t as unknown as number];
      if (a) a.cleared = true;
    },
    /** Fires the last armed timer (the chain arms one at a time). */
    fire() {
      const a = armed.at(-1)!;
      if (!a.cleared) a.fn();
    },
  };
}

test("a long --duration is a chain of timers of at most 2^31-1 ms, and fires once, at the end", () => {
  const t = fakeTimers();
  let fired = 0;
  longTimeout(2_200_000 * 1000, () => fired++, t);
  // 2.2e9 ms: one full timer, then the rest.
  assert.equal(t.armed.map((a) => a.ms), [MAX_TIMEOUT_MS]);
  t.fire();
  assert.is(fired, 0);
  assert.equal(t.armed.map((a) => a.ms), [MAX_TIMEOUT_MS, 2_200_000_000 - MAX_TIMEOUT_MS]);
  t.fire();
  assert.is(fired, 1);
  assert.is(t.armed.length, 2);
  // A short one is one timer; a cancelled chain never fires.
  const u = fakeTimers();
  const cancel = longTimeout(500, () => fired++, u);
  assert.equal(u.armed.map((a) => a.ms), [500]);
  cancel();
  u.fire();
  assert.is(fired, 1);
  // Ten years: the chain's length grows with the duration, a timer at a time.
  const v = fakeTimers();
  longTimeout(10 * 365 * 86_400_000, () => fired++, v);
  for (let i = 0; i < 200 && fired === 1; i++) v.fire();
  assert.is(fired, 2);
  assert.is(v.armed.length, Math.ceil((10 * 365 * 86_400_000) / MAX_TIMEOUT_MS));
});

test("RunStop.after(seconds) requests a stop for the duration", async () => {
  const t = fakeTimers();
  const stop = new RunStop();
  stop.after(3000, t);
  assert.equal(t.armed.map((a) => a.ms), [3_000_000]);
  assert.is(stop.signal.aborted, false);
  t.fire();
  assert.equal(await stop.requested, { kind: "duration" } satisfies StopReason);
  assert.is(stop.signal.aborted, true);
  assert.throws(() => stop.signal.throwIfAborted(), (e: Error) => e.name === "RunStopped");
});

test("signals: the first requests a stop; a second SIGINT or SIGTERM hurries (and gives the signals back); SIGHUP never hurries", async () => {
  const before = ["SIGINT", "SIGTERM", "SIGHUP"].map((s) => process.listenerCount(s));
  const stop = new RunStop();
  stop.listen();
  try {
    process.emit("SIGHUP", "SIGHUP");
    assert.equal(stop.reason, { kind: "signal", signal: "SIGHUP" });
    // After a SIGHUP (a parent's death), the SIGTERM sent to the whole group is the same request.
    process.emit("SIGTERM", "SIGTERM");
    assert.is(stop.hurriedBy, undefined);
  } finally {
    stop.unlisten();
  }
  const s2 = new RunStop();
  s2.listen();
  try {
    process.emit("SIGINT", "SIGINT");
    assert.equal(await s2.requested, { kind: "signal", signal: "SIGINT" });
    process.emit("SIGHUP", "SIGHUP");
    assert.is(s2.hurriedBy, undefined);
    process.emit("SIGTERM", "SIGTERM");
    assert.is(await s2.hurried, "SIGTERM");
    assert.is(s2.reason?.kind, "signal", "the first reason stays");
  } finally {
    s2.unlisten();
  }
  assert.equal(["SIGINT", "SIGTERM", "SIGHUP"].map((s) => process.listenerCount(s)), before, "every handler removed");
});

/** A stand-in for process.stdout: a buffer of `capacity` bytes that a test drains or breaks. */
class FakeStream extends EventEmitter {
  writableLength = 0;
  writes: string[] = [];
  callbacks: (() => void)[] = [];
  constructor(private readonly capacity: number) {
    super();
  }
  write(text: string, callback?: (e?: Error | null) => void): boolean {
    this.writes.push(text);
    this.writableLength += text.length;
    if (callback) this.callbacks.push(() => callback());
    return this.writableLength < this.capacity;
  }
  /** The reader takes everything. */
  read(): void {
    this.writableLength = 0;
    for (const c of this.callbacks.splice(0)) c();
    this.emit("drain");
  }
  fail(code: string): void {
    this.emit("error", Object.assign(new Error(`write ${code}`), { code }));
  }
}

test("guarded stdout: a full buffer makes events() wait for the drain, and abandon() (a stop) ends the wait", async () => {
  const s = new FakeStream(4);
  const w = new GuardedWriter(s);
  let done = false;
  const p = writeAndDrain(w, "12345").then(() => (done = true));
  await new Promise((r) => setImmediate(r));
  assert.not.ok(done, "waits for the reader");
  w.abandon();
  await p;
  assert.ok(done, "released by the stop");
  // Later writes buffer without waiting.
  await writeAndDrain(w, "more");
  assert.equal(s.writes, ["12345", "more"]);
  assert.is(w.pending, 9);
  let flushed = false;
  const f = w.flushed().then(() => (flushed = true));
  await new Promise((r) => setImmediate(r));
  assert.not.ok(flushed, "flushed() waits for the reader");
  s.read();
  await f;
  assert.is(w.pending, 0);
});

test("guarded stdout: EPIPE is reported once, never thrown; waiters are released and later writes dropped", async () => {
  const s = new FakeStream(4);
  const errors: string[] = [];
  const w = new GuardedWriter(s, (e) => errors.push(e.code ?? "?"));
  const waiting = writeAndDrain(w, "12345");
  s.fail("EPIPE");
  s.fail("ERR_STREAM_DESTROYED"); // later writes by others (console.log) fail on the same stream
  await waiting;
  assert.equal(errors, ["EPIPE"]);
  assert.is(w.error?.code, "EPIPE");
  assert.ok(w.write("dropped"));
  assert.equal(s.writes, ["12345"]);
  assert.is(w.pending, 0);
  await w.flushed();
  await writeAndDrain(w, "also dropped");
});

test.run();
