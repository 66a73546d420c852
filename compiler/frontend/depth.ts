// Nesting limits, checked before anything recursive runs: a tracer's text (then its syntax tree) in; the first
// place nested deeper than the compiler can follow, as a diagnostic, out. TypeScript's parser, binder and checker
// and tsbpf's lowering are recursive descents: on a few hundred levels of nesting they run out of stack (a raw
// RangeError). Both checks here are iterative and linear in the size of the file.
//
// Measured with test/support/scale-gen.ts on Node 20, in a fresh process (cold code has the biggest frames):
// TypeScript's parser fails at 712 nested parentheses; its binder at 1,300 nested blocks; lowering at 800 nested
// `if`s, 1,390 chained `?:` and 1,600 prefix operators. The limit leaves room below the smallest of them.

import { ts } from "ts-morph";
import type { SourceSpan } from "../../core/asm/index.ts";
import { spanAt } from "./program.ts";

/** The deepest nesting the compiler accepts, in brackets (tokens) and in levels of statements and expressions. */
export const MAX_NESTING = 256;

export interface TooDeep {
  /** What is nested too deep, as the message names it ("this expression", "this if statement", "this bracket"). */
  readonly what: string;
  /** Levels of nesting; undefined when TypeScript's parser itself ran out of stack (at `span`). */
  readonly depth?: number;
  /** Set instead of `depth` when the function at `span` has too many branches. */
  readonly branches?: number;
  readonly span: SourceSpan;
}

/** Tokens after which a `/` divides (otherwise it starts a regular expression). */
const ENDS_OPERAND = new Set<ts.SyntaxKind>([
  ts.SyntaxKind.Identifier, ts.SyntaxKind.PrivateIdentifier, ts.SyntaxKind.NumericLiteral, ts.SyntaxKind.BigIntLiteral,
  ts.SyntaxKind.StringLiteral, ts.SyntaxKind.NoSubstitutionTemplateLiteral, ts.SyntaxKind.TemplateTail,
  ts.SyntaxKind.RegularExpressionLiteral, ts.SyntaxKind.CloseParenToken, ts.SyntaxKind.CloseBracketToken,
  ts.SyntaxKind.CloseBraceToken, ts.SyntaxKind.PlusPlusToken, ts.SyntaxKind.MinusMinusToken, ts.SyntaxKind.ThisKeyword,
  ts.SyntaxKind.SuperKeyword, ts.SyntaxKind.TrueKeyword, ts.SyntaxKind.FalseKeyword, ts.SyntaxKind.NullKeyword,
]);

/**
 * Brackets (`(`, `[`, `{`, and `${` in templates) nested deeper than `limit`, from the tokens alone: this runs
 * before the parser, which is where the deepest brackets would overflow the stack. A regular expression is told
 * from a division by the token before it, as tokenizers do; a wrong guess only shifts a count, which the syntax
 * tree check after parsing and the compiler's own guard then catch.
 */
export function tooDeepBrackets(file: string, text: string, limit = MAX_NESTING): TooDeep | undefined {
  const scanner = ts.createScanner(ts.ScriptTarget.ES2022, false, ts.LanguageVariant.Standard, text);
  /** Open brackets; `true` marks a template's `${`, closed by the `}` that starts the template's next part. */
  const open: boolean[] = [];
  let prev = ts.SyntaxKind.Unknown;
  for (let t = scanner.scan(); t !== ts.SyntaxKind.EndOfFileToken; t = scanner.scan()) {
    if ((t === ts.SyntaxKind.SlashToken || t === ts.SyntaxKind.SlashEqualsToken) && !ENDS_OPERAND.has(prev)) t = scanner.reScanSlashToken();
    if (t === ts.SyntaxKind.CloseBraceToken && open[open.length - 1] === true) {
      t = scanner.reScanTemplateToken(false);
      if (t === ts.SyntaxKind.TemplateTail) open.pop();
      prev = t;
      continue;
    }
    switch (t) {
      case ts.SyntaxKind.OpenParenToken: case ts.SyntaxKind.OpenBracketToken: case ts.SyntaxKind.OpenBraceToken: case ts.SyntaxKind.TemplateHead:
        open.push(t === ts.SyntaxKind.TemplateHead);
        if (open.length > limit) {
          return { what: `this "${ts.tokenToString(t) ?? "${"}"`, depth: open.length, span: textSpan(file, text, scanner.getTokenStart()) };
        }
        break;
      case ts.SyntaxKind.CloseParenToken: case ts.SyntaxKind.CloseBracketToken: case ts.SyntaxKind.CloseBraceToken:
        open.pop();
        break;
    }
    if (t !== ts.SyntaxKind.SingleLineCommentTrivia && t !== ts.SyntaxKind.MultiLineCommentTrivia) prev = t;
  }
  return undefined;
}

/** The span of one character of a file not parsed (yet). */
function textSpan(file: string, text: string, at: number): SourceSpan {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf("\n"); i !== -1 && i < at; i = text.indexOf("\n", i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { file, line, column: at - lineStart + 1, start: at, length: 1 };
}

/**
 * Whether a node is a level of nesting as people count them: a statement or an expression, except the wrappers
 * that come with their parent (the `{ }` body of an `if`, a loop or a function; an expression statement).
 */
function isLevel(n: ts.Node): boolean {
  if (ts.isExpressionStatement(n) || ts.isSourceFile(n)) return false;
  if (continuesChain(n)) return false;
  if (ts.isBlock(n)) return ts.isBlock(n.parent) || ts.isSourceFile(n.parent) || ts.isCaseOrDefaultClause(n.parent) || ts.isLabeledStatement(n.parent);
  return ts.isExpression(n) || ts.isStatement(n) || ts.isFunctionLike(n) || ts.isCaseOrDefaultClause(n);
}

/** Operators whose left-deep chains lowering and TypeScript walk iteratively (1: arithmetic and bitwise), else 0. */
function chainFamily(op: ts.SyntaxKind): number {
  if (op >= ts.SyntaxKind.FirstAssignment && op <= ts.SyntaxKind.LastAssignment) return 0;
  switch (op) {
    case ts.SyntaxKind.PlusToken: case ts.SyntaxKind.MinusToken: case ts.SyntaxKind.AsteriskToken: case ts.SyntaxKind.SlashToken:
    case ts.SyntaxKind.PercentToken: case ts.SyntaxKind.AmpersandToken: case ts.SyntaxKind.BarToken: case ts.SyntaxKind.CaretToken:
    case ts.SyntaxKind.LessThanLessThanToken: case ts.SyntaxKind.GreaterThanGreaterThanToken:
    case ts.SyntaxKind.GreaterThanGreaterThanGreaterThanToken: case ts.SyntaxKind.AsteriskAsteriskToken:
      return 1;
    // Chains of `&&`, `||`, `??` and `,` are lowered iteratively too, but still count as nesting: TypeScript's flow
    // analysis recurses on conditions (900 chained `&&` overflow its checker).
    default:
      return 0;
  }
}

/**
 * Whether a binary expression is the left operand of an arithmetic one (`a + b` in `a + b * c - d`): lowering
 * (compiler/lower/expressions.ts `leftSpine`) and TypeScript's parser, binder and checker walk such chains without
 * recursing, so a 5,000-term sum is one level, not 5,000.
 */
function continuesChain(n: ts.Node): boolean {
  if (!ts.isBinaryExpression(n) || !ts.isBinaryExpression(n.parent) || n.parent.left !== n) return false;
  const family = chainFamily(n.operatorToken.kind);
  return family !== 0 && family === chainFamily(n.parent.operatorToken.kind);
}

function describe(n: ts.Node): string {
  if (ts.isIfStatement(n)) return "this if statement";
  if (ts.isBlock(n)) return "this block";
  if (ts.isFunctionLike(n)) return "this function";
  if (ts.isIterationStatement(n, false)) return "this loop";
  if (ts.isSwitchStatement(n) || ts.isCaseOrDefaultClause(n)) return "this switch";
  if (ts.isStatement(n)) return "this statement";
  return "this expression";
}

/** The first node (in source order) nested more than `limit` levels deep, found without recursion. */
export function tooDeepNodes(file: ts.SourceFile, limit = MAX_NESTING): TooDeep | undefined {
  const stack: [ts.Node, number][] = [[file, 0]];
  while (stack.length) {
    const [n, outer] = stack.pop()!;
    const depth = outer + (isLevel(n) ? 1 : 0);
    if (depth > limit) {
      const start = n.getStart(file);
      return { what: describe(n), depth, span: spanAt(file, start, Math.max(1, Math.min(n.getEnd(), file.text.indexOf("\n", start) >>> 0) - start)) };
    }
    const children: ts.Node[] = [];
    n.forEachChild((c) => {
      children.push(c);
    });
    for (let i = children.length - 1; i >= 0; i--) stack.push([children[i]!, depth]);
  }
  return undefined;
}

/**
 * Where TypeScript's parser runs out of stack on `text`, when it does (nesting that no bracket shows: thousands of
 * prefix operators or chained `?:`): the shortest prefix of the text it cannot parse, found by bisection. Only
 * called after the parser failed, so its cost (a parse per halving) is paid on that path alone.
 */
export function parserBreaksAt(file: string, text: string): SourceSpan {
  const breaks = (n: number): boolean => {
    try {
      ts.createSourceFile(file, text.slice(0, n), ts.ScriptTarget.ES2022, false);
      return false;
    } catch (e) {
      if (e instanceof RangeError) return true;
      throw e;
    }
  };
  let lo = 0;
  let hi = text.length;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (breaks(mid)) hi = mid;
    else lo = mid;
  }
  return textSpan(file, text, Math.max(0, hi - 1));
}

/** Whether a node makes the flow of its function branch (TypeScript's flow analysis follows each branch). */
function branches(n: ts.Node): boolean {
  if (ts.isIfStatement(n) || ts.isConditionalExpression(n) || ts.isIterationStatement(n, false) || ts.isCaseOrDefaultClause(n)) return true;
  if (!ts.isBinaryExpression(n)) return false;
  const k = n.operatorToken.kind;
  return k === ts.SyntaxKind.AmpersandAmpersandToken || k === ts.SyntaxKind.BarBarToken || k === ts.SyntaxKind.QuestionQuestionToken;
}

/**
 * The most branches one function may have. TypeScript's checker follows a function's chain of branches
 * recursively (reachability of its end, narrowing): measured cold, 2,000 `if`s in one handler overflow it.
 */
export const MAX_BRANCHES = 1000;

/** The function (or the file) with more than `limit` branches (conditions, loops, cases) in its own body. */
export function tooManyBranches(file: ts.SourceFile, limit = MAX_BRANCHES): TooDeep | undefined {
  const most = mostBranches(file);
  if (!most || most.count <= limit) return undefined;
  const n = most.node;
  const what = ts.isSourceFile(n) ? "this module" : ts.isArrowFunction(n) || ts.isFunctionExpression(n) ? "this function" : describe(n);
  const start = ts.isSourceFile(n) ? 0 : n.getStart(file);
  const end = file.text.indexOf("\n", start);
  return { what, branches: most.count, span: spanAt(file, start, Math.max(1, (end === -1 ? file.text.length : end) - start)) };
}

/** The function (or the file) with the most branches in its own body, and how many; iterative. */
export function mostBranches(file: ts.SourceFile): { node: ts.Node; count: number } | undefined {
  const count = new Map<ts.Node, number>();
  const stack: [ts.Node, ts.Node][] = [[file, file]];
  while (stack.length) {
    const [n, fn] = stack.pop()!;
    if (branches(n)) count.set(fn, (count.get(fn) ?? 0) + 1);
    const inner = ts.isFunctionLike(n) ? n : fn;
    n.forEachChild((c) => {
      stack.push([c, inner]);
    });
  }
  let best: ts.Node | undefined;
  for (const [fn, c] of count) if (best === undefined || c > count.get(best)!) best = fn;
  return best && { node: best, count: count.get(best)! };
}

/**
 * Visits `root` and its descendants in source order (preorder) without recursion, so that a long left-deep chain
 * (`a + b + ... `, which the nesting check does not count) cannot overflow a walker. `visit` returning false skips
 * the node's children; `stop()` ends the walk.
 */
export function walkTree(root: ts.Node, visit: (n: ts.Node) => boolean | undefined | void): void {
  const stack: ts.Node[] = [root];
  while (stack.length) {
    const n = stack.pop()!;
    if (visit(n) === false) continue;
    const at = stack.length;
    n.forEachChild((c) => {
      stack.push(c);
    });
    // Children were pushed in source order: reverse them so the first is popped first.
    for (let i = at, j = stack.length - 1; i < j; i++, j--) [stack[i], stack[j]] = [stack[j]!, stack[i]!];
  }
}
