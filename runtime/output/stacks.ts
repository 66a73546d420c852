// Stack values as people see them: a stack id of a key or field (the u64 of a KStack/UStack: the id in the low 32
// bits, or the negative errno bpf_get_stackid returned; a user stack's process in the high 32) in, the StackTrace of
// its symbolized frames out, through the tracer's stack trace maps (kernel or VM: a StackSource) and a Symbolizer;
// and the text bpftrace prints for one (`\n    frame\n    frame\n` inside `@[...]`).

import type { TypeDesc } from "../../core/object/layout.ts";
import { stackMapName } from "../../core/object/names.ts";
import type { CollectionSpec } from "../../core/object/spec.ts";
import { formatFrame } from "../symbols/format.ts";
import type { Frame, StackTrace, Symbolizer } from "../symbols/types.ts";

/** Where the frames of a stack id are: the addresses stored under `id` in stack trace map `map`, or undefined. */
export interface StackSource {
  frames(map: string, id: number): readonly bigint[] | undefined;
}

/**
 * A stack value in, its StackTrace out (display.ts calls it for values whose type says "kstack" or "ustack", and
 * for KFrames/UFrames structs, "kframes" or "uframes").
 */
export interface StackResolver {
  resolve(stack: "kstack" | "ustack", depth: number, value: bigint): StackTrace;
  /** Frames a program copied (bpf_get_stack's `size` bytes of `frames`, or its negative errno), of process `pid`. */
  captured(stack: "kstack" | "ustack", pid: number, size: bigint, frames: readonly bigint[]): StackTrace;
}

/** Stacks resolved and kept, at most (then the cache starts again). */
const MAX_CACHED = 1 << 16;

/** Linux errno names bpf_get_stackid returns. */
const ERRNO: Readonly<Record<number, string>> = { 2: "ENOENT", 7: "E2BIG", 12: "ENOMEM", 14: "EFAULT", 17: "EEXIST", 22: "EINVAL" };

/**
 * A resolver reading frames from `source` and symbolizing them with `symbolizer`, each (map, id, process) once.
 * `source` may be given later (bind()): a run creates its output before its tracer's maps exist.
 */
export class StackFrames implements StackResolver {
  readonly #cache = new Map<string, StackTrace>();
  #source: StackSource | undefined;

  constructor(readonly symbolizer: Symbolizer, source?: StackSource) {
    this.#source = source;
  }

  bind(source: StackSource): void {
    this.#source = source;
    this.#cache.clear();
  }

  resolve(stack: "kstack" | "ustack", depth: number, value: bigint): StackTrace {
    const key = `${stack}.${depth}.${value}`;
    let t = this.#cache.get(key);
    if (!t) {
      // A stack map holds 32,768 stacks; user stacks' values carry their process too, which a daemon sees without end.
      if (this.#cache.size >= MAX_CACHED) this.#cache.clear();
      this.#cache.set(key, (t = this.#resolve(stack, depth, value)));
    }
    return t;
  }

  captured(stack: "kstack" | "ustack", pid: number, size: bigint, frames: readonly bigint[]): StackTrace {
    const base = { kind: stack, ...(stack === "ustack" ? { pid } : {}) };
    if (size === -14n) return { ...base, frames: [] };
    if (size < 0n) return { ...base, frames: [], error: ERRNO[Number(-size)] ?? `errno ${-size}` };
    const copied = frames.slice(0, Number(size / 8n));
    const end = copied.indexOf(0n);
    const live = end < 0 ? copied : copied.slice(0, end);
    return { ...base, frames: stack === "kstack" ? this.symbolizer.kernel(live) : this.symbolizer.user(pid, live) };
  }

  #resolve(stack: "kstack" | "ustack", depth: number, value: bigint): StackTrace {
    const id = Number(BigInt.asIntN(32, value & 0xffffffffn));
    const pid = stack === "ustack" ? Number((value >> 32n) & 0xffffffffn) : undefined;
    const base = { kind: stack, ...(pid !== undefined ? { pid } : {}) };
    // No user stack to take (a kernel thread: -EFAULT) prints as an empty stack, as bpftrace prints it.
    if (id === -14) return { ...base, frames: [] };
    if (id < 0) return { ...base, frames: [], error: ERRNO[-id] ?? `errno ${-id}` };
    const addresses = this.#source?.frames(stackMapName(stack, depth), id);
    if (!addresses) return { ...base, frames: [], error: "ENOENT" };
    const end = addresses.indexOf(0n);
    const live = end < 0 ? addresses : addresses.slice(0, end);
    const frames = stack === "kstack" ? this.symbolizer.kernel(live) : this.symbolizer.user(pid!, live);
    return { ...base, frames };
  }
}

/** What a stack error means, for the line printed in its place. */
const ERROR_TEXT: Readonly<Record<string, string>> = {
  EEXIST: "another stack took its slot in the stack map (hash collision)",
  ENOENT: "its frames are no longer in the stack map",
  ENOMEM: "the stack map was full",
};

/**
 * One frame as bpftrace prints it: `func+12`, or the address in hex when no symbol covers it; code a source map
 * locates (a JIT's, from a TypeScript file) adds where: `fib+0 (app.ts:4)`.
 */
export function frameText(f: Frame): string {
  const text = formatFrame(f);
  return f.source ? `${text} (${f.source.file}:${f.source.line})` : text;
}

/**
 * A stack inside `@[...]` as bpftrace prints it: a newline, then each frame on its own line, indented by 4; an
 * empty stack (a kernel thread's user stack) prints as nothing.
 */
export function stackText(s: StackTrace): string {
  if (!s.frames.length && !s.error) return "";
  const lines = s.frames.map((f) => `    ${frameText(f)}\n`);
  if (s.error) lines.push(`    [lost: ${s.error}: ${ERROR_TEXT[s.error] ?? "bpf_get_stackid failed"}]\n`);
  return `\n${lines.join("")}`;
}

/** A stack as one JSON value: its frames' text, innermost first (the error, when there is one, as the only entry). */
export function stackJson(s: StackTrace): string[] {
  return s.error ? [`[lost: ${s.error}]`] : s.frames.map(frameText);
}


/** Whether a tracer has stack values to print: a stack trace map (KStack, UStack) or copied frames (KFrames, UFrames). */
export function hasStackValues(spec: CollectionSpec): boolean {
  return spec.maps.some((m) => m.type === "stack_trace" || [m.key, m.value, m.events?.type, m.aggregation?.key].some(hasStackType));
}

/** Whether values of `type` hold a stack anywhere: a KStack/UStack, or KFrames/UFrames. */
export function hasStackType(t: TypeDesc | undefined): boolean {
  if (!t) return false;
  switch (t.kind) {
    case "int": return t.display === "kstack" || t.display === "ustack";
    case "struct": return t.display !== undefined || t.fields.some((f) => hasStackType(f.type));
    case "array": return hasStackType(t.element);
    default: return false;
  }
}
