// Compiling with a cache: a tracer's path in; its CollectionSpec (from the cache when the file, its local imports
// and the compiler are unchanged) or its diagnostics out. A hit never loads the TypeScript compiler, which is most
// of a cold start (~1 s), so a second `tsbpf run` attaches in a fraction of that.

import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, renameSync, statSync, writeFileSync } from "node:fs";
import { release, version } from "node:os";
import { join, resolve } from "node:path";
import { localImports } from "./local-imports.ts";
import { PACKAGE_ROOT } from "./paths.ts";
import { cacheDir, makeDir } from "../core/cache-dir.ts";
import type { Diagnostic } from "./diagnostics.ts";
import type { CollectionSpec } from "../core/object/spec.ts";

const ROOT = PACKAGE_ROOT;

export interface CachedCompile {
  readonly spec?: CollectionSpec;
  readonly diagnostics: readonly Diagnostic[];
  /** Source text by file, for code frames (only after a real compile). */
  readonly sources: (file: string) => string | undefined;
  readonly cached: boolean;
  /** Milliseconds spent (lookup, or lookup + compile). */
  readonly ms: number;
}

interface Entry {
  readonly fingerprint: string;
  readonly deps: readonly { readonly path: string; readonly hash: string }[];
  readonly spec: CollectionSpec;
}

const hash = (data: string | Uint8Array) => createHash("sha256").update(data).digest("hex");

/** What the compiler is: its sources and the declarations it compiles against (sizes and mtimes, cheap to stat). */
export function compilerFingerprint(): string {
  const h = createHash("sha256");
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|json)$/.test(e.name)) {
        const st = statSync(p);
        h.update(`${p}:${st.size}:${st.mtimeMs}\n`);
      }
    }
  };
  walk(join(ROOT, "compiler"));
  walk(join(ROOT, "core"));
  walk(join(ROOT, "stdlib-types"));
  h.update(readFileSync(join(ROOT, "package.json")));
  // tpBtf handlers compile against the running kernel's BTF (their arguments' types): another kernel, another spec.
  h.update(`kernel:${release()} ${version()}\n`);
  return h.digest("hex");
}

/** Where a compile of `abs` with the current compiler and sources is cached, and what identifies it. */
function entryFor(abs: string): { readonly file: string; readonly fingerprint: string; readonly deps: Entry["deps"] } {
  const fingerprint = compilerFingerprint();
  // The tracer and its local imports are part of what is compiled.
  const deps = localImports(abs).map((f) => ({ path: f.path, hash: hash(f.text) }));
  return { file: join(cacheDir(), `${hash(JSON.stringify({ fingerprint, deps }))}.json`), fingerprint, deps };
}


function cachingOn(opts: { cache?: boolean }): boolean {
  return opts.cache !== false && !process.env.TSBPF_NO_CACHE;
}

/**
 * Stores a compile of `path` that had no errors, as `tsbpf run` and `load()` look it up: `tsbpf build` fills the
 * cache they read. Never fails (a read-only home only means no cache).
 */
export function storeCompiled(path: string, spec: CollectionSpec, opts: { cache?: boolean } = {}): void {
  if (!cachingOn(opts)) return;
  try {
    const { file, fingerprint, deps } = entryFor(resolve(path));
    makeDir(cacheDir());
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ fingerprint, deps, spec } satisfies Entry));
    renameSync(tmp, file);
  } catch {
    // No cache (read-only home, ...): compiling every time still works.
  }
}

export async function compileCached(path: string, opts: { cache?: boolean } = {}): Promise<CachedCompile> {
  const t0 = performance.now();
  const abs = resolve(path);
  const useCache = cachingOn(opts);
  if (useCache) {
    const { file, fingerprint } = entryFor(abs);
    if (existsSync(file)) {
      try {
        const entry = JSON.parse(readFileSync(file, "utf8")) as Entry;
        if (entry.fingerprint === fingerprint) return { spec: entry.spec, diagnostics: [], sources: () => undefined, cached: true, ms: performance.now() - t0 };
      } catch {
        // A corrupt entry is compiled again and overwritten.
      }
    }
  }
  const { compile } = await import("./index.ts");
  const r = compile(abs);
  if (r.spec && !r.diagnostics.some((d) => d.severity === "error")) storeCompiled(abs, r.spec, opts);
  return { ...(r.spec ? { spec: r.spec } : {}), diagnostics: r.diagnostics, sources: r.sources, cached: false, ms: performance.now() - t0 };
}
