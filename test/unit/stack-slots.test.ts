// compiler/codegen/slots.ts: stack slots whose lifetimes never overlap share; slots live at the same point, a slot
// carried around a loop, a slot whose address escapes, and one only partly written never share. And end to end: a
// handler of 40 map updates fits the stack, and what the VM computes with shared slots is right.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { BpfFunc } from "../../core/asm/helpers.ts";
import { compile } from "../../compiler/index.ts";
import { shareSlots } from "../../compiler/codegen/slots.ts";
import { FuncBuilder } from "../../compiler/ir/builder.ts";
import { type Func, imm, reg } from "../../compiler/ir/ir.ts";
import { simulate } from "../../testing.ts";

const FIXTURE = "test/fixtures/vm/stack-slots.ts";

/** A function whose body `build` writes; returns it after slot sharing, with the slot each original slot became. */
function shared(build: (b: FuncBuilder, slot: (size?: number) => number) => void): { fn: Func; of: (slot: number) => number } {
  const b = new FuncBuilder("f", "entry", 1);
  b.switchTo(b.newBlock());
  build(b, (size = 8) => b.slot(size, 8, `slot of ${size}`));
  if (b.open) b.ret(imm(0));
  const before = b.func.blocks.flatMap((blk) => blk.insts.map((i) => (i.op === "store" || i.op === "load") && i.base.kind === "slot" ? i.base.slot : i.op === "addr" ? i.slot : -1));
  shareSlots(b.func);
  const after = b.func.blocks.flatMap((blk) => blk.insts.map((i) => (i.op === "store" || i.op === "load") && i.base.kind === "slot" ? i.base.slot : i.op === "addr" ? i.slot : -1));
  const map = new Map<number, number>();
  before.forEach((s, k) => {
    if (s >= 0) map.set(s, after[k]!);
  });
  return { fn: b.func, of: (s) => map.get(s)! };
}

/** Stores to a slot then passes its address to a helper (a map key, say). */
function useAsKey(b: FuncBuilder, slot: number): void {
  b.store({ kind: "slot", slot }, 0, 8, imm(1));
  const a = b.newReg();
  b.emit({ op: "addr", dst: a, slot, off: 0 });
  b.call(BpfFunc.MapDeleteElem, [imm(0), reg(a)]);
}

test("temporaries used one after the other share one slot; one never accessed is dropped", () => {
  const { fn, of } = shared((b, slot) => {
    const [x, y, z] = [slot(), slot(), slot()];
    slot(); // never accessed
    useAsKey(b, x);
    useAsKey(b, y);
    useAsKey(b, z);
  });
  assert.is(fn.slots.length, 1);
  assert.is(of(0), of(1));
  assert.is(of(1), of(2));
});

test("slots live at the same point do not share", () => {
  const { fn } = shared((b, slot) => {
    const [x, y] = [slot(), slot()];
    b.store({ kind: "slot", slot: x }, 0, 8, imm(1));
    b.store({ kind: "slot", slot: y }, 0, 8, imm(2));
    const ax = b.newReg();
    b.emit({ op: "addr", dst: ax, slot: x, off: 0 });
    b.call(BpfFunc.MapDeleteElem, [imm(0), reg(ax)]);
    b.load({ kind: "slot", slot: y }, 0, 8, false);
  });
  assert.is(fn.slots.length, 2);
});

test("a slot written before a loop and read in it stays apart from the loop's temporaries", () => {
  const { fn } = shared((b, slot) => {
    const [carried, temp] = [slot(), slot()];
    b.store({ kind: "slot", slot: carried }, 0, 8, imm(7));
    const head = b.newBlock(), body = b.newBlock(), exit = b.newBlock();
    b.br(head);
    b.switchTo(head);
    b.cbr("ult", reg(0), imm(10), body, exit);
    b.switchTo(body);
    useAsKey(b, temp);
    b.load({ kind: "slot", slot: carried }, 0, 8, false);
    b.br(head);
    b.switchTo(exit);
  });
  assert.is(fn.slots.length, 2);
});

test("a slot only partly overwritten keeps its earlier value live; a run of stores covering it does not", () => {
  const partial = shared((b, slot) => {
    const [x, y] = [slot(), slot()];
    useAsKey(b, x);
    b.store({ kind: "slot", slot: y }, 0, 4, imm(1)); // bytes 4-7 are what was there before
    b.load({ kind: "slot", slot: y }, 0, 8, false);
  });
  assert.is(partial.fn.slots.length, 2);
  const covered = shared((b, slot) => {
    const [x, y] = [slot(), slot()];
    useAsKey(b, x);
    b.store({ kind: "slot", slot: y }, 0, 4, imm(1));
    b.store({ kind: "slot", slot: y }, 4, 4, imm(2));
    b.load({ kind: "slot", slot: y }, 0, 8, false);
  });
  assert.is(covered.fn.slots.length, 1);
});

test("40 temporaries of a loop's body share one slot; the one carried around the loop keeps its own", () => {
  // more than 32 slots: the liveness bitsets' bit 31 is in use
  const { fn, of } = shared((b, slot) => {
    const carried = slot();
    const temps = Array.from({ length: 40 }, () => slot());
    b.store({ kind: "slot", slot: carried }, 0, 8, imm(7));
    const head = b.newBlock(), body = b.newBlock(), exit = b.newBlock();
    b.br(head);
    b.switchTo(head);
    b.cbr("ult", reg(0), imm(10), body, exit);
    b.switchTo(body);
    for (const t of temps) useAsKey(b, t);
    b.load({ kind: "slot", slot: carried }, 0, 8, false);
    b.br(head);
    b.switchTo(exit);
  });
  assert.is(fn.slots.length, 2);
  assert.is.not(of(0), of(1));
  assert.is(of(1), of(40));
});

test("a slot whose address is stored to memory never shares", () => {
  // Once stored, x's address may be used anywhere: x keeps its slot, though nothing reads x directly after.
  const { of } = shared((b, slot) => {
    const [x, y, holder] = [slot(), slot(), slot()];
    const a = b.newReg();
    b.emit({ op: "addr", dst: a, slot: x, off: 0 });
    b.store({ kind: "slot", slot: holder }, 0, 8, reg(a));
    useAsKey(b, y);
  });
  assert.is.not(of(0), of(1));
  assert.is.not(of(0), of(2));
});

test("40 map updates in one handler fit the 512-byte stack", () => {
  const r = compile(FIXTURE);
  assert.equal(r.diagnostics.map((d) => `${d.code} ${d.message}`), []);
});

test("with shared slots, the VM computes what the handlers say", async () => {
  type M = typeof import("../fixtures/vm/stack-slots.ts");
  const sim = await simulate<M>(FIXTURE);
  sim.fire("sched/sched_switch", { next_pid: 5 });
  for (let i = 1; i <= 40; i++) assert.is(sim.maps.h.get(BigInt(i)), 5n + BigInt(i) * 100n, `h[${i}]`);
  sim.fire("sched/sched_wakeup", { pid: 9 });
  const pair = (b: number) => sim.maps.pairs.get({ a: 9, b });
  assert.equal([pair(1), pair(2), pair(3), pair(100), pair(101), pair(102)], [4n, 11n, 3n, 0n, 1n, 2n]);
  sim.fire("sched/sched_process_exit", { pid: 77 });
  // j = 0: i = 0..6 (odd 3, even 4 x 2, last 6); j = 1: i = 0..7; j = 2: i = 0..8, the counts running on.
  assert.equal([0, 1, 2, 9].map((j) => sim.maps.counts.get(j)), [3008006n, 7016107n, 11026208n, 77n]);
  sim.fire("sched/sched_process_free", { pid: 5 });
  // odd i from 1 to 19 sum to 100: the u8 wraps to 2 - 100 + 256, the i16 reaches -10,000
  assert.equal([10, 11, 12].map((j) => sim.maps.counts.get(j)), [158n, BigInt.asUintN(64, -10000n), 15n]);
});

test.run();
