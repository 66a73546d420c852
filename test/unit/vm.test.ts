// runtime/interp: eBPF semantics, memory safety with located faults, budget, frames, helpers, maps, callbacks.

import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  Add, Call, Exit, JEq, JNe, JLt, LdFunc, LdImm64, LdMapFd, LdMapValue, Ldx, Mov, R0, R1, R2, R3, R6, R10,
  St, Stx, encode, label, parseAsm, resolve, withMeta, type AsmItem,
} from "../../core/asm/index.ts";
import { VmError, VmProgram, type Helper, type VmMap, type VmOptions } from "../../runtime/interp/index.ts";

const load = (items: readonly AsmItem[], opts?: VmOptions) => VmProgram.load(resolve(items), opts);
const asm = (text: string, opts?: VmOptions) => VmProgram.load(encode(parseAsm(text)), opts);
const fault = (fn: () => unknown, kind: string, re: RegExp) =>
  assert.throws(fn, (e: unknown) => e instanceof VmError && e.kind === kind && re.test(e.message));

test("r0 is returned as an unsigned 64-bit value and the instruction count is exact", () => {
  const p = asm("mov %r0, -1\nexit");
  assert.equal(p.run(), { r0: 0xffffffffffffffffn, instructions: 2 });
  const loop = asm("mov %r0, 0\nloop:\nadd %r0, 1\njlt %r0, 10, loop\nexit");
  assert.equal(loop.run(), { r0: 10n, instructions: 1 + 2 * 10 + 1 });
});

test("input memory: r1 points at a private copy, r2 holds its length", () => {
  const mem = Uint8Array.of(1, 2, 3, 4);
  const p = asm("stb [%r1], 9\nldxw %r0, [%r1]\nadd %r0, %r2\nexit");
  assert.is(p.run({ mem }).r0, 0x04030209n + 4n);
  assert.equal(mem, Uint8Array.of(1, 2, 3, 4));
});

test("an out-of-bounds read names the instruction, the region and the source span", () => {
  const span = { file: "tool.ts", line: 7, column: 5 };
  const p = load([Ldx.w(R0, R1, 0), withMeta(Ldx.w(R0, R1, 2), { span, source: "const x = ctx.pid;" }), Exit()]);
  fault(() => p.run({ mem: new Uint8Array(4) }), "read",
    /out-of-bounds read of 4 bytes at mem\+2 \(mem has 4 bytes\) at instruction 1 \(ldxw %r0, \[%r1\+2\]\) in tool\.ts:7:5: const x = ctx\.pid;/);
});

test("a NULL dereference and a write to read-only context are reported as such", () => {
  fault(() => asm("mov %r1, 0\nldxdw %r0, [%r1+8]\nexit").run(), "read", /through a NULL pointer/);
  fault(() => asm("stw [%r1], 1\nmov %r0, 0\nexit").run({ ctx: new Uint8Array(8) }), "write", /write to read-only ctx at instruction 0/);
});

test("stack: 512 bytes below r10; r10-relative accesses outside the frame fault", () => {
  assert.is(asm("stdw [%r10-512], 7\nldxdw %r0, [%r10-512]\nexit").run().r0, 7n);
  fault(() => asm("stdw [%r10-520], 7\nmov %r0, 0\nexit").run(), "stack", /r10-520 is outside the 512-byte frame/);
  fault(() => asm("ldxw %r0, [%r10-2]\nexit").run(), "stack", /4 bytes at r10-2/);
  // the same through a copied pointer is checked against the stack region
  fault(() => asm("mov %r1, %r10\nadd %r1, 8\nldxdw %r0, [%r1]\nexit").run(), "read", /out-of-bounds read of 8 bytes at stack/);
});

test("the stack starts zeroed on every run", () => {
  const p = asm("ldxdw %r0, [%r10-8]\nstdw [%r10-8], 5\nexit");
  assert.is(p.run().r0, 0n);
  assert.is(p.run().r0, 0n);
});

test("the instruction budget stops runaway programs with a clear error", () => {
  // (a loop the verifier would follow to its end; `ja loop` alone would leave `exit` unreachable, which it refuses)
  const p = asm("mov %r0, 0\nloop:\nadd %r0, 1\njne %r0, 0, loop\nexit");
  fault(() => p.run(), "budget", /instruction budget exhausted/);
  fault(() => p.run({ budget: 100 }), "budget", /at instruction 1/);
  const q = VmProgram.load(encode(parseAsm("mov %r0, 0\nloop:\nadd %r0, 1\njlt %r0, 600000, loop\nexit")), { budget: 5_000_000 });
  assert.is(q.run().r0, 600000n);
});

test("local calls get their own frame; r6-r9 and r10 survive; depth is limited to 8 frames", () => {
  const p = asm(`
    stdw [%r10-8], 11
    mov %r6, 6
    call local f
    ldxdw %r1, [%r10-8]
    add %r0, %r1
    add %r0, %r6
    exit
    f:
    stdw [%r10-8], 100
    mov %r6, 0
    ldxdw %r0, [%r10-8]
    exit`);
  assert.is(p.run().r0, 100n + 11n + 6n);
  // ten nested calls: eleven frames (the verifier refuses it at load, as the VM does)
  const chain = Array.from({ length: 9 }, (_, k) => `f${k}:\ncall local f${k + 1}\nexit`).join("\n");
  fault(() => asm(`call local f0\nexit\n${chain}\nf9:\nmov %r0, 0\nexit`), "load", /11 frames.*too deep/);
});

test("helpers: arguments in r1-r5, result in r0, r6-r9 preserved; unknown helpers are named", () => {
  const seen: bigint[][] = [];
  const helpers: Record<number, Helper> = { 99: (_c, ...a) => (seen.push(a), a[0] + a[4]) };
  const p = load([Mov.imm(R1, 1), Mov.imm(R2, 2), Mov.imm(3, 3), Mov.imm(4, 4), Mov.imm(5, -5), Mov.imm(R6, 6), Call.helper(99), Add.reg(R0, R6), Exit()], { helpers });
  assert.is(p.run().r0, BigInt.asUintN(64, 1n - 5n + 6n));
  assert.equal(seen[0], [1n, 2n, 3n, 4n, 0xfffffffffffffffbn]);
  fault(() => load([Call.helper(1), Exit()]).run(), "helper", /helper 1 \(bpf_map_lookup_elem\) is not available in the VM at instruction 0/);
});

test("helpers read and write program memory through the address space, bounds-checked", () => {
  const helpers: Record<number, Helper> = {
    // fill(ptr, len, byte)
    7: (ctx, ptr, len, byte) => {
      const view = ctx.memory.slice(ptr, Number(len), true);
      if (!view) return ctx.fail("fill: bad pointer");
      view.fill(Number(byte));
      return 0;
    },
  };
  const p = asm("mov %r1, %r10\nadd %r1, -16\nmov %r2, 16\nmov %r3, 0xab\ncall 7\nldxdw %r0, [%r10-8]\nexit", { helpers });
  assert.is(p.run().r0, 0xababababababababn);
  const bad = asm("mov %r1, %r10\nadd %r1, -8\nmov %r2, 16\nmov %r3, 0xab\ncall 7\nexit", { helpers });
  fault(() => bad.run(), "helper", /fill: bad pointer at instruction 4/);
});

test("maps: lddw map handles reach helpers; map values are memory; read-only values fault on write", () => {
  const counts = new Uint8Array(8);
  const rodata = Uint8Array.of(42, 0, 0, 0, 0, 0, 0, 0);
  const maps: Record<string, VmMap> = {
    counts: { name: "counts", valueRegion: () => counts },
    rodata: { name: "rodata", valueRegion: () => rodata, writable: false },
  };
  const helpers: Record<number, Helper> = {
    1: (ctx, map) => ctx.memory.address(ctx.memory.map(maps[ctx.map(map).name]!.valueRegion!(), "value")),
  };
  const p = load([
    LdMapFd(R1, "counts"), Mov.reg(R2, R10), Call.helper(1), JEq.imm(R0, 0, "out"),
    LdMapValue(R3, "rodata"), Ldx.dw(R3, R3, 0), Stx.dw(R0, 0, R3),
    label("out"), Mov.imm(R0, 0), Exit(),
  ], { helpers, maps: (ref) => maps[ref.name!] });
  p.run();
  assert.is(counts[0], 42);
  fault(() => load([LdMapValue(R1, "rodata"), St.b(R1, 0, 1), Mov.imm(R0, 0), Exit()], { maps: (r) => maps[r.name!] }).run(), "write", /write to read-only map value rodata/);
  assert.throws(() => load([LdMapFd(R1, "nope"), Mov.imm(R0, 0), Exit()], { maps: () => undefined }), /uses map nope, which the VM was not given/);
});

test("callbacks: a helper can run a BPF_PSEUDO_FUNC subprogram (bpf_loop) in a fresh frame", () => {
  const helpers: Record<number, Helper> = {
    181: (ctx, n, fn, cbctx) => {
      let i = 0n;
      for (; i < n; i++) if (ctx.callback(fn, i, cbctx) !== 0n) return i + 1n;
      return i;
    },
  };
  // sum 0..9 into [r10-8] of the caller, through the ctx pointer
  const p = load([
    St.dw(R10, -8, 0), Mov.imm(R1, 10), LdFunc(R2, "cb"), Mov.reg(R3, R10), Add.imm(R3, -8), Mov.imm(4, 0), Call.helper(181),
    Ldx.dw(R0, R10, -8), Exit(),
    label("cb"), Mov.reg(R3, R2), Ldx.dw(R2, R3, 0), Add.reg(R2, R1), Stx.dw(R3, 0, R2), Mov.imm(R0, 0), Exit(),
  ], { helpers });
  assert.is(p.run().r0, 45n);
});

test("the unwind helper semantics used by the conformance suite: stop() ends the program", () => {
  const helpers: Record<number, Helper> = { 5: (ctx, r1) => (r1 === 0n ? ctx.stop(0n) : r1) };
  assert.is(asm("mov %r1, 0\ncall 5\nmov %r0, 7\nexit", { helpers }).run().r0, 0n);
  assert.is(asm("mov %r1, 3\ncall 5\nexit", { helpers }).run().r0, 3n);
});

test("invalid programs are rejected at load with the instruction index", () => {
  assert.throws(() => VmProgram.load(Uint8Array.of(0x07, 0, 1, 0, 1, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0)),
    (e: unknown) => e instanceof VmError && e.kind === "load" && e.insn === 0 && /unused field off/.test(e.message));
  assert.throws(() => load([Mov.imm(R0, 0), JNe.imm(R0, 0, 5), Exit()]), /outside the program/);
});

test("jumps over lddw count two slots", () => {
  const p = load([JLt.imm(R0, 1, "x"), LdImm64(R0, 5n), label("x"), LdImm64(R0, 0x100000000n), JNe.imm(R1, 7, "y"), Mov.imm(R0, 1), label("y"), Exit()]);
  assert.is(p.run().r0, 0x100000000n);
});

test.run();
