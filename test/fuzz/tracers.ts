// Valid tracers, generated: a seed in, the text of a tracer out that the TypeScript checker accepts and that uses
// the language as the samples do (maps of every kind with scalar and struct values, lookups with and without
// checks, aggregations, events, params, constants, module functions, loops, switch, strings, probe contexts,
// arithmetic with division and shifts by constants and variables, literals near type bounds).
//
// "Valid" means well-typed TypeScript in the subset's spirit; it does not mean the compiler must accept it: a
// lookup compared without a check (`h.get(k) === 3n`), a variable array index or a division by a variable are
// valid TypeScript whose kernel-side meaning the compiler must either implement or refuse at a line.

import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Random } from "./random.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

interface TpField {
  readonly name: string;
  readonly tsType: string;
}

/** Tracepoints the generator attaches to: common ones, present on any kernel with syscall tracepoints. */
const TRACEPOINTS = [
  "syscalls/sys_enter_openat", "syscalls/sys_exit_openat", "syscalls/sys_enter_write", "syscalls/sys_enter_read",
  "syscalls/sys_exit_read", "syscalls/sys_enter_execve", "syscalls/sys_enter_kill", "sched/sched_switch",
  "sched/sched_process_exit", "sched/sched_process_fork", "sched/sched_process_exec", "sched/sched_wakeup",
  "raw_syscalls/sys_enter", "raw_syscalls/sys_exit", "task/task_rename", "block/block_rq_issue", "signal/signal_generate",
];

let tracepointDb: Record<string, { fields: TpField[] }> | undefined;
function tracepointFields(name: string): TpField[] {
  tracepointDb ??= (JSON.parse(readFileSync(join(ROOT, "stdlib-types", "tracepoints.json"), "utf8")) as { tracepoints: Record<string, { fields: TpField[] }> }).tracepoints;
  return (tracepointDb[name]?.fields ?? []).filter((f) => !f.name.startsWith("__"));
}

/** The integer types of the language: `number` ones and `bigint` ones. */
type Ty = "u8" | "u16" | "u32" | "i32" | "u64" | "i64";
const isBig = (t: Ty) => t === "u64" || t === "i64";

const BIG_LITERALS = ["0n", "1n", "2n", "3n", "7n", "8n", "63n", "64n", "1000n", "4096n", "0xffn", "0xffffffffn", "0x100000000n",
  "0x7fffffffffffffffn", "0x8000000000000000n", "0xffffffffffffffffn", "18446744073709551615n", "9223372036854775807n", "1000000000n"];
const SIGNED_BIG_LITERALS = ["-1n", "-2n", "-9223372036854775808n", "-4096n"];
const NUM_LITERALS = ["0", "1", "2", "3", "5", "16", "100", "255", "256", "65535", "0x7fffffff", "0xffffffff", "4096", "1024"];
const NUM_BOUNDS: Record<Ty, readonly string[]> = {
  u8: ["0", "1", "255", "127"], u16: ["0", "65535", "256"], u32: ["0", "0xffffffff", "4294967295", "65536"],
  i32: ["-1", "2147483647", "-2147483648", "0"], u64: [], i64: [],
};

interface Var {
  readonly name: string;
  readonly ty: Ty;
  readonly mutable: boolean;
}

type KeyKind = "u32" | "u64" | "str" | "struct";
type ValKind = "u64" | "u32" | "i64" | "struct";
type MapClass = "HashMap" | "LruHashMap" | "PerCpuHashMap" | "LruPerCpuHashMap" | "ArrayMap" | "PerCpuArrayMap";

interface MapDef {
  readonly name: string;
  readonly cls: MapClass;
  readonly key: KeyKind;
  readonly value: ValKind;
  readonly size: number;
}

type AggClass = "Count" | "Sum" | "Min" | "Max" | "Avg" | "Stats" | "Histogram" | "LinearHistogram";
interface AggDef {
  readonly name: string;
  readonly cls: AggClass;
  readonly keyed: "u32" | "str" | undefined;
}

interface ChannelDef {
  readonly name: string;
  readonly cls: "RingBuffer" | "PerfEventArray";
}

interface ParamDef {
  readonly name: string;
  readonly ty: "u32" | "u64" | "boolean";
}

interface FuncDef {
  readonly name: string;
  readonly params: readonly Ty[];
  readonly ret: Ty;
}

type ProbeKind = "tracepoint" | "rawTracepoint" | "kprobe" | "kretprobe" | "uprobe" | "profile" | "interval" | "tpBtf";

/** What a handler's `ctx` offers, as expressions by type. */
interface ProbeCtx {
  readonly kind: ProbeKind;
  readonly big: string[];
  readonly num: string[];
  readonly strs: string[];
  readonly ptrs: string[];
}

/** Knobs of one generated tracer. */
export interface TracerOptions {
  /** Statements per handler, roughly (default 4..14). */
  readonly statements?: number;
}

/** Generates the text of one valid tracer. */
export function generateTracer(random: Random, opts: TracerOptions = {}): string {
  return new TracerGen(random, opts).tracer();
}

class TracerGen {
  private readonly imports = new Set<string>(["bpf"]);
  private readonly typeImports = new Set<string>();
  private readonly maps: MapDef[] = [];
  private readonly aggs: AggDef[] = [];
  private readonly channels: ChannelDef[] = [];
  private readonly params: ParamDef[] = [];
  private readonly consts: Var[] = [];
  private readonly funcs: FuncDef[] = [];
  private readonly decls: string[] = [];
  private scope: Var[] = [];
  private ctx: ProbeCtx | undefined;
  private counter = 0;
  private loopDepth = 0;
  private usesKey = false;
  private usesValue = false;
  private usesEvent = false;
  private inFunc = false;

  constructor(private readonly r: Random, private readonly opts: TracerOptions) {}

  tracer(): string {
    const r = this.r;
    for (let i = r.int(0, 3); i > 0; i--) this.declareMap();
    for (let i = r.int(0, 2); i > 0; i--) this.declareAgg();
    if (r.chance(0.35)) this.declareChannel();
    for (let i = r.int(0, 2); i > 0; i--) this.declareParam();
    for (let i = r.int(0, 2); i > 0; i--) this.declareConst();
    const funcs: string[] = [];
    for (let i = r.chance(0.4) ? r.int(1, 2) : 0; i > 0; i--) funcs.push(this.declareFunc());
    const probes: string[] = [];
    for (let i = r.int(1, 3); i > 0; i--) probes.push(this.probe());
    const types: string[] = [];
    if (this.usesKey) types.push("interface Key {\n  a: u32;\n  b: u32;\n}");
    if (this.usesValue) types.push("interface Value {\n  count: u64;\n  last: u64;\n  name: Str<16>;\n}");
    if (this.usesEvent) types.push("interface Ev {\n  pid: u32;\n  ts: u64;\n  comm: Str<16>;\n  v: i64;\n}");
    for (const t of ["u8", "u16", "u32", "i32", "u64", "i64", "Str"]) this.typeImports.add(t);
    const names = [...this.imports].sort();
    const typeNames = [...this.typeImports].sort().map((t) => `type ${t}`);
    return [
      `// generated by test/fuzz (valid tracer)`,
      `import { ${[...names, ...typeNames].join(", ")} } from "tsbpf";`,
      "",
      ...types.map((t) => t + "\n"),
      ...this.decls,
      "",
      ...funcs,
      ...probes,
    ].join("\n");
  }

  private fresh(prefix: string): string {
    return `${prefix}${++this.counter}`;
  }

  // ---- module-level declarations

  private declareMap(): void {
    const r = this.r;
    const cls = r.pick<MapClass>(["HashMap", "HashMap", "LruHashMap", "PerCpuHashMap", "LruPerCpuHashMap", "ArrayMap", "ArrayMap", "PerCpuArrayMap"]);
    const array = cls === "ArrayMap" || cls === "PerCpuArrayMap";
    const key: KeyKind = array ? "u32" : r.pick(["u32", "u32", "u64", "str", "struct"]);
    const value: ValKind = r.pick(["u64", "u64", "u32", "i64", "struct"]);
    const size = array ? r.pick([1, 4, 16, 256]) : r.pick([64, 1024, 10240]);
    const def: MapDef = { name: this.fresh("m"), cls, key, value, size };
    if (key === "struct") this.usesKey = true;
    if (value === "struct") this.usesValue = true;
    this.maps.push(def);
    this.imports.add(cls);
    const v = this.valueType(value);
    const generics = array ? `<${v}>` : `<${this.keyType(key)}, ${v}>`;
    this.decls.push(`${this.r.chance(0.3) ? "export " : ""}const ${def.name} = new ${cls}${generics}(${size});`);
  }

  private keyType(k: KeyKind): string {
    return k === "str" ? "Str<16>" : k === "struct" ? "Key" : k;
  }

  private valueType(v: ValKind): string {
    return v === "struct" ? "Value" : v;
  }

  private declareAgg(): void {
    const r = this.r;
    const cls = r.pick<AggClass>(["Count", "Sum", "Min", "Max", "Avg", "Stats", "Histogram", "LinearHistogram"]);
    const keyed = r.pick([undefined, undefined, "u32", "str"] as const);
    const def: AggDef = { name: this.fresh("a"), cls, keyed };
    this.aggs.push(def);
    this.imports.add(cls);
    const generic = keyed ? `<${keyed === "str" ? "Str<16>" : "u32"}>` : "";
    const args = cls === "LinearHistogram" ? r.pick(["0, 100, 10", "0, 1000, 100", "10, 20, 1"]) : "";
    this.decls.push(`export const ${def.name} = new ${cls}${generic}(${args});`);
  }

  private declareChannel(): void {
    const cls = this.r.pick(["RingBuffer", "PerfEventArray"] as const);
    const def: ChannelDef = { name: this.fresh("ev"), cls };
    this.channels.push(def);
    this.usesEvent = true;
    this.imports.add(cls);
    this.decls.push(`export const ${def.name} = new ${cls}<Ev>(${cls === "RingBuffer" ? this.r.pick(["1 << 16", "4096", "1 << 20"]) : ""});`);
  }

  private declareParam(): void {
    const ty = this.r.pick(["u32", "u64", "boolean"] as const);
    const def: ParamDef = { name: this.fresh("P"), ty };
    this.params.push(def);
    this.imports.add("param");
    const init = ty === "u32" ? `param<u32>("${def.name.toLowerCase()}", ${this.r.pick(["0", "1", "100"])})`
      : ty === "u64" ? `param<u64>("${def.name.toLowerCase()}", ${this.r.pick(["0n", "1000n", "0xffffffffffffffffn"])})`
      : `param("${def.name.toLowerCase()}", ${this.r.pick(["true", "false"])})`;
    this.decls.push(`const ${def.name} = ${init};`);
  }

  private declareConst(): void {
    const big = this.r.chance(0.6);
    const v: Var = { name: this.fresh("K"), ty: big ? "u64" : "u32", mutable: false };
    this.consts.push(v);
    this.decls.push(`const ${v.name}${this.r.chance(0.7) ? `: ${v.ty}` : ""} = ${big ? this.r.pick(["1024n", "1n << 20n", "1000n", "0xffn", "7n"]) : this.r.pick(["16", "100", "0xff", "1 << 10"])};`);
  }

  private declareFunc(): string {
    const r = this.r;
    const params = Array.from({ length: r.int(1, 3) }, () => r.pick<Ty>(["u64", "u64", "u32", "i64"]));
    const ret = r.pick<Ty>(["u64", "u32"]);
    const def: FuncDef = { name: this.fresh("f"), params, ret };
    const saved = this.scope;
    const savedCtx = this.ctx;
    this.ctx = undefined;
    this.inFunc = true;
    this.scope = params.map((ty, k) => ({ name: `p${k}`, ty, mutable: false }));
    const body: string[] = [];
    if (r.chance(0.5)) body.push(`if (${this.cond(1)}) return ${this.expr(ret, 1)};`);
    for (let i = r.int(0, 3); i > 0; i--) body.push(...this.statement(1, false));
    body.push(`return ${this.expr(ret, 2)};`);
    this.scope = saved;
    this.ctx = savedCtx;
    this.inFunc = false;
    this.funcs.push(def);
    const sig = params.map((t, k) => `p${k}: ${t}`).join(", ");
    return `function ${def.name}(${sig}): ${ret} {\n${indent(body, 1)}\n}\n`;
  }

  // ---- probes

  private probe(): string {
    const r = this.r;
    const kind = r.weighted<ProbeKind>([[10, "tracepoint"], [2, "rawTracepoint"], [1, "kprobe"], [1, "kretprobe"], [1, "uprobe"],
      [1, "profile"], [1, "interval"], [0.3, "tpBtf"]]);
    let head: string;
    const ctx: ProbeCtx = { kind, big: [], num: [], strs: [], ptrs: [] };
    switch (kind) {
      case "tracepoint": {
        const name = r.pick(TRACEPOINTS);
        head = `tracepoint("${name}", `;
        for (const f of tracepointFields(name)) {
          const e = `ctx.${f.name}`;
          if (f.tsType === "u64" || f.tsType === "i64") ctx.big.push(e);
          else if (f.tsType === "ptr") {
            ctx.big.push(e);
            ctx.ptrs.push(e);
          } else if (/^(u8|u16|u32|i8|i16|i32)$/.test(f.tsType)) ctx.num.push(e);
          else if (/^Str</.test(f.tsType)) ctx.strs.push(e);
          else if (/^FixedArray<u64/.test(f.tsType)) ctx.big.push(`${e}[${r.int(0, 2)}]!`);
        }
        break;
      }
      case "rawTracepoint":
      case "tpBtf": {
        const tp = r.pick(["sched_switch", "sys_enter", "sched_process_exit"]);
        head = `${kind}("${tp}", `;
        // A BTF tracepoint's arguments are counted by the kernel's BTF (ctx.arg(2) of sys_enter is TSB2090): only
        // those that exist, so that the valid tracers stay valid. Raw tracepoints are checked at attach only.
        const n = kind === "tpBtf" ? (tp === "sched_switch" ? 3 : 2) : 3;
        for (let i = 0; i < n; i++) ctx.big.push(`ctx.arg(${i})`);
        break;
      }
      case "kprobe":
      case "kretprobe":
        head = `${kind}("${r.pick(["vfs_read", "do_sys_openat2", "tcp_sendmsg"])}", `;
        if (kind === "kprobe") ctx.big.push("ctx.arg0()", "ctx.arg1()", "ctx.arg2()");
        else ctx.big.push("ctx.retval()");
        ctx.big.push("ctx.ip()");
        break;
      case "uprobe":
        head = `uprobe("libc", "${r.pick(["malloc", "free", "getaddrinfo"])}", `;
        ctx.big.push("ctx.arg0()", "ctx.arg1()");
        ctx.ptrs.push("ctx.arg0()");
        break;
      case "profile":
        head = `profile(${r.pick([49, 99, 1000])}, `;
        ctx.big.push("ctx.ip()");
        break;
      case "interval":
        head = `interval(${r.pick([10, 100, 1000])}, `;
        ctx.big.push("ctx.ip()");
        break;
    }
    this.imports.add(kind);
    this.ctx = ctx;
    this.scope = [];
    const n = this.opts.statements ?? r.int(4, 14);
    const body: string[] = [];
    for (let i = 0; i < n; i++) {
      const st = this.statement(0, true);
      body.push(...st);
      if (st.length === 1 && st[0] === "return;") break;
    }
    if (r.chance(0.2)) body.push(`return ${r.pick(["0", "1"])};`);
    const optional = r.chance(0.1) && !["profile", "interval"].includes(kind) ? "{ optional: true }, " : "";
    this.ctx = undefined;
    return `${head}${optional}(ctx) => {\n${indent(body, 1)}\n});\n`;
  }

  // ---- statements

  /** One statement (possibly several lines, as an array of lines); `handler` allows probe-only constructs. */
  private statement(depth: number, handler: boolean): string[] {
    const r = this.r;
    const deep = depth >= 3;
    const kind = r.weighted<string>([
      [6, "local"], [3, "assign"], [deep ? 0 : 3, "if"], [deep ? 0 : 1.2, "for"], [deep ? 0 : 0.8, "switch"],
      [this.maps.length ? 5 : 0, "map"], [this.aggs.length ? 3 : 0, "agg"], [this.channels.length && handler ? 1.5 : 0, "emit"],
      [handler && !deep ? 0.6 : 0, "loop"], [0.5, "printk"], [depth > 0 ? 0.5 : 0.15, "return"], [0.5, "string"],
      [this.ctx?.ptrs.length ? 0.7 : 0, "read"], [0.3, "kernelField"],
    ]);
    switch (kind) {
      case "local": {
        const ty = r.pick<Ty>(["u64", "u64", "i64", "u32", "u32", "i32", "u16", "u8"]);
        const mutable = r.chance(0.5);
        const v: Var = { name: this.fresh("v"), ty, mutable };
        const init = this.expr(ty, 3);
        this.scope.push(v);
        return [`${mutable ? "let" : "const"} ${v.name}: ${ty} = ${init};`];
      }
      case "assign": {
        const targets = this.scope.filter((v) => v.mutable);
        if (targets.length === 0) return this.statement(depth, handler);
        const v = r.pick(targets);
        const op = r.pick(["=", "+=", "-=", "|=", "&=", "^=", "*=", isBig(v.ty) ? "<<=" : "+="]);
        const rhs = op === "<<=" ? r.pick(["1n", "3n", "(" + this.expr("u64", 1) + ") & 63n"]) : this.expr(v.ty, 2);
        return [`${v.name} ${op} ${rhs};`];
      }
      case "if": {
        const lines = [`if (${this.cond(2)}) {`, ...indent2(this.block(depth + 1, handler))];
        if (r.chance(0.4)) lines.push("} else {", ...indent2(this.block(depth + 1, handler)));
        lines.push("}");
        return lines;
      }
      case "for": {
        const i = this.fresh("i");
        const limit = r.pick([3, 6, 8, 9, 16, 20, 64]);
        const step = r.pick(["++", "++", " += 2"]);
        const saved = this.scope.length;
        this.scope.push({ name: i, ty: "u32", mutable: false });
        this.loopDepth++;
        const body = this.block(depth + 1, handler);
        if (r.chance(0.3)) body.unshift(`if (${this.cond(1)}) ${r.pick(["break", "continue"])};`);
        this.loopDepth--;
        this.scope.length = saved;
        return [`for (let ${i} = 0; ${i} < ${limit}; ${i}${step}) {`, ...indent2(body), "}"];
      }
      case "switch": {
        const big = r.chance(0.4);
        const lines = [`switch (${this.operand(big)}) {`];
        const used = new Set<string>();
        for (let c = r.int(1, 4); c > 0; c--) {
          const lit = String(r.int(0, 70)) + (big ? "n" : "");
          if (used.has(lit)) continue;
          used.add(lit);
          lines.push(`  case ${lit}:`, ...indent2(indent2(this.block(depth + 1, handler))));
          if (r.chance(0.8)) lines.push("    break;");
        }
        if (r.chance(0.6)) lines.push("  default:", ...indent2(indent2(this.block(depth + 1, handler))));
        lines.push("}");
        return lines;
      }
      case "map":
        return this.mapStatement(depth);
      case "agg":
        return this.aggStatement();
      case "emit":
        return this.emitStatement();
      case "loop": {
        const i = this.fresh("j");
        const saved = this.scope.length;
        // captured variables may be read and assigned inside the callback
        this.scope.push({ name: i, ty: "u32", mutable: false });
        const body = this.block(depth + 2, false).filter((l) => !/^return\b|\breturn;/.test(l.trim()));
        this.scope.length = saved;
        return [`bpf.loop(${r.pick(["10", "100", "1000", "4"])}, (${i}) => {`, ...indent2(body), `  return ${this.cond(1)};`, "});"];
      }
      case "printk":
        return [`bpf.tracePrintk("${r.pick(["x=%d", "a %d b %d", "%llu"])}", ${this.expr(r.pick(["u32", "u64"]), 1)});`];
      case "return":
        return [this.loopDepth > 0 && r.chance(0.5) ? "break;" : this.ret()];
      case "string": {
        const s = this.fresh("s");
        const src = this.ctx?.strs.length && r.chance(0.5) ? r.pick(this.ctx.strs) : "bpf.comm()";
        return [`const ${s} = ${src};`, `if (${s} ${r.pick(["===", "!=="])} "${r.pick(["bash", "", "swapper/0", "a-very-long-name-longer-than-16"])}") ${r.pick([this.ret(), "{}"])}`];
      }
      case "read": {
        const v: Var = { name: this.fresh("v"), ty: "u64", mutable: false };
        const p = r.pick(this.ctx!.ptrs);
        const line = r.chance(0.5) ? `const ${v.name}: u64 = bpf.probeReadUser<u64>(${p});`
          : `const ${v.name}: u64 = BigInt(bpf.probeReadUserStr(${p}, ${r.pick([16, 64, 256])}) === "x" ? 1 : 0);`;
        this.scope.push(v);
        return [line];
      }
      case "kernelField": {
        this.typeImports.add("ptr");
        const t = this.fresh("t");
        const v: Var = { name: this.fresh("v"), ty: "i32", mutable: false };
        this.scope.push(v);
        return [`const ${t} = bpf.currentTask();`, `const ${v.name}: i32 = bpf.readKernelField<i32>(${t}, "task_struct", "${r.pick(["tgid", "pid"])}");`];
      }
      default:
        throw new Error(`statement kind ${kind}`);
    }
  }

  /** A nested block: its own scope. */
  private block(depth: number, handler: boolean): string[] {
    const saved = this.scope.length;
    const lines: string[] = [];
    for (let i = this.r.int(1, 3); i > 0; i--) {
      const st = this.statement(depth, handler);
      lines.push(...st);
      // nothing after a jump: TypeScript does not narrow in unreachable code
      if (st.length === 1 && /^(return\b|break;|continue;)/.test(st[0]!)) break;
    }
    this.scope.length = saved;
    return lines;
  }

  private keyExpr(k: KeyKind, array: boolean, size: number): string {
    const r = this.r;
    if (array) {
      // in range, at the bound, or a variable: the compiler must prove or check an index
      return r.weighted([[5, String(r.int(0, size - 1))], [1, String(size)], [2, this.expr("u32", 1)], [1, `${this.expr("u32", 1)} % ${size}`]]);
    }
    switch (k) {
      case "u32": return this.expr("u32", 1);
      case "u64": return this.expr("u64", 1);
      case "str": return r.chance(0.6) ? "bpf.comm()" : `"${r.pick(["bash", "k", ""])}"`;
      case "struct": return `{ a: ${this.expr("u32", 1)}, b: ${this.expr("u32", 1)} }`;
    }
  }

  private valueExpr(v: ValKind): string {
    if (v === "struct") return `{ count: ${this.expr("u64", 1)}, last: bpf.ktimeGetNs(), name: bpf.comm() }`;
    return this.expr(v, 2);
  }

  private mapStatement(depth: number): string[] {
    const r = this.r;
    const m = r.pick(this.maps);
    const array = m.cls === "ArrayMap" || m.cls === "PerCpuArrayMap";
    const key = this.keyExpr(m.key, array, m.size);
    const op = r.weighted<string>([[3, "set"], [array ? 0 : 1, "delete"], [m.value === "struct" ? 0 : 2, "add"],
      [6, "get"], [array ? 0 : 1, "has"]]);
    switch (op) {
      case "set":
        return [`${m.name}.set(${key}, ${this.valueExpr(m.value)}${array ? "" : r.pick(["", "", ', "noexist"', ', "exist"', ', "any"'])});`];
      case "delete":
        return [`${m.name}.delete(${key});`];
      case "add":
        return [`${m.name}.add(${key}, ${this.expr(m.value === "u32" ? "u32" : "u64", 1)});`];
      case "has":
        return [`if (${m.name}.has(${key})) {`, ...indent2(this.block(depth + 1, true)), "}"];
      default:
        return this.lookup(m, key, depth);
    }
  }

  /** A lookup and a use of its value: checked in each of the ways TypeScript narrows, or not at all. */
  private lookup(m: MapDef, key: string, depth: number): string[] {
    const r = this.r;
    const v = this.fresh("g");
    if (m.value === "struct") {
      const how = r.weighted([[3, "if"], [3, "early"], [1, "optional"]]);
      if (how === "optional") {
        const x: Var = { name: this.fresh("v"), ty: "u64", mutable: false };
        this.scope.push(x);
        return [`const ${x.name}: u64 = ${m.name}.get(${key})?.count ?? 0n;`];
      }
      const use = r.pick([`${v}.count += ${this.expr("u64", 1)};`, `${v}.last = bpf.ktimeGetNs();`, `${v}.name = bpf.comm();`,
        `${m.name}.set(${this.keyExpr(m.key, m.cls.endsWith("ArrayMap"), m.size)}, { count: ${v}.count + 1n, last: ${v}.last, name: ${v}.name });`]);
      if (how === "early") {
        if (depth === 0 && this.loopDepth === 0 && !this.inFunc) return [`const ${v} = ${m.name}.get(${key});`, `if (${v} === undefined) return;`, use];
        return [`const ${v} = ${m.name}.get(${key});`, `if (${v} !== undefined) {`, `  ${use}`, "}"];
      }
      return [`const ${v} = ${m.name}.get(${key});`, `if (${v}) {`, `  ${use}`, "}"];
    }
    const ty: Ty = m.value;
    const lit = this.literal(ty);
    const how = r.weighted<string>([[4, "early"], [3, "if"], [3, "default"], [1.2, "compare"], [0.8, "compareVar"], [0.6, "orZero"]]);
    const x: Var = { name: v, ty, mutable: false };
    switch (how) {
      case "early":
        if (depth === 0 && this.loopDepth === 0 && !this.inFunc) {
          this.scope.push(x);
          return [`const ${v} = ${m.name}.get(${key});`, `if (${v} === undefined) return;`];
        }
        return [`const ${v} = ${m.name}.get(${key});`, `if (${v} !== undefined) {`, `  ${m.name}.set(${key}, ${v} + ${lit});`, "}"];
      case "if":
        return [`const ${v} = ${m.name}.get(${key});`, `if (${v} !== undefined && ${v} > ${lit}) {`, ...indent2(this.block(depth + 1, true)), "}"];
      case "default":
        this.scope.push(x);
        return [`const ${v}: ${ty} = ${m.name}.get(${key}) ?? ${lit};`];
      case "compare":
        // TypeScript's meaning is defined (false when the key is absent): the compiler must emit the null check.
        return [`if (${m.name}.get(${key}) ${r.pick(["===", "!=="])} ${lit}) {`, ...indent2(this.block(depth + 1, true)), "}"];
      case "compareVar":
        return [`const ${v} = ${m.name}.get(${key});`, `if (${v} ${r.pick(["===", "!=="])} ${lit}) ${this.ret()}`];
      default:
        return [`const ${v} = ${m.name}.get(${key}) || ${lit};`];
    }
  }

  private aggStatement(): string[] {
    const r = this.r;
    const a = r.pick(this.aggs);
    const key = a.keyed === "u32" ? `${this.expr("u32", 1)}, ` : a.keyed === "str" ? "bpf.comm(), " : "";
    if (a.cls === "Count") return [`${a.name}.increment(${key.replace(/, $/, "")});`];
    const value = this.expr(r.pick(["u64", "u32", "i64", "i32"]), 2);
    return [`${a.name}.${a.cls === "Sum" ? "add" : "record"}(${key}${value});`];
  }

  private emitStatement(): string[] {
    const r = this.r;
    const c = r.pick(this.channels);
    const lit = `{ pid: ${this.expr("u32", 1)}, ts: ${this.expr("u64", 1)}, comm: bpf.comm(), v: ${this.expr("i64", 1)} }`;
    if (r.chance(0.3)) {
      const e = this.fresh("e");
      return [`const ${e}: Ev = ${lit};`, `${c.name}.${r.pick(["output", "emit"])}(${e});`];
    }
    return r.chance(0.3) ? [`if (!${c.name}.emit(${lit})) ${this.ret()}`] : [`${c.name}.emit(${lit});`];
  }

  /** `return;` where the enclosing function returns nothing, an empty statement inside module functions. */
  private ret(): string {
    return this.inFunc ? "{}" : "return;";
  }

  // ---- expressions

  private literal(ty: Ty): string {
    const r = this.r;
    if (isBig(ty)) return r.pick(ty === "i64" && r.chance(0.3) ? SIGNED_BIG_LITERALS : BIG_LITERALS);
    return r.chance(0.3) ? r.pick(NUM_BOUNDS[ty]) : r.pick(NUM_LITERALS.filter((l) => fits(ty, Number(l))));
  }

  private vars(ty: "big" | "num"): string[] {
    const out = [...this.scope, ...this.consts].filter((v) => isBig(v.ty) === (ty === "big")).map((v) => v.name);
    for (const p of this.params) if ((p.ty === "u64") === (ty === "big") && p.ty !== "boolean") out.push(p.name);
    if (this.ctx) out.push(...(ty === "big" ? this.ctx.big : this.ctx.num));
    return out;
  }

  /** An expression of type `ty` (a `bigint` one for u64/i64, a `number` one otherwise). */
  expr(ty: Ty, depth: number): string {
    return isBig(ty) ? this.bigExpr(depth, ty) : this.numExpr(depth, ty);
  }

  private bigExpr(depth: number, ty: Ty = "u64"): string {
    const r = this.r;
    const vars = this.vars("big");
    const choice = r.weighted<string>([
      [3, "lit"], [vars.length ? 6 : 0, "var"], [2, "helper"], [depth > 0 ? 5 : 0, "binary"], [depth > 0 ? 1 : 0, "div"],
      [depth > 0 ? 1 : 0, "shift"], [depth > 0 ? 1 : 0, "conv"], [depth > 0 ? 0.6 : 0, "ternary"], [depth > 0 && this.funcs.length ? 0.8 : 0, "call"],
      [depth > 0 && this.maps.some((m) => m.value === "u64" || m.value === "i64") ? 0.8 : 0, "lookup"],
    ]);
    switch (choice) {
      case "lit": return this.literal(ty);
      case "var": return r.pick(vars);
      case "helper": return r.pick(["bpf.ktimeGetNs()", "bpf.pidTgid()", "bpf.uidGid()", "bpf.ktimeGetBootNs()", "bpf.jiffies()", "bpf.cgroupId()"]);
      case "binary": return `(${this.bigExpr(depth - 1)} ${r.pick(["+", "-", "*", "&", "|", "^"])} ${this.bigExpr(depth - 1)})`;
      case "div": {
        const divisor = r.weighted([[4, r.pick(["1n", "2n", "3n", "1000n", "4096n", "0xffffffffn"])], [2, this.bigExpr(depth - 1)], [1, `(${this.bigExpr(depth - 1)} | 1n)`]]);
        return `(${this.bigExpr(depth - 1)} ${r.pick(["/", "%"])} ${divisor})`;
      }
      case "shift": {
        const amount = r.weighted([[4, r.pick(["0n", "1n", "8n", "31n", "32n", "63n"])], [2, `(${this.bigExpr(depth - 1)} & 63n)`], [1, this.bigExpr(depth - 1)]]);
        return `(${this.bigExpr(depth - 1)} ${r.pick(["<<", ">>"])} ${amount})`;
      }
      case "conv": return `BigInt(${this.numExpr(depth - 1)})`;
      case "ternary": return `(${this.cond(depth - 1)} ? ${this.bigExpr(depth - 1)} : ${this.bigExpr(depth - 1)})`;
      case "call": return this.call(depth, true) ?? this.literal(ty);
      case "lookup": {
        const m = r.pick(this.maps.filter((m) => m.value === "u64" || m.value === "i64"));
        return `(${m.name}.get(${this.keyExpr(m.key, m.cls.endsWith("ArrayMap"), m.size)}) ?? ${this.literal(ty)})`;
      }
      default: throw new Error(choice);
    }
  }

  private numExpr(depth: number, ty: Ty = "u32"): string {
    const r = this.r;
    const vars = this.vars("num");
    const choice = r.weighted<string>([
      [3, "lit"], [vars.length ? 6 : 0, "var"], [2, "helper"], [depth > 0 ? 4 : 0, "binary"], [depth > 0 ? 0.7 : 0, "mod"],
      [depth > 0 ? 0.8 : 0, "shift"], [depth > 0 ? 1 : 0, "conv"], [depth > 0 ? 0.5 : 0, "ternary"], [depth > 0 && this.funcs.length ? 0.5 : 0, "call"],
    ]);
    switch (choice) {
      case "lit": return this.literal(ty);
      case "var": return r.pick(vars);
      case "helper": return r.pick(["bpf.pid()", "bpf.tid()", "bpf.cpu()", "bpf.uid()", "bpf.gid()", "bpf.random()", "bpf.numaNodeId()"]);
      case "binary": return `(${this.numExpr(depth - 1)} ${r.pick(["+", "-", "*", "&", "|", "^"])} ${this.numExpr(depth - 1)})`;
      case "mod": return `(${this.numExpr(depth - 1)} % ${r.chance(0.6) ? r.pick(["2", "10", "255"]) : this.numExpr(depth - 1)})`;
      case "shift": return `(${this.numExpr(depth - 1)} ${r.pick(["<<", ">>", ">>>"])} ${r.chance(0.7) ? r.pick(["0", "1", "4", "31"]) : this.numExpr(depth - 1)})`;
      case "conv": return `Number(${this.bigExpr(depth - 1)})`;
      case "ternary": return `(${this.cond(depth - 1)} ? ${this.numExpr(depth - 1)} : ${this.numExpr(depth - 1)})`;
      case "call": return this.call(depth, false) ?? this.literal(ty);
      default: throw new Error(choice);
    }
  }

  /** A non-literal operand: comparing two literals is a TypeScript error (no overlap). */
  private operand(big: boolean): string {
    const vars = this.vars(big ? "big" : "num").filter((v) => !/^K\d/.test(v));
    if (vars.length && this.r.chance(0.8)) return this.r.pick(vars);
    return big ? this.r.pick(["bpf.ktimeGetNs()", "bpf.pidTgid()"]) : this.r.pick(["bpf.pid()", "bpf.cpu()"]);
  }

  private call(depth: number, big: boolean): string | undefined {
    const fs = this.funcs.filter((f) => isBig(f.ret) === big);
    if (fs.length === 0) return undefined;
    const f = this.r.pick(fs);
    return `${f.name}(${f.params.map((t) => this.expr(t, depth - 1)).join(", ")})`;
  }

  cond(depth: number): string {
    const r = this.r;
    const bools = this.params.filter((p) => p.ty === "boolean").map((p) => p.name);
    const choice = r.weighted<string>([[5, "cmpBig"], [4, "cmpNum"], [depth > 0 ? 2 : 0, "logic"], [depth > 0 ? 0.6 : 0, "not"],
      [bools.length ? 1 : 0, "param"], [0.4, "str"], [this.maps.some((m) => !m.cls.endsWith("ArrayMap")) ? 0.5 : 0, "has"]]);
    const cmp = () => r.pick(["===", "!==", "<", "<=", ">", ">="]);
    switch (choice) {
      case "cmpBig": return `${this.operand(true)} ${cmp()} ${this.bigExpr(Math.max(0, depth - 1))}`;
      case "cmpNum": return `${this.operand(false)} ${cmp()} ${this.numExpr(Math.max(0, depth - 1))}`;
      case "logic": return `(${this.cond(depth - 1)}) ${r.pick(["&&", "||"])} (${this.cond(depth - 1)})`;
      case "not": return `!(${this.cond(depth - 1)})`;
      case "param": return r.pick(bools);
      case "str": return `bpf.comm() ${r.pick(["===", "!=="])} "${r.pick(["sshd", "bash", ""])}"`;
      default: {
        const m = r.pick(this.maps.filter((m) => !m.cls.endsWith("ArrayMap")));
        return `${m.name}.has(${this.keyExpr(m.key, false, m.size)})`;
      }
    }
  }
}

function fits(ty: Ty, n: number): boolean {
  switch (ty) {
    case "u8": return n >= 0 && n <= 0xff;
    case "u16": return n >= 0 && n <= 0xffff;
    case "u32": return n >= 0 && n <= 0xffffffff;
    case "i32": return n >= -0x80000000 && n <= 0x7fffffff;
    default: return true;
  }
}

function indent(lines: readonly string[], level: number): string {
  return lines.map((l) => "  ".repeat(level) + l).join("\n");
}

function indent2(lines: readonly string[]): string[] {
  return lines.map((l) => "  " + l);
}
