// Disassembler: instructions (and labels) in, bpf_conformance-syntax text out, with `; <source>` comments from
// instruction metadata. Its output assembles back to the same bytes (parseAsm + encode).

import { type AsmItem, type Instruction, isLabel, slots } from "./instruction.ts";
import { helperName } from "./helpers.ts";
import { opcodeSpec } from "./validate.ts";
import { AluOp, AtomicOp, Class, JmpOp, Mode, OP_CALL, OP_CALLX, OP_EXIT, OP_JA, OP_JA32, OP_LDDW, PseudoCall, PseudoLd, Source, opClass } from "./opcodes.ts";

const ALU_NAMES: Record<number, string> = {
  [AluOp.Add]: "add", [AluOp.Sub]: "sub", [AluOp.Mul]: "mul", [AluOp.Div]: "div", [AluOp.Or]: "or", [AluOp.And]: "and",
  [AluOp.Lsh]: "lsh", [AluOp.Rsh]: "rsh", [AluOp.Mod]: "mod", [AluOp.Xor]: "xor", [AluOp.Mov]: "mov", [AluOp.Arsh]: "arsh",
};
const JMP_NAMES: Record<number, string> = {
  [JmpOp.JEq]: "jeq", [JmpOp.JGt]: "jgt", [JmpOp.JGe]: "jge", [JmpOp.JSet]: "jset", [JmpOp.JNe]: "jne",
  [JmpOp.JSGt]: "jsgt", [JmpOp.JSGe]: "jsge", [JmpOp.JLt]: "jlt", [JmpOp.JLe]: "jle", [JmpOp.JSLt]: "jslt", [JmpOp.JSLe]: "jsle",
};
const SIZE_NAMES = ["w", "h", "b", "dw"] as const;
const ATOMIC_NAMES: Record<number, string> = {
  [AtomicOp.Add]: "add", [AtomicOp.Or]: "or", [AtomicOp.And]: "and", [AtomicOp.Xor]: "xor",
};
const LD_NAMES: Record<number, string> = {
  [PseudoLd.MapFd]: "map_fd", [PseudoLd.MapValue]: "map_value", [PseudoLd.BtfId]: "btf_id", [PseudoLd.Func]: "func",
  [PseudoLd.MapIdx]: "map_idx", [PseudoLd.MapIdxValue]: "map_idx_value",
};

const reg = (r: number) => `%r${r}`;
const signed = (n: number) => (n < 0 ? `${n}` : `+${n}`);
const mem = (r: number, off: number) => (off === 0 ? `[${reg(r)}]` : `[${reg(r)}${signed(off)}]`);
const hex64 = (v: bigint) => "0x" + BigInt.asUintN(64, v).toString(16);

/** Formats one instruction (no comment). Instructions outside the ISA print as `.raw` slots. */
export function formatInstruction(ins: Instruction): string {
  const target = (n: number) => ins.target ?? signed(n);
  const { op, dst, src, off, imm } = ins;
  if (!isWellFormed(ins)) return rawSlots(ins);
  const cls = opClass(op);
  switch (cls) {
    case Class.ALU:
    case Class.ALU64: {
      const code = op & 0xf0;
      const sfx = cls === Class.ALU ? "32" : "";
      if (code === AluOp.Neg) return `neg${sfx} ${reg(dst)}`;
      if (code === AluOp.End) {
        const name = cls === Class.ALU64 ? "bswap" : op & Source.X ? "be" : "le";
        return `${name}${imm} ${reg(dst)}`;
      }
      if (code === AluOp.Mov && op & Source.X && off !== 0) return `movsx${off}${cls === Class.ALU ? "32" : "64"} ${reg(dst)}, ${reg(src)}`;
      let name = ALU_NAMES[code]!;
      if ((code === AluOp.Div || code === AluOp.Mod) && off === 1) name = "s" + name;
      return `${name}${sfx} ${reg(dst)}, ${op & Source.X ? reg(src) : imm}`;
    }
    case Class.JMP:
    case Class.JMP32: {
      if (op === OP_EXIT) return "exit";
      if (op === OP_JA) return `ja ${target(off)}`;
      if (op === OP_JA32) return `ja32 ${target(imm)}`;
      if (op === OP_CALLX) return `call ${reg(dst)}`;
      if (op === OP_CALL) {
        if (src === PseudoCall.Local) return `call local ${target(imm)}`;
        if (src === PseudoCall.Kfunc) return `call runtime ${imm}`;
        // As bpftool prints it; `#` starts a comment, and the assembler reads the helper back by its name.
        const name = imm > 0 ? helperName(imm) : undefined;
        return name ? `call ${name}#${imm}` : `call helper ${imm}`;
      }
      const sfx = cls === Class.JMP32 ? "32" : "";
      const rhs = op & Source.X ? reg(src) : `${imm}`;
      return `${JMP_NAMES[op & 0xf0]}${sfx} ${reg(dst)}, ${rhs}, ${target(off)}`;
    }
    case Class.LD: {
      if (src === PseudoLd.Imm) {
        const v = (BigInt((ins.imm2 ?? 0) >>> 0) << 32n) | BigInt(imm >>> 0);
        return `lddw ${reg(dst)}, ${hex64(v)}`;
      }
      const name = LD_NAMES[src]!;
      if (src === PseudoLd.Func) return `lddw ${reg(dst)}, func ${target(imm)}`;
      const what = ins.map ?? `${imm}`;
      const valueOff = src === PseudoLd.MapValue || src === PseudoLd.MapIdxValue ? signed(ins.imm2 ?? 0) : "";
      return `lddw ${reg(dst)}, ${name} ${what}${valueOff}`;
    }
    case Class.LDX: {
      const sx = (op & 0xe0) === Mode.MEMSX ? "s" : "";
      return `ldx${sx}${SIZE_NAMES[(op >> 3) & 3]} ${reg(dst)}, ${mem(src, off)}`;
    }
    case Class.ST:
      return `st${SIZE_NAMES[(op >> 3) & 3]} ${mem(dst, off)}, ${imm}`;
    case Class.STX: {
      if ((op & 0xe0) === Mode.ATOMIC) {
        const sfx = (op & 0x18) === 0 ? "32" : "";
        if (imm === AtomicOp.Xchg) return `lock xchg${sfx} ${mem(dst, off)}, ${reg(src)}`;
        if (imm === AtomicOp.CmpXchg) return `lock cmpxchg${sfx} ${mem(dst, off)}, ${reg(src)}`;
        const fetch = imm & AtomicOp.Fetch ? "fetch " : "";
        return `lock ${fetch}${ATOMIC_NAMES[imm & ~AtomicOp.Fetch]}${sfx} ${mem(dst, off)}, ${reg(src)}`;
      }
      return `stx${SIZE_NAMES[(op >> 3) & 3]} ${mem(dst, off)}, ${reg(src)}`;
    }
  }
  return rawSlots(ins);
}

/** True when the instruction's fields fit its opcode, so the mnemonic form says everything about it. */
function isWellFormed(ins: Instruction): boolean {
  const spec = opcodeSpec(ins.op);
  if (!spec) return false;
  const ok = (rule: "zero" | "any" | readonly number[], v: number) => rule === "any" || (rule === "zero" ? v === 0 : rule.includes(v));
  if (spec.dst === "zero" ? ins.dst !== 0 : false) return false;
  if (spec.src !== "reg" && !ok(spec.src, ins.src)) return false;
  if (!ok(spec.off, ins.off)) return false;
  if (!ok(spec.imm, ins.imm)) return false;
  if (ins.op === OP_LDDW && ins.src === PseudoLd.Func && ins.imm2) return false;
  if (ins.op === OP_LDDW && (ins.src === PseudoLd.MapFd || ins.src === PseudoLd.BtfId || ins.src === PseudoLd.MapIdx) && ins.imm2) return false;
  return true;
}

function rawSlots(ins: Instruction): string {
  const word = (op: number, d: number, s: number, o: number, i: number) =>
    (BigInt(i >>> 0) << 32n) | (BigInt(o & 0xffff) << 16n) | (BigInt(s & 0xf) << 12n) | (BigInt(d & 0xf) << 8n) | BigInt(op);
  const first = `.raw 0x${word(ins.op, ins.dst, ins.src, ins.off, ins.imm).toString(16).padStart(16, "0")}`;
  if (ins.op !== OP_LDDW) return first;
  return `${first}\n.raw 0x${word(0, 0, 0, 0, ins.imm2 ?? 0).toString(16).padStart(16, "0")}`;
}

export interface DisasmOptions {
  /** Prefix each instruction with its slot index. Default false (the output then assembles back). */
  readonly indices?: boolean;
  /** Print `; <source>` lines from metadata when the source changes. Default true. */
  readonly source?: boolean;
}

/** Disassembles a program, one instruction per line, labels on their own lines. */
export function disassemble(items: readonly AsmItem[], opts: DisasmOptions = {}): string {
  const lines: string[] = [];
  let slot = 0;
  let lastSource: string | undefined;
  const width = String(items.length * 2).length;
  for (const item of items) {
    if (isLabel(item)) {
      lines.push(`${item.label}:`);
      continue;
    }
    if (opts.source !== false && item.meta?.source !== undefined && item.meta.source !== lastSource) {
      const where = item.meta.span ? `  (${item.meta.span.file}:${item.meta.span.line})` : "";
      lines.push(`; ${item.meta.source.trim()}${where}`);
      lastSource = item.meta.source;
    }
    const text = formatInstruction(item);
    const comment = item.meta?.comment ? `  ; ${item.meta.comment}` : "";
    const prefix = opts.indices ? `${String(slot).padStart(width)}: ` : "";
    lines.push(text.split("\n").map((l) => `${prefix}${l}`).join("\n") + comment);
    slot += slots(item);
  }
  return lines.join("\n") + (lines.length ? "\n" : "");
}
