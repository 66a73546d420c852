// Generated from compiler/helpers/table.ts by `npm run gen:helpers`: do not edit; change the table and regenerate.
// The eBPF helpers a tracer calls as `bpf.name(...)`: what each returns, the kernel helper behind it and the
// minimum Linux version, whether it needs a GPL-compatible license, and which program types may call it (when not
// all of them). Program types are the kernel's: kprobe (kprobe, kretprobe, uprobe, uretprobe), tracepoint,
// raw_tracepoint (rawTracepoint), tracing (fentry, fexit, tpBtf), perf_event (profile, interval).

import type { DataLoc, Str, ptr, u32, u64 } from "./index.js";

export declare namespace bpf {
  /**
   * The 64-bit cookie given to this attachment when the program was attached (0 if none), which tells apart the places
   * one program is attached to. In kprobes, uprobes, tracepoints, profile and interval programs, and in fentry and
   * fexit from Linux 5.19.
   *
   * Uses `bpf_get_attach_cookie` (Linux ≥ 5.15).
   * Program types: kprobe, tracepoint, perf_event, tracing.
   */
  function attachCookie(): u64;

  /**
   * The id of the current task's cgroup in the cgroup v2 hierarchy: the inode number of its directory under
   * /sys/fs/cgroup.
   *
   * Uses `bpf_get_current_cgroup_id` (Linux ≥ 4.18).
   */
  function cgroupId(): u64;

  /**
   * The command name of the current task (as in `/proc/<pid>/comm`, at most 15 characters).
   *
   * Uses `bpf_get_current_comm` (Linux ≥ 4.2).
   */
  function comm(): Str<16>;

  /**
   * The index of the CPU the program is running on.
   *
   * Uses `bpf_get_smp_processor_id` (Linux ≥ 4.1).
   */
  function cpu(): u32;

  /**
   * The address of the current task's `struct task_struct`, to read with `bpf.probeReadKernel`.
   *
   * Uses `bpf_get_current_task` (Linux ≥ 4.8).
   * GPL-only.
   */
  function currentTask(): ptr;

  /**
   * The address of the traced kernel function, in fentry and fexit programs and in kprobes placed at a function's entry
   * (0 elsewhere, e.g. in uprobes).
   *
   * Uses `bpf_get_func_ip` (Linux ≥ 5.15).
   * GPL-only.
   * Program types: kprobe, tracing.
   */
  function funcIp(): u64;

  /**
   * The real group id of the current task, as seen from the initial user namespace.
   *
   * Uses `bpf_get_current_uid_gid` (Linux ≥ 4.2).
   */
  function gid(): u32;

  /**
   * The kernel's 64-bit jiffies counter, which advances CONFIG_HZ times a second; it does not start at 0 at boot.
   *
   * Uses `bpf_jiffies64` (Linux ≥ 5.6).
   */
  function jiffies(): u64;

  /**
   * Nanoseconds since boot, including time suspended (CLOCK_BOOTTIME).
   *
   * Uses `bpf_ktime_get_boot_ns` (Linux ≥ 5.8).
   */
  function ktimeGetBootNs(): u64;

  /**
   * Nanoseconds since boot, not counting time suspended, at the resolution of the scheduler tick
   * (CLOCK_MONOTONIC_COARSE): cheaper than `bpf.ktimeGetNs()`.
   *
   * Uses `bpf_ktime_get_coarse_ns` (Linux ≥ 5.11).
   */
  function ktimeGetCoarseNs(): u64;

  /**
   * Nanoseconds since boot, not counting time suspended (CLOCK_MONOTONIC). Use differences of it to time things.
   *
   * Uses `bpf_ktime_get_ns` (Linux ≥ 4.1).
   */
  function ktimeGetNs(): u64;

  /**
   * Nanoseconds since the Unix epoch in International Atomic Time (CLOCK_TAI): wall-clock time without leap seconds,
   * comparable with user-space timestamps.
   *
   * Uses `bpf_ktime_get_tai_ns` (Linux ≥ 6.1).
   */
  function ktimeGetTaiNs(): u64;

  /**
   * Calls `callback(index)` for index 0, 1, … up to `count` times (`count` at most 1 << 23), stopping after a call that
   * returns true; returns the number of calls. The verifier checks the callback once, however large `count` is.
   *
   * Uses `bpf_loop` (Linux ≥ 5.17).
   */
  function loop(count: number, callback: (index: u32) => boolean | void): u32;

  /**
   * The NUMA node of the CPU the program is running on.
   *
   * Uses `bpf_get_numa_node_id` (Linux ≥ 4.10).
   */
  function numaNodeId(): u32;

  /**
   * The process id of the current task: what `getpid()` returns in user space (the kernel calls it the tgid).
   *
   * Uses `bpf_get_current_pid_tgid` (Linux ≥ 4.2).
   */
  function pid(): u32;

  /**
   * The process and thread ids of the current task in one value: `(pid << 32) | tid`.
   *
   * Uses `bpf_get_current_pid_tgid` (Linux ≥ 4.2).
   */
  function pidTgid(): u64;

  /**
   * Reads a `T` (an integer, a struct, a `Str` or a `FixedArray`: a type of fixed size) from kernel memory at `src`. If
   * the memory cannot be read, the result is zeroed.
   *
   * Uses `bpf_probe_read_kernel` (Linux ≥ 5.5).
   * GPL-only.
   */
  function probeReadKernel<T>(src: ptr): T;

  /**
   * Reads a NUL-terminated string from kernel memory at `src`, at most `capacity - 1` bytes (`capacity` a constant). If
   * the memory cannot be read, the result is empty.
   *
   * Uses `bpf_probe_read_kernel_str` (Linux ≥ 5.5).
   * GPL-only.
   */
  function probeReadKernelStr<N extends number>(src: ptr, capacity: N): Str<N>;

  /**
   * Reads a `T` (an integer, a struct, a `Str` or a `FixedArray`: a type of fixed size) from user-space memory at
   * `src`. If the memory cannot be read (an invalid address, or a page not present), the result is zeroed.
   *
   * Uses `bpf_probe_read_user` (Linux ≥ 5.5).
   * GPL-only.
   */
  function probeReadUser<T>(src: ptr): T;

  /**
   * Reads a NUL-terminated string from user-space memory at `src`, at most `capacity - 1` bytes (`capacity` a
   * constant). If the memory cannot be read, the result is empty.
   *
   * Uses `bpf_probe_read_user_str` (Linux ≥ 5.5).
   * GPL-only.
   */
  function probeReadUserStr<N extends number>(src: ptr, capacity: N): Str<N>;

  /**
   * A pseudo-random 32-bit number, not cryptographically secure (for sampling).
   *
   * Uses `bpf_get_prandom_u32` (Linux ≥ 4.17).
   */
  function random(): u32;

  /**
   * Sends `signal` (e.g. 9 for SIGKILL) to the current process, as kill(2) would. Nothing is sent when the current task
   * is a kernel thread or exiting.
   *
   * Uses `bpf_send_signal` (Linux ≥ 5.3).
   */
  function sendSignal(signal: u32): void;

  /**
   * The thread id of the current task: what `gettid()` returns in user space; equal to `bpf.pid()` in a process's main
   * thread.
   *
   * Uses `bpf_get_current_pid_tgid` (Linux ≥ 4.2).
   */
  function tid(): u32;

  /**
   * Writes a printf-style message (`format` a string literal, at most 3 arguments) to /sys/kernel/tracing/trace_pipe.
   * Slow and shared by the whole system: for debugging only.
   *
   * Uses `bpf_trace_printk` (Linux ≥ 4.1).
   * GPL-only.
   */
  function tracePrintk(format: string, ...args: (number | bigint)[]): void;

  /**
   * Reads the string of a tracepoint's `__data_loc` field, e.g. `bpf.tracepointString(ctx, ctx.filename, 256)` in a
   * `tracepoint` handler, at most `capacity - 1` bytes (`capacity` a constant).
   *
   * Uses `bpf_probe_read_kernel_str` (Linux ≥ 5.5).
   * GPL-only.
   * Program types: tracepoint.
   */
  function tracepointString<N extends number>(ctx: object, field: DataLoc, capacity: N): Str<N>;

  /**
   * The real user id of the current task, as seen from the initial user namespace.
   *
   * Uses `bpf_get_current_uid_gid` (Linux ≥ 4.2).
   */
  function uid(): u32;

  /**
   * The real group and user ids of the current task in one value: `(gid << 32) | uid`.
   *
   * Uses `bpf_get_current_uid_gid` (Linux ≥ 4.2).
   */
  function uidGid(): u64;
}
