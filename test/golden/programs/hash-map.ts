// A hash map with a struct key and a struct value: get (a pointer into the map, null-checked), set of a literal
// built on the stack, has, delete, and add (an atomic add on the value, inserting it when absent).
import { HashMap, bpf, tracepoint, type u32, type u64 } from "tsbpf";

interface Key {
  pid: u32;
  cpu: u32;
}
interface Value {
  switches: u64;
  last: u64;
}

const perTask = new HashMap<Key, Value>(4096);
const totals = new HashMap<u32, u64>(4096);

tracepoint("sched/sched_switch", (ctx) => {
  const key: Key = { pid: ctx.next_pid, cpu: bpf.cpu() };
  const v = perTask.get(key);
  if (v === undefined) {
    perTask.set(key, { switches: 1n, last: bpf.ktimeGetNs() }, "noexist");
    return;
  }
  v.switches += 1n;
  v.last = bpf.ktimeGetNs();
  totals.add(ctx.next_pid, 1n);
});

tracepoint("sched/sched_process_exit", (ctx) => {
  if (totals.has(ctx.pid)) totals.delete(ctx.pid);
});
