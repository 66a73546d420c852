// A `for` loop with a constant start, step and limit of at most 8 trips: unrolled, one copy of the body per
// iteration with `i` folded to a constant (no loop in the output).
import { Sum, tracepoint } from "tsbpf";

export const args = new Sum();

tracepoint("raw_syscalls/sys_enter", (ctx) => {
  let total = 0n;
  for (let i = 0; i < 6; i++) {
    total += ctx.args[i]!;
  }
  args.add(total);
});
