// A Frame in, its text out: as bpftrace prints a stack's line (`vfs_read+12`, an unknown address in hex), and as a
// folded stack's element (`vfs_read_[k]`), the input of flamegraph.pl and other flame-graph tools.

import { basename } from "node:path";
import type { Frame } from "./types.ts";

export interface FrameFormat {
  /** `func+12` (bpftrace's default); false prints `func`. Default true. */
  readonly offsets?: boolean;
  /** Appends ` (module)`: the kernel module, the mapped file, or a source location (`app.ts:3`) where one is known. */
  readonly modules?: boolean;
}

/** One frame as bpftrace prints it in a stack: `name+offset`, or `0x7f12...` when no symbol covers the address. */
export function formatFrame(f: Frame, options: FrameFormat = {}): string {
  const { offsets = true, modules = false } = options;
  let text = f.symbol === undefined
    ? `0x${f.address.toString(16)}`
    : offsets && f.offset !== undefined ? `${f.symbol}+${f.offset}` : f.symbol;
  if (modules) {
    const where = f.source ? `${f.source.file}:${f.source.line}` : f.module;
    if (where !== undefined) text += ` (${where})`;
  }
  return text;
}

/**
 * One frame of a folded stack (`a;b;c 12`): the name without offset; for no symbol, the file's name in brackets
 * (`[libc.so.6]`) or `[unknown]`; kernel frames suffixed `_[k]` and JIT frames `_[j]`, which flamegraph.pl colours.
 * A `;` (the separator) in a name becomes `:`, and whitespace a single space.
 */
export function foldedFrame(f: Frame): string {
  const name = f.symbol ?? (f.module !== undefined ? `[${basename(f.module)}]` : "[unknown]");
  const clean = name.replace(/;/g, ":").replace(/\s+/g, " ");
  return f.origin === "kernel" ? `${clean}_[k]` : f.origin === "jit" ? `${clean}_[j]` : clean;
}
