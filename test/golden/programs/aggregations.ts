// Every aggregation without a key: per-CPU arrays (one element, or one per bucket) updated in place; Min/Max
// compare and store, Avg/Stats keep a count and a total, Histogram finds its log2 bucket by a binary search,
// LinearHistogram clamps and divides.
import { Avg, Count, Histogram, LinearHistogram, Max, Min, Stats, Sum, tracepoint } from "tsbpf";

export const count = new Count();
export const sum = new Sum();
export const min = new Min();
export const max = new Max();
export const avg = new Avg();
export const stats = new Stats();
export const hist = new Histogram();
export const lhist = new LinearHistogram(0, 100, 10);

tracepoint("syscalls/sys_enter_read", (ctx) => {
  const n = ctx.count;
  count.increment();
  sum.add(n);
  min.record(n);
  max.record(n);
  avg.record(n);
  stats.record(n);
  hist.record(n);
  lhist.record(n);
});
