// exitsnoop: every process that ends, with its parent, its age and why it ended: an exit code, or the signal that
// killed it (bcc's exitsnoop). Shows kernel structs read as typed objects (`task.real_parent.tgid`: each field at its
// offset in the running kernel, from its BTF at load) and a format() for the lines.
//   sudo npx tsbpf run samples/exitsnoop.ts
//   sudo npx tsbpf run samples/exitsnoop.ts --param failed=true     (only failures: a non-zero code or a signal)
//   sudo npx tsbpf run samples/exitsnoop.ts --param threads=true    (every thread, not only whole processes)

import { constants } from "node:os";
import { RingBuffer, bpf, param, tracepoint, type Str, type u32, type u64, type u8 } from "tsbpf";

/** Report only exits with a non-zero code or a signal (bcc's -x). */
const failed = param<boolean>("failed", false);
/** Report every thread's exit (bcc's -t); otherwise one line per process, when its last thread exits. */
const threads = param<boolean>("threads", false);

export interface Exit {
  /** The process (tgid), the thread that exited last (tid), and the process its exit is reported to. */
  pid: u32;
  ppid: u32;
  tid: u32;
  /** Nanoseconds from the process's start (the thread's, with threads=true) to its exit. */
  age: u64;
  /** The status given to exit(2), 0..255: meaningful when `signal` is 0. */
  code: u8;
  /** The signal that killed it, or 0. */
  signal: u8;
  /** The signal's default action dumps core (whether a core file was written depends on ulimit -c). */
  core: boolean;
  comm: Str<16>;
}

export const exits = new RingBuffer<Exit>(1 << 18);

tracepoint("sched/sched_process_exit", (ctx) => {
  // group_dead: the last thread of the process is exiting, so the process is gone. (bcc tests pid == tid instead:
  // the main thread, which may exit before the others.)
  if (!threads && !ctx.group_dead) return;
  const task = bpf.currentTask();
  // The wait(2) status: exit code in bits 15:8, or the signal in bits 6:0 and the core dump flag in bit 7.
  const status = task.exit_code;
  if (failed && status === 0) return;
  // The last thread need not be the main one: the process's start and name are its group leader's.
  const self = threads ? task : task.group_leader;
  exits.emit({
    pid: bpf.pid(),
    ppid: task.real_parent.tgid,
    tid: bpf.tid(),
    age: bpf.ktimeGetNs() - self.start_time,
    code: (status >> 8) & 0xff,
    signal: status & 0x7f,
    core: (status & 0x80) !== 0,
    comm: self.comm,
  });
});

/** `tsbpf run` prints this line above the lines of format(). */
export const header = ["PCOMM".padEnd(16), "PID".padEnd(7), "PPID".padEnd(7), "TID".padEnd(7), "AGE(s)".padEnd(7), "EXIT_CODE"].join(" ");

/** What `tsbpf run` prints per event, as bcc's columns PCOMM PID PPID TID AGE(s) EXIT_CODE. */
export function format(e: Exit): string {
  const age = (Number(e.age / 1_000_000n) / 1000).toFixed(2);
  return `${e.comm.padEnd(16)} ${String(e.pid).padEnd(7)} ${String(e.ppid).padEnd(7)} ${String(e.tid).padEnd(7)} ${age.padEnd(7)} ${status(e)}`;
}

/** "0", "code 3", "signal 9 (KILL)", "signal 11 (SEGV), core dumped". */
export function status(e: Pick<Exit, "code" | "signal" | "core">): string {
  if (e.signal === 0) return e.code === 0 ? "0" : `code ${e.code}`;
  const name = Object.entries(constants.signals).find(([, n]) => n === e.signal)?.[0].replace(/^SIG/, "");
  return `signal ${e.signal}${name ? ` (${name})` : ""}${e.core ? ", core dumped" : ""}`;
}
