// Folded stacks, the flame-graph tools' input: a map whose keys hold stacks (StackTrace values, after display) in, one
// `{ stack, value }` per distinct stack out (frames root first) and its text, `frame;frame;frame count` a line, as
// flamegraph.pl and the stackcollapse scripts read and write it.
//
// A key's parts are laid out as one path from the root: first what is not a stack (a comm, a pid), in key order, then
// the user stacks root to leaf, then the kernel stacks root to leaf: the kernel ran on top of the user code that
// entered it. Frames carry flamegraph.pl's annotations (`_[k]` kernel, `_[j]` JIT), which its colour palettes read.
// Keys that fold to the same path (one function at two offsets, two pids of one program) are added together.

import { foldedFrame } from "../symbols/format.ts";
import type { Frame, StackTrace } from "../symbols/types.ts";
import { isStackTrace } from "../symbols/types.ts";
import type { AggregationData, AggregationEntry } from "./aggregations.ts";
import { type DisplayOptions, displayOf } from "./display.ts";
import { formatValue } from "./text.ts";

/** One stack of a folded profile: frame names root first, and its samples (or the map's value). */
export interface FoldedStack {
  readonly stack: readonly string[];
  readonly value: bigint;
}

/** A map that has stacks but cannot be folded: its values are not one number per key (a histogram, an average). */
export class FoldedError extends Error {
  override name = "FoldedError";
}

/** The one frame of a key that folds to nothing. */
export const NO_FRAMES = "[no frames]";

/** The annotation flamegraph.pl gives a frame of each origin (user frames have none). */
const ANNOTATION: Record<Frame["origin"], string> = { kernel: "_[k]", jit: "_[j]", user: "" };

/** A name made safe for a folded line: `;` separates frames and a newline ends the line, so neither may stay. */
function clean(name: string): string {
  return name.replace(/;/g, ":").replace(/[\r\n]+/g, " ");
}

export { foldedFrame };

/** A stack's frames root first; a capture that failed is one frame naming the error, so its samples still show. */
export function stackFrames(s: StackTrace): string[] {
  if (!s.frames.length) return s.error ? [`[${clean(s.error)}]${s.kind === "kstack" ? ANNOTATION.kernel : ""}`] : [];
  return s.frames.map(foldedFrame).reverse();
}

/** Whether a displayed key holds a stack anywhere (alone, in a tuple, in a struct's field). */
export function keyHasStack(key: unknown): boolean {
  if (isStackTrace(key)) return true;
  if (Array.isArray(key)) return key.some(keyHasStack);
  if (isStruct(key)) return Object.values(key).some(keyHasStack);
  return false;
}

/** Whether a map with displayed keys has a stack in some key (an empty map has none to show). */
export function hasStacks(data: AggregationData): boolean {
  return data.keyed && data.entries.some((e) => keyHasStack(e.key));
}

/** A key as one path from the root: its other parts, then its user stacks, then its kernel stacks. */
export function foldedKey(key: unknown): string[] {
  const parts: string[] = [];
  const user: string[] = [];
  const kernel: string[] = [];
  const walk = (v: unknown): void => {
    if (isStackTrace(v)) (v.kind === "kstack" ? kernel : user).push(...stackFrames(v));
    else if (Array.isArray(v)) v.forEach(walk);
    else if (isStruct(v)) Object.values(v).forEach(walk);
    else parts.push(clean(formatValue(v)));
  };
  walk(key);
  return [...parts, ...user, ...kernel];
}

/**
 * The folded stacks of a map whose keys are displayed (display.ts: a stack is a StackTrace), sorted by their frames
 * (as the stackcollapse scripts sort), keys that fold to the same path added up. A count, sum, min or max, or a
 * plain map of integers, folds; anything else throws a FoldedError that says why.
 */
export function foldedStacks(data: AggregationData): FoldedStack[] {
  const byPath = new Map<string, { stack: string[]; value: bigint }>();
  for (const e of data.entries) {
    const key = data.keyed ? foldedKey(e.key) : [];
    // A key with nothing to show (a kernel thread's empty user stack alone) keeps its samples under one frame.
    const stack = key.length ? key : [NO_FRAMES];
    const id = stack.join(";");
    const value = foldedValue(data, e);
    const seen = byPath.get(id);
    if (seen) seen.value += value;
    else byPath.set(id, { stack, value });
  }
  return [...byPath.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, s]) => s);
}

function foldedValue(data: AggregationData, e: AggregationEntry): bigint {
  const name = data.name.startsWith("@") ? data.name : `@${data.name}`;
  switch (data.kind) {
    case "count":
    case "sum":
    case "min":
    case "max":
    case "map": {
      const v = "value" in e ? e.value : undefined;
      if (typeof v === "bigint") return v;
      if (typeof v === "number" && Number.isInteger(v)) return BigInt(v);
      throw new FoldedError(`${name}: folded stacks need one integer per key, and this map's values are not integers`);
    }
    default:
      throw new FoldedError(`${name} is a ${data.kind}: folded stacks need one number per key (count(), sum() or an integer map), not ${data.kind === "hist" || data.kind === "lhist" ? "histogram buckets" : "an average"}`);
  }
}

/** Folded stacks as text: `frame;frame;frame value` a line, each line ending with a newline. */
export function foldedText(stacks: readonly FoldedStack[]): string {
  return stacks.map((s) => `${s.stack.join(";")} ${s.value}\n`).join("");
}

/** A map's data with its keys as people see them (display.ts), which is what foldedStacks reads. */
export function displayedKeys(data: AggregationData, options: DisplayOptions): AggregationData {
  const show = data.keyed ? displayOf(data.keyType, options, "number") : undefined;
  return show ? { ...data, entries: data.entries.map((e) => ({ ...e, key: show(e.key) })) } : data;
}

function isStruct(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) && !isStackTrace(v);
}
