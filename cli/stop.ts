// How a `tsbpf run` stops: signals (SIGINT, SIGTERM, SIGHUP), --duration and a closed stdout in; one AbortSignal
// out, which start-up checks between its steps (loading, attaching) and the running phase waits on. A second SIGINT
// or SIGTERM "hurries": the run stops waiting for main() and for stdout's reader, releases the kernel's objects and
// ends by that signal. Once the run has released everything, the handlers go and a signal takes its default action.
//
// Exit status, as a shell and bpftrace users expect: a stop once the probes are attached is a normal end (the maps
// are printed, exit 0, or main()'s code); a signal before that cancels the run, which releases what it created and
// then dies by the same signal (the shell shows 130 for SIGINT, 143 for SIGTERM), as a well-behaved program does so
// that a calling script stops too.

import { releaseAll } from "../runtime/kernel/cleanup.ts";

export type StopReason =
  | { readonly kind: "signal"; readonly signal: NodeJS.Signals }
  | { readonly kind: "duration" }
  /** A handler called exit(). */
  | { readonly kind: "exit" }
  /** stdout's reader went away (EPIPE, `| head -1`) or writing to it failed otherwise. */
  | { readonly kind: "stdout-closed"; readonly code: string }
  /** The process of -p or -c ended (cli/target.ts). */
  | { readonly kind: "target-exited"; readonly pid: number };

/** What an aborted start-up step throws: the run was asked to stop before it was running. */
export class RunStopped extends Error {
  constructor(readonly reason: StopReason) {
    super(`stopped (${describeStop(reason)})`);
    this.name = "RunStopped";
  }
}

export function describeStop(r: StopReason): string {
  switch (r.kind) {
    case "signal": return r.signal;
    case "duration": return "--duration elapsed";
    case "exit": return "exit() from a handler";
    case "stdout-closed": return `stdout closed: ${r.code}`;
    case "target-exited": return `process ${r.pid} exited`;
  }
}

const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

export class RunStop {
  readonly #controller = new AbortController();
  #resolve!: (r: StopReason) => void;
  #hurry!: (s: NodeJS.Signals) => void;
  #hurried: NodeJS.Signals | undefined;
  readonly #listener = (s: NodeJS.Signals) => this.#onSignal(s);
  #listening = false;
  /** Resolves with the reason of the first stop request. */
  readonly requested = new Promise<StopReason>((r) => (this.#resolve = r));
  /** Resolves with the signal that hurried the run (a second SIGINT or SIGTERM). */
  readonly hurried = new Promise<NodeJS.Signals>((r) => (this.#hurry = r));

  /** Aborted (with a RunStopped) at the first stop request. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get reason(): StopReason | undefined {
    return this.#controller.signal.aborted ? (this.#controller.signal.reason as RunStopped).reason : undefined;
  }

  /** The signal of a second SIGINT or SIGTERM, if one came. */
  get hurriedBy(): NodeJS.Signals | undefined {
    return this.#hurried;
  }

  /** Asks the run to stop; only the first request counts. */
  request(reason: StopReason): void {
    if (this.#controller.signal.aborted) return;
    this.#controller.abort(new RunStopped(reason));
    this.#resolve(reason);
  }

  /**
   * Handles SIGINT, SIGTERM and SIGHUP from now on (until unlisten()). Our listener also tells runtime/kernel's
   * cleanup module that the run disposes its collection itself.
   */
  listen(): void {
    if (this.#listening) return;
    this.#listening = true;
    for (const s of SIGNALS) process.on(s, this.#listener);
  }

  /** Gives the signals back their default action (or cleanup's, which releases what is left and re-raises). */
  unlisten(): void {
    if (!this.#listening) return;
    this.#listening = false;
    for (const s of SIGNALS) process.removeListener(s, this.#listener);
  }

  #onSignal(signal: NodeJS.Signals): void {
    const first = this.reason;
    if (!first) return this.request({ kind: "signal", signal });
    // SIGHUP never hurries: a parent's death (bin/tsbpf.js asks for SIGHUP then) may come with the SIGTERM that a
    // process manager sent to the whole group, and that is one request, not two.
    if (signal === "SIGHUP" || (first.kind === "signal" && first.signal === "SIGHUP")) return;
    if (this.#hurried) return;
    this.#hurried = signal;
    // A third signal is not ours to wait for: cleanup's handler (or the default action) ends the process at once.
    this.unlisten();
    this.#hurry(signal);
  }

  /**
   * Requests a stop after `seconds`: setTimeout takes at most 2^31-1 ms (~24.8 days) and fires at once beyond, so a
   * long duration is a chain of timers. The timers keep the process alive. Returns what cancels them.
   */
  after(seconds: number, timers: Timers = globalThis): () => void {
    return longTimeout(seconds * 1000, () => this.request({ kind: "duration" }), timers);
  }
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(t: never): void;
}

/** The longest delay setTimeout honours (a signed 32-bit count of milliseconds). */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** Calls `fn` after `ms` milliseconds, however many, through timers of at most MAX_TIMEOUT_MS; returns a cancel. */
export function longTimeout(ms: number, fn: () => void, timers: Timers = globalThis): () => void {
  let current: unknown;
  let cancelled = false;
  const arm = (left: number) => {
    const step = Math.min(left, MAX_TIMEOUT_MS);
    current = timers.setTimeout(() => {
      if (cancelled) return;
      if (left - step > 0) arm(left - step);
      else fn();
    }, step);
  };
  arm(Math.max(0, ms));
  return () => {
    cancelled = true;
    timers.clearTimeout(current as never);
  };
}

/**
 * `--duration`'s value: seconds, a positive finite decimal number ("10", "0.5", "2200000"). Returns the seconds, or
 * the one-line complaint.
 */
export function parseDuration(text: string, option = "--duration"): number | string {
  const seconds = /^\s*(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/.test(text) ? Number(text) : NaN;
  if (!Number.isFinite(seconds) || seconds <= 0) {
    return `${option} takes a number of seconds greater than 0 (such as 10 or 0.5), not ${JSON.stringify(text)}`;
  }
  return seconds;
}

/**
 * Releases whatever is still loaded (synchronously), then ends the process by `signal`: its default action, with
 * every handler removed, so that the parent sees the signal (a shell prints 130 or 143 and stops a script).
 */
export function dieBy(signal: NodeJS.Signals): never {
  releaseAll();
  for (const s of SIGNALS) process.removeAllListeners(s);
  process.kill(process.pid, signal);
  // Unreachable where the default action is to terminate (it is, for these three, once no listener is left); the
  // exit status that means the same, just in case.
  process.exit(128 + (signal === "SIGINT" ? 2 : signal === "SIGTERM" ? 15 : 1));
}
