// Structurally invalid eBPF programs, as uBPF's and the kernel's tests write them: a random source in, a program
// out that the kernel verifier refuses before running anything (check_subprogs, check_cfg, the call-depth check),
// with the words its log uses. The VM must refuse each at load, as the kernel does.

import {
  AluOp, Call, Class, Exit, JEq, JNe, JmpOp, LdFunc, LdImm64, Mov, insn, label, resolve, type AsmItem, type Instruction,
} from "../../core/asm/index.ts";
import type { Random } from "./random.ts";
import { generateVmProgram } from "./vm-programs.ts";

export interface StructuralCase {
  readonly name: string;
  readonly insns: Instruction[];
  /** What the kernel's verifier log says (numbers as \d+). */
  readonly kernel: RegExp;
}

/** A valid random body without its final exit: filler that makes each case differ. */
function body(r: Random): AsmItem[] {
  const insns = generateVmProgram(() => r.next(), r.int(0, 12));
  // the generator's jumps are resolved to offsets inside the body: the body stays one block of straight-line code
  // with forward jumps that land at most on its last instruction, which the caller follows with one of its own.
  return insns.slice(0, -1);
}

export const STRUCTURAL_KINDS = ["fall-through", "cross-function jump", "unreachable", "recursion", "call depth",
  "jump into lddw", "callback into a function", "jump out of the program", "no exit"] as const;
export type StructuralKind = (typeof STRUCTURAL_KINDS)[number];

export function structuralCase(r: Random, kind: StructuralKind = r.pick(STRUCTURAL_KINDS)): StructuralCase {
  const b = (_where: string) => body(r);
  switch (kind) {
    case "fall-through":
      // f has no exit: it would run on into g (uBPF runs it; r0 = 0x12345678)
      return {
        name: kind, kernel: /last insn is not an exit or jmp/,
        insns: resolve([Call.local("f"), Call.local("g"), Exit(), label("f"), ...b("f"), Mov.imm(0, 1), label("g"), Mov.imm(0, 0x12345678), Exit()]),
      };
    case "cross-function jump":
      return {
        name: kind, kernel: /jump out of range from insn \d+ to -?\d+/,
        insns: resolve([Call.local("f"), Call.local("g"), Exit(), label("f"), ...b("f"), Mov.imm(0, 1), JEq.imm(0, 1, "inside_g"), Exit(),
          label("g"), Mov.imm(0, 2), label("inside_g"), Mov.imm(0, 3), Exit()]),
      };
    case "unreachable":
      return {
        name: kind, kernel: /unreachable insn \d+/,
        insns: resolve([...b("m"), Mov.imm(0, 0), Exit(), Mov.imm(0, 1), ...(r.chance(0.5) ? [Exit()] : [JNe.imm(0, 0, "x"), label("x"), Exit()])]),
      };
    case "recursion": {
      // f calls itself, or f calls g which calls f; the recursion would end at run time, the kernel refuses it anyway
      const self = r.chance(0.5);
      return {
        name: kind, kernel: /the call stack of \d+ frames is too deep/,
        insns: resolve([Mov.imm(1, 0), Call.local("f"), Exit(), label("f"), Mov.imm(0, 1), JNe.imm(1, 0, "out"), Mov.imm(1, 1), Call.local(self ? "f" : "g"),
          label("out"), Exit(), ...(self ? [] : [label("g"), Call.local("f"), Exit()])]),
      };
    }
    case "call depth": {
      const n = r.int(8, 10);
      const items: AsmItem[] = [Call.local("f0"), Exit()];
      for (let k = 0; k < n; k++) items.push(label(`f${k}`), Call.local(`f${k + 1}`), Exit());
      items.push(label(`f${n}`), Mov.imm(0, 0), Exit());
      return { name: kind, kernel: /the call stack of \d+ frames is too deep/, insns: resolve(items) };
    }
    case "jump into lddw":
      return {
        name: kind, kernel: /jump into the middle of ldimm64 insn \d+/,
        insns: [...resolve([...b("m")]), insn({ op: JmpOp.JEq | Class.JMP, dst: 0, imm: 0, off: 1 }), ...resolve([LdImm64(0, 0x1_0000_0001n), Exit()])],
      };
    case "callback into a function":
      // a BPF_PSEUDO_FUNC load whose target is inside main: main is cut in two there and its first half falls through
      return {
        name: kind, kernel: /last insn is not an exit or jmp|jump out of range/,
        insns: resolve([LdFunc(2, "mid"), Mov.imm(0, 0), label("mid"), Mov.imm(0, 1), Exit()]),
      };
    case "jump out of the program":
      return {
        name: kind, kernel: /jump out of range from insn \d+ to -?\d+/,
        insns: [...resolve([...b("m")]), insn({ op: JmpOp.Ja | Class.JMP, off: r.pick([1, 5, -100]) }), ...resolve([Exit()])],
      };
    case "no exit":
      return {
        name: kind, kernel: /last insn is not an exit or jmp/,
        insns: resolve([...b("m"), Mov.imm(0, 0), insn({ op: AluOp.Add | Class.ALU64, dst: 0, imm: 1 })]),
      };
  }
}
