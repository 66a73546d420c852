// Random eBPF programs for the differential fuzzers: a random source in, instructions out. Valid programs (every
// register set first, ALU of both widths, forward jumps, stack stores/loads and atomics) that the VM, the BigInt
// reference interpreter and the kernel must agree on; and structural refusals (test/fuzz/vm-structure.ts).

import {
  AluOp, Class, Exit, JmpOp, LdImm64, Source, insn, label, resolve, type AsmItem, type Instruction,
} from "../../core/asm/index.ts";

const INTERESTING = [0n, 1n, 2n, 7n, 31n, 32n, 63n, 64n, 0x7fffffffn, 0x80000000n, 0xffffffffn, 0x100000000n,
  0x7fffffffffffffffn, 0x8000000000000000n, 0xffffffffffffffffn, 0xfffffffffffffffen, 0xffffffff80000000n];
const IMMS = [0, 1, -1, 2, 3, 5, 31, 32, 33, 63, 64, 65, 0x7fffffff, -0x80000000, 16, 8, 100, -7];

/**
 * A random straight-line program of `length` steps (ALU, forward jumps, stack stores and loads), ending in exit.
 * `verifiable`: no immediate the verifier refuses (a shift by at least the width, a division by constant zero),
 * so that the kernel loads the program and the three ways can be compared.
 */
export function generateVmProgram(random: () => number, length: number, verifiable = false): Instruction[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const reg = () => Math.floor(random() * 10);
  const imm = () => (random() < 0.7 ? pick(IMMS) : (Math.floor(random() * 2 ** 32) | 0));
  const value = () => (random() < 0.6 ? pick(INTERESTING) : BigInt(Math.floor(random() * 2 ** 32)) << 32n | BigInt(Math.floor(random() * 2 ** 32)));
  const items: AsmItem[] = [];
  for (let r = 0; r < 10; r++) items.push(LdImm64(r, value()));
  const aluOps = [AluOp.Add, AluOp.Sub, AluOp.Mul, AluOp.Div, AluOp.Or, AluOp.And, AluOp.Lsh, AluOp.Rsh, AluOp.Neg,
    AluOp.Mod, AluOp.Xor, AluOp.Mov, AluOp.Arsh, AluOp.End];
  const jmpOps = [JmpOp.JEq, JmpOp.JGt, JmpOp.JGe, JmpOp.JSet, JmpOp.JNe, JmpOp.JSGt, JmpOp.JSGe, JmpOp.JLt, JmpOp.JLe, JmpOp.JSLt, JmpOp.JSLe];
  let labels = 0;
  const pending: { at: number; name: string }[] = [];
  for (let k = 0; k < length; k++) {
    for (const p of pending.filter((p) => p.at === k)) items.push(label(p.name));
    const roll = random();
    if (roll < 0.75) {
      const code = pick(aluOps);
      const cls = random() < 0.5 ? Class.ALU64 : Class.ALU;
      const x = random() < 0.5;
      const dst = reg();
      if (code === AluOp.Neg) items.push(insn({ op: code | cls, dst }));
      else if (code === AluOp.End) {
        const kind = random();
        const width = pick([16, 32, 64]);
        if (kind < 0.33) items.push(insn({ op: AluOp.End | Class.ALU64, dst, imm: width }));
        else items.push(insn({ op: AluOp.End | (kind < 0.66 ? Source.X : Source.K) | Class.ALU, dst, imm: width }));
      } else {
        let off = 0;
        if ((code === AluOp.Div || code === AluOp.Mod) && random() < 0.5) off = 1;
        if (code === AluOp.Mov && x && random() < 0.4) off = cls === Class.ALU64 ? pick([8, 16, 32]) : pick([8, 16]);
        let k = imm();
        if (verifiable && (code === AluOp.Lsh || code === AluOp.Rsh || code === AluOp.Arsh)) k &= cls === Class.ALU64 ? 63 : 31;
        if (verifiable && (code === AluOp.Div || code === AluOp.Mod) && k === 0) k = 1;
        items.push(x ? insn({ op: code | Source.X | cls, dst, src: reg(), off }) : insn({ op: code | cls, dst, imm: k, off }));
      }
    } else if (roll < 0.9) {
      const name = `L${labels++}`;
      pending.push({ at: Math.min(length, k + 1 + Math.floor(random() * 4)), name });
      const cls = random() < 0.5 ? Class.JMP : Class.JMP32;
      const code = pick(jmpOps);
      items.push(random() < 0.5 ? insn({ op: code | Source.X | cls, dst: reg(), src: reg(), target: name })
        : insn({ op: code | cls, dst: reg(), imm: imm(), target: name }));
    } else {
      // a store to the stack and a load back, of a random width, possibly sign-extending
      const size = pick([0x00, 0x08, 0x10, 0x18]);
      const bytes = { 0: 4, 8: 2, 16: 1, 24: 8 }[size]!;
      const off = -8 * (1 + Math.floor(random() * 8));
      const atomic = random() < 0.3 && (size === 0x00 || size === 0x18);
      if (atomic) {
        items.push(insn({ op: 0x60 | 0x18 | Class.STX, dst: 10, src: reg(), off }));
        items.push(insn({ op: 0xc0 | size | Class.STX, dst: 10, src: reg(), off, imm: pick([0x00, 0x01, 0x40, 0x41, 0x50, 0x51, 0xa0, 0xa1, 0xe1, 0xf1]) }));
      } else {
        items.push(insn({ op: 0x60 | size | Class.STX, dst: 10, src: reg(), off }));
      }
      const signed = bytes < 8 && random() < 0.4;
      items.push(insn({ op: (signed ? 0x80 : 0x60) | size | Class.LDX, dst: reg(), src: 10, off }));
    }
  }
  for (const p of pending.filter((p) => p.at >= length)) items.push(label(p.name));
  items.push(Exit());
  return resolve(items);
}
