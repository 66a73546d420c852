// The pruning of TypeScript's flow graph before checking (compiler/frontend/flow.ts): tracers in; checks out: in a
// long handler no reference's walk passes a call node (the walk that made checking quadratic, counted, not timed),
// a program with an assertion function or a function returning `never` keeps its call nodes and their effects, and
// over every fixture and sample the pruned check reports exactly the diagnostics of TypeScript's own.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ts } from "ts-morph";
import { canPruneFlow } from "../../compiler/frontend/flow.ts";
import { COMPILER_OPTIONS, loadProgram } from "../../compiler/frontend/program.ts";
import { compilerHost } from "../../compiler/frontend/sources.ts";
import { walkTree } from "../../compiler/frontend/depth.ts";
import { handlerOfSize } from "../fuzz/hostile.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const CALL = (ts as unknown as { FlowFlags: { Call: number } }).FlowFlags?.Call ?? 0;

interface Flow { flags: number; antecedent?: Flow | Flow[] }

/** Call nodes passed, summed over every identifier, before its walk back reaches a node of another kind. */
function callSteps(file: ts.SourceFile): number {
  let steps = 0;
  walkTree(file, (n) => {
    if (!ts.isIdentifier(n)) return;
    for (let f = (n as unknown as { flowNode?: Flow }).flowNode; f && f.flags & CALL && !Array.isArray(f.antecedent); f = f.antecedent) steps++;
  });
  return steps;
}

test("flow: this TypeScript has the internals the pruning relies on", () => {
  assert.ok(canPruneFlow());
  assert.ok(CALL > 0);
});

test("flow: in a handler of 2,000 call statements no reference walks back over a call node", () => {
  const n = 2000;
  const loaded = loadProgram(join(root, "flow-size.ts"), handlerOfSize(n));
  assert.equal(loaded.diagnostics, []);
  assert.ok(loaded.prunedCalls >= n, `${loaded.prunedCalls} pruned`);
  assert.is(callSteps(loaded.file), 0);
  // Unpruned, as TypeScript binds it: each of the 2n references passes every call before it.
  const file = ts.createSourceFile(join(root, "flow-size.ts"), handlerOfSize(n), ts.ScriptTarget.ES2022, true);
  ts.createProgram({ rootNames: [file.fileName], options: COMPILER_OPTIONS, host: compilerHost(COMPILER_OPTIONS, file) }).getTypeChecker();
  assert.ok(callSteps(file) > n * n / 2, `${callSteps(file)} steps unpruned`);
});

const HEADER = `import { tracepoint, HashMap, type u32, type u64 } from "tsbpf";
const m = new HashMap<u32, u64>(16);
const out = new HashMap<u32, u64>(16);
`;

/** Programs whose calls have effects: each checks without errors only while the effect is there. */
const EFFECTS: Record<string, string> = {
  asserts: `declare function defined(v: u64 | undefined): asserts v;
tracepoint("sched/sched_switch", () => { const v = m.get(1); defined(v); out.set(1, v); });`,
  "asserts this": `declare const guard: { check(): asserts this is { ok: true } };
tracepoint("sched/sched_switch", () => { guard.check(); const t: true = guard.ok; out.set(1, t ? 1n : 0n); });`,
  never: `declare function fail(): never;
tracepoint("sched/sched_switch", () => { const v = m.get(1); if (v === undefined) fail(); out.set(1, v); });`,
  "never through an alias": `type Nothing = never;
declare const util: { fail(why: string): Nothing };
tracepoint("sched/sched_switch", () => { const v = m.get(1); if (v === undefined) util.fail("none"); out.set(1, v); });`,
};

for (const [name, body] of Object.entries(EFFECTS)) {
  test(`flow: a call with an effect (${name}) keeps the graph and the effect`, () => {
    const loaded = loadProgram(join(root, `flow-${name.replace(/ /g, "-")}.ts`), HEADER + body + "\n");
    assert.is(loaded.prunedCalls, 0);
    assert.equal(loaded.diagnostics.map((d) => `${d.code} ${d.message}`), []);
  });
}

test("flow: super() calls stay in the graph (this after super is fine, before it an error)", () => {
  const text = `${HEADER}
class Base { constructor(readonly n: number) {} }
class After extends Base { m: number; constructor() { super(2); this.m = 1; } }
class Before extends Base { m: number; constructor() { this.m = 1; super(2); } }
export const both = [new After(), new Before()];
tracepoint("sched/sched_switch", () => { out.set(1, 1n); });
`;
  const loaded = loadProgram(join(root, "flow-super.ts"), text);
  assert.ok(loaded.prunedCalls > 0);
  assert.equal(loaded.diagnostics.map((d) => [d.code, d.span?.line]), [["TS17009", 7]]);
});

/** TypeScript's diagnostics of `file`, unpruned: the program as TypeScript builds it. */
function unprunedDiagnostics(path: string): string[] {
  const file = ts.createSourceFile(path, ts.sys.readFile(path)!, ts.ScriptTarget.ES2022, true);
  const program = ts.createProgram({ rootNames: [path], options: COMPILER_OPTIONS, host: compilerHost(COMPILER_OPTIONS, file) });
  return [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)].map((d) => `TS${d.code}@${d.start}`);
}

test("flow: every fixture and sample gets the diagnostics TypeScript gives it unpruned", () => {
  const dirs = ["samples", "test/fixtures/errors", "test/fixtures/guard", "test/fixtures/loops", "test/golden/programs"];
  let pruned = 0;
  let files = 0;
  for (const d of dirs) {
    for (const name of readdirSync(join(root, d)).filter((f) => f.endsWith(".ts")).sort()) {
      const path = join(root, d, name);
      const loaded = loadProgram(path);
      if (loaded.tooDeep) continue;
      files++;
      pruned += loaded.prunedCalls;
      assert.equal(loaded.diagnostics.filter((x) => x.span?.file === path).map((x) => `${x.code}@${x.span?.start}`), unprunedDiagnostics(path), path);
    }
  }
  assert.ok(files > 50 && pruned > 100, `${files} files, ${pruned} calls pruned`);
});

test.run();
