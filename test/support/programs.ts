// Small hand-assembled programs for kernel tests: a counter that adds 1 to element 0 of an array map, and the
// map spec that goes with it.

import { Add, Atomic, Call, Exit, JEq, LdMapFd, Mov, R0, R1, R2, R10, St, label, resolve, type Instruction } from "../../compiler/asm/index.ts";
import { u32, u64 } from "../../compiler/object/layout.ts";
import type { MapSpec } from "../../compiler/object/spec.ts";

export const counterMap = (name = "counts"): MapSpec => ({ name, type: "array", keySize: 4, valueSize: 8, maxEntries: 1, key: u32, value: u64 });

/** counts[0] += 1 (atomically); returns `ret`. */
export function counterProgram(map = "counts", ret = 0): Instruction[] {
  return resolve([
    St.w(R10, -4, 0),
    LdMapFd(R1, map),
    Mov.reg(R2, R10),
    Add.imm(R2, -4),
    Call.helper(1),
    JEq.imm(R0, 0, "out"),
    Mov.imm(R1, 1),
    Atomic.dw.add(R0, 0, R1),
    label("out"),
    Mov.imm(R0, ret),
    Exit(),
  ]);
}
