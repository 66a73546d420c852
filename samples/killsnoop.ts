// killsnoop: every signal sent with kill(2), tkill(2) or tgkill(2), system-wide: who sent it, to whom, which
// signal, and the result (bcc's killsnoop). The target and signal are kept from the syscall's entry to its exit,
// by thread id.
//   sudo npx tsbpf run samples/killsnoop.ts
//   sudo npx tsbpf run samples/killsnoop.ts --param failed=true    (failed sends only)

import { HashMap, RingBuffer, bpf, param, tracepoint, type Str, type i32, type u32 } from "tsbpf";

/** Only report signals that could not be sent. */
const FAILED = param<boolean>("failed", false);

interface Kill {
  /** The sender. */
  pid: u32;
  comm: Str<16>;
  /** The signal (0 only checks that the target exists). */
  sig: u32;
  /** The target: a process for kill (0 and negative values: process groups), a thread for tkill and tgkill. */
  tpid: i32;
  /** 0, or -errno (-1: EPERM, -3: ESRCH). */
  result: i32;
}

/** A send in progress: the target and the signal. */
interface Pending {
  tpid: i32;
  sig: u32;
}

const pending = new HashMap<u32, Pending>(10240);
export const events = new RingBuffer<Kill>(1 << 16);

function enter(tpid: bigint, sig: bigint): void {
  pending.set(bpf.tid(), { tpid: Number(tpid), sig: Number(sig) });
}

function exit(ret: bigint): void {
  const tid = bpf.tid();
  const p = pending.get(tid);
  if (p === undefined) return;
  if (!FAILED || ret < 0n) {
    events.emit({ pid: bpf.pid(), comm: bpf.comm(), sig: p.sig, tpid: p.tpid, result: Number(ret) });
  }
  pending.delete(tid);
}

tracepoint("syscalls/sys_enter_kill", (ctx) => enter(ctx.pid, ctx.sig));
tracepoint("syscalls/sys_exit_kill", (ctx) => exit(ctx.ret));
tracepoint("syscalls/sys_enter_tkill", (ctx) => enter(ctx.pid, ctx.sig));
tracepoint("syscalls/sys_exit_tkill", (ctx) => exit(ctx.ret));
tracepoint("syscalls/sys_enter_tgkill", (ctx) => enter(ctx.pid, ctx.sig));
tracepoint("syscalls/sys_exit_tgkill", (ctx) => exit(ctx.ret));
