// Prints IR as text (for `tsbpf build --emit ir`, debugging and the few golden tests): a Func in, lines out.

import { helperName } from "../../core/asm/helpers.ts";
import type { Base, Func, Inst, Operand, Terminator } from "./ir.ts";

const op = (o: Operand) => (o.kind === "reg" ? `v${o.id}` : `${o.value}`);
const base = (b: Base) => (b.kind === "reg" ? `v${b.id}` : `slot${b.slot}`);

export function printInst(i: Inst | Terminator): string {
  switch (i.op) {
    case "mov": return `v${i.dst} = ${op(i.src)}`;
    case "bin": return `v${i.dst} = ${i.kind}${i.w32 ? "32" : ""} ${op(i.a)}, ${op(i.b)}`;
    case "neg": return `v${i.dst} = neg ${op(i.a)}`;
    case "ext": return `v${i.dst} = ${i.signed ? "sext" : "zext"}${i.bits} ${op(i.a)}`;
    case "load": return `v${i.dst} = load${i.size * 8} [${base(i.base)}${i.off >= 0 ? "+" : ""}${i.off}]${i.reloc ? ` (${i.reloc.tracepoint}.${i.reloc.field})` : ""}`;
    case "store": return `store${i.size * 8} [${base(i.base)}${i.off >= 0 ? "+" : ""}${i.off}], ${op(i.value)}`;
    case "addr": return `v${i.dst} = &slot${i.slot}+${i.off}`;
    case "mapfd": return `v${i.dst} = map ${i.map}`;
    case "fieldoff": return `v${i.dst} = ${op(i.a)} + offsetof(${i.reloc.struct}, ${i.reloc.field})`;
    case "mapvalue": return `v${i.dst} = &map ${i.map}+${i.off}`;
    case "funcaddr": return `v${i.dst} = &func ${i.func}`;
    case "call": return `${i.dst !== undefined ? `v${i.dst} = ` : ""}call ${helperName(i.helper) ?? i.helper}(${i.args.map(op).join(", ")})`;
    case "calllocal": return `${i.dst !== undefined ? `v${i.dst} = ` : ""}call ${i.func}(${i.args.map(op).join(", ")})`;
    case "atomic": return `${i.fetch !== undefined ? `v${i.fetch} = ` : ""}atomic ${i.kind}${i.size * 8} [${base(i.base)}+${i.off}], ${op(i.value)}`;
    case "br": return `br b${i.target}`;
    case "cbr": return `if ${op(i.a)} ${i.cmp}${i.w32 ? "32" : ""} ${op(i.b)} then b${i.then} else b${i.else}`;
    case "ret": return `ret ${op(i.value)}`;
  }
}

export function printFunc(f: Func): string {
  const lines = [`func ${f.name} (${f.kind}, params ${f.params.map((p) => `v${p}`).join(", ")})`];
  for (const s of f.slots) lines.push(`  slot${s.id}: ${s.size} bytes (${s.what})`);
  for (const b of f.blocks) {
    lines.push(`b${b.id}:`);
    for (const i of b.insts) lines.push(`  ${printInst(i)}`);
    lines.push(`  ${printInst(b.term)}`);
  }
  return lines.join("\n");
}
