// What every attachment returns: a Link that detaches when closed. Owned resources (fds, tracefs probe entries)
// are released in reverse order of acquisition, once, even if a step fails.

import type { Sys } from "../sys.ts";

/** A release step: a function, or an fd to close, which `closeAsync` closes off the main thread. */
export type Step = (() => void) | { readonly run: () => void; readonly runAsync: () => Promise<void> };

/** The release step that closes `fd`. */
export function closeFd(sys: Sys, fd: number): Step {
  return { run: () => sys.close(fd), runAsync: () => (sys.closeAsync ? sys.closeAsync(fd) : Promise.resolve(sys.close(fd))) };
}

const runStep = (step: Step): void => (typeof step === "function" ? step() : step.run());

export interface Link extends Disposable {
  /** What is attached where, for messages: "tracepoint syscalls/sys_enter_openat". */
  readonly description: string;
  /** The mechanism used ("bpf_link", "perf_event ioctl", "raw_tracepoint", "tracefs uprobe_events ..."). */
  readonly mechanism: string;
  close(): void;
  /** Like close(), with its fds closed on a worker thread: links closed together detach in parallel. */
  closeAsync?(): Promise<void>;
}

/** A Link that runs its release steps, last first. */
export class OwnedLink implements Link {
  private released = false;

  constructor(readonly description: string, readonly mechanism: string, private readonly release: Step[]) {}

  close(): void {
    if (this.released) return;
    this.released = true;
    let first: unknown;
    for (const step of [...this.release].reverse()) {
      try {
        runStep(step);
      } catch (e) {
        first ??= e;
      }
    }
    if (first !== undefined) throw first;
  }

  async closeAsync(): Promise<void> {
    if (this.released) return;
    this.released = true;
    let first: unknown;
    for (const step of [...this.release].reverse()) {
      try {
        if (typeof step === "function") step();
        else await step.runAsync();
      } catch (e) {
        first ??= e;
      }
    }
    if (first !== undefined) throw first;
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/** Collects release steps while acquiring; if acquisition throws, releases what was acquired so far. */
export class Acquisition {
  private readonly steps: Step[] = [];

  add(step: Step): void {
    this.steps.push(step);
  }

  /** Releases everything acquired so far (used on failure). */
  abort(): void {
    for (const step of [...this.steps].reverse()) {
      try {
        runStep(step);
      } catch {
        // Best effort: the original error matters more.
      }
    }
    this.steps.length = 0;
  }

  link(description: string, mechanism: string): OwnedLink {
    return new OwnedLink(description, mechanism, [...this.steps]);
  }
}
