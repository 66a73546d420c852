// offcputime: time blocked, by stack, in microseconds (bcc's offcputime): when a task is switched out, its stacks
// (where it blocked) and the time; when it is switched back in, the time it was off the CPU is added to those
// stacks. Idle and the tracer's own waits count like any. One process: -p PID or -c CMD.
//   sudo npx tsbpf run samples/offcputime.ts --duration 10 --flamegraph offcpu.svg

import { HashMap, Sum, type KStack, type Str, type UStack, bpf, tracepoint, type u32, type u64 } from "tsbpf";

interface Blocked {
  comm: Str<16>;
  user: UStack;
  kernel: KStack;
}

interface Off {
  since: u64;
  where: Blocked;
}

/** Tasks off the CPU now, by thread id: since when, and where they blocked. */
const off = new HashMap<u32, Off>(10240);
/** Microseconds off the CPU by command and stacks. */
export const offcpu = new Sum<Blocked>({ unit: "us", top: 100 });

tracepoint("sched/sched_switch", (ctx) => {
  const now = bpf.ktimeGetNs();
  // The task switched out is the current one: its stacks are where it blocked.
  if (ctx.prev_pid !== 0) {
    off.set(ctx.prev_pid, { since: now, where: { comm: bpf.comm(), user: bpf.ustack(), kernel: bpf.kstack() } });
  }
  const was = off.get(ctx.next_pid);
  if (was === undefined) return;
  offcpu.add(was.where, (now - was.since) / 1000n);
  off.delete(ctx.next_pid);
});
