// Golden snapshots of generated code: every sample (samples/*.ts) and every program of test/golden/programs/
// compiled for x86_64 in, the text `tsbpf build --emit asm` prints out (paths relative to the repository),
// compared with test/golden/<name>.s. They make a change in lowering, the passes or codegen visible as a diff in
// review; they say nothing about whether the code is right, which the VM and kernel tests check.
// `UPDATE_GOLDEN=1 npm test` (or this file alone) rewrites the snapshots instead, and deletes those with no source.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { renderAsm } from "../../cli/build.ts";
import { formatDiagnostics } from "../../compiler/diagnostics.ts";
import { compile } from "../../compiler/index.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const GOLDEN = join(root, "test", "golden");
const UPDATE = (process.env.UPDATE_GOLDEN ?? "") !== "" && process.env.UPDATE_GOLDEN !== "0";
const HINT = "UPDATE_GOLDEN=1 npm test";

/** Lines of context around each difference, and how many diff lines a failure shows at most. */
const CONTEXT = 3;
const MAX_DIFF_LINES = 60;

const tsFiles = (dir: string) => readdirSync(join(root, dir)).filter((f) => f.endsWith(".ts")).sort().map((f) => `${dir}/${f}`);
/** Repository-relative source paths; each one's snapshot is test/golden/<its base name>.s. */
const sources = [...tsFiles("samples"), ...tsFiles("test/golden/programs")];
const snapshotOf = (source: string) => `test/golden/${basename(source, ".ts")}.s`;

function fail(message: string, details: string): never {
  throw new assert.Assertion({ message, details, generated: false, operator: "golden", expects: "", actual: "" });
}

type Edit = { readonly kind: " " | "-" | "+"; readonly text: string; readonly a: number; readonly b: number };

/** A line diff (longest common subsequence) of `a` (the snapshot) into `b` (the compiled text). */
function diffLines(a: readonly string[], b: readonly string[]): Edit[] {
  const n = a.length;
  const m = b.length;
  // lcs[i][j]: length of the LCS of a[i..] and b[j..]; the files are a few hundred lines, so the table is small.
  const lcs = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  }
  const out: Edit[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) out.push({ kind: " ", text: a[i]!, a: i++, b: j++ });
    else if (i < n && (j === m || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) out.push({ kind: "-", text: a[i]!, a: i++, b: j });
    else out.push({ kind: "+", text: b[j]!, a: i, b: j++ });
  }
  return out;
}

/** The first hunks of a unified diff, `@@ -line,count +line,count @@` headers included, cut at MAX_DIFF_LINES. */
function unifiedDiff(expected: string, actual: string, from: string, to: string): string {
  const edits = diffLines(expected.split("\n"), actual.split("\n"));
  const changed = edits.flatMap((e, k) => (e.kind === " " ? [] : [k]));
  const hunks: [number, number][] = [];
  for (const k of changed) {
    const last = hunks[hunks.length - 1];
    if (last && k - last[1] <= 2 * CONTEXT) last[1] = k;
    else hunks.push([k, k]);
  }
  const lines = [`--- ${from}`, `+++ ${to}`];
  for (const [first, lastChange] of hunks) {
    const start = Math.max(0, first - CONTEXT);
    const end = Math.min(edits.length - 1, lastChange + CONTEXT);
    const part = edits.slice(start, end + 1);
    const oldCount = part.filter((e) => e.kind !== "+").length;
    const newCount = part.filter((e) => e.kind !== "-").length;
    lines.push(`@@ -${edits[start]!.a + 1},${oldCount} +${edits[start]!.b + 1},${newCount} @@`, ...part.map((e) => `${e.kind}${e.text}`));
    if (lines.length > MAX_DIFF_LINES) {
      const more = changed.filter((k) => k > end).length;
      return [...lines.slice(0, MAX_DIFF_LINES), `... (${more ? `${more} more changed lines; ` : ""}diff cut at ${MAX_DIFF_LINES} lines)`].join("\n");
    }
  }
  return lines.join("\n");
}

for (const source of sources) {
  test(`golden: ${source}`, () => {
    const r = compile(join(root, source), { arch: "x86_64" });
    if (r.diagnostics.length || !r.spec) fail(`${source}: does not compile cleanly`, formatDiagnostics(r.diagnostics, r.sources));
    const actual = renderAsm(r.spec, root);
    const snapshot = snapshotOf(source);
    const path = join(root, snapshot);
    const expected = existsSync(path) ? readFileSync(path, "utf8") : undefined;
    if (expected === actual) return;
    if (UPDATE) {
      writeFileSync(path, actual);
      console.log(`  ${expected === undefined ? "wrote" : "updated"} ${snapshot}`);
      return;
    }
    if (expected === undefined) fail(`${snapshot}: no snapshot for ${source}`, `run ${HINT} to write it, then review and commit it`);
    fail(`${snapshot}: the code generated for ${source} differs from the snapshot`,
      `${unifiedDiff(expected, actual, `${snapshot} (snapshot)`, `${source} (compiled now)`)}\n\nif the change is intended: ${HINT}, then review the diff of ${snapshot}`);
  });
}

test("golden: one snapshot per source, none without a source", () => {
  const names = sources.map(snapshotOf);
  const clash = names.filter((n, k) => names.indexOf(n) !== k);
  assert.equal(clash, [], "a golden program has the name of a sample (or of another program): rename it");
  const wanted = new Set(names.map((n) => basename(n)));
  const stale = readdirSync(GOLDEN).filter((f) => f.endsWith(".s") && !wanted.has(f)).sort();
  if (!stale.length) return;
  if (UPDATE) {
    for (const f of stale) {
      rmSync(join(GOLDEN, f));
      console.log(`  deleted test/golden/${f} (no source)`);
    }
    return;
  }
  fail(`snapshots with no source in samples/ or test/golden/programs/: ${stale.join(", ")}`,
    `delete them, or run ${HINT}, which deletes them`);
});

test.run();
