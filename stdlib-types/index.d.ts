// The API of a tsbpf tracer, as TypeScript sees it: integer types, probe declarators, maps, aggregations and event
// channels, load-time parameters, and `load()`. One declaration serves both sides: in a probe handler (kernel side)
// the compiler gives each method its eBPF meaning; in `main()` or a Node program (user side) the same objects read
// and write the kernel's maps. Methods marked "user side" are compile errors in a handler. Helpers (`bpf.*`) are
// generated into helpers.d.ts and tracepoint contexts into tracepoints.d.ts.

import type { TracepointContext, TracepointName } from "./tracepoints.js";
import type { KernelFunctions } from "./kernel-functions.js";

export * from "./helpers.js";
export type { TracepointContext, TracepointName, Tracepoints } from "./tracepoints.js";
/** The kernel's structs, unions and enums, from its BTF: `kernel.task_struct`, `kernel.file` (see `KernelPtr`). */
export type * as kernel from "./kernel.js";
export type { KernelFunctions } from "./kernel-functions.js";
/** A kernel function with a BTF prototype (stdlib-types/kernel-functions.d.ts): fentry, fexit, kprobe and kretprobe type it. */
export type KernelFunctionName = keyof KernelFunctions;
/** The parameters of kernel function `F`, as its handler receives them. */
export type KernelArgs<F extends KernelFunctionName> = KernelFunctions[F]["args"];
/** The return value of kernel function `F`. */
export type KernelReturn<F extends KernelFunctionName> = KernelFunctions[F]["ret"];

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
/**
 * A pointer to the kernel struct or union `T` (declared in `tsbpf/kernel`, or by `tsbpf types --btf`): a `ptr` whose
 * fields read kernel memory, `bpf.currentTask().real_parent.tgid`. Each field is read at its offset in the running
 * kernel, which the loader takes from the kernel's BTF (CO-RE), with bpf_probe_read_kernel; a NULL or unreadable
 * pointer reads as zeros (test it first where that matters: `if (task.mm === 0n) return;`). An embedded struct
 * (`file.f_path`) costs nothing until one of its fields is read.
 */
export type KernelPtr<T> = ptr & T;
/**
 * A syscall number (a u32: raw_syscalls/sys_enter's `id`, `__NR_openat` in C). As a key or a field, `tsbpf run`
 * prints it as the running architecture's name for it (`openat`), or as a number with `--syscall-numbers`.
 */
export type Syscall = number;
declare const kernelStack: unique symbol;
declare const userStack: unique symbol;
/**
 * A kernel stack of at most `Depth` frames, from `bpf.kstack()`: a key, a value or an event field that `tsbpf run`
 * prints as its symbolized frames (one per line, innermost first) and `--format folded` as a flame graph's line.
 */
export type KStack<Depth extends number = 127> = u64 & { readonly [kernelStack]: Depth };
/** A user-space stack of at most `Depth` frames and its process, from `bpf.ustack()`; printed as KStack is. */
export type UStack<Depth extends number = 127> = u64 & { readonly [userStack]: Depth };
declare const kernelFrames: unique symbol;
declare const userFrames: unique symbol;
/**
 * A kernel stack's frames themselves, copied into an event (or a map value) by `bpf.kframes()` with bpf_get_stack:
 * no stack map, so an event carries its whole stack. Printed as KStack is.
 */
export interface KFrames<Depth extends number = 127> {
  /** The process the stack was taken in. */
  readonly pid: u32;
  /** The bytes of frames bpf_get_stack wrote (8 per frame), or its negative errno. */
  readonly size: i64;
  /** Return addresses, innermost first; zero past `size`. */
  readonly frames: FixedArray<u64, Depth>;
  readonly [kernelFrames]?: Depth;
}
/** A user stack's frames themselves, copied by `bpf.uframes()`; as KFrames. */
export interface UFrames<Depth extends number = 127> {
  readonly pid: u32;
  readonly size: i64;
  readonly frames: FixedArray<u64, Depth>;
  readonly [userFrames]?: Depth;
}
/** What `bpf.kframes()` and `bpf.uframes()` copy (bpf_get_stack compares nothing: no `fast`). */
export interface FramesOptions<D extends number = 127> {
  /** At most this many frames, 1 to 127; a number literal. Default 127. */
  readonly depth?: D;
  /** Leave out this many innermost frames (0 to 255). */
  readonly skip?: number;
}
/** What `bpf.kstack()` and `bpf.ustack()` capture. */
export interface StackOptions<D extends number = 127> {
  /** At most this many frames, 1 to 127 (the kernel's perf_event_max_stack); a number literal. Default 127. */
  readonly depth?: D;
  /** Leave out this many innermost frames (0 to 255). */
  readonly skip?: number;
  /** Compare stacks by their hash only when storing them (the kernel's BPF_F_FAST_STACK_CMP): cheaper, may merge two. */
  readonly fast?: boolean;
}
/**
 * A fixed-capacity string: at most N - 1 bytes and a NUL, compared and used as a map key by value. N is a number
 * literal, or a type that is one: `Str<typeof LEN>` for a `const LEN = 64`.
 */
export type Str<N extends number> = string;
declare const fixedLength: unique symbol;
/**
 * A fixed-size array of N elements. A shorter literal (even `[]`) leaves the rest zeroed; a longer one is an error.
 * An element is assigned at a constant index, or at a variable one in a bounded loop (out of range: not written).
 * N is a number literal, or a type that is one (`typeof MAX` for a `const MAX = 20`).
 */
export type FixedArray<T, N extends number> = T[] & { readonly [fixedLength]?: N };

// ---- Probes ---------------------------------------------------------------------------------------------------
// Each declarator, called at module level with literal arguments, makes one eBPF program. A handler may return a
// number (the program's return value); otherwise it returns 0.

type Handler<C> = (ctx: C) => void | number;

/** Options of a probe, given just before its handler. */
export interface ProbeOptions {
  /**
   * Skip this probe where its attach point does not exist on the running machine (a tracepoint, a kernel or
   * library function, a library, kprobes themselves) instead of failing: the program is neither loaded nor
   * attached, and `tsbpf run` says which probe it skipped and why. Other failures still fail. For tools that run
   * on kernels and distributions that differ: `sys_enter_open` exists on x86_64 but not on arm64, readline is in
   * bash on Debian and in libreadline elsewhere. When every probe of a tracer is skipped, the load fails.
   */
  readonly optional?: boolean;
}

/**
 * Runs `handler` on every hit of the kernel tracepoint `name` ("category/event", e.g. "syscalls/sys_enter_openat").
 * `ctx` has the tracepoint's fields, with their offsets taken from the running kernel when the program is loaded.
 */
export declare function tracepoint<N extends TracepointName | TracepointPattern>(name: N, handler: Handler<ContextOf<N>>): void;
export declare function tracepoint<N extends TracepointName | TracepointPattern>(name: N, options: ProbeOptions, handler: Handler<ContextOf<N>>): void;
/**
 * A tracepoint name with `*` or `?` ("sched/sched_*", "syscalls/sys_enter_*"): every tracepoint it matches, each
 * its own program sharing the handler, which sees only what they share (no record fields) and `probe()`.
 */
export type TracepointPattern = `${string}*${string}` | `${string}?${string}`;
type ContextOf<N> = N extends TracepointName ? TracepointContext<N> : PatternContext;
/** The context of a tracepoint pattern's handler: the fields differ between the tracepoints, so none is offered. */
export interface PatternContext {}
/** The probe that fired, named as bpftrace's `probe` names it: "tracepoint:sched:sched_switch", "kprobe:vfs_read". */
export declare function probe(): Str<64>;
/**
 * Whether the running kernel has this field of a kernel struct (`fieldExists(task.core_cookie)`): a constant the
 * loader sets from the kernel's BTF, as libbpf's `bpf_core_field_exists`. Nothing is read. A read of a field this
 * kernel lacks fails at load, unless the program tests the field with `fieldExists()`: then only a read the test
 * does not guard is refused, so one tracer runs on kernels that differ.
 */
export declare function fieldExists(field: unknown): boolean;
/**
 * A bitfield of a kernel struct (`unsigned int in_execve:1`), read as an integer of type `T`: the loader takes its
 * bit position and width from the running kernel's BTF.
 */
export type Bits<T> = T;

/** Raw tracepoint (4.17): the tracepoint's raw arguments, `ctx.arg(i)`. Cheaper than a tracepoint. */
export declare function rawTracepoint(name: string, handler: Handler<ArgsContext>): void;
export declare function rawTracepoint(name: string, options: ProbeOptions, handler: Handler<ArgsContext>): void;

/** BTF-typed raw tracepoint (tp_btf, 5.5): like rawTracepoint, checked against the kernel's BTF at load. */
export declare function tpBtf(name: string, handler: Handler<ArgsContext>): void;
export declare function tpBtf(name: string, options: ProbeOptions, handler: Handler<ArgsContext>): void;

/** Entry of a user-space function: `target` is a path, a program on $PATH or a library (`"libc"`). */
export declare function uprobe(target: string, symbol: string, handler: Handler<ProbeContext>): void;
export declare function uprobe(target: string, symbol: string, options: ProbeOptions, handler: Handler<ProbeContext>): void;
/** Return of a user-space function; `ctx.retval()` is its return value. */
export declare function uretprobe(target: string, symbol: string, handler: Handler<ProbeContext>): void;
export declare function uretprobe(target: string, symbol: string, options: ProbeOptions, handler: Handler<ProbeContext>): void;
/**
 * A USDT probe (a static probe of `<sys/sdt.h>`, DTRACE_PROBE/STAP_PROBE) named `provider`:`name` in `target`: a
 * program's or a library's path, a program on $PATH, or a process id (that process's main executable, in that
 * process only). Every site of the probe is attached; its semaphore, if any, is set while attached. `ctx.arg(i)` is
 * the probe's argument `i`, read where its note says and extended from its size.
 */
export declare function usdt(target: string | number, provider: string, name: string, handler: Handler<UsdtContext>): void;
export declare function usdt(target: string | number, provider: string, name: string, options: ProbeOptions, handler: Handler<UsdtContext>): void;
/**
 * Entry of a kernel function (needs CONFIG_KPROBES). A function with a BTF prototype (`KernelFunctionName`) gives
 * the handler its arguments, typed (`kprobe("vfs_read", (file, buf, count) => ...)`, read from the registers: the
 * first 6); another gets the registers (`ctx.arg0()`).
 */
export declare function kprobe<F extends KernelFunctionName>(fn: F, handler: (...args: KernelArgs<F>) => void | number): void;
export declare function kprobe<F extends KernelFunctionName>(fn: F, options: ProbeOptions, handler: (...args: KernelArgs<F>) => void | number): void;
export declare function kprobe(fn: string, handler: Handler<ProbeContext>): void;
export declare function kprobe(fn: string, options: ProbeOptions, handler: Handler<ProbeContext>): void;
/**
 * Return of a kernel function (needs CONFIG_KPROBES). A function with a BTF prototype gives the handler its return
 * value, typed (`kretprobe("vfs_read", (ret) => ...)`); another gets the registers (`ctx.retval()`).
 */
export declare function kretprobe<F extends KernelFunctionName>(fn: F, handler: (ret: KernelReturn<F>) => void | number): void;
export declare function kretprobe<F extends KernelFunctionName>(fn: F, options: ProbeOptions, handler: (ret: KernelReturn<F>) => void | number): void;
export declare function kretprobe(fn: string, handler: Handler<ProbeContext>): void;
export declare function kretprobe(fn: string, options: ProbeOptions, handler: Handler<ProbeContext>): void;
/**
 * Entry of a kernel function through a BPF trampoline (5.5; needs BTF): the handler gets the function's arguments,
 * typed from its BTF prototype (`fentry("vfs_read", (file, buf, count, pos) => ...)`); a function that
 * kernel-functions.d.ts does not type gets `ctx.arg(i)`.
 */
export declare function fentry<F extends KernelFunctionName>(fn: F, handler: (...args: KernelArgs<F>) => void | number): void;
export declare function fentry<F extends KernelFunctionName>(fn: F, options: ProbeOptions, handler: (...args: KernelArgs<F>) => void | number): void;
export declare function fentry(fn: string, handler: Handler<ArgsContext>): void;
export declare function fentry(fn: string, options: ProbeOptions, handler: Handler<ArgsContext>): void;
/**
 * Return of a kernel function through a BPF trampoline (5.5): the handler gets the function's arguments and then its
 * return value, typed (`fexit("vfs_read", (file, buf, count, pos, ret) => ...)`); a function that
 * kernel-functions.d.ts does not type gets `ctx.arg(i)`, the return value after the arguments.
 */
export declare function fexit<F extends KernelFunctionName>(fn: F, handler: (...args: [...KernelArgs<F>, ret: KernelReturn<F>]) => void | number): void;
export declare function fexit<F extends KernelFunctionName>(fn: F, options: ProbeOptions, handler: (...args: [...KernelArgs<F>, ret: KernelReturn<F>]) => void | number): void;
export declare function fexit(fn: string, handler: Handler<ArgsContext>): void;
export declare function fexit(fn: string, options: ProbeOptions, handler: Handler<ArgsContext>): void;
/** Samples every online CPU `hz` times a second (cpu-clock). */
export declare function profile(hz: number, handler: Handler<PerfEventContext>): void;
/** Runs every `ms` milliseconds on one CPU. */
export declare function interval(ms: number, handler: Handler<PerfEventContext>): void;
// ---- hardware() and software(): perf events ---------------------------------------------------------------
/** Options of a hardware or software probe: how often to sample (one of period and frequency), and `optional`. */
export type PerfEventOptions = ProbeOptions & (
  | {
    /** Run the handler every `period` events (a constant). The default is bpftrace's for the event (`tsbpf list -v`). */
    readonly period?: number;
    readonly frequency?: never;
  }
  | {
    /** Run the handler about `frequency` times a second per CPU (the kernel adjusts the period as it goes). */
    readonly frequency?: number;
    readonly period?: never;
  }
);
/** The software perf events by perf's and bpftrace's names: counted by the kernel, on every machine. */
export type SoftwareEventName =
  | "cpu-clock" | "cpu" | "task-clock" | "page-faults" | "faults" | "context-switches" | "cs" | "cpu-migrations"
  | "migrations" | "minor-faults" | "major-faults" | "alignment-faults" | "emulation-faults" | "dummy" | "bpf-output"
  | "cgroup-switches";
/** The hardware perf events by perf's and bpftrace's names: counted by the CPU's PMU, where the machine has one. */
export type HardwareEventName =
  | "cpu-cycles" | "cycles" | "instructions" | "cache-references" | "cache-misses" | "branch-instructions" | "branches"
  | "branch-misses" | "bus-cycles" | "frontend-stalls" | "stalled-cycles-frontend" | "backend-stalls"
  | "stalled-cycles-backend" | "ref-cycles";
/**
 * Samples a hardware event, counted by the CPU's performance monitoring unit: every `period` events or at
 * `frequency` Hz, on every CPU (or in the -p / -c process only). A machine without a PMU (most virtual machines)
 * cannot: the load fails, saying so, unless the probe is `optional: true`.
 */
export declare function hardware(event: HardwareEventName, handler: Handler<PerfEventContext>): void;
export declare function hardware(event: HardwareEventName, options: PerfEventOptions, handler: Handler<PerfEventContext>): void;
/**
 * Samples a software event, counted by the kernel (`"page-faults"`, `"context-switches"`): every `period` events
 * (`{ period: 1 }`: every one) or at `frequency` Hz, on every CPU (or in the -p / -c process only).
 */
export declare function software(event: SoftwareEventName, handler: Handler<PerfEventContext>): void;
export declare function software(event: SoftwareEventName, options: PerfEventOptions, handler: Handler<PerfEventContext>): void;

/** Runs once when every probe is attached: bpftrace's BEGIN. */
export declare function begin(handler: Handler<void>): void;
/** Runs once when the run ends, before the maps are printed: bpftrace's END. */
export declare function end(handler: Handler<void>): void;

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

/** The context of a USDT probe: its arguments, as its note describes them, and the registers. */
export interface UsdtContext {
  /** Argument `i` (a constant, 0 to 11), sign- or zero-extended from its size as the probe declares it; 0 past the last. */
  arg(i: number): i64;
  /** How many arguments this site of the probe has. */
  argCount(): u32;
  /** The instruction pointer (the probe's address). */
  ip(): u64;
}

/** The arguments of a raw tracepoint, tp_btf, fentry or fexit program: 64-bit values. */
export interface ArgsContext {
  /** Argument `i` (a constant). */
  arg(i: number): u64;
}

/** A perf-event sample (profile, interval, hardware, software): struct bpf_perf_event_data. */
export interface PerfEventContext {
  /** The instruction pointer when the sample was taken. */
  ip(): u64;
  /** The events counted since the last sample: the period, or, sampling at a frequency, the one the kernel chose. */
  samplePeriod(): u64;
  /** The sample's data address, where the event has one (a page fault's faulting address); otherwise 0. */
  addr(): u64;
}

// ---- Output from handlers -------------------------------------------------------------------------------------
// Handlers ask user space to act: the values travel through a ring buffer and user space does the rest (formats the
// line, reads or clears the map, ends the run), in the order the handlers asked, as bpftrace's printf/print/clear/exit.

/**
 * Prints one line: a template literal of integers, booleans, Str<N> values and `time()`
 * (`` print(`${bpf.comm()} opened ${path}`) ``). The values are sent as they are; the line is formatted in user space.
 * `print(map)` prints a map (an aggregation, or a hash map) now, as at the end of the run; `top` keeps the largest entries.
 */
export declare function print(line: string): void;
export declare function print(map: AnyMap, top?: number): void;
/**
 * The wall-clock time when the handler ran, for a print() line: strftime's `format` (default "%H:%M:%S"; `%f` is
 * microseconds). Only inside print()'s template.
 */
export declare function time(format?: string): string;
/** Deletes every entry of a map (zeroes an array's), in user space, in order with print(). */
export declare function clear(map: AnyMap): void;
/** Ends the run, as Ctrl-C does (end handlers run, maps print). */
export declare function exit(): void;

// ---- Maps -----------------------------------------------------------------------------------------------------
// Declared at module level. Keys and values are integers, booleans, fixed strings, fixed arrays, or structs of
// those (interfaces). In a handler, `get` returns the value in the map itself (or undefined): changing its fields
// changes the map. On the user side, values are copies: u64 as bigint, structs as objects, Str<N> as string.

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
  /** User side: every entry, in the kernel's iteration order. */
  entries(): [K, V][];
  /** User side: every key. */
  keys(): K[];
  /** User side: every value. */
  values(): V[];
  /** User side: deletes every entry (array maps: zeroes every element). */
  clear(): void;
}

/** Per-CPU maps on the user side: `get` and `entries` sum the CPUs' values (integers, and integer fields of structs). */
declare class PerCpuKeyedMap<K, V> extends KeyedMap<K, V> {
  /** User side: the value of each possible CPU, in CPU order; undefined when the key is absent. */
  perCpu(key: K): V[] | undefined;
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
export declare class PerCpuHashMap<K, V> extends PerCpuKeyedMap<K, V> {
  constructor(maxEntries: number, options?: MapOptions);
}
/** BPF_MAP_TYPE_LRU_PERCPU_HASH (4.10). */
export declare class LruPerCpuHashMap<K, V> extends PerCpuKeyedMap<K, V> {
  constructor(maxEntries: number, options?: MapOptions);
}
/**
 * BPF_MAP_TYPE_ARRAY (3.19): `length` elements indexed 0..length-1, pre-zeroed. `get` is undefined only for an index
 * past the end (the kernel's lookup is null there): `a.get(i) ?? 0n`. A constant index past the end is a compile error.
 */
export declare class ArrayMap<V> extends KeyedMap<u32, V> {
  constructor(length: number, options?: MapOptions);
}
/** BPF_MAP_TYPE_PERCPU_ARRAY (4.6). */
export declare class PerCpuArrayMap<V> extends PerCpuKeyedMap<u32, V> {
  constructor(length: number, options?: MapOptions);
}

// ---- Aggregations ---------------------------------------------------------------------------------------------
// Per-CPU maps updated without contention and merged in user space, printed by `tsbpf run` as bpftrace prints
// its maps. K is the key (omit it for a single value): an integer, a Str<N>, or a struct.

type With<K, T extends unknown[]> = [K] extends [void] ? T : [key: K, ...T];
/** The key an aggregation's entries() reports: undefined for an aggregation without a key. */
type KeyOf<K> = [K] extends [void] ? undefined : K;

/** One bucket of a histogram: values in [low, high) were seen `count` times. */
export interface Bucket {
  readonly low: bigint;
  readonly high: bigint;
  readonly count: bigint;
}

/** What a Stats aggregation holds for a key. */
export interface StatsValue {
  readonly count: bigint;
  readonly total: bigint;
  /** total / count, truncated (0 when count is 0). */
  readonly average: bigint;
}

/** User side of every aggregation: read merged across CPUs, printed as `tsbpf run` prints it, cleared. */
declare class Aggregation<K, R> {
  /** User side: every key with its merged value, in the order `tsbpf run` prints them. */
  entries(): [KeyOf<K>, R][];
  /** User side: deletes everything recorded so far. */
  clear(): void;
  /** User side: the text `tsbpf run` prints for this aggregation (bpftrace's format). */
  print(): string;
}

interface AggregationOptions {
  /** Most distinct keys (default 10240). */
  readonly maxEntries?: number;
  /** Unit shown when printing ("ns", "us", "bytes"). */
  readonly unit?: string;
  /** Print only the N largest entries, and how many keys there are (bpftrace's `print(@m, N)`); keyed aggregations. */
  readonly top?: number;
}

/** Counts events: `count()` in bpftrace. */
export declare class Count<K = void> extends Aggregation<K, bigint> {
  constructor(options?: AggregationOptions);
  increment(...key: With<K, []>): void;
  /** User side: the count for `key` (0n when never incremented). */
  get(...key: With<K, []>): bigint;
}
/** Sums values: `sum()` in bpftrace. */
export declare class Sum<K = void> extends Aggregation<K, bigint> {
  constructor(options?: AggregationOptions);
  add(...args: With<K, [value: number | bigint]>): void;
  /** User side: the sum for `key` (0n when nothing was added). */
  get(...key: With<K, []>): bigint;
}
/** Smallest value seen. */
export declare class Min<K = void> extends Aggregation<K, bigint> {
  constructor(options?: AggregationOptions);
  record(...args: With<K, [value: number | bigint]>): void;
  /** User side: the smallest value recorded for `key`, or undefined. */
  get(...key: With<K, []>): bigint | undefined;
}
/** Largest value seen. */
export declare class Max<K = void> extends Aggregation<K, bigint> {
  constructor(options?: AggregationOptions);
  record(...args: With<K, [value: number | bigint]>): void;
  /** User side: the largest value recorded for `key`, or undefined. */
  get(...key: With<K, []>): bigint | undefined;
}
/** Average of the values: `avg()` in bpftrace. */
export declare class Avg<K = void> extends Aggregation<K, bigint> {
  constructor(options?: AggregationOptions);
  record(...args: With<K, [value: number | bigint]>): void;
  /** User side: the average (truncated) of the values recorded for `key`, or undefined. */
  get(...key: With<K, []>): bigint | undefined;
}
/** Count, average and total: `stats()` in bpftrace. */
export declare class Stats<K = void> extends Aggregation<K, StatsValue> {
  constructor(options?: AggregationOptions);
  record(...args: With<K, [value: number | bigint]>): void;
  /** User side: count, total and average for `key`, or undefined. */
  get(...key: With<K, []>): StatsValue | undefined;
}
/** Power-of-2 histogram: `hist()` in bpftrace. */
export declare class Histogram<K = void> extends Aggregation<K, Bucket[]> {
  constructor(options?: AggregationOptions);
  record(...args: With<K, [value: number | bigint]>): void;
  /** User side: the buckets of `key` from the lowest to the highest non-empty one (empty when nothing was recorded). */
  get(...key: With<K, []>): Bucket[];
  /** User side: how many values were recorded for `key`. */
  count(...key: With<K, []>): bigint;
}
/** Linear histogram of [min, max) in buckets of `step`, plus one below and one above: `lhist()` in bpftrace. */
export declare class LinearHistogram<K = void> extends Aggregation<K, Bucket[]> {
  constructor(min: number, max: number, step: number, options?: AggregationOptions);
  record(...args: With<K, [value: number | bigint]>): void;
  /** User side: the buckets of `key` from the lowest to the highest non-empty one (below min: low = -2^63; at or above max: high = 2^63). */
  get(...key: With<K, []>): Bucket[];
  /** User side: how many values were recorded for `key`. */
  count(...key: With<K, []>): bigint;
}

// ---- Maps declared by their use (one-liners) ------------------------------------------------------------------
// In a one-liner (`tsbpf -e '...'`), a name starting with `$` is a map declared by what the program does with it,
// as bpftrace's `@name`: `$.count(bpf.comm())` counts by process name into the map printed as `@`, `$bytes.hist(n)`
// is a histogram printed as `@bytes`, `$start.set(bpf.tid(), bpf.ktimeGetNs())` a hash map of u64 values. Keys are
// integers, booleans or strings, their type taken from the first use; every use of a map must agree.

/** A key of a map declared by its use. */
type AdHocKey = number | bigint | string | boolean;

/** A map declared by its use (a `$name` of a one-liner): the first method called decides what it is. */
export interface AdHocMap {
  /** Counts: `count()` in bpftrace. */
  count(key?: AdHocKey): void;
  /** Sums values: `sum()`. */
  sum(value: number | bigint): void;
  sum(key: AdHocKey, value: number | bigint): void;
  /** Smallest value: `min()`. */
  min(value: number | bigint): void;
  min(key: AdHocKey, value: number | bigint): void;
  /** Largest value: `max()`. */
  max(value: number | bigint): void;
  max(key: AdHocKey, value: number | bigint): void;
  /** Average: `avg()`. */
  avg(value: number | bigint): void;
  avg(key: AdHocKey, value: number | bigint): void;
  /** Count, average and total: `stats()`. */
  stats(value: number | bigint): void;
  stats(key: AdHocKey, value: number | bigint): void;
  /** Power-of-2 histogram: `hist()`. */
  hist(value: number | bigint): void;
  hist(key: AdHocKey, value: number | bigint): void;
  /** Linear histogram of [min, max) in steps of `step`: `lhist()`. */
  lhist(value: number | bigint, min: number, max: number, step: number): void;
  lhist(key: AdHocKey, value: number | bigint, min: number, max: number, step: number): void;
  /** A hash map of u64 values: stores `value` at `key` (a statement, as bpftrace's `@m[k] = v`). */
  set(key: AdHocKey, value: number | bigint): void;
  /** The value at `key`, or undefined. */
  get(key: AdHocKey): bigint | undefined;
  /** Removes `key` (bpftrace's `delete(@m[k])`). */
  delete(key: AdHocKey): void;
  has(key: AdHocKey): boolean;
}

// ---- Events ---------------------------------------------------------------------------------------------------
// A stream of typed records from the kernel to user space. E is an interface of integers, booleans, Str<N> and
// FixedArray fields (nested structs too). Events may be larger than the 512-byte stack.

declare class EventChannel<E> {
  /**
   * Sends `event` to user space. An object literal is built in place in the channel's memory (no copy through the
   * stack); another value is copied. Returns false when the buffer is full: the event is dropped and counted.
   */
  emit(event: E): boolean;
  /** Sends a copy of `event` (a value already built, e.g. in a map or a local). Returns false when dropped. */
  output(event: E): boolean;
  /** User side: every event, as it arrives; ends when the tracer is closed. */
  [Symbol.asyncIterator](): AsyncIterator<E>;
  /** User side: the events available now, without waiting; at most `max`, the rest staying in the buffer. */
  drain(max?: number): E[];
  /** User side: events dropped so far because the buffer was full (counted by the programs). */
  readonly lost: bigint;
}

/** BPF_MAP_TYPE_RINGBUF (5.8): one buffer shared by all CPUs, `bytes` a power of two and a multiple of the page size. */
export declare class RingBuffer<E> extends EventChannel<E> {
  constructor(bytes: number);
}

/** BPF_MAP_TYPE_PERF_EVENT_ARRAY (4.4): one buffer per CPU, for kernels without ring buffers. Events of different CPUs may arrive out of order. */
export declare class PerfEventArray<E> extends EventChannel<E> {
  constructor(options?: { readonly pages?: number });
}

// ---- Parameters -----------------------------------------------------------------------------------------------

/**
 * A load-time parameter: read-only data set before the program is loaded (`tsbpf run tool.ts --param name=value`,
 * `-- --name value` for a tool with main(), `load(path, { params })`), `defaultValue` otherwise. The verifier sees
 * the value as a constant. On the user side it is the value the tracer was loaded with.
 */
export declare function param<T extends number | bigint | boolean>(name: string, defaultValue: T): T;

/**
 * A tracepoint's `__data_loc` field: where in the record its dynamic data (a string or array) lies, as
 * (length << 16 | offset). Read the string with `bpf.tracepointString(ctx, ctx.field, N)`.
 */
export type DataLoc = number;

// ---- The user side --------------------------------------------------------------------------------------------
// A tracer module may export `main(args)`: `tsbpf run tool.ts -- args` loads and attaches the probes, binds the
// module's maps to the kernel's, and runs it in the same process. `load()` does the same from any Node program.

/** Any map, aggregation or event channel. */
export type AnyMap =
  | KeyedMap<any, any> | Count<any> | Sum<any> | Min<any> | Max<any> | Avg<any> | Stats<any> | Histogram<any>
  | LinearHistogram<any> | RingBuffer<any> | PerfEventArray<any>;

/** The exported maps of a tracer module M, by name, with their types. */
export type TracerMaps<M> = { readonly [K in keyof M as M[K] extends AnyMap ? K : never]: M[K] };

export interface LoadOptions {
  /** Load-time parameters, by name. */
  readonly params?: Readonly<Record<string, number | bigint | boolean>>;
  /** Reuse and fill the compile cache (default true; the cache is ~/.cache/tsbpf or $TSBPF_CACHE_DIR). */
  readonly cache?: boolean;
  /** Attach the probes (default true); false loads the programs and maps only. */
  readonly attach?: boolean;
}

/** A loaded tracer: its maps bound to the kernel's; closing it detaches the probes and frees every kernel object. */
export interface Tracer<M = Record<string, unknown>> extends AsyncDisposable {
  /** The module's exported maps, aggregations and event channels. */
  readonly maps: TracerMaps<M>;
  /** Any map of the tracer by its declared name, exported or not. */
  map(name: string): AnyMap;
  /** The programs, and how each is attached. */
  readonly programs: readonly { readonly name: string; readonly attach: string }[];
  /** What `tsbpf run` prints at exit: every exported aggregation. */
  print(): string;
  close(): Promise<void>;
}

/**
 * Compiles the tracer at `path` (cached by the content of the file and its imports), loads it, attaches its probes
 * and returns it. Type the maps with the module: `await load<typeof import("./tool.ts")>("./tool.ts")`.
 */
export declare function load<M = Record<string, unknown>>(path: string | { readonly href: string }, options?: LoadOptions): Promise<Tracer<M>>;
