// V8's code cache for the CommonJS modules the compiler loads (ts-morph and the 9 MB TypeScript compiler it
// bundles): module files in, their compiled code (bytecode of every function that ran) kept on disk and handed back
// to V8 next time, out. Compiling TypeScript's source is ~0.35 s of a cold start and its lazily compiled functions
// more again; with the cache V8 deserializes them instead. Node 22's module.enableCompileCache() does this; Node 20
// has none, so, as the v8-compile-cache package does, Module.prototype._compile is replaced, only while the compiler
// is being imported and run (a run that hits the compile cache never loads any of this).
//
// An entry is keyed by the module's path, size and mtime and by Node's version and architecture; V8 checks its own
// version, flags and the source's length again and rejects what does not match (then the module compiles as usual
// and the entry is rewritten). Nothing here can fail a compile: every error means "no cache".

import { createHash } from "node:crypto";
import { readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import Module from "node:module";
import { dirname, join } from "node:path";
import { makeDir } from "../core/cache-dir.ts";
import vm from "node:vm";

/** What Node's CommonJS loader gives a module's wrapper (its internal makeRequireFunction, rebuilt from public parts). */
interface CjsModule {
  exports: unknown;
  filename: string;
  paths: string[];
  require(id: string): unknown;
  _compile(content: string, filename: string): unknown;
}

interface ModuleStatics {
  wrap(content: string): string;
  _resolveFilename(request: string, parent: CjsModule, isMain: boolean, options?: { paths?: string[] }): string;
  _resolveLookupPaths?(request: string, parent: CjsModule): string[] | null;
  _extensions: unknown;
  _cache: unknown;
  prototype: CjsModule;
}

const M = Module as unknown as ModuleStatics;

/** A module compiled while the cache was installed, for `flush`. */
interface Compiled {
  readonly script: vm.Script;
  /** The entry's file name. */
  readonly name: string;
  /** Whether V8 took the cached code: then there is nothing new to write. */
  readonly hit: boolean;
}

export interface CodeCache {
  /** Puts the original `_compile` back. */
  uninstall(): void;
  /** Writes the code of every module compiled without a usable entry (after the compile, so that lazily compiled functions are in it). */
  flush(): void;
  /** Modules whose cached code V8 used; for tests. */
  readonly hits: () => number;
  /** Modules compiled from source and not written yet; for tests. */
  readonly misses: () => number;
}

/** Which modules are cached: plain JavaScript files of installed packages (not sources a loader transforms). */
function cacheable(filename: string): boolean {
  return /[\\/]node_modules[\\/]/.test(filename) && /\.c?js$/.test(filename);
}

/**
 * The entry's file name for a module: its identity as the key, hashed. Undefined when the text being compiled is not
 * the file as it is on disk (its length differs from the file's size: a loader transformed it), which V8, checking
 * only the length, could not tell apart.
 */
function entryName(filename: string, length: number): string | undefined {
  try {
    const st = statSync(filename);
    if (st.size !== length) return undefined;
    const key = `${filename}\0${st.size}\0${st.mtimeMs}\0${process.version}\0${process.arch}`;
    return `${createHash("sha256").update(key).digest("hex").slice(0, 32)}.bin`;
  } catch {
    return undefined;
  }
}

function readEntry(dirs: readonly string[], name: string): Buffer | undefined {
  for (const d of dirs) {
    try {
      return readFileSync(join(d, name));
    } catch {
      // Not in this directory.
    }
  }
  return undefined;
}

/** The `require` a module's wrapper receives: resolution relative to the module, Node's cache and extensions. */
function requireFor(mod: CjsModule): NodeJS.Require {
  const require = ((id: string) => mod.require(id)) as NodeJS.Require;
  const resolve = ((request: string, options?: { paths?: string[] }) => M._resolveFilename(request, mod, false, options)) as NodeJS.RequireResolve;
  resolve.paths = (request: string) => M._resolveLookupPaths?.(request, mod) ?? null;
  require.resolve = resolve;
  require.main = process.mainModule;
  require.extensions = M._extensions as NodeJS.Require["extensions"];
  require.cache = M._cache as NodeJS.Require["cache"];
  return require;
}

/**
 * Replaces Module.prototype._compile with one that compiles through vm.Script with the cached code of `readDirs`
 * (first that has an entry); `flush` writes new entries to `writeDir`.
 */
export function installCodeCache(writeDir: string, readDirs: readonly string[] = [writeDir]): CodeCache {
  const original = M.prototype._compile;
  const compiled: Compiled[] = [];
  let hits = 0;
  let misses = 0;
  M.prototype._compile = function (this: CjsModule, content: string, filename: string): unknown {
    if (!cacheable(filename)) return original.call(this, content, filename);
    let script: vm.Script;
    let hit = false;
    const name = entryName(filename, content.length);
    if (!name) return original.call(this, content, filename);
    try {
      const cachedData = readEntry(readDirs, name);
      script = new vm.Script(M.wrap(content), { filename, ...(cachedData ? { cachedData } : {}) });
      hit = cachedData !== undefined && !script.cachedDataRejected;
    } catch {
      // A syntax error (or anything else): Node's own compile reports it as it would have.
      return original.call(this, content, filename);
    }
    if (hit) hits++;
    else misses++;
    compiled.push({ script, name, hit });
    const wrapper = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => unknown;
    const dir = dirname(filename);
    return wrapper.call(this.exports, this.exports, requireFor(this), this, filename, dir);
  };
  return {
    uninstall() {
      M.prototype._compile = original;
    },
    flush() {
      const todo = compiled.filter((c) => !c.hit);
      compiled.length = 0;
      misses = 0;
      if (todo.length === 0) return;
      try {
        makeDir(writeDir);
      } catch {
        return;
      }
      for (const c of todo) {
        try {
          const data = c.script.createCachedData();
          const file = join(writeDir, c.name);
          const tmp = `${file}.${process.pid}.tmp`;
          writeFileSync(tmp, data);
          renameSync(tmp, file);
        } catch {
          // No entry (a read-only directory, a full disk): the next run compiles from source.
        }
      }
    },
    hits: () => hits,
    misses: () => misses,
  };
}
