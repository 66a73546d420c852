// Map and aggregation methods in kernel code: `m.get(k)`, `m.set(k, v)`, `count.increment(k)`,
// `hist.record(k, v)`, ... in; helper calls (lookup, update, delete) and in-place updates of map values out.
// Aggregations are per-CPU maps: updated without atomics or contention, merged in user space.

import { ts } from "ts-morph";
import { AGGREGATIONS, AGG_VALUE, histKey, linearBucketCount } from "../../core/aggregations.ts";
import { BpfFunc } from "../../core/asm/helpers.ts";
import { MAP_KINDS } from "../../core/maps.ts";
import { type AggDecl, type MapDecl, isEventChannel, isOpaqueCast } from "../frontend/module.ts";
import { type IntType, U64, intOf } from "../frontend/types.ts";
import { type Block, type Operand, imm, reg } from "../ir/ir.ts";
import { type TypeDesc, layoutOf } from "../../core/object/layout.ts";
import { ERROR, type LowerCtx, VOID, type Val } from "./context.ts";
import { lowerEventMethod } from "./events.ts";
import { addressOf, branchValue, exitIfMissing, lowerExpr, lowerInto } from "./expressions.ts";
import { type Mem, baseOf, copyBytes, endBlock, isPossiblyUndefined, newMem, sameLayout, toScalar, zeroBytes } from "./values.ts";

const BPF_NOEXIST = 1;
const FLAGS: Record<string, number> = { any: 0, noexist: 1, exist: 2 };

/**
 * A map key or value in memory: an existing memory value of the same layout is used as is, anything else (a
 * literal, a scalar) is built in place on the stack.
 */
function operandMem(cx: LowerCtx, type: TypeDesc, e: ts.Expression, what: "map key" | "map value"): Mem | undefined {
  const v = peekMem(cx, e, type);
  if (v) return v;
  const m = newMem(cx, type, what, e);
  cx.expected.set(e, type);
  lowerInto(cx, e, m);
  return m;
}

const keyMem = (cx: LowerCtx, type: TypeDesc, e: ts.Expression) => operandMem(cx, type, e, "map key");
const valueMem = (cx: LowerCtx, type: TypeDesc, e: ts.Expression) => operandMem(cx, type, e, "map value");

/** If `e` is already a memory value of `type` (a struct variable, a map value), its location. */
export function peekMem(cx: LowerCtx, e: ts.Expression, type: TypeDesc): Mem | undefined {
  let s = e;
  while ((ts.isParenthesizedExpression(s) || ts.isAsExpression(s) || ts.isNonNullExpression(s)) && !isOpaqueCast(s)) s = s.expression;
  if (!ts.isIdentifier(s) && !ts.isPropertyAccessExpression(s)) return undefined;
  if (intOf(type)) return undefined;
  // A map value that may be missing is only peeked at through what checks it (`v!`); `v as T` checks nothing.
  if (s !== e && isPossiblyUndefined(cx, s) && !isPossiblyUndefined(cx, e) && !hasNonNull(e)) return undefined;
  let v = lowerExpr(cx, s);
  if (s !== e && hasNonNull(e)) v = exitIfMissing(cx, v, e);
  if ((v.kind === "mem" || v.kind === "ref") && sameLayout(v.type, type) && !(v.kind === "mem" && v.reloc)) {
    return v.kind === "mem" ? v : { base: baseOf(cx, v.ptr), off: 0, type: v.type };
  }
  if (v.kind === "mem" && v.reloc && sameLayout(v.type, type)) {
    // A tracepoint field: copy it to the stack (helpers cannot take context pointers as keys).
    const m = newMem(cx, type, "map key", e);
    lowerInto(cx, s, m);
    return m;
  }
  return undefined;
}

function hasNonNull(e: ts.Expression): boolean {
  for (let s = e; ts.isParenthesizedExpression(s) || ts.isAsExpression(s) || ts.isNonNullExpression(s); s = s.expression) {
    if (ts.isNonNullExpression(s)) return true;
  }
  return false;
}

/** A register holding map `map`'s fd (patched at load), the map marked as used by the program. */
export function mapFd(cx: LowerCtx, map: string): Operand {
  const fd = cx.b.newReg();
  cx.b.emit({ op: "mapfd", dst: fd, map });
  cx.p.usedMaps.add(map);
  return reg(fd);
}

export function lookup(cx: LowerCtx, map: string, key: Mem): Operand {
  return cx.b.call(BpfFunc.MapLookupElem, [mapFd(cx, map), addressOf(cx, key)]);
}

export function update(cx: LowerCtx, map: string, key: Mem, value: Mem, flags: number): Operand {
  const fd = cx.b.newReg();
  cx.b.emit({ op: "mapfd", dst: fd, map });
  cx.p.usedMaps.add(map);
  return cx.b.call(BpfFunc.MapUpdateElem, [reg(fd), addressOf(cx, key), addressOf(cx, value), imm(flags)]);
}


/** m.get / set / delete / has / add on a map declared with HashMap, ArrayMap, ... */
export function lowerMapMethod(cx: LowerCtx, decl: MapDecl, method: string, call: ts.CallExpression): Val {
  if (isEventChannel(decl)) return lowerEventMethod(cx, decl, method, call);
  const args = call.arguments;
  const name = decl.name;
  cx.at(call);
  if (MAP_KINDS[decl.mapType].array && args[0] && (method === "get" || method === "set" || method === "has" || method === "add" || method === "delete")) {
    // An array map has exactly maxEntries elements: a constant index past them is always missing.
    const i = constantIndex(cx, args[0]);
    if (i !== undefined && (i < 0n || i >= BigInt(decl.maxEntries))) {
      return cx.error("TSB2061", [i, name, decl.maxEntries], args[0], `${name} was declared with ${decl.maxEntries} elements: indexes 0..${decl.maxEntries - 1}`);
    }
  }
  switch (method) {
    case "get": {
      const key = args[0] ? keyMem(cx, decl.key, args[0]) : undefined;
      if (!key) return ERROR;
      cx.at(call);
      return { kind: "ref", ptr: lookup(cx, name, key), type: decl.value, nullable: true };
    }
    case "has": {
      const key = args[0] ? keyMem(cx, decl.key, args[0]) : undefined;
      if (!key) return ERROR;
      cx.at(call);
      return boolOf(cx, "ne", lookup(cx, name, key));
    }
    case "set": {
      const key = args[0] ? keyMem(cx, decl.key, args[0]) : undefined;
      const value = args[1] ? valueMem(cx, decl.value, args[1]) : undefined;
      if (!key || !value) return ERROR;
      let flags = 0;
      if (args[2]) {
        const f = args[2];
        if (!ts.isStringLiteral(f) || FLAGS[f.text] === undefined) return cx.error("TSB1069", [], f);
        flags = FLAGS[f.text]!;
      }
      cx.at(call);
      return boolOf(cx, "eq", update(cx, name, key, value, flags));
    }
    case "delete": {
      const key = args[0] ? keyMem(cx, decl.key, args[0]) : undefined;
      if (!key) return ERROR;
      cx.at(call);
      const fd = cx.b.newReg();
      cx.b.emit({ op: "mapfd", dst: fd, map: name });
      cx.p.usedMaps.add(name);
      return boolOf(cx, "eq", cx.b.call(BpfFunc.MapDeleteElem, [reg(fd), addressOf(cx, key)]));
    }
    case "add": {
      const vt = intOf(decl.value);
      if (!vt) return cx.error("TSB2030", [name, decl.value.kind], call);
      const key = args[0] ? keyMem(cx, decl.key, args[0]) : undefined;
      const delta = args[1] ? toScalar(cx, lowerExpr(cx, args[1]), args[1]) : undefined;
      if (!key || !delta) return ERROR;
      cx.at(call);
      const kind = MAP_KINDS[decl.mapType];
      // Per-CPU values have one writer at a time (programs run with migration disabled): no atomics needed.
      addToMap(cx, name, key, decl.value, vt, delta.op, !kind.perCpu, kind.array ? "index" : false);
      return VOID;
    }
  }
  return cx.error("TSB1045", [name, method], call.expression);
}

/** An index written as a literal or a module constant (nothing is emitted to find it), or undefined. */
function constantIndex(cx: LowerCtx, e: ts.Expression): bigint | undefined {
  let s = e;
  while (ts.isParenthesizedExpression(s)) s = s.expression;
  if (ts.isNumericLiteral(s)) return BigInt(Number(s.text.replace(/_/g, "")));
  if (ts.isPrefixUnaryExpression(s) && s.operator === ts.SyntaxKind.MinusToken && ts.isNumericLiteral(s.operand)) return -BigInt(Number(s.operand.text.replace(/_/g, "")));
  if (ts.isIdentifier(s)) {
    const sym = cx.symbol(s);
    const c = sym ? cx.p.module.consts.get(sym) : undefined;
    if (c) return c.value;
  }
  return undefined;
}

function boolOf(cx: LowerCtx, cmp: "eq" | "ne", v: Operand): Val {
  return branchValue(cx, (yes, no) => cx.b.cbr(cmp, v, imm(0), yes, no));
}

/**
 * value[key] += delta, creating the entry when absent. Shared maps update atomically; a lost race on creation
 * (another CPU created the key first: EEXIST) falls back to the atomic add on the existing value. Array elements
 * always exist: a missing one is an index out of range, which no update could create (`array: "index"`, a user's
 * index: nothing is added); `"in range"`, an index that always is (a bucket, 0): the lookup cannot fail.
 */
export function addToMap(cx: LowerCtx, map: string, key: Mem, vtype: TypeDesc, vt: IntType, delta: Operand, atomic: boolean, array: false | "index" | "in range" = false): void {
  const p = lookup(cx, map, key);
  const have = cx.b.newBlock();
  const create = cx.b.newBlock();
  const done = cx.b.newBlock();
  cx.b.cbr("ne", p, imm(0), have, array === "in range" ? unreachableNull(cx, done) : array ? done : create);
  cx.b.switchTo(have);
  bump(cx, p, vt, delta, atomic);
  cx.b.br(done);
  cx.b.switchTo(create);
  const init = newMem(cx, vtype, "initial value", undefined);
  cx.b.store(init.base, init.off, (vt.bits / 8) as 1 | 2 | 4 | 8, delta);
  const r = update(cx, map, key, init, BPF_NOEXIST);
  if (atomic) {
    const retry = cx.b.newBlock();
    cx.b.cbr("eq", r, imm(0), done, retry);
    cx.b.switchTo(retry);
    const p2 = lookup(cx, map, key);
    const have2 = cx.b.newBlock();
    cx.b.cbr("ne", p2, imm(0), have2, done);
    cx.b.switchTo(have2);
    bump(cx, p2, vt, delta, true);
  }
  cx.b.br(done);
  cx.b.switchTo(done);
}

/** Where a lookup that cannot fail (an element at an index always in range) goes on null: see endBlock. */
function unreachableNull(cx: LowerCtx, join: Block): Block {
  // While a ring buffer record is reserved, ending the program would leak the reservation (the verifier refuses it).
  return cx.eventRecord ? join : endBlock(cx);
}

function bump(cx: LowerCtx, p: Operand, vt: IntType, delta: Operand, atomic: boolean): void {
  const base = baseOf(cx, p);
  if (atomic && (vt.bits === 32 || vt.bits === 64)) {
    cx.b.emit({ op: "atomic", kind: "add", base, off: 0, size: (vt.bits / 8) as 4 | 8, value: delta });
    return;
  }
  const size = (vt.bits / 8) as 1 | 2 | 4 | 8;
  const cur = cx.b.load(base, 0, size, false);
  cx.b.store(base, 0, size, cx.b.bin("add", cur, delta));
}

// ---- aggregations ----------------------------------------------------------------------------------------------

/** The key of an aggregation: the user's key, or index 0 of a one-element per-CPU array. */
function aggKey(cx: LowerCtx, a: AggDecl, e: ts.Expression | undefined, node: ts.CallExpression): Mem | undefined {
  if (!a.key) {
    const m = newMem(cx, { kind: "int", size: 4, signed: false }, `${a.name} key`, node);
    cx.b.store(m.base, m.off, 4, imm(0));
    return m;
  }
  if (!e) {
    cx.error("TSB2028", [`${node.expression.getText()}()`, "key"], node, `${a.name} is keyed: pass the key first`);
    return undefined;
  }
  return keyMem(cx, a.key, e);
}

export function lowerAggMethod(cx: LowerCtx, a: AggDecl, method: string, call: ts.CallExpression): Val {
  const expected = AGGREGATIONS[a.agg].method;
  let args = [...call.arguments];
  if (a.adhoc) {
    // `$bytes.hist(v)`, `$x.lhist(v, 0, 100, 10)`: bpftrace's names; the lhist bounds are the declaration's.
    if (method !== a.agg) return cx.error("TSB1046", [a.name, method, a.agg], call.expression);
    method = expected;
    if (a.agg === "lhist") args = args.slice(0, -3);
  }
  if (expected !== method) return cx.error("TSB1046", [a.name, method, expected], call.expression);
  const keyArg = a.key ? args.shift() : undefined;
  const valueArg = a.agg === "count" ? undefined : args.shift();
  if (args.length) return cx.error("TSB2005", [`${a.name}.${method}()`, call.arguments.length - args.length], args[0]!);
  if (a.agg !== "count" && !valueArg) return cx.error("TSB2028", [`${a.name}.${method}()`, "value"], call);
  const value = valueArg ? toScalar(cx, lowerExpr(cx, valueArg), valueArg) : undefined;
  if (valueArg && !value) return ERROR;
  cx.at(call);
  if (value?.type.signed && (a.agg === "min" || a.agg === "max" || a.agg === "hist")) cx.p.signedAggs.add(a.name);
  switch (a.agg) {
    case "count":
    case "sum": {
      const key = aggKey(cx, a, keyArg, call);
      if (!key) return ERROR;
      cx.at(call);
      addToMap(cx, a.name, key, AGGREGATIONS[a.agg].value, U64, value?.op ?? imm(1), false, a.key ? false : "in range");
      return VOID;
    }
    case "min":
    case "max": {
      const key = aggKey(cx, a, keyArg, call);
      if (!key) return ERROR;
      cx.at(call);
      minMax(cx, a, key, value!, a.agg);
      return VOID;
    }
    case "avg":
    case "stats": {
      const key = aggKey(cx, a, keyArg, call);
      if (!key) return ERROR;
      cx.at(call);
      stats(cx, a, key, value!.op);
      return VOID;
    }
    case "hist":
    case "lhist": {
      const bucket = a.agg === "hist" ? log2Bucket(cx, value!) : linearBucket(cx, a, value!);
      cx.at(call);
      let key: Mem;
      if (!a.key) {
        // Single histogram: a per-CPU array indexed by the bucket.
        key = newMem(cx, { kind: "int", size: 4, signed: false }, `${a.name} bucket`, call);
        cx.b.store(key.base, key.off, 4, bucket);
      } else {
        const kt = histKey(a.key);
        key = newMem(cx, kt, `${a.name} key`, call);
        const l = layoutOf(kt);
        cx.expected.set(keyArg!, a.key);
        const inner = peekMem(cx, keyArg!, a.key);
        if (inner) {
          copyBytes(cx, { base: key.base, off: key.off, type: a.key }, inner, layoutOf(a.key).size);
        } else {
          lowerInto(cx, keyArg!, { base: key.base, off: key.off, type: a.key });
        }
        const bf = l.fields![1]!;
        cx.at(call);
        cx.b.store(key.base, key.off + bf.offset, 4, bucket);
        // Padding between the key and the bucket, and after it, must be zero: keys compare as bytes.
        const kEnd = layoutOf(a.key).size;
        if (bf.offset > kEnd) zeroBytes(cx, key.base, key.off + kEnd, bf.offset - kEnd);
        if (l.size > bf.offset + 4) zeroBytes(cx, key.base, key.off + bf.offset + 4, l.size - bf.offset - 4);
      }
      addToMap(cx, a.name, key, AGG_VALUE.bucket, U64, imm(1), false, a.key ? false : "in range");
      return VOID;
    }
  }
}

/** Per-CPU min/max: {value, set}; the first value recorded is always taken. */
function minMax(cx: LowerCtx, a: AggDecl, key: Mem, v: { op: Operand; type: IntType }, kind: "min" | "max"): void {
  const p = lookup(cx, a.name, key);
  const have = cx.b.newBlock();
  const create = cx.b.newBlock();
  const store = cx.b.newBlock();
  const done = cx.b.newBlock();
  cx.b.cbr("ne", p, imm(0), have, a.key ? create : unreachableNull(cx, done));
  cx.b.switchTo(have);
  const base = baseOf(cx, p);
  const set = cx.b.load(base, 8, 8, false);
  const check = cx.b.newBlock();
  cx.b.cbr("eq", set, imm(0), store, check);
  cx.b.switchTo(check);
  const cur = cx.b.load(base, 0, 8, false);
  const signed = v.type.signed;
  const better = kind === "min" ? (signed ? "slt" : "ult") : signed ? "sgt" : "ugt";
  cx.b.cbr(better, v.op, cur, store, done);
  cx.b.switchTo(store);
  cx.b.store(base, 0, 8, v.op);
  cx.b.store(base, 8, 8, imm(1));
  cx.b.br(done);
  cx.b.switchTo(create);
  const init = newMem(cx, AGG_VALUE.minmax, "initial value", undefined);
  cx.b.store(init.base, init.off, 8, v.op);
  cx.b.store(init.base, init.off + 8, 8, imm(1));
  update(cx, a.name, key, init, BPF_NOEXIST);
  cx.b.br(done);
  cx.b.switchTo(done);
}

function stats(cx: LowerCtx, a: AggDecl, key: Mem, v: Operand): void {
  const p = lookup(cx, a.name, key);
  const have = cx.b.newBlock();
  const create = cx.b.newBlock();
  const done = cx.b.newBlock();
  cx.b.cbr("ne", p, imm(0), have, a.key ? create : unreachableNull(cx, done));
  cx.b.switchTo(have);
  const base = baseOf(cx, p);
  cx.b.store(base, 0, 8, cx.b.bin("add", cx.b.load(base, 0, 8, false), imm(1)));
  cx.b.store(base, 8, 8, cx.b.bin("add", cx.b.load(base, 8, 8, false), v));
  cx.b.br(done);
  cx.b.switchTo(create);
  const init = newMem(cx, AGG_VALUE.stats, "initial value", undefined);
  cx.b.store(init.base, init.off, 8, imm(1));
  cx.b.store(init.base, init.off + 8, 8, v);
  update(cx, a.name, key, init, BPF_NOEXIST);
  cx.b.br(done);
  cx.b.switchTo(done);
}

/**
 * The log2 bucket of v (0 for a negative value, 1 for 0, 2 + floor(log2 v) above), without a branch: a six-step
 * search on the highest set bit where each step's "is the upper half non-zero" is an arithmetic 0 or 1. A branch per
 * step gave the verifier 64 paths per record, each with its own known bucket: in a loop of 16 iterations around a
 * record of a random value, over 1,000,000 instructions processed.
 */
function log2Bucket(cx: LowerCtx, v: { op: Operand; type: IntType }): Operand {
  const b = cx.b;
  const neg = (a: Operand): Operand => {
    const dst = b.newReg();
    b.emit({ op: "neg", dst, a });
    return reg(dst);
  };
  /** 1 when a (below 2^63) is non-zero, else 0: -a has its sign bit set exactly then. */
  const nonZero = (a: Operand) => b.bin("lshr", neg(a), imm(63));
  let x = v.op;
  let high: Operand = imm(0);
  for (const shift of [32, 16, 8, 4, 2, 1]) {
    // step = shift when x >= 2^shift, else 0
    let step = nonZero(b.bin("lshr", x, imm(shift)));
    if (shift > 1) {
      step = b.bin("shl", step, imm(Math.log2(shift)));
      x = b.bin("lshr", x, step);
    }
    high = b.bin("or", high, step);
  }
  // 1 for 0, 2 + floor(log2 v) from 1 on: v | -v has its sign bit set when v is non-zero
  let r = b.bin("add", b.bin("add", high, b.bin("lshr", b.bin("or", v.op, neg(v.op)), imm(63))), imm(1));
  if (v.type.signed) {
    // a negative value: bucket 0 (the mask is 0 when the sign bit is set, all ones otherwise)
    r = b.bin("and", r, b.bin("sub", b.bin("lshr", v.op, imm(63)), imm(1)));
  }
  return r;
}

/** Linear bucket: 0 below min, 1 + (v - min) / step inside, n + 1 at or above max. */
function linearBucket(cx: LowerCtx, a: AggDecl, v: { op: Operand; type: IntType }): Operand {
  const l = a.lhist!;
  const n = linearBucketCount(l) - 2;
  const r = cx.b.newReg();
  const done = cx.b.newBlock();
  const ge = cx.b.newBlock();
  const inside = cx.b.newBlock();
  const above = cx.b.newBlock();
  // Signed comparisons: the bounds may be negative, and numbers compare as signed 64-bit values.
  const signed = v.type.signed || l.min < 0n || v.type.bits < 64;
  cx.b.assign(r, imm(0));
  // An unsigned value is never below a minimum of 0 or less.
  if (!v.type.signed && l.min <= 0n) cx.b.br(ge);
  else cx.b.cbr(signed ? "slt" : "ult", v.op, imm(l.min), done, ge);
  cx.b.switchTo(ge);
  cx.b.cbr(signed ? "sge" : "uge", v.op, imm(l.max), above, inside);
  cx.b.switchTo(above);
  cx.b.assign(r, imm(n + 1));
  cx.b.br(done);
  cx.b.switchTo(inside);
  const off = l.min === 0n ? v.op : cx.b.bin("sub", v.op, imm(l.min));
  const q = l.step === 1n ? off : cx.b.bin("udiv", off, imm(l.step));
  cx.b.assign(r, cx.b.bin("add", q, imm(1)));
  cx.b.br(done);
  cx.b.switchTo(done);
  return reg(r);
}

