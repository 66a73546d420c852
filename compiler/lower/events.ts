// Event channels in kernel code: `events.emit(e)` / `events.output(e)` on a RingBuffer or PerfEventArray in;
// reserve + fill in place + submit (ring buffer, object literals), a copy through bpf_ringbuf_output or
// bpf_perf_event_output (everything else) out, with a per-CPU count of the events a full buffer refused.

import { ts } from "ts-morph";
import { BpfFunc } from "../../core/asm/helpers.ts";
import { MAP_KINDS } from "../../core/maps.ts";
import type { MapDecl } from "../frontend/module.ts";
import { BOOL } from "../frontend/types.ts";
import { type Operand, imm, reg } from "../ir/ir.ts";
import { layoutOf } from "../../core/object/layout.ts";
import { lostMapName } from "../../core/object/names.ts";
import { ERROR, type LowerCtx, type Val, scalar } from "./context.ts";
import { addressOf, lowerInto } from "./expressions.ts";
import { addToMap, mapFd, peekMem } from "./maps.ts";
import { type Mem, baseOf, newMem } from "./values.ts";

/** BPF_F_CURRENT_CPU: the perf buffer of the CPU the program runs on. */
const BPF_F_CURRENT_CPU = 0xffffffffn;

const U32_KEY = { kind: "int", size: 4, signed: false } as const;
const U64_VALUE = { kind: "int", size: 8, signed: false } as const;

export function lowerEventMethod(cx: LowerCtx, decl: MapDecl, method: string, call: ts.CallExpression): Val {
  if (method !== "emit" && method !== "output") {
    return cx.error("TSB1048", [decl.name, method], call.expression, `in a probe handler, send events with ${decl.name}.emit(event)`);
  }
  const [arg, extra] = call.arguments;
  if (!arg) return cx.error("TSB2028", [`${decl.name}.${method}()`, "event"], call);
  if (extra) return cx.error("TSB2005", [`${decl.name}.${method}()`, 1], extra);
  const type = decl.value;
  const size = layoutOf(type).size;
  cx.p.usedMaps.add(decl.name);
  cx.expected.set(arg, type);
  // An event that already exists (a local, a map value) is copied by the helper; anything else is built.
  const existing = peekMem(cx, arg, type);
  cx.at(call);
  let sent: Operand;
  if (MAP_KINDS[decl.mapType].channel === "ringbuf" && !existing && method === "emit") return reserveAndFill(cx, decl, arg, size);
  const m = existing ?? buildEvent(cx, arg, type);
  if (!m) return ERROR;
  cx.at(call);
  if (MAP_KINDS[decl.mapType].channel === "ringbuf") {
    sent = cx.b.call(BpfFunc.RingbufOutput, [mapFd(cx, decl.name), addressOf(cx, m), imm(size), imm(0)]);
  } else {
    sent = cx.b.call(BpfFunc.PerfEventOutput, [reg(cx.ctxReg), mapFd(cx, decl.name), imm(BPF_F_CURRENT_CPU), addressOf(cx, m), imm(size)]);
  }
  return result(cx, decl, sent);
}

/** Builds an event on the stack, or in per-CPU scratch memory when it is large. */
function buildEvent(cx: LowerCtx, e: ts.Expression, type: MapDecl["value"]): Mem | undefined {
  const m = newMem(cx, type, "event", e);
  lowerInto(cx, e, m);
  return m;
}

/** bpf_ringbuf_reserve, the literal built in the reserved record, bpf_ringbuf_submit; a full ring counts a loss. */
function reserveAndFill(cx: LowerCtx, decl: MapDecl, e: ts.Expression, size: number): Val {
  const p = cx.b.call(BpfFunc.RingbufReserve, [mapFd(cx, decl.name), imm(size), imm(0)]);
  return sentOr(cx, decl, "ne", p, () => {
    const base = baseOf(cx, p) as { readonly kind: "reg"; readonly id: number };
    const saved = cx.eventRecord;
    cx.eventRecord = base;
    try {
      lowerInto(cx, e, { base, off: 0, type: decl.value });
    } finally {
      cx.eventRecord = saved;
    }
    cx.at(e.parent);
    cx.b.call(BpfFunc.RingbufSubmit, [reg(base.id), imm(0)]);
  });
}

/** true when the helper returned 0; otherwise the loss is counted and the result is false. */
function result(cx: LowerCtx, decl: MapDecl, ret: Operand): Val {
  return sentOr(cx, decl, "eq", ret, () => {});
}

/** `v cmp 0` means sent (after `onSent`): the result is true; otherwise the loss is counted and it is false. */
function sentOr(cx: LowerCtx, decl: MapDecl, cmp: "eq" | "ne", v: Operand, onSent: () => void): Val {
  const ok = cx.b.newReg();
  const yes = cx.b.newBlock();
  const no = cx.b.newBlock();
  const done = cx.b.newBlock();
  cx.b.cbr(cmp, v, imm(0), yes, no);
  cx.b.switchTo(yes);
  onSent();
  cx.b.assign(ok, imm(1));
  cx.b.br(done);
  cx.b.switchTo(no);
  countLost(cx, decl);
  cx.b.assign(ok, imm(0));
  cx.b.br(done);
  cx.b.switchTo(done);
  return scalar(reg(ok), BOOL);
}

function countLost(cx: LowerCtx, decl: MapDecl): void {
  const lostMap = lostMapName(decl.name);
  const key = newMem(cx, U32_KEY, "lost-events key", undefined);
  cx.b.store(key.base, key.off, 4, imm(0));
  addToMap(cx, lostMap, key, U64_VALUE, { bits: 64, signed: false }, imm(1), false, "in range");
}


