// Comparisons inside a loop of a value held from before it: a Func in, the same Func where such a comparison tests a
// fresh copy of the value, so that the verifier narrows the copy's range and not the held value's.
//
// The verifier narrows both operands of a conditional jump on each of its paths. A value computed before a loop and
// compared on every iteration (`i > p`, with `p` a parameter) then reaches the loop's head with a different range on
// each path taken (p ≥ 0, p ≥ 1, ... p ≥ 63), and states that differ only there are never merged: a fuzzed
// handler calling, from a loop of 5, a function whose loop of 64 compares its counter with a parameter went over
// 1,000,000 instructions processed. The copy is made with `mul 1`: a plain move, or `add`/`sub` of a constant, keeps
// the copy linked to the held value (Linux 6.10 on), and the verifier then narrows the held value through the link;
// a multiplication unlinks it and, by 1, keeps its range.
//
// Only where the narrowing cannot be needed: the held value (and any value computed from it) is not used to address
// memory, not passed to a helper or a function, and not otherwise relied on after the comparison than as data
// (stored, returned); and it is not compared again later in the same iteration, where the narrowing would decide
// that test (`p === K` makes p the constant K on one path). A bounds check before an access (`if (k < 16) a[k]`)
// keeps its narrowing; so does a null check.
//
// Runs once, after the fixed-point passes (which would fold the copy away).

import { type Block, type Func, type Inst, type Operand, type Terminator, imm, reg, successors } from "../ir/ir.ts";
import { predecessors, reversePostorder } from "./cfg.ts";

export function isolateLoopComparisons(fn: Func): boolean {
  const order = reversePostorder(fn);
  const index = new Map(order.map((id, i) => [id, i]));
  const preds = predecessors(fn);
  const byId = new Map(fn.blocks.map((b) => [b.id, b]));
  // Natural loops: for each back edge p → h (p at or after h in reverse postorder), h and the blocks reaching p
  // without passing through h.
  const loops = new Map<number, Set<number>>();
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
    loops.set(h, body);
  }
  if (!loops.size) return false;

  const sensitive = boundsSensitive(fn);
  /** Per block: its innermost loop, and the registers that loop defines (a value held from before it is defined in none). */
  const innermost = new Map<number, { readonly header: number; readonly body: Set<number>; readonly defs: Set<number> }>();
  for (const [header, body] of loops) {
    const defs = new Set<number>();
    for (const id of body) for (const i of byId.get(id)!.insts) { const d = defOf(i); if (d !== undefined) defs.add(d); }
    for (const id of body) if ((innermost.get(id)?.body.size ?? Infinity) > body.size) innermost.set(id, { header, body, defs });
  }
  /**
   * Whether `r` is compared again after block `from`'s test, in the same iteration: the narrowing then decides that
   * test (a value equal to a constant on one path is not tested again there), and copying would give the verifier
   * both paths of it (a fuzzed handler went from 145,680 instructions to over 1,000,000). Past `LIMIT` blocks, yes.
   */
  const comparedAgain = (r: number, from: Block, loop: { readonly header: number; readonly body: Set<number> }): boolean => {
    const seen = new Set<number>();
    const work = successors(from.term).filter((s) => s !== loop.header && loop.body.has(s));
    while (work.length) {
      const id = work.pop()!;
      if (seen.has(id)) continue;
      if (seen.add(id).size > LIMIT) return true;
      const t = byId.get(id)!.term;
      if (t.op === "cbr" && ((t.a.kind === "reg" && t.a.id === r) || (t.b.kind === "reg" && t.b.id === r))) return true;
      for (const s of successors(t)) if (s !== loop.header && loop.body.has(s) && !seen.has(s)) work.push(s);
    }
    return false;
  };
  // Decided over the unchanged function first (a copy changes the operands that comparedAgain looks for), then made.
  const plan: [Block, boolean, boolean][] = [];
  for (const [id, loop] of innermost) {
    const b = byId.get(id)!;
    const t = b.term;
    if (t.op !== "cbr") continue;
    // A test against 0 for equality may be a pointer's null check: a pointer is never copied by arithmetic.
    if ((t.cmp === "eq" || t.cmp === "ne") && (isZero(t.a) || isZero(t.b))) continue;
    const held = (o: Operand) => o.kind === "reg" && !loop.defs.has(o.id) && !sensitive.has(o.id) && !comparedAgain(o.id, b, loop);
    const a = held(t.a);
    const c = held(t.b);
    if (a || c) plan.push([b, a, c]);
  }
  for (const [b, a, c] of plan) {
    const t = b.term as Extract<Terminator, { op: "cbr" }>;
    const copy = (o: Operand): Operand => {
      const dst = fn.nextReg++;
      b.insts.push({ op: "bin", kind: "mul", dst, a: o, b: imm(1), ...(t.span ? { span: t.span } : {}) });
      return reg(dst);
    };
    b.term = { ...t, a: a ? copy(t.a) : t.a, b: c ? copy(t.b) : t.b };
  }
  return plan.length > 0;
}

const LIMIT = 512;

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
