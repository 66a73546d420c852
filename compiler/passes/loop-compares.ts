// Comparisons inside a loop of a value held from before it: a Func in, the same Func where such a comparison tests a
// fresh copy of the value, so that the verifier narrows the copy's range and not the held value's.
//
// The verifier narrows both operands of a conditional jump on each of its paths. A value computed before a loop and
// compared on every iteration (`i > p`, with `p` a parameter) then reaches the loop's head with a different range
// on each path taken (p ≥ 0, p ≥ 1, ... p ≥ 63), and states that differ only there are never merged: a fuzzed
// handler calling, from a loop of 5, a function whose loop of 64 compares its counter with a parameter went over
// 1,000,000 instructions processed. The copy is made with `mul 1`: a plain move, or `add`/`sub` of a constant, keeps
// the copy linked to the held value (Linux 6.10 on), and the verifier then narrows the held value through the link;
// a multiplication unlinks it and, by 1, keeps its range.
//
// Only where the narrowing cannot be needed: the held value (and any value computed from it) is not used to address
// memory, not passed to a helper or a function, and not otherwise relied on after the comparison than as data
// (stored, returned, compared again). A bounds check before an access (`if (k < 16) a[k]`) keeps its narrowing.
// Runs once, after the fixed-point passes (which would fold the copy away).

import { type Func, type Inst, type Operand, reg } from "../ir/ir.ts";
import { predecessors } from "./cfg.ts";
import { reversePostorder } from "./task-constants.ts";

export function isolateLoopComparisons(fn: Func): boolean {
  const order = reversePostorder(fn);
  const index = new Map(order.map((id, i) => [id, i]));
  const preds = predecessors(fn);
  const byId = new Map(fn.blocks.map((b) => [b.id, b]));
  // Natural loops: for each back edge p → h (p at or after h in reverse postorder), h and the blocks reaching p
  // without passing through h.
  const loops: Set<number>[] = [];
  for (const h of order) {
    const tails = (preds.get(h) ?? []).filter((p) => index.has(p) && index.get(p)! >= index.get(h)!);
    if (!tails.length) continue;
    const body = new Set<number>([h]);
    const work = [...tails];
    while (work.length) {
      const b = work.pop()!;
      if (body.has(b)) continue;
      body.add(b);
      for (const p of preds.get(b) ?? []) if (index.has(p) && !body.has(p)) work.push(p);
    }
    loops.push(body);
  }
  if (!loops.length) return false;

  const sensitive = boundsSensitive(fn);
  /** Per block: the registers its innermost loop defines (a value held from before that loop is defined in none). */
  const definedAround = new Map<number, Set<number>>();
  const sizeOf = new Map<number, number>();
  for (const body of loops) {
    const defs = new Set<number>();
    for (const id of body) for (const i of byId.get(id)!.insts) { const d = defOf(i); if (d !== undefined) defs.add(d); }
    for (const id of body) {
      if ((sizeOf.get(id) ?? Infinity) <= body.size) continue;
      sizeOf.set(id, body.size);
      definedAround.set(id, defs);
    }
  }
  let changed = false;
  for (const [id, defs] of definedAround) {
    const b = byId.get(id)!;
    const t = b.term;
    if (t.op !== "cbr") continue;
    // A test against 0 for equality may be a pointer's null check: a pointer is never copied by arithmetic.
    const nullCheck = (t.cmp === "eq" || t.cmp === "ne") && (isZero(t.a) || isZero(t.b));
    const held = (o: Operand) => !nullCheck && o.kind === "reg" && !defs.has(o.id) && !sensitive.has(o.id);
    const copy = (o: Operand): Operand => {
      if (!held(o)) return o;
      const dst = fn.nextReg++;
      b.insts.push({ op: "bin", kind: "mul", dst, a: o, b: { kind: "imm", value: 1n }, ...(t.span ? { span: t.span } : {}) } as Inst);
      changed = true;
      return reg(dst);
    };
    const a = copy(t.a);
    const c = copy(t.b);
    if (a !== t.a || c !== t.b) b.term = { ...t, a, b: c };
  }
  return changed;
}

const isZero = (o: Operand) => o.kind === "imm" && o.value === 0n;

function defOf(i: Inst): number | undefined {
  return "dst" in i ? i.dst : i.op === "atomic" ? i.fetch : undefined;
}

/**
 * Registers whose range the verifier may need: those used as a memory base or a helper's or function's argument, and
 * those they are computed from (moves, arithmetic, extensions), to a fixed point. Per register, over the whole
 * function (registers are reassigned: one sensitive use makes every value it holds sensitive).
 */
function boundsSensitive(fn: Func): Set<number> {
  const out = new Set<number>();
  const add = (o: Operand | undefined) => { if (o?.kind === "reg") out.add(o.id); };
  // Stack memory read back: a value stored there keeps its link to the register (the verifier narrows both).
  const loaded = new Set<number>();
  for (const b of fn.blocks) for (const i of b.insts) if (i.op === "load" && i.base.kind === "slot") loaded.add(i.base.slot);
  /** Per register: the operands of the instructions defining it. */
  const from = new Map<number, Operand[]>();
  const flow = (dst: number, ...srcs: Operand[]) => {
    const l = from.get(dst);
    if (l) l.push(...srcs);
    else from.set(dst, srcs);
  };
  for (const b of fn.blocks) {
    if (b.term.op === "ret") add(b.term.value);
    for (const i of b.insts) {
      if ("base" in i && i.base.kind === "reg") out.add(i.base.id);
      switch (i.op) {
        case "store":
          if (i.base.kind === "slot" && loaded.has(i.base.slot)) add(i.value);
          break;
        case "atomic":
          add(i.value);
          break;
        case "call":
        case "calllocal":
          i.args.forEach(add);
          break;
        case "fieldoff":
          add(i.a);
          break;
        case "mov":
          flow(i.dst, i.src);
          break;
        case "bin":
          flow(i.dst, i.a, i.b);
          break;
        case "neg":
        case "ext":
          flow(i.dst, i.a);
          break;
      }
    }
  }
  const work = [...out];
  while (work.length) {
    for (const s of from.get(work.pop()!) ?? []) {
      if (s.kind === "reg" && !out.has(s.id)) {
        out.add(s.id);
        work.push(s.id);
      }
    }
  }
  return out;
}
