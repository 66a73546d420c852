// A tracer's local files: its path in; it and every file it imports by a relative specifier, transitively, with
// their texts, out. Both what the compile cache keys an entry by (cache.ts) and where the front end looks for the
// tracepoints a program names (frontend/program.ts). Plain text scanning, without TypeScript: the cache must not load
// the compiler to find out it need not compile. A specifier in a comment or string may add a file; that only
// widens the cache key or the declarations, never narrows them.

import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

/** `from "./x"`, `import "./x"`, `import("./x")`, `require("./x")`: relative specifiers only. */
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)["'](\.{1,2}\/[^"'\n]+)["']/g;

export interface LocalFile {
  readonly path: string;
  readonly text: string;
}

/** `file` (with `text` if given, else read) and the local files it imports, transitively, each once. Unreadable ones are skipped. */
export function localImports(file: string, text?: string): LocalFile[] {
  const out: LocalFile[] = [];
  const seen = new Set<string>();
  const visit = (path: string, given?: string) => {
    if (seen.has(path)) return;
    seen.add(path);
    let t: string;
    try {
      t = given ?? readFileSync(path, "utf8");
    } catch {
      return;
    }
    out.push({ path, text: t });
    for (const m of t.matchAll(SPECIFIER)) {
      const base = resolve(dirname(path), m[1]!);
      const found = [base, `${base}.ts`, base.replace(/\.[cm]?js$/, ".ts"), join(base, "index.ts")]
        .find((c) => /\.[cm]?[jt]sx?$/.test(c) && existsSync(c) && statSync(c).isFile());
      if (found) visit(found);
    }
  };
  visit(file, text);
  return out;
}
