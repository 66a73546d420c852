// Functions in kernel code: calls to the module's own functions (inlined at the call site, which lets constant
// arguments fold and costs the verifier nothing), and bpf.loop() callbacks (separate static subprograms that
// reach the caller's variables through an environment on its stack).

import { ts } from "ts-morph";
import type { BpfFunc } from "../../core/asm/helpers.ts";
import { FuncBuilder } from "../ir/builder.ts";
import { type Base, type Operand, imm, reg } from "../ir/ir.ts";
import { type IntType, U32 } from "../frontend/types.ts";
import { walkTree } from "../frontend/depth.ts";
import { InternalError } from "../diagnostics.ts";
import { type Binding, ERROR, LowerCtx, type Val, VOID, scalar } from "./context.ts";
import { addressOf, lowerCond, lowerExpr } from "./expressions.ts";
import { lowerStatements } from "./statements.ts";
import { scratchMem, toMem, toScalar } from "./values.ts";

/** Checks what a function in kernel code may not be. Returns false (with a diagnostic) when it is one of those. */
function checkFunction(cx: LowerCtx, fn: ts.FunctionDeclaration | ts.ArrowFunction | ts.FunctionExpression, name: string): boolean {
  const asterisk = ts.isArrowFunction(fn) ? undefined : fn.asteriskToken;
  if (fn.modifiers?.some((m: ts.ModifierLike) => m.kind === ts.SyntaxKind.AsyncKeyword) || asterisk) {
    cx.error("TSB1004", [name, asterisk ? "a generator" : "async"], fn);
    return false;
  }
  if (!fn.body) {
    cx.error("TSB1072", [name], fn);
    return false;
  }
  for (const p of fn.parameters) {
    if (p.type && (p.type.kind === ts.SyntaxKind.AnyKeyword || p.type.kind === ts.SyntaxKind.UnknownKeyword)) {
      cx.error("TSB1009", [`${name}, parameter ${p.name.getText()}`, p.type.getText()], p.type, "use an integer type (u32, u64, ...), a Str<N> or an interface");
      return false;
    }
    if (!ts.isIdentifier(p.name) || p.dotDotDotToken || p.initializer || p.questionToken) {
      cx.error("TSB1073", [name], p);
      return false;
    }
  }
  return true;
}

/** A call to a module-level function, inlined: arguments bound to parameters, returns jump to a join block. */
export function inlineCall(cx: LowerCtx, fn: ts.FunctionDeclaration, call: ts.CallExpression): Val {
  const name = fn.name?.text ?? "function";
  if (cx.p.inlining.includes(fn)) {
    return cx.error("TSB1006", [name, cx.p.inlining.map((f) => (f as ts.FunctionDeclaration).name?.text).join(" -> ")], call,
      "rewrite it as a bounded loop");
  }
  if (!checkFunction(cx, fn, name)) return ERROR;
  if (call.arguments.length !== fn.parameters.length) return cx.error("TSB2027", [name, fn.parameters.length], call);
  const args: Val[] = call.arguments.map((a, i) => {
    const p = fn.parameters[i]!;
    const v = lowerExpr(cx, a);
    if (v.kind === "ref" && v.nullable && p.type && !isOptional(cx, p)) return { ...v, nullable: false };
    return v;
  });
  if (args.some((a) => a.kind === "error")) return ERROR;
  cx.at(call);
  const join = cx.b.newBlock();
  const result = cx.b.newReg();
  const target: { kind: "inline"; join: typeof join; result: number; type?: IntType; valued?: boolean } = { kind: "inline", join, result };
  const savedTarget = cx.returnTarget;
  const savedCtx = cx.ctxReg;
  cx.p.inlining.push(fn);
  try {
    cx.isolated(() => {
      fn.parameters.forEach((p, i) => {
        const sym = cx.symbol(p.name);
        if (!sym) return;
        const v = args[i]!;
        if (v.kind === "scalar") {
          const r = cx.b.newReg();
          cx.b.assign(r, v.op);
          // A parameter declared `x: i64` is signed whatever the argument was (as an annotated local is).
          cx.bind(sym, { kind: "var", reg: r, type: cx.p.types.intType(p.type) ?? v.type });
        } else {
          cx.bind(sym, { kind: "value", val: v, mutable: false });
        }
      });
      cx.returnTarget = target;
      lowerStatements(cx, (fn.body as ts.Block).statements);
      if (cx.b.open) cx.b.br(join);
    });
  } finally {
    cx.p.inlining.pop();
    cx.returnTarget = savedTarget;
    cx.ctxReg = savedCtx;
  }
  cx.b.switchTo(join);
  // A declared integer return type (`): i64`) is the call's type, as TypeScript says.
  const declared = target.type ? cx.p.types.intType(fn.type) : undefined;
  return target.type ? scalar(reg(result), declared ?? target.type) : target.valued ? ERROR : VOID;
}

function isOptional(cx: LowerCtx, p: ts.ParameterDeclaration): boolean {
  const t = cx.checker.getTypeAtLocation(p);
  return t.isUnion() && t.types.some((x) => (x.flags & ts.TypeFlags.Undefined) !== 0);
}

/**
 * bpf.loop(count, (i) => { ... }) (bpf_loop, 5.17): the callback becomes a static subprogram called up to
 * `count` times with (index, environment). Variables of the caller it uses travel in the environment, a stack
 * struct of 8-byte slots: values are copied in, assigned ones copied back after each call and after the loop.
 * In a probe's own body, the variables the callback assigns travel in per-CPU scratch memory instead (the
 * environment holds its address): the verifier knows what a stack slot holds, and walks the callback again, and
 * what follows the call, for each value it knows there (four calls of a callback that branches on and assigns two
 * captured variables took it 642,286 instructions with them on the stack); of memory in a map it knows nothing.
 */
export function lowerLoopCall(cx: LowerCtx, call: ts.CallExpression, helperId: BpfFunc): Val {
  const [countE, cbE] = call.arguments;
  if (!countE || !cbE || call.arguments.length !== 2) return cx.error("TSB2027", ["bpf.loop()", 2], call, "a count and a callback: bpf.loop(n, (i) => { ... })");
  let cbNode: ts.Expression = cbE;
  while (ts.isParenthesizedExpression(cbNode)) cbNode = cbNode.expression;
  if (!ts.isArrowFunction(cbNode) && !ts.isFunctionExpression(cbNode)) {
    return cx.error("TSB1071", [], cbE);
  }
  const cb = cbNode;
  if (!checkFunction(cx, cb, "the bpf.loop() callback")) return ERROR;
  if (cb.parameters.length > 1) return cx.error("TSB2029", ["the bpf.loop() callback", "the index"], cb);
  const count = toScalar(cx, lowerExpr(cx, countE), countE);
  if (!count) return ERROR;
  if (count.op.kind === "imm" && (count.op.value < 0n || count.op.value > 1n << 23n)) {
    return cx.error("TSB2048", [1 << 23], countE);
  }

  // What the callback uses from the caller.
  const visible = cx.visible();
  const captured: [ts.Symbol, Binding][] = [];
  const assigned = new Set<ts.Symbol>();
  const visit = (root: ts.Node) => walkTree(root, (n) => {
    if (ts.isIdentifier(n)) {
      const s = cx.symbol(n);
      const b = s ? visible.get(s) : undefined;
      if (s && b && !captured.some(([c]) => c === s)) captured.push([s, b]);
      if (s && b && isAssignedAt(n)) assigned.add(s);
    }
  });
  cb.body.forEachChild(visit);
  if (ts.isExpression(cb.body)) visit(cb.body);
  for (const s of assigned) {
    const b = visible.get(s)!;
    if (b.kind !== "var") return cx.error("TSB1023", [s.getName()], cb);
  }

  cx.at(call);
  // Where each captured variable the callback assigns lives while it runs: its index in per-CPU scratch memory
  // (in a probe's own body, see above), or its environment cell.
  const scratchIndex = new Map<ts.Symbol, number>();
  if (cx.b.func.kind === "entry" && !cx.eventRecord) {
    for (const [s, b] of captured) if (b.kind === "var" && assigned.has(s)) scratchIndex.set(s, scratchIndex.size);
  }
  const shared = scratchIndex.size ? scratchMem(cx, { kind: "int", size: 8, signed: false }, scratchIndex.size * 8, 8) : undefined;
  // After the captured values: the probe's context (what helpers such as perf_event_output need, whether or not the
  // callback names ctx), then the scratch memory's address.
  const ctxCell = captured.length * 8;
  const sharedCell = ctxCell + 8;
  const envSize = sharedCell + (shared ? 8 : 0);
  const envSlot = cx.b.slot(envSize, 8, "bpf.loop() environment", cx.span(call));
  const env = { kind: "slot" as const, slot: envSlot };
  /** Where the caller keeps captured variable `i` while the callback runs. */
  const home = (s: ts.Symbol, i: number): { base: Base; off: number } => {
    const k = scratchIndex.get(s);
    return k !== undefined ? { base: shared!.base, off: shared!.off + k * 8 } : { base: env, off: i * 8 };
  };
  captured.forEach(([s, b], i) => {
    const v = b.kind === "var" ? reg(b.reg) : capturedOperand(cx, b.val, call);
    const h = home(s, i);
    if (v) cx.b.store(h.base, h.off, 8, v);
  });
  if (shared) {
    if (shared.base.kind !== "reg") throw new InternalError("bpf.loop() scratch memory without a pointer", cx.span(call));
    const base = reg(shared.base.id);
    cx.b.store(env, sharedCell, 8, shared.off ? cx.b.bin("add", base, imm(shared.off)) : base);
  }
  cx.b.store(env, ctxCell, 8, reg(cx.ctxReg));

  // The callback: r1 = index, r2 = environment.
  const name = `${cx.b.func.name}_loop${cx.p.callbacks.length + 1}`;
  const fb = new FuncBuilder(name, "callback", 2);
  cx.p.callbacks.push({ name, builder: fb });
  const inner = new LowerCtx(cx.p, fb, cx.probe, { kind: "entry" });
  inner.at(cb);
  const envPtr = { kind: "reg" as const, id: 1 };
  let sharedPtr: { kind: "reg"; id: number } | undefined;
  if (shared) {
    sharedPtr = { kind: "reg", id: fb.newReg() };
    fb.emit({ op: "load", dst: sharedPtr.id, base: envPtr, off: sharedCell, size: 8, signed: false });
  }
  inner.ctxReg = fb.newReg();
  fb.emit({ op: "load", dst: inner.ctxReg, base: envPtr, off: ctxCell, size: 8, signed: false });
  const writeBack: (() => void)[] = [];
  captured.forEach(([sym, b], i) => {
    if (b.kind === "var") {
      const r = fb.newReg();
      const k = scratchIndex.get(sym);
      const from = k !== undefined ? sharedPtr! : envPtr;
      const off = k !== undefined ? k * 8 : i * 8;
      fb.emit({ op: "load", dst: r, base: from, off, size: 8, signed: false });
      inner.bind(sym, { kind: "var", reg: r, type: b.type });
      if (assigned.has(sym)) writeBack.push(() => fb.store(from, off, 8, reg(r)));
      return;
    }
    const v = b.val;
    if (v.kind === "scalar") {
      if (v.op.kind === "imm") {
        inner.bind(sym, b);
        return;
      }
      const r = fb.newReg();
      fb.emit({ op: "load", dst: r, base: envPtr, off: i * 8, size: 8, signed: false });
      inner.bind(sym, { kind: "value", val: scalar(reg(r), v.type), mutable: false });
      return;
    }
    if (v.kind === "ctx") {
      // the context is in inner.ctxReg already
      inner.bind(sym, b);
      return;
    }
    if (v.kind === "mem" || v.kind === "ref") {
      const r = fb.newReg();
      fb.emit({ op: "load", dst: r, base: envPtr, off: i * 8, size: 8, signed: false });
      inner.bind(sym, { kind: "value", val: v.kind === "mem" ? { kind: "mem", base: { kind: "reg", id: r }, off: 0, type: v.type } : { ...v, ptr: reg(r) }, mutable: b.mutable });
      return;
    }
    inner.bind(sym, b);
  });
  const epilogue = () => writeBack.forEach((w) => w());
  inner.returnTarget = { kind: "callback", epilogue };
  const p0 = cb.parameters[0];
  if (p0) {
    const s = inner.symbol(p0.name);
    if (s) inner.bind(s, { kind: "var", reg: 0, type: U32 });
  }
  if (ts.isBlock(cb.body)) {
    lowerStatements(inner, cb.body.statements);
    if (fb.open) {
      epilogue();
      fb.ret(imm(0));
    }
  } else {
    // An expression body: its value decides whether to stop.
    const stop = fb.newBlock();
    const go = fb.newBlock();
    lowerCond(inner, cb.body, stop, go);
    fb.switchTo(stop);
    epilogue();
    fb.ret(imm(1));
    fb.switchTo(go);
    epilogue();
    fb.ret(imm(0));
  }

  cx.at(call);
  const fnAddr = cx.b.newReg();
  cx.b.emit({ op: "funcaddr", dst: fnAddr, func: name });
  const envAddr = cx.b.newReg();
  cx.b.emit({ op: "addr", dst: envAddr, slot: envSlot, off: 0 });
  const n = cx.b.call(helperId, [count.op, reg(fnAddr), reg(envAddr), imm(0)]);
  // Copy assigned variables back from the environment.
  captured.forEach(([sym, b], i) => {
    if (b.kind !== "var" || !assigned.has(sym)) return;
    const h = home(sym, i);
    cx.b.emit({ op: "load", dst: b.reg, base: h.base, off: h.off, size: 8, signed: false });
  });
  return scalar(n, U32);
}

/** The 8-byte environment slot value of a captured const: the scalar, or the address of memory. */
function capturedOperand(cx: LowerCtx, v: Val, node: ts.Node): Operand | undefined {
  switch (v.kind) {
    case "scalar": return v.op;
    case "ctx": return reg(cx.ctxReg);
    case "ref": return v.ptr;
    case "mem": {
      const m = toMem(cx, v, node)!;
      if (m.base.kind === "slot") return addressOf(cx, m);
      const id = m.base.id;
      return m.off ? cx.b.bin("add", reg(id), imm(m.off)) : reg(id);
    }
    default: return imm(0);
  }
}

function isAssignedAt(id: ts.Identifier): boolean {
  const p = id.parent;
  if (ts.isBinaryExpression(p) && p.left === id && p.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && p.operatorToken.kind <= ts.SyntaxKind.LastAssignment) return true;
  if ((ts.isPrefixUnaryExpression(p) || ts.isPostfixUnaryExpression(p)) && (p.operator === ts.SyntaxKind.PlusPlusToken || p.operator === ts.SyntaxKind.MinusMinusToken)) return true;
  return false;
}

