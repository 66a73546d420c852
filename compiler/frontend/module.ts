// The module-level declarations of a tracer: the source file in; its maps, aggregations, probes, compile-time
// constants, load-time parameters and functions out. Module-level code that handlers never use is user-side
// code (it may run in Node through `main`), so it is not checked against the kernel subset here.

import { ts } from "ts-morph";
import { type AggregationKind, aggregationOfClass } from "../../core/aggregations.ts";
import { MAP_KINDS, type MapKind, type MapType, mapKindOfClass } from "../../core/maps.ts";
import { declareAdHocMaps } from "./adhoc.ts";
import { docComment, keyLabels, metricOfComment } from "./metrics.ts";
import { usdtProbeList, usdtSites, usdtTarget } from "./usdt.ts";
import { PROBE_KINDS, type ProbeDeclarator, globRegExp, isProbeDeclarator, isTracepointPattern } from "../../core/probes.ts";
import type { SourceSpan } from "../../core/asm/index.ts";
import type { Diagnostics } from "../diagnostics.ts";
import type { Progress } from "../ir/ir.ts";
import { type TypeDesc, layoutOf } from "../../core/object/layout.ts";
import type { MetricSpec } from "../../core/object/spec.ts";
import { spanOf } from "./program.ts";
import { type IntType, TypeResolver, U64, intOf, tsbpfName } from "./types.ts";



/** A class whose `new` declares a map or an aggregation. */
const isMapClass = (cls: string): boolean => mapKindOfClass(cls) !== undefined || aggregationOfClass(cls) !== undefined;

/** Event channels: kernel side, `emit`/`output`; their value type is the event's. */
export const isEventChannel = (m: { readonly mapType: MapType }): boolean => MAP_KINDS[m.mapType].channel !== undefined;

interface Declared {
  readonly name: string;
  readonly symbol: ts.Symbol;
  readonly exported: boolean;
  readonly span: SourceSpan;
  /** Maps: what the declaration's doc comment and the handlers' keys say about it as a metric (metrics.ts). */
  readonly metric?: MetricSpec;
}

/** The class a map declaration constructs and its position among the module's map declarations (source order). */
export interface DeclaredAt {
  readonly class: string;
  readonly index: number;
}

export interface MapDecl extends Declared {
  readonly kind: "map";
  readonly mapType: MapType;
  readonly key: TypeDesc;
  /** The value type; for event channels, the event's type. */
  readonly value: TypeDesc;
  /** Entries; for a ring buffer, its size in bytes; for a perf event array, 0 (one per CPU, set at load). */
  readonly maxEntries: number;
  readonly pinned: boolean;
  readonly declared: DeclaredAt;
  /** PerfEventArray: pages of each CPU's buffer. */
  readonly pages?: number;
}

export interface AggDecl extends Declared {
  readonly kind: "agg";
  readonly agg: AggregationKind;
  /** undefined: a single value (K = void). */
  readonly key: TypeDesc | undefined;
  readonly maxEntries: number;
  /** Declared by its use (a one-liner's `$name`): its methods are named as bpftrace's functions (adhoc.ts). */
  readonly adhoc?: boolean;
  readonly unit?: string;
  /** Print only the `top` largest entries (and how many keys there are). */
  readonly top?: number;
  readonly lhist?: { readonly min: bigint; readonly max: bigint; readonly step: bigint };
  readonly declared: DeclaredAt;
}

export interface ProbeDecl {
  readonly kind: ProbeDeclarator;
  readonly args: readonly (string | number)[];
  readonly handler: ts.ArrowFunction | ts.FunctionExpression;
  readonly span: SourceSpan;
  /** Program name, unique in the module. */
  readonly name: string;
  /** `{ optional: true }` before the handler: skipped where the attach point does not exist. */
  readonly optional?: boolean;
}

export interface ConstDecl {
  readonly name: string;
  readonly value: bigint;
  readonly type: IntType;
}

export interface ParamDecl extends Declared {
  /** The name given to param(). */
  readonly paramName: string;
  readonly type: IntType;
  readonly defaultValue: bigint;
}

export interface ModuleModel {
  /** Declarations that failed (already reported): uses of them report nothing more. */
  readonly failed: Set<ts.Symbol>;
  readonly maps: Map<ts.Symbol, MapDecl>;
  readonly aggs: Map<ts.Symbol, AggDecl>;
  readonly probes: ProbeDecl[];
  readonly consts: Map<ts.Symbol, ConstDecl>;
  readonly params: Map<ts.Symbol, ParamDecl>;
  readonly functions: Map<ts.Symbol, ts.FunctionDeclaration>;
}

export function analyzeModule(
  file: ts.SourceFile, checker: ts.TypeChecker, diags: Diagnostics, progress: Progress = {},
  /** The tracepoints there are ("category/event"), for patterns. */
  tracepointNames?: () => readonly string[],
): ModuleModel {
  const model: ModuleModel = { failed: new Set(), maps: new Map(), aggs: new Map(), probes: [], consts: new Map(), params: new Map(), functions: new Map() };
  const types = new TypeResolver(checker, diags);
  const names = new Set<string>();
  let mapIndex = 0;

  for (const stmt of file.statements) {
    progress.span = spanOf(stmt);
    if (ts.isVariableStatement(stmt)) {
      const exported = !!stmt.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
      const isConst = (stmt.declarationList.flags & ts.NodeFlags.Const) !== 0;
      for (const d of stmt.declarationList.declarations) {
        if (!ts.isIdentifier(d.name) || !d.initializer) continue;
        const symbol = checker.getSymbolAtLocation(d.name);
        if (!symbol) continue;
        const init = skipParens(d.initializer);
        const base = { name: d.name.text, symbol, exported, span: spanOf(d) };
        if (ts.isNewExpression(init)) {
          const cls = tsbpfName(checker, checker.getSymbolAtLocation(init.expression));
          if (cls !== undefined && isMapClass(cls)) {
            if (!isConst) diags.error("TSB2006", [d.name.text], spanOf(d));
            const declared = { class: cls, index: mapIndex++ };
            const mapKind = mapKindOfClass(cls);
            const { metric, problems } = metricOfComment(docComment(stmt, file));
            for (const p of problems) diags.error("TSB2099", [p.tag, p.value, d.name.text, p.expected], spanOf(d));
            const mapBase = Object.keys(metric).length ? { ...base, metric } : base;
            const decl = mapKind
              ? mapDecl(init, mapKind, mapBase, declared, types, checker, model, diags)
              : aggDecl(init, aggregationOfClass(cls)!.kind, mapBase, declared, types, checker, model, diags);
            const labels = decl?.metric?.labels;
            const wanted = decl && keyLabelCount(decl.kind === "agg" ? decl.key : isEventChannel(decl) ? undefined : decl.key);
            if (labels && wanted !== undefined && labels.length !== wanted) {
              diags.error("TSB2099", ["labels", labels.join(", "), d.name.text, wanted === 0 ? "no labels: the map has no key" : `${wanted} label name${wanted === 1 ? "" : "s"}, one per ${wanted === 1 ? "key" : "field of the key"}`], spanOf(d));
            }
            if (decl) {
              if (decl.kind === "map") model.maps.set(symbol, decl);
              else model.aggs.set(symbol, decl);
            } else model.failed.add(symbol);
            continue;
          }
        }
        if (ts.isCallExpression(init) && tsbpfName(checker, checker.getSymbolAtLocation(init.expression)) === "param") {
          const p = paramDecl(init, base, checker, model, diags);
          if (!p) model.failed.add(symbol);
          if (p) {
            if (names.has(p.paramName)) diags.error("TSB2016", [p.paramName], spanOf(init));
            names.add(p.paramName);
            model.params.set(symbol, p);
          }
          continue;
        }
        if (isConst) {
          const v = constValue(init, checker, model);
          if (v !== undefined) model.consts.set(symbol, { name: d.name.text, value: v.value, type: v.type });
        }
      }
      continue;
    }
    if (ts.isFunctionDeclaration(stmt) && stmt.name) {
      const symbol = checker.getSymbolAtLocation(stmt.name);
      if (symbol) model.functions.set(symbol, stmt);
      continue;
    }
    if (ts.isExpressionStatement(stmt)) {
      const e = skipParens(stmt.expression);
      if (ts.isCallExpression(e)) {
        const fn = tsbpfName(checker, checker.getSymbolAtLocation(e.expression));
        if (fn !== undefined && isProbeDeclarator(fn)) {
          const p = probeDecl(e, fn, checker, model, diags);
          if (p) model.probes.push(p);
        }
      }
    }
  }
  checkPlacement(file, checker, diags);
  declareAdHocMaps(file, checker, model, diags, (e) => constValue(e, checker, model)?.value);
  if (tracepointNames) expandPatterns(model, tracepointNames, diags);
  nameKeyLabels(file, checker, model);
  // Program names: readable, unique.
  const seen = new Map<string, number>();
  model.probes.forEach((p, i) => {
    const n = seen.get(p.name) ?? 0;
    seen.set(p.name, n + 1);
    if (n > 0) model.probes[i] = { ...p, name: `${p.name}_${n + 1}` };
  });
  return model;
}

/**
 * A tracepoint pattern (`tracepoint("sched/sched_*", h)`) becomes one probe per tracepoint of the database it
 * matches, each its own program (their records differ) sharing the handler; `probe()` tells them apart. They are
 * optional: a kernel that lacks some of them skips those.
 */
function expandPatterns(model: ModuleModel, names: () => readonly string[], diags: Diagnostics): void {
  const out: ProbeDecl[] = [];
  for (const p of model.probes) {
    const pattern = p.kind === "tracepoint" ? String(p.args[0]) : "";
    if (!isTracepointPattern(pattern)) {
      out.push(p);
      continue;
    }
    const re = globRegExp(pattern);
    const matched = names().filter((n) => re.test(n)).sort();
    if (!matched.length) {
      diags.error("TSB2092", [pattern], p.span, "tsbpf list 'category/*' shows the tracepoints there are");
      continue;
    }
    const def = PROBE_KINDS.tracepoint;
    for (const n of matched) out.push({ ...p, args: [n], name: def.programName([n]).replace(/[^A-Za-z0-9_]/g, "_"), optional: true });
  }
  model.probes.splice(0, model.probes.length, ...out);
}

/**
 * Probe declarators and map declarations anywhere but as top-level statements would be dropped silently:
 * report them. (Inside a handler, lowering reports them.)
 */
function checkPlacement(file: ts.SourceFile, checker: ts.TypeChecker, diags: Diagnostics): void {
  const isHandler = (fn: ts.Node): boolean => {
    const call = fn.parent;
    if (!call || !ts.isCallExpression(call) || !call.arguments.includes(fn as ts.Expression)) return false;
    const name = tsbpfName(checker, checker.getSymbolAtLocation(call.expression));
    return name !== undefined && (isProbeDeclarator(name) || name === "loop");
  };
  // Iterative (a stack of nodes to visit), so that no nesting the depth check lets through can overflow it.
  const stack: [ts.Node, ts.Node | undefined, boolean][] = [];
  const visitChildren = (n: ts.Node, inFunction: ts.Node | undefined, inControl: boolean): void => {
    const children: ts.Node[] = [];
    n.forEachChild((c) => {
      children.push(c);
    });
    for (let i = children.length - 1; i >= 0; i--) stack.push([children[i]!, inFunction, inControl]);
  };
  const visit = (n: ts.Node, inFunction: ts.Node | undefined, inControl: boolean): void => {
    if (ts.isFunctionLike(n)) {
      visitChildren(n, n, inControl);
      return;
    }
    if (ts.isCallExpression(n)) {
      const name = tsbpfName(checker, checker.getSymbolAtLocation(n.expression));
      if (name !== undefined && isProbeDeclarator(name)) {
        const topLevel = ts.isExpressionStatement(n.parent) && ts.isSourceFile(n.parent.parent);
        if (!topLevel) {
          if (inFunction && isHandler(inFunction)) {
            // lowering reports it
          } else if (inFunction) {
            diags.error("TSB1011", [name, "function"], spanOf(n));
          } else if (inControl) {
            diags.error("TSB1012", [`${name}()`], spanOf(n));
          } else {
            diags.error("TSB1034", [name], spanOf(n));
          }
        }
      }
    }
    if (ts.isNewExpression(n) && !inFunction) {
      const cls = tsbpfName(checker, checker.getSymbolAtLocation(n.expression));
      if (cls !== undefined && isMapClass(cls) && inControl) {
        diags.error("TSB1012", [`new ${cls}()`], spanOf(n), `declare maps at the top level: const ${cls.toLowerCase()} = new ${cls}(...)`);
      }
    }
    const control = inControl || (!inFunction && ts.isStatement(n) && !ts.isSourceFile(n.parent) && !ts.isVariableStatement(n.parent));
    visitChildren(n, inFunction, control || (!inFunction && (ts.isIfStatement(n) || ts.isIterationStatement(n, false) || ts.isBlock(n) || ts.isSwitchStatement(n) || ts.isTryStatement(n) || ts.isLabeledStatement(n))));
  };
  visitChildren(file, undefined, false);
  while (stack.length) {
    const [n, inFunction, inControl] = stack.pop()!;
    visit(n, inFunction, inControl);
  }
}

/** A cast to any or unknown hides the type kernel code needs: it is not skipped, so that lowering reports it. */
export const isOpaqueCast = (e: ts.Expression): boolean =>
  (ts.isAsExpression(e) || ts.isTypeAssertionExpression(e)) && (e.type.kind === ts.SyntaxKind.AnyKeyword || e.type.kind === ts.SyntaxKind.UnknownKeyword);

export const skipParens = (e: ts.Expression): ts.Expression => {
  while ((ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isSatisfiesExpression(e) || ts.isNonNullExpression(e)) && !isOpaqueCast(e)) e = e.expression;
  return e;
};

/** Evaluates a compile-time constant expression (integer and boolean literals, operators, other constants). */
export function constValue(e: ts.Expression, checker: ts.TypeChecker, model: Pick<ModuleModel, "consts">): { value: bigint; type: IntType } | undefined {
  e = skipParens(e);
  if (ts.isNumericLiteral(e)) {
    const n = Number(e.text.replace(/_/g, ""));
    if (!Number.isInteger(n)) return undefined;
    return { value: BigInt(e.text.replace(/_/g, "").replace(/^0([0-7])/, "0o$1")), type: { bits: 32, signed: true } };
  }
  if (ts.isBigIntLiteral(e)) return { value: BigInt(e.text.slice(0, -1).replace(/_/g, "")), type: U64 };
  if (e.kind === ts.SyntaxKind.TrueKeyword) return { value: 1n, type: { bits: 8, signed: false, bool: true } };
  if (e.kind === ts.SyntaxKind.FalseKeyword) return { value: 0n, type: { bits: 8, signed: false, bool: true } };
  if (ts.isIdentifier(e)) {
    const sym = checker.getSymbolAtLocation(e);
    return sym ? model.consts.get(sym) : undefined;
  }
  if (ts.isPrefixUnaryExpression(e)) {
    const a = constValue(e.operand, checker, model);
    if (!a) return undefined;
    switch (e.operator) {
      case ts.SyntaxKind.MinusToken: return { value: -a.value, type: { ...a.type, signed: true } };
      case ts.SyntaxKind.PlusToken: return a;
      case ts.SyntaxKind.TildeToken: return { value: ~a.value, type: a.type };
      case ts.SyntaxKind.ExclamationToken: return { value: a.value === 0n ? 1n : 0n, type: { bits: 8, signed: false, bool: true } };
    }
    return undefined;
  }
  if (ts.isBinaryExpression(e)) {
    const a = constValue(e.left, checker, model);
    const b = constValue(e.right, checker, model);
    if (!a || !b) return undefined;
    const type = a.type.bits >= b.type.bits ? a.type : b.type;
    // Exact values (as JavaScript computes them); they are truncated to 64 bits where they are used.
    const v = (x: bigint) => ({ value: x, type });
    switch (e.operatorToken.kind) {
      case ts.SyntaxKind.PlusToken: return v(a.value + b.value);
      case ts.SyntaxKind.MinusToken: return v(a.value - b.value);
      case ts.SyntaxKind.AsteriskToken: return v(a.value * b.value);
      case ts.SyntaxKind.SlashToken: return b.value === 0n ? undefined : v(a.value / b.value);
      case ts.SyntaxKind.PercentToken: return b.value === 0n ? undefined : v(a.value % b.value);
      case ts.SyntaxKind.LessThanLessThanToken: return b.value < 0n || b.value > 128n ? undefined : v(a.value << b.value);
      case ts.SyntaxKind.GreaterThanGreaterThanToken: return b.value < 0n || b.value > 128n ? undefined : v(a.value >> b.value);
      case ts.SyntaxKind.AmpersandToken: return v(a.value & b.value);
      case ts.SyntaxKind.BarToken: return v(a.value | b.value);
      case ts.SyntaxKind.CaretToken: return v(a.value ^ b.value);
      case ts.SyntaxKind.AsteriskAsteriskToken: return b.value < 0n ? undefined : v(a.value ** b.value);
    }
  }
  return undefined;
}

function literalInt(e: ts.Expression | undefined, checker: ts.TypeChecker, model: Pick<ModuleModel, "consts">, what: string, diags: Diagnostics, at: ts.Node): bigint | undefined {
  const v = e ? constValue(e, checker, model) : undefined;
  if (v === undefined) {
    diags.error("TSB1016", [what], spanOf(e ?? at));
    return undefined;
  }
  return v.value;
}

interface Options {
  readonly pinned?: boolean;
  readonly unit?: string;
  readonly maxEntries?: bigint;
  /** The option as written, for the aggregation to check against its key. */
  readonly top?: { readonly value: bigint; readonly at: ts.Node };
}

/** The options object of a map or aggregation declaration; `owner` is its class, for messages. */
function options(e: ts.Expression | undefined, owner: string, checker: ts.TypeChecker, model: Pick<ModuleModel, "consts">, diags: Diagnostics): Options {
  if (!e) return {};
  e = skipParens(e);
  if (!ts.isObjectLiteralExpression(e)) {
    diags.error("TSB1066", [owner], spanOf(e));
    return {};
  }
  const out: { -readonly [K in keyof Options]: Options[K] } = {};
  for (const p of e.properties) {
    if (!ts.isPropertyAssignment(p) || !ts.isIdentifier(p.name)) {
      diags.error("TSB1067", [], spanOf(p));
      continue;
    }
    const v = skipParens(p.initializer);
    switch (p.name.text) {
      case "pinned":
        if (v.kind === ts.SyntaxKind.TrueKeyword || v.kind === ts.SyntaxKind.FalseKeyword) out.pinned = v.kind === ts.SyntaxKind.TrueKeyword;
        else diags.error("TSB1068", ["pinned"], spanOf(v));
        break;
      case "unit":
        if (ts.isStringLiteral(v)) out.unit = v.text;
        else diags.error("TSB1065", ["unit"], spanOf(v));
        break;
      case "maxEntries": {
        const n = literalInt(v, checker, model, "maxEntries", diags, v);
        if (n !== undefined) out.maxEntries = n;
        break;
      }
      case "top": {
        const n = literalInt(v, checker, model, "top", diags, v);
        if (n !== undefined) out.top = { value: n, at: p };
        break;
      }
      default:
        diags.error("TSB2017", [owner, p.name.text], spanOf(p));
    }
  }
  return out;
}

function typeArg(n: ts.NewExpression, i: number, what: string, types: TypeResolver, diags: Diagnostics): TypeDesc | undefined {
  const node = n.typeArguments?.[i];
  if (!node) {
    diags.error("TSB2018", [what], spanOf(n), "e.g. new HashMap<u32, u64>(1024)");
    return undefined;
  }
  return types.fromNode(node, what);
}

function mapDecl(n: ts.NewExpression, kind: MapKind, base: Declared, declared: DeclaredAt, types: TypeResolver, checker: ts.TypeChecker, model: ModuleModel, diags: Diagnostics): MapDecl | undefined {
  if (kind.channel) return channelDecl(n, kind, base, declared, types, checker, model, diags);
  const mapType = kind.type;
  const isArray = kind.array;
  const key: TypeDesc | undefined = isArray ? { kind: "int", size: 4, signed: false } : typeArg(n, 0, `key of map ${base.name}`, types, diags);
  const value = typeArg(n, isArray ? 0 : 1, `value of map ${base.name}`, types, diags);
  const max = literalInt(n.arguments?.[0], checker, model, `the size of map ${base.name}`, diags, n);
  const opts = options(n.arguments?.[1], declared.class, checker, model, diags);
  if (!key || !value || max === undefined) return undefined;
  if (max <= 0n || max > 1n << 28n) {
    diags.error("TSB2019", [base.name, max, 1 << 28], spanOf(n.arguments![0]!));
    return undefined;
  }
  // Limits every 64-bit kernel has (runtime/kernel/maps.ts explains the same refusals at load): a per-CPU value of
  // at most PCPU_MIN_UNIT_SIZE bytes (8-byte rounded), and a hash table's buckets (max_entries rounded up to a power
  // of two, 16 bytes each) within a u32. The element size limit (KMALLOC_MAX_SIZE) depends on the architecture and
  // is left to the kernel.
  const valueSize = Math.ceil(layoutOf(value).size / 8) * 8;
  if (kind.perCpu && valueSize > PERCPU_VALUE_MAX) {
    diags.error("TSB2080", [base.name, layoutOf(value).size, PERCPU_VALUE_MAX], spanOf(n.typeArguments?.[isArray ? 0 : 1] ?? n),
      "make the value type smaller (a shorter Str<N> or FixedArray<T, N>), or use a map that is not per-CPU");
    return undefined;
  }
  if (HASH_TYPES.has(mapType) && max > BigInt(HASH_ENTRIES_MAX)) {
    diags.error("TSB2081", [base.name, max, HASH_ENTRIES_MAX], spanOf(n.arguments![0]!), "give the map fewer entries (2^27 = 134217728 at most)");
    return undefined;
  }
  return { ...base, kind: "map", mapType, key, value, maxEntries: Number(max), pinned: opts.pinned ?? false, declared };
}

/** PCPU_MIN_UNIT_SIZE (include/linux/percpu.h): the largest per-CPU map value. */
const PERCPU_VALUE_MAX = 32768;
/** kernel/bpf/hashtab.c: n_buckets (max_entries rounded up to a power of 2) times 16 bytes must fit a u32. */
const HASH_ENTRIES_MAX = 1 << 27;
const HASH_TYPES = new Set<string>(["hash", "percpu_hash", "lru_hash", "lru_percpu_hash"]);

/** Largest event: a perf sample's size is a u16 in its header; a ring buffer record must leave room for others. */
const MAX_EVENT = 32768;

/** `new RingBuffer<E>(bytes)`, `new PerfEventArray<E>({ pages })`. */
function channelDecl(n: ts.NewExpression, kind: MapKind, base: Declared, declared: DeclaredAt, types: TypeResolver, checker: ts.TypeChecker, model: ModuleModel, diags: Diagnostics): MapDecl | undefined {
  const mapType = kind.type;
  const what = kind.class!;
  const event = typeArg(n, 0, `the event type of ${base.name}`, types, diags);
  if (!event) return undefined;
  const size = layoutOf(event).size;
  if (size === 0 || size > MAX_EVENT) {
    diags.error("TSB2020", [base.name, size, MAX_EVENT], spanOf(n.typeArguments![0]!));
    return undefined;
  }
  const u32: TypeDesc = { kind: "int", size: 4, signed: false };
  if (kind.channel === "ringbuf") {
    const bytes = literalInt(n.arguments?.[0], checker, model, `the size of ${base.name} in bytes`, diags, n);
    if (bytes === undefined) return undefined;
    if (bytes < 4096n || bytes > 1n << 30n || (bytes & (bytes - 1n)) !== 0n) {
      diags.error("TSB2021", [base.name, bytes], spanOf(n.arguments![0]!), "e.g. new RingBuffer<E>(1 << 20) for 1 MiB");
      return undefined;
    }
    if (BigInt(size + 8) * 4n > bytes) {
      diags.error("TSB2022", [base.name, bytes, size], spanOf(n.arguments![0]!), "make the ring buffer larger");
      return undefined;
    }
    return { ...base, kind: "map", mapType, key: u32, value: event, maxEntries: Number(bytes), pinned: false, declared };
  }
  let pages = 64;
  const o = n.arguments?.[0] ? skipParens(n.arguments[0]) : undefined;
  if (o) {
    if (!ts.isObjectLiteralExpression(o)) {
      diags.error("TSB1066", [what], spanOf(o));
      return undefined;
    }
    for (const p of o.properties) {
      if (!ts.isPropertyAssignment(p) || !ts.isIdentifier(p.name) || p.name.text !== "pages") {
        diags.error("TSB2017", [what, p.name ? p.name.getText() : p.getText()], spanOf(p), `${what} takes { pages }`);
        continue;
      }
      const v = literalInt(p.initializer, checker, model, "pages", diags, p);
      if (v === undefined) return undefined;
      if (v < 1n || v > 1024n || (v & (v - 1n)) !== 0n) {
        diags.error("TSB2023", [base.name, v], spanOf(p.initializer));
        return undefined;
      }
      pages = Number(v);
    }
  }
  return { ...base, kind: "map", mapType, key: u32, value: event, maxEntries: 0, pinned: false, declared, pages };
}

/** The largest `top`: a u32 in the artifact, and more entries than any map holds. */
const TOP_MAX = 0xffffffff;

/** How many labels a key makes (metrics.ts): one per field of a struct, nested fields flattened; one for another key. */
function keyLabelCount(key: TypeDesc | undefined): number {
  if (!key) return 0;
  if (key.kind !== "struct" || key.display) return 1;
  return key.fields.reduce((n, f) => n + keyLabelCount(f.type), 0);
}

/** A key that is not a struct, and has no @labels, is named after what the handlers key the map by (metrics.ts). */
function nameKeyLabels(file: ts.SourceFile, checker: ts.TypeChecker, model: ModuleModel): void {
  const unnamed = (d: { key: TypeDesc | undefined; metric?: MetricSpec }) => d.key !== undefined && d.key.kind !== "struct" && !d.metric?.labels;
  const symbols = new Set([...model.maps].filter(([, d]) => !isEventChannel(d) && unnamed(d)).map(([s]) => s));
  for (const [s, d] of model.aggs) if (unnamed(d)) symbols.add(s);
  if (!symbols.size) return;
  for (const [s, label] of keyLabels(file, checker, symbols)) {
    const m = model.maps.get(s);
    if (m) model.maps.set(s, { ...m, metric: { ...m.metric, labels: [label] } });
    const a = model.aggs.get(s);
    if (a) model.aggs.set(s, { ...a, metric: { ...a.metric, labels: [label] } });
  }
}

function aggDecl(n: ts.NewExpression, agg: AggregationKind, base: Declared, declared: DeclaredAt, types: TypeResolver, checker: ts.TypeChecker, model: ModuleModel, diags: Diagnostics): AggDecl | undefined {
  const keyNode = n.typeArguments?.[0];
  let key: TypeDesc | undefined;
  if (keyNode && keyNode.kind !== ts.SyntaxKind.VoidKeyword) {
    key = types.fromNode(keyNode, `key of ${base.name}`);
    if (!key) return undefined;
  }
  let lhist: AggDecl["lhist"];
  let optArg = n.arguments?.[0];
  if (agg === "lhist") {
    const [a, b, c] = [0, 1, 2].map((i) => literalInt(n.arguments?.[i], checker, model, ["min", "max", "step"][i]!, diags, n));
    optArg = n.arguments?.[3];
    if (a === undefined || b === undefined || c === undefined) return undefined;
    if (c <= 0n || b <= a || (b - a) / c > 1000n) {
      diags.error("TSB2024", [base.name], spanOf(n));
      return undefined;
    }
    lhist = { min: a, max: b, step: c };
  }
  const opts = options(optArg, declared.class, checker, model, diags);
  const out: { -readonly [K in keyof AggDecl]: AggDecl[K] } = { ...base, kind: "agg", agg, key, maxEntries: Number(opts.maxEntries ?? 10240n), declared };
  if (opts.unit) out.unit = opts.unit;
  if (opts.top) {
    if (!key) diags.error("TSB2017", [`${declared.class} without a key`, "top"], spanOf(opts.top.at), `top keeps the largest keys: give ${base.name} a key, e.g. new ${declared.class}<u32>({ top: 10 })`);
    else if (opts.top.value < 1n || opts.top.value > TOP_MAX) diags.error("TSB2059", [String(opts.top.value), "top", 1, TOP_MAX], spanOf(opts.top.at));
    else out.top = Number(opts.top.value);
  }
  if (lhist) out.lhist = lhist;
  return out;
}

function paramDecl(c: ts.CallExpression, base: Declared, checker: ts.TypeChecker, model: ModuleModel, diags: Diagnostics): ParamDecl | undefined {
  const [nameArg, defArg] = c.arguments;
  if (!nameArg || !ts.isStringLiteral(nameArg)) {
    diags.error("TSB1065", ["the name of param()"], spanOf(c));
    return undefined;
  }
  const def = defArg ? constValue(defArg, checker, model) : undefined;
  if (!def) {
    diags.error("TSB1016", ["the default value of param()"], spanOf(defArg ?? c));
    return undefined;
  }
  let type = def.type;
  const tnode = c.typeArguments?.[0];
  if (tnode) {
    const t = new TypeResolver(checker, diags).fromNode(tnode, `parameter ${nameArg.text}`);
    const it = t ? intOf(t) : undefined;
    if (!it) return undefined;
    type = it;
  }
  const bits = BigInt(type.bits);
  const [min, max] = type.signed ? [-(1n << (bits - 1n)), (1n << (bits - 1n)) - 1n] : [0n, (1n << bits) - 1n];
  if (def.value < min || def.value > max) {
    diags.error("TSB2025", [nameArg.text, def.value, `${type.signed ? "i" : "u"}${type.bits}`, min, max], spanOf(defArg ?? c));
    return undefined;
  }
  return { ...base, paramName: nameArg.text, type, defaultValue: def.value };
}

function probeDecl(c: ts.CallExpression, kind: ProbeDeclarator, checker: ts.TypeChecker, model: ModuleModel, diags: Diagnostics): ProbeDecl | undefined {
  const args = c.arguments;
  const handler = args[args.length - 1];
  const fixed = [...args.slice(0, -1)];
  const h = handler && skipParens(handler);
  if (!h || !(ts.isArrowFunction(h) || ts.isFunctionExpression(h))) {
    diags.error("TSB1037", [kind], spanOf(c));
    return undefined;
  }
  // Options, an object literal just before the handler: `tracepoint("a/b", { optional: true }, (ctx) => ...)`;
  // a perf event's also say how often to sample: `software("page-faults", { period: 1 }, (ctx) => ...)`.
  const def = PROBE_KINDS[kind];
  let optional = false;
  let rate: [string, number] | undefined;
  const lastFixed = fixed.length ? skipParens(fixed[fixed.length - 1]!) : undefined;
  if (lastFixed && ts.isObjectLiteralExpression(lastFixed)) {
    fixed.pop();
    for (const prop of lastFixed.properties) {
      const init = ts.isPropertyAssignment(prop) ? skipParens(prop.initializer) : ts.isShorthandPropertyAssignment(prop) ? prop.name : undefined;
      const key = prop.name && (ts.isIdentifier(prop.name) || ts.isStringLiteral(prop.name)) ? prop.name.text : undefined;
      if (def.sampleRate && init && (key === "period" || key === "frequency")) {
        const r = sampleRate(kind, key, init, rate, checker, model, diags);
        if (!r) return undefined;
        rate = r;
        continue;
      }
      if (key !== "optional" || !init || (init.kind !== ts.SyntaxKind.TrueKeyword && init.kind !== ts.SyntaxKind.FalseKeyword)) {
        if (def.sampleRate) diags.error("TSB1086", [kind], spanOf(prop), "a period counts events between two samples; a frequency is samples per second");
        else {
          diags.error("TSB1038", [kind], spanOf(prop),
            "optional: true skips the probe where its attach point does not exist on the running machine");
        }
        return undefined;
      }
      optional = init.kind === ts.SyntaxKind.TrueKeyword;
    }
  }
  const values: (string | number)[] = [];
  for (const a of fixed) {
    const e = skipParens(a);
    if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) values.push(e.text);
    else {
      const v = constValue(e, checker, model);
      if (v === undefined) {
        diags.error("TSB1039", [kind], spanOf(a));
        return undefined;
      }
      values.push(Number(v.value));
    }
  }
  const want = def.params.length;
  if (values.length !== want) {
    diags.error("TSB1040", [kind, want, def.params.map((p) => p.name).join(", ")], spanOf(c));
    return undefined;
  }
  const wrong = def.check?.(values);
  if (wrong) {
    // The probe kinds check their first argument; what a valid one looks like is the hint.
    const value = values[0]!;
    diags.error("TSB2026", [typeof value === "string" ? JSON.stringify(value) : value, def.params[0]!.name], spanOf(args[0]!), wrong);
    return undefined;
  }
  if (rate) values.push(...rate);
  // A USDT probe whose binary can be read here must be in it (an optional one may be missing; the loader skips it).
  if (kind === "usdt" && !optional) {
    const t = usdtTarget(values[0]!);
    if (t && !usdtSites(t, String(values[1]), String(values[2])).length) {
      diags.error("TSB2094", [t.path, `${values[1]}:${values[2]}`], spanOf(args[1]!), usdtProbeList(t));
      return undefined;
    }
  }
  const name = def.programName(values).replace(/[^A-Za-z0-9_]/g, "_");
  return { kind, args: values, handler: h, span: spanOf(c), name, ...(optional ? { optional } : {}) };
}

/** A perf event's `period: N` or `frequency: Hz` option (a positive constant, and only one of the two). */
function sampleRate(
  kind: ProbeDeclarator, key: string, init: ts.Expression, before: [string, number] | undefined,
  checker: ts.TypeChecker, model: ModuleModel, diags: Diagnostics,
): [string, number] | undefined {
  if (before) {
    diags.error("TSB1087", [kind], spanOf(init.parent), `keep { ${before[0]}: ${before[1]} } or { ${key}: ... }`);
    return undefined;
  }
  const v = constValue(init, checker, model);
  if (!v) {
    diags.error("TSB1039", [kind], spanOf(init));
    return undefined;
  }
  const max = key === "period" ? BigInt(Number.MAX_SAFE_INTEGER) : 1_000_000_000n;
  if (v.value < 1n || v.value > max) {
    diags.error("TSB2059", [String(v.value), key, 1, max], spanOf(init));
    return undefined;
  }
  return [key, Number(v.value)];
}
