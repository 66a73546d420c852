// What a symbolizer gives back: a captured stack's addresses in, one Frame per address out, and the StackTrace the
// output prints (text, NDJSON, folded stacks, flame graphs) for a stack value of a map key or an event field.

/** One frame of a stack, as symbolization found it. */
export interface Frame {
  /** The captured instruction address (kernel virtual, or the process's virtual address). */
  readonly address: bigint;
  /** The function's name, demangled; undefined when no symbol covers the address (printed `[unknown]` or hex). */
  readonly symbol?: string;
  /** address − the symbol's start. */
  readonly offset?: bigint;
  /**
   * Where the code lives: a kernel module's name (`ext4`; undefined for the kernel itself), a mapped file's path
   * (`/usr/lib/x86_64-linux-gnu/libc.so.6`), or `[jit]` for code a perf map names (Node, JVM).
   */
  readonly module?: string;
  /** The frame's origin, which folded stacks annotate (`_[k]` kernel, `_[j]` JIT) as flamegraph.pl colours them. */
  readonly origin: "kernel" | "user" | "jit";
  /** A source location, where a source map (JIT code) or debug info gives one. */
  readonly source?: { readonly file: string; readonly line: number; readonly column?: number };
}

/** A stack value, ready to print: leaf (innermost frame) first, as the kernel captures it. */
export interface StackTrace {
  readonly kind: "kstack" | "ustack";
  /** The process (tgid) a user stack was captured in. */
  readonly pid?: number;
  readonly frames: readonly Frame[];
  /** Why there is no stack: the kernel's error for this capture (`EFAULT`, `EEXIST`: a hash collision, `ENOENT`...). */
  readonly error?: string;
}

/** Turns captured addresses into frames. Lookups are lazy and cached; nothing here throws for a missing file. */
export interface Symbolizer {
  kernel(addresses: readonly bigint[]): Frame[];
  user(pid: number, addresses: readonly bigint[]): Frame[];
  /**
   * Reads now what symbolizing `pid`'s addresses will need (its mappings, the files behind them, its perf map), so
   * that its stacks still symbolize after it exits. Cheap when called again for a pid already read.
   */
  remember(pid: number): void;
  /**
   * Lets go of what was read for processes that have exited, once more than `keep` processes are held (a daemon
   * sees pids without end; `tsbpf serve` calls it as it scrapes). Their stacks no longer symbolize after this.
   */
  forgetExited?(keep: number): void;
}

/** Whether a value is a StackTrace (the printers find stacks inside keys and fields with it). */
export function isStackTrace(v: unknown): v is StackTrace {
  return typeof v === "object" && v !== null && "frames" in v && "kind" in v
    && ((v as StackTrace).kind === "kstack" || (v as StackTrace).kind === "ustack") && Array.isArray((v as StackTrace).frames);
}
