// `bpf.loop` with a callback: the callback becomes a static subprogram loaded with `lddw func`; the variables it
// captures (`sum`, `limit`) live in an environment on the caller's stack, passed as the callback's context.
import { Sum, bpf, tracepoint } from "tsbpf";

export const sums = new Sum();

tracepoint("sched/sched_switch", (ctx) => {
  const limit = ctx.next_pid;
  let sum = 0;
  bpf.loop(100, (i) => {
    sum += i;
    return sum > limit;
  });
  sums.add(sum);
});
