// The snoop samples end to end (root): opensnoop, execsnoop and killsnoop loaded with load() (and opensnoop with
// `tsbpf run`, as a user starts it), driven by a real workload — a child process opening files, execs from a shell
// whose pid we know, signals sent from this process — and their events read back. Other processes on the machine
// trace too, so the checks keep the workload's own events, by pid.

import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import koffi from "koffi";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { load } from "../../load.ts";
import { kernelTest } from "../support/kernel.ts";
import { waitFor } from "../support/wait.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
/** Loads a sample with its exported maps typed as the module declares them. */
async function loadSample<M>(name: string, params: Record<string, number | boolean> = {}) {
  const t = await load<M>(join(root, `samples/${name}.ts`), { params });
  return { t, maps: t.maps };
}


const O_WRONLY = 0o1;
const O_CREAT = 0o100;
const O_EXCL = 0o200;
const O_TRUNC = 0o1000;
const O_CLOEXEC = 0o2000000;
const ENOENT = 2;
const ESRCH = 3;
const MISSING = "/nonexistent-tsbpf/file";

// ---- opensnoop --------------------------------------------------------------------------------------------------

/**
 * A child that opens files when told to: it says "ready" once started, waits for a line on stdin, then opens
 * `existing` for reading and `created` for writing (openat, through fs.openSync), MISSING (fails with ENOENT), and on
 * x86_64 `existing` again with open(2) and openat2(2) (syscall(2), through koffi; loaded before "ready", so that
 * loading it opens nothing later). It prints the fds it got as JSON and exits.
 */
const OPENER = `
const fs = require("node:fs");
const [existing, created, missing] = process.argv.slice(1);
let raw;
if (process.arch === "x64") {
  const syscall = require("koffi").load("libc.so.6").func("long syscall(long nr, ...)");
  const how = Buffer.alloc(24); // struct open_how { u64 flags = O_RDONLY; u64 mode; u64 resolve; }
  raw = () => ({
    open: syscall(2, "str", existing, "int", 0),
    openat2: syscall(437, "int", -100, "str", existing, "void *", how, "size_t", 24),
  });
}
process.stdout.write("ready\\n");
process.stdin.once("data", () => {
  const fds = { read: fs.openSync(existing, "r"), write: fs.openSync(created, "wx") };
  try { fs.openSync(missing, "r"); } catch {}
  console.log(JSON.stringify({ ...fds, ...raw?.() }));
  process.exit(0);
});
`;

interface Opener {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Tells the child to open its files; resolves with the fds it got once it has exited. */
  go(): Promise<Record<string, number>>;
}

/** Starts OPENER in `dir` and waits until it is ready. */
async function opener(dir: string): Promise<Opener> {
  const existing = join(dir, "existing");
  writeFileSync(existing, "x");
  // cwd: the package, where require("koffi") finds it.
  const child = spawn(process.execPath, ["-e", OPENER, existing, join(dir, "created"), MISSING], { cwd: root, stdio: ["pipe", "pipe", "inherit"] });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d));
  const exited = new Promise<number | null>((r) => child.on("exit", (c) => r(c)));
  await new Promise<void>((resolve, reject) => {
    const check = () => (out.startsWith("ready\n") ? resolve() : undefined);
    child.stdout!.on("data", check);
    void exited.then((c) => reject(new Error(`the opener exited (${c}) before it was ready: ${out}`)));
  });
  return {
    child,
    pid: child.pid!,
    async go() {
      child.stdin!.end("go\n");
      assert.is(await exited, 0, out);
      return JSON.parse(out.slice("ready\n".length)) as Record<string, number>;
    },
  };
}

kernelTest(test, "opensnoop: the child's opens with their fds, flags and paths, a missing file with ENOENT; --param pid filters", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tsbpf-opensnoop-"));
  try {
    const w = await opener(dir);
    const { t, maps } = await loadSample<typeof import("../../samples/opensnoop.ts")>("opensnoop", { pid: w.pid });
    try {
      const fds = await w.go();
      const events = maps.events.drain();
      // Only the child's: the filter is in the kernel.
      assert.equal([...new Set(events.map((e) => e.pid))], [w.pid]);
      const ours = events.filter((e) => e.path.startsWith(dir) || e.path === MISSING);
      const expected = [
        { pid: w.pid, comm: "node", fd: fds.read!, errno: 0, flags: O_CLOEXEC, path: join(dir, "existing") },
        { pid: w.pid, comm: "node", fd: fds.write!, errno: 0, flags: O_WRONLY | O_CREAT | O_EXCL | O_TRUNC | O_CLOEXEC, path: join(dir, "created") },
        { pid: w.pid, comm: "node", fd: -1, errno: ENOENT, flags: O_CLOEXEC, path: MISSING },
      ];
      if (process.arch === "x64") {
        expected.push(
          { pid: w.pid, comm: "node", fd: fds.open!, errno: 0, flags: 0, path: join(dir, "existing") },
          { pid: w.pid, comm: "node", fd: fds.openat2!, errno: 0, flags: 0, path: join(dir, "existing") },
        );
      }
      assert.equal(ours, expected);
      assert.ok(fds.read! >= 3 && fds.write! > fds.read!, JSON.stringify(fds));
      assert.is(maps.events.lost, 0n);
    } finally {
      await t.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

kernelTest(test, "opensnoop --param failed=true: only the open that failed", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tsbpf-opensnoop-"));
  try {
    const w = await opener(dir);
    const { t, maps } = await loadSample<typeof import("../../samples/opensnoop.ts")>("opensnoop", { pid: w.pid, failed: true });
    try {
      await w.go();
      assert.equal(maps.events.drain(), [{ pid: w.pid, comm: "node", fd: -1, errno: ENOENT, flags: O_CLOEXEC, path: MISSING }]);
    } finally {
      await t.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

kernelTest(test, "tsbpf run samples/opensnoop.ts prints the child's opens as columns, and stops on Ctrl-C", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tsbpf-opensnoop-"));
  try {
    const w = await opener(dir);
    const env = { ...process.env, TSBPF_CACHE_DIR: join(dir, "cache"), NO_COLOR: "1" };
    // --verbose says when the probes are attached, not only that attaching has begun.
    const run = spawn(process.execPath, [join(root, "bin/tsbpf.js"), "run", "samples/opensnoop.ts", "--verbose", "--param", `pid=${w.pid}`], { cwd: root, env });
    let stdout = "";
    let stderr = "";
    run.stdout.on("data", (d: Buffer) => (stdout += d));
    const exited = new Promise<number | null>((r) => run.on("exit", (c) => r(c)));
    await new Promise<void>((resolve, reject) => {
      run.stderr.on("data", (d: Buffer) => {
        stderr += d;
        if (/Attaching 6 probes/.test(stderr) && /loaded and attached/.test(stderr)) resolve();
      });
      void exited.then((c) => reject(new Error(`tsbpf run exited (${c}) before attaching:\n${stderr}`)));
    });
    const fds = await w.go();
    const line = (fd: number, errno: number, flags: number, path: string) =>
      new RegExp(`^\\s*${w.pid} node\\s+${fd}\\s+${errno}\\s+0x${flags.toString(16)} ${path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`, "m");
    await waitFor(() => line(fds.read!, 0, O_CLOEXEC, join(dir, "existing")).test(stdout) && line(-1, ENOENT, O_CLOEXEC, MISSING).test(stdout), "both opens printed").catch(() => undefined);
    run.kill("SIGINT");
    assert.is(await exited, 0, stderr);
    const lines = stdout.split("\n");
    assert.match(lines[0]!, /^\s+PID COMM\s+FD\s+ERRNO\s+FLAGS PATH$/);
    assert.match(stdout, line(fds.read!, 0, O_CLOEXEC, join(dir, "existing")));
    assert.match(stdout, line(-1, ENOENT, O_CLOEXEC, MISSING));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// ---- execsnoop --------------------------------------------------------------------------------------------------

kernelTest(test, "execsnoop: a shell's execs with their parents, results and arguments; a failed exec; argv cut at 20", async () => {
  const { t, maps } = await loadSample<typeof import("../../samples/execsnoop.ts")>("execsnoop");
  try {
    const long = "L".repeat(200);
    // The shell forks for echo, then replaces itself with a program that does not exist.
    const script = `/bin/echo alpha 'beta  gamma' '' ${long}; exec /nonexistent-tsbpf/prog`;
    const sh = spawnSync("/bin/sh", ["-c", script], { encoding: "utf8" });
    assert.is(sh.stdout, `alpha beta  gamma  ${long}\n`);
    assert.is.not(sh.status, 0);
    const many = Array.from({ length: 25 }, (_, i) => `a${i + 1}`);
    const tr = spawnSync("/bin/true", many);
    assert.is(tr.status, 0);

    const events = maps.events.drain();
    const shell = events.filter((e) => e.pid === sh.pid);
    const echo = events.filter((e) => e.ppid === sh.pid);
    const truncated = events.filter((e) => e.pid === tr.pid);
    // Unused argv slots are empty strings.
    const argv = (...a: string[]) => [...a, ...Array<string>(20 - a.length).fill("")];
    assert.equal(shell, [
      // The argument is cut at 127 bytes (Str<128> with its NUL).
      { pid: sh.pid, ppid: process.pid, comm: "sh", ret: 0, argc: 3, truncated: false, argv: argv("/bin/sh", "-c", script.slice(0, 127)) },
      // A failed exec keeps the caller's name.
      { pid: sh.pid, ppid: process.pid, comm: "sh", ret: -ENOENT, argc: 1, truncated: false, argv: argv("/nonexistent-tsbpf/prog") },
    ]);
    assert.equal(echo, [
      { pid: echo[0]?.pid ?? 0, ppid: sh.pid, comm: "echo", ret: 0, argc: 5, truncated: false, argv: argv("/bin/echo", "alpha", "beta  gamma", "", long.slice(0, 127)) },
    ]);
    assert.equal(truncated, [
      { pid: tr.pid, ppid: process.pid, comm: "true", ret: 0, argc: 20, truncated: true, argv: ["/bin/true", ...many.slice(0, 19)] },
    ]);
    const { format } = await import("../../samples/execsnoop.ts");
    assert.is(format(truncated[0]!), `true             ${String(tr.pid).padStart(7)} ${String(process.pid).padStart(7)}   0 /bin/true ${many.slice(0, 19).join(" ")} ...`);
    assert.is(maps.events.lost, 0n);
  } finally {
    await t.close();
  }
});

// ---- killsnoop --------------------------------------------------------------------------------------------------

kernelTest(test, "killsnoop: signals this process sends with kill and tgkill, with their results; ESRCH for a pid that cannot exist", async () => {
  const { t, maps } = await loadSample<typeof import("../../samples/killsnoop.ts")>("killsnoop");
  const sleeper = spawn("/bin/sleep", ["30"], { stdio: "ignore" });
  try {
    const exited = new Promise<NodeJS.Signals | null>((r) => sleeper.on("exit", (_, signal) => r(signal)));
    await new Promise<void>((r) => sleeper.on("spawn", () => r()));
    const target = sleeper.pid!;
    // No pid is above pid_max.
    const nobody = Number(readFileSync("/proc/sys/kernel/pid_max", "utf8")) + 1;
    const tgkill = koffi.load("libc.so.6").func("int tgkill(int tgid, int tid, int sig)");

    process.kill(target, 0);
    assert.is(tgkill(target, target, 18 /* SIGCONT */), 0);
    process.kill(target, "SIGTERM");
    assert.throws(() => process.kill(nobody, "SIGTERM"), (e: NodeJS.ErrnoException) => e.code === "ESRCH");
    assert.is(await exited, "SIGTERM");

    const ours = maps.events.drain().filter((e) => e.pid === process.pid && (e.tpid === target || e.tpid === nobody));
    const comm = readFileSync("/proc/self/comm", "utf8").trim();
    assert.equal(ours, [
      { pid: process.pid, comm, sig: 0, tpid: target, result: 0 },
      { pid: process.pid, comm, sig: 18, tpid: target, result: 0 },
      { pid: process.pid, comm, sig: 15, tpid: target, result: 0 },
      { pid: process.pid, comm, sig: 15, tpid: nobody, result: -ESRCH },
    ]);
    assert.is(maps.events.lost, 0n);
  } finally {
    sleeper.kill("SIGKILL");
    await t.close();
  }
});

test.run();
