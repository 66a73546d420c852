// The intermediate representation: functions of basic blocks of three-address instructions over virtual registers
// (not SSA: a `let` is one vreg assigned in several places), stack slots for memory values, and a source span on
// every instruction. Lowering produces it; passes rewrite it; codegen consumes it.

import type { FieldPart } from "../../core/object/spec.ts";
export type { FieldPart };
import type { BpfFunc, SourceSpan } from "../../core/asm/index.ts";

/** An operand: a virtual register or a 64-bit immediate. */
export type Operand = { readonly kind: "reg"; readonly id: number } | { readonly kind: "imm"; readonly value: bigint };

export const reg = (id: number): Operand => ({ kind: "reg", id });
export const imm = (value: bigint | number): Operand => ({ kind: "imm", value: BigInt.asIntN(64, BigInt(value)) });

/** Where memory is: a stack slot of the function, or the address held in a register. */
export type Base = { readonly kind: "slot"; readonly slot: number } | { readonly kind: "reg"; readonly id: number };

export type BinOp = "add" | "sub" | "mul" | "udiv" | "sdiv" | "umod" | "smod" | "and" | "or" | "xor" | "shl" | "lshr" | "ashr";
export type Cmp = "eq" | "ne" | "ult" | "ule" | "ugt" | "uge" | "slt" | "sle" | "sgt" | "sge" | "set";
export type AtomicKind = "add" | "or" | "and" | "xor" | "xchg";

/** Where the compiler is now (the node being lowered, the probe being generated): an internal error is reported there. */
export interface Progress {
  span?: SourceSpan;
}

/** Where an instruction came from, and the text of its source line (for line_info and `--emit asm`). */
export interface Origin {
  readonly span?: SourceSpan;
  readonly source?: string;
}

export type Inst = Origin & (
  | { readonly op: "mov"; readonly dst: number; readonly src: Operand }
  /** dst = a op b; `w32` computes on the low 32 bits and zero-extends. */
  | { readonly op: "bin"; readonly kind: BinOp; readonly dst: number; readonly a: Operand; readonly b: Operand; readonly w32?: boolean }
  | { readonly op: "neg"; readonly dst: number; readonly a: Operand }
  /** dst = the low `bits` of a, zero- or sign-extended to 64. */
  | { readonly op: "ext"; readonly dst: number; readonly a: Operand; readonly bits: 8 | 16 | 32; readonly signed: boolean }
  | { readonly op: "load"; readonly dst: number; readonly base: Base; readonly off: number; readonly size: 1 | 2 | 4 | 8; readonly signed: boolean; readonly reloc?: Reloc }
  | { readonly op: "store"; readonly base: Base; readonly off: number; readonly size: 1 | 2 | 4 | 8; readonly value: Operand }
  /** dst = address of a stack slot (plus off). */
  | { readonly op: "addr"; readonly dst: number; readonly slot: number; readonly off: number }
  /** dst = pointer to map `map` (BPF_PSEUDO_MAP_FD). */
  | { readonly op: "mapfd"; readonly dst: number; readonly map: string }
  /** dst = a + the offset of a kernel struct's field, set at load from the running kernel's BTF (CO-RE style). */
  | { readonly op: "fieldoff"; readonly dst: number; readonly a: Operand; readonly reloc: FieldReloc }
  /** dst = pointer into element 0 of array map `map`, plus off (global data). */
  | { readonly op: "mapvalue"; readonly dst: number; readonly map: string; readonly off: number }
  /** dst = address of local function `func` (bpf_loop callbacks). */
  | { readonly op: "funcaddr"; readonly dst: number; readonly func: string }
  /** A helper call; r1-r5 are clobbered. */
  | { readonly op: "call"; readonly dst?: number; readonly helper: BpfFunc; readonly args: readonly Operand[] }
  /** A bpf-to-bpf call of a subprogram of the same program. */
  | { readonly op: "calllocal"; readonly dst?: number; readonly func: string; readonly args: readonly Operand[] }
  /** Atomic read-modify-write of `size` bytes at base+off; `fetch` receives the old value. */
  | { readonly op: "atomic"; readonly kind: AtomicKind; readonly base: Base; readonly off: number; readonly size: 4 | 8; readonly value: Operand; readonly fetch?: number }
);

export type Terminator = Origin & (
  | { readonly op: "br"; readonly target: number }
  /** if (a cmp b) goto then else goto else; `w32` compares the low 32 bits. */
  | { readonly op: "cbr"; readonly cmp: Cmp; readonly a: Operand; readonly b: Operand; readonly w32?: boolean; readonly then: number; readonly else: number }
  | { readonly op: "ret"; readonly value: Operand }
);

/** A relocation the loader applies to a load: the offset of a tracepoint field in the running kernel's format. */
export interface Reloc {
  readonly kind: "tracepoint_field";
  readonly tracepoint: string;
  readonly field: string;
  /** The field's offset the instruction was compiled with (the loader adds the kernel's difference). */
  readonly offset: number;
}

/** Any relocation an emitted instruction may carry. */
export type AnyReloc = Reloc | FieldReloc;

/** A relocation of an `add dst, imm`: the byte offset of `field` (a dotted path) in kernel struct `struct`. */
export interface FieldReloc {
  readonly kind: "btf_field";
  readonly struct: string;
  readonly field: string;
  /** The bytes the program reads there: the loader checks the field has that size (none: an embedded struct's address). */
  readonly size?: number;
  /** What the immediate becomes, when not the field's byte offset (core/object/spec.ts BtfFieldRelocation). */
  readonly part?: FieldPart;
}

export interface Block {
  readonly id: number;
  insts: Inst[];
  term: Terminator;
}

export interface Slot {
  readonly id: number;
  readonly size: number;
  readonly align: number;
  /** What it holds, for messages about stack use. */
  readonly what: string;
  readonly span?: SourceSpan;
}

export interface Func {
  readonly name: string;
  /** Registers holding the parameters on entry (r1..r5 in order). */
  readonly params: readonly number[];
  blocks: Block[];
  readonly entry: number;
  slots: Slot[];
  /** Next free vreg id. */
  nextReg: number;
  /** Whether this is a callback (bpf_loop) or a bpf-to-bpf subprogram rather than the entry. */
  readonly kind: "entry" | "subprogram" | "callback";
}

export function uses(i: Inst | Terminator): number[] {
  // No closures here: uses() runs several times per instruction in every pass, and under tsx every closure created
  // is also named (esbuild's keepNames), which made it most of the passes' time on a long handler.
  const out: number[] = [];
  switch (i.op) {
    case "mov": useOperand(out, i.src); break;
    case "bin": useOperand(out, i.a); useOperand(out, i.b); break;
    case "neg": case "ext": case "fieldoff": useOperand(out, i.a); break;
    case "load": useBase(out, i.base); break;
    case "store": useBase(out, i.base); useOperand(out, i.value); break;
    case "call": case "calllocal": for (const a of i.args) useOperand(out, a); break;
    case "atomic": useBase(out, i.base); useOperand(out, i.value); break;
    case "cbr": useOperand(out, i.a); useOperand(out, i.b); break;
    case "ret": useOperand(out, i.value); break;
    default: break;
  }
  return out;
}

function useOperand(out: number[], o: Operand): void {
  if (o.kind === "reg") out.push(o.id);
}

function useBase(out: number[], b: Base): void {
  if (b.kind === "reg") out.push(b.id);
}

export function def(i: Inst): number | undefined {
  switch (i.op) {
    case "store": return undefined;
    case "call": case "calllocal": return i.dst;
    case "atomic": return i.fetch;
    default: return i.dst;
  }
}

/** Whether removing the instruction (when its result is unused) changes behaviour. */
export function hasSideEffects(i: Inst): boolean {
  return i.op === "store" || i.op === "call" || i.op === "calllocal" || i.op === "atomic";
}

export function successors(t: Terminator): number[] {
  switch (t.op) {
    case "br": return [t.target];
    case "cbr": return t.then === t.else ? [t.then] : [t.then, t.else];
    case "ret": return [];
  }
}

/** What `a cmp b` is on constants, as the branch compares them (on the low 32 bits when `w32`). */
export function evalCmp(cmp: Cmp, a: bigint, b: bigint, w32 = false): boolean {
  const bits = w32 ? 32 : 64;
  const ua = BigInt.asUintN(bits, a), ub = BigInt.asUintN(bits, b);
  const sa = BigInt.asIntN(bits, a), sb = BigInt.asIntN(bits, b);
  switch (cmp) {
    case "eq": return ua === ub;
    case "ne": return ua !== ub;
    case "ult": return ua < ub;
    case "ule": return ua <= ub;
    case "ugt": return ua > ub;
    case "uge": return ua >= ub;
    case "slt": return sa < sb;
    case "sle": return sa <= sb;
    case "sgt": return sa > sb;
    case "sge": return sa >= sb;
    default: return (ua & ub) !== 0n;
  }
}
