// Constant folding and copy propagation: a Func in, the same Func with registers that hold one constant (or one
// copy of another register that is never reassigned) replaced by it, and operations on constants computed.
// The IR is not SSA, so only registers with a single definition are propagated.

import { type BinOp, type Func, type Inst, type Operand, type Terminator, def, imm } from "../ir/ir.ts";

function evalBin(k: BinOp, a: bigint, b: bigint, w32: boolean): bigint | undefined {
  const bits = w32 ? 32 : 64;
  const ua = BigInt.asUintN(bits, a), ub = BigInt.asUintN(bits, b);
  const sa = BigInt.asIntN(bits, a), sb = BigInt.asIntN(bits, b);
  const sh = ub & BigInt(bits - 1);
  let r: bigint;
  switch (k) {
    case "add": r = ua + ub; break;
    case "sub": r = ua - ub; break;
    case "mul": r = ua * ub; break;
    case "udiv": r = ub === 0n ? 0n : ua / ub; break;
    case "sdiv": r = sb === 0n ? 0n : sa / sb; break;
    case "umod": r = ub === 0n ? ua : ua % ub; break;
    case "smod": r = sb === 0n ? sa : sa % sb; break;
    case "and": r = ua & ub; break;
    case "or": r = ua | ub; break;
    case "xor": r = ua ^ ub; break;
    case "shl": r = ua << sh; break;
    case "lshr": r = ua >> sh; break;
    case "ashr": r = sa >> sh; break;
    default: return undefined;
  }
  r = BigInt.asUintN(bits, r);
  return BigInt.asIntN(64, r);
}

/** Registers defined exactly once in the function (parameters count as defined at entry). */
function defCounts(fn: Func): Map<number, number> {
  const n = new Map<number, number>();
  for (const p of fn.params) n.set(p, 1);
  for (const b of fn.blocks) for (const i of b.insts) {
    const d = def(i);
    if (d !== undefined) n.set(d, (n.get(d) ?? 0) + 1);
  }
  return n;
}

export function foldConstants(fn: Func): boolean {
  let changed = false;
  for (let round = 0; round < 10; round++) {
    const counts = defCounts(fn);
    const value = new Map<number, Operand>();
    for (const b of fn.blocks) for (const i of b.insts) {
      if (i.op !== "mov" || counts.get(i.dst) !== 1) continue;
      if (i.src.kind === "imm") value.set(i.dst, i.src);
      else if (counts.get(i.src.id) === 1 && !fn.params.includes(i.dst)) value.set(i.dst, i.src);
    }
    const resolve = (o: Operand): Operand => {
      let cur = o;
      for (let k = 0; k < 20 && cur.kind === "reg" && value.has(cur.id); k++) cur = value.get(cur.id)!;
      return cur;
    };
    let any = false;
    const sub = (o: Operand) => {
      const r = resolve(o);
      if (r !== o) any = true;
      return r;
    };
    const subBase = <B extends { kind: "reg"; id: number } | { kind: "slot"; slot: number }>(bs: B): B => {
      if (bs.kind !== "reg") return bs;
      const r = resolve({ kind: "reg", id: bs.id });
      if (r.kind === "reg" && r.id !== bs.id) {
        any = true;
        return { kind: "reg", id: r.id } as B;
      }
      return bs;
    };
    for (const b of fn.blocks) {
      b.insts = b.insts.map((i): Inst => {
        switch (i.op) {
          // An instruction none of whose operands changed is kept as it is (no copy): most are, on every round.
          case "mov": {
            const src = sub(i.src);
            return src === i.src ? i : { ...i, src };
          }
          case "bin": {
            const a = sub(i.a), c = sub(i.b);
            if (a.kind === "imm" && c.kind === "imm") {
              const v = evalBin(i.kind, a.value, c.value, !!i.w32);
              if (v !== undefined) {
                any = true;
                return { op: "mov", dst: i.dst, src: imm(v), ...(i.span ? { span: i.span } : {}), ...(i.source ? { source: i.source } : {}) };
              }
            }
            // A divisor that became the constant 0 (`let z = 0n; x / z`): the kernel refuses DIV/MOD by an immediate
            // 0, so the result is written as eBPF defines it for a zero divisor (x / 0 = 0, x % 0 = x).
            // (Lowering emits no 32-bit division.)
            if (c.kind === "imm" && c.value === 0n && !i.w32 && isDivision(i.kind)) {
              any = true;
              const src = i.kind === "udiv" || i.kind === "sdiv" ? imm(0) : a;
              return { op: "mov", dst: i.dst, src, ...(i.span ? { span: i.span } : {}), ...(i.source ? { source: i.source } : {}) };
            }
            const id = identity(i.kind, a, c, !!i.w32);
            if (id) {
              any = true;
              return { op: "mov", dst: i.dst, src: id, ...(i.span ? { span: i.span } : {}), ...(i.source ? { source: i.source } : {}) };
            }
            return a === i.a && c === i.b ? i : { ...i, a, b: c };
          }
          case "neg": {
            const a = sub(i.a);
            if (a.kind === "imm") {
              any = true;
              return { op: "mov", dst: i.dst, src: imm(-a.value), ...(i.span ? { span: i.span } : {}) };
            }
            return a === i.a ? i : { ...i, a };
          }
          case "ext": {
            const a = sub(i.a);
            if (a.kind === "imm") {
              any = true;
              const v = i.signed ? BigInt.asIntN(i.bits, a.value) : BigInt.asUintN(i.bits, a.value);
              return { op: "mov", dst: i.dst, src: imm(v), ...(i.span ? { span: i.span } : {}) };
            }
            return a === i.a ? i : { ...i, a };
          }
          case "fieldoff": {
            const a = sub(i.a);
            return a === i.a ? i : { ...i, a };
          }
          case "load": {
            const base = subBase(i.base);
            return base === i.base ? i : { ...i, base };
          }
          case "store": case "atomic": {
            const base = subBase(i.base), value = sub(i.value);
            return base === i.base && value === i.value ? i : { ...i, base, value };
          }
          case "call": case "calllocal": {
            const args = i.args.map(sub);
            return args.every((x, k) => x === i.args[k]) ? i : { ...i, args };
          }
          default: return i;
        }
      });
      const t = b.term;
      b.term = ((): Terminator => {
        if (t.op === "cbr") {
          const a = sub(t.a), c = sub(t.b);
          return a === t.a && c === t.b ? t : { ...t, a, b: c };
        }
        if (t.op === "ret") {
          const value = sub(t.value);
          return value === t.value ? t : { ...t, value };
        }
        return t;
      })();
    }
    if (!any) break;
    changed = true;
  }
  return changed;
}

const isDivision = (k: BinOp): boolean => k === "udiv" || k === "sdiv" || k === "umod" || k === "smod";

/** x + 0, x * 1, x & -1, x | 0, x << 0, ... */
function identity(k: BinOp, a: Operand, b: Operand, w32: boolean): Operand | undefined {
  if (w32) return undefined;
  if (b.kind === "imm") {
    const v = b.value;
    if (v === 0n && (k === "add" || k === "sub" || k === "or" || k === "xor" || k === "shl" || k === "lshr" || k === "ashr")) return a;
    if (v === 1n && (k === "mul" || k === "udiv" || k === "sdiv")) return a;
    if (v === -1n && k === "and") return a;
    if (v === 0n && (k === "and" || k === "mul")) return imm(0);
  }
  if (a.kind === "imm" && a.value === 0n && (k === "add" || k === "or" || k === "xor")) return b;
  if (a.kind === "imm" && a.value === 1n && k === "mul") return b;
  return undefined;
}
