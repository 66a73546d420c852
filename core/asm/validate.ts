// Structural validation of decoded programs (RFC 9669 §3: unused fields must be zero), for loaders and the VM:
// Instruction[] in, the first problem out as an AsmError (or nothing).

import { AsmError } from "./encode.ts";
import { type Instruction, isConditionalJump, slots } from "./instruction.ts";
import {
  AluOp, AtomicOp, Class, JmpOp, Mode, OP_CALL, OP_CALLX, OP_EXIT, OP_JA, OP_JA32, OP_LDDW, PseudoCall, Size, Source,
  opClass,
} from "./opcodes.ts";

type Rule = "zero" | "any" | readonly number[];

interface Spec {
  src: Rule | "reg";
  dst: "reg" | "wreg" | "zero";
  off: Rule;
  imm: Rule;
}

const ATOMIC_OPS = [
  AtomicOp.Add, AtomicOp.Or, AtomicOp.And, AtomicOp.Xor,
  AtomicOp.Add | AtomicOp.Fetch, AtomicOp.Or | AtomicOp.Fetch, AtomicOp.And | AtomicOp.Fetch, AtomicOp.Xor | AtomicOp.Fetch,
  AtomicOp.Xchg, AtomicOp.CmpXchg,
];

/** The field rules of one opcode, or undefined if the opcode is not an instruction. */
export function opcodeSpec(op: number): Spec | undefined {
  const cls = opClass(op);
  switch (cls) {
    case Class.ALU:
    case Class.ALU64: {
      const code = op & 0xf0;
      const x = (op & Source.X) !== 0;
      switch (code) {
        case AluOp.Add: case AluOp.Sub: case AluOp.Mul: case AluOp.Or: case AluOp.And:
        case AluOp.Lsh: case AluOp.Rsh: case AluOp.Xor: case AluOp.Arsh:
          return x ? { src: "reg", dst: "wreg", off: "zero", imm: "zero" } : { src: "zero", dst: "wreg", off: "zero", imm: "any" };
        case AluOp.Div: case AluOp.Mod:
          return x ? { src: "reg", dst: "wreg", off: [0, 1], imm: "zero" } : { src: "zero", dst: "wreg", off: [0, 1], imm: "any" };
        case AluOp.Mov:
          if (!x) return { src: "zero", dst: "wreg", off: "zero", imm: "any" };
          return { src: "reg", dst: "wreg", off: cls === Class.ALU64 ? [0, 8, 16, 32] : [0, 8, 16], imm: "zero" };
        case AluOp.Neg:
          return x ? undefined : { src: "zero", dst: "wreg", off: "zero", imm: "zero" };
        case AluOp.End:
          if (cls === Class.ALU64 && x) return undefined;
          return { src: "zero", dst: "wreg", off: "zero", imm: [16, 32, 64] };
        default:
          return undefined;
      }
    }
    case Class.JMP:
    case Class.JMP32: {
      if (op === OP_JA) return { src: "zero", dst: "zero", off: "any", imm: "zero" };
      if (op === OP_JA32) return { src: "zero", dst: "zero", off: "zero", imm: "any" };
      if (op === OP_CALL) return { src: [PseudoCall.Helper, PseudoCall.Local, PseudoCall.Kfunc], dst: "zero", off: "zero", imm: "any" };
      if (op === OP_CALLX) return { src: "zero", dst: "reg", off: "zero", imm: "zero" };
      if (op === OP_EXIT) return { src: "zero", dst: "zero", off: "zero", imm: "zero" };
      if (!isConditionalJump(op) || (op & 0xf0) > JmpOp.JSLe) return undefined;
      return op & Source.X ? { src: "reg", dst: "reg", off: "any", imm: "zero" } : { src: "zero", dst: "reg", off: "any", imm: "any" };
    }
    case Class.LD:
      return op === OP_LDDW ? { src: [0, 1, 2, 3, 4, 5, 6], dst: "wreg", off: "zero", imm: "any" } : undefined;
    case Class.LDX: {
      const mode = op & 0xe0;
      if (mode === Mode.MEM) return { src: "reg", dst: "wreg", off: "any", imm: "zero" };
      if (mode === Mode.MEMSX && (op & 0x18) !== Size.DW) return { src: "reg", dst: "wreg", off: "any", imm: "zero" };
      return undefined;
    }
    case Class.ST:
      return (op & 0xe0) === Mode.MEM ? { src: "zero", dst: "reg", off: "any", imm: "any" } : undefined;
    case Class.STX: {
      const mode = op & 0xe0;
      if (mode === Mode.MEM) return { src: "reg", dst: "reg", off: "any", imm: "zero" };
      const size = op & 0x18;
      if (mode === Mode.ATOMIC && (size === Size.W || size === Size.DW)) return { src: "reg", dst: "reg", off: "any", imm: ATOMIC_OPS };
      return undefined;
    }
    default:
      return undefined;
  }
}

const hex = (n: number) => "0x" + (n >>> 0).toString(16).padStart(2, "0");

function checkRule(rule: Rule, value: number, what: string, i: number, op: number): void {
  if (rule === "any") return;
  if (rule === "zero") {
    if (value !== 0) throw new AsmError(`instruction ${i} (opcode ${hex(op)}): unused field ${what} must be 0, is ${value}`, i);
    return;
  }
  if (!rule.includes(value)) throw new AsmError(`instruction ${i} (opcode ${hex(op)}): invalid ${what} ${value}`, i);
}

/**
 * Checks every instruction against RFC 9669 (known opcode, unused fields zero, registers r0..r10, r10 never written)
 * and the program's shape (jump targets inside the program and on an instruction boundary, ends in exit or a jump).
 */
export function validate(insns: readonly Instruction[]): void {
  if (insns.length === 0) throw new AsmError("program has no instructions");
  const starts = new Set<number>();
  const slotOf: number[] = [];
  let total = 0;
  for (const ins of insns) {
    starts.add(total);
    slotOf.push(total);
    total += slots(ins);
  }
  insns.forEach((ins, i) => {
    const { op } = ins;
    const spec = opcodeSpec(op);
    if (!spec) throw new AsmError(`instruction ${i}: unknown opcode ${hex(op)}`, i, ins.meta);
    if (ins.target !== undefined) throw new AsmError(`instruction ${i}: unresolved label ${ins.target}`, i, ins.meta);
    if (spec.dst === "zero") checkRule("zero", ins.dst, "dst", i, op);
    else if (ins.dst > 10) throw new AsmError(`instruction ${i}: invalid register r${ins.dst}`, i, ins.meta);
    else if (spec.dst === "wreg" && ins.dst === 10) throw new AsmError(`instruction ${i}: r10 is the read-only frame pointer`, i, ins.meta);
    if (spec.src === "reg") {
      if (ins.src > 10) throw new AsmError(`instruction ${i}: invalid register r${ins.src}`, i, ins.meta);
    } else checkRule(spec.src, ins.src, "src", i, op);
    checkRule(spec.off, ins.off, "off", i, op);
    checkRule(spec.imm, ins.imm, "imm", i, op);

    let rel: number | undefined;
    if (op === OP_JA32) rel = ins.imm;
    else if (op === OP_CALL && ins.src === PseudoCall.Local) rel = ins.imm;
    else if (op === OP_JA || isConditionalJump(op)) rel = ins.off;
    if (rel !== undefined) {
      const to = slotOf[i]! + 1 + rel;
      if (to < 0 || to >= total) throw new AsmError(`instruction ${i}: jump to slot ${to} is outside the program (0..${total - 1})`, i, ins.meta);
      if (!starts.has(to)) throw new AsmError(`instruction ${i}: jump into the middle of lddw at slot ${to - 1}`, i, ins.meta);
    }
  });
  const last = insns[insns.length - 1]!;
  if (last.op !== OP_EXIT && last.op !== OP_JA && last.op !== OP_JA32) {
    throw new AsmError(`the last instruction must be exit or a jump, so that execution cannot fall off the end`, insns.length - 1, last.meta);
  }
}
