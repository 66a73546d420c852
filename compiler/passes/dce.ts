// Dead code: a Func in, the same Func without instructions whose results nobody uses (and no side effects).

import { type Func, type Inst, def, hasSideEffects, uses } from "../ir/ir.ts";

/** Within a block, drops a definition that is overwritten before anything reads it (`x = 0; x = 1`). */
function killOverwritten(fn: Func): boolean {
  let changed = false;
  for (const b of fn.blocks) {
    const dead = new Set<number>();
    const lastDef = new Map<number, number>();
    b.insts.forEach((i, k) => {
      for (const u of uses(i)) lastDef.delete(u);
      const d = def(i);
      if (d === undefined) return;
      const prev = lastDef.get(d);
      if (prev !== undefined && !hasSideEffects(b.insts[prev]!)) dead.add(prev);
      lastDef.set(d, k);
    });
    if (dead.size) {
      b.insts = b.insts.filter((_, k) => !dead.has(k));
      changed = true;
    }
  }
  return changed;
}

/**
 * Drops copies of a register to itself, then every instruction without side effects whose result no instruction
 * reads, until none is left: a worklist of registers whose uses dropped to zero (removing a chain of n dead
 * instructions costs n, not n passes over the function). The result is the fixed point of repeated passes.
 */
export function eliminateDeadCode(fn: Func): boolean {
  let changed = killOverwritten(fn);
  const useCount = new Map<number, number>();
  const count = (r: number, by: number) => useCount.set(r, (useCount.get(r) ?? 0) + by);
  const removed = new Set<Inst>();
  /** The instructions that define each register and could go (no side effects). */
  const removable = new Map<number, Inst[]>();
  for (const b of fn.blocks) {
    for (const i of b.insts) {
      if (i.op === "mov" && i.src.kind === "reg" && i.src.id === i.dst) {
        removed.add(i);
        continue;
      }
      for (const u of uses(i)) count(u, 1);
      const d = def(i);
      if (d !== undefined && !hasSideEffects(i)) (removable.get(d) ?? removable.set(d, []).get(d)!).push(i);
    }
    for (const u of uses(b.term)) count(u, 1);
  }
  const work = [...removable.keys()].filter((r) => !useCount.get(r));
  while (work.length) {
    const r = work.pop()!;
    for (const i of removable.get(r) ?? []) {
      if (removed.has(i)) continue;
      removed.add(i);
      for (const u of uses(i)) {
        count(u, -1);
        if (useCount.get(u) === 0 && removable.has(u)) work.push(u);
      }
    }
  }
  if (!removed.size) return changed;
  for (const b of fn.blocks) b.insts = b.insts.filter((i) => !removed.has(i));
  return true;
}
