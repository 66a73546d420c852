// Translates a validated eBPF program into one JavaScript function, once: Instruction[] in, JS source out.
//
// Why: a switch over decoded instruction objects runs at ~20-40 M insns/s; straight-line JS over int32 locals
// lets V8 keep registers in machine registers. Each eBPF register is two int32 locals (low and high word);
// basic blocks become `case` labels of one dispatch switch and fall through into each other; the instruction
// budget is charged once per block. 64-bit multiply/divide take a 32-bit fast path and fall back to BigInt.

import {
  AluOp, AtomicOp, Class, JmpOp, Mode, OP_CALL, OP_CALLX, OP_EXIT, OP_JA, OP_JA32, OP_LDDW, PseudoCall, PseudoLd, Size,
  Source, isConditionalJump, opClass, slots, type Instruction,
} from "../../core/asm/index.ts";
import { FUNC_HANDLE_HI, MAP_HANDLE_HI, REGION_BASE } from "./memory.ts";

export const STACK_SIZE = 512;
/** Linux allows 8 nested bpf-to-bpf frames (MAX_CALL_FRAMES). */
export const MAX_FRAMES = 8;

/** Fault kinds the generated code reports through `E.fault`. */
export const enum FaultKind {
  Read = 1,
  Write = 2,
  Budget = 3,
  CallDepth = 4,
  BadJump = 5,
  StackOffset = 6,
  Unsupported = 7,
}

const lo = (r: number) => `r${r}l`;
const hi = (r: number) => `r${r}h`;

/** The per-instruction code, given its index and slot; `next` is the slot after it. */
interface Ctx {
  readonly insns: readonly Instruction[];
  readonly slotOf: readonly number[];
  /** Map names referenced by lddw, in order of first use: their index is the handle. */
  readonly mapIndex: (insn: Instruction) => number;
}

export interface JitOutput {
  /** Source of `function (E) { ...; return exec; }`. */
  readonly source: string;
  /** Slot -> instruction index. */
  readonly insnAtSlot: readonly number[];
}

/** Produces the JS source for a program. The program must have passed `validate`. */
export function translate(insns: readonly Instruction[], mapIndex: (insn: Instruction) => number): JitOutput {
  const slotOf: number[] = [];
  const insnAtSlot: number[] = [];
  let total = 0;
  insns.forEach((ins, i) => {
    slotOf.push(total);
    insnAtSlot[total] = i;
    total += slots(ins);
  });
  const ctx: Ctx = { insns, slotOf, mapIndex };

  // Block leaders: entry, jump targets, the instruction after any control transfer (incl. local-call returns),
  // and every local-call / callback target.
  const leaders = new Set<number>([0]);
  insns.forEach((ins, i) => {
    const next = slotOf[i]! + slots(ins);
    const t = jumpTarget(ins, slotOf[i]!);
    if (t !== undefined) leaders.add(t);
    if (ins.op === OP_LDDW && ins.src === PseudoLd.Func) leaders.add(slotOf[i]! + 1 + ins.imm);
    if (endsBlock(ins) && next < total) leaders.add(next);
  });

  const body: string[] = [];
  let i = 0;
  while (i < insns.length) {
    const start = i;
    let j = i + 1;
    while (j < insns.length && !leaders.has(slotOf[j]!) && !endsBlock(insns[j - 1]!)) j++;
    body.push(`case ${slotOf[start]}:`);
    body.push(`  bud -= ${j - start}; if (bud < 0) { S.budget = bud; FAULT(${FaultKind.Budget}, ${start}, 0, 0, 0); }`);
    for (let k = start; k < j; k++) body.push("  " + emit(ctx, k).replace(/\n/g, "\n  "));
    i = j;
  }
  // Falling off the end is impossible for validated programs (the last instruction is exit or a jump).

  const regs = Array.from({ length: 11 }, (_, r) => `${lo(r)} = R[${2 * r}] | 0, ${hi(r)} = R[${2 * r + 1}] | 0`).join(",\n    ");
  const source = `
"use strict";
const REG = E.regions, STK = E.stack.view, STKHI = E.stack.hi, FAULT = E.fault, CALL = E.call, S = E.state;
const TAG = ${REGION_BASE};
let H = 0;
function mulhi(a, b) {
  a >>>= 0; b >>>= 0;
  const u = (a >>> 16) * b, t = (a & 0xffff) * b;
  return (Math.floor(u / 65536) + Math.floor(((u % 65536) * 65536 + t) / 4294967296)) | 0;
}
function u64(l, h) { return (BigInt(h >>> 0) << 32n) | BigInt(l >>> 0); }
function pair(v) { H = Number(BigInt.asIntN(32, v >> 32n)); return Number(BigInt.asIntN(32, v)); }
function div64(al, ah, bl, bh) { if ((bl | bh) === 0) { H = 0; return 0; } return pair(u64(al, ah) / u64(bl, bh)); }
function mod64(al, ah, bl, bh) { if ((bl | bh) === 0) { H = ah; return al; } return pair(u64(al, ah) % u64(bl, bh)); }
function sdiv64(al, ah, bl, bh) { if ((bl | bh) === 0) { H = 0; return 0; } return pair(BigInt.asIntN(64, u64(al, ah)) / BigInt.asIntN(64, u64(bl, bh))); }
function smod64(al, ah, bl, bh) { if ((bl | bh) === 0) { H = ah; return al; } return pair(BigInt.asIntN(64, u64(al, ah)) % BigInt.asIntN(64, u64(bl, bh))); }
function bs16(x) { return ((x & 0xff) << 8) | ((x >>> 8) & 0xff); }
function bs32(x) { return ((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24); }
function rg(h, a, n, pc, w) {
  const r = REG[(h - TAG) >>> 0];
  if (r === undefined || a < 0 || a + n > r.size || (w && !r.writable)) FAULT(w ? ${FaultKind.Write} : ${FaultKind.Read}, pc, h, a, n);
  return r.view;
}
return function exec(pc, depth, R) {
  let ${regs};
  let fp = (${MAX_FRAMES} - depth) * ${STACK_SIZE};
  r10l = fp; r10h = STKHI;
  let bud = S.budget, t = 0, t2 = 0, t3 = 0, a = 0, v = null;
  const frames = [];
  for (;;) {
    switch (pc) {
${body.map((l) => "    " + l).join("\n")}
    default:
      FAULT(${FaultKind.BadJump}, -1, 0, pc, 0);
    }
  }
};`;
  return { source, insnAtSlot };
}

function endsBlock(ins: Instruction): boolean {
  if (ins.op === OP_EXIT || ins.op === OP_JA || ins.op === OP_JA32) return true;
  if (ins.op === OP_CALL && ins.src === PseudoCall.Local) return true;
  return isConditionalJump(ins.op);
}

function jumpTarget(ins: Instruction, slot: number): number | undefined {
  if (ins.op === OP_JA) return slot + 1 + ins.off;
  if (ins.op === OP_JA32) return slot + 1 + ins.imm;
  if (ins.op === OP_CALL && ins.src === PseudoCall.Local) return slot + 1 + ins.imm;
  if (isConditionalJump(ins.op)) return slot + 1 + ins.off;
  return undefined;
}

function emit(ctx: Ctx, i: number): string {
  const ins = ctx.insns[i]!;
  const cls = opClass(ins.op);
  switch (cls) {
    case Class.ALU64: return alu64(i, ins);
    case Class.ALU: return alu32(i, ins);
    case Class.JMP:
    case Class.JMP32: return jump(ctx, i, ins);
    case Class.LD: return lddw(ctx, i, ins);
    case Class.LDX: return load(i, ins);
    case Class.ST:
    case Class.STX: return store(i, ins);
  }
  return unsupported(i, `opcode 0x${ins.op.toString(16)}`);
}

const unsupported = (i: number, what: string) => `FAULT(${FaultKind.Unsupported}, ${i}, 0, 0, 0, ${JSON.stringify(what)});`;

/** Source operand of an ALU or JMP instruction as [low, high] JS expressions (K is sign-extended to 64 bits). */
function operand(ins: Instruction): [string, string] {
  if (ins.op & Source.X) return [lo(ins.src), hi(ins.src)];
  return [`${ins.imm | 0}`, ins.imm < 0 ? "-1" : "0"];
}

function alu64(i: number, ins: Instruction): string {
  const code = ins.op & 0xf0;
  const dl = lo(ins.dst), dh = hi(ins.dst);
  const [sl, sh] = operand(ins);
  const k = !(ins.op & Source.X);
  switch (code) {
    case AluOp.Add:
      return `t = (${dl} >>> 0) + (${sl} >>> 0); ${dh} = (${dh} + ${sh} + (t > 4294967295 ? 1 : 0)) | 0; ${dl} = t | 0;`;
    case AluOp.Sub:
      return `t = (${dl} >>> 0) - (${sl} >>> 0); ${dh} = (${dh} - ${sh} - (t < 0 ? 1 : 0)) | 0; ${dl} = t | 0;`;
    case AluOp.Mul:
      return `t = Math.imul(${dl}, ${sl}); ${dh} = (mulhi(${dl}, ${sl}) + Math.imul(${dl}, ${sh}) + Math.imul(${dh}, ${sl})) | 0; ${dl} = t;`;
    case AluOp.Div:
      if (ins.off === 1) {
        return `if (${dh} === (${dl} >> 31) && ${sh} === (${sl} >> 31)) { t = ${sl} === 0 ? 0 : Math.trunc(${dl} / ${sl}); ${dl} = t | 0; ${dh} = t < 0 ? -1 : 0; }` +
          ` else { ${dl} = sdiv64(${dl}, ${dh}, ${sl}, ${sh}); ${dh} = H; }`;
      }
      return `if ((${dh} | ${sh}) === 0) { ${dl} = ${sl} === 0 ? 0 : ((${dl} >>> 0) / (${sl} >>> 0)) >>> 0 | 0; }` +
        ` else { ${dl} = div64(${dl}, ${dh}, ${sl}, ${sh}); ${dh} = H; }`;
    case AluOp.Mod:
      if (ins.off === 1) {
        return `if (${dh} === (${dl} >> 31) && ${sh} === (${sl} >> 31)) { if (${sl} !== 0) { t = ${dl} % ${sl}; ${dl} = t | 0; ${dh} = t < 0 ? -1 : 0; } }` +
          ` else { ${dl} = smod64(${dl}, ${dh}, ${sl}, ${sh}); ${dh} = H; }`;
      }
      return `if ((${dh} | ${sh}) === 0) { if (${sl} !== 0) ${dl} = ((${dl} >>> 0) % (${sl} >>> 0)) | 0; }` +
        ` else { ${dl} = mod64(${dl}, ${dh}, ${sl}, ${sh}); ${dh} = H; }`;
    case AluOp.Or: return `${dl} |= ${sl}; ${dh} |= ${sh};`;
    case AluOp.And: return `${dl} &= ${sl}; ${dh} &= ${sh};`;
    case AluOp.Xor: return `${dl} ^= ${sl}; ${dh} ^= ${sh};`;
    case AluOp.Lsh:
    case AluOp.Rsh:
    case AluOp.Arsh:
      return k ? shift64Const(code, dl, dh, ins.imm & 63) : shift64Reg(code, dl, dh, sl);
    case AluOp.Neg:
      return `${dh} = (${dl} === 0 ? -${dh} : ~${dh}) | 0; ${dl} = -${dl} | 0;`;
    case AluOp.Mov:
      if (ins.off === 8) return `${dl} = (${sl} << 24) >> 24; ${dh} = ${dl} >> 31;`;
      if (ins.off === 16) return `${dl} = (${sl} << 16) >> 16; ${dh} = ${dl} >> 31;`;
      if (ins.off === 32) return `${dl} = ${sl}; ${dh} = ${dl} >> 31;`;
      return `${dl} = ${sl}; ${dh} = ${sh};`;
    case AluOp.End:
      // bswap (cpu v4): unconditional byte swap, zero-extended from the width.
      return byteSwap(dl, dh, ins.imm, true);
  }
  return unsupported(i, `alu64 0x${ins.op.toString(16)}`);
}

function shift64Const(code: number, dl: string, dh: string, n: number): string {
  if (n === 0) return "";
  if (code === AluOp.Lsh) {
    return n < 32 ? `${dh} = (${dh} << ${n}) | (${dl} >>> ${32 - n}); ${dl} = ${dl} << ${n};` : `${dh} = ${dl} << ${n - 32}; ${dl} = 0;`;
  }
  if (code === AluOp.Rsh) {
    return n < 32 ? `${dl} = (${dl} >>> ${n}) | (${dh} << ${32 - n}); ${dh} = (${dh} >>> ${n}) | 0;` : `${dl} = (${dh} >>> ${n - 32}) | 0; ${dh} = 0;`;
  }
  return n < 32 ? `${dl} = (${dl} >>> ${n}) | (${dh} << ${32 - n}); ${dh} = ${dh} >> ${n};` : `${dl} = ${dh} >> ${n - 32}; ${dh} = ${dh} >> 31;`;
}

function shift64Reg(code: number, dl: string, dh: string, sl: string): string {
  const lt32 = shiftBody(code, dl, dh, "t", false);
  const ge32 = shiftBody(code, dl, dh, "t", true);
  return `t = ${sl} & 63; if (t !== 0) { if (t < 32) { ${lt32} } else { ${ge32} } }`;
}

function shiftBody(code: number, dl: string, dh: string, n: string, big: boolean): string {
  if (code === AluOp.Lsh) return big ? `${dh} = ${dl} << (${n} - 32); ${dl} = 0;` : `${dh} = (${dh} << ${n}) | (${dl} >>> (32 - ${n})); ${dl} = ${dl} << ${n};`;
  if (code === AluOp.Rsh) return big ? `${dl} = (${dh} >>> (${n} - 32)) | 0; ${dh} = 0;` : `${dl} = (${dl} >>> ${n}) | (${dh} << (32 - ${n})); ${dh} = (${dh} >>> ${n}) | 0;`;
  return big ? `${dl} = ${dh} >> (${n} - 32); ${dh} = ${dh} >> 31;` : `${dl} = (${dl} >>> ${n}) | (${dh} << (32 - ${n})); ${dh} = ${dh} >> ${n};`;
}

/** le/be/bswap. On a little-endian host `le` only truncates, `be` and `bswap` swap. */
function byteSwap(dl: string, dh: string, width: number, swap: boolean): string {
  if (!swap) {
    if (width === 16) return `${dl} &= 0xffff; ${dh} = 0;`;
    if (width === 32) return `${dh} = 0;`;
    return "";
  }
  if (width === 16) return `${dl} = bs16(${dl}); ${dh} = 0;`;
  if (width === 32) return `${dl} = bs32(${dl}) | 0; ${dh} = 0;`;
  return `t = bs32(${dh}) | 0; ${dh} = bs32(${dl}) | 0; ${dl} = t;`;
}

function alu32(i: number, ins: Instruction): string {
  const code = ins.op & 0xf0;
  const dl = lo(ins.dst), dh = hi(ins.dst);
  const s = ins.op & Source.X ? lo(ins.src) : `${ins.imm | 0}`;
  const z = `${dh} = 0;`;
  switch (code) {
    case AluOp.Add: return `${dl} = (${dl} + ${s}) | 0; ${z}`;
    case AluOp.Sub: return `${dl} = (${dl} - ${s}) | 0; ${z}`;
    case AluOp.Mul: return `${dl} = Math.imul(${dl}, ${s}); ${z}`;
    case AluOp.Div:
      if (ins.off === 1) return `${dl} = ${s} === 0 ? 0 : Math.trunc(${dl} / ${s}) | 0; ${z}`;
      return `${dl} = ${s} === 0 ? 0 : ((${dl} >>> 0) / (${s} >>> 0)) >>> 0 | 0; ${z}`;
    case AluOp.Mod:
      if (ins.off === 1) return `if (${s} !== 0) ${dl} = (${dl} % ${s}) | 0; ${z}`;
      return `if (${s} !== 0) ${dl} = ((${dl} >>> 0) % (${s} >>> 0)) | 0; ${z}`;
    case AluOp.Or: return `${dl} |= ${s}; ${z}`;
    case AluOp.And: return `${dl} &= ${s}; ${z}`;
    case AluOp.Xor: return `${dl} ^= ${s}; ${z}`;
    case AluOp.Lsh: return `${dl} <<= (${s} & 31); ${z}`;
    case AluOp.Rsh: return `${dl} = (${dl} >>> (${s} & 31)) | 0; ${z}`;
    case AluOp.Arsh: return `${dl} >>= (${s} & 31); ${z}`;
    case AluOp.Neg: return `${dl} = -${dl} | 0; ${z}`;
    case AluOp.Mov:
      if (ins.off === 8) return `${dl} = (${s} << 24) >> 24; ${z}`;
      if (ins.off === 16) return `${dl} = (${s} << 16) >> 16; ${z}`;
      return `${dl} = ${s}; ${z}`;
    case AluOp.End:
      return byteSwap(dl, dh, ins.imm, (ins.op & Source.X) !== 0);
  }
  return unsupported(i, `alu32 0x${ins.op.toString(16)}`);
}

function condition(ins: Instruction): string {
  const code = ins.op & 0xf0;
  const dl = lo(ins.dst), dh = hi(ins.dst);
  const [sl, sh] = operand(ins);
  if (opClass(ins.op) === Class.JMP32) {
    switch (code) {
      case JmpOp.JEq: return `${dl} === ${sl}`;
      case JmpOp.JNe: return `${dl} !== ${sl}`;
      case JmpOp.JSet: return `(${dl} & ${sl}) !== 0`;
      case JmpOp.JGt: return `(${dl} >>> 0) > (${sl} >>> 0)`;
      case JmpOp.JGe: return `(${dl} >>> 0) >= (${sl} >>> 0)`;
      case JmpOp.JLt: return `(${dl} >>> 0) < (${sl} >>> 0)`;
      case JmpOp.JLe: return `(${dl} >>> 0) <= (${sl} >>> 0)`;
      case JmpOp.JSGt: return `${dl} > ${sl}`;
      case JmpOp.JSGe: return `${dl} >= ${sl}`;
      case JmpOp.JSLt: return `${dl} < ${sl}`;
      case JmpOp.JSLe: return `${dl} <= ${sl}`;
    }
  }
  const u = (op: string, eq: string) => `((${dh} >>> 0) ${op} (${sh} >>> 0) || (${dh} === ${sh} && (${dl} >>> 0) ${eq} (${sl} >>> 0)))`;
  const s = (op: string, eq: string) => `(${dh} ${op} ${sh} || (${dh} === ${sh} && (${dl} >>> 0) ${eq} (${sl} >>> 0)))`;
  switch (code) {
    case JmpOp.JEq: return `(${dl} === ${sl} && ${dh} === ${sh})`;
    case JmpOp.JNe: return `(${dl} !== ${sl} || ${dh} !== ${sh})`;
    case JmpOp.JSet: return `((${dl} & ${sl}) !== 0 || (${dh} & ${sh}) !== 0)`;
    case JmpOp.JGt: return u(">", ">");
    case JmpOp.JGe: return u(">", ">=");
    case JmpOp.JLt: return u("<", "<");
    case JmpOp.JLe: return u("<", "<=");
    case JmpOp.JSGt: return s(">", ">");
    case JmpOp.JSGe: return s(">", ">=");
    case JmpOp.JSLt: return s("<", "<");
    case JmpOp.JSLe: return s("<", "<=");
  }
  return "false";
}

const CALLEE_SAVED = "r6l, r6h, r7l, r7h, r8l, r8h, r9l, r9h";

function jump(ctx: Ctx, i: number, ins: Instruction): string {
  const slot = ctx.slotOf[i]!;
  if (ins.op === OP_EXIT) {
    return `if (frames.length === 0) { R[0] = r0l; R[1] = r0h; S.budget = bud; return; }
t = frames.pop(); [${CALLEE_SAVED}] = frames.pop(); fp += ${STACK_SIZE}; r10l = fp; pc = t; continue;`;
  }
  if (ins.op === OP_JA) return `pc = ${slot + 1 + ins.off}; continue;`;
  if (ins.op === OP_JA32) return `pc = ${slot + 1 + ins.imm}; continue;`;
  if (ins.op === OP_CALL && ins.src === PseudoCall.Local) {
    return `if (depth + frames.length / 2 + 1 >= ${MAX_FRAMES}) FAULT(${FaultKind.CallDepth}, ${i}, 0, 0, 0);
frames.push([${CALLEE_SAVED}], ${slot + 1}); fp -= ${STACK_SIZE}; r10l = fp; pc = ${slot + 1 + ins.imm}; continue;`;
  }
  if (ins.op === OP_CALL || ins.op === OP_CALLX) {
    if (ins.op === OP_CALL && ins.src === PseudoCall.Kfunc) return unsupported(i, `kfunc call (BTF id ${ins.imm})`);
    const id = ins.op === OP_CALLX ? `(${hi(ins.dst)} === 0 ? ${lo(ins.dst)} : -1)` : `${ins.imm}`;
    const args = [1, 2, 3, 4, 5].map((r) => `${lo(r)}, ${hi(r)}`).join(", ");
    return `S.budget = bud; r0l = CALL(${id}, ${i}, depth + frames.length / 2, ${args}); r0h = S.rh; bud = S.budget;`;
  }
  return `if (${condition(ins)}) { pc = ${slot + 1 + ins.off}; continue; }`;
}

function lddw(ctx: Ctx, i: number, ins: Instruction): string {
  const dl = lo(ins.dst), dh = hi(ins.dst);
  switch (ins.src) {
    case PseudoLd.Imm:
      return `${dl} = ${ins.imm | 0}; ${dh} = ${(ins.imm2 ?? 0) | 0};`;
    case PseudoLd.MapFd:
    case PseudoLd.MapIdx:
      return `${dl} = ${ctx.mapIndex(ins)}; ${dh} = ${MAP_HANDLE_HI};`;
    case PseudoLd.MapValue:
    case PseudoLd.MapIdxValue:
      // The map's value region is looked up at run time: mock maps may be replaced between runs.
      return `v = E.mapValue(${ctx.mapIndex(ins)}, ${i}); ${dl} = ${(ins.imm2 ?? 0) | 0}; ${dh} = v.hi;`;
    case PseudoLd.Func:
      return `${dl} = ${ctx.slotOf[i]! + 1 + ins.imm}; ${dh} = ${FUNC_HANDLE_HI};`;
    case PseudoLd.BtfId:
      return unsupported(i, `lddw of a kernel variable by BTF id ${ins.imm}`);
  }
  return unsupported(i, `lddw with src ${ins.src}`);
}

const GET: Record<number, [string, number]> = { [Size.B]: ["Uint8", 1], [Size.H]: ["Uint16", 2], [Size.W]: ["Int32", 4], [Size.DW]: ["Int32", 8] };
const GETS: Record<number, [string, number]> = { [Size.B]: ["Int8", 1], [Size.H]: ["Int16", 2], [Size.W]: ["Int32", 4] };
const SET: Record<number, [string, number]> = { [Size.B]: ["Uint8", 1], [Size.H]: ["Uint16", 2], [Size.W]: ["Int32", 4], [Size.DW]: ["Int32", 8] };

/** Emits `view` and `at` (JS expressions) for an access of n bytes at base+off; checks bounds. */
function address(i: number, base: number, off: number, n: number, write: boolean): { view: string; at: string; pre: string } {
  if (base === 10) {
    if (off < -STACK_SIZE || off + n > 0) {
      return { view: "STK", at: "0", pre: `FAULT(${FaultKind.StackOffset}, ${i}, 0, ${off}, ${n});` };
    }
    return { view: "STK", at: `fp + ${off}`, pre: "" };
  }
  return { view: "v", at: "a", pre: `a = (${lo(base)} >>> 0) + ${off}; v = rg(${hi(base)}, a, ${n}, ${i}, ${write ? 1 : 0});` };
}

function load(i: number, ins: Instruction): string {
  const size = ins.op & 0x18;
  const signed = (ins.op & 0xe0) === Mode.MEMSX;
  const [kind, n] = (signed ? GETS : GET)[size]!;
  const { view, at, pre } = address(i, ins.src, ins.off, n, false);
  const dl = lo(ins.dst), dh = hi(ins.dst);
  if (size === Size.DW) return `${pre} t = ${view}.getInt32(${at}, true); ${dh} = ${view}.getInt32(${at} + 4, true); ${dl} = t;`;
  if (signed) return `${pre} ${dl} = ${view}.get${kind}(${at}, true); ${dh} = ${dl} >> 31;`;
  return `${pre} ${dl} = ${view}.get${kind}(${at}, true); ${dh} = 0;`;
}

function store(i: number, ins: Instruction): string {
  const size = ins.op & 0x18;
  const mode = ins.op & 0xe0;
  const [kind, n] = SET[size]!;
  const { view, at, pre } = address(i, ins.dst, ins.off, n, true);
  if (mode === Mode.ATOMIC) return `${pre} ${atomic(ins, view, at)}`;
  let vl: string, vh: string;
  if (opClass(ins.op) === Class.ST) {
    vl = `${ins.imm | 0}`;
    vh = ins.imm < 0 ? "-1" : "0";
  } else {
    vl = lo(ins.src);
    vh = hi(ins.src);
  }
  if (size === Size.DW) return `${pre} ${view}.setInt32(${at}, ${vl}, true); ${view}.setInt32(${at} + 4, ${vh}, true);`;
  return `${pre} ${view}.set${kind}(${at}, ${vl}, true);`;
}

function atomic(ins: Instruction, view: string, at: string): string {
  const sl = lo(ins.src), sh = hi(ins.src);
  const dw = (ins.op & 0x18) === Size.DW;
  const op = ins.imm & ~AtomicOp.Fetch;
  const fetch = (ins.imm & AtomicOp.Fetch) !== 0;
  if (!dw) {
    const old = `t = ${view}.getInt32(${at}, true);`;
    if (ins.imm === AtomicOp.Xchg) return `${old} ${view}.setInt32(${at}, ${sl}, true); ${sl} = t; ${sh} = 0;`;
    if (ins.imm === AtomicOp.CmpXchg) return `${old} if (t === r0l) ${view}.setInt32(${at}, ${sl}, true); r0l = t; r0h = 0;`;
    const expr = op === AtomicOp.Add ? `(t + ${sl}) | 0` : op === AtomicOp.Or ? `t | ${sl}` : op === AtomicOp.And ? `t & ${sl}` : `t ^ ${sl}`;
    return `${old} ${view}.setInt32(${at}, ${expr}, true);${fetch ? ` ${sl} = t; ${sh} = 0;` : ""}`;
  }
  const old = `t = ${view}.getInt32(${at}, true); t2 = ${view}.getInt32(${at} + 4, true);`;
  const put = (l: string, h: string) => `${view}.setInt32(${at}, ${l}, true); ${view}.setInt32(${at} + 4, ${h}, true);`;
  if (ins.imm === AtomicOp.Xchg) return `${old} ${put(sl, sh)} ${sl} = t; ${sh} = t2;`;
  if (ins.imm === AtomicOp.CmpXchg) return `${old} if (t === r0l && t2 === r0h) { ${put(sl, sh)} } r0l = t; r0h = t2;`;
  let compute: string;
  if (op === AtomicOp.Add) {
    compute = `t3 = (t >>> 0) + (${sl} >>> 0); ${put("t3 | 0", `(t2 + ${sh} + (t3 > 4294967295 ? 1 : 0)) | 0`)}`;
  } else {
    const o = op === AtomicOp.Or ? "|" : op === AtomicOp.And ? "&" : "^";
    compute = put(`t ${o} ${sl}`, `t2 ${o} ${sh}`);
  }
  return `${old} ${compute}${fetch ? ` ${sl} = t; ${sh} = t2;` : ""}`;
}
