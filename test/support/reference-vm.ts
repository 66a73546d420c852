// A deliberately simple eBPF interpreter over BigInt registers: the oracle that differential tests hold the fast
// VM against. Instructions in, the 11 final registers out. Stack and one input buffer only; no helpers or calls.

import {
  AluOp, AtomicOp, Class, JmpOp, Mode, OP_EXIT, OP_JA, OP_JA32, OP_LDDW, Size, Source, lddwValue, opClass, slots,
  type Instruction,
} from "../../core/asm/index.ts";

const M64 = (1n << 64n) - 1n;
const u64 = (v: bigint) => BigInt.asUintN(64, v);
const s64 = (v: bigint) => BigInt.asIntN(64, v);
const u32 = (v: bigint) => BigInt.asUintN(32, v);
const s32 = (v: bigint) => BigInt.asIntN(32, v);

const STACK_BASE = 0x1000_0000n;
const MEM_BASE = 0x2000_0000n;

export interface ReferenceResult {
  readonly regs: readonly bigint[];
}

export function referenceRun(insns: readonly Instruction[], mem: Uint8Array = new Uint8Array(0), budget = 1_000_000): ReferenceResult {
  const stack = new Uint8Array(512);
  const memory = mem.slice();
  const r: bigint[] = new Array(11).fill(0n);
  r[1] = MEM_BASE;
  r[2] = BigInt(mem.length);
  r[10] = STACK_BASE + 512n;
  const at: number[] = [];
  let s = 0;
  insns.forEach((ins, i) => {
    at[s] = i;
    s += slots(ins);
  });
  const slotOf = (i: number) => insns.slice(0, i).reduce((n, x) => n + slots(x), 0);

  const buf = (addr: bigint, n: number): [Uint8Array, number] => {
    if (addr >= STACK_BASE && addr + BigInt(n) <= STACK_BASE + 512n) return [stack, Number(addr - STACK_BASE)];
    if (addr >= MEM_BASE && addr + BigInt(n) <= MEM_BASE + BigInt(memory.length)) return [memory, Number(addr - MEM_BASE)];
    throw new Error(`reference: bad access at 0x${addr.toString(16)}`);
  };
  const read = (addr: bigint, n: number): bigint => {
    const [b, o] = buf(addr, n);
    let v = 0n;
    for (let k = n - 1; k >= 0; k--) v = (v << 8n) | BigInt(b[o + k]!);
    return v;
  };
  const write = (addr: bigint, n: number, v: bigint) => {
    const [b, o] = buf(addr, n);
    for (let k = 0; k < n; k++) b[o + k] = Number((v >> BigInt(8 * k)) & 0xffn);
  };
  const swap = (v: bigint, bytes: number) => {
    let out = 0n;
    for (let k = 0; k < bytes; k++) out = (out << 8n) | ((v >> BigInt(8 * k)) & 0xffn);
    return out;
  };

  let i = 0;
  for (let steps = 0; ; steps++) {
    if (steps > budget) throw new Error("reference: budget");
    const ins = insns[i];
    if (!ins) throw new Error(`reference: fell off at ${i}`);
    const cls = opClass(ins.op);
    const code = ins.op & 0xf0;
    const x = (ins.op & Source.X) !== 0;
    const next = () => i + 1;
    const jumpBy = (off: number) => at[slotOf(i) + 1 + off]!;
    if (cls === Class.ALU || cls === Class.ALU64) {
      const wide = cls === Class.ALU64;
      const d = r[ins.dst]!;
      const src = x ? r[ins.src]! : wide ? u64(BigInt(ins.imm)) : u32(BigInt(ins.imm));
      const a = wide ? d : u32(d);
      const b = wide ? src : u32(src);
      const mask = wide ? 63n : 31n;
      const sa = wide ? s64(a) : s32(a);
      const sb = wide ? s64(b) : s32(b);
      let v: bigint;
      switch (code) {
        case AluOp.Add: v = a + b; break;
        case AluOp.Sub: v = a - b; break;
        case AluOp.Mul: v = a * b; break;
        case AluOp.Div: v = ins.off === 1 ? (sb === 0n ? 0n : sa / sb) : b === 0n ? 0n : a / b; break;
        case AluOp.Mod: v = ins.off === 1 ? (sb === 0n ? sa : sa % sb) : b === 0n ? a : a % b; break;
        case AluOp.Or: v = a | b; break;
        case AluOp.And: v = a & b; break;
        case AluOp.Xor: v = a ^ b; break;
        case AluOp.Lsh: v = a << (b & mask); break;
        case AluOp.Rsh: v = a >> (b & mask); break;
        case AluOp.Arsh: v = sa >> (b & mask); break;
        case AluOp.Neg: v = -a; break;
        case AluOp.Mov:
          v = ins.off === 0 ? b : BigInt.asIntN(ins.off, x ? src : b);
          break;
        case AluOp.End: {
          const bytes = ins.imm / 8;
          const narrow = BigInt.asUintN(ins.imm, d);
          v = cls === Class.ALU64 || x ? swap(narrow, bytes) : narrow;
          r[ins.dst] = v;
          i = next();
          continue;
        }
        default: throw new Error("reference: alu op");
      }
      r[ins.dst] = wide ? u64(v) : u32(v);
      i = next();
      continue;
    }
    if (cls === Class.JMP || cls === Class.JMP32) {
      if (ins.op === OP_EXIT) return { regs: r.map(u64) };
      if (ins.op === OP_JA) { i = jumpBy(ins.off); continue; }
      if (ins.op === OP_JA32) { i = jumpBy(ins.imm); continue; }
      const wide = cls === Class.JMP;
      const a = wide ? r[ins.dst]! : u32(r[ins.dst]!);
      const bRaw = x ? r[ins.src]! : u64(BigInt(ins.imm));
      const b = wide ? bRaw : u32(bRaw);
      const sa = wide ? s64(a) : s32(a);
      const sb = wide ? s64(b) : s32(b);
      let taken: boolean;
      switch (code) {
        case JmpOp.JEq: taken = a === b; break;
        case JmpOp.JNe: taken = a !== b; break;
        case JmpOp.JGt: taken = a > b; break;
        case JmpOp.JGe: taken = a >= b; break;
        case JmpOp.JLt: taken = a < b; break;
        case JmpOp.JLe: taken = a <= b; break;
        case JmpOp.JSGt: taken = sa > sb; break;
        case JmpOp.JSGe: taken = sa >= sb; break;
        case JmpOp.JSLt: taken = sa < sb; break;
        case JmpOp.JSLe: taken = sa <= sb; break;
        case JmpOp.JSet: taken = (a & b) !== 0n; break;
        default: throw new Error("reference: jump op");
      }
      i = taken ? jumpBy(ins.off) : next();
      continue;
    }
    if (ins.op === OP_LDDW) {
      r[ins.dst] = lddwValue(ins);
      i = next();
      continue;
    }
    const n = { [Size.B]: 1, [Size.H]: 2, [Size.W]: 4, [Size.DW]: 8 }[ins.op & 0x18]!;
    const mode = ins.op & 0xe0;
    if (cls === Class.LDX) {
      const v = read(u64(r[ins.src]! + BigInt(ins.off)), n);
      r[ins.dst] = mode === Mode.MEMSX ? u64(BigInt.asIntN(n * 8, v)) : v;
    } else if (cls === Class.ST) {
      write(u64(r[ins.dst]! + BigInt(ins.off)), n, u64(BigInt(ins.imm)));
    } else if (mode === Mode.MEM) {
      write(u64(r[ins.dst]! + BigInt(ins.off)), n, r[ins.src]!);
    } else {
      const addr = u64(r[ins.dst]! + BigInt(ins.off));
      const old = read(addr, n);
      const bits = BigInt(n * 8);
      const val = BigInt.asUintN(Number(bits), r[ins.src]!);
      const op = ins.imm & ~AtomicOp.Fetch;
      if (ins.imm === AtomicOp.CmpXchg) {
        if (old === BigInt.asUintN(Number(bits), r[0]!)) write(addr, n, val);
        r[0] = old;
      } else if (ins.imm === AtomicOp.Xchg) {
        write(addr, n, val);
        r[ins.src] = old;
      } else {
        const nv = op === AtomicOp.Add ? old + val : op === AtomicOp.Or ? old | val : op === AtomicOp.And ? old & val : old ^ val;
        write(addr, n, nv & (bits === 64n ? M64 : 0xffffffffn));
        if (ins.imm & AtomicOp.Fetch) r[ins.src] = old;
      }
    }
    i = next();
  }
}
