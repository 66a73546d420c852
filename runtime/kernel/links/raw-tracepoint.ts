// Raw tracepoints (4.17): a tracepoint name in, a Link out, through BPF_RAW_TRACEPOINT_OPEN. The program sees the
// tracepoint's raw arguments as u64 args[].

import * as bpf from "../bpf.ts";
import { NotFoundError, closest, explain } from "../errors.ts";
import type { Kernel } from "../kernel.ts";
import { ERRNO, SysError } from "../sys.ts";
import { OwnedLink, type Link, closeFd } from "./link.ts";

export function attachRawTracepoint(k: Kernel, progFd: number, name: string): Link {
  const description = `raw_tracepoint ${name}`;
  let fd: number;
  try {
    fd = bpf.rawTracepointOpen(k.sys, name, progFd);
  } catch (e) {
    if (e instanceof SysError && e.errno === ERRNO.ENOENT) {
      throw new NotFoundError(`no raw tracepoint ${name}`, `attach ${description}`, suggestRawTracepoints(k, name));
    }
    throw explain(e, `attach ${description}`, { feature: "raw tracepoints", since: "4.17" });
  }
  return new OwnedLink(description, "raw_tracepoint", [closeFd(k.sys, fd)]);
}

/** Raw tracepoint names are the tracepoint names without category; BTF names them btf_trace_<name>. */
export function suggestRawTracepoints(k: Kernel, name: string): string[] {
  try {
    const names = k.tracefs.categories().flatMap((c) => k.tracefs.events(c));
    return closest(name, new Set(names));
  } catch {
    return [];
  }
}
