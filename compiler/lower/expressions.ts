// Expressions: a TypeScript expression node in, IR instructions and a Val out. One small function per kind of
// expression; conditions lower straight to branches; literals of memory types are built in place.

import { ts } from "ts-morph";
import { isOpaqueCast, skipParens } from "../frontend/module.ts";
import { BOOL, type IntType, U32, U64, intDesc, intOf, tsbpfName } from "../frontend/types.ts";
import { type Block, type Cmp, type Operand, evalCmp, imm, reg } from "../ir/ir.ts";
import { type TypeDesc, layoutOf } from "../../core/object/layout.ts";
import { lowerCall, lowerCallInto } from "./calls.ts";
import { type Binding, ERROR, type LowerCtx, type RefVal, type Val, VOID, constant, scalar } from "./context.ts";
import { kernelProperty } from "./kernel.ts";
import { ctxProperty } from "./probes.ts";
import { compareString } from "./strings.ts";
import { type Mem, baseOf, copyBytes, describe, isPossiblyUndefined, literalFits, loadInt, missingHint, newMem, sameLayout, storeInt, toMem, toScalar, unchecked, zeroBytes, zeroPadding } from "./values.ts";

/** An unsized integer literal: a number is a 64-bit signed value until something gives it a width. */
const NUM: IntType = { bits: 64, signed: true };

export function lowerExpr(cx: LowerCtx, e: ts.Expression): Val {
  switch (e.kind) {
    case ts.SyntaxKind.NumericLiteral: return numeric(cx, e as ts.NumericLiteral);
    case ts.SyntaxKind.BigIntLiteral: return bigintLiteral(cx, e as ts.BigIntLiteral);
    case ts.SyntaxKind.TrueKeyword: return constant(1, BOOL);
    case ts.SyntaxKind.FalseKeyword: return constant(0, BOOL);
    case ts.SyntaxKind.StringLiteral:
    case ts.SyntaxKind.NoSubstitutionTemplateLiteral: return { kind: "string", value: (e as ts.StringLiteral).text };
    case ts.SyntaxKind.Identifier: return identifier(cx, e as ts.Identifier);
    case ts.SyntaxKind.ParenthesizedExpression: return lowerExpr(cx, (e as ts.ParenthesizedExpression).expression);
    case ts.SyntaxKind.AsExpression:
    case ts.SyntaxKind.SatisfiesExpression:
    case ts.SyntaxKind.TypeAssertionExpression: {
      const t = (e as ts.AsExpression).type;
      if (t.kind === ts.SyntaxKind.AnyKeyword || t.kind === ts.SyntaxKind.UnknownKeyword) {
        return cx.error("TSB1028", [t.getText()], e, "remove the cast, or cast to the integer type you mean (u32, u64, ...)");
      }
      const inner = (e as ts.AsExpression).expression;
      const v = lowerExpr(cx, inner);
      // `h.get(k) as bigint` removes undefined from the type without a check: the lookup may still be null.
      if (unchecked(cx, v, inner) && !isPossiblyUndefined(cx, e)) return cx.error("TSB2056", [t.getText()], e, missingHint((v as RefVal).type));
      // A cast to an integer type gives the value that type (`ctx.arg0() as i64` is signed from here on, in an
      // unannotated local too), as an annotation does; the bits stay as they are.
      const to = v.kind === "scalar" ? cx.p.types.intType(t) : undefined;
      return to && v.kind === "scalar" ? scalar(v.op, to) : v;
    }
    case ts.SyntaxKind.NonNullExpression: return nonNull(cx, e as ts.NonNullExpression);
    case ts.SyntaxKind.PropertyAccessExpression: return property(cx, e as ts.PropertyAccessExpression);
    case ts.SyntaxKind.ElementAccessExpression: return element(cx, e as ts.ElementAccessExpression);
    case ts.SyntaxKind.CallExpression: return lowerCall(cx, e as ts.CallExpression);
    case ts.SyntaxKind.PrefixUnaryExpression: return prefix(cx, e as ts.PrefixUnaryExpression);
    case ts.SyntaxKind.PostfixUnaryExpression: return postfix(cx, e as ts.PostfixUnaryExpression);
    case ts.SyntaxKind.BinaryExpression: return binary(cx, e as ts.BinaryExpression);
    case ts.SyntaxKind.ConditionalExpression: return conditional(cx, e as ts.ConditionalExpression);
    case ts.SyntaxKind.ObjectLiteralExpression:
    case ts.SyntaxKind.ArrayLiteralExpression: {
      const t = contextualType(cx, e);
      if (!t) return cx.error("TSB2036", [], e, "annotate the variable, e.g. `const k: Key = { ... }`");
      const m = newMem(cx, t, "literal", e);
      lowerInto(cx, e, m);
      return { kind: "mem", ...m };
    }
    case ts.SyntaxKind.ClassExpression: return cx.error("TSB1002", [], e);
    case ts.SyntaxKind.AwaitExpression:
    case ts.SyntaxKind.YieldExpression: return cx.error("TSB1013", [e.kind === ts.SyntaxKind.AwaitExpression ? "await" : "yield"], e);
    case ts.SyntaxKind.ArrowFunction:
    case ts.SyntaxKind.FunctionExpression: return cx.error("TSB1021", [], e, "declare a function at module level, or pass the callback straight to bpf.loop()");
    case ts.SyntaxKind.TemplateExpression: return cx.error("TSB1015", [], e, "format strings in user space (events, main)");
    case ts.SyntaxKind.NewExpression: {
      const sym = cx.symbol((e as ts.NewExpression).expression);
      if (sym?.declarations?.some((d) => ts.isClassDeclaration(d) || ts.isClassExpression(d))) {
        return cx.error("TSB1002", [], e, "use an interface and an object literal for data, and module-level functions for behaviour");
      }
      return cx.error("TSB1042", [], e, "declare maps at module level; build structs with object literals");
    }
    case ts.SyntaxKind.TypeOfExpression:
    case ts.SyntaxKind.DeleteExpression:
    case ts.SyntaxKind.VoidExpression:
    case ts.SyntaxKind.SpreadElement:
    case ts.SyntaxKind.TaggedTemplateExpression:
    case ts.SyntaxKind.RegularExpressionLiteral:
      return cx.error("TSB1013", [constructName(e.kind)], e);
    case ts.SyntaxKind.NullKeyword:
      return cx.error("TSB1013", ["null"], e, "maps return undefined for missing keys");
    case ts.SyntaxKind.ThisKeyword:
      return cx.error("TSB1019", [], e);
    default:
      return cx.error("TSB1013", [constructName(e.kind)], e);
  }
}

/** How a message names a construct outside the subset: as the user writes it, not as the compiler API calls it. */
const CONSTRUCT_NAMES: Partial<Record<ts.SyntaxKind, string>> = {
  [ts.SyntaxKind.TypeOfExpression]: "typeof",
  [ts.SyntaxKind.DeleteExpression]: "delete",
  [ts.SyntaxKind.VoidExpression]: "void",
  [ts.SyntaxKind.SpreadElement]: "spread (...)",
  [ts.SyntaxKind.TaggedTemplateExpression]: "a tagged template",
  [ts.SyntaxKind.RegularExpressionLiteral]: "a regular expression",
};

/** "TypeOfExpression" → "typeof"; kinds without a name here in words ("ClassExpression" → "class expression"). */
const constructName = (kind: ts.SyntaxKind): string =>
  CONSTRUCT_NAMES[kind] ?? ts.SyntaxKind[kind].replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();

function numeric(cx: LowerCtx, e: ts.NumericLiteral): Val {
  const text = e.text.replace(/_/g, "");
  const n = Number(text);
  if (!Number.isInteger(n) || /[.eE]/.test(text) && !/^0[xX]/.test(text)) {
    if (!Number.isInteger(n)) return cx.error("TSB1008", [e.getText()], e, "use integer arithmetic (for example nanoseconds instead of fractional seconds)");
  }
  if (!Number.isSafeInteger(n)) return cx.error("TSB2037", [e.getText()], e, "write it as a bigint literal (with an n suffix)");
  return constant(n, NUM);
}

/** The value a bigint literal writes (before any minus sign in front of it). */
const bigintValue = (e: ts.BigIntLiteral): bigint => BigInt(e.text.slice(0, -1).replace(/_/g, ""));

const I64_MIN = -(1n << 63n);
const U64_MAX = (1n << 64n) - 1n;

/** A bigint literal: a 64-bit register holds -2^63 .. 2^64-1 (as i64 or u64); anything wider would wrap. */
function bigintLiteral(cx: LowerCtx, e: ts.BigIntLiteral): Val {
  const v = bigintValue(e);
  if (v > U64_MAX) return cx.error("TSB2059", [e.getText(), "a 64-bit integer", I64_MIN, U64_MAX], e, "eBPF registers are 64 bits wide");
  return constant(BigInt.asIntN(64, v), U64);
}

function identifier(cx: LowerCtx, e: ts.Identifier): Val {
  if (e.text === "undefined") return { kind: "undefined" };
  const sym = cx.symbol(e);
  if (!sym) return cx.error("TSB1049", [e.text], e);
  const bound = cx.lookup(sym);
  if (bound) return bound.kind === "var" ? scalar(reg(bound.reg), bound.type) : bound.val;
  const m = cx.p.module;
  if (m.failed.has(sym)) return ERROR;
  const map = m.maps.get(sym);
  if (map) return { kind: "map", decl: map };
  const agg = m.aggs.get(sym);
  if (agg) return { kind: "agg", decl: agg };
  const c = m.consts.get(sym);
  if (c) return constant(c.value, c.type);
  const p = m.params.get(sym);
  if (p) return paramValue(cx, sym, p.type);
  if (m.functions.has(sym)) return cx.error("TSB1050", [e.text], e);
  const from = importedFrom(cx, e);
  if (from !== undefined) {
    return cx.error("TSB1017", [e.text, from], e,
      "declare the constant or function in this module");
  }
  const decl = sym.declarations?.[0];
  if (decl && ts.isVariableDeclaration(decl) && decl.parent && !(decl.parent.flags & ts.NodeFlags.Const) && ts.isVariableStatement(decl.parent.parent) && ts.isSourceFile(decl.parent.parent.parent)) {
    return cx.error("TSB1005", [e.text], e,
      "use a map for state shared across events, or a const for a constant");
  }
  return cx.error("TSB1051", [e.text], e, "kernel code can use its own locals, module-level constants, maps, param()s, functions of this module and tsbpf's helpers");
}

/** The module an identifier's binding is imported from, unless that is tsbpf itself. */
export function importedFrom(cx: LowerCtx, e: ts.Identifier): string | undefined {
  const raw = cx.checker.getSymbolAtLocation(e);
  const decl = raw?.declarations?.[0];
  if (!decl || !(ts.isImportSpecifier(decl) || ts.isImportClause(decl) || ts.isNamespaceImport(decl))) return undefined;
  let imp: ts.Node = decl;
  while (!ts.isImportDeclaration(imp)) imp = imp.parent;
  const spec = (imp.moduleSpecifier as ts.StringLiteral).text;
  return spec === "tsbpf" ? undefined : spec;
}

/** A load-time parameter: a load from the read-only data map (the verifier sees the frozen value as a constant). */
function paramValue(cx: LowerCtx, sym: ts.Symbol, type: IntType): Val {
  const field = cx.p.paramLayout.get(sym)!;
  cx.p.usesParams = true;
  const dst = cx.b.newReg();
  cx.b.emit({ op: "mapvalue", dst, map: cx.p.paramMap, off: 0 });
  return scalar(loadInt(cx, { kind: "reg", id: dst }, field.offset, type), type);
}

/** `x!`: on a map value, a null check that ends the program (returns 0) when the key is absent. */
function nonNull(cx: LowerCtx, e: ts.NonNullExpression): Val {
  return exitIfMissing(cx, lowerExpr(cx, e.expression), e);
}

/** A map value checked for null: the program ends (returns 0) when the key is absent. */
export function exitIfMissing(cx: LowerCtx, v: Val, e: ts.Node): Val {
  if (v.kind !== "ref" || !v.nullable) return v;
  cx.at(e);
  const ok = cx.b.newBlock();
  const bail = cx.b.newBlock();
  cx.b.cbr("ne", v.ptr, imm(0), ok, bail);
  cx.b.switchTo(bail);
  cx.b.ret(imm(0));
  cx.b.switchTo(ok);
  return { ...v, nullable: false };
}

function property(cx: LowerCtx, e: ts.PropertyAccessExpression): Val {
  const kernel = kernelProperty(cx, e);
  if (kernel) return kernel;
  const obj = lowerExpr(cx, e.expression);
  const name = e.name.text;
  if (obj.kind === "error") return ERROR;
  if (obj.kind === "ctx") return ctxProperty(cx, e, name);
  if (obj.kind === "mem" || obj.kind === "ref") {
    if (obj.kind === "ref" && obj.nullable && isPossiblyUndefined(cx, e.expression)) {
      return cx.error("TSB2038", [], e, "check it first: `if (v === undefined) return;`");
    }
    const m = toMem(cx, obj, e)!;
    if (m.type.kind === "struct") {
      const f = layoutOf(m.type).fields!.find((x) => x.name === name);
      if (!f) return cx.error("TSB2039", [describe(obj), name], e.name);
      return { kind: "mem", base: m.base, off: m.off + f.offset, type: f.type };
    }
    if (name === "length" && m.type.kind === "array") return constant(m.type.length, U32);
    if (name === "length" && m.type.kind === "string") return cx.error("TSB1064", [], e.name, "compare with a literal instead, or keep the length returned by the helper");
  }
  return cx.error("TSB1052", [name, describe(obj)], e);
}

/** Element of a FixedArray (or byte of a Str): constant indexes are checked now, others at run time. */
function element(cx: LowerCtx, e: ts.ElementAccessExpression): Val {
  const obj = lowerExpr(cx, e.expression);
  if (obj.kind === "error") return ERROR;
  if (obj.kind === "ctx") {
    return cx.error("TSB1007", ["context"], e, "ctx.field");
  }
  const m = obj.kind === "mem" || obj.kind === "ref" ? toMem(cx, obj, e) : undefined;
  if (!m || (m.type.kind !== "array" && m.type.kind !== "string" && m.type.kind !== "bytes")) {
    if (m?.type.kind === "struct") return cx.error("TSB1007", ["struct"], e.argumentExpression);
    return cx.error("TSB2054", [describe(obj)], e);
  }
  const elem: TypeDesc = m.type.kind === "array" ? m.type.element : { kind: "int", size: 1, signed: false };
  const len = m.type.kind === "array" ? m.type.length : m.type.kind === "string" ? m.type.capacity : m.type.length;
  const esize = layoutOf(elem).size;
  const idx = lowerExpr(cx, e.argumentExpression);
  const s = toScalar(cx, idx, e.argumentExpression);
  if (!s) return ERROR;
  if (s.op.kind === "imm") {
    if (s.op.value < 0n || s.op.value >= BigInt(len)) return cx.error("TSB2040", [s.op.value, len], e.argumentExpression);
    return { kind: "mem", base: m.base, off: m.off + Number(s.op.value) * esize, type: elem };
  }
  // A variable index: bounded in the same register that is added to the pointer (what the verifier tracks).
  const eint = intOf(elem);
  if (!eint) return cx.error("TSB1025", [], e.argumentExpression);
  cx.at(e);
  const result = cx.b.newReg();
  cx.b.assign(result, imm(0));
  const inRange = cx.b.newBlock();
  const done = cx.b.newBlock();
  cx.b.cbr("uge", s.op, imm(len), done, inRange);
  cx.b.switchTo(inRange);
  const scaled = esize === 1 ? s.op : cx.b.bin("mul", s.op, imm(esize));
  const addr = addressOf(cx, m);
  const p = cx.b.bin("add", addr, scaled);
  cx.b.assign(result, loadInt(cx, baseOf(cx, p), 0, eint));
  cx.b.br(done);
  cx.b.switchTo(done);
  return scalar(reg(result), eint);
}

/** The address of a memory location as a register. */
export function addressOf(cx: LowerCtx, m: Mem): Operand {
  if (m.base.kind === "slot") {
    const dst = cx.b.newReg();
    cx.b.emit({ op: "addr", dst, slot: m.base.slot, off: m.off });
    return reg(dst);
  }
  return m.off === 0 ? reg(m.base.id) : cx.b.bin("add", reg(m.base.id), imm(m.off));
}

function prefix(cx: LowerCtx, e: ts.PrefixUnaryExpression): Val {
  switch (e.operator) {
    case ts.SyntaxKind.PlusPlusToken:
    case ts.SyntaxKind.MinusMinusToken: {
      const v = update(cx, e.operand, e.operator === ts.SyntaxKind.PlusPlusToken ? "add" : "sub", e);
      return v ? v.after : ERROR;
    }
    case ts.SyntaxKind.ExclamationToken:
      return condValue(cx, e);
    case ts.SyntaxKind.MinusToken: {
      const lit = skipParens(e.operand);
      if (ts.isBigIntLiteral(lit) && bigintValue(lit) > -I64_MIN && bigintValue(lit) <= U64_MAX) {
        return cx.error("TSB2059", [e.getText(), "a 64-bit integer", I64_MIN, U64_MAX], e, "eBPF registers are 64 bits wide");
      }
      const s = toScalar(cx, lowerExpr(cx, e.operand), e.operand);
      if (!s) return ERROR;
      cx.at(e);
      if (s.op.kind === "imm") return constant(BigInt.asIntN(64, -s.op.value), s.type);
      const dst = cx.b.newReg();
      cx.b.emit({ op: "neg", dst, a: s.op });
      return scalar(reg(dst), { bits: 64, signed: true });
    }
    case ts.SyntaxKind.PlusToken:
      return lowerExpr(cx, e.operand);
    case ts.SyntaxKind.TildeToken: {
      const s = toScalar(cx, lowerExpr(cx, e.operand), e.operand);
      if (!s) return ERROR;
      cx.at(e);
      return scalar(cx.b.bin("xor", s.op, imm(-1)), s.type);
    }
  }
  return cx.error("TSB1041", [ts.tokenToString(e.operator) ?? ts.SyntaxKind[e.operator]!], e);
}

function postfix(cx: LowerCtx, e: ts.PostfixUnaryExpression): Val {
  const v = update(cx, e.operand, e.operator === ts.SyntaxKind.PlusPlusToken ? "add" : "sub", e);
  return v ? v.before : ERROR;
}

/** `x++`, `x--`, `++x`, `--x` on a variable or a field. */
function update(cx: LowerCtx, target: ts.Expression, kind: "add" | "sub", node: ts.Node): { before: Val; after: Val } | undefined {
  const cur = toScalar(cx, lowerExpr(cx, target), target);
  if (!cur) return undefined;
  cx.at(node);
  const before = cur.op.kind === "reg" && targetIsVar(cx, target) ? cx.b.mov(cur.op) : cur.op;
  const after = cx.b.bin(kind, cur.op, imm(1));
  assignTo(cx, target, scalar(after, cur.type), node);
  return { before: scalar(before, cur.type), after: scalar(after, cur.type) };
}

function targetIsVar(cx: LowerCtx, e: ts.Expression): boolean {
  const s = skipParens(e);
  if (!ts.isIdentifier(s)) return false;
  const sym = cx.symbol(s);
  return !!sym && cx.lookup(sym)?.kind === "var";
}

const ARITH: Partial<Record<ts.SyntaxKind, "add" | "sub" | "mul" | "div" | "mod" | "and" | "or" | "xor" | "shl" | "shr" | "ushr" | "pow">> = {
  [ts.SyntaxKind.PlusToken]: "add", [ts.SyntaxKind.MinusToken]: "sub", [ts.SyntaxKind.AsteriskToken]: "mul",
  [ts.SyntaxKind.SlashToken]: "div", [ts.SyntaxKind.PercentToken]: "mod", [ts.SyntaxKind.AmpersandToken]: "and",
  [ts.SyntaxKind.BarToken]: "or", [ts.SyntaxKind.CaretToken]: "xor", [ts.SyntaxKind.LessThanLessThanToken]: "shl",
  [ts.SyntaxKind.GreaterThanGreaterThanToken]: "shr", [ts.SyntaxKind.GreaterThanGreaterThanGreaterThanToken]: "ushr",
  [ts.SyntaxKind.AsteriskAsteriskToken]: "pow",
};

const COMPOUND: Partial<Record<ts.SyntaxKind, ts.SyntaxKind>> = {
  [ts.SyntaxKind.PlusEqualsToken]: ts.SyntaxKind.PlusToken, [ts.SyntaxKind.MinusEqualsToken]: ts.SyntaxKind.MinusToken,
  [ts.SyntaxKind.AsteriskEqualsToken]: ts.SyntaxKind.AsteriskToken, [ts.SyntaxKind.SlashEqualsToken]: ts.SyntaxKind.SlashToken,
  [ts.SyntaxKind.PercentEqualsToken]: ts.SyntaxKind.PercentToken, [ts.SyntaxKind.AmpersandEqualsToken]: ts.SyntaxKind.AmpersandToken,
  [ts.SyntaxKind.BarEqualsToken]: ts.SyntaxKind.BarToken, [ts.SyntaxKind.CaretEqualsToken]: ts.SyntaxKind.CaretToken,
  [ts.SyntaxKind.LessThanLessThanEqualsToken]: ts.SyntaxKind.LessThanLessThanToken,
  [ts.SyntaxKind.GreaterThanGreaterThanEqualsToken]: ts.SyntaxKind.GreaterThanGreaterThanToken,
  [ts.SyntaxKind.GreaterThanGreaterThanGreaterThanEqualsToken]: ts.SyntaxKind.GreaterThanGreaterThanGreaterThanToken,
};

const COMPARE: Partial<Record<ts.SyntaxKind, "eq" | "ne" | "lt" | "le" | "gt" | "ge">> = {
  [ts.SyntaxKind.EqualsEqualsEqualsToken]: "eq", [ts.SyntaxKind.EqualsEqualsToken]: "eq",
  [ts.SyntaxKind.ExclamationEqualsEqualsToken]: "ne", [ts.SyntaxKind.ExclamationEqualsToken]: "ne",
  [ts.SyntaxKind.LessThanToken]: "lt", [ts.SyntaxKind.LessThanEqualsToken]: "le",
  [ts.SyntaxKind.GreaterThanToken]: "gt", [ts.SyntaxKind.GreaterThanEqualsToken]: "ge",
};

function binary(cx: LowerCtx, e: ts.BinaryExpression): Val {
  const op = e.operatorToken.kind;
  if (op === ts.SyntaxKind.EqualsToken) {
    const left = skipParens(e.left);
    if (ts.isElementAccessExpression(left)) return assignElement(cx, left, e.right);
    // A string, array or struct field given a helper's result or a kernel field (`e.comm = bpf.comm()`): written in
    // place, as in a literal, rather than built elsewhere and copied.
    const right = skipParens(e.right);
    if (ts.isPropertyAccessExpression(left) && (ts.isCallExpression(right) || ts.isPropertyAccessExpression(right))) {
      const place = property(cx, left);
      if (place.kind === "mem" && !intOf(place.type) && !place.reloc) {
        lowerInto(cx, e.right, place);
        return place;
      }
      if (place.kind === "error") return ERROR;
      if (place.kind !== "mem") return cx.error("TSB1055", [], left);
      const v = valueFor(cx, e.right, e.left);
      storeValue(cx, place, v, e);
      return v;
    }
    const v = valueFor(cx, e.right, e.left);
    assignTo(cx, e.left, v, e);
    return v;
  }
  const compound = COMPOUND[op];
  if (compound !== undefined) {
    const cur = lowerExpr(cx, e.left);
    const rhs = lowerExpr(cx, e.right);
    const v = arith(cx, ARITH[compound]!, cur, rhs, e);
    assignTo(cx, e.left, v, e);
    return v;
  }
  if (op === ts.SyntaxKind.AmpersandAmpersandEqualsToken || op === ts.SyntaxKind.BarBarEqualsToken || op === ts.SyntaxKind.QuestionQuestionEqualsToken) {
    return cx.error("TSB1013", ["logical assignment"], e, "write it as an if statement");
  }
  if (op === ts.SyntaxKind.CommaToken) {
    // `a, b, c` is left-deep: walked down its left spine, then each right side in order (no recursion).
    const spine = leftSpine(e, (o) => o === ts.SyntaxKind.CommaToken);
    lowerExpr(cx, spine[spine.length - 1]!.left);
    let v: Val = VOID;
    for (let i = spine.length - 1; i >= 0; i--) v = lowerExpr(cx, spine[i]!.right);
    return v;
  }
  if (op === ts.SyntaxKind.QuestionQuestionToken) return nullish(cx, e);
  if (COMPARE[op] !== undefined || op === ts.SyntaxKind.AmpersandAmpersandToken || op === ts.SyntaxKind.BarBarToken) {
    if ((op === ts.SyntaxKind.AmpersandAmpersandToken || op === ts.SyntaxKind.BarBarToken) && !isBooleanish(cx, e)) return logicalValue(cx, e);
    return condValue(cx, e);
  }
  if (op === ts.SyntaxKind.InKeyword || op === ts.SyntaxKind.InstanceOfKeyword) {
    return cx.error("TSB1041", [e.operatorToken.getText()], e.operatorToken);
  }
  const kind = ARITH[op];
  if (!kind) return cx.error("TSB1041", [e.operatorToken.getText()], e.operatorToken);
  // `a + b - c * d ...` is left-deep: the innermost left operand first, then each level's right side and its
  // operation, in the order the recursion would take, without recursing (a 5,000-term sum is one level deep).
  // Every level of an arithmetic chain is a bigint when the whole is (TypeScript mixes no numbers and bigints):
  // one question to the checker, which would re-check the chain below a node at each (quadratic).
  const spine = leftSpine(e, (o) => ARITH[o] !== undefined);
  const big = spine.length > 1 ? isBigint(cx, e) : undefined;
  let v = lowerExpr(cx, spine[spine.length - 1]!.left);
  for (let i = spine.length - 1; i >= 0; i--) {
    const n = spine[i]!;
    v = arith(cx, ARITH[n.operatorToken.kind]!, v, lowerExpr(cx, n.right), n, big);
  }
  return v;
}

/**
 * A left-deep chain of binary expressions whose operators satisfy `chains`, outermost first: `e`, `e.left`,
 * `e.left.left`... while the left operand is itself such an expression (written without parentheses).
 */
export function leftSpine(e: ts.BinaryExpression, chains: (op: ts.SyntaxKind) => boolean): ts.BinaryExpression[] {
  const spine = [e];
  for (let l = e.left; ts.isBinaryExpression(l) && chains(l.operatorToken.kind); l = l.left) spine.push(l);
  return spine;
}

function isBooleanish(cx: LowerCtx, e: ts.Expression): boolean {
  const t = cx.checker.getTypeAtLocation(e);
  return (t.flags & ts.TypeFlags.BooleanLike) !== 0;
}

const isBigint = (cx: LowerCtx, e: ts.Node): boolean => (cx.checker.getTypeAtLocation(e).flags & ts.TypeFlags.BigIntLike) !== 0;

/** Signedness of a result: literals adopt the other side; numbers are signed unless everything is unsigned. */
function resultSigned(a: { op: Operand; type: IntType }, b: { op: Operand; type: IntType }): boolean {
  if (a.op.kind === "imm" && b.op.kind === "imm") return a.type.signed || b.type.signed;
  if (a.op.kind === "imm") return b.type.signed || a.op.value < 0n;
  if (b.op.kind === "imm") return a.type.signed || b.op.value < 0n;
  return a.type.signed || b.type.signed;
}

export function arith(cx: LowerCtx, kind: NonNullable<(typeof ARITH)[ts.SyntaxKind]>, av: Val, bv: Val, e: ts.BinaryExpression, bigint?: boolean): Val {
  if (kind === "add" && (av.kind === "string" || bv.kind === "string")) return cx.error("TSB1063", [], e);
  const a = toScalar(cx, av, e.left);
  const b = toScalar(cx, bv, e.right);
  if (!a || !b) return ERROR;
  cx.at(e);
  const big = bigint ?? isBigint(cx, e);
  let signed = resultSigned(a, b);
  // Number arithmetic that can go negative is signed (JS numbers are); subtraction of unsigned numbers can.
  if (!big && kind === "sub") signed = true;
  const type: IntType = { bits: 64, signed };
  switch (kind) {
    case "add": return scalar(cx.b.bin("add", a.op, b.op), type);
    case "sub": return scalar(cx.b.bin("sub", a.op, b.op), type);
    case "mul": return scalar(cx.b.bin("mul", a.op, b.op), type);
    case "and": return scalar(cx.b.bin("and", a.op, b.op), type);
    case "or": return scalar(cx.b.bin("or", a.op, b.op), type);
    case "xor": return scalar(cx.b.bin("xor", a.op, b.op), type);
    case "shl":
    case "shr":
    case "ushr": {
      // A constant amount must be below the width: bigints are 64-bit registers here, and numbers shift as 32-bit
      // values in JavaScript (`x << 33` is `x << 1` there). The kernel refuses an immediate shift of 64 or more.
      const width = big ? 64 : 32;
      if (b.op.kind === "imm" && (b.op.value < 0n || b.op.value >= BigInt(width))) {
        return cx.error("TSB2058", [b.op.value, width, width - 1], e.right, big ? "shift a bigint by 0..63" : "shift by 0..31, or use bigints (u64) for wider values");
      }
      if (kind === "shl") return scalar(cx.b.bin("shl", a.op, b.op), type);
      if (kind === "shr") return scalar(cx.b.bin(a.type.signed && a.op.kind !== "imm" ? "ashr" : "lshr", a.op, b.op), a.type);
      return scalar(cx.b.bin("lshr", a.op, b.op), { bits: 64, signed: false });
    }
    case "div":
    case "mod":
      if (b.op.kind === "imm" && b.op.value === 0n) {
        return cx.error("TSB2057", [kind === "div" ? "division" : "modulo"], e, "the verifier refuses a division by a constant zero: remove it, or test the divisor first");
      }
      return divide(cx, kind, a, b, signed, type);
    case "pow": {
      if (b.op.kind !== "imm" || b.op.value < 0n || b.op.value > 64n) return cx.error("TSB1070", ["the exponent of **", 0, 64], e.right);
      let r: Operand = imm(1);
      for (let i = 0n; i < b.op.value; i++) r = cx.b.bin("mul", r, a.op);
      return scalar(r, type);
    }
  }
}

/**
 * Division truncates (like C and like eBPF). Unsigned operands use DIV/MOD; signed ones take the absolute values
 * and fix the sign, which runs on every kernel (SDIV/SMOD need cpu v4, Linux 6.6).
 */
function divide(cx: LowerCtx, kind: "div" | "mod", a: { op: Operand; type: IntType }, b: { op: Operand; type: IntType }, signed: boolean, type: IntType): Val {
  const nonNeg = (x: { op: Operand; type: IntType }) => (x.op.kind === "imm" ? x.op.value >= 0n : !x.type.signed);
  if (!signed || (nonNeg(a) && nonNeg(b))) return scalar(cx.b.bin(kind === "div" ? "udiv" : "umod", a.op, b.op), { ...type, signed: signed && !(nonNeg(a) && nonNeg(b)) ? true : type.signed });
  const abs = (x: Operand): Operand => {
    if (x.kind === "imm") return x.value < 0n ? { kind: "imm", value: -x.value } : x;
    const r = cx.b.newReg();
    cx.b.assign(r, x);
    negateIfNegative(cx, r, x);
    return reg(r);
  };
  const q = cx.b.newReg();
  cx.b.assign(q, cx.b.bin(kind === "div" ? "udiv" : "umod", abs(a.op), abs(b.op)));
  // The sign of a quotient is negative when the signs differ; a remainder takes the dividend's sign.
  negateIfNegative(cx, q, kind === "div" ? cx.b.bin("xor", a.op, b.op) : a.op);
  return scalar(reg(q), type);
}

/** r = -r when `sign` is negative (signed 64-bit). */
function negateIfNegative(cx: LowerCtx, r: number, sign: Operand): void {
  const neg = cx.b.newBlock();
  const done = cx.b.newBlock();
  cx.b.cbr("slt", sign, imm(0), neg, done);
  cx.b.switchTo(neg);
  cx.b.emit({ op: "neg", dst: r, a: reg(r) });
  cx.b.br(done);
  cx.b.switchTo(done);
}

/** `a ?? b`: the map value if present, else b. */
function nullish(cx: LowerCtx, e: ts.BinaryExpression): Val {
  // `a ?? b ?? c` is left-deep: each level takes the value of the one inside it (no recursion).
  const spine = leftSpine(e, (o) => o === ts.SyntaxKind.QuestionQuestionToken);
  let v = lowerExpr(cx, spine[spine.length - 1]!.left);
  for (let i = spine.length - 1; i >= 0; i--) v = nullishStep(cx, spine[i]!, v);
  return v;
}

function nullishStep(cx: LowerCtx, e: ts.BinaryExpression, left: Val): Val {
  if (left.kind !== "ref" || !left.nullable) return left;
  if (!intOf(left.type)) {
    cx.at(e);
    return cx.error("TSB1053", [], e);
  }
  return valueOr(cx, left, e, false);
}

/**
 * `v ?? d` (and, with `orZero`, `v || d`) on a map value that may be missing: d when the key is absent (or, for
 * `||`, its value is 0), else the value.
 */
function valueOr(cx: LowerCtx, left: RefVal, e: ts.BinaryExpression, orZero: boolean): Val {
  const t = intOf(left.type)!;
  cx.at(e);
  const r = cx.b.newReg();
  const some = cx.b.newBlock();
  const other = cx.b.newBlock();
  const done = cx.b.newBlock();
  cx.b.cbr("ne", left.ptr, imm(0), some, other);
  cx.b.switchTo(some);
  cx.b.assign(r, loadInt(cx, baseOf(cx, left.ptr), 0, t));
  if (orZero) cx.b.cbr("ne", reg(r), imm(0), done, other);
  else cx.b.br(done);
  cx.b.switchTo(other);
  const b = toScalar(cx, lowerExpr(cx, e.right), e.right);
  if (b) cx.b.assign(r, b.op);
  cx.b.br(done);
  cx.b.switchTo(done);
  return scalar(reg(r), t);
}

/** `a && b` / `a || b` on non-boolean operands: the operand JavaScript would return. */
function logicalValue(cx: LowerCtx, e: ts.BinaryExpression): Val {
  // A left-deep chain (`a || b || c`) level by level, each taking the value of the one inside it (no recursion);
  // a boolean level inside is a condition (`binary` lowers it so).
  // A level is boolean when both its sides are (asked of the operands, not of each level, which would re-check
  // the chain below it each time): the innermost boolean level ends the chain.
  const spine = leftSpine(e, (o) => isLogical(o));
  let end = spine.length;
  let boolean = spine.length > 1 && isBooleanish(cx, spine[spine.length - 1]!.left);
  for (let i = spine.length - 1; i >= 1; i--) {
    boolean = boolean && isBooleanish(cx, spine[i]!.right);
    if (boolean) end = i;
  }
  let v = lowerExpr(cx, spine[end - 1]!.left);
  for (let i = end - 1; i >= 0; i--) v = logicalStep(cx, spine[i]!, v);
  return v;
}

function logicalStep(cx: LowerCtx, e: ts.BinaryExpression, left: Val): Val {
  if (e.operatorToken.kind === ts.SyntaxKind.BarBarToken && unchecked(cx, left, e.left) && intOf((left as RefVal).type)) return valueOr(cx, left as RefVal, e, true);
  const a = toScalar(cx, left, e.left);
  if (!a) return ERROR;
  cx.at(e);
  const r = cx.b.newReg();
  cx.b.assign(r, a.op);
  const other = cx.b.newBlock();
  const done = cx.b.newBlock();
  if (e.operatorToken.kind === ts.SyntaxKind.AmpersandAmpersandToken) cx.b.cbr("ne", reg(r), imm(0), other, done);
  else cx.b.cbr("ne", reg(r), imm(0), done, other);
  cx.b.switchTo(other);
  const b = toScalar(cx, lowerExpr(cx, e.right), e.right);
  if (b) cx.b.assign(r, b.op);
  cx.b.br(done);
  cx.b.switchTo(done);
  return scalar(reg(r), a.type);
}

function conditional(cx: LowerCtx, e: ts.ConditionalExpression): Val {
  const yes = cx.b.newBlock();
  const no = cx.b.newBlock();
  const done = cx.b.newBlock();
  lowerCond(cx, e.condition, yes, no);
  const r = cx.b.newReg();
  let type: IntType | undefined;
  cx.b.switchTo(yes);
  const a = toScalar(cx, lowerExpr(cx, e.whenTrue), e.whenTrue);
  if (a) {
    cx.b.assign(r, a.op);
    type = a.type;
  }
  cx.b.br(done);
  cx.b.switchTo(no);
  const b = toScalar(cx, lowerExpr(cx, e.whenFalse), e.whenFalse);
  if (b) {
    cx.b.assign(r, b.op);
    type = type ? { bits: 64, signed: type.signed || b.type.signed } : b.type;
  }
  cx.b.br(done);
  cx.b.switchTo(done);
  return a && b ? scalar(reg(r), type!) : ERROR;
}

/** A condition as a 0/1 value. */
export function condValue(cx: LowerCtx, e: ts.Expression): Val {
  return branchValue(cx, (yes, no) => lowerCond(cx, e, yes, no));
}

/** A 0/1 boolean from a branch: `branch` jumps to `yes` or `no`, and the value says which it took. */
export function branchValue(cx: LowerCtx, branch: (yes: Block, no: Block) => void): Val {
  const r = cx.b.newReg();
  const yes = cx.b.newBlock();
  const no = cx.b.newBlock();
  const done = cx.b.newBlock();
  branch(yes, no);
  cx.b.switchTo(yes);
  cx.b.assign(r, imm(1));
  cx.b.br(done);
  cx.b.switchTo(no);
  cx.b.assign(r, imm(0));
  cx.b.br(done);
  cx.b.switchTo(done);
  return scalar(reg(r), BOOL);
}

const SWAP: Record<"eq" | "ne" | "lt" | "le" | "gt" | "ge", "eq" | "ne" | "lt" | "le" | "gt" | "ge"> = { eq: "eq", ne: "ne", lt: "gt", le: "ge", gt: "lt", ge: "le" };

/** Branches to `t` when `e` is truthy, `f` otherwise. */
export function lowerCond(cx: LowerCtx, e: ts.Expression, t: Block, f: Block): void {
  e = unwrapParens(e);
  if (ts.isPrefixUnaryExpression(e) && e.operator === ts.SyntaxKind.ExclamationToken) return lowerCond(cx, e.operand, f, t);
  if (ts.isBinaryExpression(e)) {
    const op = e.operatorToken.kind;
    if (op === ts.SyntaxKind.AmpersandAmpersandToken || op === ts.SyntaxKind.BarBarToken) return logicalCond(cx, e, t, f);
    const cmp = COMPARE[op];
    if (cmp) return compare(cx, e, cmp, t, f);
  }
  const v = lowerExpr(cx, e);
  cx.at(e);
  if (v.kind === "error") return cx.b.br(f);
  if (v.kind === "ref" && v.nullable) {
    // `if (v)` on a map value: present, and (for numbers) non-zero, as JavaScript's truthiness says.
    const t0 = intOf(v.type);
    if (!t0) return cx.b.cbr("ne", v.ptr, imm(0), t, f);
    const present = cx.b.newBlock();
    cx.b.cbr("ne", v.ptr, imm(0), present, f);
    cx.b.switchTo(present);
    return cx.b.cbr("ne", loadInt(cx, baseOf(cx, v.ptr), 0, t0), imm(0), t, f);
  }
  if (v.kind === "undefined") return cx.b.br(f);
  const s = toScalar(cx, v, e);
  if (!s) return cx.b.br(f);
  if (s.op.kind === "imm") return cx.b.br(s.op.value !== 0n ? t : f);
  cx.b.cbr("ne", s.op, imm(0), t, f);
}

const isLogical = (o: ts.SyntaxKind) => o === ts.SyntaxKind.AmpersandAmpersandToken || o === ts.SyntaxKind.BarBarToken;

/**
 * A chain of `&&` and `||` as branches, without recursing down its left spine: level i's left side jumps to its
 * own block `mid` when it does not decide the result (`a && b`: a true goes on to b; `a || b`: a false does),
 * then each level's right side is lowered in `mid` with the level's targets. Blocks are created outermost first,
 * as the recursive form did, so the code is the same.
 */
function logicalCond(cx: LowerCtx, e: ts.BinaryExpression, t: Block, f: Block): void {
  const spine = leftSpine(e, isLogical);
  const targets: [Block, Block][] = [[t, f]];
  const mids: Block[] = [];
  for (let i = 0; i < spine.length; i++) {
    const mid = cx.b.newBlock();
    mids.push(mid);
    const [ti, fi] = targets[i]!;
    targets.push(spine[i]!.operatorToken.kind === ts.SyntaxKind.AmpersandAmpersandToken ? [mid, fi] : [ti, mid]);
  }
  const [tl, fl] = targets[spine.length]!;
  lowerCond(cx, spine[spine.length - 1]!.left, tl, fl);
  for (let i = spine.length - 1; i >= 0; i--) {
    cx.b.switchTo(mids[i]!);
    lowerCond(cx, spine[i]!.right, targets[i]![0], targets[i]![1]);
  }
}

function unwrapParens(e: ts.Expression): ts.Expression {
  while ((ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isSatisfiesExpression(e)) && !isOpaqueCast(e)) e = e.expression;
  return e;
}

function compare(cx: LowerCtx, e: ts.BinaryExpression, cmp: "eq" | "ne" | "lt" | "le" | "gt" | "ge", t: Block, f: Block): void {
  let left = lowerExpr(cx, e.left);
  let right = lowerExpr(cx, e.right);
  cx.at(e);
  if (left.kind === "error" || right.kind === "error") return cx.b.br(f);
  // x === undefined on a map value: a null check.
  if (right.kind === "undefined" || left.kind === "undefined") {
    const other = right.kind === "undefined" ? left : right;
    if (cmp !== "eq" && cmp !== "ne") return void cx.error("TSB2053", ["undefined"], e);
    if (other.kind === "ref") return cx.b.cbr(cmp, other.ptr, imm(0), t, f);
    if (other.kind === "undefined") return cx.b.br(cmp === "eq" ? t : f);
    return cx.b.br(cmp === "eq" ? f : t);
  }
  // A map value that may be missing, compared with a value: JavaScript's `undefined === 3n` is false (and
  // `undefined < 3n` too), so an absent key takes the branch that comparison takes, and the load happens only
  // where the pointer is known not to be null.
  const lm = unchecked(cx, left, e.left);
  const rm = unchecked(cx, right, e.right);
  if (lm || rm) {
    const absent = cmp === "ne" ? t : f;
    if (lm) {
      const present = cx.b.newBlock();
      if (rm) {
        // Both may be missing: two absent values are equal.
        const leftAbsent = cx.b.newBlock();
        cx.b.cbr("ne", (left as RefVal).ptr, imm(0), present, leftAbsent);
        cx.b.switchTo(leftAbsent);
        cx.b.cbr("eq", (right as RefVal).ptr, imm(0), cmp === "eq" ? t : f, absent);
      } else cx.b.cbr("ne", (left as RefVal).ptr, imm(0), present, absent);
      cx.b.switchTo(present);
      left = { ...(left as RefVal), nullable: false };
    }
    if (rm) {
      const present = cx.b.newBlock();
      cx.b.cbr("ne", (right as RefVal).ptr, imm(0), present, absent);
      cx.b.switchTo(present);
      right = { ...(right as RefVal), nullable: false };
    }
  }
  if (left.kind === "string" || right.kind === "string") {
    if (cmp !== "eq" && cmp !== "ne") return void cx.error("TSB2053", ["strings"], e);
    return compareString(cx, left, right, cmp, t, f, e);
  }
  if ((left.kind === "mem" || left.kind === "ref") && (left.type.kind === "string" || left.type.kind === "struct" || left.type.kind === "array")) {
    if (cmp !== "eq" && cmp !== "ne") return void cx.error("TSB2053", [`${left.type.kind}s`], e);
    return compareString(cx, left, right, cmp, t, f, e);
  }
  const a = toScalar(cx, left, e.left);
  const b = toScalar(cx, right, e.right);
  if (!a || !b) return cx.b.br(f);
  let c = cmp;
  let x = a.op;
  let y = b.op;
  if (x.kind === "imm" && y.kind === "imm") {
    const signed = a.type.signed || b.type.signed || !isBigint(cx, e.left);
    return cx.b.br(evalCmp(irCmp(cmp, signed), x.value, y.value) ? t : f);
  }
  if (x.kind === "imm") {
    [x, y] = [y, x];
    c = SWAP[c];
  }
  // Numbers (at most 32-bit values, or results of number arithmetic) compare as signed 64-bit integers, which is
  // exact; bigints compare unsigned unless one side is an i64.
  const signed = !isBigint(cx, e.left) || resultSigned(a, b);
  cx.b.cbr(irCmp(c, signed), x, y, t, f);
}

/** A TypeScript comparison ("eq", "lt", ...) as the IR's, signed or unsigned. */
function irCmp(c: string, signed: boolean): Cmp {
  return c === "eq" ? "eq" : c === "ne" ? "ne" : signed ? (`s${c}` as Cmp) : (`u${c}` as Cmp);
}

/** The memory type an object or array literal must have, from its context (annotation, parameter, field). */
export function contextualType(cx: LowerCtx, e: ts.Expression): TypeDesc | undefined {
  const parent = e.parent;
  if (parent && ts.isVariableDeclaration(parent) && parent.type) return cx.p.types.fromNode(parent.type, "variable");
  if (parent && (ts.isAsExpression(parent) || ts.isSatisfiesExpression(parent)) && parent.type) return cx.p.types.fromNode(parent.type, "literal");
  return cx.expected.get(e);
}

/** Evaluates `e` into memory of `dst.type`: literals are built in place, other values copied. */
export function lowerInto(cx: LowerCtx, e: ts.Expression, dst: Mem): void {
  const written = e;
  e = unwrapParens(e);
  const t = dst.type;
  if (ts.isObjectLiteralExpression(e)) {
    if (t.kind !== "struct") return void cx.error("TSB2041", ["object", describeMemType(t)], e);
    const l = layoutOf(t);
    const seen = new Set<string>();
    cx.at(e);
    zeroPadding(cx, dst);
    for (const p of e.properties) {
      let name: string | undefined;
      let value: ts.Expression | undefined;
      if (ts.isPropertyAssignment(p) && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name))) [name, value] = [p.name.text, p.initializer];
      else if (ts.isShorthandPropertyAssignment(p)) [name, value] = [p.name.text, p.name];
      if (name === undefined || value === undefined) {
        cx.error("TSB1054", [], p);
        continue;
      }
      const f = l.fields!.find((x) => x.name === name);
      if (!f) {
        cx.error("TSB2039", [describeMemType(t), name], p);
        continue;
      }
      seen.add(name);
      lowerInto(cx, value, { base: dst.base, off: dst.off + f.offset, type: f.type });
    }
    for (const f of l.fields!) if (!seen.has(f.name)) zeroBytes(cx, dst.base, dst.off + f.offset, f.size);
    return;
  }
  if (ts.isArrayLiteralExpression(e)) {
    if (t.kind !== "array") return void cx.error("TSB2041", ["array", describeMemType(t)], e);
    if (e.elements.length > t.length) return void cx.error("TSB2042", [e.elements.length, t.length], e);
    const step = layoutOf(t.element).size;
    e.elements.forEach((el, i) => lowerInto(cx, el, { base: dst.base, off: dst.off + i * step, type: t.element }));
    if (e.elements.length < t.length) zeroBytes(cx, dst.base, dst.off + e.elements.length * step, (t.length - e.elements.length) * step);
    return;
  }
  if (t.kind === "string" && (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e))) {
    const bytes = new TextEncoder().encode(e.text);
    if (bytes.length > t.capacity - 1) return void cx.error("TSB2043", [e.text, t.capacity, t.capacity - 1], e);
    cx.at(e);
    storeBytes(cx, dst, bytes, t.capacity);
    return;
  }
  // Helpers that write into memory write straight into the destination, and so do reads of kernel fields.
  if (ts.isCallExpression(e) && lowerCallInto(cx, e, dst)) return;
  if (ts.isPropertyAccessExpression(e)) {
    const v = kernelProperty(cx, e, dst);
    if (v === VOID || v === ERROR) return;
    if (v) return void storeValue(cx, dst, v, written);
  }
  // The expression as written: a cast around a map value that may be missing is checked by lowerExpr.
  storeValue(cx, dst, lowerExpr(cx, written), written);
}

/** Stores a lowered value into memory of dst.type (copying memory values, converting scalars). */
export function storeValue(cx: LowerCtx, dst: Mem, v: Val, node: ts.Node): void {
  if (v.kind === "error") return;
  const t = dst.type;
  const it = intOf(t);
  if (it) {
    const s = toScalar(cx, v, node);
    if (s && literalFits(cx, it, s.op, node)) storeInt(cx, dst.base, dst.off, intDesc(it), s.op);
    return;
  }
  if (v.kind === "string" && t.kind === "string") {
    const bytes = new TextEncoder().encode(v.value);
    if (bytes.length > t.capacity - 1) return void cx.error("TSB2043", [v.value, t.capacity, t.capacity - 1], node);
    storeBytes(cx, dst, bytes, t.capacity);
    return;
  }
  const src = v.kind === "mem" || v.kind === "ref" ? toMem(cx, v, node) : undefined;
  if (!src) return void cx.error("TSB2044", [describe(v), describeMemType(t)], node);
  if (!sameLayout(src.type, t)) {
    if (src.type.kind === "string" && t.kind === "string") {
      // Strings of different capacities: copy the shorter, zero the rest.
      const n = Math.min(src.type.capacity, t.capacity);
      copyBytes(cx, dst, src, n);
      if (t.capacity > n) zeroBytes(cx, dst.base, dst.off + n, t.capacity - n);
      if (n < src.type.capacity) cx.b.store(dst.base, dst.off + t.capacity - 1, 1, imm(0));
      return;
    }
    return void cx.error("TSB2045", [describe(v), describeMemType(t)], node);
  }
  copyBytes(cx, dst, src, layoutOf(t).size);
}

function storeBytes(cx: LowerCtx, dst: Mem, bytes: Uint8Array, size: number): void {
  const padded = new Uint8Array(size);
  padded.set(bytes);
  let at = 0;
  while (at < size) {
    let chunk = 8;
    while (chunk > 1 && (size - at < chunk || (dst.off + at) % chunk !== 0)) chunk /= 2;
    let v = 0n;
    for (let i = chunk - 1; i >= 0; i--) v = (v << 8n) | BigInt(padded[at + i]!);
    // 8-byte stores of an immediate sign-extend a 32-bit field: larger constants go through a register.
    const op = chunk === 8 && (v > 0x7fffffffn) ? cx.b.mov(imm(BigInt.asIntN(64, v))) : imm(chunk === 8 ? BigInt.asIntN(64, v) : v);
    cx.b.store(dst.base, dst.off + at, chunk as 1 | 2 | 4 | 8, op);
    at += chunk;
  }
}

const describeMemType = (t: TypeDesc) => describe({ kind: "mem", base: { kind: "slot", slot: 0 }, off: 0, type: t });

/** The value for an assignment to `target`, built in the target's memory type when it is one. */
function valueFor(cx: LowerCtx, e: ts.Expression, target: ts.Expression): Val {
  if (ts.isObjectLiteralExpression(unwrapParens(e)) || ts.isArrayLiteralExpression(unwrapParens(e))) {
    const tv = lowerExpr(cx, target);
    const m = tv.kind === "mem" || tv.kind === "ref" ? toMem(cx, tv, target) : undefined;
    if (m) {
      lowerInto(cx, e, m);
      return VOID;
    }
  }
  return lowerExpr(cx, e);
}

/** Assigns to a variable, a struct field, or an array element. */
export function assignTo(cx: LowerCtx, target: ts.Expression, v: Val, node: ts.Node): void {
  if (v.kind === "void" || v.kind === "error") return;
  const t = skipParens(target);
  if (ts.isIdentifier(t)) {
    const sym = cx.symbol(t);
    const b: Binding | undefined = sym ? cx.lookup(sym) : undefined;
    if (!b) {
      const init = sym?.declarations?.[0] && ts.isVariableDeclaration(sym.declarations[0]) ? sym.declarations[0].initializer : undefined;
      const isParam = !!sym && (cx.p.module.params.has(sym) || (!!init && ts.isCallExpression(init) && tsbpfName(cx.checker, cx.checker.getSymbolAtLocation(init.expression)) === "param"));
      if (isParam) return void cx.error("TSB2046", [t.text], t);
      return void cx.error("TSB1022", [t.text], t, "only locals can be assigned; keep shared state in a map");
    }
    if (b.kind === "var") {
      const s = toScalar(cx, v, node);
      if (s) cx.b.assign(b.reg, s.op);
      return;
    }
    if (!b.mutable) return void cx.error("TSB2047", [t.text], t);
    const m = b.val.kind === "mem" || b.val.kind === "ref" ? toMem(cx, b.val, t) : undefined;
    if (m) storeValue(cx, m, v, node);
    return;
  }
  if (ts.isPropertyAccessExpression(t) || ts.isElementAccessExpression(t)) {
    const place = ts.isPropertyAccessExpression(t) ? property(cx, t) : elementPlace(cx, t);
    if (place.kind === "error") return;
    if (place.kind !== "mem") return void cx.error("TSB1055", [], t);
    storeValue(cx, place, v, node);
    return;
  }
  cx.error("TSB1055", [], t);
}

/** An element as an assignable place (compound assignments, ++): constant indexes only. */
function elementPlace(cx: LowerCtx, e: ts.ElementAccessExpression): Val {
  const idx = lowerExpr(cx, e.argumentExpression);
  if (idx.kind !== "scalar" || idx.op.kind !== "imm") {
    return cx.error("TSB1026", [], e.argumentExpression, "assign the element (a[i] = v), or use a local");
  }
  return element(cx, e);
}

/**
 * `a[i] = v`: v built straight into the element (a helper writes there, a literal is laid out there). A variable
 * index is checked against the length first, in the register that then offsets the pointer (what the verifier
 * tracks); out of range, nothing is written (and v is not evaluated).
 */
function assignElement(cx: LowerCtx, e: ts.ElementAccessExpression, rhs: ts.Expression): Val {
  const obj = lowerExpr(cx, e.expression);
  if (obj.kind === "error") return ERROR;
  const m = obj.kind === "mem" || obj.kind === "ref" ? toMem(cx, obj, e) : undefined;
  if (!m || (m.type.kind !== "array" && m.type.kind !== "string" && m.type.kind !== "bytes")) {
    if (obj.kind === "ctx" || m?.reloc) return cx.error("TSB1056", [], e);
    return cx.error("TSB2054", [describe(obj)], e);
  }
  if (m.reloc) return cx.error("TSB1056", [], e);
  const elem: TypeDesc = m.type.kind === "array" ? m.type.element : { kind: "int", size: 1, signed: false };
  const len = m.type.kind === "array" ? m.type.length : m.type.kind === "string" ? m.type.capacity : m.type.length;
  const esize = layoutOf(elem).size;
  const s = toScalar(cx, lowerExpr(cx, e.argumentExpression), e.argumentExpression);
  if (!s) return ERROR;
  if (s.op.kind === "imm") {
    if (s.op.value < 0n || s.op.value >= BigInt(len)) return cx.error("TSB2040", [s.op.value, len], e.argumentExpression);
    cx.expected.set(rhs, elem);
    lowerInto(cx, rhs, { base: m.base, off: m.off + Number(s.op.value) * esize, type: elem });
    return VOID;
  }
  cx.at(e);
  const inRange = cx.b.newBlock();
  const done = cx.b.newBlock();
  cx.b.cbr("uge", s.op, imm(len), done, inRange);
  cx.b.switchTo(inRange);
  const scaled = esize === 1 ? s.op : cx.b.bin("mul", s.op, imm(esize));
  const p = cx.b.bin("add", addressOf(cx, m), scaled);
  cx.expected.set(rhs, elem);
  lowerInto(cx, rhs, { base: baseOf(cx, p), off: 0, type: elem });
  cx.b.br(done);
  cx.b.switchTo(done);
  return VOID;
}

