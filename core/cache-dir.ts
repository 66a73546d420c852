// The per-user cache directory (compiles: compiler/cache.ts; bundled user sides: runtime/user/module.ts): the
// environment in, the directory out, and a `mkdir -p` that cannot hang.

import { existsSync, mkdirSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";

/** $TSBPF_CACHE_DIR, or tsbpf under $XDG_CACHE_HOME (by default ~/.cache). */
export function cacheDir(): string {
  return process.env.TSBPF_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "tsbpf");
}

/**
 * `mkdir -p`, one level at a time: Node's recursive mkdirSync never returns on a path under /proc (it retries the
 * ENOENT there forever), which a mistyped TSBPF_CACHE_DIR would turn into a hung build.
 */
export function makeDir(dir: string): void {
  if (existsSync(dir)) return;
  const parent = dirname(dir);
  if (parent !== dir) makeDir(parent);
  mkdirSync(dir);
}
