// Diagnostics: one type for every compiler message ({code, message, span, hint}), the table of tsbpf's codes
// with one message template each, and the tsc-like printer with a code frame. TypeScript's own errors pass
// through with their TS codes.

import type { SourceSpan } from "../core/asm/index.ts";

export type Severity = "error" | "warning";

export interface Diagnostic {
  /** "TSB1002" for tsbpf's, "TS2322" for TypeScript's. */
  readonly code: string;
  readonly severity: Severity;
  readonly message: string;
  readonly span?: SourceSpan;
  readonly hint?: string;
}

export interface MessageDef {
  /** What the code means, in a few words (lists of codes, test output). */
  readonly title: string;
  /**
   * The one message of the code, with numbered placeholders `{0}`, `{1}`... for what varies: names, types,
   * numbers, literal values (never sentences). `{n:noun}` prints a count with its noun: "1 argument", "3 arguments".
   */
  readonly template: string;
}

/**
 * tsbpf's codes, each with exactly one message: a code never means two things. TSB1xxx: syntax outside the
 * subset (and probe declarations); TSB2xxx: types, layout, values and declarations; TSB3xxx: the kernel
 * verifier; TSB9xxx: internal errors (compiler bugs). A new kind of error is a new code at the end of its range
 * (codes are never renumbered: users search for them) and a fixture line in test/fixtures/errors/.
 */
export const MESSAGES = {
  // ---- TSB1xxx: syntax outside the subset ------------------------------------------------------------------
  TSB1001: { title: "declaration in kernel code", template: "{0} cannot be declared in kernel code" },
  TSB1002: { title: "class in kernel code", template: "classes are not supported in kernel code" },
  TSB1003: { title: "exceptions", template: "exceptions are not supported in kernel code" },
  TSB1004: { title: "async function or generator", template: "{0} is {1}: kernel code runs to completion at once" },
  TSB1005: { title: "module-level variable in kernel code", template: "{0} is a module-level variable: kernel code cannot share mutable state with user code" },
  TSB1006: { title: "recursion", template: "{0} calls itself (through {1}): recursion is not supported in kernel code" },
  TSB1007: { title: "dynamic property access", template: "{0} fields are reached by name; dynamic property access is not supported" },
  TSB1008: { title: "floating-point literal", template: "{0} is not an integer: there is no floating point in eBPF" },
  TSB1009: { title: "values of type any or unknown", template: "{0}: values of type {1} are not allowed in kernel code" },
  TSB1010: { title: "while or do loop", template: "{0} loops have no bound the compiler can prove" },
  TSB1011: { title: "probe declared in a function", template: "{0}() declares a probe: call it as a statement at module level, not in a {1}" },
  TSB1012: { title: "declaration in module-level control flow", template: "{0} must be at the top level of the module, not inside module-level control flow" },
  TSB1013: { title: "unsupported expression", template: "{0} is not supported in kernel code" },
  TSB1014: { title: "unsupported statement", template: "the {0} statement is not supported in kernel code" },
  TSB1015: { title: "template string", template: "template strings are not supported in kernel code" },
  TSB1016: { title: "not a compile-time constant", template: "{0} must be a compile-time constant" },
  TSB1017: { title: "imported binding in kernel code", template: "{0} is imported from \"{1}\": kernel code can only use what this module declares and what tsbpf provides" },
  TSB1018: { title: "function not callable in kernel code", template: "{0}() cannot be called in kernel code" },
  TSB1019: { title: "`this` in kernel code", template: "`this` is not supported in kernel code" },
  TSB1020: { title: "function declared in kernel code", template: "functions cannot be declared inside kernel code" },
  TSB1021: { title: "function created in kernel code", template: "functions cannot be created in kernel code" },
  TSB1022: { title: "assignment to a non-local", template: "{0} cannot be assigned in kernel code" },
  TSB1023: { title: "callback assigns a non-local", template: "the callback assigns {0}, which is not a plain local variable" },
  TSB1024: { title: "for...in", template: "for...in enumerates properties dynamically, which kernel code cannot" },
  TSB1025: { title: "array of structs indexed by a variable", template: "arrays of structs can only be indexed by constants" },
  TSB1026: { title: "element updated at a variable index", template: "here, array elements can only be updated at constant indexes" },
  TSB1027: { title: "Math in kernel code", template: "Math.{0}() works on floating point, which eBPF does not have" },
  TSB1028: { title: "cast to any or unknown", template: "a cast to {0} hides the value's type, which kernel code needs" },
  TSB1029: { title: "for loop without one counter", template: "this loop has no bound the compiler can prove: the loop must declare one counter: for (let i = 0; ...)" },
  TSB1030: { title: "for loop counter starts at a variable", template: "this loop has no bound the compiler can prove: the counter {0} must start at a constant" },
  TSB1031: { title: "for loop counter updated by a variable", template: "this loop has no bound the compiler can prove: update the counter by a constant: {0}++, {0} += 2, {0}--" },
  TSB1032: { title: "for loop counter without a constant limit", template: "this loop has no bound the compiler can prove: bound the counter by a constant in the condition: {0} < MAX (add `&& {0} < MAX` to a variable bound)" },
  TSB1033: { title: "for loop body assigns the counter", template: "this loop has no bound the compiler can prove: the loop body assigns the counter {0}" },
  TSB1034: { title: "probe declarator used as a value", template: "{0}() declares a probe and returns nothing: call it as a statement of its own" },
  TSB1035: { title: "param() in kernel code", template: "param() declares a load-time parameter: call it at module level" },
  TSB1036: { title: "module without probes", template: "this module declares no probe" },
  TSB1037: { title: "handler not written inline", template: "{0}(): the last argument must be the handler, written inline as an arrow function" },
  TSB1038: { title: "unknown probe option", template: "{0}(): the options are { optional: true | false }" },
  TSB1039: { title: "probe argument not a literal", template: "{0}(): arguments must be literals (the attach point is fixed at compile time)" },
  TSB1040: { title: "wrong number of probe arguments", template: "{0}() takes {1:argument} before the handler ({2})" },
  TSB1041: { title: "unsupported operator", template: "the {0} operator is not supported in kernel code" },
  TSB1042: { title: "new in kernel code", template: "objects cannot be created with new in kernel code" },
  TSB1043: { title: "unsupported kind of call", template: "this kind of call is not supported in kernel code" },
  TSB1044: { title: "method of a plain value", template: "method {0}() is not supported in kernel code" },
  TSB1045: { title: "unknown map method", template: "map {0} has no method {1} in kernel code" },
  TSB1046: { title: "wrong aggregation method", template: "{0} has no method {1}; use {0}.{2}()" },
  TSB1047: { title: "for...of without one loop variable", template: "for...of needs one loop variable: for (const x of arr)" },
  TSB1048: { title: "user-side channel method", template: "{0}.{1}() is user side only" },
  TSB1049: { title: "unknown name", template: "{0} is not known here" },
  TSB1050: { title: "function used as a value", template: "function {0} can only be called here" },
  TSB1051: { title: "name out of kernel code's reach", template: "{0} cannot be used in kernel code" },
  TSB1052: { title: "unsupported property", template: "property {0} of {1} is not supported in kernel code" },
  TSB1053: { title: "?? on a value that is not a map value", template: "?? is only supported on integer map values" },
  TSB1054: { title: "struct literal property not `name: value`", template: "only `name: value` properties are supported in struct literals" },
  TSB1055: { title: "expression not assignable", template: "this cannot be assigned" },
  TSB1056: { title: "probe context written", template: "the probe context is read-only" },
  TSB1057: { title: "labelled break or continue", template: "labelled break and continue are not supported" },
  TSB1058: { title: "break or continue outside a loop", template: "{0} outside a loop" },
  TSB1059: { title: "label", template: "labels are not supported" },
  TSB1060: { title: "var", template: "use const or let (var is not supported)" },
  TSB1061: { title: "string literal compared with a non-string", template: "a string literal can only be compared with a Str<N>" },
  TSB1062: { title: "string literal used as a number", template: "a string literal can only be compared with === or stored into a Str<N>" },
  TSB1063: { title: "string concatenation", template: "strings cannot be concatenated in kernel code" },
  TSB1064: { title: "length of a Str<N>", template: "the length of a Str<N> is not known without a loop" },
  TSB1065: { title: "not a string literal", template: "{0} must be a string literal" },
  TSB1066: { title: "options not an object literal", template: "the options of {0} must be an object literal" },
  TSB1067: { title: "options not plain properties", template: "options must be plain `name: value` properties" },
  TSB1068: { title: "not true or false", template: "{0} must be true or false" },
  TSB1069: { title: "unknown map.set() flag", template: "the flag must be \"any\", \"noexist\" or \"exist\"" },
  TSB1070: { title: "constant out of range", template: "{0} must be a constant between {1} and {2}" },
  TSB1071: { title: "bpf.loop() callback not inline", template: "the callback of bpf.loop() must be written inline: bpf.loop(n, (i) => { ... })" },
  TSB1072: { title: "function without a body", template: "{0} has no body" },
  TSB1073: { title: "parameter with a default, rest or destructuring", template: "{0}: only plain parameters (no defaults, rest or destructuring) are supported" },
  TSB1074: { title: "unknown helper", template: "bpf.{0} is not a helper" },
  TSB1080: { title: "nested too deeply", template: "{0} is nested {1} levels deep; at most {2} are supported" },
  TSB1081: { title: "program too large", template: "probe {0} compiles to {1} instructions; the kernel loads at most {2}" },
  TSB1082: { title: "jump too far", template: "a jump in probe {0} spans {1} instructions; eBPF jumps reach at most {2}" },
  TSB1083: { title: "nested too deeply to parse", template: "the code from here on is nested deeper than TypeScript's parser can follow" },
  TSB1084: { title: "too many branches in one function", template: "{0} has {1} branches (conditions, loops, cases); at most {2} are supported in one function" },
  TSB1085: { title: "print() value outside print()", template: "{0} is a value only inside a print() line" },
  TSB1086: { title: "unknown perf event option", template: "{0}(): the options are { period: N } or { frequency: Hz }, and optional: true | false" },
  TSB1087: { title: "both period and frequency", template: "{0}(): sample every N events (period) or N times a second (frequency), not both" },
  TSB1088: { title: "unknown stack option", template: "{0} has no option {1}; its options are {2}" },

  // ---- TSB2xxx: types, layout, values and declarations --------------------------------------------------------
  TSB2001: { title: "type without a fixed layout", template: "{0}: the type {1} has no fixed layout" },
  TSB2002: { title: "not an integer", template: "expected an integer, got {0}" },
  TSB2003: { title: "stack over 512 bytes", template: "probe {0} needs {1} bytes of stack; eBPF allows {2}" },
  TSB2004: { title: "unknown tracepoint field", template: "tracepoint {0} has no field {1}" },
  TSB2005: { title: "too many arguments", template: "{0} takes at most {1:argument}" },
  TSB2006: { title: "map not declared with const", template: "map {0} must be declared with const" },
  TSB2007: { title: "number or bigint in a layout", template: "{0}: `{1}` has no fixed width" },
  TSB2008: { title: "string in a layout", template: "{0}: `string` has no fixed capacity" },
  TSB2009: { title: "array type in a layout", template: "{0}: an array type has no fixed length" },
  TSB2010: { title: "generic type in a layout", template: "{0}: generic {1} have no fixed layout" },
  TSB2011: { title: "size not a literal", template: "{0}: {1} needs a positive integer literal size" },
  TSB2012: { title: "type contains itself", template: "{0}: {1} contains itself" },
  TSB2013: { title: "struct member not a plain field", template: "{0}: only plain fields are allowed in a struct (no methods, index signatures or computed names)" },
  TSB2014: { title: "optional field", template: "{0}: optional fields have no fixed layout" },
  TSB2015: { title: "empty struct", template: "{0}: an empty struct has no layout" },
  TSB2016: { title: "parameter declared twice", template: "parameter \"{0}\" is declared twice" },
  TSB2017: { title: "unknown map option", template: "{0} has no option {1}" },
  TSB2018: { title: "map without type arguments", template: "{0}: declare the type arguments explicitly" },
  TSB2019: { title: "map size out of range", template: "map {0}: size {1} is out of range (1..{2})" },
  TSB2020: { title: "event size out of range", template: "{0}: an event of {1} bytes is not possible (1..{2})" },
  TSB2021: { title: "ring buffer size", template: "{0}: a ring buffer's size must be a power of two between 4096 and 2^30 bytes, not {1}" },
  TSB2022: { title: "ring buffer too small for its events", template: "{0}: {1} bytes hold fewer than four {2}-byte events" },
  TSB2023: { title: "perf buffer pages", template: "{0}: pages must be a power of two between 1 and 1024, not {1}" },
  TSB2024: { title: "linear histogram bounds", template: "{0}: a linear histogram needs min < max, step > 0 and at most 1000 buckets" },
  TSB2025: { title: "parameter default out of range", template: "parameter {0}: the default {1} does not fit {2} ({3}..{4})" },
  TSB2026: { title: "invalid name", template: "{0} is not a valid {1}" },
  TSB2027: { title: "wrong number of arguments", template: "{0} takes {1:argument}" },
  TSB2028: { title: "missing argument", template: "{0} needs the {1} argument" },
  TSB2029: { title: "too many parameters", template: "{0} takes one parameter, {1}" },
  TSB2030: { title: "add() on a map of non-integers", template: "add() needs an integer value type; map {0} holds {1}s" },
  TSB2031: { title: "missing type argument", template: "bpf.{0}<T>() needs the type to read as a type argument" },
  TSB2032: { title: "not the handler's ctx", template: "the first argument of bpf.{0}() must be the handler's ctx" },
  TSB2033: { title: "expression without a value", template: "{0} has no value (the expression returns nothing)" },
  TSB2034: { title: "undefined used as a number", template: "undefined is not a number here" },
  TSB2035: { title: "not a value in memory", template: "expected a value in memory (struct, string or array), got {0}" },
  TSB2036: { title: "literal of unknown type", template: "the type of this literal is not known here" },
  TSB2037: { title: "number not exactly representable", template: "{0} is not exactly representable as a number" },
  TSB2038: { title: "map value not checked", template: "this map value may be missing" },
  TSB2039: { title: "unknown field", template: "{0} has no field {1}" },
  TSB2040: { title: "index out of range", template: "index {0} is out of range (length {1})" },
  TSB2041: { title: "literal of the wrong kind", template: "an {0} literal cannot be a {1}" },
  TSB2042: { title: "array literal too long", template: "{0} elements do not fit FixedArray of {1}" },
  TSB2043: { title: "string too long", template: "\"{0}\" does not fit Str<{1}> (at most {2} bytes)" },
  TSB2044: { title: "value not storable", template: "cannot store {0} into {1}" },
  TSB2045: { title: "layout mismatch", template: "{0} does not have the layout of {1}" },
  TSB2046: { title: "load-time parameter assigned", template: "{0} is a load-time parameter: it is read-only" },
  TSB2047: { title: "constant assigned", template: "{0} is a constant" },
  TSB2048: { title: "bpf.loop() count too large", template: "bpf.loop() runs at most {0} iterations" },
  TSB2049: { title: "unknown tracepoint", template: "no tracepoint {0} in the tracepoint database (Linux {1})" },
  TSB2050: { title: "context without fields", template: "the context of a {0} has no fields; use its methods (arg0(), ...)" },
  TSB2051: { title: "tracepoint field without an integer type", template: "field {0} ({1}, {2} bytes) has no integer type" },
  TSB2052: { title: "context method not available", template: "ctx.{0}() is not available in a {1} handler" },
  TSB2053: { title: "ordering comparison of non-integers", template: "{0} can only be compared with === and !==" },
  TSB2054: { title: "value not indexable", template: "{0} cannot be indexed" },
  TSB2055: { title: "for...of over a non-array", template: "for...of works on FixedArray values only" },
  TSB2056: { title: "cast hides a missing map value", template: "a cast to {0} does not check that the map value exists" },
  TSB2057: { title: "division by zero", template: "{0} by a constant zero" },
  TSB2058: { title: "shift out of range", template: "a shift by {0} is out of range for a {1}-bit value (0..{2})" },
  TSB2059: { title: "integer literal out of range", template: "{0} does not fit {1} ({2}..{3})" },
  TSB2060: { title: "helper not callable from this probe kind", template: "bpf.{0}() cannot be called from a {1} handler ({2} only)" },
  TSB2061: { title: "array map index out of range", template: "index {0} is out of range of {1} ({2} elements)" },
  TSB2062: { title: "scratch memory over 32 KiB", template: "{0} needs {1} bytes of per-CPU scratch memory for its large values; the kernel allows {2}" },
  TSB2063: { title: "more maps than one program may use", template: "probe {0} uses {1} maps; the kernel allows {2} in one program" },
  TSB2080: { title: "per-CPU map value too large", template: "map {0} has values of {1} bytes; a per-CPU map's value may be at most {2} bytes" },
  TSB2081: { title: "hash map too large", template: "map {0} has {1} entries; a hash map may have at most {2}" },
  TSB2085: { title: "loop too long for the verifier", template: "the verifier would walk this loop {0} times over {1} instructions ({2} in all); tsbpf allows {3}, below the verifier's limit of 1,000,000 processed" },
  TSB2086: { title: "loop with too many branches for the verifier", template: "the verifier would walk this loop {0} times over {1} branches ({2} in all, each possibly left pending); the verifier gives up past {3}" },
  TSB2087: { title: "bpf.loop() inside a long loop", template: "the verifier would walk a bpf.loop() call {0} times in this loop; past {1} iterations it stops pruning and gives up" },
  TSB2088: { title: "loop assigning an outer variable under a condition", template: "this loop assigns {0} under a condition on each of its {1} iterations: the verifier's states can multiply by {2} at each, so at most {3} iterations" },
  TSB2090: { title: "BTF tracepoint argument out of range", template: "tracepoint {0} has {1:argument} ({2}): ctx.arg({3}) is past the last" },
  TSB2092: { title: "tracepoint pattern matching nothing", template: "no tracepoint matches {0}" },
  TSB2093: { title: "map declared by its use, used two ways", template: "{0} is used for {1} here, but for {2} on line {3}" },
  TSB2091: { title: "value print() or clear() cannot take", template: "{0} cannot take this value: it takes {1}" },
  TSB2094: { title: "USDT probe not found", template: "{0} has no USDT probe {1}" },
  TSB2095: { title: "USDT argument out of range", template: "USDT probe {0} has {1:argument} ({2}): ctx.arg({3}) is past the last" },
  TSB2096: { title: "kprobe argument past the registers", template: "a kprobe on {0} reads the first {1} arguments, from registers: {2} is argument {3}" },
  TSB2097: { title: "void return value", template: "{0} returns nothing: its return value cannot be read" },
  TSB2098: { title: "not a kernel field", template: "fieldExists() takes a field of a kernel struct, not {0}" },
  TSB2099: { title: "bad metric tag", template: "@{0} {1} in the doc comment of {2}: expected {3}" },

  // ---- TSB3xxx: the kernel verifier -------------------------------------------------------------------------
  /**
   * Reported by the runtime (runtime/kernel/verifier.ts, which words it itself: runtime/ does not import the
   * compiler) at the TS line of the instruction the verifier refused; {2} is the verifier's own message, and
   * " at instruction {1}" is left out when its log names no instruction.
   */
  TSB3001: { title: "rejected by the kernel verifier", template: "the kernel verifier rejected program {0} at instruction {1}: {2}" },

  // ---- TSB9xxx: compiler bugs -------------------------------------------------------------------------------
  /** {0} is the message of the exception the compiler threw. */
  TSB9001: { title: "internal compiler error", template: "internal compiler error: {0}" },
} as const satisfies Record<`TSB${number}`, MessageDef>;

export type Code = keyof typeof MESSAGES;

/** A placeholder's value: a name, a type, a number, a literal value. */
export type MessageValue = string | number | bigint;

/** The values a template takes, one per placeholder `{0}`..`{n-1}` (`{n}` or `{n:noun}`), as a tuple type. */
type Placeholders<T extends string, Acc extends MessageValue[] = []> =
  T extends `${string}{${Acc["length"]}}${string}` | `${string}{${Acc["length"]}:${string}}${string}`
    ? Placeholders<T, [...Acc, MessageValue]>
    : Acc;

/** The placeholder values of a code's template: a call with too many or too few does not type-check. */
export type MessageArgs<C extends Code> = Placeholders<(typeof MESSAGES)[C]["template"]>;

const PLACEHOLDER = /\{(\d+)(?::([a-z]+))?\}/g;

/** A template with its placeholders filled in. */
export function formatMessage(template: string, args: readonly MessageValue[]): string {
  return template.replace(PLACEHOLDER, (_, i: string, noun: string | undefined) => {
    const v = args[Number(i)];
    if (v === undefined) throw new InternalError(`message "${template}" has no value for {${i}}`);
    return noun === undefined ? String(v) : `${v} ${noun}${Number(v) === 1 ? "" : "s"}`;
  });
}

/** The placeholder numbers a template uses, in order of first use (for the table's test). */
export function placeholdersOf(template: string): number[] {
  return [...new Set([...template.matchAll(PLACEHOLDER)].map((m) => Number(m[1])))];
}

export function error<C extends Code>(code: C, args: MessageArgs<C>, span: SourceSpan | undefined, hint?: string): Diagnostic {
  const message = formatMessage(MESSAGES[code].template, args);
  return { code, severity: "error", message, ...(span ? { span } : {}), ...(hint ? { hint } : {}) };
}

/** Thrown for compiler bugs only; user errors are diagnostics. */
export class InternalError extends Error {
  override readonly name = "InternalError";
  constructor(message: string, readonly span?: SourceSpan) {
    super(message);
  }
}

/** A collector passed explicitly through the phases (no global state). */
export class Diagnostics {
  readonly list: Diagnostic[] = [];

  add(d: Diagnostic): void {
    this.list.push(d);
  }

  /** Reports `code` with its template's placeholders filled by `args`; the hint is free advice beside it. */
  error<C extends Code>(code: C, args: MessageArgs<C>, span: SourceSpan | undefined, hint?: string): void {
    this.list.push(error(code, args, span, hint));
  }

  get hasErrors(): boolean {
    return this.list.some((d) => d.severity === "error");
  }
}

/** Source text by file name, for code frames. */
export type SourceLookup = (file: string) => string | undefined;

/**
 * Prints a diagnostic like tsc: `file:line:col - error CODE: message`, the source line, `~~~` under the span, the
 * hint; with `color`, in tsc's colours (the command line decides, for the stream it prints to: cli/report.ts useColor).
 */
export function formatDiagnostic(d: Diagnostic, sources: SourceLookup, color = false): string {
  const c = (code: string, s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const where = d.span ? `${c("96", d.span.file)}:${c("93", String(d.span.line))}:${c("93", String(d.span.column))} - ` : "";
  const lines = [`${where}${c(d.severity === "error" ? "91" : "93", d.severity)} ${c("90", d.code)}: ${d.message}`];
  const text = d.span ? sources(d.span.file) : undefined;
  if (d.span && text !== undefined) {
    const src = text.split("\n")[d.span.line - 1]?.replace(/\r$/, "");
    if (src !== undefined) {
      const num = String(d.span.line);
      const col = Math.max(0, d.span.column - 1);
      const len = Math.max(1, Math.min(d.span.length ?? 1, src.length - col));
      lines.push("", `${c("7", num)} ${src}`, `${c("7", " ".repeat(num.length))} ${" ".repeat(col)}${c("91", "~".repeat(len))}`);
    }
  }
  if (d.hint) lines.push(`  ${c("36", "hint")}: ${d.hint}`);
  return lines.join("\n");
}

export function formatDiagnostics(ds: readonly Diagnostic[], sources: SourceLookup, color = false): string {
  return ds.map((d) => formatDiagnostic(d, sources, color)).join("\n\n") + (ds.length ? "\n" : "");
}
