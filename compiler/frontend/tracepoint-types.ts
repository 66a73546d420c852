// Typed tracepoints: tracefs `format` fields in, the TypeScript types of tracepoint contexts out (the JSON model
// shipped as stdlib-types/tracepoints.json and the declarations of stdlib-types/tracepoints.d.ts).

import type { TracepointField, TracepointSource } from "../../core/tracefs-format.ts";

/**
 * The categories `tsbpf types` reads by default: the ones tracers reach for. All of syscalls is ~700 tracepoints;
 * every category on a kernel would be ~2,500 and make the declarations too big for an editor to enjoy.
 */
export const DEFAULT_CATEGORIES: readonly string[] = [
  "syscalls", "raw_syscalls", "sched", "block", "signal", "sock", "net", "irq", "tcp", "skb", "timer", "workqueue",
  "kmem", "oom", "writeback", "task", "napi", "power",
];

/** One non-common field of a tracepoint record, as stored in tracepoints.json. */
export interface TracepointFieldData {
  readonly name: string;
  /** The C type as the format file writes it, without the array suffix. */
  readonly type: string;
  /** The TypeScript type of the field in declarations (`tracepointTsType`). */
  readonly tsType: string;
  readonly offset: number;
  readonly size: number;
  readonly signed: boolean;
  readonly arrayLength?: number;
  readonly dataLoc?: boolean;
}

export interface TracepointInfo {
  /** The perf event id on the kernel the data was generated from (ids change between kernels and builds). */
  readonly id: number;
  /** Fields in record order, without the common_* header, which is reached through helpers instead. */
  readonly fields: readonly TracepointFieldData[];
  readonly printFormat: string;
}

export interface TracepointData {
  readonly version: 1;
  /** `uname -r` of the kernel the formats were read from. */
  readonly kernel: string;
  /** Keyed by "category/name". */
  readonly tracepoints: Readonly<Record<string, TracepointInfo>>;
}

/** What `collectTracepoints` read, plus the requested categories this kernel does not have. */
export interface CollectedTracepoints extends TracepointData {
  readonly missing: readonly string[];
}

type FieldShape = Pick<TracepointField, "type" | "size" | "signed"> & Partial<Pick<TracepointField, "arrayLength" | "dataLoc">>;

const INT_TYPES: Readonly<Record<number, readonly [unsigned: string, signed: string]>> = {
  1: ["u8", "i8"],
  2: ["u16", "i16"],
  4: ["u32", "i32"],
  8: ["u64", "i64"],
};

/** The C type with qualifiers that do not change what the bytes mean removed: `const char` → `char`. */
function baseType(type: string): string {
  return type.replace(/\b(const|volatile)\b/g, " ").replace(/\s+/g, " ").trim();
}

/** The TypeScript type of one tracepoint field, from its C type, size and signedness. */
export function tracepointTsType(field: FieldShape): string {
  // __data_loc fields are a u32 (length << 16 | offset) locating dynamic data after the fixed part of the record.
  if (field.dataLoc || field.type.startsWith("__data_loc")) return "DataLoc";
  const base = baseType(field.type);
  if (field.arrayLength !== undefined && field.arrayLength > 0) {
    const n = field.arrayLength;
    // `char comm[16]` is a NUL-padded string in the kernel's own printing; `u8 addr[16]` is bytes.
    if (base === "char" || base === "signed char" || base === "unsigned char") return `Str<${n}>`;
    const element = field.size / n;
    const int = Number.isInteger(element) ? INT_TYPES[element] : undefined;
    return int ? `FixedArray<${int[field.signed ? 1 : 0]}, ${n}>` : `FixedArray<u8, ${field.size}>`;
  }
  if (base.includes("*")) return "ptr";
  if (base === "bool" || base === "_Bool") {
    if (field.size === 1) return "boolean";
  }
  const int = INT_TYPES[field.size];
  // Sizes other than 1/2/4/8 (a struct or a flexible array in the record) are exposed as their raw bytes.
  return int ? int[field.signed ? 1 : 0] : `FixedArray<u8, ${field.size}>`;
}

/** Reads the formats of every tracepoint in `categories`; categories this kernel lacks are listed in `missing`. */
export function collectTracepoints(tracefs: TracepointSource, categories: readonly string[], kernel: string): CollectedTracepoints {
  const present = new Set(tracefs.categories());
  const missing: string[] = [];
  const tracepoints: Record<string, TracepointInfo> = {};
  for (const category of [...new Set(categories)]) {
    if (!present.has(category)) {
      missing.push(category);
      continue;
    }
    for (const event of tracefs.events(category)) {
      const format = tracefs.format(category, event);
      tracepoints[`${category}/${event}`] = {
        id: format.id,
        fields: fieldData(format.fields),
        printFormat: format.printFormat,
      };
    }
  }
  return { version: 1, kernel, tracepoints: sortedRecord(tracepoints), missing };
}

function fieldData(fields: readonly TracepointField[]): TracepointFieldData[] {
  const out: TracepointFieldData[] = [];
  const seen = new Set<string>();
  for (const f of fields) {
    // A name twice in one record would be a duplicate property in the declarations; the first is the one the
    // kernel's own filter code finds, so that is the one kept.
    if (f.common || seen.has(f.name)) continue;
    seen.add(f.name);
    // Keys in a fixed order so that the JSON is byte-for-byte stable.
    const d: { -readonly [K in keyof TracepointFieldData]: TracepointFieldData[K] } = {
      name: f.name,
      type: f.type,
      tsType: tracepointTsType(f),
      offset: f.offset,
      size: f.size,
      signed: f.signed,
    };
    if (f.arrayLength !== undefined) d.arrayLength = f.arrayLength;
    if (f.dataLoc) d.dataLoc = true;
    out.push(d);
  }
  return out;
}

function sortedRecord<T>(record: Readonly<Record<string, T>>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const key of Object.keys(record).sort(compareCodeUnits)) out[key] = record[key]!;
  return out;
}

/** Code-unit order: the same on every machine, unlike localeCompare. */
function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * tracepoints.json: pretty-printed with keys in a fixed order (tracepoints sorted, fields in record order) and one
 * field per line, so that a kernel changing one field changes one line of the diff, and the file stays half the
 * size it has with every key on its own line.
 */
export function formatTracepointJson(data: TracepointData): string {
  const keys = Object.keys(data.tracepoints).sort(compareCodeUnits);
  const entries = keys.map((key) => {
    const tp = data.tracepoints[key]!;
    const fields = tp.fields.map((f) => `        ${inlineObject(fieldEntries(f))}`);
    return [
      `    ${JSON.stringify(key)}: {`,
      `      "id": ${JSON.stringify(tp.id)},`,
      fields.length ? `      "fields": [\n${fields.join(",\n")}\n      ],` : `      "fields": [],`,
      `      "printFormat": ${JSON.stringify(tp.printFormat)}`,
      "    }",
    ].join("\n");
  });
  return [
    "{",
    `  "version": ${JSON.stringify(data.version)},`,
    `  "kernel": ${JSON.stringify(data.kernel)},`,
    entries.length ? `  "tracepoints": {\n${entries.join(",\n")}\n  }` : `  "tracepoints": {}`,
    "}",
    "",
  ].join("\n");
}

function fieldEntries(f: TracepointFieldData): [string, unknown][] {
  const entries: [string, unknown][] = [
    ["name", f.name], ["type", f.type], ["tsType", f.tsType], ["offset", f.offset], ["size", f.size], ["signed", f.signed],
  ];
  if (f.arrayLength !== undefined) entries.push(["arrayLength", f.arrayLength]);
  if (f.dataLoc) entries.push(["dataLoc", true]);
  return entries;
}

function inlineObject(entries: readonly [string, unknown][]): string {
  return `{ ${entries.map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(", ")} }`;
}

/** The print format in a doc comment is cut to about this many characters: some run to several kilobytes. */
const PRINT_FORMAT_MAX = 200;

/** Text that can sit inside a `/** ... *\/` comment on one line. */
function commentSafe(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").replace(/\*\//g, "*\\/");
}

function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max).trimEnd()}…`;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function propertyName(name: string): string {
  return IDENTIFIER.test(name) ? name : JSON.stringify(name);
}

/** The field as C declares it: `const char * filename`, `char comm[16]`, `__data_loc char[] name`. */
function cDeclaration(f: TracepointFieldData): string {
  return `${f.type} ${f.name}${f.arrayLength !== undefined ? `[${f.arrayLength}]` : ""}`;
}

/** The content of stdlib-types/tracepoints.d.ts for `data`. */
export function generateDeclarations(data: TracepointData): string {
  const lines = [
    `// Tracepoint contexts, generated by \`tsbpf types\` from Linux ${data.kernel}; regenerate with \`sudo npx tsbpf types\`.`,
    "// Field offsets here document that kernel only: the compiler takes them from the running kernel at load time.",
    "",
    'import type { DataLoc, FixedArray, Str, ptr, u8, u16, u32, u64, i8, i16, i32, i64 } from "./index.js";',
    "",
    "/** Every known tracepoint, \"category/name\", with the fields of its record (the common_* header excluded). */",
    "export interface Tracepoints {",
  ];
  for (const key of Object.keys(data.tracepoints).sort(compareCodeUnits)) {
    const tp = data.tracepoints[key]!;
    lines.push(`  /** ${commentSafe(shorten(`print fmt: ${tp.printFormat}`, PRINT_FORMAT_MAX))} */`);
    if (tp.fields.length === 0) {
      lines.push(`  ${JSON.stringify(key)}: {};`);
      continue;
    }
    lines.push(`  ${JSON.stringify(key)}: {`);
    for (const f of tp.fields) {
      lines.push(`    /** ${commentSafe(cDeclaration(f))} — offset ${f.offset}, ${f.size} byte${f.size === 1 ? "" : "s"} */`);
      lines.push(`    readonly ${propertyName(f.name)}: ${f.tsType};`);
    }
    lines.push("  };");
  }
  lines.push(
    "}",
    "",
    "/** The name of a tracepoint, \"category/name\". */",
    "export type TracepointName = keyof Tracepoints;",
    "/** The `ctx` of a tracepoint handler: the fields of the tracepoint's record. */",
    "export type TracepointContext<N extends TracepointName> = Tracepoints[N];",
    "",
  );
  return lines.join("\n");
}

// ---- the declarations a compile needs ----------------------------------------------------------------------------

/** A name worth suggesting tracepoints for: "category/event", each part a C identifier as the kernel's are. */
const TRACEPOINT_NAME = /^\w+\/\w+$/;

/**
 * The strings a source text writes as literals ("...", '...', `...` without substitutions) with one slash between
 * name characters: every tracepoint name it may use (and some other strings, such as "./file.ts").
 */
export function mentionedNames(text: string): Set<string> {
  const out = new Set<string>();
  for (const m of text.matchAll(/(["'`])([\w.-]+\/[\w.-]+)\1/g)) out.add(m[2]!);
  return out;
}

/** Levenshtein distance, for suggestions. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row.push(Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
    prev = row;
  }
  return prev[b.length]!;
}

/** The known names closest to `name` (at most 3, within a third of its length, as TypeScript's own spelling suggestions). */
export function closestTracepoints(name: string, known: readonly string[]): string[] {
  const limit = Math.max(2, Math.floor(name.length / 3));
  return known
    .map((k) => ({ k, d: editDistance(name, k) }))
    .filter((x) => x.d <= limit)
    .sort((x, y) => x.d - y.d || compareCodeUnits(x.k, y.k))
    .slice(0, 3)
    .map((x) => x.k);
}

/**
 * The tracepoints a compile declares: those `mentioned` (every "category/event" literal of the tracer and its local
 * files) that `data` has, and, for a name it lacks, the closest ones it has, so that a misspelt name is checked
 * against the names it was meant to be (TypeScript's error and its elaboration name them). Declaring these instead of
 * all of them (~900 on a recent kernel, ~370 KB) is most of a cold compile's parsing and checking saved; an editor
 * still reads the whole stdlib-types/tracepoints.d.ts.
 */
export function tracepointSubset(data: TracepointData, mentioned: Iterable<string>): TracepointData {
  const known = Object.keys(data.tracepoints);
  const chosen = new Set<string>();
  for (const name of mentioned) {
    if (Object.hasOwn(data.tracepoints, name)) chosen.add(name);
    else if (TRACEPOINT_NAME.test(name)) for (const k of closestTracepoints(name, known)) chosen.add(k);
  }
  // With one member, `keyof Tracepoints` would be printed as that member's name in TypeScript's messages ("not
  // assignable to parameter of type '"sched/sched_switch"'", as if it were the only tracepoint): two at least keep
  // them as they read with every tracepoint declared.
  for (const k of known) {
    if (chosen.size >= 2) break;
    chosen.add(k);
  }
  const tracepoints: Record<string, TracepointInfo> = {};
  for (const k of [...chosen].sort(compareCodeUnits)) tracepoints[k] = data.tracepoints[k]!;
  return { version: data.version, kernel: data.kernel, tracepoints };
}
