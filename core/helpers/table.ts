// The `bpf.*` helper table, the single source of truth for helpers: nothing in, one HelperDef per TypeScript helper
// out (kernel helper, id, minimum kernel, license and program-type constraints, TS signature, editor doc). It
// generates stdlib-types/helpers.d.ts (declarations.ts) and drives lowering; tests check both against it.

import { BpfFunc, helperName } from "../asm/helpers.ts";
import { PROBES_OF_PROGRAM_TYPE, type ProbeDeclarator, TRACING_PROGRAM_TYPES, type TracingProgramType } from "../probes.ts";

/** A helper as the table writes it; its kernel name comes from the id (core/asm/helpers.ts). */
interface HelperEntry {
  /** TS name in the `bpf` namespace (camelCase). */
  readonly name: string;
  /** BPF_FUNC_* id of the kernel helper it uses (the `imm` of the call instruction). */
  readonly id: BpfFunc;
  /** Minimum Linux version of that helper for tracing programs, e.g. "4.2". */
  readonly since: string;
  /** Needs a GPL-compatible license (the kernel's `gpl_only`). */
  readonly gplOnly: boolean;
  /** Which tracing program types may call it. */
  readonly programTypes: "all" | readonly TracingProgramType[];
  /**
   * The declarators whose handlers may call it, only when narrower than `programTypes` implies: the verifier
   * refuses some helpers in part of a program type (e.g. bpf_get_func_ip in tp_btf, a tracing program without a
   * trampoline). Must be a subset of the program types' declarators (checked by a test).
   */
  readonly probes?: readonly ProbeDeclarator[];
  /**
   * A helper that takes no arguments and returns an integer ("(): u32", "(): u64", "(): ptr") is lowered from this
   * table, as a call whose result is the value; `part` says when the value is one 32-bit half of the kernel
   * helper's u64 (`bpf.pid()` is the high half of bpf_get_current_pid_tgid). Other helpers have a lowering of their
   * own in compiler/lower/helpers.ts.
   */
  readonly part?: "low32" | "high32";
  /** The kernel helper's only argument is the program's context (bpf_get_func_ip(ctx)). */
  readonly ctxArg?: true;
  /** The TS signature after the name, e.g. "(): u32" or "<T>(src: ptr): T". */
  readonly signature: string;
  /** What it does, in one or two sentences, for the editor. */
  readonly doc: string;
}

export interface HelperDef extends HelperEntry {
  /** The kernel helper it uses, e.g. "bpf_get_current_pid_tgid". */
  readonly kernelName: string;
}

// Ids: libbpf's copy of include/uapi/linux/bpf.h (___BPF_FUNC_MAPPER). Versions: isovalent/ebpf-docs feature tags
// (see shared/reference/kernel-abi.md §8). gpl_only and the program types: each helper's bpf_func_proto and the
// *_func_proto switches in kernel/trace/bpf_trace.c and kernel/bpf/helpers.c. "all" means the helper is in
// bpf_tracing_func_proto or bpf_base_func_proto, which every tracing program type falls back to.
const ENTRIES: readonly HelperEntry[] = [
  // ---- Current task ----------------------------------------------------------------------------------------------
  {
    name: "pid",
    part: "high32",
    id: BpfFunc.GetCurrentPidTgid,
    since: "4.2",
    gplOnly: false,
    programTypes: "all",
    signature: "(): u32",
    // The kernel's "pid" is a thread id and its "tgid" the process id; the helper returns tgid << 32 | pid.
    doc: "The process id of the current task: what `getpid()` returns in user space (the kernel calls it the tgid).",
  },
  {
    name: "tid",
    part: "low32",
    id: BpfFunc.GetCurrentPidTgid,
    since: "4.2",
    gplOnly: false,
    programTypes: "all",
    signature: "(): u32",
    doc: "The thread id of the current task: what `gettid()` returns in user space; equal to `bpf.pid()` in a process's main thread.",
  },
  {
    name: "pidTgid",
    id: BpfFunc.GetCurrentPidTgid,
    since: "4.2",
    gplOnly: false,
    programTypes: "all",
    signature: "(): u64",
    doc: "The process and thread ids of the current task in one value: `(pid << 32) | tid`.",
  },
  {
    name: "uid",
    part: "low32",
    id: BpfFunc.GetCurrentUidGid,
    since: "4.2",
    gplOnly: false,
    programTypes: "all",
    signature: "(): u32",
    doc: "The real user id of the current task, as seen from the initial user namespace.",
  },
  {
    name: "gid",
    part: "high32",
    id: BpfFunc.GetCurrentUidGid,
    since: "4.2",
    gplOnly: false,
    programTypes: "all",
    signature: "(): u32",
    doc: "The real group id of the current task, as seen from the initial user namespace.",
  },
  {
    name: "uidGid",
    id: BpfFunc.GetCurrentUidGid,
    since: "4.2",
    gplOnly: false,
    programTypes: "all",
    signature: "(): u64",
    doc: "The real group and user ids of the current task in one value: `(gid << 32) | uid`.",
  },
  {
    name: "comm",
    id: BpfFunc.GetCurrentComm,
    since: "4.2",
    gplOnly: false,
    programTypes: "all",
    // TASK_COMM_LEN is 16: at most 15 characters and a NUL.
    signature: "(): Str<16>",
    doc: "The command name of the current task (as in `/proc/<pid>/comm`, at most 15 characters).",
  },
  {
    name: "cgroupId",
    id: BpfFunc.GetCurrentCgroupId,
    since: "4.18",
    gplOnly: false,
    programTypes: "all",
    signature: "(): u64",
    doc: "The id of the current task's cgroup in the cgroup v2 hierarchy: the inode number of its directory under /sys/fs/cgroup.",
  },
  {
    name: "currentTask",
    id: BpfFunc.GetCurrentTask,
    since: "4.8",
    gplOnly: true,
    programTypes: "all",
    signature: "(): KernelPtr<task_struct>",
    doc: "The current task's `struct task_struct`: its fields read the kernel's memory (`bpf.currentTask().real_parent.tgid`), at their offsets in the running kernel (CO-RE). As a `ptr`, its address.",
  },
  // ---- Time, CPU, randomness -------------------------------------------------------------------------------------
  {
    name: "ktimeGetNs",
    id: BpfFunc.KtimeGetNs,
    since: "4.1",
    gplOnly: false,
    programTypes: "all",
    signature: "(): u64",
    doc: "Nanoseconds since boot, not counting time suspended (CLOCK_MONOTONIC). Use differences of it to time things.",
  },
  {
    name: "ktimeGetBootNs",
    id: BpfFunc.KtimeGetBootNs,
    since: "5.8",
    gplOnly: false,
    programTypes: "all",
    signature: "(): u64",
    doc: "Nanoseconds since boot, including time suspended (CLOCK_BOOTTIME).",
  },
  {
    name: "ktimeGetCoarseNs",
    id: BpfFunc.KtimeGetCoarseNs,
    since: "5.11",
    gplOnly: false,
    programTypes: "all",
    signature: "(): u64",
    doc: "Nanoseconds since boot, not counting time suspended, at the resolution of the scheduler tick (CLOCK_MONOTONIC_COARSE): cheaper than `bpf.ktimeGetNs()`.",
  },
  {
    name: "ktimeGetTaiNs",
    id: BpfFunc.KtimeGetTaiNs,
    since: "6.1",
    gplOnly: false,
    programTypes: "all",
    signature: "(): u64",
    doc: "Nanoseconds since the Unix epoch in International Atomic Time (CLOCK_TAI): wall-clock time without leap seconds, comparable with user-space timestamps.",
  },
  {
    name: "jiffies",
    id: BpfFunc.Jiffies64,
    since: "5.6",
    gplOnly: false,
    programTypes: "all",
    signature: "(): u64",
    // jiffies_64 starts at INITIAL_JIFFIES (five minutes before wrapping 32 bits), not at 0.
    doc: "The kernel's 64-bit jiffies counter, which advances CONFIG_HZ times a second; it does not start at 0 at boot.",
  },
  {
    name: "cpu",
    id: BpfFunc.GetSmpProcessorId,
    since: "4.1",
    gplOnly: false,
    programTypes: "all",
    signature: "(): u32",
    doc: "The index of the CPU the program is running on.",
  },
  {
    name: "numaNodeId",
    id: BpfFunc.GetNumaNodeId,
    since: "4.10",
    gplOnly: false,
    programTypes: "all",
    signature: "(): u32",
    doc: "The NUMA node of the CPU the program is running on.",
  },
  {
    name: "random",
    id: BpfFunc.GetPrandomU32,
    // The helper dates from 4.1 but was then for socket programs only ("unknown func 7" from kprobes in 2016,
    // iovisor/bcc#398); ebpf-docs tags it 4.17, a version where tracing programs certainly have it.
    since: "4.17",
    gplOnly: false,
    programTypes: "all",
    signature: "(): u32",
    doc: "A pseudo-random 32-bit number, not cryptographically secure (for sampling).",
  },
  // ---- Memory ----------------------------------------------------------------------------------------------------
  {
    name: "probeReadUser",
    id: BpfFunc.ProbeReadUser,
    since: "5.5",
    gplOnly: true,
    programTypes: "all",
    signature: "<T>(src: ptr): T",
    doc: "Reads a `T` (an integer, a struct, a `Str` or a `FixedArray`: a type of fixed size) from user-space memory at `src`. If the memory cannot be read (an invalid address, or a page not present), the result is zeroed.",
  },
  {
    name: "probeReadKernel",
    id: BpfFunc.ProbeReadKernel,
    since: "5.5",
    gplOnly: true,
    programTypes: "all",
    signature: "<T>(src: ptr): T",
    doc: "Reads a `T` (an integer, a struct, a `Str` or a `FixedArray`: a type of fixed size) from kernel memory at `src`. If the memory cannot be read, the result is zeroed.",
  },
  {
    name: "readKernelField",
    id: BpfFunc.ProbeReadKernel,
    since: "5.5",
    gplOnly: true,
    programTypes: "all",
    signature: "<T>(src: ptr, struct: string, field: string): T",
    doc: "Reads field `field` of the kernel struct `struct` at `src` as a `T`, e.g. `bpf.readKernelField<i32>(bpf.currentTask(), \"task_struct\", \"tgid\")`. The field's offset comes from the running kernel's BTF when the program is loaded (as CO-RE does), so the tracer works across kernel versions; `field` may be a path through embedded structs (`\"se.sum_exec_runtime\"`). Loading fails with a clear error when the kernel has no such field or its size is not `T`'s. The result is zeroed if the memory cannot be read.",
  },
  // ---- Stacks ------------------------------------------------------------------------------------------------------
  {
    name: "kstack",
    id: BpfFunc.GetStackid,
    since: "4.6",
    gplOnly: true,
    programTypes: "all",
    signature: "<D extends number = 127>(options?: StackOptions<D>): KStack<D>",
    doc: "The kernel stack of the current task, as a value a map, an aggregation or an event can hold: `$s.count(bpf.kstack())`. `tsbpf run` prints it one frame per line, symbolized from /proc/kallsyms; `--format folded` and `--flamegraph` make flame graphs of it. The frames live in the tracer's stack trace map of that depth (`depth`: 1 to 127 frames, default 127); `skip` leaves out that many innermost frames; `fast` compares stacks by hash only. A stack that could not be stored (a hash collision in the map) prints as `[lost: ...]`.",
  },
  {
    name: "ustack",
    id: BpfFunc.GetStackid,
    since: "4.6",
    gplOnly: true,
    programTypes: "all",
    signature: "<D extends number = 127>(options?: StackOptions<D>): UStack<D>",
    doc: "The user-space stack of the current task, with its process, as a value a map, an aggregation or an event can hold: `$s.count(bpf.ustack())`. `tsbpf run` prints it one frame per line, symbolized from the process's mapped files (ELF symbols, debug files, perf maps of JIT compilers, source maps). Options as `bpf.kstack()`. Empty in kernel threads. Frame pointers are needed: code built with -fomit-frame-pointer (most distributions' libraries) gives short stacks.",
  },
  {
    name: "kframes",
    id: BpfFunc.GetStack,
    since: "4.18",
    gplOnly: true,
    programTypes: "all",
    signature: "<D extends number = 127>(options?: FramesOptions<D>): KFrames<D>",
    doc: "The kernel stack of the current task, its frames copied in place (bpf_get_stack) rather than stored in a stack map: an event field that carries its whole stack, `{ kernel: bpf.kframes({ depth: 16 }) }`. Printed as `bpf.kstack()` is. Options `depth` and `skip`, as `bpf.kstack()`'s. `depth` frames take `depth * 8 + 16` bytes of the event.",
  },
  {
    name: "uframes",
    id: BpfFunc.GetStack,
    since: "4.18",
    gplOnly: true,
    programTypes: "all",
    signature: "<D extends number = 127>(options?: FramesOptions<D>): UFrames<D>",
    doc: "The user-space stack of the current task, its frames and process copied in place (bpf_get_stack), as `bpf.kframes()` copies the kernel's. Printed as `bpf.ustack()` is.",
  },
  {
    name: "probeReadUserStr",
    id: BpfFunc.ProbeReadUserStr,
    since: "5.5",
    gplOnly: true,
    programTypes: "all",
    signature: "<N extends number>(src: ptr, capacity: N): Str<N>",
    doc: "Reads a NUL-terminated string from user-space memory at `src`, at most `capacity - 1` bytes (`capacity` a constant). If the memory cannot be read, the result is empty.",
  },
  {
    name: "probeReadKernelStr",
    id: BpfFunc.ProbeReadKernelStr,
    since: "5.5",
    gplOnly: true,
    programTypes: "all",
    signature: "<N extends number>(src: ptr, capacity: N): Str<N>",
    doc: "Reads a NUL-terminated string from kernel memory at `src`, at most `capacity - 1` bytes (`capacity` a constant). If the memory cannot be read, the result is empty.",
  },
  {
    name: "tracepointString",
    id: BpfFunc.ProbeReadKernelStr,
    since: "5.5",
    gplOnly: true,
    // The string lies in the tracepoint's record, which only a tracepoint program's ctx points at.
    programTypes: ["tracepoint"],
    signature: "<N extends number>(ctx: object, field: DataLoc, capacity: N): Str<N>",
    doc: "Reads the string of a tracepoint's `__data_loc` field, e.g. `bpf.tracepointString(ctx, ctx.filename, 256)` in a `tracepoint` handler, at most `capacity - 1` bytes (`capacity` a constant).",
  },
  // ---- Control and diagnostics -----------------------------------------------------------------------------------
  {
    name: "tracePrintk",
    id: BpfFunc.TracePrintk,
    since: "4.1",
    gplOnly: true,
    programTypes: "all",
    signature: "(format: string, ...args: (number | bigint)[]): void",
    doc: "Writes a printf-style message (`format` a string literal, at most 3 arguments) to /sys/kernel/tracing/trace_pipe. Slow and shared by the whole system: for debugging only.",
  },
  {
    name: "loop",
    id: BpfFunc.Loop,
    since: "5.17",
    gplOnly: false,
    programTypes: "all",
    // The kernel refuses more than BPF_MAX_LOOPS (1 << 23) iterations with -E2BIG and no call.
    signature: "(count: number, callback: (index: u32) => boolean | void): u32",
    doc: "Calls `callback(index)` for index 0, 1, … up to `count` times (`count` at most 1 << 23), stopping after a call that returns true; returns the number of calls. The verifier checks the callback once, however large `count` is.",
  },
  {
    name: "sendSignal",
    id: BpfFunc.SendSignal,
    since: "5.3",
    gplOnly: false,
    programTypes: "all",
    signature: "(signal: u32): void",
    doc: "Sends `signal` (e.g. 9 for SIGKILL) to the current process, as kill(2) would. Nothing is sent when the current task is a kernel thread or exiting.",
  },
  {
    name: "funcIp",
    ctxArg: true,
    id: BpfFunc.GetFuncIp,
    since: "5.15",
    // bpf_get_func_ip_proto_kprobe and _tracing are gpl_only; only the kprobe_multi variant is not.
    gplOnly: true,
    // The verifier (check_get_func_ip) accepts KPROBE and trampoline TRACING programs only: not tp_btf.
    programTypes: ["kprobe", "tracing"],
    probes: ["kprobe", "kretprobe", "uprobe", "uretprobe", "fentry", "fexit"],
    signature: "(): u64",
    doc: "The address of the traced kernel function, in fentry and fexit programs and in kprobes placed at a function's entry (0 elsewhere, e.g. in uprobes).",
  },
  {
    name: "attachCookie",
    ctxArg: true,
    id: BpfFunc.GetAttachCookie,
    since: "5.15",
    gplOnly: false,
    // fentry/fexit (TRACING with a trampoline) got it in 5.19 (ebpf-docs); raw tracepoints and tp_btf in 6.10
    // (raw_tp cookies): loaded from rawTracepoint and tpBtf handlers on Linux 6.18, refused before 6.10. So every
    // tracing program type, on a kernel recent enough (test/kernel/guard-verifier.test.ts loads each).
    programTypes: "all",
    signature: "(): u64",
    doc: "The 64-bit cookie given to this attachment when the program was attached (0 if none), which tells apart the places one program is attached to. In kprobes, uprobes, tracepoints, profile and interval programs, in fentry and fexit from Linux 5.19, and in raw tracepoints and tp_btf from Linux 6.10.",
  },
];

export const HELPERS: readonly HelperDef[] = ENTRIES.map((h) => ({ ...h, kernelName: helperName(h.id)! }));

const byName = new Map(HELPERS.map((h) => [h.name, h]));

/** The helper called `bpf.<name>`, or undefined. */
export function helperByName(name: string): HelperDef | undefined {
  return byName.get(name);
}

/** The declarators whose handlers may call `helper`, in the order of PROBES_OF_PROGRAM_TYPE. */
export function probesOf(helper: HelperDef): readonly ProbeDeclarator[] {
  if (helper.probes) return helper.probes;
  const types = helper.programTypes === "all" ? TRACING_PROGRAM_TYPES : helper.programTypes;
  return TRACING_PROGRAM_TYPES.filter((t) => types.includes(t)).flatMap((t) => PROBES_OF_PROGRAM_TYPE[t]);
}

/** Every helper name, in table order: the list a lowering must cover (checked by a test). */
export const HELPER_NAMES: readonly string[] = HELPERS.map((h) => h.name);
