// `switch` on an integer: a chain of compares, cases that share a body, `break` as a jump past the end, `default`.
import { Count, tracepoint, type u32 } from "tsbpf";

export const states = new Count<u32>();

tracepoint("sched/sched_switch", (ctx) => {
  let kind: u32 = 0;
  switch (ctx.prev_state) {
    case 0n:
      kind = 1;
      break;
    case 1n:
    case 2n:
      kind = 2;
      break;
    case 64n:
      kind = 3;
      break;
    default:
      kind = 10;
  }
  states.increment(kind);
});
