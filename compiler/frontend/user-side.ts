// The user side of a tracer module: the module model in; the source ranges that only ever run in Node (top-level
// functions no handler reaches, such as `main` and `format`, and imports of node: modules) out. TypeScript's
// errors there are left to the editor and to the runtime that executes them: the compiler checks the module
// without Node's types (loading them would triple the compile time), so `console` or `process` in `main` would
// otherwise be reported as unknown names.

import { ts } from "ts-morph";
import type { Diagnostic } from "../diagnostics.ts";
import type { ModuleModel } from "./module.ts";

export interface Range {
  readonly pos: number;
  readonly end: number;
}

/** Top-level functions reachable from the probe handlers, through calls and references, transitively. */
export function kernelFunctions(model: ModuleModel, checker: ts.TypeChecker): Set<ts.Symbol> {
  const reached = new Set<ts.Symbol>();
  const visit = (n: ts.Node): void => {
    if (ts.isIdentifier(n)) {
      let s = checker.getSymbolAtLocation(n);
      if (s && s.flags & ts.SymbolFlags.Alias) s = checker.getAliasedSymbol(s);
      const fn = s ? model.functions.get(s) : undefined;
      if (s && fn && !reached.has(s)) {
        reached.add(s);
        if (fn.body) visit(fn.body);
      }
    }
    ts.forEachChild(n, visit);
  };
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

/** TypeScript's diagnostics minus those in user-side code of `file`. */
export function withoutUserSide(diags: readonly Diagnostic[], file: string, ranges: readonly Range[]): Diagnostic[] {
  return diags.filter((d) => {
    if (!d.code.startsWith("TS") || d.span?.file !== file || d.span.start === undefined) return true;
    const at = d.span.start;
    return !ranges.some((r) => at >= r.pos && at < r.end);
  });
}
