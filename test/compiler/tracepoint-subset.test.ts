// The tracepoints a compile declares (compiler/frontend/tracepoint-types.ts `tracepointSubset`, program.ts): the
// "category/event" literals of a tracer and its local files in; declarations of those tracepoints only out (plus,
// for a name the database lacks, the closest ones it has), generated exactly as the shipped tracepoints.d.ts is; and
// the compiler's diagnostics for tracepoints read as they did with every tracepoint declared.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { compile } from "../../compiler/index.ts";
import { TRACEPOINTS_D_TS, loadProgram } from "../../compiler/frontend/program.ts";
import {
  type TracepointData, closestTracepoints, generateDeclarations, mentionedNames, tracepointSubset,
} from "../../compiler/frontend/tracepoint-types.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const shipped = JSON.parse(readFileSync(join(root, "stdlib-types", "tracepoints.json"), "utf8")) as TracepointData;
const dir = mkdtempSync(join(tmpdir(), "tsbpf-tp-subset-"));

/** The tracepoint names the program of `file` declares. */
function declared(file: string): string[] {
  const sf = loadProgram(file).program.getSourceFile(TRACEPOINTS_D_TS);
  assert.ok(sf, "the program has tracepoints.d.ts");
  return [...sf.text.matchAll(/^ {2}"([^"]+)": \{/gm)].map((m) => m[1]!);
}

test("mentionedNames: quoted and backquoted literals with one slash, nothing else", () => {
  const text = "tracepoint(\"sched/sched_switch\", f); x = 'block/block_rq_issue'; y = `irq/irq_handler_entry`; " +
    "z = `a/${b}`; path = \"./local.ts\"; n = 1 / 2;";
  assert.equal([...mentionedNames(text)], ["sched/sched_switch", "block/block_rq_issue", "irq/irq_handler_entry", "./local.ts"]);
});

test("tracepointSubset: known names kept, unknown ones replaced by their closest, two at least", () => {
  const sub = tracepointSubset(shipped, ["sched/sched_switch", "block/block_rq_issue", "not a name", "./local.ts"]);
  assert.equal(Object.keys(sub.tracepoints), ["block/block_rq_issue", "sched/sched_switch"]);
  assert.is(sub.kernel, shipped.kernel);
  assert.equal(closestTracepoints("sched/sched_swich", Object.keys(shipped.tracepoints))[0], "sched/sched_switch");
  assert.ok(Object.keys(tracepointSubset(shipped, ["sched/sched_swich"]).tracepoints).includes("sched/sched_switch"));
  assert.is(Object.keys(tracepointSubset(shipped, []).tracepoints).length, 2);
  assert.is(Object.keys(tracepointSubset(shipped, ["sched/sched_switch"]).tracepoints).length, 2);
});

test("the subset's declarations are the shipped file's, for those tracepoints", () => {
  const full = readFileSync(TRACEPOINTS_D_TS, "utf8");
  const sub = generateDeclarations(tracepointSubset(shipped, ["sched/sched_switch", "raw_syscalls/sys_enter"]));
  // Every member block of the subset appears verbatim in the shipped declarations.
  for (const block of sub.split(/\n(?= {2}\/\*\* print fmt)/).slice(1)) {
    const member = block.split("\n}\n")[0]!;
    assert.ok(full.includes(member), member.slice(0, 200));
  }
});

test("a compile declares the tracepoints of the tracer and its local files only", () => {
  writeFileSync(join(dir, "types.ts"), 'import type { TracepointContext } from "tsbpf";\nexport type Wakeup = TracepointContext<"sched/sched_wakeup">;\n');
  writeFileSync(join(dir, "tool.ts"), [
    'import { Count, tracepoint, type u32 } from "tsbpf";',
    'import type { Wakeup } from "./types.ts";',
    "export const n = new Count<u32>();",
    "function pidOf(w: Wakeup): u32 { return w.pid; }",
    'tracepoint("sched/sched_wakeup", (ctx) => { n.increment(pidOf(ctx)); });',
    'tracepoint("raw_syscalls/sys_enter", (ctx) => { n.increment(Number(ctx.id)); });',
    "",
  ].join("\n"));
  const file = join(dir, "tool.ts");
  assert.equal(declared(file), ["raw_syscalls/sys_enter", "sched/sched_wakeup"]);
  const r = compile(file);
  assert.equal(r.diagnostics, []);
  assert.is(r.spec?.programs.length, 2);
});

test("an unknown tracepoint: TypeScript's errors name keyof Tracepoints as with every tracepoint declared", () => {
  writeFileSync(join(dir, "typo.ts"), [
    'import { Count, tracepoint, type u32 } from "tsbpf";',
    "export const n = new Count<u32>();",
    'tracepoint("sched/sched_swich", (ctx) => { n.increment(ctx.next_pid); });',
    "",
  ].join("\n"));
  const file = join(dir, "typo.ts");
  assert.ok(declared(file).includes("sched/sched_switch"), "the closest name is declared");
  const messages = compile(file).diagnostics.map((d) => `${d.code}: ${d.message}`);
  assert.ok(messages.some((m) => m.startsWith("TS2345: Argument of type '\"sched/sched_swich\"' is not assignable to parameter of type 'keyof Tracepoints | TracepointPattern'")), messages.join("\n"));
  assert.ok(messages.some((m) => m.startsWith("TSB2049: no tracepoint sched/sched_swich")), messages.join("\n"));
  const unknown = compile(file).diagnostics.find((d) => d.code === "TSB2049");
  assert.match(unknown?.hint ?? "", /^did you mean sched\/sched_switch\b.*\? If not, regenerate it for this kernel: sudo npx tsbpf types$/);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
