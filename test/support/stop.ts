// For the stop-* kernel tests: a tool copied into a scratch project with its maps renamed after a tag (so that a
// test finds its own kernel objects among those of other processes: program names come from tracepoints and cannot
// be told apart, but every program of these tools uses a tagged map, and a program holds its maps), compiled once
// into the test's cache; `tsbpf run` as a child process whose stderr can be waited on; the kernel objects of a tag.

import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { compileCached } from "../../compiler/cache.ts";
import { Cmd, getFdById, listIds, objGetInfo } from "../../runtime/kernel/bpf.ts";
import { Kernel } from "../../runtime/kernel/kernel.ts";
import type { Sys } from "../../runtime/kernel/sys.ts";

export const root = join(dirname(fileURLToPath(import.meta.url)), "../..");

/** A scratch project importing tsbpf (node_modules/tsbpf is this checkout) with its own compile cache. */
export interface Scratch {
  readonly dir: string;
  /** The environment of a `tsbpf run` child: the scratch cache, no colours. */
  readonly env: NodeJS.ProcessEnv;
  /** Copies `source` (relative to the repository) into the project, every word of `renames` prefixed with `tag`. */
  /** `source` with the words `renames` prefixed by `tag` (and `rewrite` applied), compiled into the cache. */
  tool(source: string, tag: string, renames: readonly string[], rewrite?: (text: string) => string): Promise<string>;
  remove(): void;
}

export function scratchProject(): Scratch {
  const dir = mkdtempSync(join(tmpdir(), "tsbpf-stop-"));
  mkdirSync(join(dir, "node_modules"));
  symlinkSync(root, join(dir, "node_modules", "tsbpf"), "dir");
  writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n');
  const cache = join(dir, ".cache");
  const env = { ...process.env, TSBPF_CACHE_DIR: cache, NO_COLOR: "1" };
  return {
    dir, env,
    async tool(source, tag, renames, rewrite) {
      let text = readFileSync(join(root, source), "utf8");
      for (const word of renames) text = text.replace(new RegExp(`\\b${word}\\b`, "g"), `${tag}${word}`);
      if (rewrite) text = rewrite(text);
      const file = join(dir, `${tag}-${basename(source)}`);
      writeFileSync(file, text);
      // Compiled here, into the children's cache, so that their start-up is what the tests measure and signal.
      const saved = process.env.TSBPF_CACHE_DIR;
      process.env.TSBPF_CACHE_DIR = cache;
      try {
        const c = await compileCached(file);
        if (!c.spec) throw new Error(`${source} does not compile: ${c.diagnostics.map((d) => d.message).join("; ")}`);
      } finally {
        if (saved === undefined) delete process.env.TSBPF_CACHE_DIR;
        else process.env.TSBPF_CACHE_DIR = saved;
      }
      return file;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A `tsbpf run` child process. */
export interface RunChild {
  readonly child: ChildProcess;
  readonly pid: number;
  /** What it printed so far (stdout only when it is read). */
  stdout: string;
  stderr: string;
  /** When it was spawned (performance.now()). */
  readonly started: number;
  /** Resolves once stderr matches `re`; rejects if the process exits first or after `ms`. */
  stderrMatch(re: RegExp, ms?: number): Promise<void>;
  /** Resolves on exit, with the exit code or the signal that ended it and when (performance.now()). */
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

/**
 * Runs `command args` (default: node bin/tsbpf.js run ...). `stdout: "stalled"` gives it a pipe that nobody reads
 * until `child.stdout.resume()`... (a paused stream reads no more than its high-water mark), so it fills up.
 */
export function spawnRun(args: readonly string[], opts: { env: NodeJS.ProcessEnv; stdout?: "read" | "stalled"; command?: readonly string[] }): RunChild {
  const [cmd, ...pre] = opts.command ?? [process.execPath, join(root, "bin/tsbpf.js")];
  const child = spawn(cmd!, [...pre, ...args], { cwd: root, env: opts.env, stdio: ["ignore", "pipe", "pipe"] });
  const watchers = new Set<() => void>();
  const r: RunChild = {
    child, pid: child.pid!, stdout: "", stderr: "", started: performance.now(),
    stderrMatch(re, ms = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!re.test(r.stderr)) return false;
          watchers.delete(check);
          clearTimeout(timer);
          resolve();
          return true;
        };
        const timer = setTimeout(() => {
          watchers.delete(check);
          reject(new Error(`no ${re} on stderr after ${ms} ms:\n${r.stderr}`));
        }, ms);
        if (check()) return;
        watchers.add(check);
        void r.exit.then(() => {
          if (!watchers.has(check)) return;
          watchers.delete(check);
          clearTimeout(timer);
          reject(new Error(`exited before ${re} on stderr:\n${r.stderr}`));
        });
      });
    },
    exit: new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal, at: performance.now() }))),
  };
  if (opts.stdout !== "stalled") child.stdout!.on("data", (d: Buffer) => (r.stdout += d));
  child.stderr!.on("data", (d: Buffer) => {
    r.stderr += d;
    for (const w of [...watchers]) w();
  });
  return r;
}

/** Kills a run that a failed test left running (a test must not leave processes behind). */
export function reap(r: RunChild | undefined): void {
  if (r && r.child.exitCode === null && r.child.signalCode === null) r.child.kill("SIGKILL");
}

/** Resolves as `p` does, or rejects after `ms` with `what`: a bound on waiting for a condition, not a measurement. */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms)))]).finally(() => clearTimeout(timer));
}

/** The name (bpf_map_info.name, at 24) of map `id`, or undefined if it is gone. */
function mapName(sys: Sys, id: number): string | undefined {
  let fd: number;
  try {
    fd = getFdById(sys, Cmd.MapGetFdById, id);
  } catch {
    return undefined; // freed between the listing and now
  }
  try {
    const bytes = objGetInfo(sys, fd, 104).subarray(24, 40);
    const end = bytes.indexOf(0);
    return new TextDecoder().decode(bytes.subarray(0, end < 0 ? 16 : end));
  } finally {
    sys.close(fd);
  }
}

/** The kernel objects of a run: maps named with `tag` (and so the programs that use them), tracefs probes of `pid`. */
export function objectsOf(sys: Sys, tag: string, pid: number): { maps: string[]; probes: string[] } {
  const maps = listIds(sys, Cmd.MapGetNextId).map((id) => mapName(sys, id)).filter((n): n is string => !!n?.startsWith(tag));
  const tracefs = new Kernel(sys).tracefs;
  const probes = [...tracefs.probeEvents("uprobe"), ...tracefs.probeEvents("kprobe")].filter((e) => e.includes(`tsbpf_${pid}/`));
  return { maps: maps.sort(), probes };
}

/**
 * Waits until the kernel holds none of a run's objects: it frees maps after an RCU grace period, once no program
 * holds them, so they go shortly after the last fd closes. Returns what is left after `ms` (empty when settled).
 */
export async function leftOver(sys: Sys, tag: string, pid: number, ms = 5000): Promise<{ maps: string[]; probes: string[] }> {
  const until = performance.now() + ms;
  for (;;) {
    const now = objectsOf(sys, tag, pid);
    if ((!now.maps.length && !now.probes.length) || performance.now() > until) return now;
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A stack trace in a child's output: what a user must never see. */
export const STACK = /^\s+at .+\(.+:\d+:\d+\)$|^\s+at .+:\d+:\d+$/m;

let serial = 0;
/** A tag no other test or process uses: "z", this process's pid and a serial number, in base 36. */
export const freshTag = (): string => `z${process.pid.toString(36)}${(serial++).toString(36)}`;
