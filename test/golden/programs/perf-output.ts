// PerfEventArray: output of a value already built (a map value, copied by bpf_perf_event_output from where it is),
// and emit of a literal (built on the stack, then output); a failure increments `events.lost`.
import { HashMap, PerfEventArray, bpf, tracepoint, type u32, type u64 } from "tsbpf";

interface Exit {
  pid: u32;
  code: u32;
  start: u64;
}

const started = new HashMap<u32, Exit>(1024);
export const events = new PerfEventArray<Exit>();

tracepoint("sched/sched_process_fork", (ctx) => {
  started.set(ctx.child_pid, { pid: ctx.child_pid, code: 0, start: bpf.ktimeGetNs() });
});

tracepoint("sched/sched_process_exit", (ctx) => {
  const e = started.get(ctx.pid);
  if (e === undefined) {
    events.emit({ pid: ctx.pid, code: 0, start: 0n });
    return;
  }
  events.output(e);
  started.delete(ctx.pid);
});
