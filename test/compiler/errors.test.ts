// Every tsbpf error code, proven by fixtures: test/fixtures/errors/*.ts in, each compiled with its real path;
// the diagnostics it reports (code, line) must be exactly the `// ERROR CODE: text` comments of its source, and
// each message must contain the comment's text. Also: every code has a fixture, one compile reports all of a
// file's errors, and compiling never throws, on the fixtures and on small odd-but-valid snippets.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync, readdirSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { MESSAGES } from "../../compiler/diagnostics.ts";
import type { Diagnostic } from "../../compiler/diagnostics.ts";
import { type CompileResult, compile } from "../../compiler/index.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const FIXTURES = join(root, "test", "fixtures", "errors");

/** Codes no fixture can produce, and where they are tested instead. */
const UNTESTABLE = new Map([
  ["TSB3001", "the verifier's, at load time: test/kernel/programs.test.ts"],
  ["TSB9001", "internal errors (compiler bugs)"],
  ["TSB2051", "a tracepoint field no shipped tracepoint has: test/compiler/messages.test.ts"],
  ["TSB1081", "a program over 1,000,000 instructions (with the limit lowered): test/unit/scale-codegen.test.ts"],
  ["TSB1082", "a branch around more than 32,767 instructions: test/unit/scale-codegen.test.ts"],
  ["TSB2095", "a USDT argument past the last, which needs a binary with notes built in the test: test/unit/usdt.test.ts"],
]);

/** The fixture whose errors span many lines and phases, for the "one compile reports everything" test. */
const MANY_ERRORS = "many-errors.ts";

interface Expected {
  readonly code: string;
  readonly line: number;
  readonly text: string;
}

/** The `// ERROR CODE: text` comments of a source; several may share a line. */
function expectedErrors(source: string): Expected[] {
  const out: Expected[] = [];
  source.split("\n").forEach((lineText, i) => {
    const re = /\/\/ ERROR (TSB\d{4}|TS\d+): (.*?)(?=\s*\/\/ ERROR |\s*$)/g;
    for (const m of lineText.matchAll(re)) out.push({ code: m[1]!, line: i + 1, text: m[2]!.trim() });
  });
  return out;
}

type Outcome = { readonly ok: true; readonly result: CompileResult } | { readonly ok: false; readonly thrown: unknown };

function compileSafely(path: string, text?: string): Outcome {
  try {
    return { ok: true, result: compile(path, text === undefined ? {} : { text }) };
  } catch (e) {
    return { ok: false, thrown: e };
  }
}

const fixtureNames = readdirSync(FIXTURES).filter((f) => f.endsWith(".ts")).sort();
const sources = new Map(fixtureNames.map((f) => [f, readFileSync(join(FIXTURES, f), "utf8")]));
const outcomes = new Map<string, Outcome>();
/** Each fixture is compiled once (compiling takes most of a second) and shared by the tests below. */
function outcomeOf(name: string): Outcome {
  let o = outcomes.get(name);
  if (!o) outcomes.set(name, (o = compileSafely(join(FIXTURES, name))));
  return o;
}

const where = (d: Diagnostic) => (d.span ? `${d.span.line}:${d.span.column}` : "-");
const show = (d: Diagnostic, file: string) => {
  const other = d.span && d.span.file !== file ? ` (in ${relative(root, d.span.file)})` : "";
  return `${where(d).padEnd(7)} ${d.code.padEnd(8)} ${d.message.split("\n")[0]}${other}`;
};

function fail(message: string, details: string): never {
  throw new assert.Assertion({ message, details, generated: false, operator: "errors", expects: "", actual: "" });
}

/** Compares a compile's diagnostics with the expected comments; throws an assertion with a readable diff. */
function checkDiagnostics(name: string, file: string, expected: readonly Expected[], outcome: Outcome): void {
  if (!outcome.ok) {
    const e = outcome.thrown;
    fail(`${name}: compile() threw`, e instanceof Error ? (e.stack ?? e.message) : String(e));
  }
  const got = outcome.result.diagnostics;
  const key = (code: string, line: number) => `${code}@${line}`;
  const gotKey = (d: Diagnostic) => key(d.code, d.span && d.span.file === file ? d.span.line : 0);
  const gotByKey = new Map<string, Diagnostic[]>();
  for (const d of got) gotByKey.set(gotKey(d), [...(gotByKey.get(gotKey(d)) ?? []), d]);
  const expectedKeys = new Set(expected.map((e) => key(e.code, e.line)));

  const missing = expected.filter((e) => !gotByKey.has(key(e.code, e.line)));
  const extra = got.filter((d) => !expectedKeys.has(gotKey(d)));
  const wrongText = expected.filter((e) => gotByKey.get(key(e.code, e.line))?.every((d) => !d.message.includes(e.text)));
  const internal = got.filter((d) => d.code === "TSB9001");
  const hasErrors = got.some((d) => d.severity === "error");
  const specMismatch = hasErrors === (outcome.result.spec !== undefined);

  if (!missing.length && !extra.length && !wrongText.length && !internal.length && !specMismatch) return;
  const lines: string[] = [];
  const exp = (e: Expected) => `${String(e.line).padEnd(7)} ${e.code.padEnd(8)} …${e.text}…`;
  if (missing.length) lines.push("missing (expected by a comment, not reported):", ...missing.map((e) => `  ${exp(e)}`));
  if (extra.length) lines.push("unexpected (reported, no comment expects it):", ...extra.map((d) => `  ${show(d, file)}`));
  if (wrongText.length) {
    lines.push("wrong message (reported on that line, without the expected text):");
    for (const e of wrongText) {
      lines.push(`  expected ${exp(e)}`);
      for (const d of gotByKey.get(key(e.code, e.line))!) lines.push(`  got      ${show(d, file)}`);
    }
  }
  if (internal.length) lines.push("internal compiler errors (TSB9001 is never expected):", ...internal.map((d) => `  ${show(d, file)}`));
  if (specMismatch) lines.push(hasErrors ? "a spec was produced although there were errors" : "no spec was produced although there were no errors");
  lines.push("", "expected (from the // ERROR comments):", ...(expected.length ? expected.map((e) => `  ${exp(e)}`) : ["  (none)"]));
  lines.push("reported:", ...(got.length ? [...got].sort((a, b) => (a.span?.line ?? 0) - (b.span?.line ?? 0)).map((d) => `  ${show(d, file)}`) : ["  (none)"]));
  fail(`${name}: the diagnostics differ from the // ERROR comments`, lines.join("\n"));
}

// ---- the fixtures, one test each ----------------------------------------------------------------------------

for (const name of fixtureNames) {
  const expected = expectedErrors(sources.get(name)!);
  test(`errors: ${basename(name, ".ts")}${expected.length ? ` (${[...new Set(expected.map((e) => e.code))].join(", ")})` : " (compiles cleanly)"}`, () => {
    checkDiagnostics(name, join(FIXTURES, name), expected, outcomeOf(name));
  });
}

// ---- properties of the whole set -------------------------------------------------------------------------------

test("errors: every tsbpf code (but the verifier's and internal errors) is expected by some fixture", () => {
  const covered = new Set([...sources.values()].flatMap((s) => expectedErrors(s).map((e) => e.code)));
  const codes = Object.keys(MESSAGES).filter((c) => !UNTESTABLE.has(c));
  const uncovered = codes.filter((c) => !covered.has(c));
  assert.equal(uncovered, [], `codes without a fixture: ${uncovered.map((c) => `${c} (${MESSAGES[c as keyof typeof MESSAGES].title})`).join(", ")}`);
  const untestable = [...UNTESTABLE.keys()].filter((c) => covered.has(c));
  assert.equal(untestable, [], "no fixture may expect the codes listed as untestable");
  const unknown = [...covered].filter((c) => c.startsWith("TSB") && !(c in MESSAGES));
  assert.equal(unknown, [], "fixtures expect codes that are not in MESSAGES");
});

test("errors: at least one fixture has no errors and compiles to a spec", () => {
  const clean = fixtureNames.filter((f) => expectedErrors(sources.get(f)!).length === 0);
  assert.ok(clean.length > 0, "no error-free fixture");
  for (const f of clean) {
    const o = outcomeOf(f);
    const spec = o.ok ? o.result.spec : undefined;
    assert.ok(spec, `${f} should compile to a spec`);
    assert.ok(spec.programs.length >= 5, `${f} should declare several programs`);
  }
});

test("errors: one compile reports every error of a file", () => {
  const expected = expectedErrors(sources.get(MANY_ERRORS)!);
  const lines = new Set(expected.map((e) => e.line));
  const codes = new Set(expected.map((e) => e.code));
  assert.ok(lines.size >= 8 && codes.size >= 6, `${MANY_ERRORS} should expect errors of several codes on many lines`);
  const o = outcomeOf(MANY_ERRORS);
  const file = join(FIXTURES, MANY_ERRORS);
  const reported = new Set((o.ok ? o.result.diagnostics : []).filter((d) => d.span?.file === file).map((d) => d.span!.line));
  const missed = [...lines].filter((l) => !reported.has(l));
  assert.equal(missed, [], `lines of ${MANY_ERRORS} with an expected error that one compile did not report`);
});

test("errors: compiling a fixture never throws or reports an internal error", () => {
  const bad: string[] = [];
  for (const f of fixtureNames) {
    const o = outcomeOf(f);
    if (!o.ok) bad.push(`${f}: threw ${o.thrown instanceof Error ? o.thrown.message : String(o.thrown)}`);
    for (const d of o.ok ? o.result.diagnostics : []) if (d.code === "TSB9001") bad.push(`${f}: ${show(d, join(FIXTURES, f))}`);
  }
  assert.equal(bad, []);
});

// ---- odd but valid TypeScript: diagnostics or a spec, never an exception ------------------------------------

const PRELUDE = `import { tracepoint, kprobe, rawTracepoint, HashMap, ArrayMap, Count, bpf, param, type u8, type u32, type u64, type i64, type Str, type FixedArray } from "tsbpf";
interface Pair { a: u32; b: u64; }
interface Rec { pid: u32; comm: Str<16>; vals: FixedArray<u32, 4>; pair: Pair; }
const counts = new HashMap<u32, u64>(1024);
const recs = new HashMap<u32, Rec>(64);
const slots = new ArrayMap<u64>(8);
const hits = new Count<u32>();
const lim = param("lim", 10);
const K = 4;
function twice(x: u64): u64 { return x * 2n; }
function nothing(): void { }
`;

const SWITCH = `tracepoint("sched/sched_switch", (ctx) => {`;

/** [probe head, handler body]: each becomes one module with the prelude. */
const SNIPPETS: readonly (readonly [string, string])[] = [
  [SWITCH, ";;; { { } } {}"],
  [SWITCH, "const x = ((((1)))); counts.set(x, BigInt(x));"],
  [SWITCH, "const v = counts.get(1) ?? 0n; counts.set(2, v + 1n);"],
  [SWITCH, "let x = 0; x += 1, x += 2; x = x = x = 3; counts.set(x, 0n);"],
  [SWITCH, "switch (ctx.next_pid) { case 1: case 2: break; default: return 1; }"],
  [SWITCH, "const sw = ctx.next_pid; switch (sw) { }"],
  [SWITCH, 'switch (ctx.next_comm) { case "bash": hits.increment(1); break; case "sh": return; }'],
  [SWITCH, "for (let i = 10; i > 0; i -= 3) { if (i === 4) continue; hits.increment(i); }"],
  [SWITCH, "for (let i = 0; i < 0; i++) { hits.increment(i); } for (let i = 5; i <= 5; i++) hits.increment(i);"],
  [SWITCH, "let n = 0; bpf.loop(lim, (i) => { n += i; return n > 50; }); hits.increment(n);"],
  [SWITCH, "bpf.loop(2, (i) => { bpf.loop(2, (j) => { hits.increment(i + j); }); });"],
  [SWITCH, "const r = recs.get(ctx.next_pid); if (!r) return; r.pair.b += 1n; r.vals[2] = 7; r.vals[3]++;"],
  [SWITCH, "const r = recs.get(1)!; hits.increment(r.vals[ctx.next_pid & 3]!);"],
  [SWITCH, "const x = -(-ctx.next_pid); const y = ~x; const z = !y; counts.set(x, BigInt(z));"],
  [SWITCH, "const x = 2 ** 10 % 7 >>> 1; counts.set(x, 1n << 63n); counts.set(0x10 + 0o17 + 0b101, 0xffffffffffffffffn);"],
  [SWITCH, "const d = ctx.next_pid / 0; const m = ctx.next_pid % 0; counts.set(d, BigInt(m));"],
  [SWITCH, "const u = undefined; if (u === undefined) return; const n = nothing();"],
  [SWITCH, "if (1) return; hits.increment(2);"],
  [SWITCH, "return; hits.increment(2);"],
  [SWITCH, "return undefined;"],
  [SWITCH, "const x = ctx.next_pid || 5; const y = ctx.next_pid && 6; hits.increment(x + y);"],
  [SWITCH, "const x = recs.get(1)?.pid; const o = { a: 1, b: 2n }; const a = [1, 2, 3];"],
  [SWITCH, "let r: Rec | undefined = recs.get(1); if (r === undefined) return; hits.increment(r.pid);"],
  [SWITCH, "const p: Pair = { a: 1, b: 2n }; const q: Pair = p; q.a = 3; recs.set(1, { pid: 1, comm: \"c\", vals: [1, 2, 3, 4], pair: q });"],
  [SWITCH, "let s: Str<16> = \"a\"; s = ctx.next_comm; const t: Str<8> = s; const u: Str<32> = t; if (u === `x`) return;"],
  [SWITCH, "interface L { x: u32; } type T = u32; const l: L = { x: 1 }; const t: T = 2; let e: Pair; e = { a: 1, b: 1n }; hits.increment(l.x + t + e.a);"],
  [SWITCH, "let a = -5; a = a / -2; a = a % -3; a = -a >> 1; a = a >>> 1; let b: u8 = 255; b++; hits.increment(a + b);"],
  [SWITCH, "const a: i64 = -1n; const b: u64 = 1n; if (a < b) return; if (b > 0n && twice(b) === 2n) return;"],
  [SWITCH, "const x = ((ctx)).next_pid; const y = (ctx as typeof ctx).next_pid; const z = ctx!.next_pid; hits.increment(x + y + z);"],
  [SWITCH, "const a = [ctx.next_pid, 2] as FixedArray<u32, 2>; for (const x of a) { if (x === 0) break; hits.increment(x); }"],
  [SWITCH, "for (let i = 0; i < 8; i++) { for (let j = 0; j < 8; j++) { for (let k = 0; k < 8; k++) { hits.increment(i + j + k); } } }"],
  [SWITCH, "let t = 0; for (let i = 0; i < 1000; i++) { for (let j = 0; j < 1000; j++) { t += i * j; } } hits.increment(t);"],
  [SWITCH, "const c = bpf.comm(); if (c === ctx.next_comm) hits.increment(1); bpf.tracePrintk(`pid %d`, ctx.next_pid);"],
  [SWITCH, "(function () {})(); (() => 1)(); const x = void 0;"],
  [SWITCH, "const b = Boolean(ctx.next_pid); const n = Number(b); const g = BigInt(n); counts.set(n, g); slots.set(100, 1n);"],
  [`tracepoint("sched/sched_switch", function (ctx) {`, "counts.set(1, 1n); return ctx.next_pid > 3 ? 1 : 0;"],
  [`tracepoint("sched/sched_switch", () => {`, "hits.increment(bpf.cpu());"],
  [`rawTracepoint("sched_switch", (ctx) => {`, "const a = ctx.arg(0); const b = ctx.arg(1 + 1); counts.set(1, a + b);"],
  [`kprobe("vfs_read", (ctx) => {`, "const p = bpf.probeReadKernel<Pair>(ctx.arg0()); counts.set(p.a, p.b); const s = bpf.probeReadUserStr(ctx.arg1(), 32); if (s === \"x\") return;"],
];

test("errors: odd but valid snippets give diagnostics or a spec, never an exception or an internal error", () => {
  const bad: string[] = [];
  SNIPPETS.forEach(([head, body], i) => {
    const text = `${PRELUDE}${head}\n  ${body}\n});\n`;
    // A path in the fixture folder (the file need not exist: the text is given) so "tsbpf" resolves the same way.
    const o = compileSafely(join(FIXTURES, `snippet-${i}.ts`), text);
    const label = `snippet ${i}: ${head} ${body}`;
    if (!o.ok) {
      bad.push(`${label}\n    threw: ${o.thrown instanceof Error ? (o.thrown.stack ?? o.thrown.message) : String(o.thrown)}`);
      return;
    }
    const { spec, diagnostics } = o.result;
    const internal = diagnostics.filter((d) => d.code === "TSB9001");
    if (internal.length) bad.push(`${label}\n    ${internal.map((d) => `${d.code}: ${d.message}`).join("\n    ")}`);
    const errors = diagnostics.filter((d) => d.severity === "error");
    if (!spec && errors.length === 0) bad.push(`${label}\n    neither a spec nor an error`);
    if (spec && errors.length) bad.push(`${label}\n    a spec despite errors: ${errors.map((d) => d.code).join(", ")}`);
  });
  if (bad.length) fail(`${bad.length} of ${SNIPPETS.length} snippets misbehaved`, bad.join("\n"));
});

test.run();
