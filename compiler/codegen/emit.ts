// Frame layout and emission: allocated machine functions in; the program's instructions (labels, map and
// function references still symbolic, source metadata on each) and its relocations out. Stack slots get r10
// offsets here; branches to the next block disappear; conditions are inverted to fall through.

import { type AsmItem, type InsnMeta, Class, JmpOp, OP_JA, Source, insn, label } from "../../core/asm/index.ts";
import type { Diagnostics } from "../diagnostics.ts";
import type { AnyReloc, Slot } from "../ir/ir.ts";
import type { MFunc, MInst } from "./isel.ts";

export interface EmittedFunc {
  readonly items: AsmItem[];
  /** Relocations keyed by the position of their instruction among `items`' instructions. */
  readonly relocs: Map<number, AnyReloc>;
  readonly stackSize: number;
}

const INVERT: Partial<Record<number, number>> = {
  [JmpOp.JEq]: JmpOp.JNe, [JmpOp.JNe]: JmpOp.JEq, [JmpOp.JGt]: JmpOp.JLe, [JmpOp.JLe]: JmpOp.JGt, [JmpOp.JGe]: JmpOp.JLt,
  [JmpOp.JLt]: JmpOp.JGe, [JmpOp.JSGt]: JmpOp.JSLe, [JmpOp.JSLe]: JmpOp.JSGt, [JmpOp.JSGe]: JmpOp.JSLt, [JmpOp.JSLt]: JmpOp.JSGe,
};

export const blockLabel = (fn: string, id: number) => `${fn}.b${id}`;

/** Lays out the stack frame: every slot 8-byte aligned below r10, largest alignment first. */
export function layoutFrame(slots: readonly Slot[]): { offsets: Map<number, number>; size: number } {
  const offsets = new Map<number, number>();
  let at = 0;
  for (const s of [...slots].sort((a, b) => b.align - a.align || a.id - b.id)) {
    const size = Math.ceil(s.size / 8) * 8;
    at += size;
    offsets.set(s.id, -at);
  }
  return { offsets, size: at };
}

/**
 * Orders blocks so that each one falls through to its most likely successor: the `else` of a conditional jump
 * (the path lowering writes first) or the target of a jump, when that block is not placed yet.
 */
export function layoutBlocks(f: MFunc): void {
  const byId = new Map(f.blocks.map((b) => [b.id, b]));
  const placed: MFunc["blocks"] = [];
  const done = new Set<number>();
  const pending = [f.blocks[0]!.id];
  while (pending.length) {
    let id: number | undefined = pending.shift()!;
    while (id !== undefined && !done.has(id)) {
      const b: MFunc["blocks"][number] = byId.get(id)!;
      done.add(id);
      placed.push(b);
      const last: MInst | undefined = b.insts[b.insts.length - 1];
      const prev: MInst | undefined = b.insts[b.insts.length - 2];
      const targets: number[] = b.insts.filter((m: MInst) => m.target !== undefined).map((m: MInst) => m.target!);
      // Source order: lowering creates the block that comes next in the source (a `then`, a loop body) first.
      const open: number[] = targets.filter((t: number) => !done.has(t) && (last?.op === OP_JA || t === prev?.target));
      const next: number | undefined = open.length ? Math.min(...open) : undefined;
      for (const t of targets) if (t !== next && !done.has(t)) pending.push(t);
      id = next;
    }
  }
  f.blocks = placed;
}

/**
 * How blocks are ordered: "likely" falls through to the likely successor (layoutBlocks); "source" keeps the order
 * lowering created them in, for a function whose likely order puts a branch's target out of a jump's reach.
 */
export type BlockOrder = "likely" | "source";

export function emitFunc(f: MFunc, slots: readonly Slot[], diags: Diagnostics, order: BlockOrder = "likely"): EmittedFunc {
  if (order === "source") f.blocks.sort((a, b) => a.id - b.id);
  else layoutBlocks(f);
  const { offsets, size } = layoutFrame(slots);
  const items: AsmItem[] = [label(f.name)];
  const relocs = new Map<number, AnyReloc>();
  let count = 0;
  const placed = f.blocks;
  placed.forEach((b, bi) => {
    const next = placed[bi + 1]?.id;
    items.push(label(blockLabel(f.name, b.id)));
    const insts = [...b.insts];
    // Fall-through shaping of the block's final jumps.
    const last = insts[insts.length - 1];
    const prev = insts[insts.length - 2];
    if (last && last.op === OP_JA && last.target === next) {
      insts.pop();
      if (prev && prev.target !== undefined && prev.op !== OP_JA && prev.target === next) insts.pop();
    } else if (last && last.op === OP_JA && prev && next !== undefined && prev.target === next && prev.op !== OP_JA) {
      const code = prev.op & 0xf0;
      const inv = INVERT[code];
      if (inv !== undefined) {
        insts[insts.length - 2] = { ...prev, op: (prev.op & 0x0f) | inv, target: last.target! };
        insts.pop();
      }
    }
    for (const m of insts) {
      items.push(toInstruction(f, m, offsets));
      if (m.reloc) relocs.set(count, m.reloc);
      count++;
    }
  });
  void diags;
  return { items, relocs, stackSize: size };
}

function toInstruction(f: MFunc, m: MInst, offsets: Map<number, number>): AsmItem {
  let off = m.off;
  let imm = m.imm;
  if (m.slot) {
    const base = offsets.get(m.slot.id)!;
    if (m.slot.field === "off") off += base;
    else imm += base;
  }
  const meta: InsnMeta = {
    ...(m.origin.span ? { span: m.origin.span } : {}),
    ...(m.origin.source !== undefined ? { source: m.origin.source } : {}),
  };
  const fields: Parameters<typeof insn>[0] = { op: m.op, dst: m.dst, src: m.src, off, imm };
  if (m.imm2 !== undefined) fields.imm2 = m.imm2;
  if (m.target !== undefined) fields.target = blockLabel(f.name, m.target);
  if (m.func !== undefined) fields.target = m.func;
  if (m.map !== undefined) fields.map = m.map;
  if (Object.keys(meta).length) fields.meta = meta;
  return insn(fields);
}

export { Class, Source };
