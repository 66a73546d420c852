// What the benchmarks share: medians, ratios, and what is installed on the machine.

import { spawnSync } from "node:child_process";

export const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** `a / b` as "1.23x". */
export const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;

/** The path of a command, or undefined when it is not installed. */
export function which(cmd: string): string | undefined {
  const r = spawnSync("sh", ["-c", `command -v ${cmd}`], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() || undefined : undefined;
}

/** The first non-empty line a command prints (its version, say), or "?" when it cannot run. */
export function firstLine(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  if (r.error) return "?";
  return `${r.stdout}${r.stderr}`.split("\n").find((l) => l.trim())?.trim() ?? "?";
}
