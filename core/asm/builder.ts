// A builder DSL that reads like assembly: `Add.imm(R1, 22)`, `JEq.imm(R0, 0, "out")`, `label("out")`, `Exit()`.
// Each function returns one immutable Instruction (or Label); targets are label names or raw offsets.

import type { Instruction, InsnMeta, Label } from "./instruction.ts";
import {
  AluOp, AtomicOp, Class, JmpOp, Mode, OP_CALL, OP_CALLX, OP_EXIT, OP_JA, OP_JA32, OP_LDDW, PseudoCall, PseudoLd,
  Size, Source, type Reg,
} from "./opcodes.ts";

/** A jump target: a label name, or a raw offset in slots relative to the next instruction. */
export type Target = string | number;

interface Fields {
  op: number;
  dst?: Reg;
  src?: Reg;
  off?: number;
  imm?: number;
  imm2?: number;
  target?: string;
  map?: string;
  meta?: InsnMeta;
}

/** Creates an instruction from raw fields; every unspecified field is zero. */
export function insn(f: Fields): Instruction {
  const out: { -readonly [K in keyof Instruction]: Instruction[K] } = {
    op: f.op & 0xff,
    dst: f.dst ?? 0,
    src: f.src ?? 0,
    off: (f.off ?? 0) << 16 >> 16,
    imm: (f.imm ?? 0) | 0,
  };
  if (f.op === OP_LDDW) out.imm2 = (f.imm2 ?? 0) | 0;
  if (f.target !== undefined) out.target = f.target;
  if (f.map !== undefined) out.map = f.map;
  if (f.meta !== undefined) out.meta = f.meta;
  return Object.freeze(out);
}

export function label(name: string, meta?: InsnMeta): Label {
  return Object.freeze(meta ? { label: name, meta } : { label: name });
}

const withTarget = (f: Fields, field: "off" | "imm", t: Target): Fields =>
  typeof t === "string" ? { ...f, target: t } : { ...f, [field]: t };

function alu(code: AluOp, cls: Class.ALU | Class.ALU64, off = 0) {
  return {
    /** dst op= imm */
    imm: (dst: Reg, imm: number): Instruction => insn({ op: code | Source.K | cls, dst, off, imm }),
    /** dst op= src */
    reg: (dst: Reg, src: Reg): Instruction => insn({ op: code | Source.X | cls, dst, src, off }),
  };
}

export const Add = alu(AluOp.Add, Class.ALU64), Add32 = alu(AluOp.Add, Class.ALU);
export const Sub = alu(AluOp.Sub, Class.ALU64), Sub32 = alu(AluOp.Sub, Class.ALU);
export const Mul = alu(AluOp.Mul, Class.ALU64), Mul32 = alu(AluOp.Mul, Class.ALU);
export const Div = alu(AluOp.Div, Class.ALU64), Div32 = alu(AluOp.Div, Class.ALU);
/** Signed division (cpu v4): the DIV opcode with off = 1. */
export const SDiv = alu(AluOp.Div, Class.ALU64, 1), SDiv32 = alu(AluOp.Div, Class.ALU, 1);
export const Or = alu(AluOp.Or, Class.ALU64), Or32 = alu(AluOp.Or, Class.ALU);
export const And = alu(AluOp.And, Class.ALU64), And32 = alu(AluOp.And, Class.ALU);
export const Lsh = alu(AluOp.Lsh, Class.ALU64), Lsh32 = alu(AluOp.Lsh, Class.ALU);
export const Rsh = alu(AluOp.Rsh, Class.ALU64), Rsh32 = alu(AluOp.Rsh, Class.ALU);
export const Mod = alu(AluOp.Mod, Class.ALU64), Mod32 = alu(AluOp.Mod, Class.ALU);
/** Signed modulo (cpu v4): the MOD opcode with off = 1. */
export const SMod = alu(AluOp.Mod, Class.ALU64, 1), SMod32 = alu(AluOp.Mod, Class.ALU, 1);
export const Xor = alu(AluOp.Xor, Class.ALU64), Xor32 = alu(AluOp.Xor, Class.ALU);
export const Mov = alu(AluOp.Mov, Class.ALU64), Mov32 = alu(AluOp.Mov, Class.ALU);
export const Arsh = alu(AluOp.Arsh, Class.ALU64), Arsh32 = alu(AluOp.Arsh, Class.ALU);

export const Neg = (dst: Reg): Instruction => insn({ op: AluOp.Neg | Class.ALU64, dst });
export const Neg32 = (dst: Reg): Instruction => insn({ op: AluOp.Neg | Class.ALU, dst });

/** Sign-extending moves (cpu v4): dst = (sN)src, into 64 bits (MovSX) or 32 bits (MovSX32). */
export const MovSX = (bits: 8 | 16 | 32, dst: Reg, src: Reg): Instruction =>
  insn({ op: AluOp.Mov | Source.X | Class.ALU64, dst, src, off: bits });
export const MovSX32 = (bits: 8 | 16, dst: Reg, src: Reg): Instruction =>
  insn({ op: AluOp.Mov | Source.X | Class.ALU, dst, src, off: bits });

/** Byte swaps: to little endian (le), to big endian (be), unconditional (bswap, cpu v4). */
export const Le = (bits: 16 | 32 | 64, dst: Reg): Instruction => insn({ op: AluOp.End | Source.K | Class.ALU, dst, imm: bits });
export const Be = (bits: 16 | 32 | 64, dst: Reg): Instruction => insn({ op: AluOp.End | Source.X | Class.ALU, dst, imm: bits });
export const Bswap = (bits: 16 | 32 | 64, dst: Reg): Instruction => insn({ op: AluOp.End | Class.ALU64, dst, imm: bits });

function jmp(code: JmpOp, cls: Class.JMP | Class.JMP32) {
  return {
    /** if (dst op imm) goto target */
    imm: (dst: Reg, imm: number, target: Target): Instruction =>
      insn(withTarget({ op: code | Source.K | cls, dst, imm }, "off", target)),
    /** if (dst op src) goto target */
    reg: (dst: Reg, src: Reg, target: Target): Instruction =>
      insn(withTarget({ op: code | Source.X | cls, dst, src }, "off", target)),
  };
}

export const JEq = jmp(JmpOp.JEq, Class.JMP), JEq32 = jmp(JmpOp.JEq, Class.JMP32);
export const JNe = jmp(JmpOp.JNe, Class.JMP), JNe32 = jmp(JmpOp.JNe, Class.JMP32);
export const JGt = jmp(JmpOp.JGt, Class.JMP), JGt32 = jmp(JmpOp.JGt, Class.JMP32);
export const JGe = jmp(JmpOp.JGe, Class.JMP), JGe32 = jmp(JmpOp.JGe, Class.JMP32);
export const JLt = jmp(JmpOp.JLt, Class.JMP), JLt32 = jmp(JmpOp.JLt, Class.JMP32);
export const JLe = jmp(JmpOp.JLe, Class.JMP), JLe32 = jmp(JmpOp.JLe, Class.JMP32);
export const JSGt = jmp(JmpOp.JSGt, Class.JMP), JSGt32 = jmp(JmpOp.JSGt, Class.JMP32);
export const JSGe = jmp(JmpOp.JSGe, Class.JMP), JSGe32 = jmp(JmpOp.JSGe, Class.JMP32);
export const JSLt = jmp(JmpOp.JSLt, Class.JMP), JSLt32 = jmp(JmpOp.JSLt, Class.JMP32);
export const JSLe = jmp(JmpOp.JSLe, Class.JMP), JSLe32 = jmp(JmpOp.JSLe, Class.JMP32);
export const JSet = jmp(JmpOp.JSet, Class.JMP), JSet32 = jmp(JmpOp.JSet, Class.JMP32);

/** goto target (16-bit offset). */
export const Ja = (target: Target): Instruction => insn(withTarget({ op: OP_JA }, "off", target));
/** gotol target (32-bit offset in imm, cpu v4). */
export const Ja32 = (target: Target): Instruction => insn(withTarget({ op: OP_JA32 }, "imm", target));

export const Call = {
  /** Call a kernel helper by its static id (BPF_FUNC_*). */
  helper: (id: number): Instruction => insn({ op: OP_CALL, imm: id }),
  /** bpf-to-bpf call of a local function (BPF_PSEUDO_CALL). */
  local: (target: Target): Instruction => insn(withTarget({ op: OP_CALL, src: PseudoCall.Local }, "imm", target)),
  /** Call a kernel function by BTF id (BPF_PSEUDO_KFUNC_CALL). */
  kfunc: (btfId: number): Instruction => insn({ op: OP_CALL, src: PseudoCall.Kfunc, imm: btfId }),
};
/** Call through a register (callx); the register number sits in dst, as bpf_conformance encodes it. */
export const CallX = (reg: Reg): Instruction => insn({ op: OP_CALLX, dst: reg });
export const Exit = (): Instruction => insn({ op: OP_EXIT });

/** dst = 64-bit constant (lddw, two slots). */
export function LdImm64(dst: Reg, value: bigint | number): Instruction {
  const v = BigInt.asUintN(64, BigInt(value));
  return insn({ op: OP_LDDW, dst, imm: Number(v & 0xffffffffn) | 0, imm2: Number(v >> 32n) | 0 });
}
/** dst = pointer to the map named `map` (BPF_PSEUDO_MAP_FD; the loader patches the fd). */
export const LdMapFd = (dst: Reg, map: string): Instruction => insn({ op: OP_LDDW, dst, src: PseudoLd.MapFd, map });
/** dst = pointer into the value of array map `map` at `offset` (BPF_PSEUDO_MAP_VALUE; global data). */
export const LdMapValue = (dst: Reg, map: string, offset = 0): Instruction =>
  insn({ op: OP_LDDW, dst, src: PseudoLd.MapValue, map, imm2: offset });
/** dst = address of a kernel variable by BTF id (BPF_PSEUDO_BTF_ID). */
export const LdBtfId = (dst: Reg, btfId: number): Instruction => insn({ op: OP_LDDW, dst, src: PseudoLd.BtfId, imm: btfId });
/** dst = address of a local function (BPF_PSEUDO_FUNC), for callbacks such as bpf_loop. */
export const LdFunc = (dst: Reg, target: Target): Instruction =>
  insn(withTarget({ op: OP_LDDW, dst, src: PseudoLd.Func }, "imm", target));
/** A raw lddw with any pseudo source and numeric operands (used by the decoder and the assembler). */
export const LdImm64Raw = (dst: Reg, src: number, imm: number, imm2: number): Instruction =>
  insn({ op: OP_LDDW, dst, src, imm, imm2 });

function sized<A extends unknown[]>(make: (size: Size, ...a: A) => Instruction) {
  return {
    b: (...a: A): Instruction => make(Size.B, ...a),
    h: (...a: A): Instruction => make(Size.H, ...a),
    w: (...a: A): Instruction => make(Size.W, ...a),
    dw: (...a: A): Instruction => make(Size.DW, ...a),
  };
}

/** dst = *(uN *)(src + off) */
export const Ldx = sized((size, dst: Reg, src: Reg, off: number) => insn({ op: Mode.MEM | size | Class.LDX, dst, src, off }));
/** dst = *(sN *)(src + off), sign-extended (cpu v4; b, h and w only). */
export const Ldxs = sized((size, dst: Reg, src: Reg, off: number) => {
  if (size === Size.DW) throw new RangeError("there is no sign-extending 64-bit load");
  return insn({ op: Mode.MEMSX | size | Class.LDX, dst, src, off });
});
/** *(uN *)(dst + off) = imm */
export const St = sized((size, dst: Reg, off: number, imm: number) => insn({ op: Mode.MEM | size | Class.ST, dst, off, imm }));
/** *(uN *)(dst + off) = src */
export const Stx = sized((size, dst: Reg, off: number, src: Reg) => insn({ op: Mode.MEM | size | Class.STX, dst, src, off }));

function atomics(size: Size.W | Size.DW) {
  const make = (op: number) => (dst: Reg, off: number, src: Reg): Instruction =>
    insn({ op: Mode.ATOMIC | size | Class.STX, dst, src, off, imm: op });
  return {
    add: make(AtomicOp.Add), fetchAdd: make(AtomicOp.Add | AtomicOp.Fetch),
    or: make(AtomicOp.Or), fetchOr: make(AtomicOp.Or | AtomicOp.Fetch),
    and: make(AtomicOp.And), fetchAnd: make(AtomicOp.And | AtomicOp.Fetch),
    xor: make(AtomicOp.Xor), fetchXor: make(AtomicOp.Xor | AtomicOp.Fetch),
    /** Exchange *(dst + off) and src. */
    xchg: make(AtomicOp.Xchg),
    /** If *(dst + off) == r0, store src; r0 = old value. */
    cmpxchg: make(AtomicOp.CmpXchg),
  };
}
/** Atomic read-modify-write on memory: `Atomic.dw.add(R1, 0, R2)` is `lock *(u64 *)(r1 + 0) += r2`. */
export const Atomic = { w: atomics(Size.W), dw: atomics(Size.DW) };
