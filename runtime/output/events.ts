// Event channels printed as the snoop tools print them: an event's TypeDesc in, columns out; a decoded event in, one
// aligned text line out; a channel's lost-event count in, the summary line printed at exit out.
//
// Text. Each leaf field of the event struct is a column: nested structs flatten to `PARENT.CHILD`, camelCase names
// become SNAKE_CASE (`oldPath` → OLD_PATH). Integers are decimal and right-aligned, in a width that fits typical
// values (u32/i32 7, which holds any pid; u64/i64 12); strings, booleans and arrays are left-aligned, strings in
// min(N - 1, 16) for Str<N>. A value wider than its column pushes the rest of the line right, and the next
// columns take back the slack as soon as they can, so one long comm does not shift every later row. Nothing is cut
// unless `maxWidth` is given; the last column is never padded, and no line ends in padding. Widths count code
// points: a wide (CJK, emoji) character takes two terminal cells and shifts the line by one.
//
// Hex. An integer field whose name says it is an address or a bit mask — `addr`, `ip`, `ptr`, `flags`, or ending
// in `_addr`/`Addr`/`_ptr`/`Ptr`/`_flags`/`Flags` — or whose type is a pointer prints as 0x-hex (negative values as
// their two's complement). `ptr` is a u64 alias, so only the name can tell. The rule is for integers only: an array named `addr` (`FixedArray<u8,
// 4>`) prints as the array it is, `[127,0,0,1]`; nothing guesses at IP addresses.
//
// Syscalls. An integer field declared `Syscall` is a left-aligned column of the running architecture's syscall names
// (`openat`), 16 wide as comm; a number without a name prints as the number. With `syscallNumbers` it is an integer
// column like any other. In JSON it is the name, or the number's decimal string (display.ts).
//
// Strings. Control characters (C0, DEL, C1, U+2028/2029) are escaped (`\n`, `\t`, `\r`, `\x1b`, `\u0085`) and so
// is the backslash (`\\`), so a line is always one line and the escapes are unambiguous. The layout codec already
// decodes invalid UTF-8 as U+FFFD; lone surrogates (which only a hand-made value can hold) become U+FFFD too.
//
// JSON. The NDJSON records of events and lost events are json.ts's.

import type { TypeDesc } from "../../core/object/layout.ts";
import { syscallName } from "../../core/syscalls/index.ts";
import { type DisplayOptions, displayOf } from "./display.ts";
import { type StackTrace, isStackTrace } from "../symbols/types.ts";
import { stackJson } from "./stacks.ts";

/** How a column renders its value. */
export type ColumnStyle = "decimal" | "hex" | "bool" | "string" | "syscall" | "stack" | "compound";

/** One column of an event's text output: plain data, derived from the event type by eventColumns. */
export interface EventColumn {
  /** The header text: the field path upper-cased, `PARENT.CHILD` for nested fields, `VALUE` for a non-struct event. */
  readonly header: string;
  /** Field names from the event to the value; empty when the event is the value itself. */
  readonly path: readonly string[];
  /** The column's width (at least the header's); values may be wider and are never cut unless maxWidth says so. */
  readonly width: number;
  readonly align: "left" | "right";
  readonly style: ColumnStyle;
  /** The integer's size in bits: hex prints a negative value as its two's complement in this many bits. */
  readonly bits: number;
  /** Strings and arrays longer than this are cut and end in "…" (from EventColumnOptions.maxWidth). */
  readonly maxWidth?: number;
  /** A stack column: its value's frames (the run's StackResolver), printed innermost first as `leaf←caller←...`. */
  readonly stack?: (v: unknown) => StackTrace | undefined;
}

export interface EventColumnOptions extends DisplayOptions {
  /**
   * Cut strings and arrays to this many characters (the last one "…"), and pad string columns to at most this.
   * Absent: nothing is ever cut. Numbers and booleans are never cut.
   */
  readonly maxWidth?: number;
}

/** Decimal widths for typical values: 7 digits hold any pid (pid_max ≤ 4194304), fds, errnos, small sizes. */
const DECIMAL_WIDTH: Record<1 | 2 | 4 | 8, { unsigned: number; signed: number }> = {
  1: { unsigned: 3, signed: 4 },
  2: { unsigned: 5, signed: 6 },
  4: { unsigned: 7, signed: 7 },
  // u64 holds nanosecond latencies, byte counts, timestamps: 12 digits (16 minutes in ns) is a compromise.
  8: { unsigned: 12, signed: 12 },
};
/** A full-size 0x address: 0xffffffff81000000 is 18 characters. */
const hexWidth = (bytes: number) => 2 + 2 * bytes;
/** Strings pad to their capacity up to this, like bcc's `%-16s` for comm. */
const STRING_WIDTH = 16;
/** Arrays pad to their longest text up to this. */
const ARRAY_WIDTH = 24;

/** The columns of an event type: one per leaf field of a struct (nested structs flattened), or VALUE. */
export function eventColumns(type: TypeDesc, options: EventColumnOptions = {}): EventColumn[] {
  const columns: EventColumn[] = [];
  if (type.kind === "struct") addFields(type, [], options, columns);
  else columns.push(column("VALUE", [], undefined, type, options));
  return columns;
}

function addFields(type: Extract<TypeDesc, { kind: "struct" }>, path: readonly string[], options: EventColumnOptions, out: EventColumn[]): void {
  for (const f of type.fields) {
    const p = [...path, f.name];
    if (f.type.kind === "struct" && !(f.type.display && options.stacks)) addFields(f.type, p, options, out);
    else out.push(column(p.map(headerName).join("."), p, f.name, f.type, options));
  }
}

/** `pid` → PID, `oldPath` → OLD_PATH, `tcp_state` → TCP_STATE. */
function headerName(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase();
}

/** Names that mean an address or a bit mask: `addr`, `ip`, `ptr`, `flags`, and `*_addr`, `*Addr`, `*_ptr`, `*Ptr`, `*_flags`, `*Flags`. */
export function isHexName(name: string): boolean {
  return /^(addr|ip|ptr|flags)$/i.test(name) || /(_addr|Addr|_ptr|Ptr|_flags|Flags)$/.test(name);
}

function column(header: string, path: readonly string[], name: string | undefined, type: TypeDesc, options: EventColumnOptions): EventColumn {
  const base = { header, path, bits: 64 };
  const fit = (w: number) => Math.max(header.length, w);
  const cut = options.maxWidth !== undefined ? { maxWidth: Math.max(1, options.maxWidth) } : {};
  switch (type.kind) {
    case "int":
      if (type.display === "syscall" && !options.syscallNumbers) return { ...base, bits: type.size * 8, width: fit(STRING_WIDTH), align: "left", style: "syscall" };
      if ((type.display === "kstack" || type.display === "ustack") && options.stacks) {
        const stacks = options.stacks;
        const stack = type.display;
        const depth = type.depth ?? 127;
        const stackOf = (v: unknown) => (typeof v === "bigint" ? stacks.resolve(stack, depth, v) : undefined);
        return { ...base, width: fit(ARRAY_WIDTH), align: "left", style: "stack", stack: stackOf, ...cut };
      }
      if (name !== undefined && isHexName(name)) return { ...base, bits: type.size * 8, width: fit(hexWidth(type.size)), align: "right", style: "hex" };
      return { ...base, bits: type.size * 8, width: fit(DECIMAL_WIDTH[type.size][type.signed ? "signed" : "unsigned"]), align: "right", style: "decimal" };
    case "pointer":
      return { ...base, width: fit(hexWidth(8)), align: "right", style: "hex" };
    case "bool":
      return { ...base, bits: 8, width: fit("false".length), align: "left", style: "bool" };
    case "string": {
      const w = Math.min(Math.max(type.capacity - 1, 0), STRING_WIDTH, cut.maxWidth ?? Infinity);
      return { ...base, width: fit(w), align: "left", style: "string", ...cut };
    }
    case "bytes":
    case "array":
      return { ...base, width: fit(Math.min(maxTextLength(type), ARRAY_WIDTH, cut.maxWidth ?? Infinity)), align: "left", style: "compound", ...cut };
    case "struct": {
      // KFrames/UFrames, a stack's frames (eventColumns flattens every other struct).
      const show = options.stacks && type.display ? displayOf(type, options, "number") : undefined;
      if (show) return { ...base, width: fit(ARRAY_WIDTH), align: "left", style: "stack", stack: (v) => show(v) as StackTrace, ...cut };
      return { ...base, width: fit(ARRAY_WIDTH), align: "left", style: "compound", ...cut };
    }
  }
}

/** The longest text a value of the type prints as (compound style), Infinity when unbounded (strings). */
function maxTextLength(t: TypeDesc): number {
  switch (t.kind) {
    case "int": {
      const digits = (2n ** BigInt(t.size * 8 - (t.signed ? 1 : 0))).toString().length;
      return digits + (t.signed ? 1 : 0);
    }
    case "bool":
      return 5;
    case "pointer":
      return 20;
    case "bytes":
      return 2 + 4 * t.length - (t.length > 0 ? 1 : 0);
    case "array":
      return 2 + t.length * (maxTextLength(t.element) + 1) - (t.length > 0 ? 1 : 0);
    case "string":
    case "struct":
      return Infinity;
  }
}

/** The header line: each column's header aligned as its values are. */
export function formatEventHeader(columns: readonly EventColumn[]): string {
  return layoutLine(columns, columns.map((c) => c.header));
}

/** One event as a text line (no trailing newline). Never throws: a value that does not match its column prints as it is. */
export function formatEventLine(columns: readonly EventColumn[], event: unknown): string {
  let f = lineFormatters.get(columns);
  if (!f) lineFormatters.set(columns, (f = lineFormatter(columns)));
  return f(event);
}

/** `tsbpf run` prints hundreds of thousands of lines a second: each column set gets its formatter once. */
const lineFormatters = new WeakMap<readonly EventColumn[], (event: unknown) => string>();

/** A string that prints as it is: nothing to escape, no surrogate (so its length counts its code points). */
const PLAIN = /^[^\x00-\x1f\x7f-\x9f\u2028\u2029\\\uD800-\uDFFF]*$/;

/**
 * formatEventLine for one column set: each cell's common case (a number in a decimal column, a plain string in a
 * string column) without the general path, and the general path (cellText, valueAt) for everything else, so the
 * text is the same.
 */
function lineFormatter(columns: readonly EventColumn[]): (event: unknown) => string {
  // Each cell writes its text and its length in code points; the general path counts them, the fast ones know.
  const texts = new Array<string>(columns.length).fill("");
  const lengths = new Array<number>(columns.length).fill(0);
  const cells = columns.map((c, i): ((event: unknown) => void) => {
    const general = (e: unknown) => {
      const text = cellText(c, valueAt(e, c.path));
      texts[i] = text;
      lengths[i] = codePoints(text);
    };
    if (c.path.length !== 1) return general;
    const name = c.path[0]!;
    const fast = c.style === "decimal" ? (v: unknown) => typeof v === "number" || typeof v === "bigint"
      : c.style === "string" && c.maxWidth === undefined ? (v: unknown) => typeof v === "string" && PLAIN.test(v)
      : undefined;
    if (!fast) return general;
    return (e) => {
      const v = typeof e === "object" && e !== null && Object.hasOwn(e, name) ? (e as Record<string, unknown>)[name] : undefined;
      if (!fast(v)) return general(e);
      const text = String(v);
      texts[i] = text;
      lengths[i] = text.length;
    };
  });
  return (event) => {
    for (let i = 0; i < cells.length; i++) cells[i]!(event);
    return layoutLine(columns, texts, lengths);
  };
}

const SPACES = " ".repeat(256);
const spaces = (n: number) => (n <= SPACES.length ? SPACES.slice(0, n) : " ".repeat(n));

/**
 * Places each cell in its column: left-aligned cells start at the column's start, right-aligned ones end at its
 * end, and a cell that cannot (the previous one overflowed) follows one space after it. Trailing padding is never
 * written: an empty last cell leaves the line ending at the previous one.
 */
function layoutLine(columns: readonly EventColumn[], cells: readonly string[], lengths: readonly number[] = cells.map(codePoints)): string {
  let line = "";
  let col = 0; // the line's length in code points
  let start = 0; // the column's nominal start
  for (let i = 0; i < columns.length; i++) {
    const c = columns[i]!;
    const len = lengths[i] ?? 0;
    if (len > 0) {
      const earliest = col === 0 ? 0 : col + 1; // one space after the previous text
      const at = Math.max(earliest, c.align === "left" ? start : start + c.width - len);
      line += at > col ? spaces(at - col) + cells[i]! : cells[i]!;
      col = at + len;
    }
    start += c.width + 1;
  }
  return line;
}

const codePoints = (s: string) => (/[\uD800-\uDFFF]/.test(s) ? [...s].length : s.length);

function valueAt(event: unknown, path: readonly string[]): unknown {
  let v = event;
  for (const name of path) {
    if (typeof v !== "object" || v === null || !Object.hasOwn(v, name)) return undefined;
    v = (v as Record<string, unknown>)[name];
  }
  return v;
}

function cellText(c: EventColumn, v: unknown): string {
  if (v === undefined || v === null) return "";
  let text: string;
  switch (c.style) {
    case "hex":
      text = hex(v, c.bits) ?? compact(v, false);
      break;
    case "string":
      text = typeof v === "string" ? escapeText(v) : compact(v, false);
      break;
    case "syscall":
      text = ((typeof v === "number" || typeof v === "bigint") && syscallName(v)) || compact(v, false);
      break;
    case "stack":
      {
        const st = c.stack?.(v);
        text = st && isStackTrace(st) ? stackLine(st) : compact(v, false);
      }
      break;
    default:
      text = compact(v, false);
  }
  return c.maxWidth !== undefined && (c.style === "string" || c.style === "compound" || c.style === "stack") ? cut(text, c.maxWidth) : text;
}

/** A stack on one line: its frames innermost first, `leaf←caller←...`, or why it is missing (`[lost: EEXIST]`). */
function stackLine(s: StackTrace): string {
  return stackJson(s).join("←");
}

function cut(text: string, max: number): string {
  if (codePoints(text) <= max) return text;
  return `${[...text].slice(0, max - 1).join("")}…`;
}

function hex(v: unknown, bits: number): string | undefined {
  let b: bigint;
  if (typeof v === "bigint") b = v;
  else if (typeof v === "number" && Number.isSafeInteger(v)) b = BigInt(v);
  else return undefined;
  return `0x${BigInt.asUintN(bits, b).toString(16)}`;
}

/**
 * A value as compact text: integers in decimal, `[1,2,3]` for arrays and byte arrays, `{pid=1,comm="bash"}` for
 * structs. Top-level strings print bare (escaped); strings inside arrays and structs are quoted, so that a comma in
 * one cannot be read as a separator.
 */
function compact(v: unknown, nested: boolean): string {
  switch (typeof v) {
    case "string":
      return nested ? `"${escapeText(v).replace(/"/g, '\\"')}"` : escapeText(v);
    case "number":
    case "bigint":
    case "boolean":
      return String(v);
    case "undefined":
      return "";
    case "object":
      if (v === null) return "";
      if (v instanceof Uint8Array) return `[${v.join(",")}]`;
      if (Array.isArray(v)) return `[${v.map((x) => compact(x, true)).join(",")}]`;
      return `{${Object.entries(v).map(([k, x]) => `${k}=${compact(x, true)}`).join(",")}}`;
    default:
      return escapeText(String(v));
  }
}

// C0 controls, DEL, C1 controls, the Unicode line and paragraph separators, the backslash, and lone surrogates.
const ESCAPED = /[\x00-\x1f\x7f-\x9f\u2028\u2029\\]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const NAMED: Record<string, string> = { "\n": "\\n", "\t": "\\t", "\r": "\\r", "\\": "\\\\" };

/** A string as it may appear in one line of output: control characters escaped, lone surrogates as U+FFFD. */
export function escapeText(s: string): string {
  return s.replace(ESCAPED, (ch) => {
    const named = NAMED[ch];
    if (named) return named;
    const code = ch.charCodeAt(0);
    if (code >= 0xd800 && code <= 0xdfff) return "\uFFFD";
    return code < 0x80 ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}

/** The line printed at exit for a channel that lost events; "" when it lost none. */
export function formatLost(channel: string, count: number | bigint, kind: "ringbuf" | "perf"): string {
  if (!(count > 0)) return "";
  const events = count === 1 || count === 1n ? "event" : "events";
  const why =
    kind === "ringbuf"
      ? "ring buffer full; a larger RingBuffer(bytes) or fewer events would help"
      : "perf buffer full; more PerfEventArray({ pages }) or fewer events would help";
  return `Lost ${count} ${events} on ${channel} (${why})`;
}

/**
 * Calls a module's own `format(event, channel)`. A throw, a Promise or a non-string result becomes an error message
 * naming the channel, so the caller can report it and go on with the stream. One trailing newline is dropped, so
 * `format` may end its text in "\n" or not.
 */
export function formatWith(
  fn: (event: unknown, channel: string) => unknown,
  event: unknown,
  channel: string,
): { readonly line: string } | { readonly error: string } {
  let result: unknown;
  try {
    result = fn(event, channel);
  } catch (e) {
    return { error: `format() for channel ${channel} threw: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}` };
  }
  if (typeof result === "string") return { line: result.endsWith("\n") ? result.slice(0, -1) : result };
  if (result instanceof Promise) {
    result.catch(() => {}); // nobody awaits it: keep its rejection from being unhandled
    return { error: `format() for channel ${channel} returned a Promise; it must return the line as a string, synchronously` };
  }
  return { error: `format() for channel ${channel} returned ${describe(result)}, not a string` };
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  switch (typeof v) {
    case "undefined":
      return "undefined";
    case "object":
      return "an object";
    case "number":
    case "bigint":
    case "boolean":
      return `${typeof v} ${String(v)}`;
    default:
      return `a ${typeof v}`;
  }
}
