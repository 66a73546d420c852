// The one process a `tsbpf run` traces: `-p PID` (a running process) or `-c CMD` (a command started here) in; its
// process id (what core/object/target.ts limits the programs to), a way to let it run once the probes are attached,
// and a call when it ends, out.
//
// -c runs the command through /bin/sh, as a shell would, but held: the shell stops itself (SIGSTOP) before it runs
// the command, the run waits for it to be stopped (state T in /proc/PID/stat), attaches with its pid, and lets it go
// (SIGCONT); the shell then execs the command, so the pid stays the same and nothing the command does happens before
// the probes are there. A plain command (a program and its arguments, redirections) is exec'd by the holding shell
// itself, so what is traced is exactly that program, as bpftrace's -c does; anything else (a pipeline, a list, a
// compound command, a shell builtin) is exec'd as `/bin/sh -c CMD`, and that shell is the traced process (its
// children are not: -p semantics). The command's stdout and stderr go to tsbpf's stderr, so tsbpf's stdout holds only
// the tracer's output and pipes cleanly; stdin is inherited. The command never outlives the run: when the run ends
// first, it is sent SIGTERM, then SIGKILL (a command still held is killed at once), and on a path that cannot wait
// (process exit, a third Ctrl-C) runtime/kernel/cleanup.ts kills it with SIGKILL.

import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { PID_MAX } from "../core/object/target.ts";
import { track } from "../runtime/kernel/cleanup.ts";
import { findOnPath } from "../runtime/kernel/libs.ts";
import { CliError } from "./args.ts";

/** How often -p looks whether the process is still there. */
const WATCH_MS = 100;
/** How long a command gets to end after SIGTERM before SIGKILL. */
const TERM_GRACE_MS = 1000;
/** How long the holding shell may take to stop itself. */
const HOLD_TIMEOUT_MS = 10_000;

/** What a process's /proc/PID/stat says about it: its state letter and its start time (to tell a reused pid). */
interface ProcStat {
  readonly state: string;
  readonly startTime: string;
}

function procStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "latin1");
  } catch {
    return undefined;
  }
  // "pid (comm) state ppid ...": the command name may hold spaces and parentheses, so fields count from the last ")".
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return { state: fields[0] ?? "?", startTime: fields[19] ?? "" };
}

/** A zombie (Z) or a dead task (X) has exited: nothing it does can be traced any more. */
const hasExited = (s: ProcStat | undefined): boolean => !s || s.state === "Z" || s.state === "X";

/**
 * `-p`'s value checked: a process that exists and runs, as its process id (a thread's id gives its process, with a
 * note); or the one-line complaint.
 */
export function targetPid(text: string): { pid: number; note?: string } | string {
  if (!/^\s*\d+\s*$/.test(text)) return `--pid takes a process id (a positive integer), not ${JSON.stringify(text)}`;
  const n = Number(text);
  if (n < 1 || n > PID_MAX) return `--pid ${n}: not a process id (1 to ${PID_MAX})`;
  const stat = procStat(n);
  if (!stat) return `--pid ${n}: no such process`;
  if (hasExited(stat)) return `--pid ${n}: the process has exited`;
  let tgid = n;
  try {
    tgid = Number(/^Tgid:\s*(\d+)$/m.exec(readFileSync(`/proc/${n}/status`, "latin1"))?.[1] ?? n);
  } catch {
    // Gone since: the watch ends the run at once.
  }
  return tgid === n ? { pid: n } : { pid: tgid, note: `${n} is a thread of process ${tgid}: tracing the process` };
}

/** The run's target process. */
export interface RunTarget {
  readonly pid: number;
  /**
   * Once the probes are attached: lets a held command go, and calls `onExit` (once) when the process has ended, with
   * a note when a command failed ("the command exited with status 1").
   */
  start(onExit: (failure?: string) => void): void;
  /** Ends the watch, and the command (SIGTERM, then SIGKILL) if it still runs; resolves once it is gone. */
  close(): Promise<void>;
}

/** Watches a running process (-p): polled, since it is not our child. */
export function watchedProcess(pid: number): RunTarget {
  let timer: ReturnType<typeof setInterval> | undefined;
  const born = procStat(pid)?.startTime;
  return {
    pid,
    start(onExit) {
      const check = () => {
        const s = procStat(pid);
        // Another process with the same pid (started at another time) means ours has exited.
        if (!hasExited(s) && s!.startTime === born) return;
        clearInterval(timer);
        onExit();
      };
      timer = setInterval(check, WATCH_MS);
      check();
    },
    async close() {
      clearInterval(timer);
    },
  };
}

/**
 * Starts `command` (-c) held before it runs (see the header); resolves once it is stopped, with its pid. `signal`
 * (the run's stop) aborts the wait and kills it.
 */
export async function heldCommand(command: string, signal: AbortSignal): Promise<RunTarget> {
  const script = isPlainCommand(command) ? `kill -STOP $$ && exec ${command}` : 'kill -STOP $$ && exec /bin/sh -c "$1"';
  const child = spawn("/bin/sh", ["-c", script, "sh", command], { stdio: ["inherit", 2, 2] });
  /** How it ended; set once it has (or could not be started). */
  let status: { code: number | null; signal: NodeJS.Signals | null; error?: Error } | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once("exit", (code, sig) => {
      status ??= { code, signal: sig };
      resolve();
    });
    // A failed spawn may emit no "exit".
    child.once("error", (error) => {
      status ??= { code: null, signal: null, error };
      resolve();
    });
  });
  // On paths that cannot wait for it (process exit, a signal the run no longer handles), cleanup kills it.
  const untrack = track({ [Symbol.dispose]: () => void (status || child.kill("SIGKILL")) });
  void exited.then(untrack);
  let held = true;
  const kill = async () => {
    if (!status && held) child.kill("SIGKILL");
    else if (!status) {
      child.kill("SIGTERM");
      // A command stopped (by the user with SIGSTOP) acts on SIGTERM only once continued.
      child.kill("SIGCONT");
      const t = setTimeout(() => child.kill("SIGKILL"), TERM_GRACE_MS);
      await exited;
      clearTimeout(t);
    }
    await exited;
  };
  try {
    await waitHeld(child, () => status !== undefined, signal);
  } catch (e) {
    await kill();
    if (status?.error) throw new CliError("run", `-c: cannot start /bin/sh: ${status.error.message}`, 1);
    throw e;
  }
  return {
    pid: child.pid!,
    start(onExit) {
      held = false;
      child.kill("SIGCONT");
      void exited.then(() => {
        const s = status!;
        // SIGINT is the terminal's Ctrl-C, which went to the command as well as to tsbpf: not the command's failure.
        if (s.signal && s.signal !== "SIGINT") onExit(`the command was killed by ${s.signal}`);
        else onExit(s.code ? `the command exited with status ${s.code}` : undefined);
      });
    },
    close: kill,
  };
}

/** Polls until the shell has stopped itself; throws if it ends first, takes too long, or the run is stopped. */
async function waitHeld(child: ChildProcess, ended: () => boolean, signal: AbortSignal): Promise<void> {
  const t0 = performance.now();
  for (;;) {
    signal.throwIfAborted();
    if (ended()) throw new CliError("run", "-c: the shell holding the command ended before the probes were attached", 1);
    if (child.pid !== undefined && procStat(child.pid)?.state === "T") return;
    if (performance.now() - t0 > HOLD_TIMEOUT_MS) throw new CliError("run", `-c: the shell holding the command did not stop within ${HOLD_TIMEOUT_MS / 1000} s`, 1);
    await new Promise((r) => setTimeout(r, 1));
  }
}

/**
 * A command the holding shell can exec itself: no control operator, substitution or grouping, and a first word that
 * names a program (so not a keyword, an assignment or a builtin only the shell has). Anything else runs in a shell.
 */
export function isPlainCommand(command: string): boolean {
  if (/[;&|()`\n{}]|\$\(/.test(command)) return false;
  const first = /^\s*([A-Za-z0-9_.\/+-]+)(?:\s|$)/.exec(command)?.[1];
  if (first === undefined) return false;
  // A name with a "/" is a path from the working directory, as the shell takes it.
  return (first.includes("/") ? findOnPath(first, "") : findOnPath(first)) !== undefined;
}
