// Every aggregation with a key (a Str<16>): per-CPU hash maps, looked up and updated in place, or, for a new key,
// inserted with the first value (BPF_NOEXIST); Histogram and LinearHistogram key by (key, bucket).
import { Avg, Count, Histogram, LinearHistogram, Max, Min, Stats, Sum, bpf, tracepoint, type Str } from "tsbpf";

export const countBy = new Count<Str<16>>();
export const sumBy = new Sum<Str<16>>();
export const minBy = new Min<Str<16>>();
export const maxBy = new Max<Str<16>>();
export const avgBy = new Avg<Str<16>>();
export const statsBy = new Stats<Str<16>>();
export const histBy = new Histogram<Str<16>>();
export const lhistBy = new LinearHistogram<Str<16>>(0, 100, 10);

tracepoint("syscalls/sys_enter_write", (ctx) => {
  const k = bpf.comm();
  const n = ctx.count;
  countBy.increment(k);
  sumBy.add(k, n);
  minBy.record(k, n);
  maxBy.record(k, n);
  avgBy.record(k, n);
  statsBy.record(k, n);
  histBy.record(k, n);
  lhistBy.record(k, n);
});
