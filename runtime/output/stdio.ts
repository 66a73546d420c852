// The process's stdout and stderr as a Sink (output.ts), for a run that must stop whatever its reader does: a
// stream's 'error' (EPIPE when the reader closed the pipe, `| head -1`) is reported once and later writes are
// dropped, never an unhandled 'error' event and its stack; a wait for "drain" (a reader that stalls, `| sleep 20`)
// ends when the run abandons it at stop, so neither stopping nor the final report waits for the reader; and
// flushed() resolves once everything written has left the process. Node writes to pipes asynchronously on Linux,
// so a full pipe never blocks the event loop; only waiting for it can.

import type { Sink, Writer } from "./output.ts";

/** The part of process.stdout / process.stderr this uses. */
export interface StdStream {
  write(text: string, callback?: (error?: Error | null) => void): boolean;
  once(event: "drain", listener: () => void): unknown;
  on(event: "error", listener: (error: Error) => void): unknown;
  readonly writableLength: number;
}

export class GuardedWriter implements Writer {
  readonly #stream: StdStream;
  #error: (Error & { code?: string }) | undefined;
  #abandoned = false;
  /** Waiters for "drain", released early when the stream fails or the run abandons waiting. */
  readonly #waiters = new Set<() => void>();
  readonly #onError: (e: Error) => void;

  constructor(stream: StdStream, onError?: (error: Error & { code?: string }) => void) {
    this.#stream = stream;
    this.#onError = (e) => {
      if (this.#error) return;
      this.#error = e;
      this.#release();
      onError?.(e);
    };
    // Never removed: writes that bypass this writer (a tool's console.log) fail on the same stream.
    stream.on("error", this.#onError);
  }

  /** The error that closed the stream (EPIPE...), once one has. */
  get error(): (Error & { code?: string }) | undefined {
    return this.#error;
  }

  /** Bytes written but not yet taken by the reader. */
  get pending(): number {
    return this.#error ? 0 : this.#stream.writableLength;
  }

  /** false: the buffer is full and "drain" will follow — unless waiting was abandoned or the stream failed. */
  write(text: string): boolean {
    if (this.#error) return true;
    return this.#stream.write(text) || this.#abandoned;
  }

  once(_event: "drain", listener: () => void): this {
    if (this.#error || this.#abandoned) {
      queueMicrotask(listener);
      return this;
    }
    const waiter = () => {
      if (this.#waiters.delete(waiter)) listener();
    };
    this.#waiters.add(waiter);
    this.#stream.once("drain", waiter);
    return this;
  }

  /** Ends every wait for "drain", now and later: what is written is buffered (in memory) instead. */
  abandon(): void {
    this.#abandoned = true;
    this.#release();
  }

  /** Resolves once everything written so far has been taken by the reader (or the stream failed). */
  flushed(): Promise<void> {
    if (this.#error || this.#stream.writableLength === 0) return Promise.resolve();
    // An empty write completes after every write before it.
    return new Promise((resolve) => this.#stream.write("", () => resolve()));
  }

  #release(): void {
    for (const w of [...this.#waiters]) w();
  }
}

/** The process's stdout and stderr, guarded. */
export interface StdioSink extends Sink {
  readonly stdout: GuardedWriter;
  readonly stderr: GuardedWriter;
  /** Stops waiting for either reader (see GuardedWriter.abandon). */
  abandon(): void;
}

/**
 * The process's own stdout and stderr. `onStdoutError` hears once that stdout failed (its reader is gone); a failed
 * stderr is dropped silently, as there is nowhere left to say so. `stdout` replaces the process's (`tsbpf run -o`).
 */
export function processSink(options: { onStdoutError?: (error: Error & { code?: string }) => void; stdout?: StdStream } = {}): StdioSink {
  const stdout = new GuardedWriter(options.stdout ?? process.stdout, options.onStdoutError);
  const stderr = new GuardedWriter(process.stderr);
  return {
    stdout, stderr,
    abandon: () => {
      stdout.abandon();
      stderr.abandon();
    },
  };
}
