// The fast VM against the BigInt reference interpreter on thousands of generated programs (seeded, so a failure
// reproduces): every register of every program must agree. And the structural refusals of the kernel's verifier
// (a function falling through into the next, a jump into another function, unreachable code, recursion, too many
// frames, a jump into lddw or out of the program): the VM refuses each at load. `npm run fuzz -- vm` runs more, and
// against the kernel too (test/kernel/vm-differential.test.ts runs a few hundred there).

import { test } from "uvu";
import * as assert from "uvu/assert";
import { Add, AluOp, Call, Class, Exit, JEq, Ja, Mov, Stx, disassemble, insn, label, resolve } from "../../core/asm/index.ts";
import { VmError, VmProgram, type HelperContext } from "../../runtime/interp/index.ts";
import { referenceRun } from "../support/reference-vm.ts";
import { Random } from "../fuzz/random.ts";
import { generateVmProgram } from "../fuzz/vm-programs.ts";
import { STRUCTURAL_KINDS, structuralCase } from "../fuzz/vm-structure.ts";

/** mulberry32: small, seedable, good enough to pick instructions. */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const generate = generateVmProgram;

test("the VM agrees with the reference interpreter on 3000 generated programs", () => {
  const random = rng(0x5eed);
  for (let n = 0; n < 3000; n++) {
    const body = generate(random, 24);
    const expected = referenceRun(body).regs;
    // Same program, ending by storing r0..r9 to the stack and handing them to a helper.
    let got: bigint[] = [];
    const helpers = {
      200: (ctx: HelperContext, p: bigint) => {
        const view = new DataView(ctx.memory.slice(p, 80)!.slice().buffer);
        got = Array.from({ length: 10 }, (_, k) => view.getBigUint64(8 * (9 - k), true));
      },
    };
    const epilogue = [
      ...Array.from({ length: 10 }, (_, k) => Stx.dw(10, -8 * (k + 1), k)),
      Mov.reg(1, 10), Add.imm(1, -80), Call.helper(200), Mov.imm(0, 0), Exit(),
    ];
    VmProgram.load([...body.slice(0, -1), ...epilogue], { helpers }).run();
    for (let r = 0; r < 10; r++) {
      if (got[r] !== expected[r]) {
        assert.unreachable(`program ${n}, r${r}: VM 0x${got[r]?.toString(16)}, reference 0x${expected[r]!.toString(16)}\n${disassemble(body)}`);
      }
    }
  }
});

test("the VM refuses at load what the verifier refuses for the program's shape, 20 programs of each kind", () => {
  const r = new Random(0x5a9e);
  for (const kind of STRUCTURAL_KINDS) {
    for (let n = 0; n < 20; n++) {
      const c = structuralCase(r, kind);
      assert.throws(() => VmProgram.load(c.insns), (e: unknown) => e instanceof VmError && e.kind === "load" && /^invalid program: /.test(e.message),
        `${kind} #${n} loaded:\n${disassemble(c.insns)}`);
    }
  }
});

test("structural refusals say what is wrong in the kernel's words, with the instruction", () => {
  const refusal = (kind: (typeof STRUCTURAL_KINDS)[number]) => {
    try {
      VmProgram.load(structuralCase(new Random(7), kind).insns);
    } catch (e) {
      return e as VmError;
    }
    throw new Error(`${kind} loaded`);
  };
  for (const kind of ["fall-through", "cross-function jump", "unreachable", "recursion", "call depth", "callback into a function"] as const) {
    const e = refusal(kind);
    const quoted = /the kernel's verifier: "(.*)"\)$/.exec(e.message)?.[1];
    assert.ok(quoted && structuralCase(new Random(7), kind).kernel.test(quoted), `${kind}: ${e.message}`);
    assert.type(e.insn, "number");
  }
  assert.match(refusal("fall-through").message, /does not end in exit or a jump: instruction \d+ falls through into the function at slot \d+/);
  assert.match(refusal("unreachable").message, /instruction \d+ can never run/);
});

test("the VM runs the shapes the verifier takes: a subprogram ending in a jump, a loop, a callback", () => {
  // f ends in `ja` back into itself (a loop with an exit inside), as check_subprogs allows
  const p = VmProgram.load(resolve([Mov.imm(1, 0), Call.local("f"), Exit(), label("f"), label("top"), Add.imm(1, 1), Mov.reg(0, 1), JEq.imm(1, 5, "done"), Ja("top"), label("done"), Exit()]));
  assert.is(p.run().r0, 5n);
});

test("the reference interpreter itself: a hand-checked program", () => {
  const regs = referenceRun(resolve([Mov.imm(1, -1), insn({ op: AluOp.Rsh | Class.ALU64, dst: 1, imm: 60 }), Mov.reg(0, 1), Exit()])).regs;
  assert.is(regs[0], 15n);
});

test.run();
