// TypeScript's compiler API and the text of its lib files, from the TypeScript that ts-morph bundles
// (@ts-morph/common); in: nothing, out: `ts` and `libFileText`. The compiler's files import `ts` from "ts-morph"; the
// bundle in dist/ resolves that import to this module (cli/bundle.ts), which is what a cold start runs. It requires
// only TypeScript itself: importing ts-morph as an ES module costs ~0.25 s more (Node lexes the CommonJS module for
// its export names, and all of ts-morph loads, which the compiler does not use), and require() is where V8's code
// cache applies (v8-cache.ts): the first compile writes it, later cold starts deserialize TypeScript's code instead of
// compiling it. The lib files the compiler reads are kept beside that cache, so that the 3 MB module holding every
// lib file (and the modules it requires) loads only when one is missing.

import { createHash } from "node:crypto";
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { ts as TsApi } from "ts-morph";
import { cacheDir, makeDir } from "../core/cache-dir.ts";
import { PACKAGE_ROOT } from "./paths.ts";
import { type CodeCache, installCodeCache } from "./v8-cache.ts";

interface TsMorphCommon {
  readonly ts: typeof TsApi;
  getLibFiles(): readonly { readonly fileName: string; readonly text: string }[];
}

/** Where V8's code cache and the lib files are written (the cache directory's) and read (that one first, then the one `npm install` filled). */
function cacheDirs(): readonly string[] {
  return [join(cacheDir(), "v8"), join(PACKAGE_ROOT, "dist", "v8")];
}

const require = createRequire(import.meta.url);
// @ts-morph/common is ts-morph's dependency, not tsbpf's: resolved from ts-morph's folder, wherever npm put it.
const COMMON = createRequire(require.resolve("ts-morph")).resolve("@ts-morph/common");
/** The TypeScript compiler @ts-morph/common requires (`./typescript`): the same module when both load. */
const TYPESCRIPT = join(dirname(COMMON), "typescript.js");

const caches: CodeCache[] = [];

/** Runs `load` with V8's code cache installed (unless TSBPF_NO_CODE_CACHE is set); the modules it compiled are written by `flushCodeCache`. */
function withCodeCache<T>(load: () => T): T {
  const dirs = cacheDirs();
  const cache = process.env.TSBPF_NO_CODE_CACHE ? undefined : installCodeCache(dirs[0]!, dirs);
  try {
    return load();
  } finally {
    cache?.uninstall();
    if (cache) caches.push(cache);
  }
}

export const ts: typeof TsApi = withCodeCache(() =>
  // In a layout without dist/typescript.js, all of @ts-morph/common, and its `ts`.
  existsSync(TYPESCRIPT) ? (require(TYPESCRIPT) as typeof TsApi) : (require(COMMON) as TsMorphCommon).ts);

// ---- lib files -------------------------------------------------------------------------------------------------

interface LibCache {
  /** @ts-morph/common's file (path, size, mtime): the lib files are its. */
  readonly key: string;
  readonly files: Record<string, string>;
}

function libCacheName(): { readonly key: string; readonly name: string } | undefined {
  try {
    const st = statSync(COMMON);
    const key = `${COMMON}:${st.size}:${st.mtimeMs}`;
    return { key, name: `lib-${createHash("sha256").update(key).digest("hex").slice(0, 32)}.json` };
  } catch {
    return undefined;
  }
}

let libs: { files: Record<string, string>; dirty: boolean } | undefined;

function cachedLibs(): { files: Record<string, string>; dirty: boolean } {
  const id = libCacheName();
  if (id) {
    for (const dir of cacheDirs()) {
      try {
        const c = JSON.parse(readFileSync(join(dir, id.name), "utf8")) as LibCache;
        if (c.key === id.key && typeof c.files === "object") return { files: { ...c.files }, dirty: false };
      } catch {
        // Not there, or unreadable: the next directory, or @ts-morph/common.
      }
    }
  }
  return { files: {}, dirty: false };
}

let all: Map<string, string> | undefined;

/** The text of TypeScript's lib file `name` ("lib.es2022.d.ts"), or undefined when there is none. */
export function libFileText(name: string): string | undefined {
  libs ??= cachedLibs();
  const hit = libs.files[name];
  if (hit !== undefined) return hit;
  // TypeScript asks for other files there too (package.json): they are not lib files, and no reason to load them all.
  if (!/^lib[\w.-]*\.d\.ts$/.test(name)) return undefined;
  all ??= new Map(withCodeCache(() => require(COMMON) as TsMorphCommon).getLibFiles().map((f) => [f.fileName, f.text]));
  const text = all.get(name);
  if (text !== undefined) {
    libs.files[name] = text;
    libs.dirty = true;
  }
  return text;
}

let flushed = false;

/**
 * Writes V8's code cache for TypeScript's modules and the lib files read, once per process: after the first compile,
 * so that the functions it compiled lazily (the parser, binder and checker) are in the cache. Never fails.
 */
export function flushCodeCache(): void {
  if (flushed) return;
  flushed = true;
  for (const c of caches) c.flush();
  const id = libCacheName();
  if (!libs?.dirty || !id) return;
  try {
    const dir = cacheDirs()[0]!;
    makeDir(dir);
    const file = join(dir, id.name);
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ key: id.key, files: libs.files } satisfies LibCache));
    renameSync(tmp, file);
    libs.dirty = false;
  } catch {
    // No cache: the lib files come from @ts-morph/common next time too.
  }
}
