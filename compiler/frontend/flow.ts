// TypeScript's control-flow graph of the tracer's files, between binding and checking: a program in; the same
// graphs without the call nodes that cannot change a type or reachability (and how many were taken out) out.
//
// Why: TypeScript's binder adds a node to the flow graph for every call statement (`h.set(k, v);`), because the
// callee might be an assertion function (`asserts x is T`) or return `never`. The checker then finds the type of
// every reference, and whether every statement is reachable, by walking the graph backwards from it, past each of
// those nodes: in a handler of n call statements that is n²/2 steps (20,000 statements: 4·10⁸, most of a minute).
// TypeScript caches nothing along a straight line. A call node matters only through its callee's "effects
// signature", and a signature has effects only if it is declared with an `asserts` return or a return type that is
// `never`: when no signature in the whole program is, every call node is a no-op on every walk, and taking them out
// of the graph changes no type, no reachability and no diagnostic. Calls to `super(...)` stay (the checker looks for
// them to know that `this` may be used).
//
// This reads and rewrites fields TypeScript marks internal (`flowNode`, `antecedent`, `FlowFlags`) of the
// TypeScript bundled in the pinned ts-morph; where they are missing, nothing is pruned (correct, only slower), and
// test/compiler/flow.test.ts fails.

import { ts } from "ts-morph";
import { walkTree } from "./depth.ts";

/** TypeScript's FlowNode (internal): a node of the control-flow graph; `antecedent` is an array for labels. */
interface FlowNode {
  flags: number;
  node?: unknown;
  antecedent?: FlowNode | FlowNode[];
}

/** TypeScript's FlowFlags (internal, but present at run time as `ts.FlowFlags`). */
interface Flags {
  readonly Unreachable: number;
  readonly Call: number;
  readonly ReduceLabel: number;
  readonly Shared: number;
}

const FLAGS = (ts as unknown as { FlowFlags?: Flags }).FlowFlags;

/** The AST fields that point into the flow graph (the binder's `flowNode`, `endFlowNode`, ...). */
const FLOW_FIELDS = ["flowNode", "endFlowNode", "returnFlowNode", "fallthroughFlowNode"] as const;

/** Whether this TypeScript has the internals the pruning relies on. */
export function canPruneFlow(): boolean {
  return FLAGS !== undefined && typeof FLAGS.Call === "number" && typeof FLAGS.Shared === "number";
}

/**
 * Takes the effect-free call nodes out of the flow graphs of the program's own (non-declaration) files; returns
 * how many were taken out (0 when some signature in the program could have an effect). Run after binding (creating
 * the checker binds every file) and before anything is checked.
 */
export function pruneCallFlow(program: ts.Program, checker: ts.TypeChecker): number {
  if (!canPruneFlow() || mayHaveEffects(program, checker)) return 0;
  const F = FLAGS!;
  const prunable = (f: FlowNode): boolean => {
    if (!(f.flags & F.Call) || Array.isArray(f.antecedent) || !f.antecedent) return false;
    const call = f.node as ts.Node | undefined;
    return call !== undefined && ts.isCallExpression(call) && call.expression.kind !== ts.SyntaxKind.SuperKeyword;
  };
  /** Each pruned node's first antecedent that stays (path compression: every chain is walked once). */
  const target = new Map<FlowNode, FlowNode>();
  const skip = (f: FlowNode): FlowNode => {
    if (!prunable(f)) return f;
    const path: FlowNode[] = [];
    let shared = false;
    let x = f;
    while (prunable(x)) {
      const t = target.get(x);
      if (t) {
        x = t;
        break;
      }
      path.push(x);
      if (x.flags & F.Shared) shared = true;
      x = x.antecedent as FlowNode;
    }
    // A pruned node reached from several places passes its predecessors on to its target: the checker caches its
    // walks only at nodes flagged Shared, without which a chain of `if`s would be walked once per path.
    if (shared && !(x.flags & F.Unreachable)) x.flags |= F.Shared;
    for (const p of path) target.set(p, x);
    return x;
  };
  const seen = new Set<FlowNode>();
  const work: FlowNode[] = [];
  const reach = (f: FlowNode): FlowNode => {
    const s = skip(f);
    if (!seen.has(s)) {
      seen.add(s);
      work.push(s);
    }
    return s;
  };
  const relink = (list: FlowNode[]) => {
    for (let i = 0; i < list.length; i++) list[i] = reach(list[i]!);
  };
  for (const file of program.getSourceFiles()) {
    if (file.isDeclarationFile) continue;
    walkTree(file, (n) => {
      const fields = n as unknown as Record<string, FlowNode | undefined>;
      for (const k of FLOW_FIELDS) {
        const f = fields[k];
        if (f) fields[k] = reach(f);
      }
    });
  }
  while (work.length) {
    const f = work.pop()!;
    if (Array.isArray(f.antecedent)) relink(f.antecedent);
    else if (f.antecedent) f.antecedent = reach(f.antecedent);
    if (f.flags & F.ReduceLabel) {
      // try/finally: the finally label's antecedents, replaced by a subset of them while walking through it.
      const r = f.node as { target: FlowNode; antecedents: FlowNode[] };
      relink(r.antecedents);
      reach(r.target);
    }
  }
  return target.size;
}

/** Per declaration file (parsed once per process, sources.ts): what in it could declare an effect. */
const scans = new WeakMap<ts.SourceFile, Scan>();

interface Scan {
  /** A signature declared `asserts x` / `asserts this` / `asserts x is T`. */
  readonly asserts: boolean;
  /** Return type annotations that may stand for `never` (an alias, a conditional type...), for the checker. */
  readonly maybeNever: readonly ts.TypeNode[];
}

/**
 * Whether some signature of the program could have an effect on control flow: a return type that is an assertion,
 * or that the checker resolves to `never` (as TypeScript's `hasTypePredicateOrNeverReturnType` reads it: the
 * declared annotation, uninstantiated).
 */
export function mayHaveEffects(program: ts.Program, checker: ts.TypeChecker): boolean {
  for (const file of program.getSourceFiles()) {
    let s = file.isDeclarationFile ? scans.get(file) : undefined;
    if (!s) {
      s = scan(file);
      if (file.isDeclarationFile) scans.set(file, s);
    }
    if (s.asserts) return true;
    for (const t of s.maybeNever) if (checker.getTypeFromTypeNode(t).flags & ts.TypeFlags.Never) return true;
  }
  return false;
}

function scan(file: ts.SourceFile): Scan {
  let asserts = false;
  const maybeNever: ts.TypeNode[] = [];
  walkTree(file, (n) => {
    if (!ts.isFunctionLike(n) || !n.type) return;
    // Not called: constructors and construct signatures (`new`), index signatures (their type is a value's).
    if (ts.isConstructorDeclaration(n) || ts.isConstructSignatureDeclaration(n) || ts.isConstructorTypeNode(n) || ts.isIndexSignatureDeclaration(n)) return;
    if (ts.isTypePredicateNode(n.type)) {
      if (n.type.assertsModifier) asserts = true;
    } else if (mayBeNever(n.type)) {
      maybeNever.push(n.type);
    }
  });
  return { asserts, maybeNever };
}

const NEVER_NEVER = new Set<ts.SyntaxKind>([
  ts.SyntaxKind.AnyKeyword, ts.SyntaxKind.UnknownKeyword, ts.SyntaxKind.NumberKeyword, ts.SyntaxKind.BigIntKeyword,
  ts.SyntaxKind.ObjectKeyword, ts.SyntaxKind.BooleanKeyword, ts.SyntaxKind.StringKeyword, ts.SyntaxKind.SymbolKeyword,
  ts.SyntaxKind.VoidKeyword, ts.SyntaxKind.UndefinedKeyword, ts.SyntaxKind.LiteralType, ts.SyntaxKind.ArrayType,
  ts.SyntaxKind.TupleType, ts.SyntaxKind.TypeLiteral, ts.SyntaxKind.FunctionType, ts.SyntaxKind.ConstructorType,
  ts.SyntaxKind.ThisType, ts.SyntaxKind.TypePredicate,
]);

/** False when the annotation's syntax alone shows it is not `never`; otherwise the checker decides. */
function mayBeNever(t: ts.TypeNode): boolean {
  if (NEVER_NEVER.has(t.kind)) return false;
  if (ts.isParenthesizedTypeNode(t)) return mayBeNever(t.type);
  // A union is never only when every member is.
  if (ts.isUnionTypeNode(t)) return t.types.every(mayBeNever);
  return true;
}
