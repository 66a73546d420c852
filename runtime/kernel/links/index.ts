// Attaching: a loaded program and its AttachSpec in, a Link out. One entry per attach kind (core/probes.ts's
// ATTACH_KINDS: the type makes a missing one a compile error), each naming what loading needs for that attach point
// (BTF ids, expected attach types, feature checks) and the function of its link file that attaches it.

import type { AttachKind, AttachOf } from "../../../core/probes.ts";
import type { AttachSpec, ProgramSpec } from "../../../core/object/spec.ts";
import { progTestRun } from "../bpf.ts";
import { BpfError } from "../errors.ts";
import type { Kernel } from "../kernel.ts";
import { attachKprobe, kprobeSupport, kprobesUnsupported } from "./kprobe.ts";
import { type Link, OwnedLink } from "./link.ts";
import { attachPerfCounter } from "./perf-counters.ts";
import { attachRawTracepoint } from "./raw-tracepoint.ts";
import { attachInterval } from "./sampling.ts";
import { attachTracepoint } from "./tracepoint.ts";
import { type TracingTarget, attachTracing, tracingTarget } from "./tracing.ts";
import { attachUprobe } from "./uprobe.ts";
import { type UsdtSpecWriter, attachUsdt } from "./usdt.ts";

export type { Link } from "./link.ts";
export { type UsdtSpecWriter, usdtSpecWriter } from "./usdt.ts";
export { OwnedLink };

export interface AttachOptions {
  /** Use tracefs uprobe_events/kprobe_events even where a PMU exists. */
  readonly legacy?: boolean;
  /** Where USDT probes write the spec records of their sites (the collection's `.usdt_specs` map). */
  readonly usdtSpecs?: UsdtSpecWriter;
}

interface Attacher<K extends AttachKind> {
  /** What the program needs at load time for this attach point; throws before loading when the kernel cannot do it. */
  readonly requirements?: (k: Kernel, a: AttachOf<K>) => Partial<TracingTarget>;
  readonly attach: (k: Kernel, progFd: number, a: AttachOf<K>, opts: AttachOptions) => Link;
}

const ATTACHERS: { readonly [K in AttachKind]: Attacher<K> } = {
  tracepoint: { attach: (k, fd, a) => attachTracepoint(k, fd, a.category, a.name) },
  raw_tracepoint: { attach: (k, fd, a) => attachRawTracepoint(k, fd, a.name) },
  tp_btf: {
    requirements: (k, a) => tracingTarget(k, "tp_btf", a.name),
    attach: (k, fd, a) => attachTracing(k, fd, "tp_btf", a.name),
  },
  fentry: {
    requirements: (k, a) => tracingTarget(k, "fentry", a.function),
    attach: (k, fd, a) => attachTracing(k, fd, "fentry", a.function),
  },
  fexit: {
    requirements: (k, a) => tracingTarget(k, "fexit", a.function),
    attach: (k, fd, a) => attachTracing(k, fd, "fexit", a.function),
  },
  kprobe: {
    requirements: (k) => {
      if (!kprobeSupport(k)) throw kprobesUnsupported();
      return {};
    },
    attach: (k, fd, a) => attachKprobe(k, fd, { function: a.function, retprobe: a.retprobe, ...(a.offset !== undefined ? { offset: a.offset } : {}) }),
  },
  uprobe: {
    attach: (k, fd, a, opts) => attachUprobe(k, fd, {
      target: a.target, retprobe: a.retprobe,
      ...(a.symbol !== undefined ? { symbol: a.symbol } : {}),
      ...(a.offset !== undefined ? { offset: a.offset } : {}),
      ...(a.pid !== undefined ? { pid: a.pid } : {}),
      ...(opts.legacy ? { legacy: true } : {}),
    }),
  },
  // USDT: a uprobe per site, each with its spec record's index as cookie.
  usdt: {
    attach: (k, fd, a, opts) => attachUsdt(k, fd, a, { specs: opts.usdtSpecs, ...(opts.legacy ? { legacy: true } : {}) }),
  },
  // bpftrace's profile:hz:N is the software cpu-clock event sampled at N Hz on every CPU.
  profile: { attach: (k, fd, a) => attachPerfCounter(k, fd, { type: "software", event: "cpu-clock", frequency: a.frequency }) },
  interval: { attach: (k, fd, a) => attachInterval(k, fd, a.periodMs) },
  // Run once: begin when attached (after every other probe: Collection.attachAll orders them last), end by its
  // collection's runEnd() when the run ends; neither leaves anything attached.
  begin: { attach: (k, fd) => runOnce(k, fd, "begin") },
  end: { attach: () => new OwnedLink("end", "BPF_PROG_TEST_RUN at the end", []) },
  // hardware() and software() perf events.
  perf_event: { attach: (k, fd, a) => attachPerfCounter(k, fd, a) },
  none: {
    attach: () => {
      throw new BpfError("this program has no attach point", "attach");
    },
  },
};

/** Runs the program once in the kernel (BPF_PROG_TEST_RUN of a raw tracepoint program, 5.10). */
export function runOnce(k: Kernel, progFd: number, what: "begin" | "end"): Link {
  try {
    progTestRun(k.sys, { progFd });
  } catch (e) {
    throw new BpfError(`cannot run the ${what} handler: ${(e as Error).message}`, `run ${what}`,
      "begin and end handlers run through BPF_PROG_TEST_RUN of a raw tracepoint program (Linux 5.10)");
  }
  return new OwnedLink(what, "BPF_PROG_TEST_RUN", []);
}

const attacher = (a: AttachSpec): Attacher<AttachKind> => ATTACHERS[a.kind] as Attacher<AttachKind>;

/** Load-time requirements of an attach point. Throws early (before loading) when the kernel cannot do it. */
export function loadRequirements(k: Kernel, spec: ProgramSpec): Partial<TracingTarget> {
  return attacher(spec.attach).requirements?.(k, spec.attach) ?? {};
}

export function attach(k: Kernel, progFd: number, a: AttachSpec, opts: AttachOptions = {}): Link {
  return attacher(a).attach(k, progFd, a, opts);
}

/** The attach kinds this runtime can attach (all of core's: a test checks it). */
export const ATTACHABLE: readonly AttachKind[] = Object.keys(ATTACHERS) as AttachKind[];
