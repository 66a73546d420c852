// Array and per-CPU maps: ArrayMap get (in range, yet null-checked for the verifier) and set, a PerCpuArrayMap
// struct value changed in place through the pointer get returns, PerCpuHashMap add.
import { ArrayMap, PerCpuArrayMap, PerCpuHashMap, bpf, tracepoint, type u32, type u64 } from "tsbpf";

interface Counter {
  calls: u64;
  bytes: u64;
}

const config = new ArrayMap<u64>(4);
const perCpu = new PerCpuArrayMap<Counter>(1);
const bytesByPid = new PerCpuHashMap<u32, u64>(1024);

tracepoint("syscalls/sys_enter_write", (ctx) => {
  const min = config.get(0) ?? 0n;
  if (ctx.count < min) return;
  config.set(1, bpf.ktimeGetNs());
  const c = perCpu.get(0);
  if (c) {
    c.calls += 1n;
    c.bytes += ctx.count;
  }
  bytesByPid.add(bpf.pid(), ctx.count);
});
