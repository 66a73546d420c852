// Stack slot sharing: an IR function in, the same function with slots whose lifetimes never overlap merged into one
// (and slots nothing accesses dropped). Lowering gives every temporary its own slot (a map key, a value, a string,
// each unrolled copy of a loop body's); without sharing, 33 map updates in a handler overflow the 512-byte stack, and
// the verifier, which tells a slot written on one path from one left unwritten on another, keeps states apart that
// differ only in long-dead temporaries (16 x 6 nested iterations of `if (c) continue; m.delete(k)`: 213,632
// instructions processed with a slot per unrolled copy, 4,739 with one shared slot).
//
// A slot is occupied where it is accessed, and where it is live: some path from there reads it before overwriting
// all of it. Reads are loads and atomics on the slot, and any use of a register that may hold its address (an
// `addr`, and anything computed from one): a helper or subprogram receiving the pointer may read the slot during
// the call. A run of stores covering the whole slot, with no read between them, overwrites it; a partial store is
// neither. A slot whose address is stored to memory escapes and is never shared. Two slots share when no point
// has both occupied; first fit, most aligned and largest first.

import { type Base, type Func, type Inst, type Slot, type Terminator, successors, uses } from "../ir/ir.ts";

/** Merges the slots of `fn` whose lifetimes do not overlap; returns how many slots it saved. */
export function shareSlots(fn: Func): number {
  if (fn.slots.length === 0) return 0;
  const slotIndex = new Map(fn.slots.map((s, i) => [s.id, i]));
  const n = fn.slots.length;
  const escaped = new Uint8Array(n);
  const pointsTo = derivedPointers(fn, slotIndex, escaped);

  // Per block and position (instructions, then the terminator): what each access does to the slot's liveness.
  const blockIndex = new Map(fn.blocks.map((b, i) => [b.id, i]));
  const words = (n + 31) >>> 5;
  const nb = fn.blocks.length;
  const events = fn.blocks.map((b) => blockEvents(b.insts, b.term, fn.slots, slotIndex, pointsTo));
  const gen = new Uint32Array(nb * words), kill = new Uint32Array(nb * words);
  events.forEach((ev, bi) => {
    for (const e of ev) {
      const w = bi * words + (e.slot >>> 5), bit = 1 << (e.slot & 31);
      if (e.kind === USE && !(kill[w]! & bit)) gen[w]! |= bit;
      if (e.kind === KILL) kill[w]! |= bit;
    }
  });
  const succ = fn.blocks.map((b) => successors(b.term).map((t) => blockIndex.get(t)).filter((x) => x !== undefined));
  const liveOut = flow(nb, words, gen, kill, succ);

  // Each slot's occupied intervals: the positions where it is accessed or live after. Liveness of one slot does not
  // depend on another's: per block, a backward walk over each accessed slot's own events, and the whole block for
  // one live through it untouched.
  const intervals: { block: number; from: number; to: number }[][] = fn.slots.map(() => []);
  const touched = new Uint32Array(words);
  for (let bi = 0; bi < nb; bi++) {
    const ev = events[bi]!;
    const end = fn.blocks[bi]!.insts.length;
    const bySlot = new Map<number, number[]>();
    for (let k = 0; k < ev.length; k++) {
      const list = bySlot.get(ev[k]!.slot);
      if (list) list.push(k);
      else bySlot.set(ev[k]!.slot, [k]);
    }
    touched.fill(0);
    for (const [slot, list] of bySlot) {
      touched[slot >>> 5]! |= 1 << (slot & 31);
      const out = intervals[slot]!;
      let live = (liveOut[bi * words + (slot >>> 5)]! & (1 << (slot & 31))) !== 0;
      let hi = live ? end : -1;
      for (let j = list.length - 1; j >= 0;) {
        // the events at one position: occupied there; live before it if read there, or live after and not overwritten
        const pos = ev[list[j]!]!.pos;
        let use = false, kill = false;
        for (; j >= 0 && ev[list[j]!]!.pos === pos; j--) {
          if (ev[list[j]!]!.kind === USE) use = true;
          if (ev[list[j]!]!.kind === KILL) kill = true;
        }
        if (hi < 0) hi = pos;
        live = use || (live && !kill);
        if (!live) {
          out.push({ block: bi, from: pos, to: hi });
          hi = -1;
        }
      }
      if (hi >= 0) out.push({ block: bi, from: 0, to: hi });
    }
    for (let w = 0; w < words; w++) {
      for (let bits = liveOut[bi * words + w]! & ~touched[w]!; bits !== 0; bits &= bits - 1) {
        intervals[w * 32 + (31 - Math.clz32(bits & -bits))]!.push({ block: bi, from: 0, to: end });
      }
    }
  }

  // First fit, largest and most aligned first; an escaped slot or one never accessed keeps (or loses) its own.
  const order = fn.slots.map((_, i) => i).sort((a, b) => fn.slots[b]!.align - fn.slots[a]!.align || fn.slots[b]!.size - fn.slots[a]!.size || a - b);
  const groups: { slot: Slot; size: number; align: number; what: string[]; alone: boolean; busy: Map<number, [number, number][]> }[] = [];
  const groupOf = new Map<number, number>();
  for (const s of order) {
    const slot = fn.slots[s]!;
    if (intervals[s]!.length === 0 && !escaped[s]) continue; // nothing accesses it
    let g = escaped[s] ? -1 : groups.findIndex((grp) => !grp.alone && fits(grp.busy, intervals[s]!));
    if (g < 0) {
      g = groups.length;
      groups.push({ slot, size: 0, align: 0, what: [], alone: escaped[s] === 1, busy: new Map() });
    }
    const grp = groups[g]!;
    grp.size = Math.max(grp.size, slot.size);
    grp.align = Math.max(grp.align, slot.align);
    grp.what.push(slot.what);
    for (const iv of intervals[s]!) occupy(grp.busy, iv.block, iv.from, iv.to);
    groupOf.set(slot.id, g);
  }
  const merged: Slot[] = groups.map((grp) => {
    const what = [...new Set(grp.what)];
    return { ...grp.slot, size: grp.size, align: grp.align, what: what.length > 3 ? `${what.slice(0, 3).join(", ")} and ${what.length - 3} more` : what.join(", ") };
  });
  const saved = fn.slots.length - merged.length;
  if (saved === 0) return 0;
  const to = (id: number) => merged[groupOf.get(id)!]!.id;
  const base = (b: Base): Base => (b.kind === "slot" ? { kind: "slot", slot: to(b.slot) } : b);
  for (const b of fn.blocks) {
    b.insts = b.insts.map((i) => {
      switch (i.op) {
        case "load": case "store": case "atomic": return i.base.kind === "slot" ? { ...i, base: base(i.base) } : i;
        case "addr": return { ...i, slot: to(i.slot) };
        default: return i;
      }
    });
  }
  fn.slots = merged;
  return saved;
}

/**
 * The registers that may hold a slot's address (to a fixed point over copies and arithmetic), by register; marks
 * as escaped a slot whose address is stored to memory.
 */
function derivedPointers(fn: Func, slotIndex: Map<number, number>, escaped: Uint8Array): Map<number, Set<number>> {
  const pointsTo = new Map<number, Set<number>>();
  const add = (reg: number, slots: Iterable<number>): boolean => {
    let set = pointsTo.get(reg);
    let changed = false;
    for (const s of slots) {
      if (!set) pointsTo.set(reg, (set = new Set()));
      if (!set.has(s)) {
        set.add(s);
        changed = true;
      }
    }
    return changed;
  };
  for (let changed = true; changed;) {
    changed = false;
    for (const b of fn.blocks) {
      for (const i of b.insts) {
        if (i.op === "addr") {
          const s = slotIndex.get(i.slot);
          if (s !== undefined && add(i.dst, [s])) changed = true;
          continue;
        }
        // a subprogram could hand back the address it was given
        const dst = i.op === "calllocal" ? i.dst : i.op === "mov" || i.op === "bin" || i.op === "neg" || i.op === "ext" || i.op === "fieldoff" ? i.dst : undefined;
        if (dst === undefined) continue;
        for (const r of uses(i)) {
          const from = pointsTo.get(r);
          if (from && add(dst, from)) changed = true;
        }
      }
    }
  }
  for (const b of fn.blocks) {
    for (const i of b.insts) {
      if ((i.op === "store" || i.op === "atomic") && i.value.kind === "reg") for (const s of pointsTo.get(i.value.id) ?? []) escaped[s] = 1;
    }
    if (b.term.op === "ret" && b.term.value.kind === "reg") for (const s of pointsTo.get(b.term.value.id) ?? []) escaped[s] = 1;
  }
  return pointsTo;
}

const USE = 0, KILL = 1, TOUCH = 2;
interface SlotEvent {
  readonly pos: number;
  readonly slot: number;
  /** USE reads (or may read) it; KILL begins overwriting all of it before any read; TOUCH writes part of it. */
  readonly kind: typeof USE | typeof KILL | typeof TOUCH;
}

/**
 * The slot accesses of a block, in order. A store that begins a run of stores covering the whole slot, with no other
 * access of the slot between them, kills the slot's earlier value; a use of a register holding the slot's address
 * (a helper's or subprogram's argument, a load or store through it) may read it.
 */
function blockEvents(insts: readonly Inst[], term: Terminator, slots: readonly Slot[], slotIndex: Map<number, number>, pointsTo: Map<number, Set<number>>): SlotEvent[] {
  const out: { pos: number; slot: number; kind: SlotEvent["kind"] }[] = [];
  /** Per slot: the event of the store that began the current run of stores, and the bytes the run covered. */
  const runs = new Map<number, { event: number; covered: Uint8Array; left: number } | null>();
  const visit = (i: Inst | Terminator, pos: number) => {
    if (i.op === "store" && i.base.kind === "slot") {
      const s = slotIndex.get(i.base.slot)!;
      const size = slots[s]!.size;
      let run = runs.get(s);
      if (run === undefined && size <= 4096) runs.set(s, (run = { event: out.length, covered: new Uint8Array(size), left: size }));
      out.push({ pos, slot: s, kind: TOUCH });
      if (run) {
        for (let b = Math.max(0, i.off); b < Math.min(size, i.off + i.size); b++) {
          if (!run.covered[b]) {
            run.covered[b] = 1;
            run.left--;
          }
        }
        if (run.left === 0) {
          out[run.event] = { ...out[run.event]!, kind: KILL };
          runs.set(s, null); // a later store is only a write, until the slot is read again
        }
      }
    } else {
      if ((i.op === "load" || i.op === "atomic") && i.base.kind === "slot") use(slotIndex.get(i.base.slot)!, pos);
      if (i.op === "addr") {
        const s = slotIndex.get(i.slot)!;
        out.push({ pos, slot: s, kind: TOUCH });
      }
    }
    for (const r of uses(i)) for (const s of pointsTo.get(r) ?? []) use(s, pos);
  };
  const use = (s: number, pos: number) => {
    out.push({ pos, slot: s, kind: USE });
    runs.delete(s);
  };
  insts.forEach(visit);
  visit(term, insts.length);
  return out;
}

/** Backward liveness to a fixed point: out[b] = union over successors s of (gen[s] | (out[s] & ~kill[s])). */
function flow(nb: number, words: number, gen: Uint32Array, kill: Uint32Array, succ: number[][]): Uint32Array {
  const out = new Uint32Array(nb * words);
  const work = Array.from({ length: nb }, (_, i) => i);
  const queued = new Uint8Array(nb).fill(1);
  const pred: number[][] = Array.from({ length: nb }, () => []);
  succ.forEach((es, b) => es.forEach((e) => pred[e]!.push(b)));
  while (work.length) {
    const b = work.pop()!;
    queued[b] = 0;
    let changed = false;
    for (const e of succ[b]!) {
      for (let w = 0; w < words; w++) {
        const o = e * words + w;
        const v = (out[b * words + w]! | gen[o]! | (out[o]! & ~kill[o]!)) >>> 0; // as the array holds it: unsigned
        if (v !== out[b * words + w]) {
          out[b * words + w] = v;
          changed = true;
        }
      }
    }
    if (changed) {
      for (const d of pred[b]!) {
        if (!queued[d]) {
          queued[d] = 1;
          work.push(d);
        }
      }
    }
  }
  return out;
}

/** Whether a slot's intervals are free in a group's occupied ones (by block, sorted by start, disjoint). */
function fits(busy: Map<number, [number, number][]>, ivs: readonly { block: number; from: number; to: number }[]): boolean {
  for (const iv of ivs) {
    const list = busy.get(iv.block);
    if (!list) continue;
    const k = upperBound(list, iv.from);
    // the interval starting at or before `from`, and the one after it
    if (k > 0 && list[k - 1]![1] >= iv.from) return false;
    if (k < list.length && list[k]![0] <= iv.to) return false;
  }
  return true;
}

function occupy(busy: Map<number, [number, number][]>, block: number, from: number, to: number): void {
  let list = busy.get(block);
  if (!list) busy.set(block, (list = []));
  list.splice(upperBound(list, from), 0, [from, to]);
}

/** The index of the first interval starting after `x`. */
function upperBound(list: readonly [number, number][], x: number): number {
  let lo = 0, hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]![0] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
