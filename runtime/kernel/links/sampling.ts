// perf_event programs on a software clock firing every P ms on one CPU (bpftrace's interval probe): the period in,
// one Link out. (`profile`, the same clock sampled at N Hz on every CPU, is a software perf event: perf-counters.ts.)

import { onlineCpus } from "../cpus.ts";
import type { Kernel } from "../kernel.ts";
import { Acquisition, type Link, closeFd } from "./link.ts";
import { PERF_COUNT_SW_CPU_CLOCK, PERF_TYPE_SOFTWARE, attachToPerfEvent, openPerfEvent } from "./perf-event.ts";

export function attachInterval(k: Kernel, progFd: number, periodMs: number, cpu = onlineCpus()[0] ?? 0): Link {
  const description = `interval ${periodMs} ms`;
  const acq = new Acquisition();
  try {
    const fd = openPerfEvent(k, { type: PERF_TYPE_SOFTWARE, config: BigInt(PERF_COUNT_SW_CPU_CLOCK), samplePeriod: BigInt(periodMs) * 1_000_000n }, -1, cpu, `open ${description}`);
    acq.add(closeFd(k.sys, fd));
    const mechanism = attachToPerfEvent(k, acq, progFd, fd, `attach ${description}`);
    return acq.link(description, mechanism);
  } catch (e) {
    acq.abort();
    throw e;
  }
}
