// The kernel-side API of a tsbpf tracer, as TypeScript sees it: integer types, probe declarators, maps and
// aggregations, load-time parameters. The compiler gives each of these its eBPF meaning; the editor uses these
// declarations for completion and type errors. Helpers (`bpf.*`) are generated into helpers.d.ts and tracepoint
// contexts into tracepoints.d.ts.

import type { TracepointContext, TracepointName } from "./tracepoints.js";

export * from "./helpers.js";
export type { TracepointContext, TracepointName, Tracepoints } from "./tracepoints.js";

// ---- Integer types --------------------------------------------------------------------------------------------
// Up to 32 bits an integer is a `number`; 64-bit integers are `bigint`. Arithmetic is integer arithmetic on
// 64-bit registers (division truncates; there are no floats). The width matters where a value is stored: map keys
// and values, struct fields, events.

/** Unsigned 8-bit integer. */
export type u8 = number;
/** Unsigned 16-bit integer. */
export type u16 = number;
/** Unsigned 32-bit integer. */
export type u32 = number;
/** Unsigned 64-bit integer. */
export type u64 = bigint;
/** Signed 8-bit integer. */
export type i8 = number;
/** Signed 16-bit integer. */
export type i16 = number;
/** Signed 32-bit integer. */
export type i32 = number;
/** Signed 64-bit integer. */
export type i64 = bigint;
/** A kernel or user-space address (64 bits). Read the memory behind it with `bpf.probeRead*`. */
export type ptr = bigint;
/** A fixed-capacity string: at most N - 1 bytes and a NUL, compared and used as a map key by value. */
export type Str<N extends number> = string;
/** A fixed-size array of N elements. */
export type FixedArray<T, N extends number> = T[] & { readonly length: N };

// ---- Probes ---------------------------------------------------------------------------------------------------
// Each declarator, called at module level with literal arguments, makes one eBPF program. A handler may return a
// number (the program's return value); otherwise it returns 0.

type Handler<C> = (ctx: C) => void | number;

/**
 * Runs `handler` on every hit of the kernel tracepoint `name` ("category/event", e.g. "syscalls/sys_enter_openat").
 * `ctx` has the tracepoint's fields, with their offsets taken from the running kernel when the program is loaded.
 */
export declare function tracepoint<N extends TracepointName>(name: N, handler: Handler<TracepointContext<N>>): void;

/** Raw tracepoint (4.17): the tracepoint's raw arguments, `ctx.arg(i)`. Cheaper than a tracepoint. */
export declare function rawTracepoint(name: string, handler: Handler<ArgsContext>): void;

/** BTF-typed raw tracepoint (tp_btf, 5.5): like rawTracepoint, checked against the kernel's BTF at load. */
export declare function tpBtf(name: string, handler: Handler<ArgsContext>): void;

/** Entry of a user-space function: `target` is a path, a program on $PATH or a library (`"libc"`). */
export declare function uprobe(target: string, symbol: string, handler: Handler<ProbeContext>): void;
/** Return of a user-space function; `ctx.retval()` is its return value. */
export declare function uretprobe(target: string, symbol: string, handler: Handler<ProbeContext>): void;
/** Entry of a kernel function (needs CONFIG_KPROBES). */
export declare function kprobe(fn: string, handler: Handler<ProbeContext>): void;
/** Return of a kernel function (needs CONFIG_KPROBES). */
export declare function kretprobe(fn: string, handler: Handler<ProbeContext>): void;
/** Entry of a kernel function through a BPF trampoline (5.5; needs BTF): `ctx.arg(i)`. */
export declare function fentry(fn: string, handler: Handler<ArgsContext>): void;
/** Return of a kernel function through a BPF trampoline (5.5): `ctx.arg(i)`, then the return value. */
export declare function fexit(fn: string, handler: Handler<ArgsContext>): void;
/** Samples every online CPU `hz` times a second (cpu-clock). */
export declare function profile(hz: number, handler: Handler<PerfEventContext>): void;
/** Runs every `ms` milliseconds on one CPU. */
export declare function interval(ms: number, handler: Handler<PerfEventContext>): void;

/** The registers of a kprobe or uprobe: function arguments and the return value (x86_64 / arm64 calling convention). */
export interface ProbeContext {
  arg0(): u64;
  arg1(): u64;
  arg2(): u64;
  arg3(): u64;
  arg4(): u64;
  arg5(): u64;
  /** The return value (uretprobe, kretprobe). */
  retval(): u64;
  /** The instruction pointer. */
  ip(): u64;
}

/** The arguments of a raw tracepoint, tp_btf, fentry or fexit program: 64-bit values. */
export interface ArgsContext {
  /** Argument `i` (a constant). */
  arg(i: number): u64;
}

/** A perf-event sample (profile, interval). */
export interface PerfEventContext {
  /** The instruction pointer when the sample was taken. */
  ip(): u64;
}

// ---- Maps -----------------------------------------------------------------------------------------------------
// Declared at module level. Keys and values are integers, booleans, fixed strings, fixed arrays, or structs of
// those (interfaces). In a handler, `get` returns the value in the map itself (or undefined): changing its fields
// changes the map.

/** How `set` treats an existing key: "any" (default), "noexist" (only create), "exist" (only update). */
export type UpdateFlag = "any" | "noexist" | "exist";

interface MapOptions {
  /** Pin the map in bpffs by its name, and reuse it across runs. */
  readonly pinned?: boolean;
}

type Numeric<V> = V extends bigint ? bigint : V extends number ? number : never;

declare class KeyedMap<K, V> {
  /** The value at `key`, or undefined. */
  get(key: K): V | undefined;
  /** Stores `value` at `key`. Returns false when the map is full (or the flag refused). */
  set(key: K, value: V, flag?: UpdateFlag): boolean;
  /** Removes `key`; returns whether it was there. */
  delete(key: K): boolean;
  has(key: K): boolean;
  /** Adds `delta` to the numeric value at `key` atomically, creating it (at `delta`) if absent. */
  add(key: K, delta: Numeric<V>): void;
}

/** BPF_MAP_TYPE_HASH (3.19). */
export declare class HashMap<K, V> extends KeyedMap<K, V> {
  constructor(maxEntries: number, options?: MapOptions);
}
/** BPF_MAP_TYPE_LRU_HASH (4.10): evicts the least recently used entry instead of refusing when full. */
export declare class LruHashMap<K, V> extends KeyedMap<K, V> {
  constructor(maxEntries: number, options?: MapOptions);
}
/** BPF_MAP_TYPE_PERCPU_HASH (4.6): one value per CPU; user space reads them per CPU or merged. */
export declare class PerCpuHashMap<K, V> extends KeyedMap<K, V> {
  constructor(maxEntries: number, options?: MapOptions);
}
/** BPF_MAP_TYPE_LRU_PERCPU_HASH (4.10). */
export declare class LruPerCpuHashMap<K, V> extends KeyedMap<K, V> {
  constructor(maxEntries: number, options?: MapOptions);
}
/** BPF_MAP_TYPE_ARRAY (3.19): `length` elements indexed 0..length-1, pre-zeroed; `get` of an index in range is never undefined. */
export declare class ArrayMap<V> extends KeyedMap<u32, V> {
  constructor(length: number, options?: MapOptions);
}
/** BPF_MAP_TYPE_PERCPU_ARRAY (4.6). */
export declare class PerCpuArrayMap<V> extends KeyedMap<u32, V> {
  constructor(length: number, options?: MapOptions);
}

// ---- Aggregations ---------------------------------------------------------------------------------------------
// Per-CPU maps updated without contention and merged in user space, printed by `tsbpf run` as bpftrace prints
// its maps. K is the key (omit it for a single value): an integer, a Str<N>, or a struct.

type With<K, T extends unknown[]> = [K] extends [void] ? T : [key: K, ...T];

interface AggregationOptions {
  /** Most distinct keys (default 10240). */
  readonly maxEntries?: number;
  /** Unit shown when printing ("ns", "us", "bytes"). */
  readonly unit?: string;
}

/** Counts events: `count()` in bpftrace. */
export declare class Count<K = void> {
  constructor(options?: AggregationOptions);
  increment(...key: With<K, []>): void;
}
/** Sums values: `sum()` in bpftrace. */
export declare class Sum<K = void> {
  constructor(options?: AggregationOptions);
  add(...args: With<K, [value: number | bigint]>): void;
}
/** Smallest value seen. */
export declare class Min<K = void> {
  constructor(options?: AggregationOptions);
  record(...args: With<K, [value: number | bigint]>): void;
}
/** Largest value seen. */
export declare class Max<K = void> {
  constructor(options?: AggregationOptions);
  record(...args: With<K, [value: number | bigint]>): void;
}
/** Average of the values: `avg()` in bpftrace. */
export declare class Avg<K = void> {
  constructor(options?: AggregationOptions);
  record(...args: With<K, [value: number | bigint]>): void;
}
/** Count, average and total: `stats()` in bpftrace. */
export declare class Stats<K = void> {
  constructor(options?: AggregationOptions);
  record(...args: With<K, [value: number | bigint]>): void;
}
/** Power-of-2 histogram: `hist()` in bpftrace. */
export declare class Histogram<K = void> {
  constructor(options?: AggregationOptions);
  record(...args: With<K, [value: number | bigint]>): void;
}
/** Linear histogram of [min, max) in buckets of `step`, plus one below and one above: `lhist()` in bpftrace. */
export declare class LinearHistogram<K = void> {
  constructor(min: number, max: number, step: number, options?: AggregationOptions);
  record(...args: With<K, [value: number | bigint]>): void;
}

// ---- Parameters -----------------------------------------------------------------------------------------------

/**
 * A load-time parameter: read-only data set before the program is loaded (`tsbpf run tool.ts --param name=value`),
 * `defaultValue` otherwise. The verifier sees the value as a constant.
 */
export declare function param<T extends number | bigint | boolean>(name: string, defaultValue: T): T;

/**
 * A tracepoint's `__data_loc` field: where in the record its dynamic data (a string or array) lies, as
 * (length << 16 | offset). Read the string with `bpf.tracepointString(ctx, ctx.field, N)`.
 */
export type DataLoc = number;
