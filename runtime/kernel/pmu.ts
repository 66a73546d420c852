// Whether this machine exposes its CPU's performance monitoring unit: sysfs's event sources
// (/sys/bus/event_source/devices) in, the core PMU's name, or undefined, out. Hardware perf events (cycles,
// instructions, cache misses) need one; a virtual machine without a virtual PMU has only software, tracepoint and
// probe event sources. Read without koffi: `tsbpf list -v` says it too.

import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

export const EVENT_SOURCES = "/sys/bus/event_source/devices";

/**
 * The event source of the CPU's PMU: `cpu` (x86, and others that name it so), or one that names a cycles event
 * (Intel hybrid `cpu_core` and `cpu_atom`: `events/cpu-cycles`; arm64's `armv8_pmuv3_0`: `events/cpu_cycles`).
 * Undefined when the machine exposes none, or sysfs cannot be read.
 */
export function cpuPmu(devices = EVENT_SOURCES): string | undefined {
  try {
    const all = readdirSync(devices).sort();
    if (all.includes("cpu")) return "cpu";
    return all.find((d) => ["cpu-cycles", "cpu_cycles"].some((e) => existsSync(join(devices, d, "events", e))));
  } catch {
    return undefined;
  }
}
