// bpftrace's text output: an AggregationData in, the lines bpftrace prints for that map out (`@name[key]: value`,
// `count 7, average 1, total 7`, ASCII histograms).
//
// The layout follows bpftrace's src/output/text.cpp and src/types_format.cpp, checked against bpftrace 0.17's real
// output (see test/unit/output.test.ts). Where 0.17 and current bpftrace differ, this follows current bpftrace:
// no trailing space after `@h:`, no blank line after avg/stats maps, `[3]` for one-value lhist buckets (step 1).
//
// Two additions of tsbpf's: keys and values declared `Syscall` print as syscall names (display.ts), and an aggregation
// declared with `{ top: N }` that prints only its N largest entries ends with a line saying how many keys it has,
// `(top 10 of 104 keys)`. An explicit top (FormatOptions.top, bpftrace's `print(@m, N)`) prints as bpftrace does.

import {
  bucketBounds,
  entryBuckets,
  entryStats,
  entryValue,
  nonZeroRange,
  orderedEntries,
  scalarEntries,
  type AggregationData,
  type AggregationEntry,
} from "./aggregations.ts";
import { type Display, type DisplayOptions, displayOf } from "./display.ts";
import { isStackTrace } from "../symbols/types.ts";
import { stackText } from "./stacks.ts";

export interface FormatOptions extends DisplayOptions {
  /**
   * Keep the N largest entries, as bpftrace's `print(@m, N)` prints them; 0 keeps all. Absent: the aggregation's own
   * `top`, followed by how many keys there are when entries were left out.
   */
  readonly top?: number;
}

/**
 * One map as bpftrace prints it. Histograms end with a blank line after each key's chart, as in bpftrace; other
 * maps end with their last line. An aggregation with no entries prints nothing.
 */
export function formatAggregation(a: AggregationData, opts: FormatOptions = {}): string {
  const entries = a.keyed ? orderedEntries(a, opts.top ?? a.top) : scalarEntries(a);
  const showKey = a.keyed ? displayOf(a.keyType, opts, "number") : undefined;
  const showValue = a.kind === "map" ? displayOf(a.valueType, opts, "number") : undefined;
  let out = "";
  for (const e of entries) {
    const head = header(a, e, showKey);
    switch (a.kind) {
      case "count":
      case "sum":
      case "min":
      case "max":
        out += `${head}: ${entryValue(a, e)}\n`;
        break;
      case "avg":
        out += `${head}: ${entryStats(a, e).average}\n`;
        break;
      case "stats": {
        const s = entryStats(a, e);
        out += `${head}: count ${s.count}, average ${s.average}, total ${s.total}\n`;
        break;
      }
      case "hist":
      case "lhist":
        out += `${head}:\n${histogramLines(a, entryBuckets(a, e))}\n`;
        break;
      case "map": {
        const v = "value" in e ? e.value : undefined;
        out += `${head}: ${formatValue(showValue ? showValue(v) : v)}\n`;
        break;
      }
      default: {
        const never: never = a.kind;
        throw new TypeError(`unknown aggregation kind ${String(never)}`);
      }
    }
  }
  if (opts.top === undefined && entries.length < a.entries.length) out += `(top ${entries.length} of ${a.entries.length} keys)\n`;
  return out;
}

/** Every map, in name order, as bpftrace prints them when the tracer exits. */
export function formatAggregations(list: readonly AggregationData[], opts: FormatOptions = {}): string {
  return [...list]
    .sort((x, y) => (mapName(x) < mapName(y) ? -1 : mapName(x) > mapName(y) ? 1 : 0))
    .map((a) => formatAggregation(a, opts))
    .join("");
}

export function mapName(a: AggregationData): string {
  return a.name.startsWith("@") ? a.name : `@${a.name}`;
}

// Counts carry no unit, and a plain map's values are whatever the tracer stored.
const hasUnit = (a: AggregationData) => a.unit !== undefined && a.kind !== "count" && a.kind !== "map";

function header(a: AggregationData, e: AggregationEntry, showKey: Display | undefined): string {
  const key = a.keyed ? `[${formatKey(showKey ? showKey(e.key) : e.key)}]` : "";
  const unit = hasUnit(a) ? ` (${a.unit})` : "";
  return `${mapName(a)}${key}${unit}`;
}

/**
 * A key inside `@name[...]`: a tuple, multi-key or struct key prints its elements joined by ", " (bpftrace drops
 * the tuple's parentheses on this line: `@[bash, 12]`); anything else prints as a value.
 */
export function formatKey(key: unknown): string {
  if (Array.isArray(key)) return key.map(formatValue).join(", ");
  if (isStruct(key)) return Object.values(key).map(formatValue).join(", ");
  return formatValue(key);
}

/**
 * A value as bpftrace prints it: integers in decimal, strings as they are, booleans true/false, byte arrays with
 * non-printable bytes as \xNN, tuples (arrays) `(1, bash)`, structs `{ .pid = 1, .comm = bash }`.
 */
export function formatValue(v: unknown): string {
  if (v === undefined || v === null) return "";
  if (isStackTrace(v)) return stackText(v);
  if (v instanceof Uint8Array) {
    return Array.from(v, (b) => (b >= 32 && b <= 126 ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, "0")}`)).join("");
  }
  if (Array.isArray(v)) return `(${v.map(formatValue).join(", ")})`;
  if (isStruct(v)) {
    const fields = Object.entries(v);
    return fields.length ? `{ ${fields.map(([f, x]) => `.${f} = ${formatValue(x)}`).join(", ")} }` : "{}";
  }
  return String(v);
}

const isStruct = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) && !isStackTrace(v);

/** bpftrace's histogram columns: range left-justified in 16, count right-justified in 8, then a 52-wide bar. */
const RANGE_WIDTH = 16;
const COUNT_WIDTH = 8;
const BAR_WIDTH = 52;

/** The bucket lines of one histogram, from its first to its last non-zero bucket ("" when all are zero). */
export function histogramLines(a: AggregationData, buckets: readonly bigint[]): string {
  const range = nonZeroRange(buckets);
  if (!range) return "";
  let max = 0n;
  for (const c of buckets) if (c > max) max = c;
  let out = "";
  for (let i = range.first; i <= range.last; i++) {
    const count = buckets[i] ?? 0n;
    const bar = "@".repeat(barLength(count, max));
    out += `${bucketLabel(a, i).padEnd(RANGE_WIDTH)}${String(count).padStart(COUNT_WIDTH)} |${bar.padEnd(BAR_WIDTH)}|\n`;
  }
  return out;
}

/**
 * bpftrace computes `count / (float)max * 52` in single precision and truncates; doing the same float32 steps keeps
 * every bar the length bpftrace draws, including the ratios where double precision would round the other way.
 */
export function barLength(count: bigint, max: bigint): number {
  if (max <= 0n) return 0;
  const ratio = Math.fround(Math.fround(Number(count)) / Math.fround(Number(max)));
  return Math.trunc(Math.fround(ratio * BAR_WIDTH));
}

/**
 * A bucket's range label: `(..., 0)` below, `[lo, hi)`, `[lo]` when the bucket holds one value, `[lo, ...)` above.
 * log2 bounds from 1024 up use K/M/G/T/P/E for powers of 1024 (`[512, 1K)`); lhist bounds do the same only when
 * the step is a multiple of 1024 (`[2K, 3K)`), as bpftrace does.
 */
export function bucketLabel(a: AggregationData, index: number): string {
  const { low, high } = bucketBounds(a, index);
  const step = a.lhist?.step;
  const show = a.kind === "lhist" ? (v: bigint) => linearLabel(v, step ?? 1n) : log2Label;
  if (low === undefined) return `(..., ${show(high ?? 0n)})`;
  if (high === undefined) return `[${show(low)}, ...)`;
  if (high === low + 1n) return `[${show(low)}]`;
  return `[${show(low)}, ${show(high)})`;
}

const SUFFIXES = ["", "K", "M", "G", "T", "P", "E"];

/** A log2 bound (0 or a power of two): 512, 1K, 2K, ..., 16E. */
function log2Label(v: bigint): string {
  if (v < 1024n) return String(v);
  const power = v.toString(2).length - 1;
  const decade = Math.floor(power / 10);
  return `${v >> BigInt(decade * 10)}${SUFFIXES[decade] ?? ""}`;
}

function linearLabel(v: bigint, step: bigint): string {
  if (step % 1024n !== 0n || v === 0n) return String(v);
  if (v % (1n << 20n) === 0n) return `${v / (1n << 20n)}M`;
  if (v % 1024n === 0n) return `${v / 1024n}K`;
  return String(v);
}
