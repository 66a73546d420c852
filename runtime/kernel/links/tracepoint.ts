// Tracepoints: category/name in, a Link out. The id comes from tracefs; the program (type TRACEPOINT) attaches to a
// perf event of type PERF_TYPE_TRACEPOINT opened on CPU 0 (one fd covers every CPU).

import type { Kernel } from "../kernel.ts";
import { Acquisition, type Link, closeFd } from "./link.ts";
import { PERF_TYPE_TRACEPOINT, attachToPerfEvent, openPerfEvent } from "./perf-event.ts";

export function attachTracepoint(k: Kernel, progFd: number, category: string, name: string, cookie?: bigint): Link {
  const description = `tracepoint ${category}/${name}`;
  const id = k.tracefs.eventId(category, name);
  const acq = new Acquisition();
  try {
    const fd = openPerfEvent(k, { type: PERF_TYPE_TRACEPOINT, config: BigInt(id) }, -1, 0, `open ${description}`);
    acq.add(closeFd(k.sys, fd));
    const mechanism = attachToPerfEvent(k, acq, progFd, fd, `attach to ${description}`, cookie);
    return acq.link(description, mechanism);
  } catch (e) {
    acq.abort();
    throw e;
  }
}
