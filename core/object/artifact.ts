// The compiled tracer file, `.tsbpf` (docs/tsbpf-format.md): a CollectionSpec and its user side in; one JSON
// document out, and back. What `tsbpf build -o tool.tsbpf` writes and what `tsbpf run tool.tsbpf` and
// `load("tool.tsbpf")` read on another machine without the compiler: everything kernel-specific in the spec
// (tracepoint record offsets, kernel struct fields) is a relocation resolved against the running kernel at load.
// A file read from disk is outside input: it is checked against the schema below, and every problem is one line
// naming the file and where in it.

import * as z from "../zod.ts";
import type { CollectionSpec } from "./spec.ts";

/** The format's name, first key of every file. */
export const ARTIFACT_FORMAT = "tsbpf";
/** The format's version, written in every file: a reader refuses versions it does not read (the layout of `spec` may change between them). */
export const ARTIFACT_VERSION = 4;
/**
 * The versions this reader reads: 1 has no handler actions (spec.actions) nor begin/end programs, which a version 1
 * reader would load and then drop the lines of; 2 has no stacks (stack trace maps, the "kstack"/"ustack" display of
 * a key or field), which a version 2 reader refuses as malformed; 3 has no kernel struct relocations without a size
 * (an embedded struct's address) or with a `part` (fieldExists(), bitfields), which a version 3 reader would apply
 * as byte offsets. All are read as they are.
 */
export const ARTIFACT_VERSIONS_READ: readonly number[] = [1, 2, 3, 4];
/** "1 and 2", "1, 2 and 3". */
const listVersions = (vs: readonly number[]): string => (vs.length > 1 ? `${vs.slice(0, -1).join(", ")} and ${vs.at(-1)}` : String(vs[0]));
/** The file name extension `run` and `load()` recognise. */
export const ARTIFACT_EXTENSION = ".tsbpf";
/** Larger than any real one (a spec of 1M instructions with source lines is ~200 MB: the kernel caps far below). */
export const MAX_ARTIFACT_BYTES = 256 * 1024 * 1024;

export interface Artifact {
  readonly format: typeof ARTIFACT_FORMAT;
  readonly version: number;
  /** Who wrote it: "tsbpf 0.1.0". */
  readonly producer: string;
  /** The tracer's file name (no directory), for messages. */
  readonly source: string;
  /** The machine it was compiled on: tp_btf handlers' argument types come from that kernel's BTF. */
  readonly builtOn: { readonly kernel: string; readonly arch: string };
  readonly spec: CollectionSpec;
  /**
   * The module's user side (main, format, and the top-level code that constructs its maps), bundled as one ES
   * module whose imports of `tsbpf` are the specifier USER_SIDE_RUNTIME: the loader points them at the runtime
   * that runs it.
   */
  readonly userSide?: { readonly module: string };
}

/** The specifier a bundled user side imports the runtime by (`tsbpf` in the source). */
export const USER_SIDE_RUNTIME = "tsbpf:runtime";
export const USER_SIDE_TESTING = "tsbpf:testing";
/** Where the bundled module's CommonJS parts get `require` (its first line, when it has them); the loader may rebase it. */
export const USER_SIDE_REQUIRE_FROM = "import.meta.url";
export const USER_SIDE_REQUIRE = `import { createRequire as __tsbpfCreateRequire } from "node:module"; const require = __tsbpfCreateRequire(${USER_SIDE_REQUIRE_FROM});`;

// ---- the schema ---------------------------------------------------------------------------------------------------
// Every field the loader relies on, with its type and range. Objects are loose: a field this version does not know is
// kept as written, not dropped (a reader never rewrites a spec).

const int = (min: number, max: number) => z.int().check(z.gte(min), z.lte(max));
const u32 = int(0, 0xffffffff);
const i32 = int(-0x80000000, 0xffffffff);
const name = z.string().check(z.minLength(1), z.maxLength(4096));

const Span = z.looseObject({ file: z.string(), line: int(0, 1 << 30), column: int(0, 1 << 30), start: z.optional(int(0, 2 ** 53)), length: z.optional(int(0, 2 ** 53)) });
const Instruction = z.looseObject({
  op: int(0, 255),
  dst: int(0, 15),
  src: int(0, 15),
  off: int(-0x8000, 0xffff),
  imm: i32,
  imm2: z.optional(i32),
  target: z.optional(z.string()),
  map: z.optional(z.string()),
  meta: z.optional(z.looseObject({ span: z.optional(Span), source: z.optional(z.string()), comment: z.optional(z.string()) })),
});

type TypeDescIn = { kind: string } & Record<string, unknown>;
const TypeDesc: z.ZodMiniType<TypeDescIn> = z.lazy(() =>
  z.discriminatedUnion("kind", [
    z.looseObject({ kind: z.literal("int"), size: z.union([z.literal(1), z.literal(2), z.literal(4), z.literal(8)]), signed: z.boolean(), display: z.optional(z.enum(["syscall", "kstack", "ustack"])), depth: z.optional(int(1, 1024)) }),
    z.looseObject({ kind: z.literal("bool") }),
    z.looseObject({ kind: z.literal("string"), capacity: int(1, 1 << 24) }),
    z.looseObject({ kind: z.literal("bytes"), length: int(0, 1 << 24) }),
    z.looseObject({ kind: z.literal("array"), element: TypeDesc, length: int(0, 1 << 24) }),
    z.looseObject({
      kind: z.literal("struct"), name: z.optional(z.string()), fields: z.array(z.looseObject({ name: z.string(), type: TypeDesc })),
      display: z.optional(z.enum(["kframes", "uframes"])),
    }),
    z.looseObject({ kind: z.literal("pointer") }),
  ]));

const MapType = z.enum(["hash", "array", "prog_array", "perf_event_array", "percpu_hash", "percpu_array", "stack_trace", "lru_hash", "lru_percpu_hash", "lpm_trie", "ringbuf"]);
const MapSpec = z.looseObject({
  name,
  type: MapType,
  keySize: u32,
  valueSize: u32,
  maxEntries: u32,
  flags: z.optional(u32),
  key: z.optional(TypeDesc),
  value: z.optional(TypeDesc),
  pinning: z.optional(z.enum(["none", "by-name"])),
  initialValue: z.optional(z.string().check(z.regex(/^([0-9a-f]{2})*$/, "expected hex bytes"))),
  freeze: z.optional(z.boolean()),
  exported: z.optional(z.boolean()),
  aggregation: z.optional(z.looseObject({
    kind: z.enum(["count", "sum", "min", "max", "avg", "stats", "hist", "lhist"]),
    keyed: z.boolean(),
    key: z.optional(TypeDesc),
    unit: z.optional(z.string()),
    top: z.optional(int(1, 0xffffffff)),
    signed: z.optional(z.boolean()),
    lhist: z.optional(z.looseObject({ min: z.string(), max: z.string(), step: z.string() })),
  })),
  events: z.optional(z.looseObject({ type: TypeDesc, lostMap: name, pages: z.optional(int(1, 1 << 20)) })),
  declared: z.optional(z.looseObject({ class: z.string(), index: int(0, 1 << 20) })),
  metric: z.optional(z.looseObject({
    help: z.optional(z.string()), name: z.optional(z.string()), type: z.optional(z.enum(["counter", "gauge"])), unit: z.optional(z.string()),
    labels: z.optional(z.array(z.string())),
  })),
});

const Attach = z.discriminatedUnion("kind", [
  z.looseObject({ kind: z.literal("tracepoint"), category: name, name }),
  z.looseObject({ kind: z.literal("raw_tracepoint"), name }),
  z.looseObject({ kind: z.literal("tp_btf"), name }),
  z.looseObject({ kind: z.literal("kprobe"), function: name, offset: z.optional(u32), retprobe: z.boolean() }),
  z.looseObject({ kind: z.literal("uprobe"), target: name, symbol: z.optional(z.string()), offset: z.optional(int(0, 2 ** 53)), retprobe: z.boolean(), pid: z.optional(int(-1, 0x7fffffff)) }),
  z.looseObject({ kind: z.literal("usdt"), target: name, provider: name, name, pid: z.optional(int(1, 0x7fffffff)) }),
  z.looseObject({ kind: z.literal("fentry"), function: name }),
  z.looseObject({ kind: z.literal("fexit"), function: name }),
  z.looseObject({ kind: z.literal("profile"), frequency: int(1, 1e9) }),
  z.looseObject({ kind: z.literal("interval"), periodMs: z.number().check(z.positive()) }),
  z.looseObject({ kind: z.literal("begin") }),
  z.looseObject({ kind: z.literal("end") }),
  z.looseObject({ kind: z.literal("none") }),
  z.looseObject({
    kind: z.literal("perf_event"), type: z.enum(["hardware", "software"]), event: name,
    period: z.optional(int(1, Number.MAX_SAFE_INTEGER)), frequency: z.optional(int(1, 1e9)), pid: z.optional(int(-1, 0x7fffffff)),
  }),
]);

const Action = z.discriminatedUnion("kind", [
  z.looseObject({
    kind: z.literal("print"),
    parts: z.array(z.string()),
    args: z.array(z.looseObject({ field: z.string(), display: z.optional(z.literal("time")), format: z.optional(z.string()) })),
    record: TypeDesc,
  }),
  z.looseObject({ kind: z.literal("exit") }),
  z.looseObject({ kind: z.literal("clear"), map: name }),
  z.looseObject({ kind: z.literal("print_map"), map: name, top: z.optional(int(0, 2 ** 31)) }),
]);

const Relocation = z.discriminatedUnion("kind", [
  z.looseObject({ insn: int(0, 2 ** 31), kind: z.literal("tracepoint_field"), tracepoint: name, field: name, offset: int(-0x8000, 0xffff) }),
  z.looseObject({ insn: int(0, 2 ** 31), kind: z.literal("btf_field"), struct: name, field: name, size: z.optional(int(1, 1 << 16)), part: z.optional(z.enum(["exists", "bit_offset", "lshift", "rshift"])) }),
]);

const ProgramSpec = z.looseObject({
  name,
  type: z.enum(["socket_filter", "kprobe", "tracepoint", "xdp", "perf_event", "raw_tracepoint", "tracing", "syscall"]),
  expectedAttachType: z.optional(u32),
  attach: Attach,
  instructions: z.array(Instruction).check(z.minLength(1)),
  license: z.string(),
  flags: z.optional(u32),
  relocations: z.optional(z.array(Relocation)),
  optional: z.optional(z.boolean()),
});

const CollectionSpecSchema = z.looseObject({
  maps: z.array(MapSpec),
  programs: z.array(ProgramSpec),
  params: z.optional(z.array(z.looseObject({ name, offset: u32, type: TypeDesc, default: z.string() }))),
  paramMap: z.optional(z.string()),
  userSide: z.optional(z.looseObject({ main: z.optional(z.boolean()), format: z.optional(z.boolean()) })),
  actions: z.optional(z.looseObject({ map: name, list: z.array(Action) })),
});

const ArtifactSchema = z.looseObject({
  format: z.literal(ARTIFACT_FORMAT),
  version: z.number(),
  producer: z.string(),
  source: z.string(),
  builtOn: z.looseObject({ kernel: z.string(), arch: z.string() }),
  spec: CollectionSpecSchema,
  userSide: z.optional(z.looseObject({ module: z.string() })),
});

// ---- writing and reading ------------------------------------------------------------------------------------------

export function encodeArtifact(a: Omit<Artifact, "format" | "version">): string {
  const { producer, source, builtOn, spec, userSide } = a;
  return `${JSON.stringify({ format: ARTIFACT_FORMAT, version: ARTIFACT_VERSION, producer, source, builtOn, spec, ...(userSide ? { userSide } : {}) })}\n`;
}

/** A .tsbpf file that cannot be used: the message is one line, naming the file. */
export class ArtifactError extends Error {
  override readonly name = "ArtifactError";
}

/** Whether `path` names a compiled tracer (by its extension). */
export const isArtifactPath = (path: string): boolean => path.endsWith(ARTIFACT_EXTENSION);

/** Whether `bytes` look like a .tsbpf file whatever its name: JSON whose first key is `"format": "tsbpf"`. */
export function looksLikeArtifact(bytes: Uint8Array): boolean {
  const head = Buffer.from(bytes.subarray(0, 64)).toString("utf8");
  return /^\s*\{\s*"format"\s*:\s*"tsbpf"/.test(head);
}

/**
 * The artifact in `bytes` (the contents of `file`), checked: valid JSON, this format and version, and a spec whose
 * every field the loader uses has the right type and range. The spec returned is the one written (not a copy the
 * schema rebuilt), so fields a later version adds are never lost.
 */
export function decodeArtifact(bytes: Uint8Array, file: string): Artifact {
  if (bytes.length > MAX_ARTIFACT_BYTES) throw new ArtifactError(`${file}: ${bytes.length} bytes, more than a compiled tracer can be`);
  let data: unknown;
  try {
    data = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8"));
  } catch (e) {
    throw new ArtifactError(`${file}: not a compiled tracer (.tsbpf is JSON: ${(e as Error).message.replace(/\s+/g, " ")}); rebuild it with tsbpf build <tool.ts> -o ${file}`);
  }
  const head = data as { format?: unknown; version?: unknown; producer?: unknown } | null;
  if (typeof head !== "object" || head === null || Array.isArray(head) || head.format !== ARTIFACT_FORMAT) {
    throw new ArtifactError(`${file}: not a compiled tracer (no "format": "tsbpf"); build one with tsbpf build <tool.ts> -o ${file}`);
  }
  if (typeof head.version !== "number" || !ARTIFACT_VERSIONS_READ.includes(head.version)) {
    const by = typeof head.producer === "string" ? ` (written by ${head.producer})` : "";
    throw new ArtifactError(`${file}: format version ${JSON.stringify(head.version)}${by}; this tsbpf reads versions ${listVersions(ARTIFACT_VERSIONS_READ)}: rebuild it from its source with this tsbpf`);
  }
  const r = ArtifactSchema.safeParse(data);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const at = issue.path.length ? issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("").replace(/^\./, "") : "the file";
    const more = r.error.issues.length > 1 ? ` (and ${r.error.issues.length - 1} more problem${r.error.issues.length > 2 ? "s" : ""})` : "";
    throw new ArtifactError(`${file}: damaged compiled tracer: ${at}: ${issue.message}${more}; rebuild it with tsbpf build`);
  }
  const a = data as Artifact;
  checkReferences(a, file);
  return a;
}

/** What the schema cannot say: names that refer to each other (maps of instructions and relocations, param map). */
function checkReferences(a: Artifact, file: string): void {
  const maps = new Set(a.spec.maps.map((m) => m.name));
  const bad = (what: string) => {
    throw new ArtifactError(`${file}: damaged compiled tracer: ${what}; rebuild it with tsbpf build`);
  };
  for (const m of a.spec.maps) if (m.events && !maps.has(m.events.lostMap)) bad(`map ${m.name}'s lost-event counter ${m.events.lostMap} is not a map of the file`);
  if (a.spec.paramMap !== undefined && !maps.has(a.spec.paramMap)) bad(`the parameter map ${a.spec.paramMap} is not a map of the file`);
  for (const p of a.spec.programs) {
    p.instructions.forEach((ins, i) => {
      if (ins.map !== undefined && !maps.has(ins.map)) bad(`program ${p.name}, instruction ${i}: map ${ins.map} is not a map of the file`);
    });
    for (const r of p.relocations ?? []) if (r.insn >= p.instructions.length) bad(`program ${p.name}: a relocation names instruction ${r.insn} of ${p.instructions.length}`);
  }
  if ((a.spec.userSide?.main || a.spec.userSide?.format) && !a.userSide) bad("the module exports main or format, but its user side is missing");
}
