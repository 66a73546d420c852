// The compiler's output and the loaders' input: CollectionSpec, plain deterministic data (JSON-serialisable) that
// describes maps and programs. Nothing here depends on the running kernel; runtime/ turns it into kernel objects.

import type { Instruction } from "../asm/index.ts";
import type { AggregationKind } from "../aggregations.ts";
import type { MapType } from "../maps.ts";
import type { AttachSpec } from "../probes.ts";
import type { TypeDesc } from "./layout.ts";

/** Map types, named as in the kernel (BPF_MAP_TYPE_*): their ids and properties are core/maps.ts's MAP_KINDS. */
export type { MapType } from "../maps.ts";

/** Program types (BPF_PROG_TYPE_*), with their ids. */
export const PROGRAM_TYPES = {
  socket_filter: 1,
  /** kprobes and uprobes. */
  kprobe: 2,
  tracepoint: 5,
  xdp: 6,
  perf_event: 7,
  raw_tracepoint: 17,
  /** fentry, fexit, tp_btf. */
  tracing: 26,
  syscall: 31,
} as const;
export type ProgramType = keyof typeof PROGRAM_TYPES;

/** bpf_attach_type values used at load time (expected_attach_type) and by BPF_LINK_CREATE. */
export const ATTACH_TYPES = {
  trace_raw_tp: 23,
  trace_fentry: 24,
  trace_fexit: 25,
  xdp: 37,
  perf_event: 41,
  trace_kprobe_multi: 42,
  trace_uprobe_multi: 48,
} as const;

/** Map flags (BPF_F_*). */
export const MAP_FLAGS = {
  noPrealloc: 1 << 0,
  rdonly: 1 << 3,
  wronly: 1 << 4,
  rdonlyProg: 1 << 7,
  wronlyProg: 1 << 8,
  mmapable: 1 << 10,
} as const;

export interface MapSpec {
  readonly name: string;
  readonly type: MapType;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly flags?: number;
  /** Layout of keys and values, when known: the runtime then encodes and decodes JS values. */
  readonly key?: TypeDesc;
  readonly value?: TypeDesc;
  /** "by-name": pin at <bpffs>/<name> and reuse an existing pin with the same definition. */
  readonly pinning?: "none" | "by-name";
  /** Initial contents of element 0 (global data: .rodata, .data); hex, to stay JSON. */
  readonly initialValue?: string;
  /** Freeze after initialising (read-only data). */
  readonly freeze?: boolean;
  /** The tracer declared it with `export`: `tsbpf run` prints it. */
  readonly exported?: boolean;
  /** What kind of aggregation the map holds, for merging per-CPU values and printing. */
  readonly aggregation?: AggregationSpec;
  /** Event channels (ringbuf, perf_event_array): the type of their records, and where drops are counted. */
  readonly events?: EventsSpec;
  /** The map object the tracer module declares, for binding the user side's objects to the kernel's maps. */
  readonly declared?: DeclaredSpec;
  /** What the declaration says about the map as a metric (`tsbpf serve`): its doc comment and tags. */
  readonly metric?: MetricSpec;
}

/**
 * A map as a metric, as its declaration describes it (compiler/frontend/metrics.ts): every field optional, the
 * metric families (runtime/metrics) fill in defaults from the map's kind and key.
 */
export interface MetricSpec {
  /** The doc comment's text. */
  readonly help?: string;
  /** The family's name instead of `<tool>_<map>`. */
  readonly name?: string;
  /** How a plain map's or a Sum's value is exposed. */
  readonly type?: "counter" | "gauge";
  /** The unit of the values (`ns` values are exposed in seconds). */
  readonly unit?: string;
  /** The label names of the key: one for a key that is not a struct, one per field of a struct (in order). */
  readonly labels?: readonly string[];
}

/** An event channel's records. */
export interface EventsSpec {
  /** The layout of one event (a struct). */
  readonly type: TypeDesc;
  /** A per-CPU array of one u64: the events the programs could not send because the buffer was full. */
  readonly lostMap: string;
  /** perf_event_array: pages (a power of two) of each CPU's buffer. */
  readonly pages?: number;
}

/**
 * Where the tracer module declares a map: the class it constructs (`HashMap`, `Count`, `RingBuffer`, ...) and the
 * position of that `new` among the module's top-level map declarations (0-based, source order), which is the order
 * in which the module constructs them when it runs on the user side.
 */
export interface DeclaredSpec {
  readonly class: string;
  readonly index: number;
}

/** How an aggregation map is laid out and shown (core/aggregations.ts). */
export interface AggregationSpec {
  readonly kind: AggregationKind;
  /** Whether the user declared a key (otherwise the map has one element, or one per bucket). */
  readonly keyed: boolean;
  /** The user's key type (keyed histograms store {key, bucket}). */
  readonly key?: TypeDesc;
  readonly unit?: string;
  /** Print only the `top` largest entries, and the number of keys (keyed aggregations; the tracer's `{ top: N }`). */
  readonly top?: number;
  /** Whether recorded values were signed (min, max, histograms). */
  readonly signed?: boolean;
  readonly lhist?: { readonly min: string; readonly max: string; readonly step: string };
}

/**
 * An instruction to patch at load time: a load from a tracepoint record (its `off` follows the field's offset in
 * the running kernel's format), or a `add reg, imm` whose imm becomes the offset of a kernel struct's field in the
 * running kernel's BTF (as CO-RE does; compiled as 0).
 */
export type RelocationSpec = TracepointFieldRelocation | BtfFieldRelocation;

export interface TracepointFieldRelocation {
  /** Index of the instruction in `instructions`. */
  readonly insn: number;
  readonly kind: "tracepoint_field";
  readonly tracepoint: string;
  readonly field: string;
  /** The offset the instruction was compiled with. */
  readonly offset: number;
}

/** The parts of a kernel struct field a `btf_field` relocation can give (see BtfFieldRelocation.part). */
export type FieldPart = "exists" | "bit_offset" | "lshift" | "rshift";

export interface BtfFieldRelocation {
  readonly insn: number;
  readonly kind: "btf_field";
  /** The struct (or union) name in BTF, e.g. "task_struct". */
  readonly struct: string;
  /** A member, or a dotted path through embedded structs ("se.sum_exec_runtime"); anonymous members are looked into. */
  readonly field: string;
  /** Bytes the program reads at the field: the field must have exactly this size (none: only its offset is taken). */
  readonly size?: number;
  /**
   * What the immediate becomes (default: the field's byte offset; a bitfield is refused there): "exists", 1 if the
   * kernel has the field, else 0 (never an error); for a bitfield read as 8 bytes from "bit_offset", the byte holding
   * its first bit, then shifted left by "lshift" and right by "rshift" (an integer field reads the same way).
   */
  readonly part?: FieldPart;
}

/** Where a program attaches: one member per attach kind, defined with the probe kinds (core/probes.ts). */
export type { AttachSpec } from "../probes.ts";

export interface ProgramSpec {
  readonly name: string;
  readonly type: ProgramType;
  readonly expectedAttachType?: number;
  readonly attach: AttachSpec;
  /** Resolved instructions (no labels); map references are by name, patched to fds at load. */
  readonly instructions: readonly Instruction[];
  readonly license: string;
  /** BPF_F_* program flags (sleepable, ...). */
  readonly flags?: number;
  readonly relocations?: readonly RelocationSpec[];
  /**
   * Declared `{ optional: true }`: where its attach point does not exist on the running machine (a tracepoint, a
   * kernel or library function, a library, kprobes themselves), the program is skipped, not loaded, instead of
   * failing the load. Other failures (the verifier, permissions) still fail.
   */
  readonly optional?: boolean;
}

/** A load-time parameter: where it lives in the read-only data map. */
export interface ParamSpec {
  readonly name: string;
  readonly offset: number;
  readonly type: TypeDesc;
  /** The default value, as a decimal string (JSON has no bigints). */
  readonly default: string;
}

export interface CollectionSpec {
  readonly maps: readonly MapSpec[];
  readonly programs: readonly ProgramSpec[];
  /** Load-time parameters, held in map `paramMap`. */
  readonly params?: readonly ParamSpec[];
  readonly paramMap?: string;
  /** What the module exports for its user side: `main(args)` (a one-file tool), `format(event, channel)`. */
  readonly userSide?: { readonly main?: boolean; readonly format?: boolean };
  /** What the handlers ask of user space (print(), exit(), clear(), printing a map), when any does. */
  readonly actions?: ActionsSpec;
}

/**
 * The actions of a tracer's handlers: records sent through one ring buffer (`map`, a RingBuffer whose `events`
 * type is the header every record starts with: the action's index in `list`), each decoded and carried out by user
 * space in the order they were sent. A print() formats its line there, so no format string runs in the kernel.
 */
export interface ActionsSpec {
  readonly map: string;
  readonly list: readonly ActionSpec[];
}

export type ActionSpec =
  /**
   * A line: `parts[0] + value(args[0]) + parts[1] + ...`. `record` is the struct sent (the u32 index first, then one
   * field per argument, named as in `args`).
   */
  | { readonly kind: "print"; readonly parts: readonly string[]; readonly args: readonly PrintArg[]; readonly record: TypeDesc }
  /** End the run, as Ctrl-C does. */
  | { readonly kind: "exit" }
  /** Delete every entry of a map (zero an array's). */
  | { readonly kind: "clear"; readonly map: string }
  /** Print a map now, as at the end of the run (`top`: only the largest entries). */
  | { readonly kind: "print_map"; readonly map: string; readonly top?: number };

/** One value of a printed line: the record's field `field`, shown as its type says or as `display` asks. */
export interface PrintArg {
  readonly field: string;
  /** "time": a CLOCK_MONOTONIC time in ns (bpf_ktime_get_ns), printed as the wall-clock time with `format` (strftime). */
  readonly display?: "time";
  readonly format?: string;
}
