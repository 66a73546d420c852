// perf events and attaching programs to them: a perf_event_attr description in, an fd out; a program fd and a
// perf fd in, a Link out (BPF_LINK_CREATE on 5.15+, PERF_EVENT_IOC_SET_BPF + ENABLE before).

import * as bpf from "../bpf.ts";
import { readFileSync } from "node:fs";
import { BpfError, explain } from "../errors.ts";
import type { Kernel } from "../kernel.ts";
import { ERRNO, PERF_FLAG_FD_CLOEXEC, SysError } from "../sys.ts";
import { type Acquisition, closeFd } from "./link.ts";

export const PERF_TYPE_SOFTWARE = 1;
export const PERF_TYPE_TRACEPOINT = 2;
export const PERF_COUNT_SW_CPU_CLOCK = 0;
export const PERF_EVENT_IOC_ENABLE = 0x2400;
export const PERF_EVENT_IOC_DISABLE = 0x2401;
export const PERF_EVENT_IOC_SET_BPF = 0x40042408;
const ATTACH_PERF_EVENT = 41;
const PERF_ATTR_SIZE = 128;

export interface PerfEventAttr {
  readonly type: number;
  readonly config: bigint;
  /** kprobe_func / uprobe_path (an address of a C string). */
  readonly config1?: bigint;
  /** probe_offset / kprobe_addr. */
  readonly config2?: bigint;
  readonly samplePeriod?: bigint;
  /** Sample at this frequency in Hz (sets the freq flag) instead of every samplePeriod events. */
  readonly sampleFreq?: number;
  readonly sampleType?: bigint;
  readonly wakeupEvents?: number;
  readonly disabled?: boolean;
  /** Count in the children and threads a task opened with this event starts from now on (bit 1). */
  readonly inherit?: boolean;
}

/** struct perf_event_attr, 128 bytes (PERF_ATTR_SIZE_VER7), flag bits at offset 40 (kernel-abi.md §2.1). */
export function perfEventAttr(a: PerfEventAttr): Uint8Array {
  const bytes = new Uint8Array(PERF_ATTR_SIZE);
  const v = new DataView(bytes.buffer);
  v.setUint32(0, a.type, true);
  v.setUint32(4, PERF_ATTR_SIZE, true);
  v.setBigUint64(8, a.config, true);
  let flags = 0n;
  if (a.sampleFreq !== undefined) {
    v.setBigUint64(16, BigInt(a.sampleFreq), true);
    flags |= 1n << 10n; // freq
  } else if (a.samplePeriod !== undefined) {
    v.setBigUint64(16, a.samplePeriod, true);
  }
  v.setBigUint64(24, a.sampleType ?? 0n, true);
  if (a.disabled) flags |= 1n;
  if (a.inherit) flags |= 1n << 1n;
  v.setBigUint64(40, flags, true);
  v.setUint32(48, a.wakeupEvents ?? 0, true);
  v.setBigUint64(56, a.config1 ?? 0n, true);
  v.setBigUint64(64, a.config2 ?? 0n, true);
  return bytes;
}

export function openPerfEvent(k: Kernel, attr: PerfEventAttr, pid: number, cpu: number, what: string): number {
  try {
    return k.sys.perfEventOpen(perfEventAttr(attr), pid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
  } catch (e) {
    if (e instanceof SysError && e.errno === ERRNO.EINVAL && attr.sampleFreq !== undefined) {
      const max = maxSampleRate();
      if (max !== undefined && attr.sampleFreq > max) {
        throw new BpfError(`${what}: ${attr.sampleFreq} Hz is more than this kernel samples (${e.code})`, what,
          `kernel.perf_event_max_sample_rate is ${max} Hz: sample less often, or raise it (sysctl kernel.perf_event_max_sample_rate)`, e.code, e.errno);
      }
    }
    throw explain(e, what, { call: "perf-open" });
  }
}

/** "attach to tracepoint a/b" as "attach program p to tracepoint a/b": which probe failed, where many share a point. */
function withProgram(k: Kernel, what: string, progFd: number): string {
  try {
    const info = bpf.objGetInfo(k.sys, progFd, 232);
    const name = info.subarray(64, 80);
    const end = name.indexOf(0);
    const text = new TextDecoder().decode(name.subarray(0, end < 0 ? 16 : end));
    if (!text) return what;
    return what.startsWith("attach to ") ? `attach program ${text} to ${what.slice("attach to ".length)}` : `${what} (program ${text})`;
  } catch {
    return what;
  }
}

/** kernel.perf_event_max_sample_rate: the highest sampling frequency perf_event_open accepts. */
function maxSampleRate(): number | undefined {
  try {
    const n = Number(readFileSync("/proc/sys/kernel/perf_event_max_sample_rate", "utf8"));
    return Number.isFinite(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/** Whether BPF_LINK_CREATE accepts perf events (5.15): EBADF on a bogus fd means it knows the attach type. */
export function havePerfLink(k: Kernel): boolean {
  return k.feature("bpf_link perf_event", () => {
    try {
      k.sys.close(bpf.linkCreate(k.sys, { progFd: 0x7fffffff, targetFd: 0x7fffffff, attachType: ATTACH_PERF_EVENT }));
      return true;
    } catch (e) {
      return e instanceof SysError && e.errno === ERRNO.EBADF;
    }
  });
}

/**
 * Attaches `progFd` to the perf event `perfFd` (which the acquisition already owns). Returns the mechanism used.
 * With a bpf_link, closing the link detaches; with the legacy ioctl, closing the perf fd does.
 */
export function attachToPerfEvent(k: Kernel, acq: Acquisition, progFd: number, perfFd: number, what: string, cookie?: bigint): string {
  if (havePerfLink(k)) {
    let link: number;
    try {
      link = bpf.linkCreate(k.sys, { progFd, targetFd: perfFd, attachType: ATTACH_PERF_EVENT, extra: (v) => v.setBigUint64(16, cookie ?? 0n, true) });
    } catch (e) {
      throw explain(e, withProgram(k, what, progFd), { call: "perf-attach" });
    }
    acq.add(closeFd(k.sys, link));
    return "bpf_link";
  }
  try {
    k.sys.ioctl(perfFd, PERF_EVENT_IOC_SET_BPF, progFd);
    k.sys.ioctl(perfFd, PERF_EVENT_IOC_ENABLE, 0);
  } catch (e) {
    if (e instanceof SysError && e.errno === ERRNO.EEXIST) {
      throw new BpfError(`${what}: a BPF program is already attached to this perf event (${e.code})`, what, undefined, e.code, e.errno);
    }
    throw explain(e, withProgram(k, what, progFd), { call: "perf-attach" });
  }
  acq.add(() => {
    try {
      k.sys.ioctl(perfFd, PERF_EVENT_IOC_DISABLE, 0);
    } catch {
      // The fd is closed next anyway.
    }
  });
  return "perf_event ioctl";
}
