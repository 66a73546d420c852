// Control-flow cleanup: a Func in, the same Func with constant branches folded, jumps threaded through empty
// blocks, unreachable blocks dropped and straight-line chains merged. Block ids are renumbered densely.

import { type Block, type Func, type Terminator, evalCmp, successors } from "../ir/ir.ts";

/** Folds a conditional branch on two constants, or with both targets equal, into a plain branch. */
function foldTerm(t: Terminator): Terminator {
  if (t.op !== "cbr") return t;
  if (t.then === t.else) return { op: "br", target: t.then, ...(t.span ? { span: t.span } : {}), ...(t.source ? { source: t.source } : {}) };
  if (t.a.kind === "imm" && t.b.kind === "imm") {
    const target = evalCmp(t.cmp, t.a.value, t.b.value, !!t.w32) ? t.then : t.else;
    return { op: "br", target, ...(t.span ? { span: t.span } : {}), ...(t.source ? { source: t.source } : {}) };
  }
  return t;
}

function retarget(t: Terminator, f: (id: number) => number): Terminator {
  if (t.op === "br") return { ...t, target: f(t.target) };
  if (t.op === "cbr") return { ...t, then: f(t.then), else: f(t.else) };
  return t;
}

export function simplifyCfg(fn: Func): boolean {
  let changed = false;
  const byId = new Map(fn.blocks.map((b) => [b.id, b]));
  for (const b of fn.blocks) {
    const t = foldTerm(b.term);
    if (t !== b.term) {
      b.term = t;
      changed = true;
    }
  }
  // Thread jumps through blocks that only jump.
  const forward = (id: number): number => {
    const seen = new Set<number>();
    let cur = id;
    for (;;) {
      const b = byId.get(cur)!;
      if (b.insts.length || b.term.op !== "br" || seen.has(cur) || cur === fn.entry) return cur;
      seen.add(cur);
      cur = b.term.target;
    }
  };
  for (const b of fn.blocks) {
    const t = retarget(b.term, forward);
    const same = t.op === "br" ? b.term.op === "br" && t.target === b.term.target
      : t.op === "cbr" ? b.term.op === "cbr" && t.then === b.term.then && t.else === b.term.else : true;
    if (!same) {
      b.term = foldTerm(t);
      changed = true;
    }
  }
  // Merge a block into its only predecessor when that predecessor jumps to it unconditionally.
  const preds = predecessors(fn);
  for (const b of fn.blocks) {
    for (;;) {
      if (b.term.op !== "br") break;
      const next = byId.get(b.term.target)!;
      if (next === b || next.id === fn.entry || (preds.get(next.id)?.length ?? 0) !== 1) break;
      for (const i of next.insts) b.insts.push(i); // not a spread: a block of a long handler overflows the stack
      b.term = next.term;
      next.insts = [];
      next.term = { op: "br", target: next.id };
      for (const s of successors(b.term)) {
        const p = preds.get(s)!;
        preds.set(s, p.map((x) => (x === next.id ? b.id : x)));
      }
      preds.set(next.id, []);
      changed = true;
    }
  }
  return removeUnreachable(fn) || changed;
}

export function predecessors(fn: Func): Map<number, number[]> {
  const preds = new Map<number, number[]>(fn.blocks.map((b) => [b.id, []]));
  for (const b of fn.blocks) for (const s of successors(b.term)) preds.get(s)!.push(b.id);
  return preds;
}

/** Drops blocks not reachable from the entry and renumbers the rest in order. */
export function removeUnreachable(fn: Func): boolean {
  const byId = new Map(fn.blocks.map((b) => [b.id, b]));
  const seen = new Set<number>();
  const stack = [fn.entry];
  while (stack.length) {
    const id = stack.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...successors(byId.get(id)!.term));
  }
  if (seen.size === fn.blocks.length && fn.blocks.every((b, i) => b.id === i)) return false;
  const kept: Block[] = fn.blocks.filter((b) => seen.has(b.id));
  const newId = new Map(kept.map((b, i) => [b.id, i]));
  fn.blocks = kept.map((b) => ({ id: newId.get(b.id)!, insts: b.insts, term: retarget(b.term, (x) => newId.get(x)!) }));
  return true;
}

/** Blocks reachable from the entry, each after all of its predecessors except along back edges. */
export function reversePostorder(fn: Func): number[] {
  const byId = new Map(fn.blocks.map((b) => [b.id, b]));
  const seen = new Set<number>([fn.entry]);
  const post: number[] = [];
  // Depth first with an explicit stack (a chain of thousands of blocks would overflow a recursive walk): each
  // entry is a block and the index of its next successor to look at.
  const stack: [number, number[], number][] = [[fn.entry, successors(byId.get(fn.entry)!.term), 0]];
  while (stack.length) {
    const top = stack[stack.length - 1]!;
    const [id, succ, i] = top;
    if (i < succ.length) {
      top[2] = i + 1;
      const s = succ[i]!;
      if (!seen.has(s)) {
        seen.add(s);
        stack.push([s, successors(byId.get(s)!.term), 0]);
      }
      continue;
    }
    stack.pop();
    post.push(id);
  }
  return post.reverse();
}
