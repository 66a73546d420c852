// Dynamic PMUs (kprobe, uprobe): their perf type and the config bit that selects a return probe, read from sysfs
// (/sys/bus/event_source/devices/<pmu>/{type,format/retprobe}). undefined when the kernel has no such PMU.

import { readFileSync } from "node:fs";

export interface Pmu {
  readonly type: number;
  /** Bit of `config` that makes the probe a return probe. */
  readonly retprobeBit: number;
}

export function readPmu(name: "kprobe" | "uprobe", root = "/sys/bus/event_source/devices"): Pmu | undefined {
  let type: number;
  try {
    type = Number(readFileSync(`${root}/${name}/type`, "utf8").trim());
  } catch {
    return undefined;
  }
  let retprobeBit = 0;
  try {
    // "config:0"
    const m = /config:(\d+)/.exec(readFileSync(`${root}/${name}/format/retprobe`, "utf8"));
    if (m) retprobeBit = Number(m[1]);
  } catch {
    // Older kernels have no format file; bit 0 is what they use.
  }
  return { type, retprobeBit };
}
