// -p and -c against real processes: `tsbpf run -p PID` (and load() with { pid }) counts only that process (all its
// threads, uprobes included) while a twin process does the same work, and ends by itself when the process exits; `-c CMD` traces the command
// it starts (dd's reads counted exactly), keeps the command's output off stdout, and leaves no process behind
// whether the command ends, the run is stopped (Ctrl-C, --duration) or attaching fails.

import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { load } from "../../load.ts";
import { kernelTest } from "../support/kernel.ts";
import { waitFor } from "../support/wait.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const scratch = mkdtempSync(join(tmpdir(), "tsbpf-target-"));
const env = { ...process.env, TSBPF_CACHE_DIR: join(scratch, "cache"), NO_COLOR: "1" };
const READS = "test/fixtures/tools/reads.ts";

interface Run {
  readonly child: ChildProcess;
  stdout: string;
  stderr: string;
  /** The traced process's pid, once --verbose has said it. */
  readonly pid: () => number | undefined;
  readonly attached: () => boolean;
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function run(args: string[]): Run {
  const child = spawn(process.execPath, [join(root, "bin/tsbpf.js"), "run", "--verbose", ...args], { cwd: root, env });
  const r: Run = {
    child, stdout: "", stderr: "",
    pid: () => {
      const m = /^tracing process (\d+)$/m.exec(r.stderr);
      return m ? Number(m[1]) : undefined;
    },
    attached: () => /^loaded and attached in /m.test(r.stderr),
    exit: new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal }))),
  };
  child.stdout!.on("data", (d: Buffer) => (r.stdout += d));
  child.stderr!.on("data", (d: Buffer) => (r.stderr += d));
  return r;
}

async function attached(r: Run): Promise<void> {
  let over = false;
  void r.exit.then(() => (over = true));
  await waitFor(() => r.attached() || over, "the probes attached", 60_000);
  if (!r.attached()) throw new Error(`tsbpf run ended before attaching:\n${r.stderr}`);
}

/** The run's exit, which must come by itself (the traced process ended, or the run was stopped). */
async function ended(r: Run): Promise<number | null> {
  let code: number | null | undefined;
  void r.exit.then((e) => (code = e.code));
  try {
    await waitFor(() => code !== undefined, "tsbpf run to end by itself", 60_000);
  } catch (e) {
    r.child.kill("SIGTERM");
    throw e;
  }
  return code!;
}

/** Whether a process is gone: no /proc entry, or a zombie (init reaps it when it gets to it). */
function gone(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    return /^[ZX]/.test(stat.slice(stat.lastIndexOf(")") + 2));
  } catch {
    return true;
  }
}

/** A map's lines `@name[key]: value` (or `@name: value`) of a run's output, as key → value. */
function entries(stdout: string, name: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of stdout.matchAll(new RegExp(`^@${name}(?:\\[(\\d+)\\])?: (\\d+)$`, "gm"))) out.set(m[1] ?? "", Number(m[2]));
  return out;
}

/**
 * A Node process that, on a line on stdin, reads 4093 bytes from /dev/zero and calls getppid() 100 times on its main
 * thread, 200 and 300 times on two worker threads, then exits.
 */
function workload(): ChildProcess {
  const work = `
    const fs = require("node:fs");
    function work(n) {
      const fd = fs.openSync("/dev/zero", "r");
      const b = Buffer.alloc(4093);
      for (let i = 0; i < n; i++) { fs.readSync(fd, b, 0, b.length, null); void process.ppid; }
      fs.closeSync(fd);
    }`;
  const worker = `${work}\nwork(require("node:worker_threads").workerData);`;
  const main = `${work}
    const { Worker } = require("node:worker_threads");
    process.stdin.once("data", async () => {
      const workers = [200, 300].map((n) => new Promise((res, rej) => {
        new Worker(${JSON.stringify(worker)}, { eval: true, workerData: n }).on("exit", res).on("error", rej);
      }));
      work(100);
      await Promise.all(workers);
      process.exit(0);
    });
    process.stdout.write("ready\\n");`;
  return spawn(process.execPath, ["-e", main], { stdio: ["pipe", "pipe", "inherit"] });
}

async function ready(p: ChildProcess): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    p.stdout!.once("data", () => resolve());
    p.once("exit", (c) => reject(new Error(`the workload exited (${c}) before it was ready`)));
  });
}

kernelTest(test, "-p counts only that process, each of its threads, uprobes included, and the run ends when it exits", async () => {
  const target = workload();
  const twin = workload();
  try {
    await Promise.all([ready(target), ready(twin)]);
    const r = run([READS, "-p", String(target.pid), "--param", "size=4093"]);
    // load() with { pid } alongside: the same filter.
    const loaded = await load<typeof import("../fixtures/tools/reads.ts")>(join(root, READS), { pid: target.pid!, params: { size: 4093 } });
    await attached(r);
    assert.is(r.pid(), target.pid);
    target.stdin!.end("go\n");
    twin.stdin!.end("go\n");
    assert.is(await ended(r), 0, r.stderr);
    assert.equal(entries(r.stdout, "reads"), new Map([["", 600]]), r.stdout);
    const byThread = entries(r.stdout, "readsByThread");
    assert.equal([...byThread.values()].sort((a, b) => a - b), [100, 200, 300], r.stdout);
    assert.is(byThread.get(String(target.pid)), 100, "the main thread's id is the process id");
    assert.equal(entries(r.stdout, "getppids"), new Map([[String(target.pid), 600]]), r.stdout);
    assert.is(loaded.maps.reads.get(), 600n);
    assert.is(loaded.maps.getppids.get(target.pid!), 600n);
    await loaded.close();
  } finally {
    target.kill("SIGKILL");
    twin.kill("SIGKILL");
  }
});

kernelTest(test, "-c traces the command it starts: dd's 5000 one-byte reads, its output on stderr, the run ends with it", async () => {
  const r = run([READS, "-c", "dd if=/dev/zero of=/dev/null bs=1 count=5000", "--param", "size=1"]);
  assert.is(await ended(r), 0, r.stderr);
  assert.equal(entries(r.stdout, "reads"), new Map([["", 5000]]), r.stdout);
  assert.equal([...entries(r.stdout, "readsByThread").keys()], [String(r.pid())]);
  assert.match(r.stderr, /^5000\+0 records in$/m);
  assert.not.match(r.stdout, /records/);
  // All of dd's reads, once: the same as bpftrace -c counts with /pid == cpid/ (5003 here: the dynamic linker's read of
  // libc and two of dd's own beside the 5000), and never another process's.
  const all = run([READS, "-c", "dd if=/dev/zero of=/dev/null bs=1 count=5000"]);
  assert.is(await ended(all), 0, all.stderr);
  const n = entries(all.stdout, "reads").get("")!;
  assert.ok(n >= 5000 && n < 5010, all.stdout);
});

kernelTest(test, "-p and -c take a compiled .tsbpf too: the filter is added when it is loaded", async () => {
  const artifact = join(scratch, "reads.tsbpf");
  const b = spawnSync(process.execPath, [join(root, "bin/tsbpf.js"), "build", READS, "-o", artifact], { cwd: root, env, encoding: "utf8" });
  assert.is(b.status, 0, b.stderr);
  const r = run([artifact, "-c", "dd if=/dev/zero of=/dev/null bs=1 count=3000", "--param", "size=1"]);
  assert.is(await ended(r), 0, r.stderr);
  assert.equal(entries(r.stdout, "reads"), new Map([["", 3000]]), r.stdout);
});

kernelTest(test, "-c: a failing command ends the run with a note on stderr, and tsbpf's own exit status", async () => {
  const r = run([READS, "-c", "sh -c 'exit 3'"]);
  assert.is(await ended(r), 0, r.stderr);
  assert.match(r.stderr, /^tsbpf run: the command exited with status 3$/m);
});

kernelTest(test, "-c: Ctrl-C or --duration stops the run and ends the command; no process is left", async () => {
  const r = run([READS, "-c", "sleep 1000"]);
  await attached(r);
  const pid = r.pid()!;
  // Let go once attached: sleep runs, with libc mapped (the dynamic linker read its header: one read counted).
  await waitFor(() => !gone(pid) && /libc\.so/.test(readFileSync(`/proc/${pid}/maps`, "latin1")), "sleep to run");
  r.child.kill("SIGINT");
  assert.is(await ended(r), 0, r.stderr);
  assert.ok(gone(pid), "the command is gone when tsbpf has exited");
  assert.match(r.stdout, /^@reads: [1-9]\d*$/m, "the maps are printed");

  const d = run([READS, "-c", "sleep 1000", "--duration", "0.5"]);
  assert.is(await ended(d), 0, d.stderr);
  assert.ok(gone(d.pid()!), "the command is gone after --duration");
});

kernelTest(test, "-c: Ctrl-C while the probes are being attached kills the held command before it ran", async () => {
  for (let i = 0; i < 5; i++) {
    const marker = join(scratch, `held-${i}`);
    const r = run([READS, "-c", `touch ${marker}`]);
    // "tracing process N" comes once the command is held, just before loading and attaching.
    await waitFor(() => r.pid() !== undefined || r.child.exitCode !== null, "the command to be held", 60_000);
    r.child.kill("SIGINT");
    const { code, signal } = await r.exit;
    assert.ok(gone(r.pid()!), "the held shell is gone");
    // Stopped before attaching: the run dies by the signal and the command never ran (attached first: a normal end).
    if (signal === "SIGINT") assert.not.ok(existsSync(marker), "the command never ran");
    else assert.is(code, 0, r.stderr);
  }
});

kernelTest(test, "-c: when attaching fails, the held command is killed before it ran", async () => {
  const marker = join(scratch, "ran");
  const r = run(["test/fixtures/tools/no-symbol.ts", "-c", `touch ${marker}`]);
  assert.is(await ended(r), 1, r.stderr);
  assert.match(r.stderr, /tsbpf_no_such_function/);
  assert.ok(gone(r.pid()!), "the held shell is gone");
  assert.not.ok(existsSync(marker), "the command never ran");
});

kernelTest(test, "-p with a process that exits while traced: the run ends by itself and prints the maps", async () => {
  const sleeper = spawn("sleep", ["1000"], { stdio: "ignore" });
  const r = run([READS, "-p", String(sleeper.pid)]);
  await attached(r);
  sleeper.kill("SIGTERM");
  assert.is(await ended(r), 0, r.stderr);
  assert.match(r.stderr, /^tracing process \d+$/m);
});

test.run();
