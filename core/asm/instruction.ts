// The instruction model: immutable values for every eBPF instruction, labels, and source metadata.
// Instructions hold the raw encoding fields; symbolic references (labels, maps) stay names until encoding.

import { Class, JmpOp, Mode, OP_CALL, OP_JA32, OP_LDDW, PseudoCall, PseudoLd, opClass } from "./opcodes.ts";

/** Where an instruction came from in the user's source. Plain data: no compiler-API objects. */
export interface SourceSpan {
  readonly file: string;
  /** 1-based line and column of the start. */
  readonly line: number;
  readonly column: number;
  /** Character offset and length in the file, when known. */
  readonly start?: number;
  readonly length?: number;
}

/** Metadata an instruction may carry; the disassembler prints `source` as a `; ...` comment. */
export interface InsnMeta {
  readonly span?: SourceSpan;
  /** The source text (usually the whole source line) that produced this instruction. */
  readonly source?: string;
  /** Free-form comment (for example the name of a helper or map). */
  readonly comment?: string;
}

/**
 * One eBPF instruction. `lddw` (0x18) is one Instruction that encodes to two 8-byte slots; its upper 32 bits
 * are in `imm2` (the second slot's imm).
 */
export interface Instruction {
  readonly op: number;
  readonly dst: number;
  readonly src: number;
  /** Signed 16-bit offset. */
  readonly off: number;
  /** Signed 32-bit immediate. */
  readonly imm: number;
  /** lddw only: the second slot's imm (upper 32 bits, or the value offset of a map-value load). */
  readonly imm2?: number;
  /**
   * A symbolic reference resolved at encoding: the label of a jump, a local call, or a BPF_PSEUDO_FUNC load.
   * When set, the numeric offset field is ignored until resolution fills it.
   */
  readonly target?: string;
  /** A map referenced by name (lddw with src MapFd, MapValue, MapIdx or MapIdxValue); the loader patches imm. */
  readonly map?: string;
  readonly meta?: InsnMeta;
}

/** A label: a name for the position of the next instruction. */
export interface Label {
  readonly label: string;
  readonly meta?: InsnMeta;
}

/** What a program is made of before encoding. */
export type AsmItem = Instruction | Label;

export const isLabel = (item: AsmItem): item is Label => "label" in item;

/** Number of 8-byte slots an instruction occupies (2 for lddw). */
export const slots = (insn: Instruction): number => (insn.op === OP_LDDW ? 2 : 1);

/** Which field a symbolic `target` resolves into, or undefined if the instruction takes no target. */
export function targetField(insn: Pick<Instruction, "op" | "src">): "off" | "imm" | undefined {
  const cls = opClass(insn.op);
  if (insn.op === OP_JA32) return "imm";
  if (insn.op === OP_CALL) return insn.src === PseudoCall.Local ? "imm" : undefined;
  if (insn.op === OP_LDDW) return insn.src === PseudoLd.Func ? "imm" : undefined;
  if (cls === Class.JMP || cls === Class.JMP32) {
    const code = insn.op & 0xf0;
    if (code === JmpOp.Call || code === JmpOp.Exit) return undefined;
    return "off";
  }
  return undefined;
}

/** True for conditional jumps (not ja, call, exit). */
export function isConditionalJump(op: number): boolean {
  const cls = opClass(op);
  if (cls !== Class.JMP && cls !== Class.JMP32) return false;
  const code = op & 0xf0;
  return code !== JmpOp.Ja && code !== JmpOp.Call && code !== JmpOp.Exit;
}

/** True for instructions that move control somewhere other than the next instruction (ja, ja32, jcc). */
export function isBranch(op: number): boolean {
  const cls = opClass(op);
  if (cls !== Class.JMP && cls !== Class.JMP32) return false;
  const code = op & 0xf0;
  return code !== JmpOp.Call && code !== JmpOp.Exit;
}

/** The full 64-bit constant of a plain lddw (src 0). */
export function lddwValue(insn: Instruction): bigint {
  const lo = BigInt(insn.imm >>> 0);
  const hi = BigInt((insn.imm2 ?? 0) >>> 0);
  return BigInt.asUintN(64, (hi << 32n) | lo);
}

/** True if an lddw loads a map pointer or map value (src 1, 2, 5, 6). */
export function isMapLoad(insn: Instruction): boolean {
  return insn.op === OP_LDDW && (insn.src === PseudoLd.MapFd || insn.src === PseudoLd.MapValue ||
    insn.src === PseudoLd.MapIdx || insn.src === PseudoLd.MapIdxValue);
}

export const isMemMode = (op: number, mode: Mode): boolean => (op & 0xe0) === mode;

/** Returns a copy of `insn` with extra metadata merged in. */
export function withMeta<T extends AsmItem>(item: T, meta: InsnMeta): T {
  const out: T = { ...item, meta: { ...item.meta, ...meta } };
  return Object.freeze(out);
}
