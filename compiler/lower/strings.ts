// Comparing fixed strings (and other memory values) for equality: a Str<N> against a literal compares the
// literal's bytes and its terminating NUL in word-sized chunks; two memory values compare all their bytes.

import { ts } from "ts-morph";
import { type Block, imm } from "../ir/ir.ts";
import { layoutOf } from "../../core/object/layout.ts";
import type { LowerCtx, Val } from "./context.ts";
import { type Mem, toMem } from "./values.ts";

export function compareString(cx: LowerCtx, left: Val, right: Val, cmp: "eq" | "ne", t: Block, f: Block, e: ts.Node): void {
  const [yes, no] = cmp === "eq" ? [t, f] : [f, t];
  const lit = left.kind === "string" ? left : right.kind === "string" ? right : undefined;
  const other = lit === left ? right : left;
  if (lit && other.kind === "string") return cx.b.br(lit.value === other.value ? yes : no);
  const m = toMem(cx, other, e);
  if (!m) return cx.b.br(f);
  if (lit) {
    if (m.type.kind !== "string") {
      cx.error("TSB1061", [], e);
      return cx.b.br(f);
    }
    const bytes = new TextEncoder().encode(lit.value);
    // A literal longer than the buffer can hold never matches.
    if (bytes.length > m.type.capacity - 1) return cx.b.br(no);
    const want = new Uint8Array(bytes.length + 1);
    want.set(bytes);
    return chunks(cx, m, want, yes, no);
  }
  const n = toMem(cx, right === other ? left : right, e);
  if (!n) return cx.b.br(f);
  const size = Math.min(layoutOf(m.type).size, layoutOf(n.type).size);
  let at = 0;
  while (at < size) {
    let chunk = 8;
    while (chunk > 1 && (size - at < chunk || (m.off + at) % chunk !== 0 || (n.off + at) % chunk !== 0)) chunk /= 2;
    const a = cx.b.load(m.base, m.off + at, chunk as 1 | 2 | 4 | 8, false, m.reloc);
    const b = cx.b.load(n.base, n.off + at, chunk as 1 | 2 | 4 | 8, false, n.reloc);
    at += chunk;
    const next = at < size ? cx.b.newBlock() : yes;
    cx.b.cbr("ne", a, b, no, next);
    if (at < size) cx.b.switchTo(next);
  }
}

/** Compares memory with constant bytes, chunk by chunk; a mismatch goes to `no`. */
function chunks(cx: LowerCtx, m: Mem, want: Uint8Array, yes: Block, no: Block): void {
  let at = 0;
  while (at < want.length) {
    let chunk = 8;
    while (chunk > 1 && ((m.off + at) % chunk !== 0 || want.length - at < chunk)) chunk /= 2;
    // A wider load masked to the remaining bytes saves compares when the buffer allows it.
    let width = chunk;
    const remaining = want.length - at;
    if (remaining < 8 && remaining > chunk && (m.off + at) % 8 === 0 && m.type.kind === "string" && at + 8 <= m.type.capacity) width = 8;
    const n = Math.min(width, remaining);
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(want[at + i]!);
    let x = cx.b.load(m.base, m.off + at, width as 1 | 2 | 4 | 8, false, m.reloc);
    if (n < width) x = cx.b.bin("and", x, imm((1n << BigInt(8 * n)) - 1n));
    at += n;
    const next = at < want.length ? cx.b.newBlock() : yes;
    cx.b.cbr("ne", x, imm(BigInt.asIntN(64, v)), no, next);
    if (at < want.length) cx.b.switchTo(next);
  }
}
