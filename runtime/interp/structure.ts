// The program's shape as the kernel verifier checks it before it runs anything (check_subprogs, check_cfg in
// kernel/bpf/verifier.c): validated instructions in, the first structural refusal out as a VmError, with the
// kernel's own words quoted so that a VM refusal and a kernel refusal read alike. The VM runs only what the kernel
// would load: a subprogram that falls through into the next one, a jump from one function into another, an
// instruction no path reaches, recursion, or calls nested deeper than 8 frames are refused at load.

import { MAX_FRAMES } from "./jit.ts";
import { type Instruction, OP_CALL, OP_EXIT, OP_JA, OP_JA32, OP_LDDW, PseudoCall, PseudoLd, isConditionalJump, slots } from "../../core/asm/index.ts";

/** A structural refusal: the instruction, our words, and what the kernel's verifier log says for it. */
export interface StructureProblem {
  readonly insn: number;
  readonly message: string;
  readonly kernel: string;
}

/**
 * Checks the structure of a program that passed `validate` (known opcodes, targets inside the program and on
 * instruction boundaries). Slots, as the kernel counts instructions (lddw takes two), name the kernel's positions.
 */
export function checkStructure(insns: readonly Instruction[]): StructureProblem | undefined {
  const slotOf: number[] = [];
  const atSlot = new Map<number, number>();
  let total = 0;
  insns.forEach((ins, i) => {
    slotOf.push(total);
    atSlot.set(total, i);
    total += slots(ins);
  });
  const target = (i: number): number | undefined => {
    const ins = insns[i]!;
    if (ins.op === OP_JA32) return slotOf[i]! + 1 + ins.imm;
    if (ins.op === OP_JA || isConditionalJump(ins.op)) return slotOf[i]! + 1 + ins.off;
    return undefined;
  };
  const callTarget = (i: number): number | undefined => {
    const ins = insns[i]!;
    if (ins.op === OP_CALL && ins.src === PseudoCall.Local) return slotOf[i]! + 1 + ins.imm;
    if (ins.op === OP_LDDW && ins.src === PseudoLd.Func) return slotOf[i]! + 1 + ins.imm;
    return undefined;
  };

  // check_subprogs: every local-call or callback target starts a function, which ends where the next one starts.
  const starts = new Set<number>([0]);
  insns.forEach((_, i) => {
    const t = callTarget(i);
    if (t !== undefined) starts.add(t);
  });
  const bounds = [...starts].sort((a, b) => a - b);
  const fnOf = (slot: number): number => {
    let lo = 0;
    for (let k = 0; k < bounds.length && bounds[k]! <= slot; k++) lo = k;
    return lo;
  };
  for (let f = 0; f < bounds.length; f++) {
    const start = bounds[f]!;
    const end = bounds[f + 1] ?? total;
    for (let s = start; s < end; s += slots(insns[atSlot.get(s)!]!)) {
      const i = atSlot.get(s)!;
      const t = target(i);
      if (t !== undefined && (t < start || t >= end)) {
        return {
          insn: i,
          message: `instruction ${i} jumps from ${fnName(start)} into ${fnName(bounds[fnOf(t)]!)} (slot ${t}); a jump must stay inside its function, only a call enters another`,
          kernel: `jump out of range from insn ${s} to ${t}`,
        };
      }
      const next = s + slots(insns[i]!);
      if (next === end) {
        const op = insns[i]!.op;
        if (op !== OP_EXIT && op !== OP_JA && op !== OP_JA32) {
          return {
            insn: i,
            message: `${fnName(start)} does not end in exit or a jump: instruction ${i} falls through into ${end < total ? fnName(end) : "the end of the program"}`,
            kernel: "last insn is not an exit or jmp",
          };
        }
      }
    }
  }

  // check_cfg: a depth-first walk from every function's start, taking both edges of every branch; an instruction no
  // walk reaches is refused. (A jump to itself is not: the verifier refuses it only on a path it follows, and the
  // VM's budget stops it when it runs.)
  const reached = new Uint8Array(total);
  const stack = [...bounds];
  while (stack.length) {
    const s = stack.pop()!;
    if (reached[s]) continue;
    reached[s] = 1;
    const i = atSlot.get(s)!;
    const ins = insns[i]!;
    const t = target(i);
    if (t !== undefined) stack.push(t);
    if (ins.op !== OP_EXIT && ins.op !== OP_JA && ins.op !== OP_JA32 && s + slots(ins) < total) stack.push(s + slots(ins));
  }
  for (let s = 0; s < total; s++) {
    const i = atSlot.get(s);
    if (i !== undefined && !reached[s]) {
      return { insn: i, message: `instruction ${i} can never run (no path from the start of its function reaches it)`, kernel: `unreachable insn ${s}` };
    }
  }

  // Recursion: the call graph must be acyclic. The kernel walks the calls statically (check_max_stack_depth) and
  // runs out of frames on a cycle, whether or not the recursion would end at run time.
  const calls = bounds.map(() => new Set<number>());
  insns.forEach((ins, i) => {
    if (ins.op === OP_CALL && ins.src === PseudoCall.Local) calls[fnOf(slotOf[i]!)]!.add(fnOf(callTarget(i)!));
  });
  const state = new Uint8Array(bounds.length);
  const visit = (f: number, path: number[]): number[] | undefined => {
    if (state[f] === 1) return [...path, f];
    if (state[f] === 2) return undefined;
    state[f] = 1;
    for (const g of calls[f]!) {
      const cycle = visit(g, [...path, f]);
      if (cycle) return cycle;
    }
    state[f] = 2;
    return undefined;
  };
  for (let f = 0; f < bounds.length; f++) {
    const cycle = visit(f, []);
    if (cycle) {
      const from = cycle[cycle.length - 2]!;
      const call = insns.findIndex((ins, i) => ins.op === OP_CALL && ins.src === PseudoCall.Local && fnOf(slotOf[i]!) === from && fnOf(callTarget(i)!) === cycle[cycle.length - 1]);
      return {
        insn: call,
        message: `recursion: ${cycle.map((g) => fnName(bounds[g]!)).join(" calls ")}; eBPF functions may not call themselves`,
        kernel: `the call stack of ${MAX_FRAMES} frames is too deep !`,
      };
    }
  }
  // check_max_stack_depth: at most MAX_FRAMES nested frames along any chain of calls.
  const depth = new Map<number, number>();
  const framesFrom = (f: number): number => {
    const known = depth.get(f);
    if (known !== undefined) return known;
    let d = 1;
    for (const g of calls[f]!) d = Math.max(d, 1 + framesFrom(g));
    depth.set(f, d);
    return d;
  };
  const frames = framesFrom(0);
  if (frames > MAX_FRAMES) {
    return { insn: 0, message: `the longest chain of calls needs ${frames} frames, more than ${MAX_FRAMES}`, kernel: `the call stack of ${MAX_FRAMES + 1} frames is too deep` };
  }
  return undefined;
}

function fnName(start: number): string {
  return start === 0 ? "the main function" : `the function at slot ${start}`;
}
