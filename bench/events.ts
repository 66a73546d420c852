// Event throughput (issue "Events and the user side", section 5): an opensnoop tracer filtered to one workload
// process that opens and closes a file as fast as it can, per way of reading the events — load() with
// `for await`, load() with drain() every millisecond, `tsbpf run` printing columns into a pipe — against
// bpftrace's printf one-liner, all in the same run. Per tool: events per second delivered to user code (first to
// last delivery), the fraction lost, the consumer's CPU time per event, and the workload's opens per second
// traced against bare. Then the workload is paced at the target (3x bpftrace's delivered rate) to check that
// nothing is lost at that rate, and one more run of each with the kernel's BPF stats on shows how much of a traced
// open is the programs themselves. Medians of RUNS runs. Needs root.

import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, release, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { codecOf } from "../core/object/layout.ts";
import type { CollectionSpec, MapSpec } from "../core/object/spec.ts";
import { load } from "../load.ts";
import { kernel } from "../test/support/kernel.ts";
import { firstLine, median, ratio, which } from "./util.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
/** How long the workload runs, in seconds. */
const SECONDS = 3;
/** Runs of each measurement; the median is reported. */
const RUNS = Number(process.env.RUNS ?? 3);
/** The issue's target, tsbpf's delivered events/s over bpftrace's. Printed, not asserted. */
const TARGET = 3;
/** After the workload has exited, a tracer that prints nothing new for this long has delivered everything. */
const QUIET_MS = 500;
/** A tracer that has not attached by then has failed. */
const START_TIMEOUT_MS = 60_000;
/** A run that has not finished by then has failed (it would otherwise hang the bench). */
const RUN_TIMEOUT_MS = START_TIMEOUT_MS + SECONDS * 1000 + 30_000;

/** The tracer users run. */
const SAMPLE = join(ROOT, "samples", "opensnoop.ts");

/** bpftrace's equivalent, in the `args->field` syntax of bpftrace before 0.20; BEGIN runs once every probe is attached. */
const bpftraceProgram = (pid: number, newSyntax: boolean) => {
  const p = 'BEGIN { printf("READY\\n"); } ' +
    `tracepoint:syscalls:sys_enter_openat /pid == ${pid}/ { @f[tid] = args->filename; } ` +
    'tracepoint:syscalls:sys_exit_openat /@f[tid]/ { printf("%d %s %d %s\\n", pid, comm, args->ret, str(@f[tid])); delete(@f[tid]); }';
  return newSyntax ? p.replaceAll("args->", "args.") : p;
};

const k = (x: number) => `${(x / 1000).toFixed(1)}k`;
const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

// ---- the workload ------------------------------------------------------------------------------------------------

interface Workload {
  readonly describe: string;
  readonly cmd: string;
  readonly args: readonly string[];
  /** The file it opens: each event's path. */
  readonly path: string;
}

interface WorkloadResult {
  readonly opens: number;
  readonly failed: number;
  /** The loop's wall time by the workload's own clock. */
  readonly seconds: number;
}

/** The Node fallback: the C workload's protocol (wait for a line, loop, print the counts) with fs.openSync. */
const NODE_WORKLOAD = `
import { openSync, closeSync } from "node:fs";
const [path, seconds, rate] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4] ?? 0)];
process.stdin.once("data", () => {
  let opens = 0, failed = 0;
  const t0 = performance.now(), end = t0 + seconds * 1000;
  for (let t = t0; t < end; t = performance.now()) {
    for (let i = 0; i < 64; i++, opens++) {
      try { closeSync(openSync(path, "r")); } catch { failed++; }
    }
    if (rate > 0) {
      const ahead = opens / rate * 1000 - (performance.now() - t0);
      if (ahead > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ahead);
    }
  }
  console.log(\`opens=\${opens} failed=\${failed} seconds=\${((performance.now() - t0) / 1000).toFixed(6)}\`);
  process.exit(0);
});`;

/** bench/c/open-workload.c built with clang into `work`, or the Node fallback when clang is missing or fails. */
function makeWorkload(work: string): Workload {
  const path = join(work, "opened-by-the-workload");
  writeFileSync(path, "");
  const clang = which("clang");
  let why = "clang is not installed";
  if (clang) {
    const bin = join(work, "open-workload");
    const cc = spawnSync(clang, ["-O2", "-o", bin, join(ROOT, "bench", "c", "open-workload.c")], { encoding: "utf8" });
    if (cc.status === 0) return { describe: `C (bench/c/open-workload.c, ${firstLine(clang, ["--version"])} -O2): open(2) + close(2)`, cmd: bin, args: [], path };
    why = `clang failed: ${cc.stderr.trim().slice(-300)}`;
  }
  const script = join(work, "open-workload.mjs");
  writeFileSync(script, NODE_WORKLOAD);
  return { describe: `Node fallback (${why}): fs.openSync + fs.closeSync, slower per open than C`, cmd: process.execPath, args: [script], path };
}

interface Started {
  readonly pid: number;
  /** Starts the loop. */
  go(): void;
  /** Resolves once the workload has exited (every open it made has been traced by then). */
  readonly done: Promise<WorkloadResult>;
}

/** Spawns the workload, which waits for go() before opening anything. `rate` paces it (opens/s; 0 = flat out). */
function startWorkload(w: Workload, rate = 0): Started {
  const p = spawn(w.cmd, [...w.args, w.path, String(SECONDS), String(Math.round(rate))], { stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  let err = "";
  p.stdout.on("data", (d: Buffer) => (out += d));
  p.stderr.on("data", (d: Buffer) => (err += d));
  const done = new Promise<WorkloadResult>((resolve, reject) => {
    p.on("error", reject);
    p.on("close", (code) => {
      const m = /opens=(\d+) failed=(\d+) seconds=([\d.]+)/.exec(out);
      if (code !== 0 || !m) return reject(new Error(`workload exited ${code}: ${(out + err).trim().slice(-300)}`));
      resolve({ opens: Number(m[1]), failed: Number(m[2]), seconds: Number(m[3]) });
    });
  });
  if (p.pid === undefined) throw new Error(`cannot start the workload ${w.cmd}`);
  // A run that failed before go() must not leave the workload waiting forever.
  const reaper = setTimeout(() => p.kill("SIGKILL"), RUN_TIMEOUT_MS).unref();
  p.on("close", () => clearTimeout(reaper));
  return { pid: p.pid, go: () => p.stdin.end("go\n"), done };
}

const opensPerSecond = (r: WorkloadResult) => r.opens / r.seconds;

/** Settles `p` within `ms` or fails. */
async function within<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`still running after ${ms / 1000} s`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

// ---- one traced run ------------------------------------------------------------------------------------------------

interface Run {
  readonly workload: WorkloadResult;
  /** Events that reached user code. */
  readonly delivered: number;
  /** Events the tracer reported lost. */
  readonly lost: number;
  /** First to last delivery, in seconds. */
  readonly seconds: number;
  /** The consumer's CPU time (user + system) from go to the last delivery, in seconds. */
  readonly cpu: number;
  /** Time the tracer's BPF programs ran, in ns, and how many times they ran (zero unless kernel.bpf_stats_enabled). */
  readonly bpf: BpfTime;
  /** In-process runs: how long detaching the probes took, in ms (stop() for `for await`, else close()). */
  readonly detachMs?: number;
}

interface BpfTime {
  readonly ns: number;
  readonly runs: number;
}

/**
 * Watches the BPF programs a process holds (its prog fds' fdinfo: prog_id, run_time_ns, run_cnt) every 100 ms;
 * stop() samples once more and returns the sums over distinct programs. The kernel counts only while
 * kernel.bpf_stats_enabled is 1. Sampling ends before the tracer exits, so its programs are still there to read.
 */
function watchBpf(pid: number): { stop(): BpfTime } {
  const last = new Map<number, BpfTime>();
  const sample = () => {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fdinfo`);
    } catch {
      return;
    }
    for (const fd of fds) {
      let info: string;
      try {
        info = readFileSync(`/proc/${pid}/fdinfo/${fd}`, "utf8");
      } catch {
        continue;
      }
      const id = /^prog_id:\s+(\d+)/m.exec(info);
      const ns = /^run_time_ns:\s+(\d+)/m.exec(info);
      const runs = /^run_cnt:\s+(\d+)/m.exec(info);
      if (id && ns && runs) last.set(Number(id[1]), { ns: Number(ns[1]), runs: Number(runs[1]) });
    }
  };
  sample();
  const timer = setInterval(sample, 100).unref();
  return {
    stop() {
      clearInterval(timer);
      sample();
      let ns = 0;
      let runs = 0;
      for (const t of last.values()) {
        ns += t.ns;
        runs += t.runs;
      }
      return { ns, runs };
    },
  };
}

const rateOf = (r: Run) => (r.seconds > 0 ? r.delivered / r.seconds : 0);
/** Lost over what the workload produced (each open is one event). */
const lostOf = (r: Run) => r.lost / r.workload.opens;

interface Tracer {
  readonly file: string;
  readonly spec: CollectionSpec;
  readonly channel: MapSpec;
  /** The load-time parameter that filters on the process id. */
  readonly pidParam: string;
}

/** In this process: load(), then `for await` over the channel, or drain() every millisecond. */
async function inProcess(t: Tracer, w: Workload, mode: "iterator" | "drain", rate = 0): Promise<Run> {
  const wl = startWorkload(w, rate);
  const tracer = await load(t.file, { params: { [t.pidParam]: wl.pid } });
  const bpf = watchBpf(process.pid);
  let run: Run;
  let detachMs: number | undefined;
  let stopping: Promise<void> | undefined;
  try {
    type Channel = AsyncIterable<{ errno?: unknown }> & { drain(): unknown[]; readonly lost: bigint };
    const channel = tracer.map(t.channel.name) as unknown as Channel;
    let delivered = 0;
    let first = 0;
    let last = 0;
    let exited = false;
    const done = wl.done.then((r) => {
      exited = true;
      // Every event of the workload is in the ring or counted lost by now: end the stream once it is drained.
      if (mode === "iterator") {
        const s0 = performance.now();
        stopping = tracer.stop().then(() => void (detachMs = performance.now() - s0));
      }
      return r;
    });
    const cpu0 = process.cpuUsage();
    wl.go();
    if (mode === "iterator") {
      for await (const e of channel) {
        if (e.errno === undefined) throw new Error("an event without errno");
        if (delivered++ === 0) first = performance.now();
        last = performance.now();
      }
    } else {
      for (;;) {
        const batch = channel.drain();
        if (batch.length) {
          if (delivered === 0) first = performance.now();
          delivered += batch.length;
          last = performance.now();
        } else if (exited) break;
        await new Promise((r) => setTimeout(r, 1));
      }
    }
    const cpu = process.cpuUsage(cpu0);
    const workload = await done;
    run = { workload, delivered, lost: Number(channel.lost), seconds: (last - first) / 1000, cpu: (cpu.user + cpu.system) / 1e6, bpf: bpf.stop() };
  } finally {
    const t0 = performance.now();
    await tracer.close();
    await stopping;
    detachMs ??= performance.now() - t0;
  }
  return { ...run, detachMs };
}

/** Counts occurrences of `needle` and sums "Lost N events" lines in a stream of text, line by line. */
class LineCounter {
  hits = 0;
  lost = 0;
  first = 0;
  last = 0;
  #carry: Buffer = Buffer.alloc(0);
  readonly #needle: Buffer;
  readonly #lost = Buffer.from("Lost ");

  constructor(needle: string) {
    this.#needle = Buffer.from(needle);
  }

  feed(chunk: Buffer): void {
    const buf = this.#carry.length ? Buffer.concat([this.#carry, chunk]) : chunk;
    const end = buf.lastIndexOf(10) + 1;
    this.#carry = Buffer.from(buf.subarray(end));
    const before = this.hits;
    for (let i = buf.indexOf(this.#needle); i >= 0 && i < end; i = buf.indexOf(this.#needle, i + this.#needle.length)) this.hits++;
    for (let i = buf.indexOf(this.#lost); i >= 0 && i < end; i = buf.indexOf(this.#lost, i + 5)) {
      const m = /^Lost (\d+) events?/.exec(buf.toString("latin1", i, buf.indexOf(10, i)));
      if (m) this.lost += Number(m[1]);
    }
    if (this.hits > before) {
      const now = performance.now();
      if (before === 0) this.first = now;
      this.last = now;
    }
  }
}

/** CPU time (user + system) of a process so far, in seconds; undefined once it is gone. */
function cpuOf(pid: number): number | undefined {
  try {
    // Fields after the parenthesised comm: utime and stime are the 12th and 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) / 100; // USER_HZ is 100 on every Linux ABI
  } catch {
    return undefined;
  }
}

/**
 * A tracer in its own process, printing events to a pipe that this process counts: spawned with the workload's
 * pid, given go once `ready` matches its output, interrupted once the workload has exited and the tracer has
 * been quiet for QUIET_MS (SIGINT sent again every second: bpftrace 0.17 sometimes misses one that arrives just
 * before it blocks in epoll_wait).
 */
async function childTracer(w: Workload, command: (pid: number) => { cmd: string; args: string[]; env?: NodeJS.ProcessEnv }, ready: RegExp, rate = 0): Promise<Run> {
  const wl = startWorkload(w, rate);
  const { cmd, args, env } = command(wl.pid);
  const p: ChildProcess = spawn(cmd, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  const counter = new LineCounter(w.path);
  // tsbpf run reports lost events on stderr, bpftrace 0.17 on stdout: both streams are scanned.
  const errors = new LineCounter(w.path);
  let text = ""; // what came before ready, for errors
  let started = false;
  let cpu0 = 0;
  let cpu1: number | undefined;
  let lastData = performance.now();
  const exited = new Promise<number | string | null>((resolve, reject) => {
    p.on("error", reject);
    p.on("exit", (code, signal) => resolve(signal ?? code));
  });
  const attached = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${cmd} did not attach within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
    const onData = (d: Buffer, stream: "out" | "err") => {
      lastData = performance.now();
      if (started) {
        (stream === "out" ? counter : errors).feed(d);
        return;
      }
      text += d;
      if (ready.test(text)) {
        started = true;
        clearTimeout(timer);
        resolve();
      }
    };
    p.stdout!.on("data", (d: Buffer) => onData(d, "out"));
    p.stderr!.on("data", (d: Buffer) => onData(d, "err"));
    void exited.then((how) => {
      clearTimeout(timer);
      if (!started) reject(new Error(`${cmd} exited (${how}) before attaching: ${text.trim().split("\n").slice(-5).join(" | ")}`));
    });
  });
  let resend: ReturnType<typeof setInterval> | undefined;
  try {
    await attached;
    const bpf = watchBpf(p.pid!);
    // Output before "ready" holds no event: the workload has not opened anything yet.
    text = "";
    cpu0 = cpuOf(p.pid!) ?? 0;
    wl.go();
    const workload = await wl.done;
    while (performance.now() - lastData < QUIET_MS) await new Promise((r) => setTimeout(r, 50));
    cpu1 = cpuOf(p.pid!);
    const bpfTime = bpf.stop();
    p.kill("SIGINT");
    resend = setInterval(() => p.kill("SIGINT"), 1000);
    await exited;
    return { workload, delivered: counter.hits, lost: counter.lost + errors.lost, seconds: (counter.last - counter.first) / 1000, cpu: (cpu1 ?? cpu0) - cpu0, bpf: bpfTime };
  } finally {
    clearInterval(resend);
    if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
  }
}

// ---- report --------------------------------------------------------------------------------------------------------

interface Summary {
  readonly rate: number;
  readonly lost: number;
  readonly opensPerSecond: number;
  readonly cpuPerEventUs: number;
  readonly runs: readonly Run[];
}

async function repeat(run: () => Promise<Run>): Promise<Summary> {
  const runs: Run[] = [];
  for (let i = 0; i < RUNS; i++) runs.push(await within(run(), RUN_TIMEOUT_MS));
  return {
    rate: median(runs.map(rateOf)),
    lost: median(runs.map(lostOf)),
    opensPerSecond: median(runs.map((r) => opensPerSecond(r.workload))),
    cpuPerEventUs: median(runs.map((r) => (r.cpu / Math.max(1, r.delivered)) * 1e6)),
    runs,
  };
}

/** The raw figures of each run: delivered/lost/opens, seconds, unaccounted opens (neither delivered nor lost). */
function raw(s: Summary): string {
  return s.runs.map((r) => {
    const missing = r.workload.opens - r.delivered - r.lost;
    return `${r.delivered}+${r.lost} lost of ${r.workload.opens} in ${r.seconds.toFixed(2)} s${missing ? ` (${missing} unaccounted)` : ""}`;
  }).join("; ");
}

function line(name: string, s: Summary, bare: number): string {
  const detaches = s.runs.flatMap((r) => (r.detachMs === undefined ? [] : [r.detachMs]));
  return `events:   ${name.padEnd(26)} ${k(s.rate).padStart(7)} events/s delivered, lost ${pct(s.lost).padStart(6)}, ` +
    `consumer CPU ${s.cpuPerEventUs.toFixed(2)} µs/event, workload ${k(s.opensPerSecond)} opens/s (bare/traced ${ratio(bare, s.opensPerSecond)})` +
    (detaches.length ? `, detach ${median(detaches).toFixed(0)} ms` : "");
}

/** The sample, with its channel and pid parameter from the spec. */
async function tracer(): Promise<{ t: Tracer; note: string } | { skipped: string }> {
  const file = SAMPLE;
  if (!existsSync(file)) return { skipped: "samples/opensnoop.ts does not exist" };
  const { compileCached } = await import("../compiler/cache.ts");
  const c = await compileCached(file);
  if (!c.spec) return { skipped: `${file} does not compile: ${c.diagnostics.map((d) => d.message).join("; ")}` };
  const channel = c.spec.maps.find((m) => m.exported && m.events) ?? c.spec.maps.find((m) => m.events);
  if (!channel) return { skipped: `${file} declares no event channel` };
  const pidParam = c.spec.params?.find((p) => p.name === "pid")?.name ?? c.spec.params?.find((p) => /pid/i.test(p.name))?.name;
  if (!pidParam) return { skipped: `${file} has no pid parameter to filter on the workload` };
  const size = codecOf(channel.events!.type).size;
  return {
    t: { file, spec: c.spec, channel, pidParam },
    note: `samples/opensnoop.ts (${c.spec.programs.length} programs): ${size}-byte events into ${channel.type === "ringbuf" ? `a ${channel.maxEntries >> 20} MiB RingBuffer` : "a PerfEventArray"} "${channel.name}", filtered with --param ${pidParam}`,
  };
}

export async function benchEvents(): Promise<void> {
  const bpftrace = which("bpftrace");
  const version = bpftrace ? firstLine(bpftrace, ["--version"]) : "bpftrace not installed";
  console.log(`events: Linux ${release()}, node ${process.version}, ${version}, ${cpus().length} CPUs (${cpus()[0]?.model.trim() ?? "?"}), ` +
    `load average ${loadavg().map((x) => x.toFixed(1)).join(" ")} (other work on the machine shows in every figure)`);
  const k0 = await kernel();
  if (!k0.ok) {
    console.log(`events: skipped (${k0.reason})`);
    return;
  }
  const chosen = await tracer();
  if ("skipped" in chosen) {
    console.log(`events: skipped (${chosen.skipped})`);
    return;
  }
  const t = chosen.t;
  const work = mkdtempSync(join(tmpdir(), "tsbpf-bench-events-"));
  try {
    const w = makeWorkload(work);
    console.log(`events: tracer ${chosen.note}`);
    console.log(`events: workload ${w.describe}, one file, ${SECONDS} s per run; median of ${RUNS} runs; delivered events/s = events reaching user code ` +
      "over first to last delivery; lost = lost / opens; consumer CPU = the reading process's user+system time per delivered event");

    const bareRuns: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const wl = startWorkload(w);
      wl.go();
      bareRuns.push(opensPerSecond(await wl.done));
    }
    const bare = median(bareRuns);
    console.log(`events:   ${"bare workload".padEnd(26)} ${k(bare)} opens/s (nothing attached; runs: ${bareRuns.map(k).join(", ")})`);

    const rows: [string, Summary][] = [];
    const measure = async (name: string, run: () => Promise<Run>) => {
      try {
        const s = await repeat(run);
        rows.push([name, s]);
        console.log(line(name, s, bare));
        console.log(`events:     raw: ${raw(s)}`);
        return s;
      } catch (e) {
        console.log(`events:   ${name.padEnd(26)} failed: ${(e as Error).message}`);
        return undefined;
      }
    };

    const iterator = await measure("tsbpf load(), for await", () => inProcess(t, w, "iterator"));
    await measure("tsbpf load(), drain()/1ms", () => inProcess(t, w, "drain"));
    // What users run: the bundled CLI (bin/tsbpf.js falls back to tsx when dist/ is stale).
    const { bundleIsFresh } = (await import("../bin/fresh.js")) as { bundleIsFresh: () => boolean };
    if (!bundleIsFresh()) {
      const b = spawnSync(process.execPath, [join(ROOT, "node_modules", "tsx", "dist", "cli.mjs"), join(ROOT, "cli", "bundle.ts")], { encoding: "utf8" });
      if (b.status !== 0) console.log(`events:   (bundling the CLI failed, tsbpf run goes through tsx: ${b.stderr.trim().slice(-200)})`);
    }
    await measure("tsbpf run | count", () => childTracer(w, (pid) => ({
      cmd: process.execPath,
      args: [join(ROOT, "bin", "tsbpf.js"), "run", t.file, "--verbose", "--param", `${t.pidParam}=${pid}`],
    }), /^loaded and attached in .*$/m));

    // bpftrace's test hook prints __BPFTRACE_NOTIFY_PROBES_ATTACHED on stderr once every probe is attached; BEGIN's
    // READY is the fallback for a bpftrace without it (with -B full it would stay in the buffer).
    const bpftraceRun = (bin: string, options: string[]) => () => {
      const m = /v?(\d+)\.(\d+)/.exec(version);
      const newSyntax = !!m && (Number(m[1]) > 0 || Number(m[2]) >= 20);
      const env = { ...process.env, __BPFTRACE_NOTIFY_PROBES_ATTACHED: "1" };
      return childTracer(w, (pid) => ({ cmd: bin, args: [...options, "-e", bpftraceProgram(pid, newSyntax)], env }), /__BPFTRACE_NOTIFY_PROBES_ATTACHED|^READY$/m);
    };
    let reference: Summary | undefined;
    if (!bpftrace) console.log("events:   bpftrace: skipped (not installed)");
    else {
      reference = await measure("bpftrace printf | count", bpftraceRun(bpftrace, []));
      await measure("bpftrace -B full | count", bpftraceRun(bpftrace, ["-B", "full"]));
    }

    if (reference && reference.rate > 0) {
      console.log(`events: tsbpf / bpftrace (printf, default buffering), delivered events/s; target >= ${TARGET}x with nothing lost at that rate (not asserted)`);
      for (const [name, s] of rows) {
        if (!name.startsWith("tsbpf")) continue;
        console.log(`events:   ${name.padEnd(26)} ${ratio(s.rate, reference.rate)} (${k(s.rate)} / ${k(reference.rate)}), lost ${pct(s.lost)} vs ${pct(reference.lost)}, ` +
          `consumer CPU per event ${ratio(s.cpuPerEventUs, reference.cpuPerEventUs)}`);
      }
      // Nothing lost at the target rate: the workload paced at TARGET x bpftrace's rate (it may not reach it).
      const goal = TARGET * reference.rate;
      if (iterator) {
        const paced = await measure(`tsbpf for await @ ${k(goal)}/s`, () => inProcess(t, w, "iterator", goal));
        if (paced) {
          const reached = paced.opensPerSecond >= goal * 0.98;
          const met = iterator.rate >= goal && paced.lost === 0;
          console.log(`events:   workload paced at ${TARGET}x bpftrace = ${k(goal)} opens/s: ${reached ? "reached" : `not reached (${k(paced.opensPerSecond)} opens/s traced)`}, ` +
            `delivered ${k(paced.rate)} events/s, lost ${pct(paced.lost)}; target ${met ? "met" : "not met"} ` +
            `(flat out: ${ratio(iterator.rate, reference.rate)}, lost ${pct(iterator.lost)})`);
        }
      }
    }

    // Where the traced workload's time goes: the programs' own run time per open, from the kernel's BPF stats
    // (one run each with kernel.bpf_stats_enabled, which adds two clock reads per program run).
    const costs: [string, () => Promise<Run>][] = [["tsbpf (samples/opensnoop.ts)", () => inProcess(t, w, "drain")]];
    if (bpftrace) costs.push(["bpftrace printf", bpftraceRun(bpftrace, [])]);
    const statsFile = "/proc/sys/kernel/bpf_stats_enabled";
    let before: string | undefined;
    try {
      before = readFileSync(statsFile, "utf8").trim();
      writeFileSync(statsFile, "1");
    } catch (e) {
      console.log(`events: kernel time per event: skipped (cannot enable ${statsFile}: ${(e as Error).message})`);
      costs.length = 0;
    }
    try {
      for (const [name, run] of costs) {
        try {
          const r = await within(run(), RUN_TIMEOUT_MS);
          const perOpen = r.bpf.ns / Math.max(1, r.workload.opens);
          console.log(`events: kernel  ${name.padEnd(28)} BPF programs ran ${perOpen.toFixed(0)} ns per open (${(r.bpf.runs / Math.max(1, r.workload.opens)).toFixed(2)} runs of ` +
            `${(r.bpf.ns / Math.max(1, r.bpf.runs)).toFixed(0)} ns); workload ${k(opensPerSecond(r.workload))} opens/s, ${(1e9 / opensPerSecond(r.workload)).toFixed(0)} ns per open ` +
            `(bare ${(1e9 / bare).toFixed(0)} ns)`);
        } catch (e) {
          console.log(`events: kernel  ${name.padEnd(28)} failed: ${(e as Error).message}`);
        }
      }
    } finally {
      if (before !== undefined) writeFileSync(statsFile, before);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
