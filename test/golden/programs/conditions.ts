// `&&`, `||`, `!` and `?:`: conditions become branches (short-circuit jumps), and a ternary or a logical operator
// used as a value becomes a join of two moves.
import { Count, bpf, tracepoint, type u32 } from "tsbpf";

export const picked = new Count<u32>();

tracepoint("sched/sched_switch", (ctx) => {
  if ((ctx.prev_pid === 0 || ctx.next_pid === 0) && !(ctx.next_prio > 100)) return;
  const cls = ctx.next_prio < 100 ? 1 : ctx.next_prio < 120 ? 2 : 3;
  const who = ctx.next_pid || bpf.pid();
  picked.increment(cls * 1000 + (who && 1));
});
