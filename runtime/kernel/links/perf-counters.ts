// perf_event programs on hardware and software perf events (`hardware("cycles", ...)`, `software("page-faults",
// ...)`): the event's name, how often to sample and an optional process in; one Link owning every event it opened
// out. Without a process, one event per online CPU (pid -1), as profile; with one (-p, -c), one event per thread of
// the process (cpu -1) with `inherit` set, so the threads and children it starts later count too (the program's
// tgid filter then keeps the process's own samples), and a period counts that process's events, not the machine's.
// A hardware event on a machine whose CPU exposes no PMU fails with a message that says so (NotFoundError: an
// optional probe is skipped).

import { readdirSync } from "node:fs";
import { type PerfEventKind, PERF_TYPE, perfEvent } from "../../../core/perf-events.ts";
import { onlineCpus } from "../cpus.ts";
import { BpfError, NotFoundError } from "../errors.ts";
import type { Kernel } from "../kernel.ts";
import { cpuPmu } from "../pmu.ts";
import { ERRNO } from "../sys.ts";
import { Acquisition, type Link, closeFd } from "./link.ts";
import { type PerfEventAttr, attachToPerfEvent, openPerfEvent } from "./perf-event.ts";

export interface PerfCounterTarget {
  readonly type: PerfEventKind;
  /** As the tracer named it (an alias included): "cycles", "page-faults". */
  readonly event: string;
  readonly period?: number;
  readonly frequency?: number;
  /** Count in this process only. */
  readonly pid?: number;
}

export function attachPerfCounter(k: Kernel, progFd: number, t: PerfCounterTarget, cpus: () => readonly number[] = onlineCpus): Link {
  const name = `${t.type}:${t.event}`;
  const def = perfEvent(t.type, t.event);
  if (!def) throw new NotFoundError(`no ${t.type} perf event ${t.event}`, `attach ${name}`);
  const attr: PerfEventAttr = {
    type: PERF_TYPE[t.type], config: BigInt(def.config), inherit: t.pid !== undefined,
    ...(t.frequency !== undefined ? { sampleFreq: t.frequency } : { samplePeriod: BigInt(t.period ?? def.defaultPeriod) }),
  };
  const every = t.frequency !== undefined ? `${t.frequency} Hz` : `every ${t.period ?? def.defaultPeriod}`;
  const where: [pid: number, cpu: number, label: string][] = t.pid !== undefined
    ? threadsOf(t.pid).map((tid) => [tid, -1, `thread ${tid}`])
    : cpus().map((cpu) => [-1, cpu, `CPU ${cpu}`]);
  const description = `${name} ${every} ${t.pid !== undefined ? `in process ${t.pid}` : `on ${where.length} CPU${where.length === 1 ? "" : "s"}`}`;
  const acq = new Acquisition();
  try {
    let mechanism = "";
    for (const [pid, cpu, label] of where) {
      let fd: number;
      try {
        fd = openPerfEvent(k, attr, pid, cpu, `open ${name} on ${label}`);
      } catch (e) {
        // A thread that ended since the process's threads were listed is not an error.
        if (pid !== -1 && pid !== t.pid && e instanceof BpfError && e.errno === ERRNO.ESRCH) continue;
        throw t.type === "hardware" ? hardwareFailure(e, name) : e;
      }
      acq.add(closeFd(k.sys, fd));
      mechanism = attachToPerfEvent(k, acq, progFd, fd, `attach ${description}`);
    }
    return acq.link(description, mechanism);
  } catch (e) {
    acq.abort();
    throw e;
  }
}

/**
 * The error of a hardware event that would not open. ENOENT (no PMU takes PERF_TYPE_HARDWARE) or EOPNOTSUPP (the PMU
 * cannot count or sample it) where sysfs shows no core PMU: the machine has no hardware counters, said in one line.
 * With a PMU, ENOENT means this CPU's PMU does not count the event (stalled cycles on many CPUs).
 */
function hardwareFailure(e: unknown, name: string): unknown {
  if (!(e instanceof BpfError) || (e.errno !== ERRNO.ENOENT && e.errno !== ERRNO.EOPNOTSUPP)) return e;
  const pmu = cpuPmu();
  const optional = "make the probe { optional: true } to run without it where there is none";
  if (pmu === undefined) {
    return new NotFoundError(
      `this CPU has no hardware performance counters (no PMU exposed to this machine, e.g. a VM without vPMU): ${name} cannot be sampled; software events work`,
      `open ${name}`, [], optional);
  }
  return new NotFoundError(`${name}: this CPU's PMU (${pmu}) does not count this event (${e.code})`, `open ${name}`, [],
    `perf list shows what it counts; ${optional}`);
}

/** The threads of process `pid` (/proc/PID/task), or the process alone when they cannot be listed. */
function threadsOf(pid: number): number[] {
  try {
    const tids = readdirSync(`/proc/${pid}/task`).map(Number).filter((n) => Number.isInteger(n) && n > 0);
    // The process's own thread first: if it cannot be opened, that is the error to report.
    return [pid, ...tids.filter((t) => t !== pid)];
  } catch {
    return [pid];
  }
}
