// Moving values between registers and memory during lowering: a Val in, a scalar operand, a memory location,
// a loaded field, or a copy out. Widths and signedness follow the shared layout model.

import { ts } from "ts-morph";
import { BpfFunc } from "../../core/asm/helpers.ts";
import { type IntType, intOf } from "../frontend/types.ts";
import { type Base, type Block, type Func, type Operand, type Reloc, imm, reg } from "../ir/ir.ts";
import { type TypeDesc, describeType, layoutOf } from "../../core/object/layout.ts";
import { scratchMapName } from "../../core/object/names.ts";
import type { LowerCtx, Val } from "./context.ts";

export interface Mem {
  readonly base: Base;
  readonly off: number;
  readonly type: TypeDesc;
  /** Set for tracepoint fields: loads from here are relocated to the running kernel's field offset. */
  readonly reloc?: Reloc;
}

/** A register or slot base for an operand holding an address. */
export function baseOf(cx: LowerCtx, ptr: Operand): Base {
  if (ptr.kind === "reg") return { kind: "reg", id: ptr.id };
  return { kind: "reg", id: (cx.b.mov(ptr) as { id: number }).id };
}

const sizeOf = (t: TypeDesc): 1 | 2 | 4 | 8 => layoutOf(t).size as 1 | 2 | 4 | 8;

/** Loads an integer of `type` from memory, extending it to 64 bits as its signedness says. */
export function loadInt(cx: LowerCtx, base: Base, off: number, type: IntType, reloc?: Reloc): Operand {
  const size = (type.bits / 8) as 1 | 2 | 4 | 8;
  const v = cx.b.load(base, off, size, false, reloc);
  if (type.signed && size < 8) return cx.b.ext(v, type.bits as 8 | 16 | 32, true);
  return v;
}

export function storeInt(cx: LowerCtx, base: Base, off: number, type: TypeDesc, value: Operand): void {
  cx.b.store(base, off, sizeOf(type), value);
}

/** The value as a scalar (loading it from memory if it is there), or undefined with a diagnostic. */
export function toScalar(cx: LowerCtx, v: Val, node: ts.Node): { op: Operand; type: IntType } | undefined {
  switch (v.kind) {
    case "scalar":
      return { op: v.op, type: v.type };
    case "mem": {
      const t = intOf(v.type);
      if (!t) break;
      return { op: loadInt(cx, v.base, v.off, t, v.reloc), type: t };
    }
    case "ref": {
      const t = intOf(v.type);
      if (!t) break;
      if (unchecked(cx, v, node)) return void cx.error("TSB2038", [], node, missingHint(v.type));
      return { op: loadInt(cx, baseOf(cx, v.ptr), 0, t), type: t };
    }
    case "error":
      return undefined;
    case "undefined":
      cx.error("TSB2034", [], node, "compare with `=== undefined` to test for a missing map value");
      return undefined;
    case "string":
      cx.error("TSB1062", [], node);
      return undefined;
    default:
      break;
  }
  cx.error("TSB2002", [describe(v)], node);
  return undefined;
}

/**
 * A literal written where a narrower integer type is expected (a u8 field, a u32 key, `const b: u16 = ...`) must
 * fit it: storing would otherwise keep its low bits silently. 64-bit literals are checked where they are read.
 */
export function literalFits(cx: LowerCtx, t: IntType, op: Operand, node: ts.Node): boolean {
  if (t.bool || t.bits === 64 || op.kind !== "imm" || !isLiteral(node)) return true;
  const min = t.signed ? -(1n << BigInt(t.bits - 1)) : 0n;
  const max = t.signed ? (1n << BigInt(t.bits - 1)) - 1n : (1n << BigInt(t.bits)) - 1n;
  if (op.value >= min && op.value <= max) return true;
  cx.error("TSB2059", [node.getText(), `${t.signed ? "i" : "u"}${t.bits}`, min, max], node);
  return false;
}

function isLiteral(node: ts.Node): boolean {
  let n = node;
  while (ts.isParenthesizedExpression(n)) n = n.expression;
  if (ts.isPrefixUnaryExpression(n) && (n.operator === ts.SyntaxKind.MinusToken || n.operator === ts.SyntaxKind.PlusToken)) n = n.operand;
  return ts.isNumericLiteral(n) || ts.isBigIntLiteral(n);
}

/** The value's memory location (for aggregates, and map values reached through a checked pointer). */
export function toMem(cx: LowerCtx, v: Val, node: ts.Node): Mem | undefined {
  if (v.kind === "mem") return v;
  if (v.kind === "ref") {
    if (unchecked(cx, v, node)) return void cx.error("TSB2038", [], node, missingHint(v.type));
    return { base: baseOf(cx, v.ptr), off: 0, type: v.type };
  }
  if (v.kind !== "error") cx.error("TSB2035", [describe(v)], node);
  return undefined;
}

/** Whether TypeScript's type of `node` still includes undefined (no dominating check narrowed it away). */
export function isPossiblyUndefined(cx: LowerCtx, node: ts.Node): boolean {
  const t = cx.checker.getTypeAtLocation(node);
  if (t.flags & ts.TypeFlags.Undefined) return true;
  return t.isUnion() && t.types.some((x) => (x.flags & ts.TypeFlags.Undefined) !== 0);
}

/**
 * A map value that may be missing here: the lookup's pointer may be null, and TypeScript has not narrowed the
 * expression to a present value. Reading through it is what the verifier refuses ("map_value_or_null"), so it
 * is either checked by the construct that uses it (===, ??, !, ?:, if) or reported at the use.
 */
export function unchecked(cx: LowerCtx, v: Val, node: ts.Node): boolean {
  return v.kind === "ref" && v.nullable && isPossiblyUndefined(cx, node);
}

/** What to write instead of reading a map value that may be missing. */
export function missingHint(type: TypeDesc): string {
  return intOf(type)
    ? "use `?? 0n` (a default), `!` (end the program when the key is missing), or check `=== undefined` first"
    : "check it first (`if (v === undefined) return;`), or use `!` to end the program when the key is missing";
}

export function describe(v: Val): string {
  switch (v.kind) {
    case "scalar": return v.type.bool ? "a boolean" : `an integer`;
    case "mem": case "ref": return describeType(v.type);
    case "ctx": return "the probe context";
    case "map": return `map ${v.decl.name}`;
    case "agg": return `aggregation ${v.decl.name}`;
    case "undefined": return "undefined";
    case "string": return "a string literal";
    case "void": return "nothing (void)";
    case "error": return "an erroneous value";
  }
}

/** Copies `size` bytes in the widest aligned chunks. */
export function copyBytes(cx: LowerCtx, dst: Mem, src: Mem, size: number): void {
  let done = 0;
  while (done < size) {
    let chunk = 8;
    while (chunk > 1 && (size - done < chunk || (dst.off + done) % chunk !== 0 || (src.off + done) % chunk !== 0)) chunk /= 2;
    const v = cx.b.load(src.base, src.off + done, chunk as 1 | 2 | 4 | 8, false, src.reloc);
    cx.b.store(dst.base, dst.off + done, chunk as 1 | 2 | 4 | 8, v);
    done += chunk;
  }
}

/** From this size on, zeroing is one helper call rather than a store per 8 bytes. */
const ZERO_BY_HELPER = 64;

/**
 * Zeroes `size` bytes at dst + from (stack buffers must be initialised before helpers or map keys use them). Large
 * ranges use bpf_probe_read_kernel from address 0: the read fails and the helper zero-fills its destination.
 */
export function zeroBytes(cx: LowerCtx, base: Base, from: number, size: number): void {
  if (size >= ZERO_BY_HELPER) {
    let addr: Operand;
    if (base.kind === "slot") {
      const r = cx.b.newReg();
      cx.b.emit({ op: "addr", dst: r, slot: base.slot, off: from });
      addr = reg(r);
    } else addr = from === 0 ? reg(base.id) : cx.b.bin("add", reg(base.id), imm(from));
    cx.b.call(BpfFunc.ProbeReadKernel, [addr, imm(size), imm(0)]);
    return;
  }
  let at = from;
  const end = from + size;
  while (at < end) {
    let chunk = 8;
    while (chunk > 1 && (end - at < chunk || at % chunk !== 0)) chunk /= 2;
    cx.b.store(base, at, chunk as 1 | 2 | 4 | 8, imm(0));
    at += chunk;
  }
}

/** Zeroes the bytes of a struct that no field covers (padding), so that a key compares by its fields only. */
export function zeroPadding(cx: LowerCtx, m: Mem): void {
  const l = layoutOf(m.type);
  if (!l.fields) return;
  let at = 0;
  for (const f of l.fields) {
    if (f.offset > at) zeroBytes(cx, m.base, m.off + at, f.offset - at);
    at = f.offset + f.size;
  }
  if (l.size > at) zeroBytes(cx, m.base, m.off + at, l.size - at);
}

/** Values larger than this go to per-CPU scratch memory instead of the 512-byte stack. */
export const SCRATCH_MIN = 256;

/** The largest per-CPU array value the kernel creates (PCPU_MIN_UNIT_SIZE, 32 KiB). */
const SCRATCH_MAX = 32768;

/** A fresh stack slot holding a value of `type` (per-CPU scratch memory when it is large). */
export function newMem(cx: LowerCtx, type: TypeDesc, what: string, node: ts.Node | undefined): Mem {
  const l = layoutOf(type);
  if (l.size > SCRATCH_MIN && cx.b.func.kind === "entry" && !cx.eventRecord) return scratchMem(cx, type, l.size, l.align);
  const slot = cx.b.slot(l.size, Math.max(8, l.align), what, node ? cx.span(node) : cx.b.currentOrigin.span);
  return { base: { kind: "slot", slot }, off: 0, type };
}

/**
 * Memory in the program's per-CPU scratch map: the map's one value is looked up here (the lookup of index 0 of a
 * per-CPU array cannot fail, but the verifier wants the check: a failure ends the program). Programs of the
 * tracing types do not nest on one CPU, so each program's scratch is its own while it runs.
 */
export function scratchMem(cx: LowerCtx, type: TypeDesc, size: number, align: number): Mem {
  const s = (cx.p.scratch ??= { map: scratchMapName(cx.b.func.name), size: 0 });
  const off = Math.ceil(s.size / Math.max(8, align)) * Math.max(8, align);
  if (s.size <= SCRATCH_MAX && off + size > SCRATCH_MAX) {
    // The scratch map is a per-CPU array, whose values the kernel caps at PCPU_MIN_UNIT_SIZE (E2BIG at creation).
    cx.p.diags.error("TSB2062", [`probe ${cx.b.func.name}`, off + size, SCRATCH_MAX], cx.b.currentOrigin.span,
      `values over ${SCRATCH_MIN} bytes (locals, literals, events built off the stack) share this memory: make them smaller, or keep large data in a map`);
  }
  s.size = off + size;
  const key = cx.b.slot(4, 8, "scratch key", cx.b.currentOrigin.span);
  cx.b.store({ kind: "slot", slot: key }, 0, 4, imm(0));
  const fd = cx.b.newReg();
  cx.b.emit({ op: "mapfd", dst: fd, map: s.map });
  cx.p.usedMaps.add(s.map);
  const addr = cx.b.newReg();
  cx.b.emit({ op: "addr", dst: addr, slot: key, off: 0 });
  const p = cx.b.call(BpfFunc.MapLookupElem, [reg(fd), reg(addr)]);
  const ok = cx.b.newBlock();
  cx.b.cbr("ne", p, imm(0), ok, endBlock(cx));
  cx.b.switchTo(ok);
  return { base: baseOf(cx, p), off, type };
}

/**
 * A block that ends the program (`return 0`), one per function: where a lookup that cannot fail would fail (index 0
 * of the per-CPU scratch memory, an aggregation's element, a histogram's bucket). The verifier knows such an element
 * exists only for a constant index; ending there, rather than joining the path that found it, leaves it one path
 * instead of two to walk through the rest of the handler (inside loops, where the counter keeps states apart, its
 * cache drops states that keep missing, and the two were walked separately to the end: a record in a loop of 5
 * around a loop of 20 processed 52,931 instructions, not 1,915 as with 4).
 */
export function endBlock(cx: LowerCtx): Block {
  const shared = END.get(cx.b.func);
  if (shared) return shared;
  const here = cx.b.block;
  const end = cx.b.newBlock();
  cx.b.switchTo(end);
  cx.b.ret(imm(0));
  if (here) cx.b.switchTo(here);
  END.set(cx.b.func, end);
  return end;
}

const END = new WeakMap<Func, Block>();

/** Layout-compatible: same size and the same field offsets and integer widths, recursively. */
export function sameLayout(a: TypeDesc, b: TypeDesc): boolean {
  const la = layoutOf(a);
  const lb = layoutOf(b);
  if (la.size !== lb.size) return false;
  if (a.kind === "struct" && b.kind === "struct") {
    return a.fields.length === b.fields.length && a.fields.every((f, i) => f.name === b.fields[i]!.name && sameLayout(f.type, b.fields[i]!.type));
  }
  if (a.kind === "struct" || b.kind === "struct") return false;
  return true;
}

