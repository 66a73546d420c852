// Kprobes and kretprobes: a kernel function (and offset) in, a Link out. Uses the kprobe PMU (4.17), falling back
// to tracefs kprobe_events; on kernels built without CONFIG_KPROBES there is neither, and the error says so.

import { BpfError, NotFoundError, UnsupportedFeatureError, explain } from "../errors.ts";
import type { Kernel } from "../kernel.ts";
import { cString } from "../bpf.ts";
import { ERRNO, SysError } from "../sys.ts";
import { Acquisition, type Link, closeFd } from "./link.ts";
import { PERF_TYPE_TRACEPOINT, attachToPerfEvent, openPerfEvent } from "./perf-event.ts";
import { readPmu } from "./pmu.ts";

export interface KprobeOptions {
  readonly function: string;
  readonly offset?: number;
  readonly retprobe: boolean;
}

/** Whether kprobes can be attached here, and how: feature-probed once per Kernel. */
export function kprobeSupport(k: Kernel): "pmu" | "tracefs" | undefined {
  return k.feature("kprobes", () => {
    if (readPmu("kprobe", k.eventSourceRoot)) return "pmu" as const;
    try {
      if (k.tracefs.hasProbeEvents("kprobe")) return "tracefs" as const;
    } catch {
      // No tracefs at all: no legacy kprobes either.
    }
    return undefined;
  });
}

export function kprobesUnsupported(): UnsupportedFeatureError {
  return new UnsupportedFeatureError("kprobes", "CONFIG_KPROBES: there is no kprobe PMU and no tracefs kprobe_events",
    "use a tracepoint (syscalls:sys_enter_*, sched:*, ...), a tp_btf probe, or fentry/fexit where available");
}

export function attachKprobe(k: Kernel, progFd: number, o: KprobeOptions): Link {
  const kind = o.retprobe ? "kretprobe" : "kprobe";
  const description = `${kind} ${o.function}${o.offset ? `+${o.offset}` : ""}`;
  const support = kprobeSupport(k);
  if (!support) throw kprobesUnsupported();
  const acq = new Acquisition();
  try {
    let perfFd: number;
    let mechanism: string;
    if (support === "pmu") {
      const pmu = readPmu("kprobe", k.eventSourceRoot)!;
      const fn = cString(k.sys, o.function);
      try {
        perfFd = openPerfEvent(k, { type: pmu.type, config: o.retprobe ? 1n << BigInt(pmu.retprobeBit) : 0n, config1: fn.address, config2: BigInt(o.offset ?? 0) }, -1, 0, `open ${description}`);
      } catch (e) {
        if (e instanceof BpfError && (e.code === "ENOENT" || e.code === "EINVAL")) {
          throw new NotFoundError(`no kprobe-able kernel function ${o.function}`, `attach ${description}`, [],
            "the function may be inlined, static or notrace; see /sys/kernel/tracing/available_filter_functions");
        }
        throw e;
      } finally {
        fn.free();
      }
      mechanism = "kprobe PMU";
    } else {
      const tracefs = k.tracefs;
      const group = `tsbpf_${process.pid}`;
      const event = k.uniqueName("k");
      try {
        tracefs.writeProbeEvent("kprobe", `${o.retprobe ? "r" : "p"}:${group}/${event} ${o.function}${o.offset ? `+${o.offset}` : ""}`);
      } catch (e) {
        throw new NotFoundError(`cannot create a kprobe on ${o.function}: ${(e as Error).message}`, `attach ${description}`);
      }
      acq.add(() => tracefs.writeProbeEvent("kprobe", `-:${group}/${event}`));
      perfFd = openPerfEvent(k, { type: PERF_TYPE_TRACEPOINT, config: BigInt(tracefs.eventId(group, event)) }, -1, 0, `open ${description}`);
      mechanism = `tracefs kprobe_events ${group}/${event}`;
    }
    acq.add(closeFd(k.sys, perfFd));
    const how = attachToPerfEvent(k, acq, progFd, perfFd, `attach ${description}`);
    return acq.link(description, `${mechanism}, ${how}`);
  } catch (e) {
    acq.abort();
    if (e instanceof SysError && e.errno === ERRNO.ENOENT) throw explain(e, `attach ${description}`);
    throw e;
  }
}
