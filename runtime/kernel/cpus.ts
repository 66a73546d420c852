// CPU sets from sysfs ("0-3,8"): file text in, CPU indices out. Per-CPU map values have one slot per *possible*
// CPU; sampling events open one fd per *online* CPU.

import { readFileSync } from "node:fs";

export function parseCpuList(text: string): number[] {
  const out: number[] = [];
  for (const part of text.trim().split(",")) {
    if (!part) continue;
    const [a, b] = part.split("-").map((x) => Number(x));
    if (a === undefined || Number.isNaN(a)) throw new Error(`bad CPU list: ${text}`);
    for (let c = a; c <= (b ?? a); c++) out.push(c);
  }
  return out;
}

export function possibleCpus(): number[] {
  return parseCpuList(readFileSync("/sys/devices/system/cpu/possible", "utf8"));
}

export function onlineCpus(): number[] {
  return parseCpuList(readFileSync("/sys/devices/system/cpu/online", "utf8"));
}
