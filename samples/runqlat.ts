// runqlat: how long runnable tasks wait for a CPU, as a power-of-2 histogram in microseconds (bpftrace's
// runqlat.bt): a task is enqueued when woken up or preempted, and leaves the queue when switched in.
//   sudo npx tsbpf run samples/runqlat.ts --duration 5

import { HashMap, Histogram, bpf, tracepoint, type u32, type u64 } from "tsbpf";

/** TASK_RUNNING: a task switched out in this state was preempted and stays runnable. */
const TASK_RUNNING = 0n;

/** When each task id became runnable. */
const queued = new HashMap<u32, u64>(10240);
/** Time runnable tasks waited for a CPU (from wakeup or preemption to running). */
export const runqlat = new Histogram({ unit: "us" });

tracepoint("sched/sched_wakeup", (ctx) => {
  queued.set(ctx.pid, bpf.ktimeGetNs());
});

tracepoint("sched/sched_wakeup_new", (ctx) => {
  queued.set(ctx.pid, bpf.ktimeGetNs());
});

tracepoint("sched/sched_switch", (ctx) => {
  const now = bpf.ktimeGetNs();
  if (ctx.prev_state === TASK_RUNNING && ctx.prev_pid !== 0) queued.set(ctx.prev_pid, now);
  if (ctx.next_pid === 0) return;
  const since = queued.get(ctx.next_pid);
  if (since === undefined) return;
  runqlat.record((now - since) / 1000n);
  queued.delete(ctx.next_pid);
});
