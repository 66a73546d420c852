// What a map declares about itself as a metric (`tsbpf serve`, runtime/metrics): the doc comment of its declaration
// and the keys its handlers use, in; a MetricSpec out. The comment's text is the metric's help; tags name the rest:
//
//   /** System calls by process. @labels comm @unit calls */
//   export const calls = new Count<Str<16>>();
//
// `@name N` the metric's name (the module's name and the map's otherwise), `@type counter|gauge` how a plain map's
// or a Sum's value is exposed, `@unit U` its unit (an aggregation's `unit` option otherwise), `@labels a, b` the
// names of the key's labels. Without @labels, a key that is not a struct is named after what the handlers key it
// by, when every use agrees: `bpf.comm()` gives `comm`, `bpf.pid()` `pid`, `ctx.args.fd` and `fd` give `fd`.
// The comment is read from the source text: TypeScript parses no doc comments in .ts files (frontend/sources.ts).

import { ts } from "ts-morph";
import type { MetricSpec } from "../../core/object/spec.ts";

const TAGS = new Set(["name", "type", "unit", "labels"]);

/** The doc comment (`/** ... *\/`) right before `node`, as text and tags; undefined when there is none. */
export function docComment(node: ts.Node, file: ts.SourceFile): { text: string; tags: Map<string, string> } | undefined {
  const ranges = ts.getLeadingCommentRanges(file.text, node.pos);
  const last = ranges?.at(-1);
  if (!last || last.kind !== ts.SyntaxKind.MultiLineCommentTrivia) return undefined;
  const raw = file.text.slice(last.pos, last.end);
  if (!raw.startsWith("/**") || raw === "/**/") return undefined;
  const body = raw.slice(3, -2).split("\n").map((l) => l.replace(/^\s*\*?\s?/, "")).join("\n");
  const tags = new Map<string, string>();
  // Tags run to the next tag or the end, on the same line or the following ones.
  const parts = body.split(/(?:^|\s)@(?=[A-Za-z])/);
  const text = parts[0]!.replace(/\s+/g, " ").trim();
  for (const p of parts.slice(1)) {
    const m = /^([A-Za-z]+)\s*([\s\S]*)$/.exec(p);
    if (m) tags.set(m[1]!, m[2]!.replace(/\s+/g, " ").trim());
  }
  return { text, tags };
}

/** A problem with a tag, for the caller to report at the declaration. */
export interface MetricTagProblem {
  readonly tag: string;
  readonly value: string;
  readonly expected: string;
}

/** The metric a declaration's doc comment describes (help and tags), and what is wrong with its tags. */
export function metricOfComment(doc: ReturnType<typeof docComment>): { metric: MetricSpec; problems: MetricTagProblem[] } {
  const problems: MetricTagProblem[] = [];
  if (!doc) return { metric: {}, problems };
  const out: { -readonly [K in keyof MetricSpec]: MetricSpec[K] } = {};
  if (doc.text) out.help = doc.text;
  for (const [tag, value] of doc.tags) {
    if (!TAGS.has(tag)) continue; // @example, @see...: a doc comment's own business
    switch (tag) {
      case "name":
        if (/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(value)) out.name = value;
        else problems.push({ tag, value, expected: "a metric name: letters, digits, _ and :, not starting with a digit" });
        break;
      case "type":
        if (value === "counter" || value === "gauge") out.type = value;
        else problems.push({ tag, value, expected: "counter or gauge" });
        break;
      case "unit":
        if (/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(value)) out.unit = value;
        else problems.push({ tag, value, expected: "a unit: letters, digits and _ (seconds, bytes, ns)" });
        break;
      case "labels": {
        const names = value.split(/[\s,]+/).filter(Boolean);
        const bad = names.find((n) => !/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(n) || n.startsWith("__"));
        if (!names.length || bad !== undefined) problems.push({ tag, value, expected: "label names: letters, digits and _, not starting with __" });
        else out.labels = names;
        break;
      }
    }
  }
  return { metric: out, problems };
}

/**
 * The methods whose first argument is a keyed map's key: maps' and aggregations', and bpftrace's names a one-liner's
 * `$` maps take (frontend/adhoc.ts).
 */
const KEYED = new Set([
  "increment", "add", "record", "set", "get", "delete", "has", "lookup", "update",
  "count", "sum", "min", "max", "avg", "stats", "hist", "lhist",
]);

/**
 * The label each map's key is named by, where every handler keys it by the same thing (`calls.increment(bpf.comm())`
 * everywhere: `comm`). Maps are found by their symbols; a map used with different keys, or keys that name nothing,
 * gets nothing.
 */
export function keyLabels(file: ts.SourceFile, checker: ts.TypeChecker, maps: ReadonlySet<ts.Symbol>): Map<ts.Symbol, string> {
  const seen = new Map<ts.Symbol, string | null>();
  // A walk with a stack of its own: nothing in the compiler recurses on the input's size (a 5,000-term sum is 5,000
  // levels of syntax).
  const todo: ts.Node[] = [file];
  for (let n = todo.pop(); n; n = todo.pop()) {
    if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && KEYED.has(n.expression.name.text) && n.arguments.length) {
      const target = n.expression.expression;
      const symbol = ts.isIdentifier(target) ? checker.getSymbolAtLocation(target) : undefined;
      if (symbol && maps.has(symbol)) {
        const name = labelOf(n.arguments[0]!);
        const before = seen.get(symbol);
        if (before === undefined) seen.set(symbol, name ?? null);
        else if (before !== name) seen.set(symbol, null);
      }
    }
    ts.forEachChild(n, (c) => void todo.push(c));
  }
  const out = new Map<ts.Symbol, string>();
  for (const [s, name] of seen) if (name) out.set(s, name);
  return out;
}

/** What a key expression names: `bpf.comm()` comm, `bpf.cgroupId()` cgroup_id, `ctx.args.fd` and `fd` fd. */
function labelOf(e: ts.Expression): string | undefined {
  while (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isNonNullExpression(e)) e = e.expression;
  if (ts.isCallExpression(e) && ts.isPropertyAccessExpression(e.expression) && ts.isIdentifier(e.expression.expression) && e.expression.expression.text === "bpf") {
    return snake(e.expression.name.text);
  }
  if (ts.isPropertyAccessExpression(e)) return snake(e.name.text);
  if (ts.isIdentifier(e)) return snake(e.text);
  return undefined;
}

/** `cgroupId` → `cgroup_id`; a name that is no label name → undefined. */
function snake(name: string): string | undefined {
  const s = name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();
  return /^[a-z_][a-z0-9_]*$/.test(s) && !s.startsWith("__") ? s : undefined;
}
