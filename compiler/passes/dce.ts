// Dead code: a Func in, the same Func without instructions whose results nobody uses (and no side effects).

import { type Func, def, hasSideEffects, uses } from "../ir/ir.ts";

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

export function eliminateDeadCode(fn: Func): boolean {
  let changed = killOverwritten(fn);
  for (;;) {
    const used = new Set<number>();
    for (const b of fn.blocks) {
      for (const i of b.insts) for (const u of uses(i)) used.add(u);
      for (const u of uses(b.term)) used.add(u);
    }
    let removed = false;
    for (const b of fn.blocks) {
      const before = b.insts.length;
      b.insts = b.insts.filter((i) => {
        if (i.op === "mov" && i.src.kind === "reg" && i.src.id === i.dst) return false;
        if (hasSideEffects(i)) return true;
        const d = def(i);
        return d === undefined || used.has(d);
      });
      if (b.insts.length !== before) removed = true;
    }
    if (!removed) return changed;
    changed = true;
  }
}
