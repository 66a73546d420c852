// `bpf.*` helper calls: the call node in, IR out. Every helper of core/helpers/table.ts is lowered here (a test
// checks it): those without arguments that return an integer from the table alone (`part`, `ctxArg`), the others by
// a lowering of their own. The helper id comes from the table, so the two cannot disagree.

import { ts } from "ts-morph";
import { HELPERS, type HelperDef, probesOf } from "../../core/helpers/table.ts";
import { skipParens } from "../frontend/module.ts";
import { DEFAULT_STACK_DEPTH, type IntType, MAX_STACK_DEPTH, U32, U64, framesDesc, intOf } from "../frontend/types.ts";
import { BpfFunc } from "../../core/asm/helpers.ts";
import { USTACK_PIDS_MAP, stackMapName } from "../../core/object/names.ts";
import { lookup, mapFd, update } from "./maps.ts";
import { type Operand, imm, reg } from "../ir/ir.ts";
import { type TypeDesc, layoutOf } from "../../core/object/layout.ts";
import { ERROR, type LowerCtx, VOID, type Val, scalar } from "./context.ts";
import { addressOf, lowerExpr } from "./expressions.ts";
import { lowerLoopCall } from "./functions.ts";
import { type Mem, loadInt, newMem, toScalar, zeroBytes } from "./values.ts";

type Lowering = (cx: LowerCtx, call: ts.CallExpression, h: HelperDef, dst: Mem | undefined) => Val;


/** The result types a helper lowered from the table may have (its signature is `(): <type>`). */
const TABLE_RESULTS: Readonly<Record<string, IntType>> = { u32: U32, u64: U64, ptr: U64 };

/** The integer a helper lowered from the table returns, or undefined when the helper needs a lowering of its own. */
function tableResult(h: HelperDef): IntType | undefined {
  const m = /^\(\): (\w+)(<\w+>)?$/.exec(h.signature);
  // A `KernelPtr<T>` is a pointer: its fields are read by lowering kernel.ts.
  return m ? TABLE_RESULTS[m[2] && m[1] === "KernelPtr" ? "ptr" : m[1]!] : undefined;
}

/** bpf.x() of a helper without arguments: the call, and the half of its result the table names. */
function fromTable(type: IntType): Lowering {
  return (cx, call, h) => {
    if (call.arguments.length) return cx.error("TSB2027", [`bpf.${h.name}()`, 0], call);
    const r = cx.b.call(h.id, h.ctxArg ? [reg(cx.ctxReg)] : []);
    const v = h.part === "low32" ? cx.b.ext(r, 32, false) : h.part === "high32" ? cx.b.bin("lshr", r, imm(32)) : r;
    return scalar(v, type);
  };
}

/** A constant integer argument (sizes, capacities). */
function constArg(cx: LowerCtx, e: ts.Expression | undefined, what: string, at: ts.Node): number | undefined {
  const v = e ? lowerExpr(cx, e) : undefined;
  if (!v || v.kind !== "scalar" || v.op.kind !== "imm") {
    cx.error("TSB1016", [what], e ?? at);
    return undefined;
  }
  return Number(v.op.value);
}

function pointerArg(cx: LowerCtx, e: ts.Expression | undefined, h: HelperDef, at: ts.Node): Operand | undefined {
  if (!e) {
    cx.error("TSB2028", [`bpf.${h.name}()`, "pointer"], at);
    return undefined;
  }
  return toScalar(cx, lowerExpr(cx, e), e)?.op;
}

/** The type argument of bpf.probeReadUser<T>(): what to read. */
function readType(cx: LowerCtx, call: ts.CallExpression, name: string): TypeDesc | undefined {
  const node = call.typeArguments?.[0];
  if (!node) {
    cx.error("TSB2031", [name], call, `e.g. bpf.${name}<u64>(ptr)`);
    return undefined;
  }
  return cx.p.types.fromNode(node, `bpf.${name}<T>()`);
}

/** bpf.probeReadUser<T>(src) / bpf.probeReadKernel<T>(src): T read into a stack buffer (zeroed on failure). */
function probeRead(cx: LowerCtx, call: ts.CallExpression, h: HelperDef, dst: Mem | undefined): Val {
  const t = readType(cx, call, h.name);
  const src = pointerArg(cx, call.arguments[0], h, call);
  if (!t || !src) return ERROR;
  cx.at(call);
  const m = dst && layoutOf(dst.type).size === layoutOf(t).size ? dst : newMem(cx, t, `bpf.${h.name}()`, call);
  cx.b.call(h.id, [addressOf(cx, m), imm(layoutOf(t).size), src]);
  if (m === dst) return VOID;
  const it = intOf(t);
  if (it) return scalar(loadInt(cx, m.base, m.off, it), it);
  return { kind: "mem", ...m };
}

/** A string literal argument (a struct or field name). */
function nameArg(cx: LowerCtx, e: ts.Expression | undefined, what: string, pattern: RegExp, at: ts.Node): string | undefined {
  const s = e ? skipParens(e) : undefined;
  if (!s || !(ts.isStringLiteral(s) || ts.isNoSubstitutionTemplateLiteral(s))) {
    cx.error("TSB1065", [what], e ?? at);
    return undefined;
  }
  if (!pattern.test(s.text)) {
    cx.error("TSB2026", [JSON.stringify(s.text), what], s);
    return undefined;
  }
  return s.text;
}

/**
 * bpf.readKernelField<T>(src, "struct", "field"): bpf_probe_read_kernel of the field at its offset in the running
 * kernel, which the loader takes from the kernel's BTF (a `btf_field` relocation, as CO-RE does).
 */
function readKernelField(cx: LowerCtx, call: ts.CallExpression, h: HelperDef, dst: Mem | undefined): Val {
  const t = readType(cx, call, h.name);
  const src = pointerArg(cx, call.arguments[0], h, call);
  const struct = nameArg(cx, call.arguments[1], "struct name", /^[A-Za-z_]\w*$/, call);
  const field = nameArg(cx, call.arguments[2], "field name", /^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$/, call);
  if (!t || !src || !struct || !field) return ERROR;
  cx.at(call);
  const size = layoutOf(t).size;
  const addr = cx.b.newReg();
  cx.b.emit({ op: "fieldoff", dst: addr, a: src, reloc: { kind: "btf_field", struct, field, size } });
  const m = dst && layoutOf(dst.type).size === size ? dst : newMem(cx, t, `bpf.${h.name}()`, call);
  cx.b.call(h.id, [addressOf(cx, m), imm(size), reg(addr)]);
  if (m === dst) return VOID;
  const it = intOf(t);
  if (it) return scalar(loadInt(cx, m.base, m.off, it), it);
  return { kind: "mem", ...m };
}

/** bpf.probeRead*Str(src, N): up to N - 1 bytes and a NUL into a zeroed Str<N> buffer. */
function probeReadStr(cx: LowerCtx, call: ts.CallExpression, h: HelperDef, dst: Mem | undefined): Val {
  const src = pointerArg(cx, call.arguments[0], h, call);
  const cap = constArg(cx, call.arguments[1], "the capacity", call);
  if (!src || cap === undefined) return ERROR;
  if (cap < 1 || cap > 4096) return cx.error("TSB1070", ["the capacity", 1, 4096], call.arguments[1]!);
  cx.at(call);
  const t: TypeDesc = { kind: "string", capacity: cap };
  const m = dst && dst.type.kind === "string" && dst.type.capacity === cap ? dst : newMem(cx, t, `bpf.${h.name}()`, call);
  // The helper leaves the bytes after the NUL as they were: zero them so the string compares and hashes by value
  // (not needed in a ring buffer record: user space reads up to the NUL).
  if (!inEventRecord(cx, m)) zeroBytes(cx, m.base, m.off, cap);
  cx.b.call(h.id, [addressOf(cx, m), imm(cap), src]);
  return m === dst ? VOID : { kind: "mem", ...m };
}

/** Whether `m` is in the event record being built (a reserved ring buffer record). */
export function inEventRecord(cx: LowerCtx, m: Mem): boolean {
  const r = cx.eventRecord;
  return !!r && r.kind === "reg" && m.base.kind === "reg" && m.base.id === r.id;
}

/** bpf.tracepointString(ctx, ctx.field, N): a `__data_loc` string of the tracepoint record. */
function tracepointString(cx: LowerCtx, call: ts.CallExpression, h: HelperDef, dst: Mem | undefined): Val {
  const [ctxE, fieldE, capE] = call.arguments;
  if (!ctxE || lowerExpr(cx, ctxE).kind !== "ctx") return cx.error("TSB2032", [h.name], ctxE ?? call);
  const loc = fieldE ? toScalar(cx, lowerExpr(cx, fieldE), fieldE) : undefined;
  const cap = constArg(cx, capE, "the capacity", call);
  if (!loc || cap === undefined) return ERROR;
  cx.at(call);
  const off = cx.b.bin("and", loc.op, imm(0xffff));
  const addr = cx.b.bin("add", reg(cx.ctxReg), off);
  const t: TypeDesc = { kind: "string", capacity: cap };
  const m = dst && dst.type.kind === "string" && dst.type.capacity === cap ? dst : newMem(cx, t, "bpf.tracepointString()", call);
  if (!inEventRecord(cx, m)) zeroBytes(cx, m.base, m.off, cap);
  cx.b.call(h.id, [addressOf(cx, m), imm(cap), addr]);
  return m === dst ? VOID : { kind: "mem", ...m };
}

/**
 * bpf.comm(): the task's name, written by the helper straight into its destination. Zeroed first outside an event
 * record: on some kernels (6.1's) the helper copies with strscpy, which leaves the bytes past the NUL as they were,
 * and a name used as a map key must hash and compare by value (test/kernel/second-kernel.test.ts saw one comm split
 * into several keys).
 */
function comm(cx: LowerCtx, call: ts.CallExpression, h: HelperDef, dst: Mem | undefined): Val {
  cx.at(call);
  const m = dst && dst.type.kind === "string" && dst.type.capacity === 16 ? dst : newMem(cx, { kind: "string", capacity: 16 }, "bpf.comm()", call);
  if (!inEventRecord(cx, m)) zeroBytes(cx, m.base, m.off, 16);
  cx.b.call(h.id, [addressOf(cx, m), imm(16)]);
  return m === dst ? VOID : { kind: "mem", ...m };
}

/** bpf.tracePrintk(fmt, ...args): at most three integer arguments; the format lives on the stack. */
function tracePrintk(cx: LowerCtx, call: ts.CallExpression, h: HelperDef): Val {
  const [fmtE, ...argEs] = call.arguments;
  const fmt = fmtE ? skipParens(fmtE) : undefined;
  if (!fmt || !(ts.isStringLiteral(fmt) || ts.isNoSubstitutionTemplateLiteral(fmt))) return cx.error("TSB1065", ["the format"], fmtE ?? call);
  if (argEs.length > 3) return cx.error("TSB2005", ["the format of bpf.tracePrintk()", 3], argEs[3]!);
  const args: Operand[] = [];
  for (const a of argEs) {
    const s = toScalar(cx, lowerExpr(cx, a), a);
    if (!s) return ERROR;
    args.push(s.op);
  }
  cx.at(call);
  const bytes = new TextEncoder().encode(fmt.text);
  // The format is stored in whole 8-byte words (the slot is rounded up to them); the helper reads len + 1 bytes.
  const padded = new Uint8Array(Math.ceil((bytes.length + 1) / 8) * 8);
  padded.set(bytes);
  const m = newMem(cx, { kind: "string", capacity: padded.length }, "bpf.tracePrintk() format", call);
  for (let at = 0; at < padded.length; at += 8) {
    let v = 0n;
    for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(padded[at + i]!);
    const signed = BigInt.asIntN(64, v);
    cx.b.store(m.base, m.off + at, 8, signed > 0x7fffffffn || signed < -0x80000000n ? cx.b.mov(imm(signed)) : imm(signed));
  }
  cx.b.call(h.id, [addressOf(cx, m), imm(bytes.length + 1), ...args]);
  return VOID;
}

function sendSignal(cx: LowerCtx, call: ts.CallExpression, h: HelperDef): Val {
  const s = call.arguments[0] ? toScalar(cx, lowerExpr(cx, call.arguments[0]), call.arguments[0]) : undefined;
  if (!s) return cx.error("TSB2028", ["bpf.sendSignal()", "signal number"], call);
  cx.at(call);
  cx.b.call(h.id, [s.op]);
  return VOID;
}

/** bpf_get_stackid's flags (uapi bpf.h): frames to skip, a user stack, compare by hash only. */
const BPF_F_SKIP_FIELD_MASK = 0xff;
const BPF_F_USER_STACK = 1 << 8;
const BPF_F_FAST_STACK_CMP = 1 << 9;

/**
 * The options of bpf.kstack()/bpf.ustack() (depth, skip, fast) and bpf.kframes()/bpf.uframes() (depth, skip: the
 * kernel's bpf_get_stack has no fast comparison), each a constant.
 */
function stackOptions(cx: LowerCtx, e: ts.Expression | undefined, name: string): { depth: number; skip: number; fast: boolean } | undefined {
  const out = { depth: DEFAULT_STACK_DEPTH, skip: 0, fast: false };
  if (!e) return out;
  const o = skipParens(e);
  if (!ts.isObjectLiteralExpression(o)) {
    cx.error("TSB1066", [`bpf.${name}()`], e, `e.g. bpf.${name}({ depth: 20, skip: 1 })`);
    return undefined;
  }
  const known = name === "kstack" || name === "ustack" ? ["depth", "skip", "fast"] : ["depth", "skip"];
  let ok = true;
  for (const prop of o.properties) {
    if (!ts.isPropertyAssignment(prop) || !ts.isIdentifier(prop.name)) {
      cx.error("TSB1067", [], prop);
      ok = false;
      continue;
    }
    const key = prop.name.text;
    if (!known.includes(key)) {
      cx.error("TSB1088", [`bpf.${name}()`, key, known.join(", ")], prop.name);
      ok = false;
      continue;
    }
    const v = constArg(cx, prop.initializer, `bpf.${name}()'s ${key}`, prop);
    if (v === undefined) {
      ok = false;
      continue;
    }
    const range = key === "depth" ? [1, MAX_STACK_DEPTH] : key === "skip" ? [0, BPF_F_SKIP_FIELD_MASK] : [0, 1];
    if (!Number.isInteger(v) || v < range[0]! || v > range[1]!) {
      cx.error("TSB2059", [String(v), `bpf.${name}()'s ${key}`, range[0]!, range[1]!], prop.initializer,
        key === "depth" ? "the kernel keeps at most kernel.perf_event_max_stack frames (127 by default)" : undefined);
      ok = false;
      continue;
    }
    if (key === "depth") out.depth = v;
    else if (key === "skip") out.skip = v;
    else if (key === "fast") out.fast = v !== 0;
  }
  return ok ? out : undefined;
}

/**
 * bpf.kstack() / bpf.ustack(): bpf_get_stackid into the tracer's stack trace map of that kind and depth (made once
 * for the module, compiler/index.ts), and the value a key or field holds: the id (or the negative errno) in the low
 * 32 bits, and for a user stack the process in the high 32 bits, which the output needs to symbolize it.
 */
function stack(cx: LowerCtx, call: ts.CallExpression, h: HelperDef): Val {
  const kind = h.name === "kstack" ? "kstack" : "ustack";
  if (call.arguments.length > 1) return cx.error("TSB2027", [`bpf.${h.name}()`, 1], call.arguments[1]!);
  const o = stackOptions(cx, call.arguments[0], h.name);
  if (!o) return ERROR;
  cx.at(call);
  const map = stackMapName(kind, o.depth);
  cx.p.stackMaps.set(map, { stack: kind, depth: o.depth });
  const flags = o.skip | (kind === "ustack" ? BPF_F_USER_STACK : 0) | (o.fast ? BPF_F_FAST_STACK_CMP : 0);
  const id = cx.b.ext(cx.b.call(h.id, [reg(cx.ctxReg), mapFd(cx, map), imm(flags)]), 32, false);
  if (kind === "kstack") return scalar(id, U64);
  const tgid = cx.b.bin("lshr", cx.b.call(BpfFunc.GetCurrentPidTgid, []), imm(32));
  markProcess(cx, tgid);
  return scalar(cx.b.bin("or", cx.b.bin("shl", tgid, imm(32)), id), U64);
}

/**
 * bpf.kframes() / bpf.uframes(): the stack's frames copied in place with bpf_get_stack (zeroed past the last, all
 * zero on failure), written straight into an event record's field when that is the destination: the process (for
 * symbolizing a user stack), the helper's result (bytes written, or the negative errno) and the frames.
 */
function frames(cx: LowerCtx, call: ts.CallExpression, h: HelperDef, dst: Mem | undefined): Val {
  const kind = h.name === "kframes" ? "kframes" : "uframes";
  if (call.arguments.length > 1) return cx.error("TSB2027", [`bpf.${h.name}()`, 1], call.arguments[1]!);
  const o = stackOptions(cx, call.arguments[0], h.name);
  if (!o) return ERROR;
  cx.at(call);
  const type = framesDesc(kind, o.depth);
  const same = dst && dst.type.kind === "struct" && dst.type.display === kind && layoutOf(dst.type).size === layoutOf(type).size;
  const m = same ? dst : newMem(cx, type, `bpf.${h.name}()`, call);
  const tgid = cx.b.bin("lshr", cx.b.call(BpfFunc.GetCurrentPidTgid, []), imm(32));
  // 8 bytes: the pid and the padding after it, zero (a stack buffer's bytes must all be written before it is sent).
  cx.b.store(m.base, m.off, 8, tgid);
  if (kind === "uframes") markProcess(cx, tgid);
  const flags = o.skip | (kind === "uframes" ? BPF_F_USER_STACK : 0);
  const buf = addressOf(cx, { ...m, off: m.off + FRAMES_OFFSET });
  const r = cx.b.call(h.id, [reg(cx.ctxReg), buf, imm(o.depth * 8), imm(flags)]);
  cx.b.store(m.base, m.off + SIZE_OFFSET, 8, r);
  return m === dst ? VOID : { kind: "mem", ...m };
}

/** Where framesDesc's fields are: pid (u32) at 0, size (i64) at 8, frames at 16. */
const SIZE_OFFSET = 8;
const FRAMES_OFFSET = 16;

/** Adds the process to the tracer's USTACK_PIDS_MAP unless it is there: a lookup, and an update only the first time. */
function markProcess(cx: LowerCtx, tgid: Operand): void {
  const key = newMem(cx, { kind: "int", size: 4, signed: false }, "the process of a user stack", undefined);
  cx.b.store(key.base, key.off, 4, tgid);
  const seen = lookup(cx, USTACK_PIDS_MAP, key);
  const add = cx.b.newBlock();
  const done = cx.b.newBlock();
  cx.b.cbr("eq", seen, imm(0), add, done);
  cx.b.switchTo(add);
  const value = newMem(cx, { kind: "int", size: 4, signed: false }, "a mark", undefined);
  cx.b.store(value.base, value.off, 4, imm(0));
  update(cx, USTACK_PIDS_MAP, key, value, 0);
  cx.b.br(done);
  cx.b.switchTo(done);
}

const LOWERINGS: Record<string, Lowering> = {
  comm,
  probeReadUser: probeRead,
  probeReadKernel: probeRead,
  readKernelField,
  probeReadUserStr: probeReadStr,
  probeReadKernelStr: probeReadStr,
  tracepointString,
  tracePrintk: (cx, call, h) => tracePrintk(cx, call, h),
  loop: (cx, call, h) => lowerLoopCall(cx, call, h.id),
  sendSignal: (cx, call, h) => sendSignal(cx, call, h),
  kstack: (cx, call, h) => stack(cx, call, h),
  ustack: (cx, call, h) => stack(cx, call, h),
  kframes: frames,
  uframes: frames,
};

/** Every helper's lowering: its own, or the table's. */
const ALL_LOWERINGS: Readonly<Record<string, Lowering>> = Object.fromEntries(HELPERS.flatMap((h) => {
  const own = LOWERINGS[h.name];
  const type = tableResult(h);
  return own ? [[h.name, own]] : type ? [[h.name, fromTable(type)]] : [];
}));

/** Helpers with a lowering of their own, for the test that each belongs to a helper of the table. */
export const OWN_LOWERINGS: readonly string[] = Object.keys(LOWERINGS);
/** Names with a lowering, for the test that every helper of the table has one. */
export const LOWERED_HELPERS: readonly string[] = Object.keys(ALL_LOWERINGS);

const BY_NAME = new Map(HELPERS.map((h) => [h.name, h]));

export function lowerHelper(cx: LowerCtx, call: ts.CallExpression, name: string, dst?: Mem): Val {
  const h = BY_NAME.get(name);
  const f = ALL_LOWERINGS[name];
  if (!h || !f) return cx.error("TSB1074", [name], call);
  // The verifier refuses a helper its program type (or this kind of attachment) may not call, at load: say so here.
  const probes = probesOf(h);
  if (cx.probe && !probes.includes(cx.probe.kind)) {
    return cx.error("TSB2060", [h.name, cx.probe.kind, probes.join(", ")], call, `the verifier refuses ${h.kernelName} in the program type of a ${cx.probe.kind} handler`);
  }
  cx.at(call);
  return f(cx, call, h, dst);
}

/** Helpers that can write their result straight into memory. */
export const WRITES_INTO: ReadonlySet<string> = new Set([
  "comm", "probeReadUser", "probeReadKernel", "readKernelField", "probeReadUserStr", "probeReadKernelStr", "tracepointString", "kframes", "uframes",
]);
