// Code generation: a lowered program (entry function and callbacks, in IR) in; its instructions (resolved), its
// relocations and stack use out. optimize -> share stack slots -> select -> allocate -> lay out and emit, per function.

import { AsmError, type AsmItem, type Instruction, OP_LDDW, type SourceSpan, isLabel, resolve } from "../../core/asm/index.ts";
import type { Diagnostics } from "../diagnostics.ts";
import type { Func, Slot } from "../ir/ir.ts";
import type { RelocationSpec } from "../../core/object/spec.ts";
import { optimize } from "../passes/index.ts";
import { type BlockOrder, emitFunc, layoutFrame } from "./emit.ts";
import { type MFunc, selectInstructions } from "./isel.ts";
import { allocateRegisters } from "./regalloc.ts";
import { shareSlots } from "./slots.ts";

export const STACK_LIMIT = 512;
/** The maps one program may refer to (the verifier's MAX_USED_MAPS). */
export const MAX_USED_MAPS = 64;

export interface GeneratedProgram {
  readonly instructions: Instruction[];
  readonly relocations: RelocationSpec[];
  /** Bytes of stack: the entry frame plus the deepest callback frame. */
  readonly stack: number;
  /** The largest stack users, for messages. */
  readonly slots: { readonly what: string; readonly size: number }[];
}

export function generate(funcs: readonly Func[], diags: Diagnostics, name: string, span?: SourceSpan, maxInsns = MAX_INSNS): GeneratedProgram | undefined {
  const items: AsmItem[] = [];
  const relocations: RelocationSpec[] = [];
  let stackMain = 0;
  let stackCallbacks = 0;
  const slots: { what: string; size: number }[] = [];
  const selected: { fn: Func; mf: MFunc; slots: Slot[] }[] = [];
  for (const fn of funcs) optimize(fn);
  for (const fn of reachable(funcs)) {
    shareSlots(fn);
    const mf = selectInstructions(fn);
    const { spillSlots } = allocateRegisters(mf);
    const allSlots = [...fn.slots, ...spillSlots];
    selected.push({ fn, mf, slots: allSlots });
    // The kernel rounds each frame up to 32 bytes and limits the whole call chain to 512.
    const rounded = Math.ceil(layoutFrame(allSlots).size / 32) * 32;
    if (fn.kind === "entry") stackMain = rounded;
    else stackCallbacks = Math.max(stackCallbacks, rounded);
    for (const s of allSlots) slots.push({ what: s.what, size: Math.ceil(s.size / 8) * 8 });
  }
  /** Lays out and emits every function; `order` chooses the block order (see emitFunc). */
  const emitAll = (order: BlockOrder) => {
    items.length = 0;
    relocations.length = 0;
    let base = 0;
    for (const { mf, slots: allSlots } of selected) {
      const e = emitFunc(mf, allSlots, diags, order);
      for (const [i, r] of e.relocs) {
        relocations.push(r.kind === "tracepoint_field"
          ? { insn: base + i, kind: r.kind, tracepoint: r.tracepoint, field: r.field, offset: r.offset }
          : { insn: base + i, kind: r.kind, struct: r.struct, field: r.field, ...(r.size === undefined ? {} : { size: r.size }), ...(r.part ? { part: r.part } : {}) });
      }
      base += e.items.filter((x) => !isLabel(x)).length;
      for (const it of e.items) items.push(it); // not push(...items): a spread of 100,000s overflows the stack
    }
  };
  emitAll("likely");
  const stack = stackMain + stackCallbacks;
  if (stack > STACK_LIMIT) {
    const top = [...slots].sort((a, b) => b.size - a.size).slice(0, 4).map((s) => `${s.what} (${s.size} bytes)`).join(", ");
    diags.error("TSB2003", [name, stack, STACK_LIMIT], span,
      `the largest: ${top}; keep big strings and structs in a map (for example a PerCpuArrayMap used as scratch space)`);
    return undefined;
  }
  // The verifier refuses a program referring to more than MAX_USED_MAPS maps (callbacks included).
  const maps = new Set<string>();
  for (const { fn } of selected) for (const b of fn.blocks) for (const i of b.insts) if (i.op === "mapfd" || i.op === "mapvalue") maps.add(i.map);
  if (maps.size > MAX_USED_MAPS) {
    diags.error("TSB2063", [name, maps.size, MAX_USED_MAPS], span, "spread the work over several probes, or use fewer maps (one map with a wider key)");
    return undefined;
  }
  // The kernel refuses programs longer than BPF_COMPLEXITY_LIMIT_INSNS (with CAP_BPF; 4,096 without) with E2BIG.
  let length = 0;
  for (const it of items) if (!isLabel(it)) length += it.op === OP_LDDW ? 2 : 1;
  if (length > maxInsns) {
    diags.error("TSB1081", [name, length, maxInsns], span, "split the handler over several probes, or move work into bpf.loop() callbacks");
    return undefined;
  }
  // A conditional jump's offset is 16 bits. Laid out for fall-through, a long handler's `then` blocks all go after
  // its end, out of reach: then blocks are laid out in source order, each near its branch. A branch around more
  // than 32,767 instructions still cannot be encoded.
  const tooFar = (e: unknown): e is AsmError => e instanceof AsmError && e.index !== undefined && /16-bit/.test(e.message);
  let instructions: Instruction[] | undefined;
  try {
    instructions = resolve(items);
  } catch (e) {
    if (!tooFar(e)) throw e;
  }
  if (!instructions) {
    emitAll("source");
    try {
      instructions = resolve(items);
    } catch (e) {
      if (!tooFar(e)) throw e;
      const m = /is (-?\d+) slots away/.exec(e.message);
      diags.error("TSB1082", [name, Math.abs(Number(m?.[1] ?? 0)), 32767], e.meta?.span ?? span, "make the branch's body smaller: move part of it into a function called through bpf.loop(1, ...), or into another probe");
      return undefined;
    }
  }
  return { instructions, relocations, stack, slots };
}

/**
 * The functions the entry still refers to once the passes have run, in their order: a callback whose bpf_loop call
 * was folded away would stay as code no path reaches, which the verifier refuses ("unreachable insn").
 */
export function reachable(funcs: readonly Func[]): Func[] {
  const byName = new Map(funcs.map((f) => [f.name, f]));
  const seen = new Set<Func>();
  const work = funcs.filter((f) => f.kind === "entry");
  for (const f of work) seen.add(f);
  while (work.length > 0) {
    const fn = work.pop()!;
    for (const b of fn.blocks) {
      for (const i of b.insts) {
        if (i.op !== "funcaddr" && i.op !== "calllocal") continue;
        const callee = byName.get(i.func);
        if (callee && !seen.has(callee)) {
          seen.add(callee);
          work.push(callee);
        }
      }
    }
  }
  return funcs.filter((f) => seen.has(f));
}

/** The longest program the kernel loads (BPF_COMPLEXITY_LIMIT_INSNS), in instruction slots. */
export const MAX_INSNS = 1_000_000;
