// The compiler: a tracer's TypeScript file in, a CollectionSpec and diagnostics out.
// check (TypeScript + module model) -> lower (IR) -> optimise + codegen -> link (maps, params, programs).

import { arch as hostArch } from "node:process";
import type { SourceSpan } from "../core/asm/index.ts";
import { generate } from "./codegen/index.ts";
import { type Diagnostic, Diagnostics, InternalError } from "./diagnostics.ts";
import { type AggDecl, type MapDecl, type ModuleModel, type ProbeDecl, analyzeModule, isEventChannel } from "./frontend/module.ts";
import { MAX_BRANCHES, MAX_NESTING } from "./frontend/depth.ts";
import { loadProgram } from "./frontend/program.ts";
import { userSideRanges, withoutUserSide } from "./frontend/user-side.ts";
import { intDesc } from "./frontend/types.ts";
import { type LoweredProgram, lowerModule } from "./lower/index.ts";
import type { Progress } from "./ir/ir.ts";
import { loadTracepointDb } from "./lower/tracepoints.ts";
import { flushCodeCache } from "./typescript.ts";
import { AGGREGATIONS, LOG2_BUCKETS, histKey, linearBucketCount } from "../core/aggregations.ts";
import { MAP_KINDS } from "../core/maps.ts";
import { PROBE_KINDS } from "../core/probes.ts";
import { USDT_MAX_SITES, USDT_SPEC, USDT_SPEC_MAP } from "../core/usdt.ts";
import { type TypeDesc, codecOf, layoutOf } from "../core/object/layout.ts";
import { ACTIONS_MAP, USTACK_PIDS_MAP, lostMapName } from "../core/object/names.ts";
import type { AttachSpec, CollectionSpec, MapSpec, ParamSpec, ProgramSpec, ProgramType } from "../core/object/spec.ts";

export interface CompileOptions {
  /** The file's text (instead of reading it). */
  readonly text?: string;
  readonly arch?: "x86_64" | "aarch64";
}

export interface CompileResult {
  /** Undefined when there were errors. */
  readonly spec?: CollectionSpec;
  readonly diagnostics: readonly Diagnostic[];
  /** Source text by file name, for printing diagnostics with code frames. */
  readonly sources: (file: string) => string | undefined;
  /** The IR of each program before code generation (for --emit ir). */
  readonly programs: readonly LoweredProgram[];
}

export const PARAM_MAP = ".rodata";

export function compile(path: string, opts: CompileOptions = {}): CompileResult {
  try {
    return compileFile(path, opts);
  } finally {
    // The first compile in a process leaves V8's code cache of TypeScript written (typescript.ts).
    flushCodeCache();
  }
}

function compileFile(path: string, opts: CompileOptions): CompileResult {
  const loaded = loadProgram(path, opts.text);
  const diags = new Diagnostics();
  let tsReported = false;
  const sources = (file: string) => (file === loaded.file.fileName ? loaded.text : loaded.program.getSourceFile(file)?.text);
  const arch = opts.arch ?? (hostArch === "arm64" ? "aarch64" : "x86_64");
  let programs: LoweredProgram[] = [];
  const deep = loaded.tooDeep;
  if (deep) {
    const hint = "split the code into functions, or a long expression into constants";
    if (deep.branches !== undefined) diags.error("TSB1084", [deep.what, deep.branches, MAX_BRANCHES], deep.span, "split it into functions");
    else if (deep.depth === undefined) diags.error("TSB1083", [], deep.span, hint);
    else diags.error("TSB1080", [deep.what, deep.depth, MAX_NESTING], deep.span, hint);
    return { diagnostics: diags.list, sources, programs };
  }
  if (loaded.diagnostics.some((d) => d.code === "TSB9001")) return { diagnostics: loaded.diagnostics, sources, programs };
  /** Where the compiler is: an internal error (a stack overflow included) is reported there. */
  const progress: Progress = {};
  try {
    const tracepoints = loadTracepointDb();
    const model = analyzeModule(loaded.file, loaded.checker, diags, progress, () => tracepoints.names());
    const userSide = userSideRanges(loaded.file, model, loaded.checker);
    diags.list.unshift(...withoutUserSide(loaded.diagnostics, loaded.file.fileName, userSide));
    tsReported = true;
    if (model.probes.length === 0 && !diags.hasErrors) {
      diags.error("TSB1036", [], { file: loaded.file.fileName, line: 1, column: 1 },
        'declare one at module level, e.g. tracepoint("syscalls/sys_enter_openat", (ctx) => { ... })');
    }
    const params = paramLayout(model);
    const lowered = lowerModule(model, loaded.checker, diags, tracepoints, { arch, paramMap: PARAM_MAP, paramLayout: params.layout, progress });
    programs = lowered.programs;
    const specs: ProgramSpec[] = [];
    for (const lp of programs) {
      progress.span = lp.probe.span;
      const g = generate(lp.funcs, diags, lp.probe.name, lp.probe.span);
      if (!g) continue;
      specs.push({
        name: lp.probe.name,
        ...programType(lp.probe),
        instructions: g.instructions,
        license: "GPL",
        ...(g.relocations.length ? { relocations: g.relocations } : {}),
        ...(lp.probe.optional ? { optional: true } : {}),
      });
    }
    dedupe(diags);
    if (diags.hasErrors) return { diagnostics: diags.list, sources, programs };
    const signed = new Set(programs.flatMap((p) => [...p.signedAggs]));
    const maps: MapSpec[] = [
      ...[...model.maps.values()].flatMap((m) => (isEventChannel(m) ? channelSpecs(m) : [mapSpec(m)])),
      ...[...model.aggs.values()].map((a) => aggSpec(a, signed.has(a.name))),
      ...programs.flatMap((p) => (p.scratch ? [scratchSpec(p.scratch)] : [])),
    ];
    if (params.specs.length) maps.push(params.map);
    if (lowered.actions.length) maps.push(...actionMaps());
    for (const [name, use] of lowered.stackMaps) maps.push(stackMapSpec(name, use.depth));
    if (programs.some((p) => p.usedMaps.has(USTACK_PIDS_MAP))) {
      const u32: TypeDesc = { kind: "int", size: 4, signed: false };
      maps.push({ name: USTACK_PIDS_MAP, type: "lru_hash", keySize: 4, valueSize: 4, maxEntries: 4096, key: u32, value: u32 });
    }
    // The spec records of USDT probe sites, written by the loader (core/usdt.ts), read by ctx.arg(i).
    if (specs.some((p) => p.attach.kind === "usdt")) {
      maps.push({ name: USDT_SPEC_MAP, type: "array", keySize: 4, valueSize: USDT_SPEC.size, maxEntries: USDT_MAX_SITES });
    }
    const moduleSymbol = loaded.checker.getSymbolAtLocation(loaded.file);
    const exported = new Set(moduleSymbol ? loaded.checker.getExportsOfModule(moduleSymbol).map((s) => s.name) : []);
    const user = { ...(exported.has("main") ? { main: true } : {}), ...(exported.has("format") ? { format: true } : {}) };
    const spec: CollectionSpec = {
      maps,
      programs: specs,
      ...(params.specs.length ? { params: params.specs, paramMap: PARAM_MAP } : {}),
      ...(Object.keys(user).length ? { userSide: user } : {}),
      ...(lowered.actions.length ? { actions: { map: ACTIONS_MAP, list: lowered.actions } } : {}),
    };
    return { spec, diagnostics: diags.list, sources, programs };
  } catch (e) {
    if (!(e instanceof InternalError) && !(e instanceof Error)) throw e;
    if (!tsReported) diags.list.unshift(...loaded.diagnostics);
    const span: SourceSpan | undefined = (e instanceof InternalError ? e.span : undefined) ?? progress.span;
    diags.error("TSB9001", [e.message], span, "this is a bug in tsbpf; please report it with the tracer that triggers it");
    return { diagnostics: diags.list, sources, programs };
  }
}

/** A function used by several probes, or a loop body unrolled, reports the same problem once. */
function dedupe(diags: Diagnostics): void {
  const seen = new Set<string>();
  const keep = diags.list.filter((d) => {
    const k = `${d.code}|${d.span?.file}|${d.span?.start}|${d.span?.line}|${d.span?.column}|${d.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  diags.list.splice(0, diags.list.length, ...keep);
}

function programType(p: ProbeDecl): { type: ProgramType; attach: AttachSpec } {
  const def = PROBE_KINDS[p.kind];
  return { type: def.programType, attach: def.attach(p.args) };
}

function channelSpecs(m: MapDecl): MapSpec[] {
  const lostMap = lostMapName(m.name);
  const u32: TypeDesc = { kind: "int", size: 4, signed: false };
  const u64: TypeDesc = { kind: "int", size: 8, signed: false };
  const events = { type: m.value, lostMap, ...(m.pages !== undefined ? { pages: m.pages } : {}) };
  const channel: MapSpec = MAP_KINDS[m.mapType].channel === "ringbuf"
    ? { name: m.name, type: "ringbuf", keySize: 0, valueSize: 0, maxEntries: m.maxEntries, events, declared: m.declared }
    : { name: m.name, type: "perf_event_array", keySize: 4, valueSize: 4, maxEntries: 0, events, declared: m.declared };
  return [
    { ...channel, ...(m.exported ? { exported: true } : {}) },
    { name: lostMap, type: "percpu_array", keySize: 4, valueSize: 8, maxEntries: 1, key: u32, value: u64 },
  ];
}

function mapSpec(m: MapDecl): MapSpec {
  return {
    name: m.name,
    type: m.mapType,
    keySize: layoutOf(m.key).size,
    valueSize: layoutOf(m.value).size,
    maxEntries: m.maxEntries,
    key: m.key,
    value: m.value,
    ...(m.pinned ? { pinning: "by-name" as const } : {}),
    ...(m.exported ? { exported: true } : {}),
    declared: m.declared,
    ...(m.metric ? { metric: m.metric } : {}),
  };
}

/**
 * The ring buffer of the handlers' actions (print, clear, exit), with its lost-record counter. Its records start
 * with the action's index (the channel's event type); user space decodes the rest by the action.
 */
function actionMaps(): MapSpec[] {
  const u32: TypeDesc = { kind: "int", size: 4, signed: false };
  const u64: TypeDesc = { kind: "int", size: 8, signed: false };
  const lostMap = lostMapName(ACTIONS_MAP);
  return [
    { name: ACTIONS_MAP, type: "ringbuf", keySize: 0, valueSize: 0, maxEntries: ACTIONS_RING_BYTES, events: { type: { kind: "struct", fields: [{ name: "action", type: u32 }] }, lostMap } },
    { name: lostMap, type: "percpu_array", keySize: 4, valueSize: 8, maxEntries: 1, key: u32, value: u64 },
  ];
}

/** 256 KiB: bpftrace's perf buffers hold 64 pages per CPU; lines come in bursts (a print per event). */
const ACTIONS_RING_BYTES = 256 * 1024;

/**
 * A stack trace map: a u32 stack id to `depth` u64 addresses (the rest zero). 32,768 stacks: the kernel hashes a
 * stack into one of that many buckets and refuses a different stack there (-EEXIST), so a machine's few thousand
 * distinct stacks need the room (with bcc's 16,384, a whole-machine profile lost one sample in eight); 127-frame
 * stacks make it 33 MiB of kernel memory.
 */
function stackMapSpec(name: string, depth: number): MapSpec {
  const u32: TypeDesc = { kind: "int", size: 4, signed: false };
  const u64: TypeDesc = { kind: "int", size: 8, signed: false };
  return { name, type: "stack_trace", keySize: 4, valueSize: depth * 8, maxEntries: STACK_MAP_ENTRIES, key: u32, value: { kind: "array", element: u64, length: depth } };
}

const STACK_MAP_ENTRIES = 32768;

/** A program's per-CPU scratch memory: values too large for the 512-byte stack (events, big structs). */
function scratchSpec(s: { readonly map: string; readonly size: number }): MapSpec {
  return { name: s.map, type: "percpu_array", keySize: 4, valueSize: Math.max(8, Math.ceil(s.size / 8) * 8), maxEntries: 1 };
}

function aggSpec(a: AggDecl, signed: boolean): MapSpec {
  const u32: TypeDesc = { kind: "int", size: 4, signed: false };
  let key: TypeDesc;
  let type: MapSpec["type"];
  let maxEntries = a.maxEntries;
  const def = AGGREGATIONS[a.agg];
  const isHist = def.histogram;
  const buckets = a.agg === "hist" ? LOG2_BUCKETS : a.lhist ? linearBucketCount(a.lhist) : 1;
  if (a.key) {
    key = isHist ? histKey(a.key) : a.key;
    type = "percpu_hash";
    if (isHist) maxEntries = a.maxEntries * 4;
  } else {
    key = u32;
    type = "percpu_array";
    maxEntries = buckets;
  }
  const value = def.value;
  return {
    name: a.name, type, keySize: layoutOf(key).size, valueSize: layoutOf(value).size, maxEntries, key, value,
    ...(a.exported ? { exported: true } : {}),
    declared: a.declared,
    ...(a.metric ? { metric: a.metric } : {}),
    aggregation: {
      kind: a.agg, keyed: !!a.key, ...(a.key ? { key: a.key } : {}), ...(a.unit ? { unit: a.unit } : {}), ...(a.top ? { top: a.top } : {}),
      ...(signed ? { signed: true } : {}),
      ...(a.lhist ? { lhist: { min: String(a.lhist.min), max: String(a.lhist.max), step: String(a.lhist.step) } } : {}),
    },
  };
}

/** Load-time parameters: one struct in element 0 of a frozen, read-only array map. */
function paramLayout(model: ModuleModel): { layout: Map<import("ts-morph").ts.Symbol, { offset: number; type: import("./frontend/types.ts").IntType }>; specs: ParamSpec[]; map: MapSpec } {
  const entries = [...model.params.entries()];
  const struct: TypeDesc = { kind: "struct", name: "params", fields: entries.map(([, p]) => ({ name: p.paramName, type: intDesc(p.type) })) };
  const layout = new Map<import("ts-morph").ts.Symbol, { offset: number; type: import("./frontend/types.ts").IntType }>();
  const specs: ParamSpec[] = [];
  if (!entries.length) return { layout, specs, map: { name: PARAM_MAP, type: "array", keySize: 4, valueSize: 8, maxEntries: 1 } };
  const l = layoutOf(struct);
  const init: Record<string, unknown> = {};
  entries.forEach(([sym, p], i) => {
    const f = l.fields![i]!;
    layout.set(sym, { offset: f.offset, type: p.type });
    specs.push({ name: p.paramName, offset: f.offset, type: f.type, default: String(p.defaultValue) });
    init[p.paramName] = p.type.bool ? p.defaultValue !== 0n : p.type.bits === 64 ? BigInt.asIntN(64, p.defaultValue) : Number(p.defaultValue);
    if (p.type.bits === 64 && !p.type.signed) init[p.paramName] = BigInt.asUintN(64, p.defaultValue);
  });
  const bytes = codecOf(struct).toBytes(init);
  const valueSize = Math.max(8, Math.ceil(l.size / 8) * 8);
  const padded = new Uint8Array(valueSize);
  padded.set(bytes);
  return {
    layout, specs,
    map: {
      name: PARAM_MAP, type: "array", keySize: 4, valueSize, maxEntries: 1, value: struct.fields.length ? { kind: "bytes", length: valueSize } : struct,
      initialValue: Buffer.from(padded).toString("hex"), freeze: true,
      // BPF_F_RDONLY_PROG: the verifier then reads frozen values as constants and prunes dead branches.
      flags: 1 << 7,
    },
  };
}
