// Mutation run: source files in, a mutation score out. How much of the compiler's lowering and the layout codec the
// fast tests (compiler, VM and unit tests; no kernel) would notice if it broke.
//
//   npx tsx test/mutation/run.ts [--count N] [--seed S] [--files a.ts,b.ts] [--list] [--json out.json]
//                                [--replay earlier.json]   (only that run's survivors, e.g. after adding tests)
//                                [--tests a.test.ts,...]   (instead of each target's test subset)
//
// Mutants come from the TypeScript AST of each target file (so nothing inside a string, a comment or a type is
// touched): a relational or equality operator swapped (< <=, > >=, === !==), an arithmetic or bitwise operator
// swapped where the operands are numbers or bigints (+ -, * /, & |, << >>), && ||, a `!` removed, a numeric literal
// ±1, true/false, and an expression statement deleted. A seeded sample of them runs, one at a time, in a temporary
// copy of the repository (the working tree is never written): each runs the file's test subset with uvu --bail and
// is killed by the first failing test. Diagnostic reports (`cx.error(...)`) are left alone: errors.test.ts checks
// them and takes minutes per run. A mutant whose tests time out counts as killed (an infinite loop is noticed);
// one that survives is printed with its file, line and change, for a person to judge (some are equivalent).
// Our own small mutator rather than StrykerJS: no dependency, ts-morph's checker to keep only well-typed mutants, and
// a per-file choice of tests, which the 2-core machine this runs on needs (the full suite takes minutes).

import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { Project, ts } from "ts-morph";
import { Random } from "../fuzz/random.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");

/** What each target is measured against: the fast tests that exercise it, quickest first. */
const COMPILER_TESTS = [
  "test/unit/aggregations.test.ts",
  "test/unit/compile-events.test.ts",
  "test/unit/helpers-lowering.test.ts",
  "test/unit/simulate.test.ts",
  "test/unit/samples-vm.test.ts",
  "test/unit/samples-snoop-vm.test.ts",
];
const LAYOUT_TESTS = [
  "test/unit/layout-decode.test.ts",
  "test/unit/output.test.ts",
  "test/unit/vm-maps.test.ts",
  "test/unit/user-maps.test.ts",
  "test/unit/vm-events.test.ts",
  "test/unit/output-events.test.ts",
  "test/unit/user-events.test.ts",
  "test/unit/kernel-fake.test.ts",
  "test/unit/simulate.test.ts",
];
const MUTATION_TESTS = ["test/unit/mutation-lowering.test.ts", "test/unit/mutation-layout.test.ts"];

function targets(): { file: string; tests: string[] }[] {
  const lower = ["calls", "context", "events", "expressions", "functions", "helpers", "index", "maps", "probes", "statements", "strings", "tracepoints", "values"];
  return [
    ...lower.map((f) => ({ file: `compiler/lower/${f}.ts`, tests: COMPILER_TESTS })),
    { file: "compiler/passes/fold.ts", tests: COMPILER_TESTS },
    { file: "core/object/layout.ts", tests: LAYOUT_TESTS },
  ];
}

interface Mutant {
  readonly file: string;
  readonly line: number;
  readonly start: number;
  readonly end: number;
  readonly from: string;
  readonly to: string;
  readonly operator: string;
}

const SWAPS: Partial<Record<ts.SyntaxKind, [string, boolean]>> = {
  // [replacement, needs numeric operands]
  [ts.SyntaxKind.LessThanToken]: ["<=", false],
  [ts.SyntaxKind.LessThanEqualsToken]: ["<", false],
  [ts.SyntaxKind.GreaterThanToken]: [">=", false],
  [ts.SyntaxKind.GreaterThanEqualsToken]: [">", false],
  [ts.SyntaxKind.EqualsEqualsEqualsToken]: ["!==", false],
  [ts.SyntaxKind.ExclamationEqualsEqualsToken]: ["===", false],
  [ts.SyntaxKind.AmpersandAmpersandToken]: ["||", false],
  [ts.SyntaxKind.BarBarToken]: ["&&", false],
  [ts.SyntaxKind.PlusToken]: ["-", true],
  [ts.SyntaxKind.MinusToken]: ["+", true],
  [ts.SyntaxKind.AsteriskToken]: ["/", true],
  [ts.SyntaxKind.SlashToken]: ["*", true],
  [ts.SyntaxKind.AmpersandToken]: ["|", true],
  [ts.SyntaxKind.BarToken]: ["&", true],
  [ts.SyntaxKind.LessThanLessThanToken]: [">>", true],
  [ts.SyntaxKind.GreaterThanGreaterThanToken]: ["<<", true],
  [ts.SyntaxKind.GreaterThanGreaterThanGreaterThanToken]: [">>", true],
  [ts.SyntaxKind.PlusEqualsToken]: ["-=", true],
  [ts.SyntaxKind.MinusEqualsToken]: ["+=", true],
};

/** Every mutant of one file, from its AST; arithmetic swaps only where the checker says both operands are numeric. */
function mutantsOf(project: Project, file: string): Mutant[] {
  const sf = project.getSourceFileOrThrow(join(root, file));
  const checker = project.getTypeChecker().compilerObject;
  const node0 = sf.compilerNode;
  const text = node0.getFullText();
  const out: Mutant[] = [];
  const numeric = (e: ts.Expression) => {
    const t = checker.getTypeAtLocation(e);
    return (t.flags & (ts.TypeFlags.NumberLike | ts.TypeFlags.BigIntLike)) !== 0;
  };
  const add = (start: number, end: number, to: string, operator: string) => {
    out.push({ file, line: node0.getLineAndCharacterOfPosition(start).line + 1, start, end, from: text.slice(start, end), to, operator });
  };
  const visit = (n: ts.Node): void => {
    if (ts.isImportDeclaration(n) || ts.isTypeNode(n) || ts.isInterfaceDeclaration(n) || ts.isTypeAliasDeclaration(n)) return;
    // A diagnostic's report (`cx.error(...)`) is errors.test.ts's to check, which takes minutes: not mutated here.
    if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && ["error", "warn", "warning"].includes(n.expression.name.text)) return;
    if (ts.isExpressionStatement(n) && ts.isCallExpression(n.expression) && ts.isPropertyAccessExpression(n.expression.expression) && ["error", "warn", "warning"].includes(n.expression.expression.name.text)) return;
    if (ts.isBinaryExpression(n)) {
      const swap = SWAPS[n.operatorToken.kind];
      if (swap && (!swap[1] || (numeric(n.left) && numeric(n.right)))) {
        add(n.operatorToken.getStart(node0), n.operatorToken.getEnd(), swap[0], `${n.operatorToken.getText(node0)} → ${swap[0]}`);
      }
    } else if (ts.isPrefixUnaryExpression(n) && n.operator === ts.SyntaxKind.ExclamationToken) {
      add(n.getStart(node0), n.operand.getStart(node0), "", "remove !");
    } else if (ts.isNumericLiteral(n) || ts.isBigIntLiteral(n)) {
      const big = ts.isBigIntLiteral(n);
      const v = big ? BigInt(n.text.slice(0, -1)) : Number(n.text);
      add(n.getStart(node0), n.getEnd(), big ? `${(v as bigint) + 1n}n` : String((v as number) + 1), "literal + 1");
      if (big ? v !== 0n : v !== 0) add(n.getStart(node0), n.getEnd(), big ? `${(v as bigint) - 1n}n` : String((v as number) - 1), "literal - 1");
    } else if (n.kind === ts.SyntaxKind.TrueKeyword || n.kind === ts.SyntaxKind.FalseKeyword) {
      add(n.getStart(node0), n.getEnd(), n.kind === ts.SyntaxKind.TrueKeyword ? "false" : "true", "true ↔ false");
    } else if (ts.isExpressionStatement(n) && (ts.isBlock(n.parent) || ts.isSourceFile(n.parent) || ts.isCaseClause(n.parent))) {
      add(n.getStart(node0), n.getEnd(), ";", "delete statement");
    }
    ts.forEachChild(n, visit);
  };
  visit(node0);
  return out;
}

/** A seeded generator (the fuzzers' mulberry32), so a run is repeatable. */
function rng(seed: number): () => number {
  const r = new Random(seed);
  return () => r.next();
}

function sample<T>(all: T[], n: number, random: () => number): T[] {
  const a = [...all];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a.slice(0, n);
}

interface RunResult {
  readonly killed: boolean;
  readonly by?: string | undefined;
  readonly timedOut: boolean;
  readonly ms: number;
}

function runTests(dir: string, tests: string[], timeoutMs: number): Promise<RunResult> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    // One uvu process over the files, stopping at the first failure; a file list regex keeps uvu's own order.
    const pattern = `^(${tests.map((t) => t.replace(/^test\//, "").replace(/[.]/g, "\\.")).join("|")})$`;
    const child = spawn(process.execPath, ["--import", "tsx", "node_modules/uvu/bin.js", "test", pattern, "--bail"], {
      cwd: dir, stdio: ["ignore", "pipe", "pipe"], detached: true,
      env: { ...process.env, TSBPF_CACHE_DIR: join(dir, ".cache"), CI: "" },
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // already gone
      }
    }, timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      // eslint-disable-next-line no-control-regex
      const clean = out.replace(/\x1b\[[0-9;]*m/g, "");
      const failed = /FAIL\s+"?([^\n"]*)"?/.exec(clean)?.[1];
      resolve({ killed: timedOut || code !== 0, by: timedOut ? "timeout" : failed?.trim(), timedOut, ms: Date.now() - t0 });
    });
  });
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const count = Number(arg("count") ?? 60);
const seed = Number(arg("seed") ?? 11);
const only = arg("files")?.split(",");
const withMutationTests = !process.argv.includes("--without-mutation-tests");
const jsonOut = arg("json");

const chosen = targets().filter((t) => !only || only.includes(t.file));
const project = new Project({ tsConfigFilePath: join(root, "tsconfig.json"), skipAddingFilesFromTsConfig: true });
for (const t of chosen) project.addSourceFileAtPath(join(root, t.file));
project.resolveSourceFileDependencies();
const all = chosen.flatMap((t) => mutantsOf(project, t.file));
const byFile = new Map<string, number>();
for (const m of all) byFile.set(m.file, (byFile.get(m.file) ?? 0) + 1);
console.log(`mutants: ${all.length} in ${chosen.length} files (${[...byFile].map(([f, n]) => `${relative("compiler", f)} ${n}`).join(", ")})`);
if (process.argv.includes("--list")) {
  for (const m of all) console.log(`${m.file}:${m.line}  ${m.operator}  ${JSON.stringify(m.from)} → ${JSON.stringify(m.to)}`);
  process.exit(0);
}
// --replay run.json: the survivors of an earlier run again (after tests were added for them), matched by file,
// line, text and replacement, so a re-measure costs only their time.
const replay = arg("replay");
const survivorsOf = (f: string) => (JSON.parse(readFileSync(f, "utf8")) as (Mutant & RunResult)[]).filter((r) => !r.killed);
const picked = (replay
  ? all.filter((m) => survivorsOf(replay).some((s) => s.file === m.file && s.line === m.line && s.from === m.from && s.to === m.to && s.operator === m.operator && s.start === m.start))
  : sample(all, count, rng(seed))).sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.start - b.start));

// The copy: the repository's files (not .git, not node_modules, which is linked), written to only here.
const dir = mkdtempSync(join(tmpdir(), "tsbpf-mutation-"));
const cleanup = () => rmSync(dir, { recursive: true, force: true });
process.on("SIGINT", () => {
  cleanup();
  process.exit(130);
});
try {
  cpSync(root, dir, { recursive: true, filter: (src) => !/\/(\.git|node_modules|dist)(\/|$)/.test(relative(root, src) ? "/" + relative(root, src) : "") });
  symlinkSync(join(root, "node_modules"), join(dir, "node_modules"));
  // The tests written for survivors (test/unit/mutation-*.test.ts) join every subset.
  const extra = withMutationTests ? MUTATION_TESTS.filter((t) => existsSync(join(dir, t))) : [];
  // --tests a,b: these test files instead of the target's subset (with --replay: which tests kill the survivors).
  const override = arg("tests")?.split(",");
  const testsOf = (file: string) => override ?? [...extra, ...chosen.find((t) => t.file === file)!.tests];

  // The baseline: every subset passes unmutated, and its time sets the timeout.
  const baseline = new Map<string, number>();
  for (const t of new Set(picked.map((m) => m.file))) {
    const key = testsOf(t).join(",");
    if (baseline.has(key)) continue;
    const r = await runTests(dir, testsOf(t), 20 * 60_000);
    if (r.killed) throw new Error(`the unmutated tests fail (${r.by ?? "?"}): fix them first`);
    baseline.set(key, r.ms);
    console.log(`baseline ${t}'s tests: ${(r.ms / 1000).toFixed(1)} s`);
  }

  const results: (Mutant & RunResult)[] = [];
  for (const [i, m] of picked.entries()) {
    const path = join(dir, m.file);
    const original = readFileSync(path, "utf8");
    writeFileSync(path, original.slice(0, m.start) + m.to + original.slice(m.end));
    try {
      const tests = testsOf(m.file);
      const r = await runTests(dir, tests, Math.max(60_000, 3 * baseline.get(tests.join(","))!));
      results.push({ ...m, ...r });
      console.log(`${i + 1}/${picked.length} ${r.killed ? "killed " : "SURVIVED"} ${m.file}:${m.line} ${m.operator}: ${JSON.stringify(m.from)} → ${JSON.stringify(m.to)}${r.by ? ` (by ${r.by})` : ""} ${(r.ms / 1000).toFixed(1)} s`);
    } finally {
      writeFileSync(path, original);
    }
  }
  const killed = results.filter((r) => r.killed).length;
  console.log(`\nmutation score: ${killed}/${results.length} killed (${((100 * killed) / Math.max(1, results.length)).toFixed(0)}%), seed ${seed}, ${all.length} mutants in all`);
  const survivors = results.filter((r) => !r.killed);
  if (survivors.length) {
    console.log("survivors:");
    for (const s of survivors) {
      const line = readFileSync(join(root, s.file), "utf8").split("\n")[s.line - 1]!.trim();
      console.log(`  ${s.file}:${s.line} ${s.operator}: ${JSON.stringify(s.from)} → ${JSON.stringify(s.to)}   | ${line}`);
    }
  }
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify(results, null, 2));
} finally {
  cleanup();
}
