// Statements: TypeScript statement nodes in, IR blocks out. Locals, if/else, switch, returns, and loops whose
// bound the compiler can prove (emitted as bounded loops, or unrolled when short); anything else is a diagnostic.

import { ts } from "ts-morph";
import { skipParens } from "../frontend/module.ts";
import { walkTree } from "../frontend/depth.ts";
import { type IntType, intOf } from "../frontend/types.ts";
import { type Block, imm, reg } from "../ir/ir.ts";
import { type TypeDesc, layoutOf } from "../../core/object/layout.ts";
import { type Binding, type LoopWalk, type LowerCtx, type Val, scalar } from "./context.ts";
import { lowerCond, lowerExpr, lowerInto } from "./expressions.ts";
import { compareString } from "./strings.ts";
import { copyBytes, literalFits, newMem, scratchMem, toMem, toScalar, unchecked } from "./values.ts";

/** Loops with at most this many iterations and a small body are unrolled (no back-edge for the verifier). */
const UNROLL_MAX_TRIPS = 8;
const UNROLL_MAX_STATEMENTS = 6;

export function lowerStatements(cx: LowerCtx, stmts: readonly ts.Statement[]): void {
  for (const s of stmts) lowerStatement(cx, s);
}

export function lowerStatement(cx: LowerCtx, s: ts.Statement): void {
  if (!cx.b.open) return; // unreachable code after return/break
  switch (s.kind) {
    case ts.SyntaxKind.Block:
      cx.push();
      lowerStatements(cx, (s as ts.Block).statements);
      cx.pop();
      return;
    case ts.SyntaxKind.EmptyStatement:
      return;
    case ts.SyntaxKind.ExpressionStatement:
      cx.at(s);
      lowerExpr(cx, (s as ts.ExpressionStatement).expression);
      return;
    case ts.SyntaxKind.VariableStatement:
      return variables(cx, (s as ts.VariableStatement).declarationList);
    case ts.SyntaxKind.IfStatement:
      return ifStatement(cx, s as ts.IfStatement);
    case ts.SyntaxKind.ReturnStatement:
      return returnStatement(cx, s as ts.ReturnStatement);
    case ts.SyntaxKind.ForStatement:
      return forStatement(cx, s as ts.ForStatement);
    case ts.SyntaxKind.ForOfStatement:
      return forOf(cx, s as ts.ForOfStatement);
    case ts.SyntaxKind.SwitchStatement:
      return switchStatement(cx, s as ts.SwitchStatement);
    case ts.SyntaxKind.BreakStatement:
    case ts.SyntaxKind.ContinueStatement: {
      const brk = s.kind === ts.SyntaxKind.BreakStatement;
      if ((s as ts.BreakStatement).label) return void cx.error("TSB1057", [], s);
      const target = [...cx.loops].reverse().find((l) => brk || l.continueTo);
      if (!target) return void cx.error("TSB1058", [brk ? "break" : "continue"], s);
      cx.at(s);
      cx.b.br(brk ? target.breakTo : target.continueTo!);
      return;
    }
    case ts.SyntaxKind.WhileStatement:
    case ts.SyntaxKind.DoStatement:
      return void cx.error("TSB1010", [s.kind === ts.SyntaxKind.WhileStatement ? "while" : "do"], s,
        "write `for (let i = 0; i < MAX && <condition>; i++)` with a constant MAX, or use bpf.loop(n, (i) => ...)");
    case ts.SyntaxKind.ForInStatement:
      return void cx.error("TSB1024", [], s);
    case ts.SyntaxKind.TryStatement:
    case ts.SyntaxKind.ThrowStatement:
      return void cx.error("TSB1003", [], s, "return early instead");
    case ts.SyntaxKind.ClassDeclaration:
      return void cx.error("TSB1002", [], s);
    case ts.SyntaxKind.FunctionDeclaration:
      return void cx.error("TSB1020", [], s, "declare it at module level");
    case ts.SyntaxKind.InterfaceDeclaration:
    case ts.SyntaxKind.TypeAliasDeclaration:
      return;
    case ts.SyntaxKind.LabeledStatement:
      return void cx.error("TSB1059", [], s);
    case ts.SyntaxKind.EnumDeclaration:
    case ts.SyntaxKind.ModuleDeclaration:
    case ts.SyntaxKind.ImportEqualsDeclaration:
      return void cx.error("TSB1001", [s.kind === ts.SyntaxKind.EnumDeclaration ? "an enum" : "a namespace"], s,
        "declare constants with const at module level");
    case ts.SyntaxKind.DebuggerStatement:
      return void cx.error("TSB1014", ["debugger"], s);
    case ts.SyntaxKind.WithStatement:
      return void cx.error("TSB1014", ["with"], s);
    default:
      return void cx.error("TSB1014", [statementKeyword(s)], s);
  }
}

/** The keyword a statement starts with (for messages), or its syntax kind's name when it starts with none. */
function statementKeyword(s: ts.Statement): string {
  const first = s.getFirstToken();
  const text = first ? ts.tokenToString(first.kind) : undefined;
  return text && /^[a-z]+$/.test(text) ? text : ts.SyntaxKind[s.kind];
}

function variables(cx: LowerCtx, list: ts.VariableDeclarationList): void {
  const isConst = (list.flags & ts.NodeFlags.Const) !== 0;
  if (!isConst && !(list.flags & ts.NodeFlags.Let)) return void cx.error("TSB1060", [], list);
  for (const d of list.declarations) {
    if (!ts.isIdentifier(d.name)) {
      cx.error("TSB1013", ["destructuring"], d.name, "read the fields one by one");
      continue;
    }
    const sym = cx.symbol(d.name);
    if (!sym) continue;
    cx.at(d);
    const declared: TypeDesc | undefined = d.type ? cx.p.types.fromNode(d.type, `variable ${d.name.text}`) : undefined;
    if (d.type && !declared) {
      cx.bind(sym, { kind: "value", val: { kind: "error" }, mutable: true });
      continue;
    }
    const init = d.initializer;
    if (declared && !intOf(declared)) {
      // A memory type: a stack slot built in place.
      const m = newMem(cx, declared, d.name.text, d);
      if (init) lowerInto(cx, init, m);
      cx.bind(sym, { kind: "value", val: { kind: "mem", ...m }, mutable: !isConst });
      continue;
    }
    if (!init) {
      const t = declared ? intOf(declared)! : { bits: 64 as const, signed: true };
      const r = cx.b.newReg();
      cx.b.assign(r, imm(0));
      cx.bind(sym, { kind: "var", reg: r, type: t });
      continue;
    }
    const v = lowerExpr(cx, init);
    cx.at(d);
    if (v.kind === "error") {
      cx.bind(sym, { kind: "value", val: v, mutable: false });
      continue;
    }
    if (v.kind === "scalar" || (declared && intOf(declared))) {
      const s = toScalar(cx, v, init);
      if (!s) continue;
      const type: IntType = declared ? intOf(declared)! : s.type;
      if (declared) literalFits(cx, type, s.op, init);
      if (isConst) {
        // A const bound to a register another variable may later change is copied; immediates are bound as is.
        cx.bind(sym, { kind: "value", val: scalar(s.op.kind === "imm" ? s.op : cx.b.mov(s.op), type), mutable: false });
      } else {
        const r = cx.b.newReg();
        cx.b.assign(r, s.op);
        cx.bind(sym, { kind: "var", reg: r, type });
      }
      continue;
    }
    if (v.kind === "mem" && !isConst) {
      // `let` of a struct: its own copy, since it may be reassigned.
      const m = newMem(cx, v.type, d.name.text, d);
      copyBytes(cx, m, toMem(cx, v, init)!, layoutSize(v.type));
      cx.bind(sym, { kind: "value", val: { kind: "mem", ...m }, mutable: true });
      continue;
    }
    if (v.kind === "void") {
      cx.error("TSB2033", [d.name.text], init);
      continue;
    }
    cx.bind(sym, { kind: "value", val: v, mutable: false });
  }
}

const layoutSize = (t: TypeDesc) => layoutOf(t).size;

function ifStatement(cx: LowerCtx, s: ts.IfStatement): void {
  cx.at(s.expression);
  const then = cx.b.newBlock();
  const els = cx.b.newBlock();
  const done = s.elseStatement ? cx.b.newBlock() : els;
  lowerCond(cx, s.expression, then, els);
  cx.b.switchTo(then);
  cx.push();
  lowerStatement(cx, s.thenStatement);
  cx.pop();
  if (cx.b.open) cx.b.br(done);
  if (s.elseStatement) {
    cx.b.switchTo(els);
    cx.push();
    lowerStatement(cx, s.elseStatement);
    cx.pop();
    if (cx.b.open) cx.b.br(done);
  }
  cx.b.switchTo(done);
}

function returnStatement(cx: LowerCtx, s: ts.ReturnStatement): void {
  cx.at(s);
  const t = cx.returnTarget;
  const value: Val | undefined = s.expression ? lowerExpr(cx, s.expression) : undefined;
  cx.at(s);
  switch (t.kind) {
    case "entry": {
      if (!value || value.kind === "void") return cx.b.ret(imm(0));
      const sc = toScalar(cx, value, s.expression!);
      cx.b.ret(sc ? sc.op : imm(0));
      return;
    }
    case "inline": {
      if (value && value.kind !== "void") t.valued = true;
      if (value && value.kind !== "void") {
        const sc = toScalar(cx, value, s.expression!);
        if (sc) {
          cx.b.assign(t.result, sc.op);
          t.type = t.type ? { bits: 64, signed: t.type.signed || sc.type.signed } : sc.type;
        }
      }
      cx.b.br(t.join);
      return;
    }
    case "callback": {
      if (!value || value.kind === "void") {
        t.epilogue();
        return cx.b.ret(imm(0));
      }
      // A truthy return stops the loop (bpf_loop: return 1).
      const stop = cx.b.newBlock();
      const go = cx.b.newBlock();
      lowerCond(cx, s.expression!, stop, go);
      cx.b.switchTo(stop);
      t.epilogue();
      cx.b.ret(imm(1));
      cx.b.switchTo(go);
      t.epilogue();
      cx.b.ret(imm(0));
      return;
    }
  }
}

interface Bound {
  readonly sym: ts.Symbol;
  readonly name: string;
  readonly init: bigint;
  readonly step: bigint;
  /** Iterations, at most. */
  readonly trips: bigint;
}

/** Why a for loop has no provable bound: the diagnostic's code, and the counter's name when there is one. */
type Unbounded = { readonly code: "TSB1029" } | { readonly code: "TSB1030" | "TSB1031" | "TSB1032" | "TSB1033"; readonly counter: string };

/** Proves `for (let i = A; i < B [&& ...]; i += S)` bounded (A, B, S constants; i not assigned in the body). */
function provableBound(cx: LowerCtx, s: ts.ForStatement): Bound | Unbounded {
  const init = s.initializer;
  if (!init || !ts.isVariableDeclarationList(init) || init.declarations.length !== 1) return { code: "TSB1029" };
  const d = init.declarations[0]!;
  if (!ts.isIdentifier(d.name) || !d.initializer) return { code: "TSB1029" };
  const sym = cx.symbol(d.name);
  if (!sym) return { code: "TSB1029" };
  const counter = d.name.text;
  const start = constOf(cx, d.initializer);
  if (start === undefined) return { code: "TSB1030", counter };
  // Update: i++, ++i, i += C, i--, --i, i -= C
  let step: bigint | undefined;
  const u = s.incrementor && skipParens(s.incrementor);
  if (u && (ts.isPostfixUnaryExpression(u) || ts.isPrefixUnaryExpression(u)) && ts.isIdentifier(u.operand) && cx.symbol(u.operand) === sym) {
    if (u.operator === ts.SyntaxKind.PlusPlusToken) step = 1n;
    if (u.operator === ts.SyntaxKind.MinusMinusToken) step = -1n;
  } else if (u && ts.isBinaryExpression(u) && ts.isIdentifier(u.left) && cx.symbol(u.left) === sym) {
    const c = constOf(cx, u.right);
    if (c !== undefined && c > 0n && u.operatorToken.kind === ts.SyntaxKind.PlusEqualsToken) step = c;
    if (c !== undefined && c > 0n && u.operatorToken.kind === ts.SyntaxKind.MinusEqualsToken) step = -c;
  }
  if (step === undefined) return { code: "TSB1031", counter };
  // Condition: some conjunct compares i with a constant in the direction of the step.
  let limit: bigint | undefined;
  const conjuncts = (e: ts.Expression): ts.Expression[] => {
    e = skipParens(e);
    if (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.AmpersandAmpersandToken) return [...conjuncts(e.left), ...conjuncts(e.right)];
    return [e];
  };
  for (const c of s.condition ? conjuncts(s.condition) : []) {
    if (!ts.isBinaryExpression(c)) continue;
    const leftIsI = ts.isIdentifier(c.left) && cx.symbol(c.left) === sym;
    const rightIsI = ts.isIdentifier(c.right) && cx.symbol(c.right) === sym;
    if (!leftIsI && !rightIsI) continue;
    const k = constOf(cx, leftIsI ? c.right : c.left);
    if (k === undefined) continue;
    let op: ts.SyntaxKind = c.operatorToken.kind;
    if (rightIsI) {
      const flip: Partial<Record<ts.SyntaxKind, ts.SyntaxKind>> = { [ts.SyntaxKind.LessThanToken]: ts.SyntaxKind.GreaterThanToken, [ts.SyntaxKind.GreaterThanToken]: ts.SyntaxKind.LessThanToken, [ts.SyntaxKind.LessThanEqualsToken]: ts.SyntaxKind.GreaterThanEqualsToken, [ts.SyntaxKind.GreaterThanEqualsToken]: ts.SyntaxKind.LessThanEqualsToken };
      op = flip[op] ?? op;
    }
    if (step > 0n && op === ts.SyntaxKind.LessThanToken) limit = k;
    if (step > 0n && op === ts.SyntaxKind.LessThanEqualsToken) limit = k + 1n;
    if (step < 0n && op === ts.SyntaxKind.GreaterThanToken) limit = k;
    if (step < 0n && op === ts.SyntaxKind.GreaterThanEqualsToken) limit = k - 1n;
    if (limit !== undefined) break;
  }
  if (limit === undefined) return { code: "TSB1032", counter };
  if (assignsTo(cx, s.statement, sym)) return { code: "TSB1033", counter };
  const span = step > 0n ? limit - start : start - limit;
  const mag = step > 0n ? step : -step;
  const trips = span <= 0n ? 0n : (span + mag - 1n) / mag;
  return { sym, name: d.name.text, init: start, step, trips };
}

function constOf(cx: LowerCtx, e: ts.Expression): bigint | undefined {
  const v = lowerConstant(cx, e);
  return v;
}

/**
 * One pass of a for loop: the condition (to `exit` when false), then the body in `body` with `break` going to
 * `exit` and `continue` to `next`, ending in `next`.
 */
function loopIteration(cx: LowerCtx, s: ts.ForStatement, body: Block, exit: Block, next: Block): void {
  if (s.condition) lowerCond(cx, s.condition, body, exit);
  else cx.b.br(body);
  cx.b.switchTo(body);
  cx.loops.push({ breakTo: exit, continueTo: next });
  cx.push();
  lowerStatement(cx, s.statement);
  cx.pop();
  cx.loops.pop();
  if (cx.b.open) cx.b.br(next);
  cx.b.switchTo(next);
}

/** Evaluates an expression that needs no code (literals, consts): without emitting anything. */
function lowerConstant(cx: LowerCtx, e: ts.Expression): bigint | undefined {
  e = skipParens(e);
  if (ts.isNumericLiteral(e)) return BigInt(e.text.replace(/_/g, ""));
  if (ts.isBigIntLiteral(e)) return BigInt(e.text.slice(0, -1));
  if (ts.isPrefixUnaryExpression(e) && e.operator === ts.SyntaxKind.MinusToken) {
    const v = lowerConstant(cx, e.operand);
    return v === undefined ? undefined : -v;
  }
  if (ts.isIdentifier(e)) {
    const sym = cx.symbol(e);
    if (!sym) return undefined;
    const b = cx.lookup(sym);
    if (b?.kind === "value" && b.val.kind === "scalar" && b.val.op.kind === "imm") return b.val.op.value;
    const c = cx.p.module.consts.get(sym);
    return c?.value;
  }
  if (ts.isBinaryExpression(e)) {
    const a = lowerConstant(cx, e.left);
    const b = lowerConstant(cx, e.right);
    if (a === undefined || b === undefined) return undefined;
    switch (e.operatorToken.kind) {
      case ts.SyntaxKind.PlusToken: return a + b;
      case ts.SyntaxKind.MinusToken: return a - b;
      case ts.SyntaxKind.AsteriskToken: return a * b;
      case ts.SyntaxKind.SlashToken: return b === 0n ? undefined : a / b;
    }
  }
  return undefined;
}

/**
 * The variables declared outside loop `s` and assigned in its body under a condition (an if's branch, a switch
 * case, a ?: arm, the right of && || ??, what follows an `if (...) continue;`, the body of a nested loop that may
 * leave early), and the number of such assignments. Each iteration can then multiply the states the verifier keeps
 * apart by that number plus one (`if (c) x++` over 20 iterations: 48,858 instructions processed; 24: 216,981; 28:
 * over 1,000,000). A bpf.loop() callback's assignments do not count: they travel in memory the verifier does not
 * track (lowerLoopCall).
 */
function conditionallyCarried(cx: LowerCtx, s: ts.ForStatement): { names: string[]; symbols: ts.Symbol[]; sites: number } {
  const names: string[] = [];
  const symbols: ts.Symbol[] = [];
  let sites = 0;
  const outside = (id: ts.Node): ts.Symbol | undefined => {
    if (!ts.isIdentifier(id)) return undefined;
    const sym = cx.symbol(id);
    const decl = sym?.valueDeclaration;
    return decl && (decl.pos < s.pos || decl.end > s.end) && ts.isVariableDeclaration(decl) ? sym : undefined;
  };
  const note = (id: ts.Node) => {
    const sym = outside(id);
    if (sym === undefined) return;
    sites++;
    if (!symbols.includes(sym)) {
      symbols.push(sym);
      names.push(sym.getName());
    }
  };
  const leavesEarly = (loop: ts.Node): boolean => {
    let found = false;
    walkTree(loop, (x) => {
      if (found || ts.isFunctionLike(x)) return false;
      if (ts.isContinueStatement(x) || ts.isBreakStatement(x) || ts.isReturnStatement(x)) found = true;
      return true;
    });
    return found;
  };
  const isSkip = (x: ts.Statement): boolean => {
    if (!ts.isIfStatement(x) || x.elseStatement) return false;
    const t = ts.isBlock(x.thenStatement) && x.thenStatement.statements.length === 1 ? x.thenStatement.statements[0]! : x.thenStatement;
    return ts.isContinueStatement(t);
  };
  const visit = (x: ts.Node, conditional: boolean) => {
    if (ts.isFunctionLike(x)) return;
    if (conditional) {
      if (ts.isBinaryExpression(x) && x.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && x.operatorToken.kind <= ts.SyntaxKind.LastAssignment) note(x.left);
      if ((ts.isPrefixUnaryExpression(x) || ts.isPostfixUnaryExpression(x)) && (x.operator === ts.SyntaxKind.PlusPlusToken || x.operator === ts.SyntaxKind.MinusMinusToken)) note(x.operand);
    }
    if (ts.isIfStatement(x)) {
      visit(x.expression, conditional);
      visit(x.thenStatement, true);
      if (x.elseStatement) visit(x.elseStatement, true);
    } else if (ts.isConditionalExpression(x)) {
      visit(x.condition, conditional);
      visit(x.whenTrue, true);
      visit(x.whenFalse, true);
    } else if (ts.isBinaryExpression(x) && [ts.SyntaxKind.AmpersandAmpersandToken, ts.SyntaxKind.BarBarToken, ts.SyntaxKind.QuestionQuestionToken].includes(x.operatorToken.kind)) {
      visit(x.left, conditional);
      visit(x.right, true);
    } else if (ts.isCaseBlock(x)) {
      x.forEachChild((c) => visit(c, true));
    } else if (ts.isBlock(x)) {
      // what follows `if (c) continue;` runs on some iterations only
      let skipped = conditional;
      for (const st of x.statements) {
        visit(st, skipped);
        if (isSkip(st)) skipped = true;
      }
    } else if ((ts.isForStatement(x) || ts.isWhileStatement(x) || ts.isDoStatement(x)) && x !== s) {
      x.forEachChild((c) => visit(c, conditional || leavesEarly(x.statement)));
    } else {
      x.forEachChild((c) => visit(c, conditional));
    }
  };
  visit(s.statement, false);
  return { names, symbols, sites };
}

/**
 * The iterations a loop may have with `sites` conditional assignments to outer variables: the verifier's states may
 * multiply by sites + 1 on each. One such assignment: LOOP_CARRIED_TRIPS. More: (sites + 1)^trips at most 2^13
 * (a fuzzed loop assigning one variable in two places, around a nested loop and a bpf.loop() call: 10 iterations
 * took the verifier 44,017 instructions, 12 over 1,000,000; the bound allows 8).
 */
function carriedTrips(sites: number): number {
  return sites <= 1 ? LOOP_CARRIED_TRIPS : Math.max(1, Math.floor(13 / Math.log2(sites + 1)));
}

function assignsTo(cx: LowerCtx, n: ts.Node, sym: ts.Symbol): boolean {
  let found = false;
  walkTree(n, (x) => {
    if (found) return false;
    if (ts.isBinaryExpression(x) && x.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && x.operatorToken.kind <= ts.SyntaxKind.LastAssignment && ts.isIdentifier(x.left) && cx.symbol(x.left) === sym) found = true;
    if ((ts.isPrefixUnaryExpression(x) || ts.isPostfixUnaryExpression(x)) && (x.operator === ts.SyntaxKind.PlusPlusToken || x.operator === ts.SyntaxKind.MinusMinusToken) && ts.isIdentifier(x.operand) && cx.symbol(x.operand) === sym) found = true;
    return true;
  });
  return found;
}

function countStatements(n: ts.Node): number {
  let c = 0;
  walkTree(n, (x) => {
    if (ts.isStatement(x)) c++;
  });
  return c;
}

function forStatement(cx: LowerCtx, s: ts.ForStatement): void {
  const bound = provableBound(cx, s);
  if ("code" in bound) {
    const hint = "loops need a constant bound (for (let i = 0; i < 64 && i < n; i++)); for long or data-dependent loops use bpf.loop(n, (i) => ...)";
    const at = s.condition ?? s;
    return void (bound.code === "TSB1029" ? cx.error(bound.code, [], at, hint) : cx.error(bound.code, [bound.counter], at, hint));
  }
  cx.push();
  cx.at(s.initializer!);
  const counter = cx.b.newReg();
  cx.b.assign(counter, imm(bound.init));
  cx.bind(bound.sym, { kind: "var", reg: counter, type: { bits: 64, signed: true } });
  const exit = cx.b.newBlock();
  const unroll = bound.trips <= BigInt(UNROLL_MAX_TRIPS) && countStatements(s.statement) <= UNROLL_MAX_STATEMENTS;
  if (unroll) {
    // The condition is still evaluated each time (it may have other conjuncts); the counter is a constant per copy.
    for (let k = 0n; k < bound.trips; k++) {
      const value = bound.init + k * bound.step;
      cx.bind(bound.sym, { kind: "value", val: scalar(imm(value), { bits: 64, signed: true }), mutable: false });
      const body = cx.b.newBlock();
      const next = cx.b.newBlock();
      loopIteration(cx, s, body, exit, next);
    }
    cx.b.br(exit);
  } else {
    // Variables the loop assigns under a condition pass through per-CPU scratch memory at the end of each iteration
    // (in a probe's own body): the verifier then knows only their type's range at the loop's head, and one state
    // there covers every path. Left in registers, their values keep the paths apart (a u8 decreased by the counter
    // on some iterations of 16 has up to 256 values, each walked through the rest of the handler). Elsewhere (in a
    // bpf.loop() callback, which has no scratch memory) the number of iterations is limited instead.
    const carried = conditionallyCarried(cx, s);
    const laundered = cx.b.func.kind === "entry" && !cx.eventRecord
      ? carried.symbols.map((sym) => cx.lookup(sym)).filter((b): b is Extract<Binding, { kind: "var" }> => b?.kind === "var")
      : [];
    const cell = laundered.length ? scratchMem(cx, { kind: "int", size: 8, signed: false }, laundered.length * 8, 8) : undefined;
    const allowed = carriedTrips(carried.sites);
    if (laundered.length < carried.symbols.length && carried.sites > 0 && bound.trips > BigInt(allowed)) {
      const what = carried.names.join(" and ") + (carried.sites > 1 ? ` (in ${carried.sites} places)` : "");
      cx.error("TSB2088", [what, Number(bound.trips), carried.sites + 1, allowed], s,
        "make it a bpf.loop(n, (i) => ...) callback (the verifier walks it once, whatever n), or lower the bound");
    }
    const header = cx.b.newBlock();
    const walk = beginWalk(cx, header.id);
    const body = cx.b.newBlock();
    const latch = cx.b.newBlock();
    cx.b.br(header);
    cx.b.switchTo(header);
    loopIteration(cx, s, body, exit, latch);
    cx.at(s.incrementor!);
    if (cell) {
      laundered.forEach((b, k) => {
        cx.b.store(cell.base, cell.off + k * 8, 8, reg(b.reg));
        const bytes = Math.max(1, b.type.bits / 8) as 1 | 2 | 4 | 8;
        cx.b.emit({ op: "load", dst: b.reg, base: cell.base, off: cell.off + k * 8, size: bytes, signed: false });
        if (b.type.signed && b.type.bits < 64) cx.b.emit({ op: "ext", dst: b.reg, a: reg(b.reg), bits: b.type.bits as 8 | 16 | 32, signed: true });
      });
    }
    cx.b.assign(counter, cx.b.bin("add", reg(counter), imm(bound.step)));
    cx.b.br(header);
    endWalk(cx, walk, s, bound.trips);
  }
  cx.pop();
  cx.b.switchTo(exit);
}

/**
 * What the verifier follows of a bounded loop (docs/language.md, "Loops"). It walks the body once per iteration
 * (nested loops multiply) with the counter known, and gives up past 1,000,000 instructions processed or 8,192
 * branches left pending; measured on Linux 6.18, one IR instruction costs it at most about 3 (a map update's
 * both paths). A bpf.loop() call inside a bounded loop has its callback walked again on each iteration, and the
 * verifier keeps at most 64 states per instruction: past that it stops pruning. With a callback that only counts,
 * that is 65 iterations (66 processed 6,858 instructions, 70 over 1,000,000); one that branches on the context
 * and a captured value adds states faster (16 iterations: 8,749; 24: 23,530; 32: 487,466; 64: over 1,000,000).
 * Conservative limits:
 */
/** IR instructions walked, in all: 250,000 (the verifier's 1,000,000 at up to 4 instructions each). */
const LOOP_WALK = 250_000;
/** Conditional branches walked (other than the loops' own tests), each of which may stay pending: */
const LOOP_PENDING = 8_000;
/** Iterations walked around a bpf.loop() call: */
const LOOP_CALL_TRIPS = 16;
/** Iterations of a loop assigning a variable declared outside it under a condition (conditionallyCarried): */
const LOOP_CARRIED_TRIPS = 16;

function beginWalk(cx: LowerCtx, block: number): LoopWalk {
  const w: LoopWalk = { block, callback: cx.p.callbacks.length, nestedStatic: 0, nestedStaticBranches: 0, nestedStaticCalls: 0, nestedWalk: 0, nestedBranches: 0, nestedCalls: 0, nestedTrips: 0, reported: false };
  (cx.p.loopWalks ??= []).push(w);
  return w;
}

function endWalk(cx: LowerCtx, w: LoopWalk, s: ts.ForStatement, trips: bigint): void {
  const walks = cx.p.loopWalks!;
  walks.pop();
  // The code emitted for the loop, once: its blocks (those created since it began) and the callbacks it created.
  let insts = 0;
  let branches = 0;
  const count = (blocks: readonly Block[], from: number) => {
    for (let i = from; i < blocks.length; i++) {
      insts += blocks[i]!.insts.length + 1;
      if (blocks[i]!.term.op === "cbr") branches++;
    }
  };
  count(cx.b.func.blocks, w.block);
  for (let i = w.callback; i < cx.p.callbacks.length; i++) count(cx.p.callbacks[i]!.builder.func.blocks, 0);
  const n = Number(trips);
  const walk = n * (insts - w.nestedStatic + w.nestedWalk);
  // The loop's own test compares the counter, which the verifier knows: it never leaves a branch pending.
  const pending = n * (branches - 1 - w.nestedStaticBranches + w.nestedBranches);
  const calls = n * (cx.p.callbacks.length - w.callback - w.nestedStaticCalls + w.nestedCalls);
  let reported = w.reported;
  if (!reported) {
    const hint = "make it a bpf.loop(n, (i) => ...) (up to 8M iterations; the verifier walks its callback once), or lower its bound";
    if (calls > 0 && n * (w.nestedCalls > 0 ? w.nestedTrips : 1) > LOOP_CALL_TRIPS) {
      reported = !!cx.error("TSB2087", [n * (w.nestedCalls > 0 ? w.nestedTrips : 1), LOOP_CALL_TRIPS], s, hint);
    } else if (pending > LOOP_PENDING) {
      reported = !!cx.error("TSB2086", [n, Math.round(pending / n), pending, LOOP_PENDING], s, hint);
    } else if (walk > LOOP_WALK) {
      reported = !!cx.error("TSB2085", [n, Math.round(walk / n), walk, LOOP_WALK], s, hint);
    }
  }
  const parent = walks[walks.length - 1];
  if (parent) {
    parent.nestedStatic += insts;
    parent.nestedStaticBranches += branches;
    parent.nestedStaticCalls += cx.p.callbacks.length - w.callback;
    parent.nestedWalk += walk;
    parent.nestedBranches += pending;
    parent.nestedCalls += calls;
    if (calls > 0) parent.nestedTrips = Math.max(parent.nestedTrips, n * (w.nestedCalls > 0 ? w.nestedTrips : 1));
    parent.reported ||= reported;
  }
}

/** for (const x of arr): a FixedArray's elements, bounded by its length. */
function forOf(cx: LowerCtx, s: ts.ForOfStatement): void {
  const arr = lowerExpr(cx, s.expression);
  const m = arr.kind === "mem" || arr.kind === "ref" ? toMem(cx, arr, s.expression) : undefined;
  if (!m || m.type.kind !== "array") return void cx.error("TSB2055", [], s.expression);
  const decl = s.initializer;
  if (!ts.isVariableDeclarationList(decl) || decl.declarations.length !== 1 || !ts.isIdentifier(decl.declarations[0]!.name)) {
    return void cx.error("TSB1047", [], s.initializer);
  }
  const sym = cx.symbol(decl.declarations[0]!.name);
  if (!sym) return;
  const elem = m.type.element;
  const step = layoutOf(elem).size;
  const exit = cx.b.newBlock();
  // Arrays are short and fixed: every element's access is at a constant offset.
  for (let i = 0; i < m.type.length; i++) {
    const next = cx.b.newBlock();
    cx.push();
    cx.bind(sym, { kind: "value", val: { kind: "mem", base: m.base, off: m.off + i * step, type: elem, ...(m.reloc ? { reloc: m.reloc } : {}) }, mutable: false });
    cx.loops.push({ breakTo: exit, continueTo: next });
    lowerStatement(cx, s.statement);
    cx.loops.pop();
    cx.pop();
    if (cx.b.open) cx.b.br(next);
    cx.b.switchTo(next);
  }
  cx.b.br(exit);
  cx.b.switchTo(exit);
}

function switchStatement(cx: LowerCtx, s: ts.SwitchStatement): void {
  let d = lowerExpr(cx, s.expression);
  if (d.kind === "error") return;
  const clauses = s.caseBlock.clauses;
  const bodies: Block[] = clauses.map(() => cx.b.newBlock());
  const exit = cx.b.newBlock();
  const isUndefined = (c: ts.CaseOrDefaultClause) => ts.isCaseClause(c) && ts.isIdentifier(skipParens(c.expression)) && (skipParens(c.expression) as ts.Identifier).text === "undefined";
  if (d.kind === "ref" && unchecked(cx, d, s.expression)) {
    // switch on a map value that may be missing: an absent key goes to `case undefined`, else to default.
    const present = cx.b.newBlock();
    const absentAt = clauses.findIndex(isUndefined);
    const defaultAt = clauses.findIndex((c) => ts.isDefaultClause(c));
    const absent = bodies[absentAt >= 0 ? absentAt : defaultAt] ?? exit;
    cx.at(s.expression);
    cx.b.cbr("ne", d.ptr, imm(0), present, absent);
    cx.b.switchTo(present);
    d = { ...d, nullable: false };
  }
  const isString = d.kind === "string" || ((d.kind === "mem" || d.kind === "ref") && d.type.kind === "string");
  const scalarD = isString ? undefined : toScalar(cx, d, s.expression);
  if (!isString && !scalarD) return;
  // A discriminant in a register that later code might change is copied first.
  const dv = scalarD && scalarD.op.kind === "reg" ? cx.b.mov(scalarD.op) : scalarD?.op;
  let defaultBody: Block | undefined;
  clauses.forEach((c, i) => {
    if (ts.isDefaultClause(c)) {
      defaultBody = bodies[i];
      return;
    }
    // A present value never matches `case undefined`.
    if (!isString && isUndefined(c)) return;
    cx.at(c);
    const next = cx.b.newBlock();
    if (isString) {
      compareString(cx, d, lowerExpr(cx, c.expression), "eq", bodies[i]!, next, c.expression);
    } else {
      const v = toScalar(cx, lowerExpr(cx, c.expression), c.expression);
      if (!v) return;
      cx.b.cbr("eq", dv!, v.op, bodies[i]!, next);
    }
    cx.b.switchTo(next);
  });
  cx.b.br(defaultBody ?? exit);
  clauses.forEach((c, i) => {
    cx.b.switchTo(bodies[i]!);
    cx.loops.push({ breakTo: exit });
    cx.push();
    lowerStatements(cx, c.statements);
    cx.pop();
    cx.loops.pop();
    // JavaScript's fall-through: a clause without break continues into the next one.
    if (cx.b.open) cx.b.br(bodies[i + 1] ?? exit);
  });
  cx.b.switchTo(exit);
}
