// One-liners: `tsbpf -e '<program>'` in; a tracer module in the cache directory out, which is the program's text
// unchanged on its first lines (so a diagnostic's line and column are the program's), followed by what makes it a
// module: a declaration of each `$name` map it uses (declared by their use: compiler/frontend/adhoc.ts) and an import
// of the tsbpf names it uses. Diagnostics then name the program `-e`.

import { createHash } from "node:crypto";
import { resolve } from "node:path";
import type { Diagnostic } from "../compiler/diagnostics.ts";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cacheDir, makeDir } from "../core/cache-dir.ts";
import { STDLIB_DIR } from "../compiler/paths.ts";

/** What a diagnostic calls the program. */
export const ONE_LINER_NAME = "-e";

/** The names `import ... from "tsbpf"` gives a tracer, read from its declarations (index.d.ts, helpers.d.ts). */
export function tsbpfExports(): Set<string> {
  const names = new Set<string>();
  for (const f of ["index.d.ts", "helpers.d.ts"]) {
    const text = readFileSync(join(STDLIB_DIR, f), "utf8");
    for (const m of text.matchAll(/^export (?:declare )?(?:abstract )?(?:function|class|const|let|type|interface|namespace|enum) (\w+)/gm)) names.add(m[1]!);
    for (const m of text.matchAll(/^export type \{([^}]*)\}/gm)) for (const n of m[1]!.split(",")) names.add(n.trim());
  }
  return names;
}

/** The module text of a one-liner: the program, then the `$name` declarations and the import of what it uses. */
export function oneLinerModule(program: string): string {
  const exports = tsbpfExports();
  const used = new Set(program.match(/[A-Za-z_$][\w$]*/g) ?? []);
  const maps = [...used].filter((n) => n.startsWith("$") && /^\$\w*$/.test(n)).sort();
  const imports = [...used].filter((n) => exports.has(n));
  if (maps.length) imports.push("AdHocMap");
  const lines = [program.replace(/\s+$/, ""), ""];
  for (const m of maps) lines.push(`declare const ${m}: AdHocMap;`);
  if (imports.length) lines.push(`import { ${[...new Set(imports)].sort().join(", ")} } from "tsbpf";`);
  return `${lines.join("\n")}\n`;
}

/** Writes the one-liner's module into the cache directory (once per text) and returns its path. */
export function writeOneLiner(program: string): string {
  const text = oneLinerModule(program);
  const dir = join(cacheDir(), "one-liners");
  makeDir(dir);
  const path = join(dir, `${createHash("sha256").update(text).digest("hex").slice(0, 24)}.ts`);
  writeFileSync(path, text);
  return path;
}

/**
 * The diagnostics of the one-liner `program` compiled from `file`, as the person who typed it sees them: in `-e`,
 * and a place past the program (in the lines appended to it: a call left open runs into them) at the program's end.
 */
export function oneLinerDiagnostics(diagnostics: readonly Diagnostic[], file: string, program: string): Diagnostic[] {
  const abs = resolve(file);
  const lines = program.replace(/\s+$/, "").split("\n");
  return diagnostics.map((d) => {
    if (!d.span || resolve(d.span.file) !== abs) return d;
    if (d.span.line <= lines.length) return { ...d, span: { ...d.span, file: ONE_LINER_NAME } };
    const end = { file: ONE_LINER_NAME, line: lines.length, column: lines.at(-1)!.length + 1 };
    return { ...d, message: `${d.message} (at the end of the program)`, span: end };
  });
}
