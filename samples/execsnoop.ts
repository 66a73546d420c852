// execsnoop: every program executed, system-wide, with its parent, its arguments and whether exec succeeded (bcc's
// execsnoop). The arguments are read from the caller's memory on entry, with a bounded loop over argv, kept by thread
// id in a map and sent on exit with the result. The parent's pid comes from the kernel's task_struct, at the
// offsets of the running kernel's BTF.
//   sudo npx tsbpf run samples/execsnoop.ts
//   sudo npx tsbpf run samples/execsnoop.ts --param failed=true    (failed execs only)

import { LruHashMap, RingBuffer, bpf, param, tracepoint, type FixedArray, type Str, type i32, type u32, type u64 } from "tsbpf";

/** Only report execs that failed. */
const FAILED = param<boolean>("failed", false);

/** Arguments read per exec, and bytes per argument (with the NUL), as bcc's execsnoop. */
const MAX_ARGS = 20;
const ARG_SIZE = 128;

interface Exec {
  pid: u32;
  ppid: u32;
  /** The name of the program that runs after a successful exec; the caller's otherwise. */
  comm: Str<16>;
  /** 0, or -errno (-2: ENOENT, -13: EACCES). */
  ret: i32;
  /** Arguments read: argv[0] is the path executed (as bcc prints it), the rest are argv[1]... */
  argc: u32;
  /** There were more than MAX_ARGS arguments. */
  truncated: boolean;
  /** MAX_ARGS strings of ARG_SIZE bytes. */
  argv: FixedArray<Str<typeof ARG_SIZE>, typeof MAX_ARGS>;
}

/**
 * Execs in progress, by thread id: the event is built on entry and completed on exit. LRU, because an exec from a
 * thread other than the main one returns under the main thread's id, and its entry is never taken out.
 */
const execs = new LruHashMap<u32, Exec>(1024);
export const events = new RingBuffer<Exec>(1 << 22);

tracepoint("syscalls/sys_enter_execve", (ctx) => {
  const e: Exec = {
    pid: bpf.pid(),
    ppid: bpf.currentTask().real_parent.tgid,
    comm: "",
    ret: 0,
    argc: 1,
    truncated: false,
    argv: [bpf.probeReadUserStr(ctx.filename, ARG_SIZE)],
  };
  for (let i = 1; i < MAX_ARGS; i++) {
    const arg = bpf.probeReadUser<u64>(ctx.argv + BigInt(i * 8));
    if (arg === 0n) break;
    e.argv[i] = bpf.probeReadUserStr(arg, ARG_SIZE);
    e.argc = i + 1;
  }
  if (e.argc === MAX_ARGS) e.truncated = bpf.probeReadUser<u64>(ctx.argv + BigInt(MAX_ARGS * 8)) !== 0n;
  execs.set(bpf.tid(), e);
});

tracepoint("syscalls/sys_exit_execve", (ctx) => {
  const tid = bpf.tid();
  const e = execs.get(tid);
  if (e === undefined) return;
  e.ret = Number(ctx.ret);
  if (!FAILED || e.ret !== 0) {
    e.comm = bpf.comm();
    events.output(e);
  }
  execs.delete(tid);
});

/** `tsbpf run` prints this line above the lines of format(). */
export const header = `${"PCOMM".padEnd(16)} ${"PID".padStart(7)} ${"PPID".padStart(7)} RET ARGS`;

/** `tsbpf run` prints each exec as bcc does: the process, its parent, the result and the command line. */
export function format(e: Exec): string {
  const args = e.argv.slice(0, e.argc).join(" ") + (e.truncated ? " ..." : "");
  return `${e.comm.padEnd(16)} ${String(e.pid).padStart(7)} ${String(e.ppid).padStart(7)} ${String(e.ret).padStart(3)} ${args}`;
}
