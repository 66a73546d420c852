// Helpers whose result cannot change during one run of a program: a Func in, the same Func where a second call of
// one of them, dominated by a first, reads the first's result instead. Tracers ask for the pid and then the tid
// (`bpf.pid()`, `bpf.tid()`: both get_current_pid_tgid), or for the task twice; the current task, its ids, its
// credentials and the CPU (programs run with migration disabled) are the same for the whole run.
//
// Not SSA: the first call's destination may be reassigned before the second call, so the result is copied into a
// fresh register defined once, right after the first call; the second call becomes a copy of that register. Copy
// propagation and dead code elimination then clean up. Runs once, before the fixed-point passes.
//
// A value is not carried into a loop: each iteration calls the helper afresh (once). The verifier narrows a
// register's range at every comparison; one pid held across a loop's iterations, compared differently on each path,
// kept the verifier's states apart from one iteration to the next (a fuzzed handler: over 1,000,000 instructions
// processed, 205,802 with a call per iteration).

import { BpfFunc } from "../../core/asm/helpers.ts";
import { type Func, type Inst, reg } from "../ir/ir.ts";
import { predecessors, reversePostorder } from "./cfg.ts";

const TASK_CONSTANT: ReadonlySet<number> = new Set([
  BpfFunc.GetSmpProcessorId, BpfFunc.GetCurrentPidTgid, BpfFunc.GetCurrentUidGid, BpfFunc.GetCurrentTask, BpfFunc.GetCurrentTaskBtf,
]);

type ConstantCall = Extract<Inst, { op: "call" }> & { readonly dst: number };

const isConstantCall = (i: Inst): i is ConstantCall => i.op === "call" && i.dst !== undefined && i.args.length === 0 && TASK_CONSTANT.has(i.helper);

export function reuseTaskConstants(fn: Func): boolean {
  const calls = new Map<number, number>();
  for (const b of fn.blocks) for (const i of b.insts) if (isConstantCall(i)) calls.set(i.helper, (calls.get(i.helper) ?? 0) + 1);
  if (![...calls.values()].some((n) => n > 1)) return false;

  const order = reversePostorder(fn);
  const idom = dominators(fn, order);
  const byId = new Map(fn.blocks.map((b) => [b.id, b]));
  const index = new Map(order.map((id, i) => [id, i]));
  const preds = predecessors(fn);
  /** A loop's head: the target of an edge from a block at or after it in reverse postorder (a back edge). */
  const loopHead = (id: number) => (preds.get(id) ?? []).some((p) => index.has(p) && index.get(p)! >= index.get(id)!);
  /** Per block: helper → the register holding its result at the block's end. */
  const available = new Map<number, Map<number, number>>();
  let changed = false;
  for (const id of order) {
    const b = byId.get(id)!;
    const parent = idom.get(id);
    const have = new Map(parent === undefined || loopHead(id) ? [] : available.get(parent) ?? []);
    const out: Inst[] = [];
    for (const i of b.insts) {
      if (!isConstantCall(i)) {
        out.push(i);
        continue;
      }
      const held = have.get(i.helper);
      if (held !== undefined) {
        out.push({ op: "mov", dst: i.dst, src: reg(held), ...(i.span ? { span: i.span } : {}), ...(i.source ? { source: i.source } : {}) });
        changed = true;
        continue;
      }
      out.push(i);
      if (calls.get(i.helper)! > 1) {
        const keep = fn.nextReg++;
        out.push({ op: "mov", dst: keep, src: reg(i.dst), ...(i.span ? { span: i.span } : {}) });
        have.set(i.helper, keep);
      }
    }
    b.insts = out;
    available.set(id, have);
  }
  return changed;
}

/** Immediate dominators (Cooper, Harvey and Kennedy's iteration); the entry has none. */
function dominators(fn: Func, order: readonly number[]): Map<number, number | undefined> {
  const preds = predecessors(fn);
  const index = new Map(order.map((id, i) => [id, i]));
  const idom = new Map<number, number>([[fn.entry, fn.entry]]);
  const intersect = (a: number, b: number) => {
    while (a !== b) {
      while (index.get(a)! > index.get(b)!) a = idom.get(a)!;
      while (index.get(b)! > index.get(a)!) b = idom.get(b)!;
    }
    return a;
  };
  for (let changed = true; changed; ) {
    changed = false;
    for (const id of order) {
      if (id === fn.entry) continue;
      const done = (preds.get(id) ?? []).filter((p) => idom.has(p));
      if (!done.length) continue;
      const d = done.slice(1).reduce(intersect, done[0]!);
      if (idom.get(id) !== d) {
        idom.set(id, d);
        changed = true;
      }
    }
  }
  return new Map(order.map((id) => [id, id === fn.entry ? undefined : idom.get(id)]));
}
