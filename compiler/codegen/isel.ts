// Instruction selection: an IR function in, machine instructions over virtual registers out (two-address eBPF
// forms, immediates folded where they fit 32 bits, helper calls with their argument registers), per block.

import { AluOp, Class, JmpOp, Mode, OP_CALL, OP_EXIT, OP_JA, OP_LDDW, PseudoCall, PseudoLd, Size, Source } from "../../core/asm/index.ts";
import type { AtomicKind, Base, BinOp, Cmp, Func, Inst, Operand, Origin, AnyReloc, Terminator } from "../ir/ir.ts";

/** Register numbers: 0-10 are r0-r10; virtual registers are VBASE + IR vreg id. */
export const VBASE = 16;
export const FP = 10;

export interface MInst {
  op: number;
  dst: number;
  src: number;
  off: number;
  imm: number;
  imm2?: number;
  /** Jump target block (conditional jumps and ja). */
  target?: number;
  /** Map name (lddw map fd / map value). */
  map?: string;
  /** Local function (call local, lddw func). */
  func?: string;
  /** An r10-relative access to a stack slot: the frame layout adds the slot's offset to `off`/`imm`. */
  slot?: { readonly id: number; readonly field: "off" | "imm" };
  reloc?: AnyReloc;
  /** Registers read and written (including implicit ones: call arguments and clobbers). */
  uses: number[];
  defs: number[];
  origin: Origin;
  /** A plain register-to-register copy (a coalescing candidate). */
  move?: boolean;
}

export interface MBlock {
  readonly id: number;
  insts: MInst[];
}

export interface MFunc {
  readonly name: string;
  readonly kind: Func["kind"];
  blocks: MBlock[];
  readonly slots: Func["slots"];
  /** Next free virtual register id (above VBASE). */
  nextVreg: number;
}

const fits32 = (v: bigint) => v >= -0x80000000n && v <= 0x7fffffffn;
const v = (id: number) => VBASE + id;

const ALU: Record<BinOp, { code: AluOp; off?: number; commutative?: boolean }> = {
  add: { code: AluOp.Add, commutative: true }, sub: { code: AluOp.Sub }, mul: { code: AluOp.Mul, commutative: true },
  udiv: { code: AluOp.Div }, sdiv: { code: AluOp.Div, off: 1 }, umod: { code: AluOp.Mod }, smod: { code: AluOp.Mod, off: 1 },
  and: { code: AluOp.And, commutative: true }, or: { code: AluOp.Or, commutative: true }, xor: { code: AluOp.Xor, commutative: true },
  shl: { code: AluOp.Lsh }, lshr: { code: AluOp.Rsh }, ashr: { code: AluOp.Arsh },
};

const JMP: Record<Cmp, JmpOp> = {
  eq: JmpOp.JEq, ne: JmpOp.JNe, ugt: JmpOp.JGt, uge: JmpOp.JGe, ult: JmpOp.JLt, ule: JmpOp.JLe,
  sgt: JmpOp.JSGt, sge: JmpOp.JSGe, slt: JmpOp.JSLt, sle: JmpOp.JSLe, set: JmpOp.JSet,
};
/** The comparison with its operands swapped (a < b == b > a). */
const MIRROR: Record<Cmp, Cmp> = { eq: "eq", ne: "ne", ugt: "ult", uge: "ule", ult: "ugt", ule: "uge", sgt: "slt", sge: "sle", slt: "sgt", sle: "sge", set: "set" };

const SIZE: Record<number, Size> = { 1: Size.B, 2: Size.H, 4: Size.W, 8: Size.DW };
const ATOMIC: Record<AtomicKind, number> = { add: 0x00, or: 0x40, and: 0x50, xor: 0xa0, xchg: 0xe1 };

export function selectInstructions(fn: Func): MFunc {
  const mf: MFunc = { name: fn.name, kind: fn.kind, blocks: [], slots: fn.slots, nextVreg: fn.nextReg };
  const temp = () => v(mf.nextVreg++);
  for (const b of fn.blocks) {
    const out: MInst[] = [];
    const emit = (m: Omit<MInst, "origin">, o: Origin) => out.push({ ...m, origin: o });
    const mk = (op: number, dst: number, src: number, off: number, imm: number, uses: number[], defs: number[]): Omit<MInst, "origin"> => ({ op, dst, src, off, imm, uses, defs });

    /** A register holding the operand (materialising an immediate into a temporary). */
    const inReg = (o: Operand, origin: Origin): number => {
      if (o.kind === "reg") return v(o.id);
      const t = temp();
      loadImm(t, o.value, origin);
      return t;
    };
    const loadImm = (dst: number, value: bigint, origin: Origin) => {
      if (fits32(value)) emit(mk(AluOp.Mov | Source.K | Class.ALU64, dst, 0, 0, Number(value), [], [dst]), origin);
      else emit({ ...mk(OP_LDDW, dst, 0, 0, Number(BigInt.asIntN(32, value)), [], [dst]), imm2: Number(BigInt.asIntN(32, value >> 32n)) }, origin);
    };
    const copy = (dst: number, src: number, origin: Origin) => {
      if (dst !== src) emit({ ...mk(AluOp.Mov | Source.X | Class.ALU64, dst, src, 0, 0, [src], [dst]), move: true }, origin);
    };
    const memBase = (base: Base, off: number): { reg: number; off: number; slot?: MInst["slot"] } => {
      if (base.kind === "reg") return { reg: v(base.id), off };
      return { reg: FP, off, slot: { id: base.slot, field: "off" } };
    };

    if (b.id === fn.entry) {
      // Parameters arrive in r1..r5.
      fn.params.forEach((p, i) => copy(v(p), i + 1, {}));
    }

    for (const i of b.insts) selectInst(i);
    selectTerm(b.term);
    mf.blocks.push({ id: b.id, insts: out });

    function selectInst(i: Inst): void {
      const o: Origin = { ...(i.span ? { span: i.span } : {}), ...(i.source !== undefined ? { source: i.source } : {}) };
      switch (i.op) {
        case "mov":
          if (i.src.kind === "imm") loadImm(v(i.dst), i.src.value, o);
          else copy(v(i.dst), v(i.src.id), o);
          return;
        case "bin": {
          let { a, b: c } = i;
          const spec = ALU[i.kind];
          if (a.kind === "imm" && c.kind === "reg" && spec.commutative) [a, c] = [c, a];
          const cls = i.w32 ? Class.ALU : Class.ALU64;
          const dst = v(i.dst);
          // dst = a op c, as `mov dst, a; op dst, c`. When c is dst itself, compute into a temporary first.
          const into = c.kind === "reg" && v(c.id) === dst && !(a.kind === "reg" && v(a.id) === dst) ? temp() : dst;
          if (a.kind === "imm") loadImm(into, a.value, o);
          else copy(into, v(a.id), o);
          if (c.kind === "imm" && fits32(c.value) && !(i.w32 && (c.value < -0x80000000n || c.value > 0xffffffffn))) {
            let k = c.value;
            if (i.kind === "shl" || i.kind === "lshr" || i.kind === "ashr") k &= i.w32 ? 31n : 63n;
            emit(mk(spec.code | Source.K | cls, into, 0, spec.off ?? 0, Number(k), [into], [into]), o);
          } else {
            const r = inReg(c, o);
            emit(mk(spec.code | Source.X | cls, into, r, spec.off ?? 0, 0, [into, r], [into]), o);
          }
          if (into !== dst) copy(dst, into, o);
          return;
        }
        case "neg": {
          const dst = v(i.dst);
          if (i.a.kind === "imm") loadImm(dst, i.a.value, o);
          else copy(dst, v(i.a.id), o);
          emit(mk(AluOp.Neg | Class.ALU64, dst, 0, 0, 0, [dst], [dst]), o);
          return;
        }
        case "ext": {
          const dst = v(i.dst);
          const src = inReg(i.a, o);
          if (!i.signed && i.bits === 32) {
            emit(mk(AluOp.Mov | Source.X | Class.ALU, dst, src, 0, 0, [src], [dst]), o);
            return;
          }
          copy(dst, src, o);
          if (!i.signed) {
            emit(mk(AluOp.And | Source.K | Class.ALU64, dst, 0, 0, i.bits === 8 ? 0xff : 0xffff, [dst], [dst]), o);
            return;
          }
          // Sign extension without cpu v4's movsx: shift left, then arithmetic shift right.
          emit(mk(AluOp.Lsh | Source.K | Class.ALU64, dst, 0, 0, 64 - i.bits, [dst], [dst]), o);
          emit(mk(AluOp.Arsh | Source.K | Class.ALU64, dst, 0, 0, 64 - i.bits, [dst], [dst]), o);
          return;
        }
        case "load": {
          const m = memBase(i.base, i.off);
          const dst = v(i.dst);
          const base = m.reg === FP ? [] : [m.reg];
          emit({ ...mk(Mode.MEM | SIZE[i.size]! | Class.LDX, dst, m.reg, m.off, 0, base, [dst]), ...(m.slot ? { slot: m.slot } : {}), ...(i.reloc ? { reloc: i.reloc } : {}) }, o);
          return;
        }
        case "store": {
          const m = memBase(i.base, i.off);
          const base = m.reg === FP ? [] : [m.reg];
          const val = i.value;
          const immOk = val.kind === "imm" && (i.size < 8 ? true : fits32(val.value));
          if (immOk) {
            const k = i.size === 8 ? Number(val.value) : Number(BigInt.asIntN(32, BigInt.asUintN(i.size * 8, (val as { value: bigint }).value)));
            emit({ ...mk(Mode.MEM | SIZE[i.size]! | Class.ST, m.reg, 0, m.off, k, base, []), ...(m.slot ? { slot: m.slot } : {}) }, o);
          } else {
            const r = inReg(val, o);
            emit({ ...mk(Mode.MEM | SIZE[i.size]! | Class.STX, m.reg, r, m.off, 0, [...base, r], []), ...(m.slot ? { slot: m.slot } : {}) }, o);
          }
          return;
        }
        case "addr": {
          const dst = v(i.dst);
          copy(dst, FP, o);
          emit({ ...mk(AluOp.Add | Source.K | Class.ALU64, dst, 0, 0, i.off, [dst], [dst]), slot: { id: i.slot, field: "imm" } }, o);
          return;
        }
        case "fieldoff": {
          const dst = v(i.dst);
          copy(dst, inReg(i.a, o), o);
          emit({ ...mk(AluOp.Add | Source.K | Class.ALU64, dst, 0, 0, 0, [dst], [dst]), reloc: i.reloc }, o);
          return;
        }
        case "mapfd":
          emit({ ...mk(OP_LDDW, v(i.dst), PseudoLd.MapFd, 0, 0, [], [v(i.dst)]), imm2: 0, map: i.map }, o);
          return;
        case "mapvalue":
          emit({ ...mk(OP_LDDW, v(i.dst), PseudoLd.MapValue, 0, 0, [], [v(i.dst)]), imm2: i.off, map: i.map }, o);
          return;
        case "funcaddr":
          emit({ ...mk(OP_LDDW, v(i.dst), PseudoLd.Func, 0, 0, [], [v(i.dst)]), imm2: 0, func: i.func }, o);
          return;
        case "call":
        case "calllocal": {
          i.args.forEach((a, k) => {
            if (a.kind === "imm") loadImm(k + 1, a.value, o);
            else copy(k + 1, v(a.id), o);
          });
          const uses = i.args.map((_, k) => k + 1);
          const call = i.op === "call"
            ? mk(OP_CALL, 0, PseudoCall.Helper, 0, i.helper, uses, [0, 1, 2, 3, 4, 5])
            : { ...mk(OP_CALL, 0, PseudoCall.Local, 0, 0, uses, [0, 1, 2, 3, 4, 5]), func: i.func };
          emit(call, o);
          if (i.dst !== undefined) copy(v(i.dst), 0, o);
          return;
        }
        case "atomic": {
          const m = memBase(i.base, i.off);
          const base = m.reg === FP ? [] : [m.reg];
          let r = inReg(i.value, o);
          const fetch = i.fetch !== undefined || i.kind === "xchg";
          if (fetch) {
            // The old value comes back in the source register: work on a copy.
            const t = temp();
            copy(t, r, o);
            r = t;
          }
          const imm = ATOMIC[i.kind] | (i.fetch !== undefined && i.kind !== "xchg" ? 0x01 : 0);
          emit({ ...mk(Mode.ATOMIC | SIZE[i.size]! | Class.STX, m.reg, r, m.off, imm, [...base, r], fetch ? [r] : []), ...(m.slot ? { slot: m.slot } : {}) }, o);
          if (i.fetch !== undefined) copy(v(i.fetch), r, o);
          return;
        }
      }
    }

    function selectTerm(t: Terminator): void {
      const o: Origin = { ...(t.span ? { span: t.span } : {}), ...(t.source !== undefined ? { source: t.source } : {}) };
      switch (t.op) {
        case "br":
          emit({ ...mk(OP_JA, 0, 0, 0, 0, [], []), target: t.target }, o);
          return;
        case "ret":
          if (t.value.kind === "imm") loadImm(0, t.value.value, o);
          else copy(0, v(t.value.id), o);
          emit(mk(OP_EXIT, 0, 0, 0, 0, [0], []), o);
          return;
        case "cbr": {
          let { a, b: c, cmp } = t;
          if (a.kind === "imm" && c.kind === "reg") {
            [a, c] = [c, a];
            cmp = MIRROR[cmp];
          }
          const ra = inReg(a, o);
          const cls = t.w32 ? Class.JMP32 : Class.JMP;
          if (c.kind === "imm" && fits32(c.value)) {
            emit({ ...mk(JMP[cmp] | Source.K | cls, ra, 0, 0, Number(c.value), [ra], []), target: t.then }, o);
          } else {
            const rb = inReg(c, o);
            emit({ ...mk(JMP[cmp] | Source.X | cls, ra, rb, 0, 0, [ra, rb], []), target: t.then }, o);
          }
          emit({ ...mk(OP_JA, 0, 0, 0, 0, [], []), target: t.else }, o);
          return;
        }
      }
    }
  }
  return mf;
}
