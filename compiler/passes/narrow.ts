// Useless extensions: a Func in, the same Func where an extension (`ext` to 8/16/32 bits, sign or zero) whose
// result is only ever stored in at most that many bits becomes a plain move. A pid_t tracepoint field stored as a
// u32 map key then costs one load instead of a load and two shifts.

import { type Func, def, uses } from "../ir/ir.ts";

export function narrowExtensions(fn: Func): boolean {
  const defs = new Map<number, number>();
  for (const p of fn.params) defs.set(p, 2);
  for (const b of fn.blocks) for (const i of b.insts) {
    const d = def(i);
    if (d !== undefined) defs.set(d, (defs.get(d) ?? 0) + 1);
  }
  // The widest use of each register, in bits; 64 for anything but a store's value.
  const need = new Map<number, number>();
  const use = (r: number, bits: number) => need.set(r, Math.max(need.get(r) ?? 0, bits));
  for (const b of fn.blocks) {
    for (const i of b.insts) {
      if (i.op === "store") {
        if (i.base.kind === "reg") use(i.base.id, 64);
        if (i.value.kind === "reg") use(i.value.id, i.size * 8);
        continue;
      }
      for (const u of uses(i)) use(u, 64);
    }
    for (const u of uses(b.term)) use(u, 64);
  }
  let changed = false;
  for (const b of fn.blocks) {
    b.insts = b.insts.map((i) => {
      if (i.op !== "ext" || defs.get(i.dst) !== 1) return i;
      const n = need.get(i.dst) ?? 64;
      if (n > i.bits) return i;
      changed = true;
      return { op: "mov", dst: i.dst, src: i.a, ...(i.span ? { span: i.span } : {}), ...(i.source ? { source: i.source } : {}) };
    });
  }
  return changed;
}
