// The lowering context: what lowering a function needs at hand (IR builder, scopes, the module model, the
// tracepoint database, loop and return targets, diagnostics), and the values expressions lower to.

import { ts } from "ts-morph";
import type { SourceSpan } from "../../core/asm/index.ts";
import { type Code, Diagnostics, type MessageArgs } from "../diagnostics.ts";
import type { AggDecl, MapDecl, ModuleModel, ProbeDecl } from "../frontend/module.ts";
import { sourceLineOf, spanOf } from "../frontend/program.ts";
import type { IntType, TypeResolver } from "../frontend/types.ts";
import type { FuncBuilder } from "../ir/builder.ts";
import { type Base, type Block, type Operand, type Progress, type Reloc, imm } from "../ir/ir.ts";
import type { TypeDesc } from "../../core/object/layout.ts";
import type { ActionSpec } from "../../core/object/spec.ts";
import type { TracepointDb } from "./tracepoints.ts";

/** What an expression lowers to. */
export type Val =
  /** An integer (or boolean, or address) in a register or an immediate. */
  | { readonly kind: "scalar"; readonly op: Operand; readonly type: IntType }
  /** A value in memory (struct, string, array; or a scalar not yet loaded). */
  | { readonly kind: "mem"; readonly base: Base; readonly off: number; readonly type: TypeDesc; readonly reloc?: Reloc }
  /** A pointer to a value in a map, null when the key was absent (until checked). */
  | { readonly kind: "ref"; readonly ptr: Operand; readonly type: TypeDesc; readonly nullable: boolean }
  | { readonly kind: "ctx" }
  | { readonly kind: "map"; readonly decl: MapDecl }
  | { readonly kind: "agg"; readonly decl: AggDecl }
  | { readonly kind: "undefined" }
  | { readonly kind: "string"; readonly value: string }
  | { readonly kind: "void" }
  /** After an error: lowering goes on so that one run reports everything. */
  | { readonly kind: "error" };

/** A pointer to a map value. */
export type RefVal = Extract<Val, { readonly kind: "ref" }>;

export const VOID: Val = { kind: "void" };
export const ERROR: Val = { kind: "error" };
export const scalar = (op: Operand, type: IntType): Val => ({ kind: "scalar", op, type });
export const constant = (v: bigint | number, type: IntType): Val => scalar(imm(v), type);

/** A name in scope. */
export type Binding =
  /** A `let` (or a parameter): a register assigned in place. */
  | { readonly kind: "var"; readonly reg: number; type: IntType }
  /** A `const` (or a `let` of a memory type): a value bound once. */
  | { readonly kind: "value"; readonly val: Val; readonly mutable: boolean };

export interface LoopTarget {
  readonly breakTo: Block;
  readonly continueTo?: Block;
}

/** Where `return` goes: the program's exit, the join block of an inlined call, or a bpf_loop callback's exit. */
export type ReturnTarget =
  | { readonly kind: "entry" }
  | {
    readonly kind: "inline";
    readonly join: Block;
    /** Register receiving the returned scalar. */
    readonly result: number;
    /** The type of the returned values, found as returns are lowered. */
    type?: IntType;
    /** Whether some return had a value (even an erroneous one). */
    valued?: boolean;
  }
  /** `epilogue` writes captured variables back to the caller's environment before returning. */
  | { readonly kind: "callback"; readonly epilogue: () => void };

/** A bounded loop being lowered: where its code starts, and what its nested loops cost the verifier. */
export interface LoopWalk {
  /** The first block and the first callback created for the loop. */
  readonly block: number;
  readonly callback: number;
  /** Instructions, conditional branches and bpf.loop() calls emitted by nested bounded loops (once), and walked. */
  nestedStatic: number;
  nestedStaticBranches: number;
  nestedStaticCalls: number;
  nestedWalk: number;
  nestedBranches: number;
  nestedCalls: number;
  /** The most iterations walked around a bpf.loop() call inside a nested loop. */
  nestedTrips: number;
  /** Whether a nested loop was already reported as too much for the verifier. */
  reported: boolean;
}

export interface ProgramContext {
  readonly module: ModuleModel;
  readonly checker: ts.TypeChecker;
  readonly diags: Diagnostics;
  readonly tracepoints: TracepointDb;
  readonly arch: "x86_64" | "aarch64";
  /** Subprograms (bpf_loop callbacks) added while lowering this program. */
  readonly callbacks: { readonly name: string; readonly builder: FuncBuilder }[];
  /** Aggregations whose recorded values were signed (min/max print them as such). */
  readonly signedAggs: Set<string>;
  /** Maps the program uses. */
  readonly usedMaps: Set<string>;
  /** Whether the program reads load-time parameters (.rodata). */
  usesParams: boolean;
  /** Functions being inlined right now (recursion check). */
  readonly inlining: ts.Node[];
  /** The bounded loops being lowered, innermost last: what the verifier's walk of each costs (statements.ts). */
  loopWalks?: LoopWalk[];
  readonly types: TypeResolver;
  /** Where each load-time parameter lives in the read-only data map. */
  readonly paramLayout: Map<ts.Symbol, { readonly offset: number; readonly type: IntType }>;
  /** The read-only data map holding the parameters. */
  readonly paramMap: string;
  /** The program's per-CPU scratch memory (values too large for the stack), once something needed it. */
  scratch?: { readonly map: string; size: number };
  /** Where lowering is, for an internal error's location. */
  readonly progress?: Progress | undefined;
  /** What the module's handlers ask of user space (print, clear, exit), shared by every program: a record's index. */
  readonly actions: ActionSpec[];
  /** The stack trace maps bpf.kstack()/bpf.ustack() store into, by name, shared by every program. */
  readonly stackMaps: Map<string, StackMapUse>;
}

/** A stack trace map the handlers use: kernel or user stacks of `depth` frames. */
export interface StackMapUse {
  readonly stack: "kstack" | "ustack";
  readonly depth: number;
}

export class LowerCtx {
  private scopes: Map<ts.Symbol, Binding>[] = [new Map()];
  /** The register holding the probe context (r1 on entry; a reloaded copy in callbacks). */
  ctxReg = 0;
  readonly loops: LoopTarget[] = [];
  returnTarget: ReturnTarget;
  /** Contextual memory types of literals (a map key, a struct field), set by whoever knows them. */
  readonly expected = new WeakMap<ts.Node, TypeDesc>();
  /**
   * While a ring buffer record is being filled in place: its base. Strings read into it need not be zero-filled
   * past their NUL (user space stops there), and nothing may leave the program before the record is submitted.
   */
  eventRecord: Base | undefined;
  /** The stack slot a tpBtf pointer argument is copied into, by argument index (one per function, reused). */
  readonly ctxArgSlots = new Map<number, number>();

  constructor(
    readonly p: ProgramContext,
    readonly b: FuncBuilder,
    readonly probe: ProbeDecl | undefined,
    returnTarget: ReturnTarget,
  ) {
    this.returnTarget = returnTarget;
  }

  get diags(): Diagnostics {
    return this.p.diags;
  }

  get checker(): ts.TypeChecker {
    return this.p.checker;
  }

  /** Stamps the next instructions with `node`'s position and source line. */
  at(node: ts.Node): void {
    const span = spanOf(node);
    if (this.p.progress) this.p.progress.span = span;
    this.b.at(span, sourceLineOf(node));
  }

  /** Reports `code` at `node` (its template filled by `args`) and returns the placeholder value of an error. */
  error<C extends Code>(code: C, args: MessageArgs<C>, node: ts.Node, hint?: string): Val {
    this.p.diags.error(code, args, spanOf(node), hint);
    return ERROR;
  }

  span(node: ts.Node): SourceSpan {
    return spanOf(node);
  }

  push(): void {
    this.scopes.push(new Map());
  }

  pop(): void {
    this.scopes.pop();
  }

  /** Runs `f` in a fresh scope stack (inlined function bodies see only their own names and module names). */
  isolated<T>(f: () => T): T {
    const saved = this.scopes;
    const savedLoops = this.loops.splice(0);
    this.scopes = [new Map()];
    try {
      return f();
    } finally {
      this.scopes = saved;
      this.loops.push(...savedLoops);
    }
  }

  bind(sym: ts.Symbol, binding: Binding): void {
    this.scopes[this.scopes.length - 1]!.set(sym, binding);
  }

  lookup(sym: ts.Symbol): Binding | undefined {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const b = this.scopes[i]!.get(sym);
      if (b) return b;
    }
    return undefined;
  }

  /** Every binding visible now (for bpf_loop captures). */
  visible(): Map<ts.Symbol, Binding> {
    const out = new Map<ts.Symbol, Binding>();
    for (const s of this.scopes) for (const [k, v] of s) out.set(k, v);
    return out;
  }

  symbol(node: ts.Node): ts.Symbol | undefined {
    // In `{ pid }`, the name is the property; the value is the variable of that name.
    const parent = node.parent;
    const s = parent && ts.isShorthandPropertyAssignment(parent) && parent.name === node
      ? this.p.checker.getShorthandAssignmentValueSymbol(parent)
      : this.p.checker.getSymbolAtLocation(node);
    if (s && s.flags & ts.SymbolFlags.Alias) return this.p.checker.getAliasedSymbol(s);
    return s;
  }
}
