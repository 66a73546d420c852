// The symbolizer (runtime/symbols): 10,000 addresses spread over this process's libc text and 10,000 kernel text
// addresses from /proc/kallsyms, each symbolized by a new symbolizer (cold: the files and kallsyms read and parsed)
// and again by the same one (warm: lookups only), in interleaved rounds, medians. The reference, measured in the same
// run: binutils' `addr2line -f` naming the same libc addresses (by file offset, the way a tool without our tables
// would). Prints figures, asserts nothing. Needs Linux; kernel addresses need root (kallsyms hides them otherwise).

import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { createSymbolizer } from "../runtime/symbols/index.ts";
import { median, ratio, which } from "./util.ts";

const N = 10_000;
const RUNS = Number(process.env.RUNS ?? 5);
const say = (line: string) => console.log(`symbols: ${line}`);
const ms = (x: number) => `${x.toFixed(1)} ms`;

export function benchSymbols(): void {
  say(`${new Date().toISOString()}, load average ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
  const libc = readFileSync("/proc/self/maps", "utf8").split("\n").map((l) => l.split(/\s+/))
    .find((f) => f[1]?.includes("x") && /\/libc\.so\.6$/.test(f[5] ?? ""));
  if (!libc) return say("no libc.so.6 mapped in this process: nothing to measure");
  const [start, end] = libc[0]!.split("-").map((h) => BigInt(`0x${h}`)) as [bigint, bigint];
  const fileOffset = BigInt(`0x${libc[2]}`);
  const user = Array.from({ length: N }, (_, i) => start + ((end - start) * BigInt(i)) / BigInt(N));
  const kernel = readFileSync("/proc/kallsyms", "utf8").split("\n").filter((l) => / [tT] /.test(l)).map((l) => BigInt(`0x${l.split(" ")[0]}`));
  const kernelAddrs = kernel.some((a) => a !== 0n) ? Array.from({ length: N }, (_, i) => kernel[Math.floor((i * kernel.length) / N)]! + 3n) : undefined;
  const addr2line = which("addr2line");
  const times: Record<string, number[]> = { "user cold": [], "user warm": [], "kernel cold": [], "kernel warm": [], addr2line: [] };
  let named = 0;
  for (let r = 0; r < RUNS; r++) {
    const sym = createSymbolizer();
    let t = performance.now();
    named = sym.user(process.pid, user).filter((f) => f.symbol !== undefined).length;
    times["user cold"]!.push(performance.now() - t);
    t = performance.now();
    sym.user(process.pid, user);
    times["user warm"]!.push(performance.now() - t);
    if (kernelAddrs) {
      t = performance.now();
      sym.kernel(kernelAddrs);
      times["kernel cold"]!.push(performance.now() - t);
      t = performance.now();
      sym.kernel(kernelAddrs);
      times["kernel warm"]!.push(performance.now() - t);
    }
    if (addr2line) {
      const offsets = user.map((a) => `0x${(a - start + fileOffset).toString(16)}`).join("\n");
      t = performance.now();
      spawnSync(addr2line, ["-f", "-e", libc[5]!], { input: offsets, maxBuffer: 1 << 26 });
      times.addr2line!.push(performance.now() - t);
    }
  }
  say(`${N} addresses each, median of ${RUNS} rounds; ${named} of the libc addresses named`);
  const ref = times.addr2line!.length ? median(times.addr2line!) : undefined;
  for (const [name, xs] of Object.entries(times)) {
    if (!xs.length) continue;
    const m = median(xs);
    say(`  ${name.padEnd(12)} ${ms(m).padStart(9)}${ref !== undefined && name.startsWith("user") ? ` (${ratio(m, ref)} addr2line's)` : ""}   raw: ${xs.map((x) => x.toFixed(1)).join(", ")}`);
  }
  if (!kernelAddrs) say("  kernel: /proc/kallsyms hides addresses (not root): not measured");
  if (!addr2line) say("  addr2line: not installed (binutils): no reference");
}
