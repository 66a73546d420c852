// Attaching: a loaded program and its AttachSpec in, a Link out, choosing the mechanism per probe kind. Also what a
// program needs at load time for its attach point (BTF ids, expected attach types, feature checks).

import type { AttachSpec, ProgramSpec } from "../../../core/object/spec.ts";
import { BpfError } from "../errors.ts";
import type { Kernel } from "../kernel.ts";
import { attachKprobe, kprobeSupport, kprobesUnsupported } from "./kprobe.ts";
import type { Link } from "./link.ts";
import { attachRawTracepoint } from "./raw-tracepoint.ts";
import { attachInterval, attachProfile } from "./sampling.ts";
import { attachTracepoint } from "./tracepoint.ts";
import { type TracingTarget, attachTracing, tracingTarget } from "./tracing.ts";
import { attachUprobe } from "./uprobe.ts";

export type { Link } from "./link.ts";
export { OwnedLink } from "./link.ts";

/** Load-time requirements of an attach point. Throws early (before loading) when the kernel cannot do it. */
export function loadRequirements(k: Kernel, spec: ProgramSpec): Partial<TracingTarget> {
  const a = spec.attach;
  switch (a.kind) {
    case "tp_btf":
      return tracingTarget(k, "tp_btf", a.name);
    case "fentry":
    case "fexit":
      return tracingTarget(k, a.kind, a.function);
    case "kprobe":
      if (!kprobeSupport(k)) throw kprobesUnsupported();
      return {};
    default:
      return {};
  }
}

export function describeAttach(a: AttachSpec): string {
  switch (a.kind) {
    case "tracepoint": return `tracepoint ${a.category}/${a.name}`;
    case "raw_tracepoint": return `raw_tracepoint ${a.name}`;
    case "tp_btf": return `tp_btf ${a.name}`;
    case "kprobe": return `${a.retprobe ? "kretprobe" : "kprobe"} ${a.function}`;
    case "uprobe": return `${a.retprobe ? "uretprobe" : "uprobe"} ${a.target}:${a.symbol ?? a.offset}`;
    case "fentry":
    case "fexit": return `${a.kind} ${a.function}`;
    case "profile": return `profile ${a.frequency} Hz`;
    case "interval": return `interval ${a.periodMs} ms`;
    case "none": return "nothing";
  }
}

export interface AttachOptions {
  /** Use tracefs uprobe_events/kprobe_events even where a PMU exists. */
  readonly legacy?: boolean;
}

export function attach(k: Kernel, progFd: number, a: AttachSpec, opts: AttachOptions = {}): Link {
  switch (a.kind) {
    case "tracepoint":
      return attachTracepoint(k, progFd, a.category, a.name);
    case "raw_tracepoint":
      return attachRawTracepoint(k, progFd, a.name);
    case "tp_btf":
      return attachTracing(k, progFd, "tp_btf", a.name);
    case "fentry":
    case "fexit":
      return attachTracing(k, progFd, a.kind, a.function);
    case "kprobe":
      return attachKprobe(k, progFd, { function: a.function, retprobe: a.retprobe, ...(a.offset !== undefined ? { offset: a.offset } : {}) });
    case "uprobe":
      return attachUprobe(k, progFd, {
        target: a.target, retprobe: a.retprobe,
        ...(a.symbol !== undefined ? { symbol: a.symbol } : {}),
        ...(a.offset !== undefined ? { offset: a.offset } : {}),
        ...(a.pid !== undefined ? { pid: a.pid } : {}),
        ...(opts.legacy ? { legacy: true } : {}),
      });
    case "profile":
      return attachProfile(k, progFd, a.frequency);
    case "interval":
      return attachInterval(k, progFd, a.periodMs);
    case "none":
      throw new BpfError("this program has no attach point", "attach");
  }
}
