// What a handler asks of user space: `print(`...`)`, `print(map, top)`, `clear(map)`, `exit()` in; a record sent
// through the tracer's actions ring buffer out (its index in the tracer's ActionSpec list, then a print's values),
// and the ActionSpec that tells user space how to decode and carry it out. A line's text and format never reach the
// kernel: only its values do, as bpftrace's printf sends its arguments.

import { ts } from "ts-morph";
import { BpfFunc } from "../../core/asm/helpers.ts";
import { layoutOf, type FieldDesc, type TypeDesc } from "../../core/object/layout.ts";
import { ACTIONS_MAP, lostMapName } from "../../core/object/names.ts";
import type { ActionSpec, PrintArg } from "../../core/object/spec.ts";
import { intDesc, tsbpfName } from "../frontend/types.ts";
import { imm, type Operand } from "../ir/ir.ts";
import { ERROR, type LowerCtx, type Val, VOID } from "./context.ts";
import { addressOf, lowerExpr, storeValue } from "./expressions.ts";
import { addToMap, mapFd } from "./maps.ts";
import { newMem, storeInt, toScalar } from "./values.ts";

/** The kernel-side builtins of this file, by their name in stdlib-types. */
export const ACTION_BUILTINS = new Set(["print", "time", "clear", "exit"]);

const U32: TypeDesc = { kind: "int", size: 4, signed: false };
const U64: TypeDesc = { kind: "int", size: 8, signed: false };

export function lowerAction(cx: LowerCtx, name: string, call: ts.CallExpression): Val {
  switch (name) {
    case "print":
      return lowerPrint(cx, call);
    case "exit":
      if (call.arguments.length) return cx.error("TSB2027", ["exit()", 0], call);
      send(cx, { kind: "exit" }, call);
      return VOID;
    case "clear": {
      const map = mapArgument(cx, call, "clear()");
      if (!map) return ERROR;
      if (call.arguments.length > 1) return cx.error("TSB2027", ["clear()", 1], call);
      send(cx, { kind: "clear", map }, call);
      return VOID;
    }
    default:
      // time() is only a value inside print()'s template, where lowerPrint reads it.
      return cx.error("TSB1085", ["time()"], call, "use it in a print() line: print(`${time()} ...`)");
  }
}

/** The map a call's first argument names (a map or an aggregation declared at module level). */
function mapArgument(cx: LowerCtx, call: ts.CallExpression, what: string): string | undefined {
  const arg = call.arguments[0];
  if (!arg) {
    cx.error("TSB2028", [what, "map"], call);
    return undefined;
  }
  const v = lowerExpr(cx, arg);
  if (v.kind === "map" || v.kind === "agg") return v.decl.name;
  if (v.kind !== "error") cx.error("TSB2091", [what, "a map or an aggregation declared at module level"], arg);
  return undefined;
}

/** print(`template`), print("text"), print(strValue), print(map, top?). */
function lowerPrint(cx: LowerCtx, call: ts.CallExpression): Val {
  const [arg, top, extra] = call.arguments;
  if (!arg) return cx.error("TSB2028", ["print()", "line"], call);
  if (extra) return cx.error("TSB2027", ["print()", 2], extra);
  if (isTemplate(arg)) {
    if (top) return cx.error("TSB2027", ["print() of a line", 1], top);
    return printLine(cx, arg, call);
  }
  const v = lowerExpr(cx, arg);
  if (v.kind === "map" || v.kind === "agg") {
    let n: number | undefined;
    if (top) {
      const t = cx.checker.getTypeAtLocation(top);
      if (!t.isNumberLiteral() || !Number.isInteger(t.value) || t.value < 0) return cx.error("TSB1070", ["print()'s top", 0, 2 ** 31 - 1], top);
      n = t.value;
    }
    send(cx, { kind: "print_map", map: v.decl.name, ...(n ? { top: n } : {}) }, call);
    return VOID;
  }
  if (v.kind === "error") return ERROR;
  if (top) return cx.error("TSB2027", ["print() of a line", 1], top);
  // A string value (a Str<N> local, bpf.comm()) printed alone.
  return printParts(cx, [""], [{ node: arg, val: v }, ""], call);
}

const isTemplate = (e: ts.Expression): e is ts.TemplateExpression | ts.NoSubstitutionTemplateLiteral | ts.StringLiteral =>
  ts.isTemplateExpression(e) || ts.isNoSubstitutionTemplateLiteral(e) || ts.isStringLiteral(e);

type Piece = string | { readonly node: ts.Expression; readonly val?: Val };

function printLine(cx: LowerCtx, t: ts.TemplateExpression | ts.NoSubstitutionTemplateLiteral | ts.StringLiteral, call: ts.CallExpression): Val {
  if (!ts.isTemplateExpression(t)) return printParts(cx, [t.text], [], call);
  const pieces: Piece[] = [];
  for (const span of t.templateSpans) pieces.push({ node: span.expression }, span.literal.text);
  return printParts(cx, [t.head.text], pieces, call);
}

/**
 * Lowers each value of a line; constants (string literals, the probe's name) join the text. Then builds the record
 * (index, values) and sends it.
 */
function printParts(cx: LowerCtx, head: string[], pieces: Piece[], call: ts.CallExpression): Val {
  const parts = [...head];
  const args: PrintArg[] = [];
  const fields: FieldDesc[] = [{ name: "action", type: U32 }];
  const values: { val: Val; node: ts.Node; type: TypeDesc }[] = [];
  let failed = false;
  for (const p of pieces) {
    if (typeof p === "string") {
      parts[parts.length - 1] += p;
      continue;
    }
    const e = p.node;
    const field = `v${args.length}`;
    const timeCall = ts.isCallExpression(e) && ts.isIdentifier(e.expression) && tsbpfName(cx.checker, cx.checker.getSymbolAtLocation(e.expression)) === "time";
    if (timeCall) {
      const fmt = e.arguments[0];
      if (fmt && !ts.isStringLiteralLike(fmt)) {
        cx.error("TSB1070", ["time()'s format", "a string", "literal"], fmt);
        failed = true;
        continue;
      }
      cx.at(e);
      const ns = cx.b.call(BpfFunc.KtimeGetNs, []);
      args.push({ field, display: "time", ...(fmt ? { format: fmt.text } : {}) });
      fields.push({ name: field, type: U64 });
      values.push({ val: { kind: "scalar", op: ns, type: { bits: 64, signed: false } }, node: e, type: U64 });
      parts.push("");
      continue;
    }
    const v = p.val ?? lowerExpr(cx, e);
    if (v.kind === "error") {
      failed = true;
      continue;
    }
    if (v.kind === "string") {
      parts[parts.length - 1] += v.value;
      continue;
    }
    const type = printedType(cx, v, e);
    if (!type) {
      failed = true;
      continue;
    }
    args.push({ field });
    fields.push({ name: field, type });
    values.push({ val: v, node: e, type });
    parts.push("");
  }
  if (failed) return ERROR;
  const record: TypeDesc = { kind: "struct", fields };
  const id = addAction(cx, { kind: "print", parts, args, record });
  cx.at(call);
  const m = newMem(cx, record, "print() record", call);
  const layout = layoutOf(record).fields!;
  storeInt(cx, m.base, m.off, U32, imm(id));
  values.forEach((x, i) => {
    const f = layout[i + 1]!;
    storeValue(cx, { base: m.base, off: m.off + f.offset, type: x.type }, x.val, x.node);
  });
  output(cx, addressOf(cx, m), layoutOf(record).size, call);
  return VOID;
}

/** How a value is sent: integers as 64 bits (their sign kept), booleans as a byte, strings at their capacity. */
function printedType(cx: LowerCtx, v: Val, e: ts.Node): TypeDesc | undefined {
  if (v.kind === "mem" && v.type.kind === "string") return v.type;
  if (v.kind === "ref" && v.type.kind === "string" && !v.nullable) return v.type;
  if ((v.kind === "mem" || v.kind === "ref") && (v.type.kind === "struct" || v.type.kind === "array" || v.type.kind === "bytes")) {
    cx.error("TSB2091", ["print()", "an integer, a boolean or a string: print a struct's or an array's fields one by one"], e);
    return undefined;
  }
  const s = toScalar(cx, v, e);
  if (!s) return undefined;
  if (s.type.bool) return intDesc(s.type);
  return { kind: "int", size: 8, signed: s.type.signed };
}

/** Sends a record of no values (exit, clear, print of a map). */
function send(cx: LowerCtx, action: ActionSpec, call: ts.CallExpression): void {
  const id = addAction(cx, action);
  cx.at(call);
  const m = newMem(cx, U32, "action record", call);
  storeInt(cx, m.base, m.off, U32, imm(id));
  output(cx, addressOf(cx, m), 4, call);
}

function addAction(cx: LowerCtx, a: ActionSpec): number {
  cx.p.actions.push(a);
  return cx.p.actions.length - 1;
}

/** bpf_ringbuf_output of the record; a full ring counts a loss, which the run reports. */
function output(cx: LowerCtx, addr: Operand, size: number, call: ts.Node): void {
  cx.at(call);
  const ret = cx.b.call(BpfFunc.RingbufOutput, [mapFd(cx, ACTIONS_MAP), addr, imm(size), imm(0)]);
  const lost = cx.b.newBlock();
  const done = cx.b.newBlock();
  cx.b.cbr("ne", ret, imm(0), lost, done);
  cx.b.switchTo(lost);
  const key = newMem(cx, U32, "lost-actions key", undefined);
  cx.b.store(key.base, key.off, 4, imm(0));
  addToMap(cx, lostMapName(ACTIONS_MAP), key, U64, { bits: 64, signed: false }, imm(1), false, "in range");
  cx.b.br(done);
  cx.b.switchTo(done);
}
