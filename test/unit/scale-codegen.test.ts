// Code generation on long handlers: the register allocator's work (its counted steps, never wall time) grows
// about linearly with the handler; a branch or a program too long for eBPF's encodings is a diagnostic with the
// count and the limit, not an exception; the dominator walk of compiler/passes/task-constants.ts is iterative.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { join } from "node:path";
import { BpfFunc } from "../../core/asm/helpers.ts";
import { compile } from "../../compiler/index.ts";
import { Diagnostics } from "../../compiler/diagnostics.ts";
import { generate } from "../../compiler/codegen/index.ts";
import { selectInstructions } from "../../compiler/codegen/isel.ts";
import { type Work, allocateRegisters } from "../../compiler/codegen/regalloc.ts";
import { type Block, type Func, imm, reg } from "../../compiler/ir/ir.ts";
import { reuseTaskConstants } from "../../compiler/passes/task-constants.ts";
import { generate as tracer } from "../support/scale-gen.ts";

/** The allocator's steps on the entry function of a generated handler of n statements. */
function allocationSteps(n: number): { steps: number; insns: number } {
  const r = compile(join(process.cwd(), `scale-${n}.ts`), { text: tracer("statements", n) });
  assert.ok(r.spec, r.diagnostics.map((d) => `${d.code} ${d.message}`).join("; "));
  // compile() optimised the IR in place; select and allocate it again, counting.
  const mf = selectInstructions(r.programs[0]!.funcs[0]!);
  const work: Work = { steps: 0 };
  allocateRegisters(mf, work);
  return { steps: work.steps, insns: r.spec.programs[0]!.instructions.length };
}

test("register allocation: 4x the statements is at most 6x the steps (it was quadratic)", () => {
  const small = allocationSteps(300);
  const big = allocationSteps(1200);
  assert.ok(big.insns > 3.5 * small.insns, `${small.insns} -> ${big.insns} instructions`);
  assert.ok(big.steps < 6 * small.steps, `${small.steps} -> ${big.steps} steps`);
});

/** An entry function: a conditional branch around `n` stores, then return. */
function branchAround(n: number): Func {
  const body: Block = { id: 1, insts: [], term: { op: "br", target: 2 } };
  for (let i = 0; i < n; i++) body.insts.push({ op: "store", base: { kind: "slot", slot: 0 }, off: 0, size: 8, value: imm(i) });
  return {
    name: "big", kind: "entry", params: [0], entry: 0, nextReg: 1, slots: [{ id: 0, size: 8, align: 8, what: "x" }],
    blocks: [
      { id: 0, insts: [], term: { op: "cbr", cmp: "eq", a: reg(0), b: imm(0), then: 2, else: 1 } },
      body,
      { id: 2, insts: [], term: { op: "ret", value: imm(0) } },
    ],
  };
}

test("a branch around more than 32,767 instructions: TSB1082 with the distance and the limit", () => {
  const diags = new Diagnostics();
  assert.is(generate([branchAround(40000)], diags, "big"), undefined);
  assert.equal(diags.list.map((d) => d.code), ["TSB1082"]);
  assert.match(diags.list[0]!.message, "spans 40000 instructions; eBPF jumps reach at most 32767");
  const fine = new Diagnostics();
  assert.ok(generate([branchAround(30000)], fine, "big"));
  assert.equal(fine.list, []);
});

/** 20 `if`s in a row, each with a 1-store `then` and a 2,000-store `else`. */
function diamonds(): Func {
  const blocks: Block[] = [];
  const stores = (n: number) => Array.from({ length: n }, (_, i) => ({ op: "store" as const, base: { kind: "slot" as const, slot: 0 }, off: 0, size: 8 as const, value: imm(i) }));
  for (let k = 0; k < 20; k++) {
    const [a, t, e, next] = [3 * k, 3 * k + 1, 3 * k + 2, 3 * k + 3];
    blocks.push({ id: a, insts: [], term: { op: "cbr", cmp: "eq", a: reg(0), b: imm(k), then: t, else: e } });
    blocks.push({ id: t, insts: stores(1), term: { op: "br", target: next } });
    blocks.push({ id: e, insts: stores(2000), term: { op: "br", target: next } });
  }
  blocks.push({ id: 60, insts: [], term: { op: "ret", value: imm(0) } });
  return { name: "ifs", kind: "entry", params: [0], entry: 0, nextReg: 1, slots: [{ id: 0, size: 8, align: 8, what: "x" }], blocks };
}

test("a long run of ifs whose likely layout puts the thens out of reach is laid out in source order instead", () => {
  const diags = new Diagnostics();
  const g = generate([diamonds()], diags, "ifs");
  assert.equal(diags.list, []);
  assert.ok(g);
  assert.ok(g.instructions.length > 40000);
  assert.ok(g.instructions.every((i) => Math.abs(i.off) <= 32767));
});

test("a program over the kernel's instruction limit: TSB1081 with the count and the limit", () => {
  const diags = new Diagnostics();
  // The limit is 1,000,000; a program of that size would take the test a while to build: lowered to 1,000 here.
  assert.is(generate([branchAround(1500)], diags, "big", undefined, 1000), undefined);
  assert.equal(diags.list.map((d) => d.code), ["TSB1081"]);
  assert.match(diags.list[0]!.message, "probe big compiles to 1503 instructions; the kernel loads at most 1000");
});

test("task constants over a chain of 100,000 blocks: no recursion, the second pid call reuses the first", () => {
  const blocks: Block[] = [];
  const n = 100000;
  for (let i = 0; i < n; i++) blocks.push({ id: i, insts: [], term: i + 1 < n ? { op: "br", target: i + 1 } : { op: "ret", value: reg(2) } });
  blocks[0]!.insts.push({ op: "call", dst: 1, helper: BpfFunc.GetCurrentPidTgid, args: [] });
  blocks[n - 1]!.insts.push({ op: "call", dst: 2, helper: BpfFunc.GetCurrentPidTgid, args: [] });
  const fn: Func = { name: "chain", kind: "entry", params: [0], entry: 0, nextReg: 3, slots: [], blocks };
  assert.ok(reuseTaskConstants(fn));
  assert.equal(blocks[n - 1]!.insts.map((i) => i.op), ["mov"]);
});

test.run();
