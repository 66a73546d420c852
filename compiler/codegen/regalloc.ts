// Register allocation: machine instructions over virtual registers in, the same over r0-r9 out. Graph colouring
// (Chaitin-Briggs) with conservative coalescing of copies and optimistic colouring; values live across helper
// calls end up in r6-r9 because calls clobber r0-r5; what does not fit is spilled to 8-byte stack slots.

import { AluOp, Class, Mode, Size, Source } from "../../core/asm/index.ts";
import type { Slot } from "../ir/ir.ts";
import { FP, type MFunc, type MInst, VBASE } from "./isel.ts";

const K = 10; // r0..r9
/** Copies between nodes with more neighbours than this together are not coalesced (see tryColor). */
const COALESCE_LIMIT = 256;
const isVirtual = (r: number) => r >= VBASE;

interface Liveness {
  liveOut: Map<number, Set<number>>;
}

function successorsOf(b: MFunc["blocks"][number], next: number | undefined): number[] {
  const out: number[] = [];
  const last = b.insts[b.insts.length - 1];
  for (const m of b.insts) if (m.target !== undefined) out.push(m.target);
  // A block whose last instruction is not an unconditional jump or exit falls through.
  if (!last || !(last.op === 0x05 || last.op === 0x95)) if (next !== undefined) out.push(next);
  return out;
}

function liveness(f: MFunc, work: Work): Liveness {
  const order = f.blocks;
  const succ = new Map(order.map((b, i) => [b.id, successorsOf(b, order[i + 1]?.id)]));
  const use = new Map<number, Set<number>>();
  const defs = new Map<number, Set<number>>();
  for (const b of order) {
    const u = new Set<number>();
    const d = new Set<number>();
    for (const m of b.insts) {
      for (const r of m.uses) if (!d.has(r)) u.add(r);
      for (const r of m.defs) d.add(r);
    }
    use.set(b.id, u);
    defs.set(b.id, d);
  }
  const liveIn = new Map<number, Set<number>>(order.map((b) => [b.id, new Set<number>()]));
  const liveOut = new Map<number, Set<number>>(order.map((b) => [b.id, new Set<number>()]));
  let changed = true;
  while (changed) {
    changed = false;
    for (let i = order.length - 1; i >= 0; i--) {
      const b = order[i]!;
      const out = new Set<number>();
      for (const s of succ.get(b.id)!) for (const r of liveIn.get(s) ?? []) out.add(r);
      const inn = new Set(use.get(b.id));
      for (const r of out) if (!defs.get(b.id)!.has(r)) inn.add(r);
      work.steps += 1 + out.size + inn.size;
      if (inn.size !== liveIn.get(b.id)!.size || out.size !== liveOut.get(b.id)!.size) changed = true;
      liveIn.set(b.id, inn);
      liveOut.set(b.id, out);
    }
  }
  return { liveOut };
}

/** Loop nesting weight of each block, from back edges in layout order (a jump to an earlier block). */
function loopWeights(f: MFunc): Map<number, number> {
  const index = new Map(f.blocks.map((b, i) => [b.id, i]));
  const depth = new Array<number>(f.blocks.length).fill(0);
  f.blocks.forEach((b, i) => {
    for (const m of b.insts) {
      if (m.target === undefined) continue;
      const t = index.get(m.target)!;
      if (t <= i) for (let k = t; k <= i; k++) depth[k]!++;
    }
  });
  return new Map(f.blocks.map((b, i) => [b.id, 10 ** Math.min(depth[i]!, 4)]));
}

export interface AllocationResult {
  /** Spill slots added to the frame. */
  readonly spillSlots: Slot[];
}

/** Counts the allocator's elementary steps (set and graph operations), for tests of its growth with input size. */
export interface Work {
  steps: number;
}

export function allocateRegisters(f: MFunc, work: Work = { steps: 0 }): AllocationResult {
  const spillSlots: Slot[] = [];
  // after the function's own slots (whose ids need not be dense: slot sharing merges some)
  const firstSpill = f.slots.reduce((m, s) => Math.max(m, s.id + 1), 0);
  for (let round = 0; round < 20; round++) {
    const colors = tryColor(f, work);
    if (colors.spilled.length === 0) {
      rewrite(f, colors.color);
      return { spillSlots };
    }
    const slots = new Map<number, number>();
    for (const r of colors.spilled) {
      const slot: Slot = { id: firstSpill + spillSlots.length, size: 8, align: 8, what: "spilled register" };
      spillSlots.push(slot);
      slots.set(r, slot.id);
    }
    spill(f, slots);
  }
  throw new Error(`register allocation of ${f.name} did not converge`);
}

function tryColor(f: MFunc, work: Work): { color: Map<number, number>; spilled: number[] } {
  const { liveOut } = liveness(f, work);

  const weights = loopWeights(f);
  const adj = new Map<number, Set<number>>();
  const node = (r: number) => {
    let s = adj.get(r);
    if (!s) adj.set(r, (s = new Set()));
    return s;
  };
  const edge = (a: number, b: number) => {
    if (a === b || a === FP || b === FP) return;
    node(a).add(b);
    node(b).add(a);
  };
  const cost = new Map<number, number>();
  const moves: [number, number][] = [];
  for (const b of f.blocks) {
    const live = new Set(liveOut.get(b.id));
    const w = weights.get(b.id)!;
    for (let i = b.insts.length - 1; i >= 0; i--) {
      const m = b.insts[i]!;
      // Two loops, not one over [...uses, ...defs]: no array per instruction (this loop runs over every one).
      for (const r of m.uses) if (r !== FP) {
        node(r);
        if (isVirtual(r)) cost.set(r, (cost.get(r) ?? 0) + w);
      }
      for (const r of m.defs) if (r !== FP) {
        node(r);
        if (isVirtual(r)) cost.set(r, (cost.get(r) ?? 0) + w);
      }
      if (m.move) {
        live.delete(m.src);
        moves.push([m.dst, m.src]);
      }
      for (const d of m.defs) for (const l of live) edge(d, l);
      work.steps += 1 + m.defs.length * live.size;
      // Registers defined together (a call's clobbers) must differ from each other too.
      for (const d of m.defs) live.delete(d);
      for (const u of m.uses) if (u !== FP) live.add(u);
    }
  }
  // Physical registers interfere with each other.
  for (let a = 0; a < K; a++) for (let b = a + 1; b < K; b++) edge(a, b);

  // Coalescing (conservative): merge the two ends of a copy when that cannot make colouring fail.
  const alias = new Map<number, number>();
  const find = (r: number): number => {
    let x = r;
    while (alias.has(x)) x = alias.get(x)!;
    // Path compression: long chains of merged copies would make every lookup walk them again.
    for (let y = r; y !== x; ) {
      const next = alias.get(y)!;
      alias.set(y, x);
      y = next;
    }
    return x;
  };
  const adjDegree = (r: number) => adj.get(r)?.size ?? 0;
  for (const [d0, s0] of moves) {
    let a = find(d0);
    let b = find(s0);
    if (a === b || a === FP || b === FP) continue;
    if (!isVirtual(a) && !isVirtual(b)) continue;
    if (!isVirtual(a)) [a, b] = [b, a]; // a is virtual
    if (adj.get(a)?.has(b)) continue;
    const na = adj.get(a) ?? new Set();
    const nb = adj.get(b) ?? new Set();
    // A node with hundreds of neighbours (a variable live across a long handler) is left as it is: merging moves
    // its whole neighbourhood, which made coalescing quadratic in the handler's length. Never reached by a
    // handler of ordinary size, whose code this therefore does not change.
    if (na.size + nb.size > COALESCE_LIMIT) continue;
    // Both tests stop at the first neighbour that decides them (the merged nodes' neighbourhoods grow large).
    let ok = true;
    if (!isVirtual(b)) {
      // George: every neighbour of a already interferes with b, or is of low degree.
      for (const t of na) {
        work.steps++;
        if (isVirtual(t) && adjDegree(t) >= K && !nb.has(t)) {
          ok = false;
          break;
        }
      }
    } else {
      // Briggs: the merged node has fewer than K neighbours of significant degree.
      let significant = 0;
      for (const [set, other] of [[na, undefined], [nb, na]] as const) {
        for (const t of set) {
          work.steps++;
          if (other?.has(t) || adjDegree(t) < K) continue;
          if (++significant >= K) break;
        }
        if (significant >= K) break;
      }
      ok = significant < K;
    }
    if (!ok) continue;
    // Merge a into b.
    alias.set(a, b);
    cost.set(b, (cost.get(b) ?? 0) + (cost.get(a) ?? 0));
    for (const t of na) {
      adj.get(t)!.delete(a);
      if (t !== b) {
        adj.get(t)!.add(b);
        node(b).add(t);
      }
    }
    adj.delete(a);
  }

  // Simplify and select. Removing a node lowers its neighbours' degrees; a node of degree < K is removed first,
  // the earliest in `workAdj`'s order (a heap of positions), so the colouring does not depend on how it is found.
  const workAdj = new Map<number, Set<number>>();
  for (const [r, s] of adj) if (isVirtual(r)) workAdj.set(r, new Set(s));
  const nodes = [...workAdj.keys()];
  const position = new Map(nodes.map((r, i) => [r, i]));
  const degree = new Map(nodes.map((r) => [r, workAdj.get(r)!.size]));
  const low = new MinHeap();
  nodes.forEach((r, i) => {
    if (degree.get(r)! < K) low.push(i);
  });
  const stack: number[] = [];
  const removed = new Set<number>();
  while (removed.size < workAdj.size) {
    let pick: number | undefined;
    while (low.size && pick === undefined) {
      const r = nodes[low.pop()!]!;
      if (!removed.has(r)) pick = r;
    }
    if (pick === undefined) {
      // Optimistic: push the cheapest-to-spill node and hope a colour is left for it.
      let best = Infinity;
      for (const r of nodes) {
        work.steps++;
        if (removed.has(r)) continue;
        const c = (cost.get(r) ?? 1) / Math.max(1, degree.get(r)!);
        if (c < best) {
          best = c;
          pick = r;
        }
      }
    }
    stack.push(pick!);
    removed.add(pick!);
    for (const t of workAdj.get(pick!)!) {
      work.steps++;
      const d = degree.get(t);
      if (d === undefined || removed.has(t)) continue;
      degree.set(t, d - 1);
      if (d === K) low.push(position.get(t)!);
    }
  }
  const color = new Map<number, number>();
  for (let r = 0; r < K; r++) color.set(r, r);
  const spilled: number[] = [];
  // Move partners, for biased colouring (a copy between same-coloured registers disappears).
  const partners = new Map<number, number[]>();
  for (const [d, s] of moves) {
    const a = find(d), b = find(s);
    if (a === b) continue;
    (partners.get(a) ?? partners.set(a, []).get(a)!).push(b);
    (partners.get(b) ?? partners.set(b, []).get(b)!).push(a);
  }
  while (stack.length) {
    const r = stack.pop()!;
    const used = new Set<number>();
    for (const t of adj.get(r) ?? []) {
      const c = color.get(t);
      if (c !== undefined) used.add(c);
    }
    const preferred = (partners.get(r) ?? []).map((p) => color.get(p)).find((c) => c !== undefined && !used.has(c));
    // Values that cross calls get r6-r9 anyway (r0-r5 are excluded by interference); others start from r0.
    let c = preferred;
    if (c === undefined) for (let k = 0; k < K; k++) if (!used.has(k)) {
      c = k;
      break;
    }
    if (c === undefined) spilled.push(r);
    else color.set(r, c);
  }
  if (spilled.length) {
    // Spill the original registers merged into the failed nodes.
    const originals: number[] = [];
    const all = new Set<number>();
    for (const b of f.blocks) for (const m of b.insts) for (const r of [...m.uses, ...m.defs]) if (isVirtual(r)) all.add(r);
    const failed = new Set(spilled);
    for (const r of all) if (failed.has(find(r))) originals.push(r);
    return { color, spilled: originals };
  }
  const final = new Map<number, number>();
  for (let r = 0; r < K; r++) final.set(r, r);
  final.set(FP, FP);
  const colorOf = (r: number) => {
    if (isVirtual(r)) final.set(r, color.get(find(r))!);
  };
  for (const b of f.blocks) for (const m of b.insts) {
    for (const r of m.uses) colorOf(r);
    for (const r of m.defs) colorOf(r);
    colorOf(m.dst);
    colorOf(m.src);
  }
  return { color: final, spilled: [] };
}

function rewrite(f: MFunc, color: Map<number, number>): void {
  const map = (r: number) => (isVirtual(r) ? color.get(r)! : r);
  for (const b of f.blocks) {
    b.insts = b.insts.map((m) => {
      const usesSrc = m.uses.includes(m.src) || m.defs.includes(m.src);
      const usesDst = m.uses.includes(m.dst) || m.defs.includes(m.dst);
      return {
        ...m,
        dst: usesDst || isVirtual(m.dst) ? map(m.dst) : m.dst,
        src: usesSrc || isVirtual(m.src) ? map(m.src) : m.src,
        uses: m.uses.map(map),
        defs: m.defs.map(map),
      };
    }).filter((m) => !(m.move && m.dst === m.src));
  }
}

/**
 * Replaces virtual registers by stack slots (register → slot, in spill order): each use loads the slot into a fresh
 * register just before the instruction, each def stores one just after it. One pass over the function for all of
 * them; the fresh registers are numbered register by register, in the order of the map.
 */
function spill(f: MFunc, slots: ReadonlyMap<number, number>): void {
  const order = [...slots.keys()];
  const rank = new Map(order.map((r, i) => [r, i]));
  /** The spilled registers an instruction reads or writes, in spill order. */
  const touchedBy = (m: MInst): number[] => [...new Set([...m.uses, ...m.defs].filter((r) => rank.has(r)))].sort((a, b) => rank.get(a)! - rank.get(b)!);
  const count = new Map<number, number>(order.map((r) => [r, 0]));
  for (const b of f.blocks) for (const m of b.insts) for (const r of touchedBy(m)) count.set(r, count.get(r)! + 1);
  const next = new Map<number, number>();
  for (const r of order) {
    next.set(r, f.nextVreg);
    f.nextVreg += count.get(r)!;
  }
  for (const b of f.blocks) {
    const out: MInst[] = [];
    for (const m of b.insts) {
      const touched = touchedBy(m);
      if (!touched.length) {
        out.push(m);
        continue;
      }
      const temp = new Map<number, number>();
      for (const r of touched) {
        const n = next.get(r)!;
        next.set(r, n + 1);
        temp.set(r, VBASE + n);
      }
      const sub = (x: number) => temp.get(x) ?? x;
      for (const r of touched) {
        if (!m.uses.includes(r)) continue;
        const t = temp.get(r)!;
        out.push({ op: Mode.MEM | Size.DW | Class.LDX, dst: t, src: FP, off: 0, imm: 0, slot: { id: slots.get(r)!, field: "off" }, uses: [], defs: [t], origin: m.origin });
      }
      out.push({ ...m, dst: sub(m.dst), src: sub(m.src), uses: m.uses.map(sub), defs: m.defs.map(sub) });
      for (const r of [...touched].reverse()) {
        if (!m.defs.includes(r)) continue;
        const t = temp.get(r)!;
        out.push({ op: Mode.MEM | Size.DW | Class.STX, dst: FP, src: t, off: 0, imm: 0, slot: { id: slots.get(r)!, field: "off" }, uses: [t], defs: [], origin: m.origin });
      }
    }
    b.insts = out;
  }
}

export { AluOp, Source };

/** A binary min-heap of numbers (positions), for picking the earliest low-degree node in O(log n). */
class MinHeap {
  private readonly items: number[] = [];

  get size(): number {
    return this.items.length;
  }

  push(x: number): void {
    const a = this.items;
    a.push(x);
    for (let i = a.length - 1; i > 0; ) {
      const p = (i - 1) >> 1;
      if (a[p]! <= x) break;
      a[i] = a[p]!;
      a[p] = x;
      i = p;
    }
  }

  pop(): number | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length && last !== undefined) {
      a[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        if (l < a.length && a[l]! < a[m]!) m = l;
        if (r < a.length && a[r]! < a[m]!) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }
}
