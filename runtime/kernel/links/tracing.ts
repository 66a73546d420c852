// BTF-based tracing programs (type TRACING): tp_btf (5.5), fentry and fexit (5.5, need BPF trampolines). Before
// load: the attach target's BTF id; after load: a Link via BPF_LINK_CREATE (falling back to RAW_TRACEPOINT_OPEN).

import { ATTACH_TYPES } from "../../../core/object/spec.ts";
import * as bpf from "../bpf.ts";
import { NotFoundError, UnsupportedFeatureError, closest, explain } from "../errors.ts";
import type { Kernel } from "../kernel.ts";
import { ERRNO, SysError } from "../sys.ts";
import { OwnedLink, type Link, closeFd } from "./link.ts";

export type TracingKind = "tp_btf" | "fentry" | "fexit";

export interface TracingTarget {
  readonly attachBtfId: number;
  readonly expectedAttachType: number;
}

const EXPECTED: Record<TracingKind, number> = {
  tp_btf: ATTACH_TYPES.trace_raw_tp,
  fentry: ATTACH_TYPES.trace_fentry,
  fexit: ATTACH_TYPES.trace_fexit,
};

/** Looks up what a TRACING program must be loaded against: `btf_trace_<tp>` typedefs for tp_btf, FUNCs otherwise. */
export function tracingTarget(k: Kernel, kind: TracingKind, name: string): TracingTarget {
  const btf = k.btf;
  const [btfName, btfKind] = kind === "tp_btf" ? [`btf_trace_${name}`, "typedef" as const] : [name, "func" as const];
  const found = btf.findByName(btfName, btfKind);
  const first = found[0];
  if (!first) {
    const pool = btf.namesOfKind(btfKind);
    const candidates = kind === "tp_btf"
      ? closest(btfName, pool.filter((n) => n.startsWith("btf_trace_"))).map((n) => n.slice("btf_trace_".length))
      : closest(name, pool);
    throw new NotFoundError(kind === "tp_btf" ? `no BTF tracepoint ${name} in this kernel` : `no kernel function ${name} in this kernel's BTF`,
      `attach ${kind} ${name}`, candidates,
      kind === "tp_btf" ? undefined : "the function may be inlined or static; check /sys/kernel/tracing/available_filter_functions");
  }
  return { attachBtfId: first.id, expectedAttachType: EXPECTED[kind] };
}

/** The error for a TRACING load the kernel refuses with EPERM as root: no trampolines (fentry/fexit). */
export function tracingUnsupported(kind: TracingKind, code: string, errno: number): UnsupportedFeatureError {
  return new UnsupportedFeatureError(kind === "tp_btf" ? "tp_btf programs" : "fentry/fexit",
    `loading a TRACING program returned ${code}`,
    kind === "tp_btf" ? "use a tracepoint or raw_tracepoint probe"
      : "the kernel lacks BPF trampolines (CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS) or a security policy forbids them; use a tracepoint, a tp_btf probe, or a kprobe",
    code, errno);
}

export function attachTracing(k: Kernel, progFd: number, kind: TracingKind, name: string): Link {
  const description = `${kind} ${name}`;
  let fd: number;
  try {
    fd = bpf.linkCreate(k.sys, { progFd, targetFd: 0, attachType: EXPECTED[kind] });
  } catch (e) {
    // Kernels before 5.19 attach TRACING programs through RAW_TRACEPOINT_OPEN with no name.
    if (!(e instanceof SysError) || e.errno !== ERRNO.EINVAL) throw explain(e, `attach ${description}`);
    try {
      fd = bpf.rawTracepointOpen(k.sys, null, progFd);
    } catch (e2) {
      throw explain(e2, `attach ${description}`, { feature: `${kind} programs`, since: "5.5" });
    }
    return new OwnedLink(description, "raw_tracepoint (tracing)", [closeFd(k.sys, fd)]);
  }
  return new OwnedLink(description, "bpf_link", [closeFd(k.sys, fd)]);
}
