// Runs bpf_conformance tests through the kernel with BPF_PROG_TEST_RUN: ConformanceTest in, outcome out.
//
// XDP returns only 32 bits, so (as upstream's libbpf plugin does) the test body runs as a local function called
// from a prologue that stores the full 64-bit r0 in an array map. Input memory lives in a map value of exactly
// the test's size, so the verifier checks every access against it: r1 = that value, r2 = its length.

import {
  Add, Call, Exit, JEq, JNe, LdMapFd, Mov, R0, R1, R2, R10, R6, St, Stx, decode, label,
  resolve, type AsmItem, type Instruction,
} from "../../core/asm/index.ts";
import type { ProgramSpec } from "../../core/object/spec.ts";
import { BpfError } from "../../runtime/kernel/errors.ts";
import { BpfMap } from "../../runtime/kernel/maps.ts";
import { Program } from "../../runtime/kernel/programs.ts";
import type { Sys } from "../../runtime/kernel/sys.ts";
import { VerifierError } from "../../runtime/kernel/verifier.ts";
import type { ConformanceTest } from "./data.ts";
import type { Outcome } from "./vm.ts";
import { testBytes } from "./vm.ts";

const HELPER_MAP_LOOKUP_ELEM = 1;
const XDP_PASS = 2;

function prologue(memLen: number): AsmItem[] {
  const lookup = (map: string): AsmItem[] => [
    St.w(R10, -4, 0), LdMapFd(R1, map), Mov.reg(R2, R10), Add.imm(R2, -4), Call.helper(HELPER_MAP_LOOKUP_ELEM),
  ];
  const items: AsmItem[] = [];
  if (memLen > 0) {
    items.push(...lookup("mem"), JNe.imm(R0, 0, "have_mem"), Mov.imm(R0, 0), Exit(), label("have_mem"), Mov.reg(R1, R0), Mov.imm(R2, memLen));
  } else {
    items.push(Mov.imm(R1, 0), Mov.imm(R2, 0));
  }
  // The VM starts with every register zero; give the callee the same r3-r5.
  items.push(Mov.imm(3, 0), Mov.imm(4, 0), Mov.imm(5, 0));
  items.push(Call.local("body"), Mov.reg(R6, R0));
  items.push(...lookup("result"), JEq.imm(R0, 0, "out"), Stx.dw(R0, 0, R6), label("out"), Mov.imm(R0, XDP_PASS), Exit());
  return items;
}

/** The prologue and the test's own instructions as one program (the body keeps its relative offsets). */
export function kernelProgram(t: ConformanceTest): Instruction[] {
  const body = decode(testBytes(t));
  return resolve([...prologue(t.mem?.length ?? 0), label("body"), ...body]);
}

const hex = (v: bigint) => "0x" + v.toString(16);

/**
 * The suite's tests that Linux's verifier refuses by design, with the last line of its log: shifts by an immediate
 * outside [0, width) (the kernel checks the immediate at load; uBPF and RFC 9669 mask it at run time) and `callx`
 * (opcode 0x8d, a call through a register, which Linux does not implement). Any other refusal is a failure, as is
 * one of these refused for another reason; one that a future kernel accepts and runs correctly passes with a note.
 */
export const EXPECTED_REFUSALS: Readonly<Record<string, string>> = {
  "arsh32-imm-high": "invalid shift 48",
  "arsh32-imm-neg": "invalid shift -16",
  "arsh64-imm-high": "invalid shift 124",
  "arsh64-imm-neg": "invalid shift -4",
  callx: "unknown opcode 8d",
  "lsh32-imm-high": "invalid shift 60",
  "lsh32-imm-neg": "invalid shift -4",
  "lsh64-imm-high": "invalid shift 68",
  "lsh64-imm-neg": "invalid shift -60",
  "rsh32-imm-high": "invalid shift 40",
  "rsh32-imm-neg": "invalid shift -24",
  "rsh64-imm-high": "invalid shift 68",
  "rsh64-imm-neg": "invalid shift -60",
};

export type KernelOutcome = Outcome | { readonly status: "refused"; readonly reason: string };

/** A test's outcome in the kernel, with the expected refusals (EXPECTED_REFUSALS) told apart from failures. */
export function runInKernel(sys: Sys, t: ConformanceTest): KernelOutcome {
  const o = runProgram(sys, t);
  const expected = EXPECTED_REFUSALS[t.name];
  if (o.status === "refused") {
    if (expected === undefined) return { status: "fail", reason: `the verifier refuses it, and it is not an expected refusal: ${o.reason}` };
    if (o.reason !== expected) return { status: "fail", reason: `the verifier refuses it for another reason than expected ("${expected}"): ${o.reason}` };
    return o;
  }
  if (o.status === "pass" && expected !== undefined) {
    return { status: "pass", r0: o.r0, note: `no longer refused by this kernel (expected "${expected}"); it runs correctly: remove it from EXPECTED_REFUSALS` };
  }
  return o;
}

function runProgram(sys: Sys, t: ConformanceTest): KernelOutcome {
  if (t.skip) return { status: "skip", reason: t.skip };
  const maps: BpfMap[] = [];
  let program: Program | undefined;
  try {
    const result = BpfMap.create(sys, { name: "result", type: "array", keySize: 4, valueSize: 8, maxEntries: 1 });
    maps.push(result);
    let mem: BpfMap | undefined;
    if (t.mem?.length) {
      mem = BpfMap.create(sys, { name: "mem", type: "array", keySize: 4, valueSize: t.mem.length, maxEntries: 1, initialValue: Buffer.from(t.mem).toString("hex") });
      maps.push(mem);
    }
    const spec: ProgramSpec = { name: t.name.slice(0, 15), type: "xdp", attach: { kind: "none" }, instructions: kernelProgram(t), license: "GPL" };
    try {
      program = Program.load(sys, spec, { mapFd: (n) => (n === "result" ? result.fd : n === "mem" ? mem?.fd : undefined) });
    } catch (e) {
      if (e instanceof VerifierError) return { status: "refused", reason: `${e.tail.split("\n").filter((l) => l.trim() && !/^processed|^verification time/.test(l)).pop()?.trim() ?? e.message}` };
      throw e;
    }
    const run = program.testRun({ data: new Uint8Array(64), dataOutSize: 64 + 256 });
    if (run.retval !== XDP_PASS) return { status: "fail", reason: `XDP program returned ${run.retval}, expected XDP_PASS` };
    const raw = result.getRaw(new Uint8Array(4))!;
    const r0 = new DataView(raw.buffer, raw.byteOffset).getBigUint64(0, true);
    if (t.error !== undefined) return { status: "fail", reason: `expected error "${t.error}", but the program ran and returned ${hex(r0)}` };
    if (r0 !== t.result) return { status: "fail", reason: `r0 = ${hex(r0)}, expected ${hex(t.result!)}` };
    return { status: "pass", r0 };
  } catch (e) {
    if (e instanceof BpfError) return { status: "fail", reason: e.describe() };
    throw e;
  } finally {
    program?.close();
    for (const m of maps) m.close();
  }
}
