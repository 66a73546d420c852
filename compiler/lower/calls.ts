// Calls in kernel code: `bpf.*` helpers, map and aggregation methods, ctx methods, Number()/BigInt()
// conversions, and the module's own functions. A call node in; a Val (or a value written into memory) out.

import { fieldExists } from "./kernel.ts";
import { ts } from "ts-morph";
import { PROBE_KINDS, bpftraceProbeName, isProbeDeclarator } from "../../core/probes.ts";
import { I64, tsbpfName } from "../frontend/types.ts";
import { ERROR, type LowerCtx, type Val, scalar } from "./context.ts";
import { condValue, importedFrom, lowerExpr } from "./expressions.ts";
import { ACTION_BUILTINS, lowerAction } from "./actions.ts";
import { inlineCall } from "./functions.ts";
import { WRITES_INTO, lowerHelper } from "./helpers.ts";
import { lowerAggMethod, lowerMapMethod } from "./maps.ts";
import { ctxMethod } from "./probes.ts";
import { type Mem, toScalar } from "./values.ts";

/** If `call` is a helper that can write its result into memory, writes it into `dst` and returns true. */
export function lowerCallInto(cx: LowerCtx, call: ts.CallExpression, dst: Mem): boolean {
  const callee = call.expression;
  if (!ts.isPropertyAccessExpression(callee) || !ts.isIdentifier(callee.expression)) return false;
  if (tsbpfName(cx.checker, cx.checker.getSymbolAtLocation(callee.expression)) !== "bpf") return false;
  if (!WRITES_INTO.has(callee.name.text)) return false;
  const v = lowerHelper(cx, call, callee.name.text, dst);
  return v.kind === "void";
}

const CALLABLE = "kernel code can call bpf.* helpers, map methods and functions declared at this module's top level";

export function lowerCall(cx: LowerCtx, call: ts.CallExpression): Val {
  const callee = call.expression;
  if (callee.kind === ts.SyntaxKind.ImportKeyword) {
    return cx.error("TSB1013", ["dynamic import()"], call);
  }
  if (call.questionDotToken || (ts.isPropertyAccessExpression(callee) && callee.questionDotToken)) {
    return cx.error("TSB1013", ["an optional call (?.)"], call);
  }
  if (ts.isPropertyAccessExpression(callee)) {
    const method = callee.name.text;
    if (ts.isIdentifier(callee.expression)) {
      const ns = callee.expression;
      const nsName = tsbpfName(cx.checker, cx.checker.getSymbolAtLocation(ns));
      if (nsName === "bpf") return lowerHelper(cx, call, method);
      const nsSym = cx.symbol(ns);
      const local = nsSym ? cx.lookup(nsSym) : undefined;
      if (ns.text === "Math" && !local) {
        return cx.error("TSB1027", [method], call, "use integer arithmetic");
      }
      const m = cx.p.module;
      const known = local || (nsSym && (m.maps.has(nsSym) || m.aggs.has(nsSym) || m.failed.has(nsSym)));
      if (!known && nsName === undefined) {
        const from = importedFrom(cx, ns);
        if (from !== undefined) return cx.error("TSB1017", [ns.text, from], callee);
        return cx.error("TSB1018", [callee.getText()], callee, CALLABLE);
      }
    }
    const obj = lowerExpr(cx, callee.expression);
    switch (obj.kind) {
      case "map": return lowerMapMethod(cx, obj.decl, method, call);
      case "agg": return lowerAggMethod(cx, obj.decl, method, call);
      case "ctx": return ctxMethod(cx, call, method);
      case "error": return ERROR;
      default: return cx.error("TSB1044", [method], callee.name);
    }
  }
  if (ts.isIdentifier(callee)) {
    const sym = cx.symbol(callee);
    const builtin = tsbpfName(cx.checker, cx.checker.getSymbolAtLocation(callee));
    if (builtin !== undefined && isProbeDeclarator(builtin)) {
      return cx.error("TSB1011", [builtin, "handler"], call);
    }
    if (builtin === "param") return cx.error("TSB1035", [], call);
    if (builtin !== undefined && ACTION_BUILTINS.has(builtin)) return lowerAction(cx, builtin, call);
    if (builtin === "fieldExists") return fieldExists(cx, call);
    if (builtin === "probe") {
      if (call.arguments.length) return cx.error("TSB2027", ["probe()", 0], call);
      // The probe being compiled, named as bpftrace's `probe`: a constant of each program a pattern made.
      return cx.probe ? { kind: "string", value: bpftraceProbeName(PROBE_KINDS[cx.probe.kind].attach(cx.probe.args)) } : cx.error("TSB1018", ["probe"], callee);
    }
    if (sym && cx.p.module.functions.has(sym)) return inlineCall(cx, cx.p.module.functions.get(sym)!, call);
    const from = importedFrom(cx, callee);
    if (from !== undefined && builtin === undefined) {
      return cx.error("TSB1017", [callee.text, from], callee, "move the function into the tracer's module");
    }
    const local = sym ? cx.lookup(sym) : undefined;
    if (!local && (callee.text === "Number" || callee.text === "BigInt" || callee.text === "Boolean")) return convert(cx, callee.text, call);
    if (sym?.declarations?.some((d) => ts.isFunctionDeclaration(d) && d.getSourceFile() === call.getSourceFile())) {
      return cx.error("TSB1018", [callee.text], call, "kernel code can call the functions declared at this module's top level");
    }
    return cx.error("TSB1018", [callee.text], callee, CALLABLE);
  }
  return cx.error("TSB1043", [], call);
}

/** Number(x), BigInt(x), Boolean(x): integer values stay in their 64-bit register; only the JS type changes. */
function convert(cx: LowerCtx, name: string, call: ts.CallExpression): Val {
  const arg = call.arguments[0];
  if (!arg || call.arguments.length !== 1) return cx.error("TSB2027", [`${name}()`, 1], call);
  if (name === "Boolean") return condValue(cx, arg);
  const s = toScalar(cx, lowerExpr(cx, arg), arg);
  if (!s) return ERROR;
  // Number(u64) keeps the bits (values above 2^53 lose nothing here, unlike in JavaScript).
  if (name === "Number") return scalar(s.op, s.type.bits === 64 ? { bits: 64, signed: true } : s.type);
  return scalar(s.op, s.type.signed ? I64 : { bits: 64, signed: false });
}
