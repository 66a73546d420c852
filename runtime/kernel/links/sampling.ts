// perf_event programs on software clocks: `profile` samples every online CPU at N Hz; `interval` fires every
// P ms on one CPU (bpftrace's interval probe). Frequency or period in, one Link (owning every per-CPU event) out.

import { onlineCpus } from "../cpus.ts";
import type { Kernel } from "../kernel.ts";
import { Acquisition, type Link, closeFd } from "./link.ts";
import { PERF_COUNT_SW_CPU_CLOCK, PERF_TYPE_SOFTWARE, attachToPerfEvent, openPerfEvent } from "./perf-event.ts";

export function attachProfile(k: Kernel, progFd: number, frequency: number, cpus: readonly number[] = onlineCpus()): Link {
  const description = `profile ${frequency} Hz on ${cpus.length} CPU${cpus.length === 1 ? "" : "s"}`;
  const acq = new Acquisition();
  try {
    let mechanism = "";
    for (const cpu of cpus) {
      const fd = openPerfEvent(k, { type: PERF_TYPE_SOFTWARE, config: BigInt(PERF_COUNT_SW_CPU_CLOCK), sampleFreq: frequency }, -1, cpu, `open cpu-clock sampling on CPU ${cpu}`);
      acq.add(closeFd(k.sys, fd));
      mechanism = attachToPerfEvent(k, acq, progFd, fd, `attach ${description}`);
    }
    return acq.link(description, mechanism);
  } catch (e) {
    acq.abort();
    throw e;
  }
}

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
