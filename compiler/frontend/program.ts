// The TypeScript program of a tracer: a file path (and optionally its text) in; the program type-checked against
// tsbpf's declarations (stdlib-types), the tracer's source file, and TypeScript's own diagnostics out (unchanged).
// Declaration files are parsed once per process (sources.ts); the flow graph loses its effect-free call nodes before
// checking (flow.ts), which keeps the checker linear in the length of a handler.

import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { ts } from "ts-morph";
import type { SourceSpan } from "../../core/asm/index.ts";
import { type Diagnostic, error } from "../diagnostics.ts";
import { type TooDeep, mostBranches, parserBreaksAt, tooDeepBrackets, tooDeepNodes, tooManyBranches } from "./depth.ts";
import { pruneCallFlow } from "./flow.ts";
import { kernelFunctionSubset } from "./kernel-functions.ts";
import { kernelSubset } from "./kernel-subset.ts";
import { localImports } from "../local-imports.ts";
import { JSDOC_PARSING, compilerHost, tracepointData } from "./sources.ts";
import { generateDeclarations, mentionedNames, tracepointSubset } from "./tracepoint-types.ts";

/** The folder of tsbpf's kernel-side declarations. */
export { STDLIB_DIR } from "../paths.ts";
import { STDLIB_DIR } from "../paths.ts";

export interface LoadedProgram {
  readonly program: ts.Program;
  readonly file: ts.SourceFile;
  readonly checker: ts.TypeChecker;
  /** TypeScript's diagnostics for the tracer's own files. */
  readonly diagnostics: Diagnostic[];
  /** The tracer's text. */
  readonly text: string;
  /**
   * Where the tracer is nested deeper than TypeScript and the compiler can follow: then nothing was checked (and,
   * when the brackets alone are too deep, nothing parsed: `file` is empty).
   */
  readonly tooDeep?: TooDeep;
  /** How many call nodes were taken out of the flow graph before checking (flow.ts). */
  readonly prunedCalls: number;
}

export const COMPILER_OPTIONS: ts.CompilerOptions = {
  strict: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  allowImportingTsExtensions: true,
  noEmit: true,
  skipLibCheck: true,
  types: [],
  lib: ["lib.es2022.d.ts", "lib.esnext.disposable.d.ts"],
  baseUrl: ".",
  paths: { tsbpf: [join(STDLIB_DIR, "index.d.ts")] },
};

/** The text of a file too deep to parse. */
const NOT_PARSED = "\n";

/** The declarations of tracepoint contexts the program is checked against (the ones its files name). */
export const TRACEPOINTS_D_TS = join(STDLIB_DIR, "tracepoints.d.ts");

/** The declarations of kernel functions the program is checked against (the ones its files name). */
export const KERNEL_FUNCTIONS_D_TS = join(STDLIB_DIR, "kernel-functions.d.ts");

/** The program of the tracer `file` (already parsed) and the files it imports. */
function createProgram(file: ts.SourceFile): ts.Program {
  const texts = localImports(file.fileName, file.text).map((f) => f.text);
  const functions = kernelFunctionDeclarations(texts);
  const replaced = [tracepointDeclarations(texts), functions, kernelDeclarations(texts, functions)].filter((r) => r !== undefined);
  return ts.createProgram({ rootNames: [file.fileName], options: COMPILER_OPTIONS, host: compilerHost(COMPILER_OPTIONS, file, replaced) });
}

/** The declarations of kernel structs (the compiler's copy: without doc comments, or a stub when none is used). */
export const KERNEL_D_TS = join(STDLIB_DIR, "kernel.d.ts");

/** Names in a tracer's text that may reach kernel struct types. */
const KERNEL_TYPE_WORDS = /\b(currentTask|KernelPtr|kernel|fieldExists|Bits)\b/;

/** What kernel.d.ts declares when nothing of the program reaches a kernel type: what helpers.d.ts imports. */
const KERNEL_STUB = `declare const kernelLayout: unique symbol;
export interface task_struct { readonly [kernelLayout]: "struct task_struct"; }
`;

let kernelText: string | null | undefined;
/**
 * stdlib-types/kernel.d.ts as the compiler reads it: the structs the program's words can reach, with the fields
 * they name (kernel-subset.ts; the whole file, for editors, added 150 ms to a cold compile), or a stub when its
 * files name nothing that reaches a kernel type (no bpf.currentTask(), KernelPtr, kernel.*, fieldExists, Bits,
 * typed kernel function).
 */
function kernelDeclarations(texts: readonly string[], functions: { readonly text: string } | undefined): { readonly path: string; readonly text: string } | undefined {
  const typedFunctions = !!functions && /\n {2}\w+: \{ args: /.test(functions.text);
  if (!typedFunctions && !texts.some((t) => KERNEL_TYPE_WORDS.test(t))) return { path: KERNEL_D_TS, text: KERNEL_STUB };
  if (kernelText === undefined) {
    try {
      kernelText = readFileSync(KERNEL_D_TS, "utf8");
    } catch {
      kernelText = null;
    }
  }
  if (kernelText === null) return undefined;
  const words = new Set<string>();
  for (const t of [...texts, functions?.text ?? ""]) for (const m of t.matchAll(/[A-Za-z_$][\w$]*/g)) words.add(m[0]);
  return { path: KERNEL_D_TS, text: kernelSubset(kernelText, words) };
}

let kernelFunctionsText: string | null | undefined;
/**
 * stdlib-types/kernel-functions.d.ts as this program needs it: the functions its files name in string literals (the
 * whole file, every function of the kernel, is 4 MB: for editors). Undefined (the file is read as it is) without it.
 */
function kernelFunctionDeclarations(texts: readonly string[]): { readonly path: string; readonly text: string } | undefined {
  if (kernelFunctionsText === undefined) {
    try {
      kernelFunctionsText = readFileSync(KERNEL_FUNCTIONS_D_TS, "utf8");
    } catch {
      kernelFunctionsText = null;
    }
  }
  if (kernelFunctionsText === null) return undefined;
  const names = new Set<string>();
  for (const text of texts) for (const m of text.matchAll(/(["'`])([A-Za-z_]\w*)\1/g)) names.add(m[2]!);
  return { path: KERNEL_FUNCTIONS_D_TS, text: kernelFunctionSubset(kernelFunctionsText, names) };
}

/**
 * stdlib-types/tracepoints.d.ts as this program needs it: only the tracepoints its files name (tracepoint-types.ts
 * `tracepointSubset`), generated from tracepoints.json, which `tsbpf types` writes together with it. Undefined (the
 * whole file is read) when there is no tracepoints.json.
 */
function tracepointDeclarations(texts: readonly string[]): { readonly path: string; readonly text: string } | undefined {
  const data = tracepointData(join(STDLIB_DIR, "tracepoints.json"));
  if (!data) return undefined;
  const names = new Set<string>();
  for (const text of texts) for (const n of mentionedNames(text)) names.add(n);
  return { path: TRACEPOINTS_D_TS, text: generateDeclarations(tracepointSubset(data, names)) };
}

const parse = (abs: string, text: string) =>
  ts.createSourceFile(abs, text, { languageVersion: COMPILER_OPTIONS.target!, jsDocParsingMode: JSDOC_PARSING }, true);

export function loadProgram(path: string, text?: string): LoadedProgram {
  const abs = resolve(path);
  const source = text ?? readFileSync(abs, "utf8");
  // TypeScript's parser, binder and checker are recursive: too deep a nesting is found before they run.
  const deepBrackets = tooDeepBrackets(abs, source);
  let tooDeep: TooDeep | undefined = deepBrackets;
  // A file too deep to parse is replaced by an empty one.
  let file: ts.SourceFile;
  try {
    file = deepBrackets ? parse(abs, NOT_PARSED) : parse(abs, source);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    file = parse(abs, NOT_PARSED);
    tooDeep = { what: "the code here", span: parserBreaksAt(abs, source) };
  }
  tooDeep ??= tooDeepNodes(file) ?? tooManyBranches(file);
  if (tooDeep) {
    // Not checked: creating the checker binds the file, which is recursive too.
    let program: ts.Program | undefined;
    const get = () => (program ??= createProgram(file));
    return { get program() { return get(); }, file, get checker() { return get().getTypeChecker(); }, diagnostics: [], text: source, tooDeep, prunedCalls: 0 };
  }
  const program = createProgram(file);
  const diagnostics: Diagnostic[] = [];
  for (const d of program.getSyntacticDiagnostics(file)) diagnostics.push(tsDiagnostic(d));
  let prunedCalls = 0;
  try {
    // Creating the checker binds every file; the flow graphs are pruned between binding and checking.
    prunedCalls = pruneCallFlow(program, program.getTypeChecker());
    for (const d of program.getSemanticDiagnostics(file)) diagnostics.push(tsDiagnostic(d));
  } catch (e) {
    if (e instanceof RangeError) {
      // The checker's flow analysis recurses along a function's chain of conditions: name the longest one.
      const at = mostBranches(file)?.node;
      diagnostics.push(error("TSB9001", [`TypeScript's checker ran out of stack (${e.message})`], at ? spanOf(at) : { file: abs, line: 1, column: 1 },
        "split this function into smaller ones"));
    } else if (diagnostics.length === 0) {
      // TypeScript's own assertions can fail on code it could parse (a checker bug): say so at the file.
      diagnostics.push(error("TSB9001", [`TypeScript's checker failed (${e instanceof Error ? e.message.split("\n")[0] : String(e)})`], { file: abs, line: 1, column: 1 },
        "this is a bug of TypeScript's checker, not of the tracer: please report it with the file"));
    }
    // With syntax errors reported, a checker that fails on the malformed code has nothing to add (seen: a "Debug
    // Failure" on random tokens): the syntax errors say what is wrong.
  }
  // The tracer's other files (local imports, which may be user-side helpers): their syntax errors, which would
  // otherwise surface only when `tsbpf run` imports the module.
  for (const sf of program.getSourceFiles()) {
    if (sf === file || sf.isDeclarationFile || /[\\/]node_modules[\\/]/.test(sf.fileName)) continue;
    for (const d of program.getSyntacticDiagnostics(sf)) diagnostics.push(tsDiagnostic(d));
  }
  return { program, file, get checker() { return program.getTypeChecker(); }, diagnostics, text: source, prunedCalls };
}

function tsDiagnostic(d: ts.Diagnostic): Diagnostic {
  const message = ts.flattenDiagnosticMessageText(d.messageText, "\n");
  const out: { -readonly [K in keyof Diagnostic]: Diagnostic[K] } = {
    code: `TS${d.code}`,
    severity: d.category === ts.DiagnosticCategory.Warning ? "warning" : "error",
    message,
  };
  if (d.file && d.start !== undefined) out.span = spanAt(d.file, d.start, d.length ?? 1);
  return out;
}

/** A span from a position in a TS source file (1-based line and column). */
export function spanAt(file: ts.SourceFile, start: number, length: number): SourceSpan {
  const { line, character } = file.getLineAndCharacterOfPosition(start);
  return { file: file.fileName, line: line + 1, column: character + 1, start, length };
}

/** The span of a node (without leading trivia). */
export function spanOf(node: ts.Node): SourceSpan {
  const sf = node.getSourceFile();
  const start = node.getStart(sf);
  return spanAt(sf, start, node.getEnd() - start);
}

/** The text of the line a node starts on, for `; <source>` comments and line_info. */
export function sourceLineOf(node: ts.Node): string {
  const sf = node.getSourceFile();
  const { line } = sf.getLineAndCharacterOfPosition(node.getStart(sf));
  const starts = sf.getLineStarts();
  return sf.text.slice(starts[line], starts[line + 1] ?? sf.text.length).replace(/\r?\n$/, "");
}
