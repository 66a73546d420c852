// CPU profiles against bpftrace (issue 14): a CPU-bound C workload (bench/c/prof-workload.c, two threads, a fixed
// amount of work) run bare, under `tsbpf run samples/profile.ts` (the whole machine, kernel and user stacks) and
// under `bpftrace -e 'profile:hz:N { @[ustack, kstack, comm] = count(); }'`, at 99 and 999 Hz, in interleaved
// rounds. Per variant, medians: the workload's wall and CPU time against bare; the tracer's own CPU time (its
// /proc/PID/stat while the workload runs, and from SIGINT to its exit, where it symbolizes and prints, taken from
// this process's RUSAGE_CHILDREN once it is reaped); the time from SIGINT to its exit. Then the same answer: one
// run of the workload with both tracers attached at once (tsbpf with --format folded), and the top 5 user leaf
// functions of the workload's comm from each, side by side. Prints figures, asserts nothing. Needs root, gcc and
// bpftrace.

import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, release, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import koffi from "koffi";
import { bpftraceInfo, rebuildBundle } from "./compiled.ts";
import { firstLine, median, ratio, which } from "./util.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
/** Rounds of every variant; medians are reported. */
const RUNS = Number(process.env.RUNS ?? 5);
/** The workload's CPU time, both threads together: about 1.5 s of wall time on two idle CPUs. */
const TARGET_CPU_S = 3;
/** Its name, and so the comm both tracers report. */
const COMM = "prof-workload";
const FREQUENCIES = [99, 999] as const;
/** A tracer that has not attached by then has failed. */
const START_TIMEOUT_MS = 60_000;
/** A traced run that has not ended by then has failed (it would otherwise hang the bench). */
const RUN_TIMEOUT_MS = 180_000;
/** The user leaf functions listed per tracer. */
const TOP = 5;

const bpftraceProgram = (hz: number) => `profile:hz:${hz} { @[ustack, kstack, comm] = count(); }`;
/** The issue's reference, `@[ustack]` alone, filtered on the workload's comm (the whole machine is profiled). */
const bpftraceUstackProgram = (hz: number) => `profile:hz:${hz} /comm == "${COMM}"/ { @[ustack] = count(); }`;
const s = (x: number) => `${x.toFixed(3)} s`;
const msOf = (x: number) => `${x.toFixed(0)} ms`;
const say = (line: string) => console.log(`profile: ${line}`);

// ---- processes -----------------------------------------------------------------------------------------------------

/** Every child still running: killed on any way out of the bench. */
const live = new Set<ChildProcess>();

function track(p: ChildProcess): ChildProcess {
  live.add(p);
  p.on("exit", () => live.delete(p));
  return p;
}

function killAll(): void {
  for (const p of live) p.kill("SIGKILL");
}

/** Settles `p` within `ms` or fails. */
async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: still running after ${ms / 1000} s`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** A process's CPU time (user + system, its own and that of the children it reaped) so far, in seconds. */
function cpuOf(pid: number): number | undefined {
  try {
    // Fields after the parenthesised comm: utime, stime, cutime, cstime are the 12th to the 15th.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / 100; // USER_HZ is 100 on every Linux ABI
  } catch {
    return undefined;
  }
}

/**
 * getrusage(RUSAGE_CHILDREN): the CPU time, in seconds, of this process's children that have exited and been
 * reaped (Node reaps each before its "exit" event). The difference across one tracer's life is its whole CPU time,
 * end of run included, when no other child is reaped meanwhile: the workload outlives the tracer.
 */
function childrenCpu(): () => number {
  const getrusage = koffi.load("libc.so.6").func("int getrusage(int who, void *usage)");
  const RUSAGE_CHILDREN = -1;
  const usage = Buffer.alloc(144); // struct rusage on 64-bit Linux: two timevals, then 14 longs
  return () => {
    if (getrusage(RUSAGE_CHILDREN, usage) !== 0) throw new Error("getrusage failed");
    const tv = (o: number) => Number(usage.readBigInt64LE(o)) + Number(usage.readBigInt64LE(o + 8)) / 1e6;
    return tv(0) + tv(16);
  };
}

// ---- the workload --------------------------------------------------------------------------------------------------

interface WorkloadResult {
  /** From go to both threads done, by its own clock. */
  readonly wall: number;
  /** Its CPU time over the same span. */
  readonly cpu: number;
}

interface Workload {
  readonly pid: number;
  /** Starts the work. */
  go(): void;
  /** The work is done (the process waits for release()). */
  readonly done: Promise<WorkloadResult>;
  /** Closes its stdin and waits for it to exit. */
  release(): Promise<void>;
}

/** bench/c/prof-workload.c built with gcc into `work`, or why it cannot be. */
function buildWorkload(work: string): { bin: string; describe: string } | { skipped: string } {
  const gcc = which("gcc");
  if (!gcc) return { skipped: "gcc is not installed" };
  const bin = join(work, COMM);
  const flags = ["-O1", "-fno-omit-frame-pointer", "-pthread"];
  const cc = spawnSync(gcc, [...flags, "-o", bin, join(ROOT, "bench", "c", "prof-workload.c")], { encoding: "utf8" });
  if (cc.status !== 0) return { skipped: `gcc failed: ${cc.stderr.trim().slice(-300)}` };
  return { bin, describe: `bench/c/prof-workload.c (${firstLine(gcc, ["--version"])} ${flags.join(" ")}), two threads` };
}

/** Spawns the workload, which does nothing until go(). */
function startWorkload(bin: string, rounds: number): Workload {
  const p = track(spawn(bin, [String(rounds)], { stdio: ["pipe", "pipe", "pipe"] }));
  let out = "";
  let err = "";
  p.stdout!.on("data", (d: Buffer) => (out += d));
  p.stderr!.on("data", (d: Buffer) => (err += d));
  const exited = new Promise<number | string | null>((resolve, reject) => {
    p.on("error", reject);
    p.on("exit", (code, signal) => resolve(signal ?? code));
  });
  const done = new Promise<WorkloadResult>((resolve, reject) => {
    const onData = () => {
      const m = /wall=([\d.]+) cpu=([\d.]+)/.exec(out);
      if (m) resolve({ wall: Number(m[1]), cpu: Number(m[2]) });
    };
    p.stdout!.on("data", onData);
    void exited.then((how) => reject(new Error(`the workload exited (${how}) before its result: ${(out + err).trim().slice(-300)}`)), reject);
  });
  done.catch(() => {});
  if (p.pid === undefined) throw new Error(`cannot start ${bin}`);
  return {
    pid: p.pid,
    go: () => p.stdin!.write("go\n"),
    done,
    release: async () => {
      p.stdin!.end();
      await exited;
    },
  };
}

/** Rounds per thread for TARGET_CPU_S of CPU time, from one short run. */
async function calibrate(bin: string): Promise<{ rounds: number; probe: WorkloadResult }> {
  const probeRounds = 500;
  const w = startWorkload(bin, probeRounds);
  try {
    w.go();
    const probe = await within(w.done, RUN_TIMEOUT_MS, "the calibration run");
    return { rounds: Math.max(1, Math.round((probeRounds * TARGET_CPU_S) / probe.cpu)), probe };
  } finally {
    await w.release();
  }
}

// ---- tracers -------------------------------------------------------------------------------------------------------

interface TracerCommand {
  readonly cmd: string;
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  /** Each must match the tracer's output (stdout and stderr) before it counts as attached. */
  readonly ready: readonly RegExp[];
  /**
   * bpftrace 0.17 sometimes misses a SIGINT that arrives just before it blocks in epoll_wait: send it again, but only
   * while it uses no CPU (a second SIGINT while it symbolizes and prints ends it with nothing printed).
   */
  readonly resendSigint: boolean;
}

interface Stopped {
  /** Its stdout. */
  readonly stdout: string;
  /** SIGINT to its exit, in ms. */
  readonly stopMs: number;
  /** SIGINTs sent (more than one: the first seemed missed, and stopMs counts the wait). */
  readonly sigints: number;
  /** Its CPU time when SIGINT was sent, in seconds (undefined if /proc could not be read). */
  readonly cpuAtStop: number | undefined;
}

interface Running {
  readonly pid: number;
  /** Its CPU time when it had attached, in seconds. */
  readonly cpuAtAttached: number;
  /** SIGINT (again every second if asked), then its output once it has exited. */
  stop(): Promise<Stopped>;
}

/** Spawns a tracer and resolves once it has attached; it is killed if it does not. */
async function startTracer(t: TracerCommand): Promise<Running> {
  const p = track(spawn(t.cmd, [...t.args], { cwd: ROOT, env: t.env, stdio: ["ignore", "pipe", "pipe"] }));
  let stdout = "";
  let text = "";
  let ended = false;
  const exited = new Promise<number | string | null>((resolve, reject) => {
    p.on("error", reject);
    p.on("exit", (code, signal) => {
      ended = true;
      resolve(signal ?? code);
    });
  });
  exited.catch(() => {});
  p.stdout!.on("data", (d: Buffer) => {
    stdout += d;
    if (text.length < 1 << 16) text += d;
  });
  p.stderr!.on("data", (d: Buffer) => (text += d));
  // The pipes may still hold output after "exit": the end of a run is "close".
  const closed = new Promise<void>((resolve) => p.on("close", () => resolve()));
  const attached = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${t.cmd} did not attach within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
    const check = () => {
      if (t.ready.every((r) => r.test(text))) {
        clearTimeout(timer);
        resolve();
      }
    };
    p.stdout!.on("data", check);
    p.stderr!.on("data", check);
    void exited.then((how) => {
      clearTimeout(timer);
      reject(new Error(`${t.cmd} exited (${how}) before attaching: ${text.trim().split("\n").slice(-3).join(" | ")}`));
    }, reject);
  });
  try {
    await attached;
  } catch (e) {
    p.kill("SIGKILL");
    throw e;
  }
  return {
    pid: p.pid!,
    cpuAtAttached: cpuOf(p.pid!) ?? 0,
    async stop() {
      const cpuAtStop = cpuOf(p.pid!);
      const t0 = performance.now();
      let sigints = 0;
      let cpu = cpuAtStop;
      const interrupt = () => {
        if (ended) return;
        sigints++;
        p.kill("SIGINT");
      };
      interrupt();
      const resend = t.resendSigint
        ? setInterval(() => {
            const now = cpuOf(p.pid!);
            if (now !== undefined && now === cpu) interrupt();
            cpu = now;
          }, 1000)
        : undefined;
      try {
        await within(exited, RUN_TIMEOUT_MS, `${t.cmd} after SIGINT`);
      } finally {
        clearInterval(resend);
      }
      const stopMs = performance.now() - t0;
      await closed;
      return { stdout, stopMs, sigints, cpuAtStop };
    },
  };
}

// ---- output parsing ------------------------------------------------------------------------------------------------

/** One part of a printed map key: a stack (its frames, innermost first) or a scalar (its text). */
interface KeyPart {
  text: string;
  frames: string[];
}

/**
 * The entries of maps printed as bpftrace prints them (tsbpf's text format too): `@name[` then the key's parts
 * separated by `, `, a stack's frames one per line indented by four spaces, then `]: N`. A stack that is empty prints
 * as nothing between two separators.
 */
function parseTextMaps(out: string): { parts: KeyPart[]; count: number }[] {
  const entries: { parts: KeyPart[]; count: number }[] = [];
  const block = /^@\w*\[([\s\S]*?)\]: (\d+)$/gm;
  for (let m = block.exec(out); m; m = block.exec(out)) {
    const parts: KeyPart[] = [{ text: "", frames: [] }];
    for (const line of m[1]!.split("\n")) {
      if (line.startsWith("    ")) {
        parts[parts.length - 1]!.frames.push(line.trim());
        continue;
      }
      const pieces = line.split(", ");
      parts[parts.length - 1]!.text += pieces[0];
      for (const piece of pieces.slice(1)) parts.push({ text: piece, frames: [] });
    }
    entries.push({ parts, count: Number(m[2]) });
  }
  return entries;
}

/** Samples of one comm by user leaf function (offsets dropped), and how many had no user frame. */
interface Leaves {
  readonly total: number;
  readonly noUserFrame: number;
  readonly byLeaf: Map<string, number>;
}

function addLeaf(l: { total: number; noUserFrame: number; byLeaf: Map<string, number> }, leaf: string | undefined, count: number): void {
  l.total += count;
  if (leaf === undefined) l.noUserFrame += count;
  else l.byLeaf.set(leaf, (l.byLeaf.get(leaf) ?? 0) + count);
}

/**
 * bpftrace's maps keyed by the user stack first: `@[ustack, kstack, comm]` (the comm, the third part, is checked) or
 * `@[ustack]` of a program that filtered on the comm itself.
 */
function bpftraceLeaves(out: string, comm: string | undefined): Leaves {
  const l = { total: 0, noUserFrame: 0, byLeaf: new Map<string, number>() };
  for (const e of parseTextMaps(out)) {
    if (comm !== undefined && e.parts[2]?.text !== comm) continue;
    addLeaf(l, e.parts[0]?.frames[0]?.replace(/\+\d+$/, ""), e.count);
  }
  return l;
}

/**
 * tsbpf's folded lines of samples/profile.ts: the comm, the user frames root first, the kernel frames (`_[k]`)
 * root first, then the count; the user leaf is the last frame before the kernel's (JIT frames keep their `_[j]`).
 */
function foldedLeaves(out: string, comm: string): Leaves {
  const l = { total: 0, noUserFrame: 0, byLeaf: new Map<string, number>() };
  for (const line of out.split("\n")) {
    const m = /^(.*) (\d+)$/.exec(line);
    if (!m) continue;
    const [first, ...frames] = m[1]!.split(";");
    if (first !== comm) continue;
    addLeaf(l, frames.filter((f) => !f.endsWith("_[k]")).at(-1), Number(m[2]));
  }
  return l;
}

/** The leaves `a` names and `b` does not, with their samples: at most eight, then how many more. */
function onlyIn(a: Leaves, b: Leaves): string {
  const xs = [...a.byLeaf].filter(([k]) => !b.byLeaf.has(k)).sort((x, y) => y[1] - x[1]).map(([k, n]) => `${k} ${n}`);
  return xs.length ? `${xs.slice(0, 8).join(", ")}${xs.length > 8 ? ` (${xs.length - 8} more)` : ""}` : "-";
}

const topOf = (l: Leaves) => [...l.byLeaf].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, TOP);

// ---- the bench -----------------------------------------------------------------------------------------------------

type Variant = { readonly name: string; readonly tracer?: (hz: number) => TracerCommand; readonly hz?: number };

interface Round {
  readonly workload: WorkloadResult;
  /** Tracer CPU, in seconds: attached to SIGINT (the workload's run), SIGINT to exit, start-up (spawn to attached). */
  readonly cpuRun?: number;
  readonly cpuStop?: number;
  readonly cpuStart?: number;
  readonly stopMs?: number;
  readonly sigints?: number;
  readonly outputBytes?: number;
}

export async function benchProfile(): Promise<void> {
  say(`${new Date().toISOString()}, Linux ${release()}, node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model.trim() ?? "?"}), ` +
    `load average ${loadavg().map((x) => x.toFixed(2)).join(" ")} (other work on the machine shows in every figure)`);
  if (process.getuid?.() !== 0) return say("skipped (needs root)");
  const bpftrace = bpftraceInfo();
  if (!bpftrace) return say("skipped (bpftrace is not installed)");
  const work = mkdtempSync(join(tmpdir(), "tsbpf-bench-profile-"));
  const cleanUp = () => {
    killAll();
    rmSync(work, { recursive: true, force: true });
  };
  const onSignal = (sig: NodeJS.Signals) => {
    cleanUp();
    process.exit(sig === "SIGINT" ? 130 : 143);
  };
  process.on("exit", cleanUp);
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    const built = buildWorkload(work);
    if ("skipped" in built) return say(`skipped (${built.skipped})`);
    say(`tsbpf: the bundled CLI in dist/ (${rebuildBundle()}); ${bpftrace.version}`);
    const { rounds, probe } = await calibrate(built.bin);
    say(`workload: ${built.describe}, ${rounds} rounds per thread (calibrated to ${TARGET_CPU_S} s of CPU from a run of 500 rounds: ` +
      `wall ${s(probe.wall)}, cpu ${s(probe.cpu)}); it waits on stdin, so each tracer attaches before it starts and is stopped before it exits`);

    // The sample as users run it, and the same at 999 Hz: a copy with the frequency changed.
    const sample = join(ROOT, "samples", "profile.ts");
    const source = readFileSync(sample, "utf8");
    if (!/profile\(99,/.test(source)) return say("skipped (samples/profile.ts no longer calls profile(99, ...))");
    const sampleAt = (hz: number) => {
      if (hz === 99) return sample;
      const file = join(work, `profile-${hz}hz.ts`);
      writeFileSync(file, source.replace("profile(99,", `profile(${hz},`));
      return file;
    };
    const env = { ...process.env, TSBPF_CACHE_DIR: join(work, "cache") };
    const tsbpf = (hz: number, extra: readonly string[] = []): TracerCommand => ({
      cmd: process.execPath,
      args: [join(ROOT, "bin", "tsbpf.js"), "run", sampleAt(hz), "-v", ...extra],
      env,
      ready: [/^Attaching \d+ probes?\.\.\.$/m, /^loaded and attached in /m],
      resendSigint: false,
    });
    // bpftrace's test hook prints this on stderr once every probe is attached ("Attaching N probes..." comes before).
    const bpftraceCmd = (hz: number, program = bpftraceProgram(hz)): TracerCommand => ({
      cmd: bpftrace.path,
      args: ["-e", program],
      env: { ...process.env, __BPFTRACE_NOTIFY_PROBES_ATTACHED: "1" },
      ready: [/__BPFTRACE_NOTIFY_PROBES_ATTACHED/],
      resendSigint: true,
    });
    const tsbpfLine = (hz: number) => `node bin/tsbpf.js run samples/profile.ts -v${hz === 99 ? "" : ` (a copy at profile(${hz}, ...))`}`;

    // ---- 1. overhead ----
    const variants: Variant[] = [{ name: "bare" }];
    for (const hz of FREQUENCIES) variants.push({ name: `tsbpf ${hz} Hz`, tracer: (h) => tsbpf(h), hz }, { name: `bpftrace ${hz} Hz`, tracer: (h) => bpftraceCmd(h), hz });
    say(`1. overhead, median of ${RUNS} interleaved rounds (the order rotates each round); the whole machine is profiled:`);
    for (const hz of FREQUENCIES) say(`   ${tsbpfLine(hz)}   |   bpftrace -e '${bpftraceProgram(hz)}'`);
    const reaped = childrenCpu();
    const results = new Map<string, Round[]>(variants.map((v) => [v.name, []]));
    for (let r = 0; r < RUNS; r++) {
      for (let i = 0; i < variants.length; i++) {
        const v = variants[(i + r) % variants.length]!;
        try {
          results.get(v.name)!.push(await within(oneRound(built.bin, rounds, v, reaped), RUN_TIMEOUT_MS + START_TIMEOUT_MS, v.name));
        } catch (e) {
          say(`   ${v.name}: round ${r + 1} failed: ${(e as Error).message}`);
          killAll();
        }
      }
    }
    reportOverhead(variants, results);

    // ---- 2. same question, same answer ----
    say(`2. top ${TOP} user leaf functions of ${COMM}, from one run of the workload with three tracers attached at once ` +
      `(tsbpf: --format folded, every stack; bpftrace: its @[...] blocks, offsets dropped). A user stack the kernel could not store ` +
      "(a hash collision in the stack map) is a leaf named [EEXIST...] in tsbpf's and a sample with no user frame in bpftrace's");
    for (const hz of FREQUENCIES) {
      try {
        await sameAnswer(built.bin, rounds, hz, [
          { label: "tsbpf", line: `${tsbpfLine(hz)} --format folded`, command: tsbpf(hz, ["--format", "folded"]), leaves: (out) => foldedLeaves(out, COMM) },
          { label: "bpftrace @[ustack]", line: `bpftrace -e '${bpftraceUstackProgram(hz)}'`, command: bpftraceCmd(hz, bpftraceUstackProgram(hz)), leaves: (out) => bpftraceLeaves(out, undefined) },
          { label: "bpftrace @[ustack,kstack,comm]", line: `bpftrace -e '${bpftraceProgram(hz)}'`, command: bpftraceCmd(hz), leaves: (out) => bpftraceLeaves(out, COMM) },
        ]);
      } catch (e) {
        say(`   ${hz} Hz: failed: ${(e as Error).message}`);
        killAll();
      }
    }
    say(`done at ${new Date().toISOString()}, load average ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    process.off("exit", cleanUp);
    cleanUp();
  }
}

/** One run of the workload, bare or under a tracer attached before it starts and stopped once it is done. */
async function oneRound(bin: string, rounds: number, v: Variant, reaped: () => number): Promise<Round> {
  const w = startWorkload(bin, rounds);
  try {
    if (!v.tracer) {
      w.go();
      return { workload: await w.done };
    }
    // The workload stays alive until the tracer has exited, so the only child reaped in between is the tracer.
    const before = reaped();
    const t = await startTracer(v.tracer(v.hz!));
    w.go();
    const workload = await w.done;
    const stopped = await t.stop();
    const total = reaped() - before;
    const atStop = stopped.cpuAtStop ?? total;
    return {
      workload,
      cpuStart: t.cpuAtAttached,
      cpuRun: atStop - t.cpuAtAttached,
      cpuStop: total - atStop,
      stopMs: stopped.stopMs,
      sigints: stopped.sigints,
      outputBytes: Buffer.byteLength(stopped.stdout),
    };
  } finally {
    await w.release();
  }
}

function reportOverhead(variants: readonly Variant[], results: Map<string, Round[]>): void {
  const bare = results.get("bare") ?? [];
  if (!bare.length) return say("   no bare run succeeded");
  const bareWall = median(bare.map((r) => r.workload.wall));
  const bareCpu = median(bare.map((r) => r.workload.cpu));
  const med = (rs: Round[], f: (r: Round) => number | undefined) => median(rs.map(f).filter((x): x is number => x !== undefined));
  say("   variant          workload wall (vs bare)   workload CPU (vs bare)   | tracer CPU: run  stop  run+stop (start-up) | SIGINT to exit | output");
  for (const v of variants) {
    const rs = results.get(v.name)!;
    if (!rs.length) {
      say(`   ${v.name.padEnd(16)} no successful round`);
      continue;
    }
    const wall = med(rs, (r) => r.workload.wall);
    const cpu = med(rs, (r) => r.workload.cpu);
    let line = `   ${v.name.padEnd(16)} ${s(wall).padStart(8)} (${ratio(wall, bareWall)})`.padEnd(44) + `${s(cpu).padStart(8)} (${ratio(cpu, bareCpu)})`.padEnd(25);
    if (v.tracer) {
      const resent = rs.filter((r) => (r.sigints ?? 0) > 1).length;
      line += `| ${s(med(rs, (r) => r.cpuRun))} ${s(med(rs, (r) => r.cpuStop))} ${s(med(rs, (r) => (r.cpuRun ?? 0) + (r.cpuStop ?? 0)))} (${s(med(rs, (r) => r.cpuStart))}) ` +
        `| ${msOf(med(rs, (r) => r.stopMs))}${resent ? ` (SIGINT resent in ${resent} rounds)` : ""} | ${(med(rs, (r) => r.outputBytes) / 1024).toFixed(0)} KiB`;
    }
    say(line);
  }
  say("   raw, per round (workload wall/cpu s; tracer cpu run+stop s; SIGINT to exit ms):");
  for (const v of variants) {
    const rs = results.get(v.name)!;
    say(`   ${v.name.padEnd(16)} ${rs.map((r) => `${r.workload.wall.toFixed(3)}/${r.workload.cpu.toFixed(3)}` +
      (r.stopMs === undefined ? "" : ` ${(r.cpuRun ?? 0).toFixed(2)}+${(r.cpuStop ?? 0).toFixed(2)} ${r.stopMs.toFixed(0)}`)).join("; ")}`);
  }
}

/** A tracer of the same-answer run: what to print it as, how to start it, how to read its output. */
interface Column {
  readonly label: string;
  readonly line: string;
  readonly command: TracerCommand;
  readonly leaves: (stdout: string) => Leaves;
}

/**
 * One run of the workload under every tracer of `columns` at once; their top user leaves side by side, and whether
 * the first (tsbpf) agrees with each other one.
 */
async function sameAnswer(bin: string, rounds: number, hz: number, columns: readonly Column[]): Promise<void> {
  const w = startWorkload(bin, rounds);
  try {
    const running = await Promise.all(columns.map((c) => startTracer(c.command)));
    w.go();
    const workload = await w.done;
    // All stopped while the workload and its threads are alive: bpftrace 0.17 reads the mappings only when it prints,
    // through the sampled thread (a user stack of a thread that has exited prints as hex addresses).
    const stopped = await Promise.all(running.map((r) => r.stop()));
    const leaves = stopped.map((st, i) => columns[i]!.leaves(st.stdout));
    say(`   ${hz} Hz, workload wall ${s(workload.wall)}, cpu ${s(workload.cpu)}:`);
    for (const c of columns) say(`     ${c.label.padEnd(32)} ${c.line}`);
    say(`     samples of ${COMM}: ${columns.map((c, i) => `${c.label} ${leaves[i]!.total} (no user frame: ${leaves[i]!.noUserFrame})`).join(", ")}`);
    const tops = leaves.map(topOf);
    const cell = (e: [string, number] | undefined, total: number) => (e ? `${e[0]} ${e[1]} (${((e[1] / Math.max(1, total)) * 100).toFixed(1)}%)` : "-");
    const WIDTH = 34;
    say(`     ${"#".padEnd(3)}${columns.map((c) => c.label.padEnd(WIDTH)).join("")}`);
    for (let i = 0; i < TOP; i++) say(`     ${String(i + 1).padEnd(3)}${tops.map((t, j) => cell(t[i], leaves[j]!.total).padEnd(WIDTH)).join("")}`);
    const names = (t: [string, number][]) => t.map((e) => e[0]).join();
    for (let j = 1; j < columns.length; j++) {
      const [a, b] = [tops[0]![0]?.[0], tops[j]![0]?.[0]];
      say(`     tsbpf vs ${columns[j]!.label}: top function ${a !== undefined && a === b ? `agrees (${a})` : `DIFFERS (${a ?? "-"} vs ${b ?? "-"})`}; ` +
        `same ${TOP} in the same order: ${names(tops[0]!) === names(tops[j]!) ? "yes" : "no"}; ` +
        `leaves only tsbpf names: ${onlyIn(leaves[0]!, leaves[j]!)}; only ${columns[j]!.label}: ${onlyIn(leaves[j]!, leaves[0]!)}`);
    }
  } finally {
    killAll();
    await w.release().catch(() => {});
  }
}
