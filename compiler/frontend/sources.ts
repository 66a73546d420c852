// The files of a tracer's TypeScript program: a file name in, its parsed ts.SourceFile out. Declaration files
// (TypeScript's lib files, stdlib-types, the .d.ts of packages a tracer imports) are parsed once per process and
// shared by every program after it, as the language service's DocumentRegistry shares them: a warm compile then
// parses only the tracer and its local imports, not the ~1 MB of declarations (lib.es2022, tracepoints.d.ts).
// A shared file is keyed by its name and re-checked against the file's text on every compile, so an edited
// declaration is parsed again.

import { readFileSync, statSync } from "node:fs";
import { basename, dirname } from "node:path";
import { ts } from "ts-morph";
import { libFileText } from "../typescript.ts";
import type { TracepointData } from "./tracepoint-types.ts";

/**
 * Where TypeScript's lib files appear to be: ts-morph's folder for them (they live in memory, inside its bundle), so
 * a diagnostic in a lib file names the same path as before.
 */
export const LIB_DIR = "/node_modules/typescript/lib";

/** The text of one of TypeScript's lib files (`LIB_DIR/lib.es2022.d.ts`), or undefined for any other path. */
export function libText(path: string): string | undefined {
  return dirname(path) === LIB_DIR ? libFileText(basename(path)) : undefined;
}

interface Shared {
  readonly text: string;
  /** What else the parse depends on (the options TypeScript passes to getSourceFile). */
  readonly key: string;
  readonly file: ts.SourceFile;
}

/**
 * Parsed declaration files by name. Bounded by the number of distinct declaration files the process compiles
 * against (a changed file replaces its entry). Module-level on purpose: it is what makes a second compile in the
 * process fast, and a shared ts.SourceFile is never modified by a program (binding a declaration file does not
 * depend on the program, and the checker keeps its per-program state in its own tables).
 */
const shared = new Map<string, Shared>();

/** How many declaration files were parsed (not taken from the cache) in this process; for tests. */
export const parseCounts = { declarations: 0 };

function optionsKey(o: ts.ScriptTarget | ts.CreateSourceFileOptions): string {
  return typeof o === "number" ? String(o) : `${o.languageVersion}|${o.impliedNodeFormat}|${o.jsDocParsingMode}`;
}

/** A declaration file's source, from the cache when its text is unchanged. */
function declarationFile(fileName: string, text: string, options: ts.ScriptTarget | ts.CreateSourceFileOptions): ts.SourceFile {
  const key = optionsKey(options);
  const hit = shared.get(fileName);
  if (hit && hit.key === key && hit.text === text) return hit.file;
  const file = ts.createSourceFile(fileName, text, options, true);
  parseCounts.declarations++;
  shared.set(fileName, { text, key, file });
  return file;
}

/**
 * Doc comments are parsed only where they can matter to type checking, as tsc does (TypeScript 5.3's
 * ParseForTypeErrors: in a .ts file, only those with @see or @link, whose references count as uses). Nothing in the
 * compiler reads them, and they are much of stdlib-types (the editor's documentation): ~5% of a cold compile.
 */
export const JSDOC_PARSING = ts.JSDocParsingMode.ParseForTypeErrors;

let tracepoints: { readonly key: string; readonly data: TracepointData } | undefined;

/** stdlib-types/tracepoints.json, parsed once per process (again when the file changes); undefined when absent. */
export function tracepointData(path: string): TracepointData | undefined {
  try {
    const st = statSync(path);
    const key = `${path}:${st.size}:${st.mtimeMs}`;
    if (tracepoints?.key !== key) tracepoints = { key, data: JSON.parse(readFileSync(path, "utf8")) as TracepointData };
    return tracepoints.data;
  } catch {
    return undefined;
  }
}

/**
 * A compiler host on the real file system with TypeScript's lib files from memory, the tracer's own source file
 * (already parsed, from its given text), `replaced` (a declaration file given as text instead of the file's) and
 * declaration files from the process-wide cache.
 */
export function compilerHost(options: ts.CompilerOptions, tracer: ts.SourceFile, replacements: readonly { readonly path: string; readonly text: string }[] = []): ts.CompilerHost {
  const replaced = new Map(replacements.map((r) => [r.path, r.text]));
  const host = ts.createCompilerHost(options, true);
  host.jsDocParsingMode = JSDOC_PARSING;
  const { fileExists, readFile, directoryExists } = host;
  host.getDefaultLibLocation = () => LIB_DIR;
  host.getDefaultLibFileName = (o) => `${LIB_DIR}/${ts.getDefaultLibFileName(o)}`;
  host.fileExists = (f) => f === tracer.fileName || replaced.has(f) || libText(f) !== undefined || fileExists(f);
  host.readFile = (f) => (f === tracer.fileName ? tracer.text : replaced.get(f) ?? libText(f) ?? readFile(f));
  host.directoryExists = (d) => d === LIB_DIR || (directoryExists?.(d) ?? true);
  host.getSourceFile = (fileName, languageVersion, onError) => {
    if (fileName === tracer.fileName) return tracer;
    let text: string | undefined;
    try {
      text = host.readFile(fileName);
    } catch (e) {
      onError?.(e instanceof Error ? e.message : String(e));
      return undefined;
    }
    if (text === undefined) return undefined;
    return fileName.endsWith(".d.ts") || fileName.endsWith(".d.mts") || fileName.endsWith(".d.cts")
      ? declarationFile(fileName, text, languageVersion)
      : ts.createSourceFile(fileName, text, languageVersion, true);
  };
  return host;
}
