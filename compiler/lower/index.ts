// Lowering: the module model and each probe's handler in; one IR program per probe out (the entry function and
// its bpf_loop callbacks), with the maps it uses. Diagnostics collect; lowering goes on past errors.

import { ts } from "ts-morph";
import type { ActionSpec } from "../../core/object/spec.ts";
import type { Diagnostics } from "../diagnostics.ts";
import type { ModuleModel, ProbeDecl } from "../frontend/module.ts";
import { type IntType, TypeResolver } from "../frontend/types.ts";
import { FuncBuilder } from "../ir/builder.ts";
import { type Func, type Progress, imm } from "../ir/ir.ts";
import { LowerCtx, type ProgramContext, type StackMapUse } from "./context.ts";
import { lowerExpr } from "./expressions.ts";
import { bindKernelArgs } from "./kernel.ts";
import { lowerStatements } from "./statements.ts";
import type { TracepointDb } from "./tracepoints.ts";
import { toScalar } from "./values.ts";

export interface LoweredProgram {
  readonly probe: ProbeDecl;
  readonly funcs: Func[];
  readonly usedMaps: ReadonlySet<string>;
  readonly usesParams: boolean;
  readonly signedAggs: ReadonlySet<string>;
  /** The program's per-CPU scratch map and the bytes it needs, if any. */
  readonly scratch?: { readonly map: string; readonly size: number };
}

export interface LowerOptions {
  readonly arch: "x86_64" | "aarch64";
  readonly paramMap: string;
  readonly paramLayout: ProgramContext["paramLayout"];
  /** Updated with the node being lowered. */
  readonly progress?: Progress;
}

export interface LoweredModule {
  readonly programs: LoweredProgram[];
  /** What the handlers ask of user space, by record index (empty when nothing). */
  readonly actions: ActionSpec[];
  /** The stack trace maps the handlers use (empty when none). */
  readonly stackMaps: ReadonlyMap<string, StackMapUse>;
}

export function lowerModule(model: ModuleModel, checker: ts.TypeChecker, diags: Diagnostics, tracepoints: TracepointDb, opts: LowerOptions): LoweredModule {
  const actions: ActionSpec[] = [];
  const stackMaps = new Map<string, StackMapUse>();
  return { programs: model.probes.map((probe) => lowerProbe(model, checker, diags, tracepoints, opts, probe, actions, stackMaps)), actions, stackMaps };
}

function lowerProbe(
  model: ModuleModel, checker: ts.TypeChecker, diags: Diagnostics, tracepoints: TracepointDb, opts: LowerOptions, probe: ProbeDecl, actions: ActionSpec[],
  stackMaps: Map<string, StackMapUse>,
): LoweredProgram {
  const p: ProgramContext = {
    module: model, checker, diags, tracepoints, arch: opts.arch, callbacks: [], signedAggs: new Set(), usedMaps: new Set(),
    usesParams: false, inlining: [], types: new TypeResolver(checker, diags), paramLayout: opts.paramLayout, paramMap: opts.paramMap,
    progress: opts.progress, actions, stackMaps,
  };
  const b = new FuncBuilder(probe.name, "entry", 1);
  const cx = new LowerCtx(p, b, probe, { kind: "entry" });
  const h = probe.handler;
  cx.at(h);
  if (h.modifiers?.some((m) => m.kind === ts.SyntaxKind.AsyncKeyword) || (ts.isFunctionExpression(h) && h.asteriskToken)) {
    cx.error("TSB1004", ["the handler", ts.isFunctionExpression(h) && h.asteriskToken ? "a generator" : "async"], h);
  }
  const typedArgs = bindKernelArgs(cx, h);
  if (!typedArgs && h.parameters.length > 1) cx.error("TSB2029", ["a handler", "the probe context"], h.parameters[1]!);
  const ctxParam = typedArgs ? undefined : h.parameters[0];
  if (ctxParam) {
    if (!ts.isIdentifier(ctxParam.name)) cx.error("TSB1013", ["destructuring"], ctxParam.name, "the context parameter cannot be destructured: use ctx.field");
    else {
      const sym = cx.symbol(ctxParam.name);
      if (sym) cx.bind(sym, { kind: "value", val: { kind: "ctx" }, mutable: false });
    }
  }
  if (ts.isBlock(h.body)) {
    lowerStatements(cx, h.body.statements);
    if (b.open) b.ret(imm(0));
  } else {
    const v = lowerExpr(cx, h.body);
    if (v.kind === "scalar" || v.kind === "mem" || (v.kind === "ref" && !v.nullable)) {
      const s = toScalar(cx, v, h.body);
      b.ret(s ? s.op : imm(0));
    } else {
      b.ret(imm(0));
    }
  }
  return {
    probe,
    funcs: [b.func, ...p.callbacks.map((c) => c.builder.func)],
    usedMaps: p.usedMaps,
    usesParams: p.usesParams,
    signedAggs: p.signedAggs,
    ...(p.scratch ? { scratch: p.scratch } : {}),
  };
}

export type { IntType };
