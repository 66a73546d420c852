// The compiler on deep inputs (test/support/scale-gen.ts): nesting far past what TypeScript's parser, binder and
// checker or lowering can follow never throws (RangeError included): it is one diagnostic at the too-deep place,
// found by compiler/frontend/depth.ts before anything recursive runs. Just under the limits, tracers compile.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { join } from "node:path";
import { ts } from "ts-morph";
import { type CompileResult, compile } from "../../compiler/index.ts";
import { MAX_NESTING, tooDeepBrackets, tooDeepNodes } from "../../compiler/frontend/depth.ts";
import { type Shape, generate } from "../support/scale-gen.ts";

const PATH = join(process.cwd(), "scale-depth.ts");

function compileShape(shape: Shape, n: number): CompileResult {
  const text = generate(shape, n);
  try {
    return compile(PATH, { text });
  } catch (e) {
    throw new assert.Assertion({ message: `${shape} ${n}: compile() threw`, details: e instanceof Error ? (e.stack ?? e.message) : String(e), generated: false, operator: "throws", expects: "", actual: "" });
  }
}

/** The one error a compile reports: its code and where, with the line inside the generated text. */
function onlyError(r: CompileResult, shape: string): { code: string; line: number; message: string } {
  const errors = r.diagnostics.filter((d) => d.severity === "error");
  assert.is(errors.length, 1, `${shape}: ${errors.map((d) => `${d.code} ${d.message}`).join("; ")}`);
  const e = errors[0]!;
  assert.ok(e.span && e.span.line >= 1 && e.span.column >= 1, `${shape}: ${e.code} has no location`);
  assert.is.not(e.code, "TSB9001", `${shape}: ${e.message}`);
  return { code: e.code, line: e.span!.line, message: e.message };
}

// The sizes of issue 11's report (each overflowed the stack or gave TSB9001 without a location), and more.
// Chains of `?:` break TypeScript's parser between 1,400 and 3,000 (warm code has smaller frames): then the
// parser's own overflow is what is reported (TSB1083), else the depth (TSB1080).
const DEEP: [Shape, number, string[]][] = [
  ["ifs", 1500, ["TSB1080"]],
  ["blocks", 2000, ["TSB1080"]],
  ["parens", 3000, ["TSB1080"]],
  ["elseIfs", 3000, ["TSB1080"]],
  ["ternaries", 3000, ["TSB1080", "TSB1083"]],
  ["conditions", 5000, ["TSB1080"]],
  ["unary", 100000, ["TSB1083"]],
  ["sequentialIfs", 3000, ["TSB1084"]],
];

for (const [shape, n, codes] of DEEP) {
  test(`${shape} ${n}: ${codes.join(" or ")} with a location, no exception`, () => {
    const e = onlyError(compileShape(shape, n), `${shape} ${n}`);
    assert.ok(codes.includes(e.code), `${e.code} ${e.message}`);
  });
}

test("nested if statements: reported at the first if past the limit, counted as people count them", () => {
  // 300 ifs: the braces are the first to pass the limit (the handler's call and body add two levels).
  const e = onlyError(compileShape("ifs", 300), "ifs 300");
  assert.match(e.message, `nested ${MAX_NESTING + 1} levels deep; at most ${MAX_NESTING}`);
});

test("just under the limits, deep tracers compile", () => {
  for (const [shape, n] of [["ifs", 200], ["blocks", 200], ["parens", 200], ["terms", 200], ["elseIfs", 200], ["ternaries", 200], ["unary", 200], ["sequentialIfs", 900]] as [Shape, number][]) {
    const r = compileShape(shape, n);
    assert.ok(r.spec, `${shape} ${n}: ${r.diagnostics.map((d) => `${d.code} ${d.message}`).join("; ")}`);
  }
});

test("brackets are counted from tokens: templates and regular expressions do not confuse the count", () => {
  const deep = (n: number) => "(".repeat(n) + "x" + ")".repeat(n);
  assert.is(tooDeepBrackets("a.ts", `const s = \`\${${deep(5)}}\`; const r = /((((((((/; const t = a / (b) / c;`, 6), undefined);
  const found = tooDeepBrackets("a.ts", `const s = \`\${\`\${${deep(5)}}\`}\`;\nconst y = 1;`, 6);
  assert.ok(found, "a template's ${ counts as a level");
  assert.is(found.depth, 7);
  assert.is(found.span.line, 1);
  const second = tooDeepBrackets("a.ts", `// ((((((((\nconst y = "((((((((";\n  f${deep(7)};`, 6);
  assert.equal([second?.span.line, second?.span.column], [3, 10]);
});

test("the syntax tree check is iterative: a chain of 50,000 additions is one level, 50,000 chained && are 50,000", () => {
  const text = `const x = ${Array.from({ length: 50000 }, () => "a").join(" + ")};`;
  const sf = ts.createSourceFile("a.ts", text, ts.ScriptTarget.ES2022, true);
  assert.is(tooDeepNodes(sf, 3), undefined);
  const logical = `const x = ${Array.from({ length: 50000 }, () => "a").join(" && ")};`;
  const found = tooDeepNodes(ts.createSourceFile("b.ts", logical, ts.ScriptTarget.ES2022, true), 1000);
  assert.ok(found);
  assert.is(found.depth, 1001);
  assert.is(found.what, "this expression");
  assert.equal([found.span.line, found.span.column], [1, 11]);
});

test.run();
