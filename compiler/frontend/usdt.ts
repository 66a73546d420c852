// USDT probes at compile time: a usdt() declarator's literal arguments in; the sites of its probe in the binary out,
// when the binary can be read here (a path, or a process's /proc/PID/exe), for checking that the probe exists and
// that `ctx.arg(i)` is one of its arguments; undefined when it cannot (a program or library name, which the runtime
// looks up; a file missing or unreadable here, or malformed), and the loader checks instead.

import { readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { type UsdtProbe, describeUsdtProbe, usdtProbes } from "../../core/usdt.ts";

export interface UsdtTarget {
  /** The binary as the messages name it: the path written, or /proc/PID/exe. */
  readonly path: string;
  /** Every USDT probe site of the file. */
  readonly probes: readonly UsdtProbe[];
}

/** Read files by path, size and mtime: tests rebuild a binary between compiles in one process. */
const read = new Map<string, UsdtTarget | undefined>();

/** The USDT probes of the binary a usdt() declarator names, if it can be read here. */
export function usdtTarget(target: string | number): UsdtTarget | undefined {
  const path = typeof target === "number" ? `/proc/${target}/exe` : target;
  if (typeof target === "string" && !target.includes("/")) return undefined;
  const file = resolve(path);
  let key: string;
  try {
    const st = statSync(file);
    if (!st.isFile()) return undefined;
    key = `${file}\0${st.size}\0${st.mtimeMs}`;
  } catch {
    return undefined;
  }
  if (read.has(key)) return read.get(key);
  let found: UsdtTarget | undefined;
  try {
    found = { path, probes: usdtProbes(readFileSync(file), path) };
  } catch {
    // Not an ELF file, or malformed notes: the loader says what is wrong with it.
    found = undefined;
  }
  read.set(key, found);
  return found;
}

/** The sites of `provider:name` in `t`. */
export function usdtSites(t: UsdtTarget, provider: string, name: string): UsdtProbe[] {
  return t.probes.filter((p) => p.provider === provider && p.name === name);
}

/** The hint of a probe that is not there: the probes the file has (the first 10), or that it has none. */
export function usdtProbeList(t: UsdtTarget): string {
  if (!t.probes.length) return `${t.path} has no USDT probes (no .note.stapsdt notes): was it built with <sys/sdt.h> probes enabled?`;
  const names = [...new Set(t.probes.map(describeUsdtProbe))];
  return `its probes: ${names.slice(0, 10).join(", ")}${names.length > 10 ? `, and ${names.length - 10} more (tsbpf list 'usdt:${t.path}')` : ""}`;
}
