// Hostile tracers, generated: a seed in, a program out that a careless or malicious user could write: valid
// tracers with tokens deleted, duplicated, swapped or replaced; out-of-subset constructs and verifier traps
// inserted into a handler; random token soup; huge and deeply nested files. Each program says which family made it.

import { Random } from "./random.ts";
import { generateTracer } from "./tracers.ts";

export type Family = "valid" | "mutated" | "construct" | "tokens" | "huge" | "deep";

export interface GeneratedProgram {
  readonly family: Family;
  /** What made it, in a few words ("delete token", "nested if x1500"). */
  readonly detail: string;
  readonly text: string;
  /** Statements in its largest handler, for compile time against size (0 when not counted). */
  readonly statements: number;
}

export interface ProgramOptions {
  /** "test": small huge/deep programs (npm test); "full": up to 5,000 statements and 3,000 levels (npm run fuzz). */
  readonly scale: "test" | "full";
}

/** The n-th program of a run: the family by weight, then the program. */
export function generateProgram(r: Random, opts: ProgramOptions): GeneratedProgram {
  // huge and deep programs cost seconds to minutes each: a few percent of a run (`sizes` measures them by size)
  const family = r.weighted<Family>([[52, "valid"], [20, "mutated"], [20, "construct"], [4, "tokens"], [2, "huge"], [2, "deep"]]);
  switch (family) {
    case "valid": return { family, detail: "valid", text: generateTracer(r), statements: 0 };
    case "mutated": return mutated(r);
    case "construct": return construct(r);
    case "tokens": return tokens(r);
    case "huge": return huge(r, opts);
    case "deep": return deep(r, opts);
  }
}

// ---- token mutations

const TOKEN = /\/\/[^\n]*|"(?:[^"\\\n]|\\.)*"|0x[0-9a-fA-F]+n?|\d+n?|[A-Za-z_$][\w$]*|=>|===|!==|\?\?|\?\.|&&|\|\||<<=|>>=|>>>|<<|>>|[+\-*/%&|^]=|[<>=!]=|\+\+|--|\s+|./g;

const TOKEN_POOL = [
  "class", "while", "do", "try", "catch", "finally", "throw", "async", "await", "yield", "function*", "new", "this", "any",
  "unknown", "typeof", "instanceof", "delete", "void", "in", "of", "let", "var", "const", "return", "break", "continue", "=>",
  "1.5", "1e3", "NaN", "Infinity", "-0", "0n", "-1n", "0xffffffffffffffffn", "0x1ffffffffffffffffn", "4294967296", "2147483648",
  "null", "undefined", "!", "?", ":", ";", ",", ".", "...", "(", ")", "{", "}", "[", "]", "<", ">", "+", "-", "*", "/", "%",
  "**", "<<", ">>", ">>>", "&", "|", "^", "~", "&&", "||", "??", "?.", "=", "+=", "===", "!==", '"str"', "`t${1}`", "/re/g",
  "Math", "Date", "eval", "arguments", "globalThis", "process", "bpf", "ctx", "bigint", "number", "string", "u64", "u32",
  "as", "satisfies", "enum", "namespace", "declare", "import", "export", "default", "@", "#x", "\\u0041", "\n",
];

function tokenize(text: string): string[] {
  return text.match(TOKEN) ?? [];
}

const isSpace = (t: string) => /^\s+$/.test(t) || t.startsWith("//");

function mutated(r: Random): GeneratedProgram {
  const toks = tokenize(generateTracer(r));
  const ops: string[] = [];
  for (let k = r.int(1, 3); k > 0; k--) {
    const code = toks.map((t, i) => (isSpace(t) ? -1 : i)).filter((i) => i >= 0);
    if (code.length < 2) break;
    const i = r.pick(code);
    const op = r.pick(["delete", "duplicate", "swap", "replace", "insert"]);
    ops.push(`${op} ${JSON.stringify(toks[i])}`);
    switch (op) {
      case "delete": toks.splice(i, 1); break;
      case "duplicate": toks.splice(i, 0, toks[i]!); break;
      case "swap": {
        const j = code[code.indexOf(i) + 1] ?? code[0]!;
        [toks[i], toks[j]] = [toks[j]!, toks[i]!];
        break;
      }
      case "replace": toks[i] = " " + r.pick(TOKEN_POOL) + " "; break;
      default: toks.splice(i, 0, " " + r.pick(TOKEN_POOL) + " ");
    }
  }
  return { family: "mutated", detail: ops.join(", "), text: toks.join(""), statements: 0 };
}

// ---- constructs inserted into a handler

/**
 * Statements outside the subset, or inside it but at the edge of what the verifier takes. `$m` is a scalar u64
 * hash map, `$a` an ArrayMap<u64>(4), `$s` a hash map of structs, all declared by the wrapper.
 */
const CONSTRUCTS: readonly (readonly [string, string])[] = [
  // out of the subset
  ["while", "let w = 0; while (w < 10) { w++; }"],
  ["do-while", "let w = 0; do { w++; } while (w < 3);"],
  ["try", "try { bpf.pid(); } catch (e) { return; }"],
  ["throw", 'if (bpf.pid() === 0) throw new Error("x");'],
  ["class", "class A { x = 1; }"],
  ["closure", "const f = (x: number) => x + bpf.pid(); f(1);"],
  ["any", "const x: any = bpf.pid(); $m.set(0, x);"],
  ["array literal", "const xs = [1, 2, 3]; $m.set(0, BigInt(xs[bpf.cpu()]!));"],
  ["for-of", "for (const x of [1, 2]) { $m.set(x, 1n); }"],
  ["for-in", "for (const k in ctx) { bpf.pid(); }"],
  ["float", "const f = 1.5 * bpf.pid(); $m.set(0, BigInt(Math.floor(f)));"],
  ["Math", "$m.set(0, BigInt(Math.max(bpf.pid(), 3)));"],
  ["template", "const s = `pid ${bpf.pid()}`; bpf.tracePrintk(s);"],
  ["string concat", 'const s = "a" + bpf.comm(); if (s === "ab") return;'],
  ["method on number", "const s = bpf.pid().toString(); if (s) return;"],
  ["object spread", "const o = { ...{ a: 1 } }; $m.set(o.a, 1n);"],
  ["new Date", "$m.set(0, BigInt(new Date().getTime()));"],
  ["typeof", 'if (typeof bpf.pid() === "number") return;'],
  ["regex", 'if (/x/.test(bpf.comm())) return;'],
  ["async", "const f = async () => 1; f();"],
  ["unbounded for", "for (let i = 0; i < bpf.pid(); i++) { $m.set(i, 1n); }"],
  ["unbounded for by var step", "for (let i = 0; i < 10; i += bpf.cpu()) { $m.set(i, 1n); }"],
  ["labelled break", "outer: for (let i = 0; i < 4; i++) { for (let j = 0; j < 4; j++) { if (j === 2) break outer; } }"],
  ["dynamic property", 'const k = "pid"; const o = { pid: 1 }; $m.set((o as Record<string, number>)[k]!, 1n);'],
  ["recursion", "const g = (n: number): number => (n === 0 ? 0 : g(n - 1)); g(3);"],
  ["delete", "const o: { a?: number } = { a: 1 }; delete o.a;"],
  ["BigInt.asUintN", "$m.set(0, BigInt.asUintN(32, bpf.ktimeGetNs()));"],
  ["exponent", "$m.set(0, 2n ** 10n);"],
  ["comma", "let c = (bpf.pid(), bpf.tid()); $m.set(c, 1n);"],
  ["void", "void bpf.pid();"],
  ["debugger", "debugger;"],
  ["huge local", "const big: FixedArray<u64, 131072> = []; $m.set(0, big[0] ?? 0n);"],
  ["eval", 'eval("1");'],
  // in the subset, at the verifier's edge (issue 11 §1)
  ["lookup compared", "if ($m.get(bpf.pid()) === 3n) return;"],
  ["lookup in a local compared", "const v = $m.get(bpf.pid()); if (v !== 3n) return;"],
  ["lookup cast", "const v = $m.get(bpf.pid()) as bigint; $m.set(1, v + 1n);"],
  ["lookup non-null", "const v = $m.get(bpf.pid())!; $m.set(1, v + 1n);"],
  ["lookup arithmetic unchecked", "$m.set(1, ($m.get(bpf.pid()) as u64) * 2n);"],
  ["array index variable", "const v = $a.get(bpf.cpu()); if (v !== undefined) $m.set(1, v);"],
  ["array index variable non-null", "$m.set(1, $a.get(bpf.cpu())!);"],
  ["array index out of range", "$m.set(1, $a.get(4) ?? 0n);"],
  ["array index out of range compared", "if ($a.get(100) === 1n) return;"],
  ["struct field non-null", "$s.get(bpf.pid())!.count += 1n;"],
  ["struct field cast", "($s.get(bpf.pid()) as Value).count += 1n;"],
  ["division by zero", "$m.set(0, bpf.ktimeGetNs() / 0n);"],
  ["modulo by zero", "$m.set(0, bpf.ktimeGetNs() % 0n);"],
  ["division by zero number", "$m.set(bpf.pid() % 0, 1n);"],
  ["division by folded zero", "const z = 3n - 3n; $m.set(0, bpf.ktimeGetNs() / z);"],
  ["division by variable", "$m.set(0, bpf.ktimeGetNs() / BigInt(bpf.cpu()));"],
  ["literal too large", "$m.set(0, 0x1ffffffffffffffffn);"],
  ["literal too small", "$m.set(0, -0x10000000000000000n);"],
  ["u32 literal too large", "$m.set(4294967296, 1n);"],
  ["shift too far", "$m.set(0, bpf.ktimeGetNs() << 70n);"],
  ["shift negative", "$m.set(0, bpf.ktimeGetNs() >> -1n);"],
  ["shift by variable", "$m.set(0, 1n << BigInt(bpf.cpu()));"],
  ["number shift too far", "$m.set(bpf.pid() << 40, 1n);"],
  ["funcIp in a tracepoint", "$m.set(0, bpf.funcIp());"],
  ["attachCookie in a tracepoint", "$m.set(0, bpf.attachCookie());"],
  ["sendSignal", "if (bpf.pid() === 1) bpf.sendSignal(9);"],
  ["probeReadUser of 0", "$m.set(0, bpf.probeReadUser<u64>(0n));"],
  ["probeReadUserStr huge", 'if (bpf.probeReadUserStr(0n, 100000) === "x") return;'],
  ["probeReadUserStr zero", 'if (bpf.probeReadUserStr(0n, 0) === "") return;'],
  ["loop huge count", "bpf.loop(10000000, (i) => { $m.set(i, 1n); });"],
  ["loop count variable", "bpf.loop(bpf.cpu(), (i) => { $m.set(i, 1n); });"],
  ["nested bpf.loop", "bpf.loop(4, () => { bpf.loop(4, (j) => { $m.set(j, 1n); }); });"],
  ["deep unrolled loops", "for (let i = 0; i < 8; i++) { for (let j = 0; j < 8; j++) { for (let k = 0; k < 8; k++) { $m.add(i * 64 + j * 8 + k, 1n); } } }"],
  ["long bounded loop", "for (let i = 0; i < 1000000; i++) { $m.add(i, 1n); }"],
  ["tracePrintk many args", 'bpf.tracePrintk("%d %d %d %d", 1, 2, 3, 4);'],
  ["tracePrintk non-literal", "const f = bpf.comm(); bpf.tracePrintk(f);"],
  ["readKernelField unknown", 'const x = bpf.readKernelField<u32>(bpf.currentTask(), "task_struct", "no_such_field"); $m.set(x, 1n);'],
  ["readKernelField unknown struct", 'const x = bpf.readKernelField<u32>(bpf.currentTask(), "no_such_struct", "pid"); $m.set(x, 1n);'],
  ["map set in map key", "$m.set($m.get(0) ?? 0, 1n);"],
  ["emit wrong shape", "$m.set(0, 1n, \"sometimes\" as never);"],
  ["str capacity", 'const s: Str<0> = ""; if (s === "") return;'],
];

const WRAPPER_DECLS = [
  'import { ArrayMap, HashMap, RingBuffer, bpf, param, tracepoint, type FixedArray, type Str, type u32, type u64 } from "tsbpf";',
  "",
  "interface Value {",
  "  count: u64;",
  "  name: Str<16>;",
  "}",
  "",
  "const $m = new HashMap<u32, u64>(1024);",
  "const $a = new ArrayMap<u64>(4);",
  "const $s = new HashMap<u32, Value>(64);",
  "export const events = new RingBuffer<Value>(1 << 16);",
  "",
];

/** Module-level constructs: declarations the frontend must refuse or take. */
const MODULE_CONSTRUCTS: readonly (readonly [string, string])[] = [
  ["map size 0", "const z = new HashMap<u32, u64>(0);\ntracepoint(\"sched/sched_switch\", () => { z.set(1, 1n); });"],
  ["map size huge", "const z = new HashMap<u32, u64>(1 << 30);\ntracepoint(\"sched/sched_switch\", () => { z.set(1, 1n); });"],
  ["map size negative", "const z = new HashMap<u32, u64>(-1);\ntracepoint(\"sched/sched_switch\", () => { z.set(1, 1n); });"],
  ["map size not literal", "const n = Number(process.env.N);\nconst z = new HashMap<u32, u64>(n);\ntracepoint(\"sched/sched_switch\", () => { z.set(1, 1n); });"],
  ["huge value", "const z = new ArrayMap<FixedArray<u64, 65536>>(4);\ntracepoint(\"sched/sched_switch\", () => { z.delete(0); });"],
  ["ringbuf size not a power of 2", "const r = new RingBuffer<Value>(1000);\ntracepoint(\"sched/sched_switch\", () => { r.emit({ count: 1n, name: \"\" }); });"],
  ["unknown tracepoint", "tracepoint(\"nope/nothing\" as never, () => {});"],
  ["probe in a function", "function reg() { tracepoint(\"sched/sched_switch\", () => {}); }\nreg();"],
  ["probe in a loop", "for (let i = 0; i < 2; i++) tracepoint(\"sched/sched_switch\", () => {});"],
  ["handler not inline", "const h = () => {};\ntracepoint(\"sched/sched_switch\", h);"],
  ["param not literal", "const p = param(\"p\", bpf.pid());\ntracepoint(\"sched/sched_switch\", () => { $m.set(p, 1n); });"],
  ["param name duplicate", "const p = param<u32>(\"p\", 1);\nconst q = param<u32>(\"p\", 2);\ntracepoint(\"sched/sched_switch\", () => { $m.set(p + q, 1n); });"],
  ["export main with syntax error", "export function main() { return 1 +; }\ntracepoint(\"sched/sched_switch\", () => {});"],
  ["user-side code", "export async function main() { for await (const e of events) console.log(e.count); return 0; }\ntracepoint(\"sched/sched_switch\", () => { events.emit({ count: 1n, name: bpf.comm() }); });"],
  ["200 probes", Array.from({ length: 200 }, (_, i) => `tracepoint("sched/sched_switch", () => { $m.add(${i}, 1n); });`).join("\n")],
  ["many maps", Array.from({ length: 300 }, (_, i) => `const mm${i} = new HashMap<u32, u64>(16);`).join("\n") + "\ntracepoint(\"sched/sched_switch\", () => {\n" + Array.from({ length: 300 }, (_, i) => `  mm${i}.set(1, 1n);`).join("\n") + "\n});"],
];

function construct(r: Random): GeneratedProgram {
  if (r.chance(0.2)) {
    const [name, code] = r.pick(MODULE_CONSTRUCTS);
    return { family: "construct", detail: name, text: [...WRAPPER_DECLS, code, ""].join("\n"), statements: 0 };
  }
  const [name, code] = r.pick(CONSTRUCTS);
  const probe = r.pick(["tracepoint(\"syscalls/sys_enter_openat\", (ctx) => {", "tracepoint(\"sched/sched_switch\", (ctx) => {",
    "tracepoint(\"raw_syscalls/sys_enter\", (ctx) => {"]);
  const before = r.chance(0.5) ? ["  const pid = bpf.pid();", "  $m.add(pid, 1n);"] : [];
  const text = [...WRAPPER_DECLS, probe, ...before, "  " + code, "  $m.add(0, 1n);", "});", ""].join("\n");
  return { family: "construct", detail: name, text, statements: 0 };
}

// ---- random tokens

function tokens(r: Random): GeneratedProgram {
  const n = r.int(5, 400);
  const out: string[] = [];
  if (r.chance(0.6)) out.push('import { tracepoint, bpf, HashMap, type u32, type u64 } from "tsbpf";\n');
  if (r.chance(0.5)) out.push('tracepoint("sched/sched_switch", (ctx) => {\n');
  for (let i = 0; i < n; i++) {
    out.push(r.weighted([[6, () => r.pick(TOKEN_POOL)], [2, () => `v${r.int(0, 5)}`], [1, () => String(r.int(0, 1 << 20))],
      [1, () => r.pick(["ctx.prev_pid", "bpf.pid()", "$m", "HashMap<u32, u64>"])]])());
    out.push(r.chance(0.8) ? " " : "\n");
  }
  return { family: "tokens", detail: `${n} tokens`, text: out.join(""), statements: 0 };
}

// ---- huge files

const HEADER = 'import { HashMap, Count, bpf, tracepoint, type u32, type u64 } from "tsbpf";\n\nconst h = new HashMap<u32, u64>(1024);\nexport const c = new Count<u32>();\n';

function huge(r: Random, opts: ProgramOptions): GeneratedProgram {
  const full = opts.scale === "full";
  const kind = r.pick(["statements", "if-body", "expression", "probes", "locals"]);
  const n = full ? r.pick([1000, 2000, 5000]) : r.pick([100, 200, 400]);
  const lines: string[] = [HEADER];
  switch (kind) {
    case "statements":
      lines.push('tracepoint("sched/sched_switch", (ctx) => {');
      for (let i = 0; i < n; i++) lines.push(`  h.set(${i % 1024}, bpf.ktimeGetNs() + ${i}n);`);
      lines.push("});");
      break;
    case "if-body":
      lines.push('tracepoint("sched/sched_switch", (ctx) => {', "  if (ctx.prev_pid === 0) {");
      for (let i = 0; i < n; i++) lines.push(`    c.increment(${i});`);
      lines.push("  }", "});");
      break;
    case "expression": {
      const terms = Array.from({ length: n }, (_, i) => (i % 3 === 0 ? "bpf.ktimeGetNs()" : `${i}n`));
      lines.push('tracepoint("sched/sched_switch", (ctx) => {', `  h.set(1, ${terms.join(" + ")});`, "});");
      break;
    }
    case "probes": {
      const probes = Math.min(n, full ? 2000 : 100);
      for (let i = 0; i < probes; i++) lines.push(`tracepoint("sched/sched_switch", () => { c.increment(${i}); });`);
      return { family: "huge", detail: `${probes} probes`, text: lines.join("\n") + "\n", statements: probes };
    }
    default:
      lines.push('tracepoint("sched/sched_switch", (ctx) => {', "  let t: u64 = 0n;");
      for (let i = 0; i < n; i++) lines.push(`  const x${i}: u64 = t + ${i}n;`, `  t = x${i} ^ bpf.ktimeGetNs();`);
      lines.push("  h.set(0, t);", "});");
  }
  return { family: "huge", detail: `${kind} x${n}`, text: lines.join("\n") + "\n", statements: n };
}

/** A handler of `n` statements of one shape, for compile time against size (`npm run fuzz -- sizes`). */
export function handlerOfSize(n: number, shape: "statements" | "if-body" = "statements"): string {
  const lines: string[] = [HEADER, 'tracepoint("sched/sched_switch", (ctx) => {'];
  if (shape === "if-body") lines.push("  if (ctx.prev_pid === 0) {");
  for (let i = 0; i < n; i++) lines.push(shape === "if-body" ? `    c.increment(${i});` : `  h.set(${i % 1024}, bpf.ktimeGetNs() + ${i}n);`);
  if (shape === "if-body") lines.push("  }");
  lines.push("});", "");
  return lines.join("\n");
}

// ---- deeply nested files

function deep(r: Random, opts: ProgramOptions): GeneratedProgram {
  const full = opts.scale === "full";
  const kind = r.pick(["if", "block", "parens", "ternary", "else-if"]);
  const n = full ? r.pick([100, 500, 1500, 3000]) : r.pick([20, 50, 100]);
  let body: string;
  switch (kind) {
    case "if":
      body = "if (ctx.prev_pid !== 0) {\n".repeat(n) + "h.set(1, 1n);\n" + "}\n".repeat(n);
      break;
    case "block":
      body = "{\n".repeat(n) + "h.set(1, 1n);\n" + "}\n".repeat(n);
      break;
    case "parens":
      body = `h.set(1, ${"(".repeat(n)}bpf.ktimeGetNs()${" + 1n)".repeat(n)});\n`;
      break;
    case "ternary":
      body = `h.set(1, ${Array.from({ length: n }, (_, i) => `ctx.prev_pid === ${i} ? ${i}n : `).join("")}0n);\n`;
      break;
    default:
      body = Array.from({ length: n }, (_, i) => `${i ? "else " : ""}if (ctx.prev_pid === ${i}) h.set(${i % 1024}, 1n);`).join("\n") + "\n";
  }
  return { family: "deep", detail: `${kind} x${n}`, text: `${HEADER}tracepoint("sched/sched_switch", (ctx) => {\n${body}});\n`, statements: n };
}
