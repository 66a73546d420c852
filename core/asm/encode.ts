// Label resolution, encoding to bytes and decoding from bytes: AsmItem[] -> Instruction[] -> Uint8Array and back.
// Byte order is little endian (x86_64 and arm64 hosts); regs = src << 4 | dst.

import { insn } from "./builder.ts";
import { type AsmItem, type Instruction, type InsnMeta, isLabel, slots, targetField } from "./instruction.ts";
import { OP_LDDW } from "./opcodes.ts";

/** An error in a program's structure; `index` is the instruction index (not the slot), when there is one. */
export class AsmError extends Error {
  override readonly name = "AsmError";
  constructor(message: string, readonly index?: number, readonly meta?: InsnMeta) {
    super(message);
  }
}

/** Maps every label to its slot, and returns the slot of each instruction. */
function layout(items: readonly AsmItem[]): { labels: Map<string, number>; insns: Instruction[]; slotOf: number[] } {
  const labels = new Map<string, number>();
  const insns: Instruction[] = [];
  const slotOf: number[] = [];
  let slot = 0;
  for (const item of items) {
    if (isLabel(item)) {
      if (labels.has(item.label)) throw new AsmError(`duplicate label ${item.label}`, insns.length, item.meta);
      labels.set(item.label, slot);
      continue;
    }
    insns.push(item);
    slotOf.push(slot);
    slot += slots(item);
  }
  return { labels, insns, slotOf };
}

/**
 * Resolves symbolic targets (jumps, local calls, function addresses) into numeric offsets counted in slots from
 * the next instruction. Map references stay symbolic: the loader turns them into fds.
 */
export function resolve(items: readonly AsmItem[]): Instruction[] {
  const { labels, insns, slotOf } = layout(items);
  const total = slotOf.length ? slotOf[slotOf.length - 1]! + slots(insns[insns.length - 1]!) : 0;
  return insns.map((ins, i) => {
    if (ins.target === undefined) return ins;
    const field = targetField(ins);
    if (!field) throw new AsmError(`instruction ${i} has a target (${ins.target}) but takes none`, i, ins.meta);
    const at = labels.get(ins.target);
    if (at === undefined) throw new AsmError(`undefined label ${ins.target}`, i, ins.meta);
    if (at >= total) throw new AsmError(`label ${ins.target} is past the last instruction`, i, ins.meta);
    const rel = at - (slotOf[i]! + 1);
    if (field === "off" && (rel < -32768 || rel > 32767)) {
      throw new AsmError(`jump to ${ins.target} is ${rel} slots away, beyond the 16-bit offset range; use ja32 (gotol)`, i, ins.meta);
    }
    const { target: _dropped, ...rest } = ins;
    return Object.freeze({ ...rest, [field]: rel });
  });
}

/** Encodes instructions (resolving labels first if there are any) into bytes. */
export function encode(items: readonly AsmItem[]): Uint8Array {
  const needsResolve = items.some((it) => isLabel(it) || it.target !== undefined);
  const insns = needsResolve ? resolve(items) : (items as readonly Instruction[]);
  let n = 0;
  for (const ins of insns) n += slots(ins);
  const out = new Uint8Array(n * 8);
  const view = new DataView(out.buffer);
  let at = 0;
  for (const ins of insns) {
    out[at] = ins.op;
    out[at + 1] = ((ins.src & 0xf) << 4) | (ins.dst & 0xf);
    view.setInt16(at + 2, ins.off, true);
    view.setInt32(at + 4, ins.imm, true);
    at += 8;
    if (ins.op === OP_LDDW) {
      view.setInt32(at + 4, ins.imm2 ?? 0, true);
      at += 8;
    }
  }
  return out;
}

/** Decodes bytes into instructions. lddw's two slots become one instruction. */
export function decode(bytes: Uint8Array): Instruction[] {
  if (bytes.length % 8 !== 0) throw new AsmError(`program length ${bytes.length} is not a multiple of 8 bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Instruction[] = [];
  for (let at = 0; at < bytes.length; at += 8) {
    const op = bytes[at]!;
    const regs = bytes[at + 1]!;
    const fields = { op, dst: regs & 0xf, src: regs >> 4, off: view.getInt16(at + 2, true), imm: view.getInt32(at + 4, true) };
    if (op === OP_LDDW) {
      if (at + 8 >= bytes.length) throw new AsmError(`lddw at slot ${at / 8} is missing its second slot`, out.length);
      if (bytes[at + 8] !== 0 || bytes[at + 9] !== 0 || view.getInt16(at + 10, true) !== 0) {
        throw new AsmError(`lddw at slot ${at / 8}: the second slot must have opcode, registers and offset 0`, out.length);
      }
      out.push(insn({ ...fields, imm2: view.getInt32(at + 12, true) }));
      at += 8;
    } else {
      out.push(insn(fields));
    }
  }
  return out;
}

/** Encodes to 64-bit words as bpf_conformance writes them: opcode | dst<<8 | src<<12 | off<<16 | imm<<32. */
export function toWords(bytes: Uint8Array): bigint[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: bigint[] = [];
  for (let at = 0; at < bytes.length; at += 8) out.push(view.getBigUint64(at, true));
  return out;
}

export function fromWords(words: readonly bigint[]): Uint8Array {
  const out = new Uint8Array(words.length * 8);
  const view = new DataView(out.buffer);
  words.forEach((w, i) => view.setBigUint64(i * 8, BigInt.asUintN(64, w), true));
  return out;
}

/** Slot index of each instruction (lddw takes two). */
export function slotIndex(insns: readonly Instruction[]): number[] {
  const out: number[] = [];
  let s = 0;
  for (const ins of insns) {
    out.push(s);
    s += slots(ins);
  }
  return out;
}
