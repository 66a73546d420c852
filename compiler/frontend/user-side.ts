// The user side of a tracer module: the module model in; the source ranges that only ever run in Node (top-level
// functions no handler reaches, such as `main` and `format`, and imports of node: modules) out, and TypeScript's
// diagnostics there filtered. That code is checked like the rest of the module (syntax and types), but without
// Node's type declarations (loading them would triple the compile time): so the only errors dropped there are those
// that mean "this name or module comes from Node", and only for names Node really has (`console`, `process`,
// `Buffer`, `node:fs`), so a typo of one of the module's own names is still an error.

import { isBuiltin } from "node:module";
import { ts } from "ts-morph";
import type { Diagnostic } from "../diagnostics.ts";
import type { ModuleModel } from "./module.ts";
import { walkTree } from "./depth.ts";

export interface Range {
  readonly pos: number;
  readonly end: number;
}

/** Top-level functions reachable from the probe handlers, through calls and references, transitively. */
export function kernelFunctions(model: ModuleModel, checker: ts.TypeChecker): Set<ts.Symbol> {
  const reached = new Set<ts.Symbol>();
  // Only identifiers spelled like one of the module's functions are asked about (asking the checker for every
  // identifier costs the depth of each: quadratic on a long chain such as a 5,000-term sum).
  const names = new Set([...model.functions.values()].map((f) => f.name?.text));
  const visit = (root: ts.Node): void => walkTree(root, (n) => {
    if (ts.isIdentifier(n) && names.has(n.text)) {
      let s = checker.getSymbolAtLocation(n);
      if (s && s.flags & ts.SymbolFlags.Alias) s = checker.getAliasedSymbol(s);
      const fn = s ? model.functions.get(s) : undefined;
      if (s && fn && !reached.has(s)) {
        reached.add(s);
        if (fn.body) visit(fn.body);
      }
    }
  });
  for (const p of model.probes) visit(p.handler);
  return reached;
}

/** Where the module's user-side-only code lies. */
export function userSideRanges(file: ts.SourceFile, model: ModuleModel, checker: ts.TypeChecker): Range[] {
  const kernel = kernelFunctions(model, checker);
  const out: Range[] = [];
  for (const stmt of file.statements) {
    if (ts.isFunctionDeclaration(stmt) && stmt.name) {
      const s = checker.getSymbolAtLocation(stmt.name);
      if (s && !kernel.has(s)) out.push({ pos: stmt.pos, end: stmt.end });
    } else if (ts.isVariableStatement(stmt)) {
      // `export const main = async (args) => { ... }`
      const fns = stmt.declarationList.declarations.every((d) => d.initializer && (ts.isArrowFunction(d.initializer) || ts.isFunctionExpression(d.initializer)));
      const used = stmt.declarationList.declarations.some((d) => {
        const s = checker.getSymbolAtLocation(d.name);
        return s && kernel.has(s);
      });
      if (fns && !used) out.push({ pos: stmt.pos, end: stmt.end });
    } else if (ts.isImportDeclaration(stmt) && ts.isStringLiteral(stmt.moduleSpecifier) && stmt.moduleSpecifier.text.startsWith("node:")) {
      out.push({ pos: stmt.pos, end: stmt.end });
    }
  }
  return out;
}

/**
 * TypeScript's errors that only say that Node's declarations are not loaded: a name TypeScript cannot find (2304, with
 * a suggestion 2552, "install @types/node" 2580/2591, "change your lib" 2583/2584, a namespace 2503) or a module it
 * cannot find (2307, 2792; 2591 for `node:` specifiers), and a method of a newer ECMAScript library than the
 * compiler's (2550: Node runs it).
 */
const MISSING_NAME = new Set(["TS2304", "TS2552", "TS2580", "TS2583", "TS2584", "TS2591", "TS2503"]);
const MISSING_MODULE = new Set(["TS2307", "TS2792", "TS2591"]);
const NEWER_LIB = "TS2550";

/** Names Node's declarations add beyond the running globals: the NodeJS namespace (types only) and CommonJS's. */
const NODE_TYPE_NAMES = new Set(["NodeJS", "require", "module", "exports", "__dirname", "__filename"]);

/** Whether `d` only says that a Node global, a Node module or a newer library method is not declared. */
function isNodeEnvironment(d: Diagnostic): boolean {
  if (d.code === NEWER_LIB) return true;
  const quoted = /'([^']+)'/.exec(d.message)?.[1];
  if (quoted === undefined) return false;
  if (MISSING_MODULE.has(d.code) && isBuiltin(quoted)) return true;
  return MISSING_NAME.has(d.code) && (NODE_TYPE_NAMES.has(quoted) || quoted in globalThis);
}

/** TypeScript's diagnostics minus those in user-side code of `file` that only lack Node's declarations. */
export function withoutUserSide(diags: readonly Diagnostic[], file: string, ranges: readonly Range[]): Diagnostic[] {
  return diags.filter((d) => {
    if (!d.code.startsWith("TS") || d.span?.file !== file || d.span.start === undefined) return true;
    const at = d.span.start;
    return !(ranges.some((r) => at >= r.pos && at < r.end) && isNodeEnvironment(d));
  });
}
