// BTF for one program: its instructions (with source spans) in, a BTF blob plus func_info and line_info records
// out, so that the kernel's verifier log shows TypeScript lines (`; x = 1 @ tool.ts:3`). Plain data; the runtime
// loads it (BPF_BTF_LOAD) and passes the records with BPF_PROG_LOAD. Needs Linux 5.0 (func/line info).

import { type Instruction, OP_CALL, OP_LDDW, PseudoCall, PseudoLd, slotIndex } from "../asm/index.ts";
import { BtfBuilder, FuncLinkage, IntEncoding, encodeFuncInfo, encodeLineInfo, type FuncInfo, type LineInfo } from "./btf/index.ts";

export interface ProgramBtf {
  readonly blob: Uint8Array;
  readonly funcInfo: Uint8Array;
  readonly funcInfoCount: number;
  readonly lineInfo: Uint8Array;
  readonly lineInfoCount: number;
}

/** Slots where subprograms start: targets of local calls and of BPF_PSEUDO_FUNC loads (bpf_loop callbacks). */
export function subprogramStarts(insns: readonly Instruction[]): { slot: number; callback: boolean }[] {
  const slots = slotIndex(insns);
  const starts = new Map<number, boolean>();
  insns.forEach((ins, i) => {
    if (ins.op === OP_CALL && ins.src === PseudoCall.Local) starts.set(slots[i]! + 1 + ins.imm, starts.get(slots[i]! + 1 + ins.imm) ?? false);
    if (ins.op === OP_LDDW && ins.src === PseudoLd.Func) starts.set(slots[i]! + 1 + ins.imm, true);
  });
  starts.delete(0);
  return [...starts.entries()].sort((a, b) => a[0] - b[0]).map(([slot, callback]) => ({ slot, callback }));
}

/**
 * Builds the BTF of a program, or undefined when no instruction carries a source span. The entry function is
 * global; subprograms are static (callbacks must be, and static ones are verified with their caller).
 */
export function programBtf(name: string, insns: readonly Instruction[]): ProgramBtf | undefined {
  if (!insns.some((i) => i.meta?.span)) return undefined;
  const b = new BtfBuilder();
  const { funcs, lines } = addProgramBtf(b, name, insns);
  return {
    blob: b.encode(),
    funcInfo: encodeFuncInfo(funcs),
    funcInfoCount: funcs.length,
    lineInfo: encodeLineInfo(lines),
    lineInfoCount: lines.length,
  };
}

/**
 * Adds a program's functions (FUNC and FUNC_PROTO) and source lines to `b`; returns its func_info (the entry first,
 * then one per subprogram, named `<name>_subN`) and line_info records, offsets in slots from the program's start.
 * The ELF object writer (elf/write-bpf.ts) puts several programs into one builder this way.
 */
export function addProgramBtf(b: BtfBuilder, name: string, insns: readonly Instruction[]): { funcs: FuncInfo[]; lines: LineInfo[] } {
  const int = b.add({ kind: "int", name: "int", size: 4, encoding: IntEncoding.Signed, bitOffset: 0, bits: 32 });
  const u64 = b.add({ kind: "int", name: "unsigned long long", size: 8, encoding: IntEncoding.None, bitOffset: 0, bits: 64 });
  const voidPtr = b.add({ kind: "ptr", name: "", type: 0 });
  const entryProto = b.add({ kind: "func_proto", name: "", returnType: int, params: [{ name: "ctx", type: voidPtr }], variadic: false });
  // Subprograms take up to five u64 arguments; the verifier only checks the count for static functions.
  const subProto = b.add({
    kind: "func_proto", name: "", returnType: u64, variadic: false,
    params: ["a", "b", "c", "d", "e"].map((n) => ({ name: n, type: u64 })),
  });
  const funcs: FuncInfo[] = [{ insnOff: 0, typeId: b.add({ kind: "func", name: cName(name), type: entryProto, linkage: FuncLinkage.Global }) }];
  const subs = subprogramStarts(insns);
  for (const [n, s] of subs.entries()) {
    funcs.push({ insnOff: s.slot, typeId: b.add({ kind: "func", name: `${cName(name)}_sub${n + 1}`, type: subProto, linkage: FuncLinkage.Static }) });
  }
  // One line_info where the source position changes, and one at every function start (the kernel requires it).
  const slots = slotIndex(insns);
  const funcStarts = new Set(funcs.map((f) => f.insnOff));
  const lines: LineInfo[] = [];
  let last: string | undefined;
  let lastRecord: Omit<LineInfo, "insnOff"> | undefined;
  insns.forEach((ins, i) => {
    const slot = slots[i]!;
    const span = ins.meta?.span;
    const key = span ? `${span.file}:${span.line}:${span.column}` : undefined;
    if (span && key !== last) {
      lastRecord = {
        fileNameOff: b.addString(span.file),
        lineOff: b.addString((ins.meta?.source ?? "").trim()),
        line: Math.min(span.line, (1 << 22) - 1),
        column: Math.min(span.column, 1023),
      };
      lines.push({ insnOff: slot, ...lastRecord });
      last = key;
    } else if (funcStarts.has(slot)) {
      lines.push({ insnOff: slot, ...(lastRecord ?? { fileNameOff: b.addString(""), lineOff: 0, line: 0, column: 0 }) });
    }
  });
  // The first record must be at instruction 0.
  if (lines[0]?.insnOff !== 0) {
    const first = lines[0] ?? { fileNameOff: 0, lineOff: 0, line: 0, column: 0 };
    lines.unshift({ ...first, insnOff: 0 });
  }
  return { funcs, lines };
}

/** BTF names are C identifiers. */
export const cName = (s: string) => s.replace(/[^A-Za-z0-9_]/g, "_").replace(/^([0-9])/, "_$1") || "prog";
