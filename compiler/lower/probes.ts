// The probe context `ctx`: tracepoint fields (loads from the record, relocated at load time), kprobe/uprobe
// registers (arg0()..arg5(), retval(), ip() from pt_regs), a perf sample's ip(), samplePeriod() and addr() (struct
// bpf_perf_event_data), raw tracepoint / fentry arguments (ctx.arg(i)); a BTF tracepoint's arguments as the running
// kernel's BTF types them (pointers read as numbers, the count checked); a USDT probe's arguments (ctx.arg(i),
// ctx.argCount()) through the spec record its attachment's cookie selects.

import { ts } from "ts-morph";
import { PROBE_KINDS } from "../../core/probes.ts";
import { BpfFunc } from "../../core/asm/helpers.ts";
import { USDT_KIND, USDT_MAX_ARGS, USDT_SPEC, USDT_SPEC_MAP, parseUsdtArgs } from "../../core/usdt.ts";
import { usdtSites, usdtTarget } from "../frontend/usdt.ts";
import { mapFd } from "./maps.ts";
import { InternalError } from "../diagnostics.ts";
import { spanOf } from "../frontend/program.ts";
import { closestTracepoints } from "../frontend/tracepoint-types.ts";
import { I32, I64, type IntType, U16, U32, U64, U8 } from "../frontend/types.ts";
import type { TypeDesc } from "../../core/object/layout.ts";
import { type LowerCtx, type Val, scalar } from "./context.ts";
import { loadInt } from "./values.ts";
import { imm, reg } from "../ir/ir.ts";

/** struct pt_regs offsets (x86_64: asm/ptrace.h; arm64: user_pt_regs), as libbpf's bpf_tracing.h uses them. */
export const PT_REGS = {
  x86_64: { args: [112, 104, 96, 88, 72, 64], ret: 80, ip: 128 },
  aarch64: { args: [0, 8, 16, 24, 32, 40], ret: 0, ip: 256 },
} as const;

/**
 * struct bpf_perf_event_data { bpf_user_pt_regs_t regs; __u64 sample_period; __u64 addr; }: the fields after the
 * registers (168 bytes of pt_regs on x86_64, 34 × 8 of user_pt_regs on arm64).
 */
const PERF_SAMPLE = {
  x86_64: { samplePeriod: 168, addr: 176 },
  aarch64: { samplePeriod: 272, addr: 280 },
} as const;


function fieldType(size: number, signed: boolean, isPtr: boolean): IntType | undefined {
  if (isPtr) return U64;
  switch (size) {
    case 1: return signed ? { bits: 8, signed: true } : U8;
    case 2: return signed ? { bits: 16, signed: true } : U16;
    case 4: return signed ? I32 : U32;
    case 8: return signed ? I64 : U64;
  }
  return undefined;
}

/** `ctx.field` in a tracepoint handler. */
export function ctxProperty(cx: LowerCtx, e: ts.PropertyAccessExpression, name: string): Val {
  const probe = cx.probe;
  if (!probe || PROBE_KINDS[probe.kind].context !== "tracepoint") {
    return cx.error("TSB2050", [probe?.kind ?? "function"], e);
  }
  const tpName = String(probe.args[0]);
  const tp = cx.p.tracepoints.get(tpName);
  if (!tp) {
    const near = closestTracepoints(tpName, cx.p.tracepoints.names());
    const regenerate = "regenerate it for this kernel: sudo npx tsbpf types";
    return cx.error("TSB2049", [tpName, cx.p.tracepoints.kernel], e, near.length ? `did you mean ${near.join(" or ")}? If not, ${regenerate}` : regenerate);
  }
  const f = tp.fields.find((x) => x.name === name);
  if (!f) return cx.error("TSB2004", [tpName, name], e.name, `its fields: ${tp.fields.map((x) => x.name).join(", ")}`);
  const reloc = { kind: "tracepoint_field" as const, tracepoint: tpName, field: name, offset: f.offset };
  cx.at(e);
  if (f.arrayLength !== undefined && !f.dataLoc) {
    const elemSize = f.size / f.arrayLength;
    const isChar = /\bchar\b/.test(f.type) && elemSize === 1;
    const type: TypeDesc = isChar
      ? { kind: "string", capacity: f.arrayLength }
      : { kind: "array", element: { kind: "int", size: elemSize as 1 | 2 | 4 | 8, signed: f.signed }, length: f.arrayLength };
    return { kind: "mem", base: { kind: "reg", id: cx.ctxReg }, off: f.offset, type, reloc };
  }
  const t = fieldType(f.size, f.signed, f.type.includes("*"));
  if (!t) return cx.error("TSB2051", [name, f.type, f.size], e.name);
  return scalar(loadInt(cx, { kind: "reg", id: cx.ctxReg }, f.offset, t, reloc), t);
}

/** ctx.arg0() ... ctx.retval(), ctx.ip(), ctx.arg(i). */
export function ctxMethod(cx: LowerCtx, call: ts.CallExpression, name: string): Val {
  const probe = cx.probe;
  const context = probe ? PROBE_KINDS[probe.kind].context : undefined;
  cx.at(call);
  const regs = PT_REGS[cx.p.arch];
  if (probe?.kind === "usdt" && (name === "arg" || name === "argCount")) return usdtArg(cx, call, name);
  const m = /^arg([0-5])$/.exec(name);
  if (m && context === "pt_regs") return scalar(cx.b.load({ kind: "reg", id: cx.ctxReg }, regs.args[Number(m[1])]!, 8, false), U64);
  if (name === "retval" && context === "pt_regs") return scalar(cx.b.load({ kind: "reg", id: cx.ctxReg }, regs.ret, 8, false), U64);
  // A perf sample (bpf_perf_event_data) starts with the registers.
  if (name === "ip" && (context === "pt_regs" || context === "perf_event")) return scalar(cx.b.load({ kind: "reg", id: cx.ctxReg }, regs.ip, 8, false), U64);
  if ((name === "samplePeriod" || name === "addr") && context === "perf_event") {
    return scalar(cx.b.load({ kind: "reg", id: cx.ctxReg }, PERF_SAMPLE[cx.p.arch][name], 8, false), U64);
  }
  if (name === "arg" && context === "args") {
    const a = call.arguments[0];
    const lit = a && ts.isNumericLiteral(a) ? Number(a.text) : undefined;
    if (lit === undefined || !Number.isInteger(lit) || lit < 0 || lit > 11) {
      return cx.error("TSB1070", ["the index of ctx.arg(i)", 0, 11], a ?? call);
    }
    if (probe?.kind === "tpBtf") return tpBtfArg(cx, call, String(probe.args[0]), lit);
    return scalar(cx.b.load({ kind: "reg", id: cx.ctxReg }, lit * 8, 8, false), U64);
  }
  if (!probe) throw new InternalError(`ctx.${name}() outside a probe handler`, spanOf(call));
  return cx.error("TSB2052", [name, probe.kind], call);
}

/**
 * ctx.arg(i) in a tpBtf handler. The verifier types a BTF tracepoint's context from the `btf_trace_<name>` prototype
 * (btf_ctx_access): a load past the last argument is "invalid bpf_context access", and a pointer argument loads as a
 * trusted pointer, on which arithmetic and bit operations are refused ("math between trusted_ptr_ pointer...",
 * "&= on pointer prohibited"). So the index is checked against the prototype here, and a pointer argument's 8 bytes
 * are copied out of the context with bpf_probe_read_kernel, which gives the verifier a plain number (an address a
 * tracer can compare, hash and print; kernel memory is read through bpf.readKernelField). Integer arguments stay
 * a plain context load. Without the kernel's BTF at compile time, every argument is a plain load, as before.
 */
function tpBtfArg(cx: LowerCtx, call: ts.CallExpression, tracepoint: string, index: number): Val {
  const args = cx.p.tracepoints.tpBtfArgs?.(tracepoint);
  const ctx = { kind: "reg" as const, id: cx.ctxReg };
  if (!args) return scalar(cx.b.load(ctx, index * 8, 8, false), U64);
  const arg = args[index];
  if (!arg) {
    const list = args.map((a, i) => `${i}: ${a.type}`).join(", ") || "none";
    const hint = args.length > 1 ? `its arguments are ctx.arg(0)..ctx.arg(${args.length - 1})`
      : args.length ? "its only argument is ctx.arg(0)" : "it has no arguments to read";
    return cx.error("TSB2090", [tracepoint, args.length, list, index], call.arguments[0] ?? call, hint);
  }
  if (!arg.pointer) return scalar(cx.b.load(ctx, index * 8, 8, false), U64);
  return copiedArg(cx, index, `ctx.arg(${index}) (${arg.type})`, call);
}

/**
 * Argument `index` of a BTF-typed context (tp_btf, fentry, fexit) that is a pointer: copied out of the context with
 * bpf_probe_read_kernel, which gives the verifier a plain number (a trusted pointer refuses arithmetic).
 */
export function copiedArg(cx: LowerCtx, index: number, what: string, at: ts.Node): Val {
  // One slot per argument, reused by every read of it in the function (an unrolled loop reading it adds nothing to
  // the 512-byte stack): it is loaded right after the helper writes it, and always holds the same value.
  let slot = cx.ctxArgSlots.get(index);
  if (slot === undefined) cx.ctxArgSlots.set(index, (slot = cx.b.slot(8, 8, what, cx.span(at))));
  const dst = cx.b.newReg();
  cx.b.emit({ op: "addr", dst, slot, off: 0 });
  const src = index === 0 ? reg(cx.ctxReg) : cx.b.bin("add", reg(cx.ctxReg), imm(index * 8));
  // Reading the program's own context cannot fault: the result is not checked.
  cx.b.call(BpfFunc.ProbeReadKernel, [reg(dst), imm(8), src]);
  return scalar(cx.b.load({ kind: "slot", slot }, 0, 8, false), U64);
}

/**
 * ctx.arg(i) and ctx.argCount() in a USDT handler, as libbpf's bpf_usdt_arg: the attachment's cookie indexes the
 * `.usdt_specs` record the loader wrote for this site of the probe (core/usdt.ts), which says where argument i is:
 * a constant, a register (read from pt_regs with bpf_probe_read_kernel: the verifier refuses a context load at a
 * variable offset), or user memory at a register plus an offset (bpf_probe_read_user). The 8 bytes read are then
 * shifted left and back right by 64 - 8 * size, arithmetically for a signed argument, which keeps the argument's
 * bytes and extends them. A missing record or an argument past the site's count reads 0. When the binary can be
 * read at compile time, an index past every site's arguments is an error here.
 */
function usdtArg(cx: LowerCtx, call: ts.CallExpression, name: "arg" | "argCount"): Val {
  const probe = cx.probe!;
  let index = 0;
  if (name === "arg") {
    const a = call.arguments[0];
    const lit = a && ts.isNumericLiteral(a) ? Number(a.text) : undefined;
    if (lit === undefined || !Number.isInteger(lit) || lit < 0 || lit >= USDT_MAX_ARGS) {
      return cx.error("TSB1070", ["the index of ctx.arg(i)", 0, USDT_MAX_ARGS - 1], a ?? call);
    }
    index = lit;
    const t = probe.optional ? undefined : usdtTarget(probe.args[0]!);
    const sites = t ? usdtSites(t, String(probe.args[1]), String(probe.args[2])) : [];
    const most = sites.reduce((n, s) => Math.max(n, s.args.trim() ? s.args.trim().split(/\s+/).length : 0), 0);
    if (sites.length && index >= most) {
      const widest = sites.find((s) => (s.args.trim() ? s.args.trim().split(/\s+/).length : 0) === most)!;
      let list = widest.args || "none";
      try {
        list = parseUsdtArgs(widest.args, cx.p.arch).map((x, i) => `${i}: ${x.signed ? "i" : "u"}${x.size * 8}`).join(", ") || "none";
      } catch {
        // An argument the loader cannot read: it says so at load; the spec string is shown as it is.
      }
      const hint = most > 1 ? `its arguments are ctx.arg(0)..ctx.arg(${most - 1})` : most ? "its only argument is ctx.arg(0)" : "it has no arguments to read";
      return cx.error("TSB2095", [`${probe.args[1]}:${probe.args[2]}`, most, list, index], a!, hint);
    }
  }
  const b = cx.b;
  const span = cx.span(call);
  const key = b.slot(4, 8, "USDT spec index", span);
  b.store({ kind: "slot", slot: key }, 0, 4, b.call(BpfFunc.GetAttachCookie, [reg(cx.ctxReg)]));
  const keyAddr = b.newReg();
  b.emit({ op: "addr", dst: keyAddr, slot: key, off: 0 });
  const spec = b.call(BpfFunc.MapLookupElem, [mapFd(cx, USDT_SPEC_MAP), reg(keyAddr)]);
  const result = b.newReg();
  b.assign(result, imm(0));
  const found = b.newBlock(), done = b.newBlock();
  b.cbr("ne", spec, imm(0), found, done);
  b.switchTo(found);
  const base = { kind: "reg" as const, id: (spec as { id: number }).id };
  const count = b.load(base, USDT_SPEC.argCount, 4, false);
  if (name === "argCount") {
    b.assign(result, count);
    b.br(done);
    b.switchTo(done);
    return scalar(reg(result), U32);
  }
  const have = b.newBlock();
  b.cbr("ugt", count, imm(index), have, done);
  b.switchTo(have);
  const o = index * USDT_SPEC.argSize;
  const kind = b.load(base, o + USDT_SPEC.kind, 4, false);
  const offset = b.load(base, o + USDT_SPEC.offset, 8, false);
  const value = b.newReg();
  b.assign(value, offset);
  const extend = b.newBlock(), fromReg = b.newBlock(), deref = b.newBlock();
  b.cbr("eq", kind, imm(USDT_KIND.const), extend, fromReg);
  b.switchTo(fromReg);
  const slot = b.slot(8, 8, `USDT argument ${index}`, span);
  const slotAddr = b.newReg();
  b.emit({ op: "addr", dst: slotAddr, slot, off: 0 });
  const regOff = b.load(base, o + USDT_SPEC.regOffset, 2, false);
  // Reading the program's own context cannot fault: the result is not checked.
  b.call(BpfFunc.ProbeReadKernel, [reg(slotAddr), imm(8), b.bin("add", reg(cx.ctxReg), regOff)]);
  b.assign(value, b.load({ kind: "slot", slot }, 0, 8, false));
  b.cbr("eq", kind, imm(USDT_KIND.reg), extend, deref);
  b.switchTo(deref);
  // A fault leaves the slot zeroed (the helper's memset): the argument reads 0, as in libbpf.
  b.call(BpfFunc.ProbeReadUser, [reg(slotAddr), imm(8), b.bin("add", reg(value), offset)]);
  b.assign(value, b.load({ kind: "slot", slot }, 0, 8, false));
  b.br(extend);
  b.switchTo(extend);
  const shift = b.load(base, o + USDT_SPEC.shift, 1, false);
  const signed = b.load(base, o + USDT_SPEC.signed, 1, false);
  const shifted = b.bin("shl", reg(value), shift);
  const sext = b.newBlock(), zext = b.newBlock();
  b.cbr("ne", signed, imm(0), sext, zext);
  b.switchTo(sext);
  b.assign(result, b.bin("ashr", shifted, shift));
  b.br(done);
  b.switchTo(zext);
  b.assign(result, b.bin("lshr", shifted, shift));
  b.br(done);
  b.switchTo(done);
  return scalar(reg(result), I64);
}
