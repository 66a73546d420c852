// Generated from core/helpers/table.ts by `npm run gen:helpers`: do not edit; change the table and regenerate.
// The eBPF helpers a tracer calls as `bpf.name(...)`: what each does, the minimum Linux version and the kernel
// helper behind it, which program types (and so which probes) may call it, and whether it needs a GPL-compatible
// license. Program types are the kernel's: kprobe (kprobe, kretprobe, uprobe, uretprobe), tracepoint,
// raw_tracepoint (rawTracepoint), tracing (fentry, fexit, tpBtf), perf_event (profile, interval).

import type { DataLoc, FramesOptions, KernelPtr, KFrames, KStack, StackOptions, Str, UFrames, UStack, ptr, u32, u64 } from "./index.js";
import type { task_struct } from "./kernel.js";

export declare namespace bpf {
  /**
   * The 64-bit cookie given to this attachment when the program was attached (0 if none), which tells apart the places
   * one program is attached to. In kprobes, uprobes, tracepoints, profile and interval programs, in fentry and fexit
   * from Linux 5.19, and in raw tracepoints and tp_btf from Linux 6.10.
   *
   * - Minimum kernel: Linux 5.15 (`bpf_get_attach_cookie`, helper 174).
   * - Program types: all tracing types (kprobe, tracepoint, raw_tracepoint, tracing, perf_event); probes: every probe.
   */
  function attachCookie(): u64;

  /**
   * The id of the current task's cgroup in the cgroup v2 hierarchy: the inode number of its directory under
   * /sys/fs/cgroup.
   *
   * - Minimum kernel: Linux 4.18 (`bpf_get_current_cgroup_id`, helper 80).
   * - Program types: all tracing types (kprobe, tracepoint, raw_tracepoint, tracing, perf_event); probes: every probe.
   */
  function cgroupId(): u64;

  /**
   * The command name of the current task (as in `/proc/<pid>/comm`, at most 15 characters).
   *
   * - Minimum kernel: Linux 4.2 (`bpf_get_current_comm`, helper 16).
   * - Program types: all tracing types (kprobe, tracepoint, raw_tracepoint, tracing, perf_event); probes: every probe.
   */
  function comm(): Str<16>;

  /**
   * The index of the CPU the program is running on.
   *
   * - Minimum kernel: Linux 4.1 (`bpf_get_smp_processor_id`, helper 8).
   * - Program types: all tracing types (kprobe, tracepoint, raw_tracepoint, tracing, perf_event); probes: every probe.
   */
  function cpu(): u32;

  /**
   * The current task's `struct task_struct`: its fields read the kernel's memory
   * (`bpf.currentTask().real_parent.tgid`), at their offsets in the running kernel (CO-RE). As a `ptr`, its address.
   *
   * - Minimum kernel: Linux 4.8 (`bpf_get_current_task`, helper 35).
   * - Program types: all tracing types (kprobe, tracepoint, raw_tracepoint, tracing, perf_event); probes: every probe.
   * - GPL-only: the tracer's license must be GPL-compatible.
   */
  function currentTask(): KernelPtr<task_struct>;

  /**
   * The address of the traced kernel function, in fentry and fexit programs and in kprobes placed at a function's entry
   * (0 elsewhere, e.g. in uprobes).
   *
   * - Minimum kernel: Linux 5.15 (`bpf_get_func_ip`, helper 173).
   * - Program types: kprobe, tracing; probes: kprobe, kretprobe, uprobe, uretprobe, fentry, fexit.
   * - GPL-only: the tracer's license must be GPL-compatible.
   */
  function funcIp(): u64;

  /**
   * The real group id of the current task, as seen from the initial user namespace.
   *
   * - Minimum kernel: Linux 4.2 (`bpf_get_current_uid_gid`, helper 15).
   * - Program types: all tracing types (kprobe, tracepoint, raw_tracepoint, tracing, perf_event); probes: every probe.
   */
  function gid(): u32;

  /**
   * The kernel's 64-bit jiffies counter, which advances CONFIG_HZ times a second; it does not start at 0 at boot.
   *
   * - Minimum kernel: Linux 5.6 (`bpf_jiffies64`, helper 118).
   * - Program types: all tracing types (kprobe, tracepoint, raw_tracepoint, tracing, perf_event); probes: every probe.
   */
  function jiffies(): u64;

  /**
   * The kernel stack of the current task, its frames copied in place (bpf_get_stack) rather than stored in a stack map:
   * an event field that carries its whole stack, `{ kernel: bpf.kframes({ depth: 16 }) }`. Printed as `bpf.kstack()`
   * is. Options `depth` and `skip`, as `bpf.kstack()`'s. `depth` frames take `depth * 8 + 16` bytes of the event.
   *
   * - Minimum kernel: Linux 4.18 (`bpf_get_stack`, helper 67).
   * - Program types: all tracing types (kprobe, tracepoint, raw_tracepoint, tracing, perf_event); probes: every probe.
   * - GPL-only: the tracer's license must be GPL-compatible.
   */
  function kframes<D extends number = 127>(options?: FramesOptions<D>): KFrames<D>;

  /**
   * The kernel stack of the current task, as a value a map, an aggregation or an event can hold:
   * `$s.count(bpf.kstack())`. `tsbpf run` prints it one frame per line, symbolized from /proc/kallsyms; `--format
   * folded` and `--flamegraph` make flame graphs of it. The frames live in the tracer's stack trace map of that depth
   * (`depth`: 1 to 127 frames, default 127); `skip` leaves out that many innermost frames; `fast` compares stacks by
   * hash only. A stack that could not be stored (a hash collision in the map) prints as `[lost: ...]`.
   *
   * - Minimum kernel: Linux 4.6 (`bpf_get_stackid`, helper 27).
   * - Program types: all tracing types (kprobe, tracepoint, raw_tracepoint, tracing, perf_event); probes: every probe.
   * - GPL-only: the tracer's license must be GPL-compatible.
   */
  function kstack<D extends number = 127>(options?: StackOptions<D>): KStack<D>;

  /**
   * Nanoseconds since boot, including time suspended (CLOCK_BOOTTIME).
   *
   * - Minimum kernel: Linux 5.8 (`bpf_ktime_get_boot_ns`, helper 125).
   * - Program types: all tracing types (kprobe, tracepoint, raw_tracepoint, tracing, perf_event); probes: every probe.
   */
  function ktimeGetBootNs(): u64;

  /**
   * Nanoseconds since boot, not counting time suspended, at the resolution of the scheduler tick
   * (CLOCK_MONOTONIC_COARSE): cheaper than `bpf.ktimeGetNs()`.
   *
   * - Minimum kernel: Linux 5.11 (`bpf_ktime_get_coarse_ns`, helper 160).
   * - Program types: all tracing types (kprobe, tracepoint, raw_tracepoint, tracing, perf_event); probes: every probe.
   */
  function ktimeGetCoarseNs(): u64;

  /**
   * Nanoseconds since boot, not counting time suspended (CLOCK_MONOTONIC). Use differences of it to time things.
   *
   * - Minimum kernel: Linux 4.1 (`bpf_ktime_get_ns`, helper 5).
   * - Program types: all tracing types (kprobe, tracepoint, raw_tracepoint, tracing, perf_event); probes: every probe.
   */
  function ktimeGetNs(): u64;

  /**
   * Nanoseconds since the Unix epoch in International Atomic Time (CLOCK_TAI): wall-clock time without leap seconds,
   * comparable with user-space timestamps.
   *
   * - Minimum kernel: Linux 6.1 (`bpf_ktime_get_tai_ns`, helper 208).
   * - Program types: all tracing types (kprobe, tracepoint, raw_tracepoint, tracing, perf_event); probes: every probe.
   */
  function ktimeGetTaiNs(): u64;

  /**
   * Calls `callback(index)` for index 0, 1, … up to `count` times (`count` at most 1 << 23), stopping after a call that
   * returns true; returns the number of calls. The verifier checks the callback once, however large `count` is.
   *
   * - Minimum kernel: Linux 5.17 (`bpf_loop`, helper 181).
   * - Program types: all tracing types (kprobe, tracepoint, raw_tracepoint, tracing, perf_event); probes: every probe.
   */
  function loop(count: number, callback: (index: u32) => boolean | void): u32;

  /**
   * The NUMA node of the CPU the program is running on.
   *
   * - Minimum kernel: Linux 4.10 (`bpf_get_numa_node_id`, helper 42).
   * - Program types: all tracing types (kprobe, tracepoint, raw_tracepoint, tracing, perf_event); probes: every probe.
   */
  function numaNodeId(): u32;

  /**
   * The process id of the current task: what `getpid()` returns in user space (the kernel calls it the tgid).
   *
   * - Minimum kernel: Linux 4.2 (`bpf_get_current_pid_tgid`, helper 14).
   * - Program types: all tracing types (kprobe, tracepoint, raw_tracepoint, tracing, perf_event); probes: every probe.
   */
  function pid(): u32;

  /**
   * The process and thread ids of the current task in one value: `(pid << 32) | tid`.
   *
   * - Minimum kernel: Linux 4.2 (`bpf_get_current_pid_tgid`, helper 14).
   * - Program types: all tracing types (kprobe, tracepoint, raw_tracepoint, tracing, perf_event); probes: every probe.
   */
  function pidTgid(): u64;

  /**
   * Reads a `T` (an integer, a struct, a `Str` or a `FixedArray`: a type of fixed size) from kernel memory at `src`. If
   * the memory cannot be read, the result is zeroed.
   *
   * - Minimum kernel: Linux 5.5 (`bpf_probe_read_kernel`, helper 113).
   * - Program types: all tracing types (kprobe, tracepoint, raw_tracepoint, tracing, perf_event); probes: every probe.
   * - GPL-only: the tracer's license must be GPL-compatible.
   */
  function probeReadKernel<T>(src: ptr): T;

  /**
   * Reads a NUL-terminated string from kernel memory at `src`, at most `capacity - 1` bytes (`capacity` a constant). If
   * the memory cannot be read, the result is empty.
   *
   * - Minimum kernel: Linux 5.5 (`bpf_probe_read_kernel_str`, helper 115).
   * - Program types: all tracing types (kprobe, tracepoint, raw_tracepoint, tracing, perf_event); probes: every probe.
   * - GPL-only: the tracer's license must be GPL-compatible.
   */
  function probeReadKernelStr<N extends number>(src: ptr, capacity: N): Str<N>;

  /**
   * Reads a `T` (an integer, a struct, a `Str` or a `FixedArray`: a type of fixed size) from user-space memory at
   * `src`. If the memory cannot be read (an invalid address, or a page not present), the result is zeroed.
   *
   * - Minimum kernel: Linux 5.5 (`bpf_probe_read_user`, helper 112).
   * - Program types: all tracing types (kprobe, tracepoint, raw_tracepoint, tracing, perf_event); probes: every probe.
   * - GPL-only: the tracer's license must be GPL-compatible.
   */
  function probeReadUser<T>(src: ptr): T;

  /**
   * Reads a NUL-terminated string from user-space memory at `src`, at most `capacity - 1` bytes (`capacity` a
   * constant). If the memory cannot be read, the result is empty.
   *
   * - Minimum kernel: Linux 5.5 (`bpf_probe_read_user_str`, helper 114).
   * - Program types: all tracing types (kprobe, tracepoint, raw_tracepoint, tracing, perf_event); probes: every probe.
   * - GPL-only: the tracer's license must be GPL-compatible.
   */
  function probeReadUserStr<N extends number>(src: ptr, capacity: N): Str<N>;

  /**
   * A pseudo-random 32-bit number, not cryptographically secure (for sampling).
   *
   * - Minimum kernel: Linux 4.17 (`bpf_get_prandom_u32`, helper 7).
   * - Program types: all tracing types (kprobe, tracepoint, raw_tracepoint, tracing, perf_event); probes: every probe.
   */
  function random(): u32;

  /**
   * Reads field `field` of the kernel struct `struct` at `src` as a `T`, e.g.
   * `bpf.readKernelField<i32>(bpf.currentTask(), "task_struct", "tgid")`. The field's offset comes from the running
   * kernel's BTF when the program is loaded (as CO-RE does), so the tracer works across kernel versions; `field` may be
   * a path through embedded structs (`"se.sum_exec_runtime"`). Loading fails with a clear error when the kernel has no
   * such field or its size is not `T`'s. The result is zeroed if the memory cannot be read.
   *
   * - Minimum kernel: Linux 5.5 (`bpf_probe_read_kernel`, helper 113).
   * - Program types: all tracing types (kprobe, tracepoint, raw_tracepoint, tracing, perf_event); probes: every probe.
   * - GPL-only: the tracer's license must be GPL-compatible.
   */
  function readKernelField<T>(src: ptr, struct: string, field: string): T;

  /**
   * Sends `signal` (e.g. 9 for SIGKILL) to the current process, as kill(2) would. Nothing is sent when the current task
   * is a kernel thread or exiting.
   *
   * - Minimum kernel: Linux 5.3 (`bpf_send_signal`, helper 109).
   * - Program types: all tracing types (kprobe, tracepoint, raw_tracepoint, tracing, perf_event); probes: every probe.
   */
  function sendSignal(signal: u32): void;

  /**
   * The thread id of the current task: what `gettid()` returns in user space; equal to `bpf.pid()` in a process's main
   * thread.
   *
   * - Minimum kernel: Linux 4.2 (`bpf_get_current_pid_tgid`, helper 14).
   * - Program types: all tracing types (kprobe, tracepoint, raw_tracepoint, tracing, perf_event); probes: every probe.
   */
  function tid(): u32;

  /**
   * Writes a printf-style message (`format` a string literal, at most 3 arguments) to /sys/kernel/tracing/trace_pipe.
   * Slow and shared by the whole system: for debugging only.
   *
   * - Minimum kernel: Linux 4.1 (`bpf_trace_printk`, helper 6).
   * - Program types: all tracing types (kprobe, tracepoint, raw_tracepoint, tracing, perf_event); probes: every probe.
   * - GPL-only: the tracer's license must be GPL-compatible.
   */
  function tracePrintk(format: string, ...args: (number | bigint)[]): void;

  /**
   * Reads the string of a tracepoint's `__data_loc` field, e.g. `bpf.tracepointString(ctx, ctx.filename, 256)` in a
   * `tracepoint` handler, at most `capacity - 1` bytes (`capacity` a constant).
   *
   * - Minimum kernel: Linux 5.5 (`bpf_probe_read_kernel_str`, helper 115).
   * - Program types: tracepoint; probes: tracepoint.
   * - GPL-only: the tracer's license must be GPL-compatible.
   */
  function tracepointString<N extends number>(ctx: object, field: DataLoc, capacity: N): Str<N>;

  /**
   * The user-space stack of the current task, its frames and process copied in place (bpf_get_stack), as
   * `bpf.kframes()` copies the kernel's. Printed as `bpf.ustack()` is.
   *
   * - Minimum kernel: Linux 4.18 (`bpf_get_stack`, helper 67).
   * - Program types: all tracing types (kprobe, tracepoint, raw_tracepoint, tracing, perf_event); probes: every probe.
   * - GPL-only: the tracer's license must be GPL-compatible.
   */
  function uframes<D extends number = 127>(options?: FramesOptions<D>): UFrames<D>;

  /**
   * The real user id of the current task, as seen from the initial user namespace.
   *
   * - Minimum kernel: Linux 4.2 (`bpf_get_current_uid_gid`, helper 15).
   * - Program types: all tracing types (kprobe, tracepoint, raw_tracepoint, tracing, perf_event); probes: every probe.
   */
  function uid(): u32;

  /**
   * The real group and user ids of the current task in one value: `(gid << 32) | uid`.
   *
   * - Minimum kernel: Linux 4.2 (`bpf_get_current_uid_gid`, helper 15).
   * - Program types: all tracing types (kprobe, tracepoint, raw_tracepoint, tracing, perf_event); probes: every probe.
   */
  function uidGid(): u64;

  /**
   * The user-space stack of the current task, with its process, as a value a map, an aggregation or an event can hold:
   * `$s.count(bpf.ustack())`. `tsbpf run` prints it one frame per line, symbolized from the process's mapped files (ELF
   * symbols, debug files, perf maps of JIT compilers, source maps). Options as `bpf.kstack()`. Empty in kernel threads.
   * Frame pointers are needed: code built with -fomit-frame-pointer (most distributions' libraries) gives short stacks.
   *
   * - Minimum kernel: Linux 4.6 (`bpf_get_stackid`, helper 27).
   * - Program types: all tracing types (kprobe, tracepoint, raw_tracepoint, tracing, perf_event); probes: every probe.
   * - GPL-only: the tracer's license must be GPL-compatible.
   */
  function ustack<D extends number = 127>(options?: StackOptions<D>): UStack<D>;
}
