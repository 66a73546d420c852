// Builds IR functions: instructions appended to a current block, blocks created and sealed with terminators, every
// instruction stamped with the current source origin. Lowering drives it.

import type { BpfFunc, SourceSpan } from "../../core/asm/index.ts";
import { InternalError } from "../diagnostics.ts";
import { type Base, type BinOp, type Block, type Cmp, type Func, type Inst, type Operand, type Origin, type Reloc, type Terminator, imm, reg } from "./ir.ts";

type WithoutOrigin<T> = T extends unknown ? Omit<T, "span" | "source"> : never;

export class FuncBuilder {
  readonly func: Func;
  private current: Block | undefined;
  /** Blocks that were started but not yet terminated. */
  private origin: Origin = {};

  constructor(name: string, kind: Func["kind"], nParams: number) {
    const params = Array.from({ length: nParams }, (_, i) => i);
    this.func = { name, kind, params, blocks: [], entry: 0, slots: [], nextReg: nParams };
    this.current = this.newBlock();
  }

  /** Sets the origin stamped on what is emitted next. */
  at(span: SourceSpan | undefined, source?: string): void {
    this.origin = { ...(span ? { span } : {}), ...(source !== undefined ? { source } : {}) };
  }

  get currentOrigin(): Origin {
    return this.origin;
  }

  newReg(): number {
    return this.func.nextReg++;
  }

  newBlock(): Block {
    const b: Block = { id: this.func.blocks.length, insts: [], term: { op: "ret", value: imm(0) } };
    this.func.blocks.push(b);
    return b;
  }

  /** Whether code emitted now is reachable (the current block is open). */
  get open(): boolean {
    return this.current !== undefined;
  }

  /** Continue emitting in `b` (which must not have been terminated yet). */
  switchTo(b: Block): void {
    this.current = b;
  }

  get block(): Block | undefined {
    return this.current;
  }

  emit(i: WithoutOrigin<Inst>): void {
    // Code after a return/break is unreachable: drop it (the subset check reports nothing for it; TS does).
    if (!this.current) return;
    this.current.insts.push({ ...i, ...this.origin } as Inst);
  }

  terminate(t: WithoutOrigin<Terminator>): void {
    if (!this.current) return;
    this.current.term = { ...t, ...this.origin } as Terminator;
    this.current = undefined;
  }

  // ---- conveniences -------------------------------------------------------------------------------------------

  mov(src: Operand): Operand {
    if (src.kind === "imm") return src;
    const dst = this.newReg();
    this.emit({ op: "mov", dst, src });
    return reg(dst);
  }

  /** Moves into an existing register (assignment to a `let`). */
  assign(dst: number, src: Operand): void {
    this.emit({ op: "mov", dst, src });
  }

  bin(kind: BinOp, a: Operand, b: Operand, w32 = false): Operand {
    const dst = this.newReg();
    this.emit({ op: "bin", kind, dst, a, b, ...(w32 ? { w32 } : {}) });
    return reg(dst);
  }

  ext(a: Operand, bits: 8 | 16 | 32, signed: boolean): Operand {
    const dst = this.newReg();
    this.emit({ op: "ext", dst, a, bits, signed });
    return reg(dst);
  }

  load(base: Base, off: number, size: 1 | 2 | 4 | 8, signed: boolean, reloc?: Reloc): Operand {
    const dst = this.newReg();
    this.emit({ op: "load", dst, base, off, size, signed, ...(reloc ? { reloc } : {}) });
    return reg(dst);
  }

  store(base: Base, off: number, size: 1 | 2 | 4 | 8, value: Operand): void {
    this.emit({ op: "store", base, off, size, value });
  }

  call(helper: BpfFunc, args: readonly Operand[]): Operand {
    if (args.length > 5) throw new InternalError(`helper ${helper} called with ${args.length} arguments`);
    const dst = this.newReg();
    this.emit({ op: "call", dst, helper, args });
    return reg(dst);
  }

  slot(size: number, align: number, what: string, span?: SourceSpan): number {
    const id = this.func.slots.length;
    this.func.slots.push({ id, size, align, what, ...(span ? { span } : {}) });
    return id;
  }

  br(target: Block): void {
    this.terminate({ op: "br", target: target.id });
  }

  cbr(cmp: Cmp, a: Operand, b: Operand, then: Block, els: Block, w32 = false): void {
    this.terminate({ op: "cbr", cmp, a, b, then: then.id, else: els.id, ...(w32 ? { w32 } : {}) });
  }

  ret(value: Operand): void {
    this.terminate({ op: "ret", value });
  }
}
