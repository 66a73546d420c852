// What every attachment returns: a Link that detaches when closed. Owned resources (fds, tracefs probe entries)
// are released in reverse order of acquisition, once, even if a step fails.

export interface Link extends Disposable {
  /** What is attached where, for messages: "tracepoint syscalls/sys_enter_openat". */
  readonly description: string;
  /** The mechanism used ("bpf_link", "perf_event ioctl", "raw_tracepoint", "tracefs uprobe_events ..."). */
  readonly mechanism: string;
  close(): void;
}

/** A Link that runs its release steps, last first. */
export class OwnedLink implements Link {
  private released = false;

  constructor(readonly description: string, readonly mechanism: string, private readonly release: (() => void)[]) {}

  close(): void {
    if (this.released) return;
    this.released = true;
    let first: unknown;
    for (const step of [...this.release].reverse()) {
      try {
        step();
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
  private readonly steps: (() => void)[] = [];

  add(step: () => void): void {
    this.steps.push(step);
  }

  /** Releases everything acquired so far (used on failure). */
  abort(): void {
    for (const step of [...this.steps].reverse()) {
      try {
        step();
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
