// The table of tsbpf's diagnostic codes (compiler/diagnostics.ts MESSAGES) in; checks out: every code has one
// template with placeholders {0}..{n-1}, no two codes share a template, templates say something beyond their
// placeholders, the compiler reports every code, placeholders are filled (and counts pluralised) as documented,
// wrong placeholder counts do not type-check, and the runtime's TSB3001 text follows its template. Also the one
// code no fixture can reach: a tracepoint field with no integer type (TSB2051).

import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Code, Diagnostics, MESSAGES, formatMessage, placeholdersOf } from "../../compiler/diagnostics.ts";
import { analyzeModule } from "../../compiler/frontend/module.ts";
import { loadProgram } from "../../compiler/frontend/program.ts";
import { lowerModule } from "../../compiler/lower/index.ts";
import { type TracepointDb, loadTracepointDb } from "../../compiler/lower/tracepoints.ts";
import { VERIFIER_REJECTED, verifierError } from "../../runtime/kernel/verifier.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const codes = Object.keys(MESSAGES) as Code[];

test("messages: every code is TSBnxxx in a known range, with a title and a template", () => {
  const bad = codes.filter((c) => !/^TSB[1239]\d{3}$/.test(c) || !MESSAGES[c].title.trim() || !MESSAGES[c].template.trim());
  assert.equal(bad, []);
});

test("messages: a template's placeholders are {0}..{n-1}, each used", () => {
  const bad = codes.filter((c) => {
    const used = placeholdersOf(MESSAGES[c].template).sort((a, b) => a - b);
    return used.some((n, i) => n !== i);
  });
  assert.equal(bad.map((c) => `${c}: ${MESSAGES[c].template}`), []);
});

test("messages: no two codes share a template (placeholders aside)", () => {
  const shape = (t: string) => t.replace(/\{\d+(?::[a-z]+)?\}/g, "{}");
  const byShape = new Map<string, Code[]>();
  for (const c of codes) byShape.set(shape(MESSAGES[c].template), [...(byShape.get(shape(MESSAGES[c].template)) ?? []), c]);
  assert.equal([...byShape.values()].filter((cs) => cs.length > 1), []);
});

test("messages: a template says something beyond its placeholders (at least two words of its own)", () => {
  // A count's noun ({1:argument}) is a word of the template's own; "{0}" or "{0}: {1}" would be free text.
  const words = (t: string) => t.replace(/\{\d+(?::([a-z]+))?\}/g, " $1 ").split(/[^A-Za-z]+/).filter((w) => w.length > 1 || w === "a");
  const bad = codes.filter((c) => words(MESSAGES[c].template).length < 2);
  assert.equal(bad.map((c) => `${c}: ${MESSAGES[c].template}`), []);
});

test("messages: the compiler reports every code but the verifier's (found in compiler/ as a string)", () => {
  const sources: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name));
      else if (e.name.endsWith(".ts") && !(dir === join(root, "compiler") && e.name === "diagnostics.ts")) sources.push(readFileSync(join(dir, e.name), "utf8"));
    }
  };
  walk(join(root, "compiler"));
  const all = sources.join("\n");
  const unused = codes.filter((c) => c !== VERIFIER_REJECTED && !all.includes(`"${c}"`));
  assert.equal(unused, [], "codes in the table that nothing in compiler/ reports");
});

test("messages: placeholders are filled in order; {n:noun} prints a count with its noun", () => {
  assert.is(formatMessage("{0} calls itself (through {1})", ["f", "f -> g"]), "f calls itself (through f -> g)");
  assert.is(formatMessage("{0} takes {1:argument}", ["f()", 1]), "f() takes 1 argument");
  assert.is(formatMessage("{0} takes {1:argument}", ["f()", 0]), "f() takes 0 arguments");
  assert.is(formatMessage("{0} takes at most {1:argument}", ["f()", 3n]), "f() takes at most 3 arguments");
  assert.is(formatMessage("{0}: {0}", ["x"]), "x: x");
  assert.is(formatMessage("{ optional: true | false } of {0}", ["p()"]), "{ optional: true | false } of p()");
  const d = new Diagnostics();
  d.error("TSB2005", ["the format of bpf.tracePrintk()", 3], undefined, "a hint");
  assert.equal(d.list, [{ code: "TSB2005", severity: "error", message: "the format of bpf.tracePrintk() takes at most 3 arguments", hint: "a hint" }]);
});

/** Never called: test/typecheck.ts checks that each line marked @ts-expect-error is a type error. */
export function placeholderCountsAreTyped(d: Diagnostics): void {
  d.error("TSB2003", ["p", 600, 512], undefined);
  d.error("TSB1003", [], undefined);
  // @ts-expect-error: TSB2003 has three placeholders
  d.error("TSB2003", ["p", 600], undefined);
  // @ts-expect-error: TSB1003 has none
  d.error("TSB1003", ["x"], undefined);
  // @ts-expect-error: no such code
  d.error("TSB1999", [], undefined);
}

test("messages: the runtime's TSB3001 (runtime/kernel/verifier.ts) follows its template", () => {
  assert.is(VERIFIER_REJECTED, "TSB3001");
  const template = MESSAGES.TSB3001.template;
  const pattern = new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(" at instruction {1}", "(?: at instruction \\d+)?").replace(/\{\d\}/g, ".+")}$`);
  const log = "0: (b7) r0 = 0\n1: (61) r1 = *(u32 *)(r0 +0)\nR0 invalid mem access 'scalar'\nprocessed 2 insns";
  const e = verifierError("no_null_check", log, [], "EACCES", 13);
  assert.match(e.message, pattern);
  assert.match(e.message, /^the kernel verifier rejected program no_null_check: R0 invalid mem access 'scalar'$/);
});

test("messages: TSB2051, a tracepoint field of a size no integer has (no shipped tracepoint has one)", () => {
  const real = loadTracepointDb();
  const tp = real.get("sched/sched_switch")!;
  const odd = { ...tp, fields: tp.fields.map((f) => (f.name === "prev_state" ? { ...f, size: 16 } : f)) };
  const db: TracepointDb = { kernel: real.kernel, names: () => real.names(), get: (n) => (n === "sched/sched_switch" ? odd : real.get(n)) };
  const text = `import { tracepoint, Count, type u32 } from "tsbpf";
export const hits = new Count<u32>();
tracepoint("sched/sched_switch", (ctx) => { hits.increment(Number(ctx.prev_state)); });
`;
  const loaded = loadProgram(join(root, "test", "fixtures", "errors", "odd-field.ts"), text);
  const diags = new Diagnostics();
  const model = analyzeModule(loaded.file, loaded.checker, diags);
  lowerModule(model, loaded.checker, diags, db, { arch: "x86_64", paramMap: ".rodata", paramLayout: new Map() });
  const type = tp.fields.find((f) => f.name === "prev_state")!.type;
  assert.equal(diags.list.map((d) => [d.code, d.message, d.span?.line]), [["TSB2051", `field prev_state (${type}, 16 bytes) has no integer type`, 3]]);
});

test.run();
