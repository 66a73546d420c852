// Text assembler for the bpf_conformance syntax (plus tsbpf's extensions): source text in, AsmItem[] out.
// Error texts match the upstream assembler's, which the suite's negative tests check.
//
// Extensions beyond the upstream grammar, all printed by the disassembler:
//   lddw %r1, map_fd <n|name>          BPF_PSEUDO_MAP_FD           lddw %r1, map_value <n|name>+<off>
//   lddw %r1, btf_id <n>               BPF_PSEUDO_BTF_ID           lddw %r1, func <label|+off>
//   lddw %r1, map_idx <n>              BPF_PSEUDO_MAP_IDX          lddw %r1, map_idx_value <n>+<off>
//   .raw 0x<16 hex digits>             one raw 64-bit slot, exactly as bpf_conformance writes `-- raw` words
//   `;` starts a comment, like `#`.

import * as b from "./builder.ts";
import { AsmError } from "./encode.ts";
import { helperId } from "./helpers.ts";
import type { AsmItem, Instruction } from "./instruction.ts";
import { AluOp, AtomicOp, Class, JmpOp, Mode, OP_CALL, OP_CALLX, OP_EXIT, OP_JA, OP_JA32, PseudoCall, PseudoLd, Size, Source } from "./opcodes.ts";

/** An assembler error, with the 1-based line it was found on. */
export class AssemblerError extends AsmError {
  constructor(message: string, readonly line: number) {
    super(message);
  }
}

const ALU_OPS: Record<string, AluOp> = {
  add: AluOp.Add, sub: AluOp.Sub, mul: AluOp.Mul, div: AluOp.Div, sdiv: AluOp.Div, or: AluOp.Or, and: AluOp.And,
  lsh: AluOp.Lsh, rsh: AluOp.Rsh, mod: AluOp.Mod, smod: AluOp.Mod, xor: AluOp.Xor, mov: AluOp.Mov, arsh: AluOp.Arsh,
};
const JMP_OPS: Record<string, JmpOp> = {
  jeq: JmpOp.JEq, jgt: JmpOp.JGt, jge: JmpOp.JGe, jset: JmpOp.JSet, jne: JmpOp.JNe, jsgt: JmpOp.JSGt,
  jsge: JmpOp.JSGe, jlt: JmpOp.JLt, jle: JmpOp.JLe, jslt: JmpOp.JSLt, jsle: JmpOp.JSLe,
};
const LDX: Record<string, number> = {
  ldxb: Mode.MEM | Size.B, ldxh: Mode.MEM | Size.H, ldxw: Mode.MEM | Size.W, ldxdw: Mode.MEM | Size.DW,
  ldxsb: Mode.MEMSX | Size.B, ldxsh: Mode.MEMSX | Size.H, ldxsw: Mode.MEMSX | Size.W,
};
const ST_SIZES: Record<string, Size> = { b: Size.B, h: Size.H, w: Size.W, dw: Size.DW };
const ATOMIC: Record<string, number> = {
  add: AtomicOp.Add, and: AtomicOp.And, or: AtomicOp.Or, xor: AtomicOp.Xor, xchg: AtomicOp.Xchg, cmpxchg: AtomicOp.CmpXchg,
};
const LD_PSEUDO: Record<string, PseudoLd> = {
  map_fd: PseudoLd.MapFd, map_value: PseudoLd.MapValue, btf_id: PseudoLd.BtfId, func: PseudoLd.Func,
  map_idx: PseudoLd.MapIdx, map_idx_value: PseudoLd.MapIdxValue,
};

const DEC = /^[+-]?[0-9]+$/;
const HEX = /^[+-]?0x[0-9a-fA-F]+$/;
const IDENT = /^[A-Za-z_.$][A-Za-z0-9_.$]*$/;

/** Number of operands each mnemonic takes (upstream's table; `lock` is handled apart). */
function operandCount(m: string): number | undefined {
  if (m === "exit") return 0;
  if (m === "ja" || m === "ja32") return 1;
  if (m === "call") return 2;
  if (m === "lddw") return 2;
  if (m in JMP_OPS || (m.endsWith("32") && m.slice(0, -2) in JMP_OPS)) return 3;
  if (m in LDX) return 2;
  if (/^st[bhw]$|^stdw$|^stx[bhw]$|^stxdw$/.test(m)) return 2;
  if (/^(le|be|swap|bswap)(16|32|64)$/.test(m)) return 1;
  if (m === "neg" || m === "neg32") return 1;
  if (/^movsx(832|1632|864|1664|3264)$/.test(m)) return 2;
  const base = m.endsWith("32") ? m.slice(0, -2) : m;
  if (base in ALU_OPS) return 2;
  return undefined;
}

/** Assembles bpf_conformance assembly into labels and instructions (symbolic targets are resolved by `encode`). */
export function parseAsm(text: string): AsmItem[] {
  const lines = text.split("\n");
  // The first `exit` defines an implicit label `exit`, unless the program names a label so itself.
  const explicitExit = lines.some((l) => stripComment(l).trim().split(/\s+/)[0] === "exit:");
  let sawExit = false;
  const out: AsmItem[] = [];
  lines.forEach((raw, idx) => {
    const lineNo = idx + 1;
    const tokens = stripComment(raw).trim().split(/\s+/).filter((t) => t.length > 0);
    if (tokens.length === 0) return;
    const mnemonic = tokens[0]!;
    const operands = tokens.slice(1).map((t) => (t.endsWith(",") ? t.slice(0, -1) : t));
    if (mnemonic.endsWith(":")) {
      out.push(b.label(mnemonic.slice(0, -1)));
      return;
    }
    try {
      if (mnemonic === "exit" && !sawExit && !explicitExit) {
        sawExit = true;
        out.push(b.label("exit"));
      }
      out.push(instruction(mnemonic, operands));
    } catch (e) {
      if (e instanceof AsmError) throw new AssemblerError(e.message, lineNo);
      throw e;
    }
  });
  checkLabels(out);
  return out;
}

function stripComment(line: string): string {
  const hash = line.indexOf("#");
  const semi = line.indexOf(";");
  let cut = line.length;
  if (hash >= 0) cut = hash;
  if (semi >= 0 && semi < cut) cut = semi;
  return line.slice(0, cut).replace(/\r$/, "");
}

function checkLabels(items: readonly AsmItem[]): void {
  const seen = new Set<string>();
  for (const it of items) {
    if ("label" in it) {
      if (seen.has(it.label)) throw new AsmError(`Duplicate label ${it.label}`);
      seen.add(it.label);
    }
  }
  for (const it of items) {
    if (!("label" in it) && it.target !== undefined && !seen.has(it.target)) throw new AsmError(`Invalid label: ${it.target}`);
  }
}

function instruction(mnemonic: string, operands: string[]): Instruction {
  if (mnemonic === "lock") return lock(operands);
  if (mnemonic === ".raw") return raw(operands);
  if (mnemonic === "call" && operands.length === 1) operands = ["helper", ...operands];
  const count = operandCount(mnemonic);
  if (count === undefined) throw new AsmError(`Invalid mnemonic: ${mnemonic}`);
  if (mnemonic === "lddw") return lddw(operands);
  if (operands.length !== count) throw new AsmError(`Invalid number of operands for mnemonic: ${mnemonic}`);
  const ops = operands as [string, string, string];

  if (mnemonic === "exit") return b.insn({ op: OP_EXIT });
  if (mnemonic === "ja") return jumpTo({ op: OP_JA }, "off", ops[0]);
  if (mnemonic === "ja32") return jumpTo({ op: OP_JA32 }, "imm", ops[0]);
  if (mnemonic === "call") return call(ops[0], ops[1]);

  const jmpBase = mnemonic.endsWith("32") ? mnemonic.slice(0, -2) : mnemonic;
  if (jmpBase in JMP_OPS) {
    const cls = mnemonic.endsWith("32") ? Class.JMP32 : Class.JMP;
    const dst = register(ops[0]);
    const code = JMP_OPS[jmpBase]! | cls;
    const fields = ops[1].startsWith("%") ? { op: code | Source.X, dst, src: register(ops[1]) } : { op: code | Source.K, dst, imm: imm32(ops[1]) };
    return jumpTo(fields, "off", ops[2]);
  }
  if (mnemonic in LDX) {
    const dst = register(ops[0]);
    const [src, off] = memref(ops[1]);
    return b.insn({ op: LDX[mnemonic]! | Class.LDX, dst, src, off });
  }
  let m = /^st(x?)(b|h|w|dw)$/.exec(mnemonic);
  if (m) {
    const [dst, off] = memref(ops[0]);
    const size = ST_SIZES[m[2]!]!;
    if (m[1]) return b.insn({ op: Mode.MEM | size | Class.STX, dst, off, src: register(ops[1]) });
    return b.insn({ op: Mode.MEM | size | Class.ST, dst, off, imm: imm32(ops[1]) });
  }
  m = /^(le|be|swap|bswap)(16|32|64)$/.exec(mnemonic);
  if (m) {
    const dst = register(ops[0]);
    const imm = Number(m[2]);
    const op = m[1] === "le" ? AluOp.End | Source.K | Class.ALU : m[1] === "be" ? AluOp.End | Source.X | Class.ALU : AluOp.End | Class.ALU64;
    return b.insn({ op, dst, imm });
  }
  if (mnemonic === "neg" || mnemonic === "neg32") {
    return b.insn({ op: AluOp.Neg | (mnemonic === "neg" ? Class.ALU64 : Class.ALU), dst: register(ops[0]) });
  }
  m = /^movsx(8|16|32)(32|64)$/.exec(mnemonic);
  if (m) {
    const cls = m[2] === "64" ? Class.ALU64 : Class.ALU;
    return b.insn({ op: AluOp.Mov | Source.X | cls, dst: register(ops[0]), src: register(ops[1]), off: Number(m[1]) });
  }
  const is32 = mnemonic.endsWith("32");
  const base = is32 ? mnemonic.slice(0, -2) : mnemonic;
  const code = ALU_OPS[base]! | (is32 ? Class.ALU : Class.ALU64);
  const off = base === "sdiv" || base === "smod" ? 1 : 0;
  const dst = register(ops[0]);
  if (ops[1].startsWith("%")) return b.insn({ op: code | Source.X, dst, src: register(ops[1]), off });
  return b.insn({ op: code | Source.K, dst, imm: imm32(ops[1]), off });
}

function call(mode: string, target: string): Instruction {
  if (mode === "helper") {
    if (target.startsWith("%")) return b.insn({ op: OP_CALLX, dst: register(target) });
    // `call bpf_ktime_get_ns` (the disassembler's `call bpf_ktime_get_ns#5`, whose `#5` is a comment).
    if (/^bpf_[a-z0-9_]+$/.test(target)) {
      const id = helperId(target);
      if (id === undefined) throw new AsmError(`Unknown helper: ${target}`);
      return b.insn({ op: OP_CALL, imm: id });
    }
    return b.insn({ op: OP_CALL, imm: imm32(target) });
  }
  if (mode === "local") return jumpTo({ op: OP_CALL, src: PseudoCall.Local }, "imm", target);
  if (mode === "runtime") return b.insn({ op: OP_CALL, src: PseudoCall.Kfunc, imm: imm32(target) });
  throw new AsmError(`Invalid call mode: ${mode}`);
}

function lock(operands: string[]): Instruction {
  const fetch = operands[0] === "fetch";
  const rest = fetch ? operands.slice(1) : operands;
  if (rest.length !== 3) throw new AsmError("Invalid number of operands for lock");
  const [name, mem, src] = rest as [string, string, string];
  const is32 = name.endsWith("32");
  const base = is32 ? name.slice(0, -2) : name;
  let imm = ATOMIC[base];
  if (imm === undefined) throw new AsmError(`Invalid mnemonic: lock ${name}`);
  if (fetch) {
    if (imm === AtomicOp.Xchg || imm === AtomicOp.CmpXchg) throw new AsmError(`Invalid mnemonic: lock fetch ${name}`);
    imm |= AtomicOp.Fetch;
  }
  const [dst, off] = memref(mem);
  return b.insn({ op: Mode.ATOMIC | (is32 ? Size.W : Size.DW) | Class.STX, dst, off, src: register(src), imm });
}

function lddw(operands: string[]): Instruction {
  if (operands.length === 3) {
    const kind = LD_PSEUDO[operands[1]!];
    if (kind === undefined) throw new AsmError(`Invalid number of operands for mnemonic: lddw`);
    const dst = register(operands[0]!);
    const arg = operands[2]!;
    if (kind === PseudoLd.Func) return jumpTo({ op: 0x18, dst, src: kind }, "imm", arg);
    if (kind === PseudoLd.MapValue || kind === PseudoLd.MapIdxValue) {
      const m = /^(.+?)([+-](?:0x[0-9a-fA-F]+|[0-9]+))?$/.exec(arg)!;
      const off = m[2] ? imm32(m[2].replace(/^\+/, "")) : 0;
      return refOrNumber(dst, kind, m[1]!, off);
    }
    return refOrNumber(dst, kind, arg, 0);
  }
  if (operands.length !== 2) throw new AsmError(`Invalid number of operands for mnemonic: lddw`);
  return b.LdImm64(register(operands[0]!), imm64(operands[1]!));
}

function refOrNumber(dst: number, src: PseudoLd, arg: string, imm2: number): Instruction {
  const isMapKind = src === PseudoLd.MapFd || src === PseudoLd.MapValue || src === PseudoLd.MapIdx || src === PseudoLd.MapIdxValue;
  if (isMapKind && IDENT.test(arg)) return b.insn({ op: 0x18, dst, src, map: arg, imm2 });
  return b.insn({ op: 0x18, dst, src, imm: imm32(arg), imm2 });
}

function raw(operands: string[]): Instruction {
  if (operands.length !== 1 || !/^0x[0-9a-fA-F]{1,16}$/.test(operands[0]!)) {
    throw new AsmError(`Invalid number of operands for mnemonic: .raw`);
  }
  const w = BigInt(operands[0]!);
  const op = Number(w & 0xffn);
  return b.insn({
    op,
    dst: Number((w >> 8n) & 0xfn),
    src: Number((w >> 12n) & 0xfn),
    off: Number(BigInt.asIntN(16, w >> 16n)),
    imm: Number(BigInt.asIntN(32, w >> 32n)),
  });
}

function jumpTo(fields: Parameters<typeof b.insn>[0], field: "off" | "imm", token: string): Instruction {
  if (token.startsWith("+") || token.startsWith("-")) return b.insn({ ...fields, [field]: offset16(token) });
  if (!IDENT.test(token)) throw new AsmError(`Invalid label: ${token}`);
  return b.insn({ ...fields, target: token });
}

const REG = /^%r([0-9]|1[0-5])$/;
function register(token: string): number {
  const m = REG.exec(token);
  if (!m) throw new AsmError(`Invalid register: ${token}`);
  return Number(m[1]);
}

function memref(token: string): [number, number] {
  const open = token.indexOf("[");
  let end = token.indexOf("+");
  if (end < 0) end = token.indexOf("-");
  if (end < 0) end = token.indexOf("]");
  if (open < 0 || end < 0 || !token.endsWith("]")) throw new AsmError(`Failed to decode register and offset: ${token}`);
  const reg = register(token.slice(open + 1, end));
  if (token[end] === "]") return [reg, 0];
  return [reg, offset16(token.slice(end, -1))];
}

/** A hex bit pattern or a signed decimal, as upstream's parsing with stoull/stoll. */
function parseInt(token: string, what: string): bigint {
  if (token.includes("0x")) {
    if (!HEX.test(token)) throw new AsmError(`Invalid ${what}: ${token}`);
    const neg = token.startsWith("-");
    const v = BigInt(token.replace(/^[+-]/, ""));
    // stoull negates a leading '-' in unsigned arithmetic, so "-0x10" is a huge value: out of range below.
    return neg ? BigInt.asUintN(64, -v) : v;
  }
  if (!DEC.test(token)) throw new AsmError(`Invalid ${what}: ${token}`);
  return BigInt(token);
}

function imm32(token: string): number {
  const v = parseInt(token, "immediate");
  if (token.includes("0x")) {
    if (v > 0xffffffffn) throw new AsmError(`Immediate out of 32-bit range: ${token}`);
    return Number(BigInt.asIntN(32, v));
  }
  if (v < -0x80000000n || v > 0x7fffffffn) throw new AsmError(`Immediate out of 32-bit range: ${token}`);
  return Number(v);
}

function offset16(token: string): number {
  const v = parseInt(token, "offset");
  if (token.includes("0x")) {
    if (v > 0xffffn) throw new AsmError(`Offset out of 16-bit range: ${token}`);
    return Number(BigInt.asIntN(16, v));
  }
  if (v < -0x8000n || v > 0x7fffn) throw new AsmError(`Offset out of 16-bit range: ${token}`);
  return Number(v);
}

function imm64(token: string): bigint {
  const v = parseInt(token, "immediate");
  if (token.includes("0x")) {
    if (v > 0xffffffffffffffffn) throw new AsmError(`Immediate out of 64-bit range: ${token}`);
    return v;
  }
  if (v < -(1n << 63n) || v > 0xffffffffffffffffn) throw new AsmError(`Immediate out of 64-bit range: ${token}`);
  return BigInt.asUintN(64, v);
}
