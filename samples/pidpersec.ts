// pidpersec: new processes per second (bpftrace's pidpersec.bt). A fork tracepoint counts; a one-second interval
// takes the count out (atomically, so no fork is lost between reading and clearing it), prints the second's line
// and records it.
//   sudo npx tsbpf run samples/pidpersec.ts --duration 10

import { ArrayMap, LinearHistogram, Stats, begin, interval, print, time, tracepoint, type u64 } from "tsbpf";

/** Forks since the last tick. */
const forks = new ArrayMap<u64>(1);
/** Forks per second: count of seconds, average and total. */
export const perSecond = new Stats();
/** How many seconds saw 0-9, 10-19, ... forks. */
export const distribution = new LinearHistogram(0, 1000, 10);

begin(() => print("Tracing new processes... Hit Ctrl-C to end."));

tracepoint("sched/sched_process_fork", () => {
  forks.add(0, 1n);
});

interval(1000, () => {
  const n = forks.get(0) ?? 0n;
  forks.add(0, -n);
  print(`${time("%H:%M:%S")} PIDs/sec: ${n}`);
  perSecond.record(n);
  distribution.record(n);
});
