// Load-time parameters: param() reads the frozen `.rodata` map value (lddw map_value), so the verifier sees each
// value as a constant; a boolean, a number and a 64-bit number.
import { Count, param, tracepoint, type u32 } from "tsbpf";

const ENABLED = param("enabled", true);
const PID = param<u32>("pid", 0);
const MIN_NS = param("minNs", 1000n);

export const seen = new Count();

tracepoint("sched/sched_switch", (ctx) => {
  if (!ENABLED) return;
  if (PID !== 0 && ctx.next_pid !== PID) return;
  if (ctx.prev_state < MIN_NS) return;
  seen.increment();
});
