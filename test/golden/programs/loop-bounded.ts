// A `for` loop of more than 8 trips: a bounded loop (a back edge; the verifier follows the counter from its constant
// start to its limit), `break` a jump out of it, `continue` a jump to the increment.
import { Count, bpf, tracepoint, type u64 } from "tsbpf";

export const nonEmpty = new Count();

tracepoint("syscalls/sys_enter_execve", (ctx) => {
  for (let i = 0; i < 20; i++) {
    const arg = bpf.probeReadUser<u64>(ctx.argv + BigInt(i * 8));
    if (arg === 0n) break;
    if ((arg & 1n) !== 0n) continue;
    nonEmpty.increment();
  }
});
