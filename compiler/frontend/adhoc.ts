// Maps declared by their use, as one-liners write them (`$.count(bpf.comm())`, `$bytes.hist(ctx.ret)`,
// `$start.set(bpf.tid(), bpf.ktimeGetNs())`): the tracer's source and the module model in; an aggregation or hash map
// declaration for each `$name` declared as an AdHocMap out, named as bpftrace prints it (`@`, `@bytes`). The first use
// decides the kind, whether it has a key and the key's type (from the declared type of the expression given);
// every other use must agree.

import { ts } from "ts-morph";
import type { AggregationKind } from "../../core/aggregations.ts";
import type { TypeDesc } from "../../core/object/layout.ts";
import type { Diagnostics } from "../diagnostics.ts";
import { type AggDecl, type MapDecl, type ModuleModel, skipParens } from "./module.ts";
import { spanOf } from "./program.ts";
import { TypeResolver, framesDesc, stackDesc, tsbpfName } from "./types.ts";

const AGG_METHODS: Readonly<Record<string, AggregationKind>> = {
  count: "count", sum: "sum", min: "min", max: "max", avg: "avg", stats: "stats", hist: "hist", lhist: "lhist",
};
const MAP_METHODS = new Set(["set", "get", "delete", "has"]);
const CLASS: Readonly<Record<AggregationKind, string>> = {
  count: "Count", sum: "Sum", min: "Min", max: "Max", avg: "Avg", stats: "Stats", hist: "Histogram", lhist: "LinearHistogram",
};

interface Use {
  readonly call: ts.CallExpression;
  readonly method: string;
}

/** The printed name of `$name`: bpftrace's `@name` (`$` alone is `@`). */
export const adHocName = (identifier: string): string => `@${identifier.slice(1)}`;

/** Adds a declaration to `model` for every AdHocMap variable the file's code uses. */
export function declareAdHocMaps(file: ts.SourceFile, checker: ts.TypeChecker, model: ModuleModel, diags: Diagnostics, constant: (e: ts.Expression) => bigint | undefined): void {
  // Only a `$name` can be one; the walk is iterative (a tracer's nesting is bounded only by frontend/depth.ts).
  if (!file.text.includes("$")) return;
  const uses = new Map<ts.Symbol, Use[]>();
  const stack: ts.Node[] = [file];
  while (stack.length) {
    const n = stack.pop()!;
    if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && ts.isIdentifier(n.expression.expression) && n.expression.expression.text.startsWith("$")) {
      const sym = checker.getSymbolAtLocation(n.expression.expression);
      if (sym && isAdHoc(checker, sym)) {
        let list = uses.get(sym);
        if (!list) uses.set(sym, (list = []));
        list.push({ call: n, method: n.expression.name.text });
      }
    }
    const children: ts.Node[] = [];
    ts.forEachChild(n, (c) => void children.push(c));
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
  }
  const types = new TypeResolver(checker, diags);
  let index = model.maps.size + model.aggs.size;
  for (const [sym, list] of uses) {
    const first = list[0]!;
    const name = adHocName(sym.getName());
    const agg = AGG_METHODS[first.method];
    if (!agg && !MAP_METHODS.has(first.method)) continue; // TypeScript reported the unknown method.
    const valueArgs = agg === "count" ? 0 : agg === "lhist" ? 4 : agg ? 1 : 0;
    const keyed = agg ? first.call.arguments.length > valueArgs : true;
    let key: TypeDesc | undefined;
    if (keyed) {
      key = keyType(first.call.arguments[0]!, checker, types);
      if (!key) {
        model.failed.add(sym);
        continue;
      }
    }
    let ok = true;
    for (const u of list.slice(1)) {
      const k = AGG_METHODS[u.method];
      const sameKind = agg ? k === agg : MAP_METHODS.has(u.method);
      const sameKey = !agg || (u.call.arguments.length > valueArgs) === keyed;
      if (!sameKind || !sameKey) {
        const what = (m: string, n: number) => (AGG_METHODS[m] ? `${m}()${n > (AGG_METHODS[m] === "count" ? 0 : AGG_METHODS[m] === "lhist" ? 4 : 1) ? " with a key" : ""}` : "a hash map");
        diags.error("TSB2093", [sym.getName(), what(u.method, u.call.arguments.length), what(first.method, first.call.arguments.length), spanOf(first.call).line],
          spanOf(u.call), "a $name is one map: use another name for another one");
        ok = false;
      }
    }
    if (!ok) {
      // Reported once, at the use that disagrees: the other uses lower to nothing rather than to more errors.
      model.failed.add(sym);
      continue;
    }
    const decl = sym.valueDeclaration ?? first.call;
    const base = { name, symbol: sym, exported: false, span: spanOf(decl) };
    if (agg) {
      const out: { -readonly [K in keyof AggDecl]: AggDecl[K] } = {
        ...base, kind: "agg", agg, key, maxEntries: 10240, declared: { class: CLASS[agg], index: index++ }, adhoc: true,
      };
      if (agg === "lhist") {
        const args = first.call.arguments;
        const [min, max, step] = [args.length - 3, args.length - 2, args.length - 1].map((i) => constant(args[i]!));
        if (min === undefined || max === undefined || step === undefined || step <= 0n || max <= min || (max - min) / step > 1000n) {
          diags.error("TSB2024", [name], spanOf(first.call));
          model.failed.add(sym);
          continue;
        }
        out.lhist = { min, max, step };
      }
      model.aggs.set(sym, out);
    } else {
      const m: MapDecl = {
        ...base, kind: "map", mapType: "hash", key: key!, value: { kind: "int", size: 8, signed: false }, maxEntries: 10240, pinned: false,
        declared: { class: "HashMap", index: index++ },
      };
      model.maps.set(sym, m);
    }
  }
}

/** A variable declared with the type AdHocMap of stdlib-types. */
function isAdHoc(checker: ts.TypeChecker, sym: ts.Symbol): boolean {
  const d = sym.valueDeclaration;
  if (!d || !ts.isVariableDeclaration(d) || !d.type || !ts.isTypeReferenceNode(d.type)) return false;
  return tsbpfName(checker, checker.getSymbolAtLocation(d.type.typeName)) === "AdHocMap";
}

/**
 * The layout of a key from the expression given: the type its declaration names (a helper's or a field's return
 * type, a local's annotation or initializer: `Str<16>`, `u32`), else by the kind of value (bigint: u64, number: i64,
 * boolean, string: 64 bytes).
 */
function keyType(e: ts.Expression, checker: ts.TypeChecker, types: TypeResolver): TypeDesc | undefined {
  const node = declaredTypeNode(e, checker, 0);
  const stack = node && stackOf(e, node, checker);
  if (stack) return stack;
  if (node) {
    const t = types.fromNode(node, "the key");
    if (t) return t;
  }
  const t = checker.getTypeAtLocation(e);
  if (t.flags & ts.TypeFlags.BooleanLike) return { kind: "bool" };
  if (t.flags & ts.TypeFlags.BigIntLike) return { kind: "int", size: 8, signed: false };
  if (t.flags & ts.TypeFlags.NumberLike) return { kind: "int", size: 8, signed: true };
  if (t.flags & ts.TypeFlags.StringLike) return { kind: "string", capacity: 64 };
  return undefined;
}

/**
 * A KStack<D>/UStack<D> (or KFrames<D>/UFrames<D>) that a call returns (bpf.kstack({ depth: 5 })): its declaration
 * says KStack<D>, the depth is the type argument TypeScript inferred for this call.
 */
function stackOf(e: ts.Expression, node: ts.TypeNode, checker: ts.TypeChecker): TypeDesc | undefined {
  if (!ts.isTypeReferenceNode(node)) return undefined;
  const name = tsbpfName(checker, checker.getSymbolAtLocation(node.typeName));
  if (name !== "KStack" && name !== "UStack" && name !== "KFrames" && name !== "UFrames") return undefined;
  const call = skipParens(e);
  const returned = ts.isCallExpression(call) ? checker.getResolvedSignature(call)?.getReturnType() : undefined;
  // KStack<D> is a type alias, KFrames<D> an interface: the depth is the alias's or the reference's type argument.
  const depth = returned?.aliasTypeArguments?.[0] ?? (returned ? checker.getTypeArguments(returned as ts.TypeReference)[0] : undefined);
  if (!depth?.isNumberLiteral()) return undefined;
  if (name === "KFrames" || name === "UFrames") return framesDesc(name === "KFrames" ? "kframes" : "uframes", depth.value);
  return stackDesc(name === "KStack" ? "kstack" : "ustack", depth.value);
}

function declaredTypeNode(e: ts.Expression, checker: ts.TypeChecker, depth: number): ts.TypeNode | undefined {
  if (depth > 8) return undefined;
  if (ts.isParenthesizedExpression(e)) return declaredTypeNode(e.expression, checker, depth + 1);
  if (ts.isCallExpression(e)) {
    const d = checker.getResolvedSignature(e)?.declaration;
    return d && !ts.isJSDocSignature(d) ? d.type : undefined;
  }
  if (ts.isIdentifier(e) || ts.isPropertyAccessExpression(e)) {
    const s = checker.getSymbolAtLocation(e);
    const d = s?.valueDeclaration;
    if (!d) return undefined;
    if ((ts.isVariableDeclaration(d) || ts.isPropertySignature(d) || ts.isParameter(d) || ts.isPropertyDeclaration(d)) && d.type) return d.type;
    if (ts.isVariableDeclaration(d) && d.initializer) return declaredTypeNode(d.initializer, checker, depth + 1);
  }
  return undefined;
}
