// Uprobes and uretprobes: a target (path, program on $PATH, or library name), a symbol or offset and an optional
// pid in; a Link out. Uses the uprobe PMU (4.17); falls back to tracefs uprobe_events, whose entries the Link
// removes again on close. USDT probes (usdt.ts) attach through here too, with a reference counter (a semaphore the
// kernel increments while the probe is attached) and a cookie.

import { readElf, symbolOffset } from "../elf.ts";
import { BpfError, explain } from "../errors.ts";
import type { Kernel } from "../kernel.ts";
import { resolveBinary } from "../libs.ts";
import { cString } from "../bpf.ts";
import { Acquisition, type Link, closeFd } from "./link.ts";
import { PERF_TYPE_TRACEPOINT, attachToPerfEvent, openPerfEvent } from "./perf-event.ts";
import { readPmu } from "./pmu.ts";

export interface UprobeOptions {
  readonly target: string;
  readonly symbol?: string;
  /** Offset in the file (with no symbol), or added to the symbol's offset. */
  readonly offset?: number;
  readonly retprobe: boolean;
  readonly pid?: number;
  /** Force the tracefs uprobe_events interface even when the PMU exists (tests of the fallback use it). */
  readonly legacy?: boolean;
  /**
   * The file offset of a u16 the kernel increments while the probe is attached and decrements after (a USDT
   * semaphore; reference-counted uprobes, 4.20): the PMU's config bits 32..63, or `path:0xoff(0xref)` in tracefs.
   */
  readonly refCtrOffset?: bigint;
  /** The bpf_cookie of the attachment (bpf_get_attach_cookie; needs a bpf_link, 5.15). */
  readonly cookie?: bigint;
}

/** PERF_UPROBE_REF_CTR_OFFSET_SHIFT: where the reference counter's offset goes in the uprobe PMU's config. */
const REF_CTR_OFFSET_SHIFT = 32n;

export interface ResolvedUprobe {
  readonly path: string;
  readonly offset: bigint;
}

/** Resolves the binary and the file offset the kernel needs (symbol value mapped through its PT_LOAD segment). */
export function resolveUprobe(o: Pick<UprobeOptions, "target" | "symbol" | "offset" | "pid">): ResolvedUprobe {
  const path = resolveBinary(o.target, o.pid !== undefined ? { pid: o.pid } : {});
  if (o.symbol === undefined) {
    if (o.offset === undefined) throw new BpfError(`uprobe on ${o.target}: give a symbol or an offset`, `attach uprobe ${o.target}`);
    return { path, offset: BigInt(o.offset) };
  }
  const sym = symbolOffset(readElf(path), o.symbol);
  return { path, offset: sym.offset + BigInt(o.offset ?? 0) };
}

export function attachUprobe(k: Kernel, progFd: number, o: UprobeOptions): Link {
  const { path, offset } = resolveUprobe(o);
  const kind = o.retprobe ? "uretprobe" : "uprobe";
  const where = `${path}:${o.symbol ?? `0x${offset.toString(16)}`}${o.symbol && o.offset ? `+${o.offset}` : ""}`;
  const description = `${kind} ${where}${o.pid !== undefined ? ` (pid ${o.pid})` : ""}`;
  // pid = -1 traces every process (cpu must then be a CPU); pid = N traces one process on any CPU.
  const [pid, cpu] = o.pid !== undefined ? [o.pid, -1] : [-1, 0];
  const pmu = o.legacy ? undefined : readPmu("uprobe", k.eventSourceRoot);
  const acq = new Acquisition();
  try {
    let perfFd: number;
    let mechanism: string;
    if (pmu) {
      const pathStr = cString(k.sys, path);
      try {
        perfFd = openPerfEvent(k, {
          type: pmu.type,
          config: (o.retprobe ? 1n << BigInt(pmu.retprobeBit) : 0n) | ((o.refCtrOffset ?? 0n) << REF_CTR_OFFSET_SHIFT),
          config1: pathStr.address,
          config2: offset,
        }, pid, cpu, `open ${description}`);
      } finally {
        pathStr.free();
      }
      mechanism = "uprobe PMU";
    } else {
      const tracefs = k.tracefs;
      if (!tracefs.hasProbeEvents("uprobe")) {
        throw new BpfError(`this kernel supports neither the uprobe PMU nor tracefs uprobe_events`, `attach ${description}`, "uprobes need CONFIG_UPROBE_EVENTS");
      }
      const group = `tsbpf_${process.pid}`;
      const event = k.uniqueName("u").replace(/[^A-Za-z0-9_]/g, "_");
      try {
        const refCtr = o.refCtrOffset ? `(0x${o.refCtrOffset.toString(16)})` : "";
        tracefs.writeProbeEvent("uprobe", `${o.retprobe ? "r" : "p"}:${group}/${event} ${path}:0x${offset.toString(16)}${refCtr}`);
      } catch (e) {
        throw explain(e, `create ${description} in tracefs uprobe_events`, { call: "perf-open" });
      }
      acq.add(() => tracefs.writeProbeEvent("uprobe", `-:${group}/${event}`));
      const id = tracefs.eventId(group, event);
      perfFd = openPerfEvent(k, { type: PERF_TYPE_TRACEPOINT, config: BigInt(id) }, pid, cpu, `open ${description}`);
      mechanism = `tracefs uprobe_events ${group}/${event}`;
    }
    acq.add(closeFd(k.sys, perfFd));
    const how = attachToPerfEvent(k, acq, progFd, perfFd, `attach ${description}`, o.cookie);
    return acq.link(description, `${mechanism}, ${how}`);
  } catch (e) {
    acq.abort();
    throw e;
  }
}
