// Runs bpf_conformance tests through the assembler and the VM: ConformanceTest in, outcome out.

import { AsmError, decode, encode, fromWords, parseAsm } from "../../core/asm/index.ts";
import { type Helper, VmError, VmProgram } from "../../runtime/interp/index.ts";
import type { ConformanceTest } from "./data.ts";

export type Outcome =
  | { readonly status: "pass"; readonly r0: bigint; readonly note?: string }
  | { readonly status: "fail"; readonly reason: string }
  | { readonly status: "skip"; readonly reason: string };

/**
 * The suite's only helper: uBPF's "unwind" (id 5, also reached by callx). It returns r1; a return value of 0 ends
 * the program with r0 = 0. On Linux id 5 is bpf_ktime_get_ns, which never returns 0, so the outcome agrees.
 */
export const conformanceHelpers: Readonly<Record<number, Helper>> = {
  5: (ctx, r1) => (r1 === 0n ? ctx.stop(0n) : r1),
};

/** The bytecode of a test: its raw words when present (upstream runs those instead of asm), else its assembly. */
export function testBytes(t: ConformanceTest): Uint8Array {
  if (t.raw) return fromWords(t.raw);
  if (t.rawBytes) return t.rawBytes;
  if (t.asm !== undefined) return encode(parseAsm(t.asm));
  throw new AsmError("no instructions");
}

const hex = (v: bigint) => "0x" + v.toString(16);

export function runInVm(t: ConformanceTest): Outcome {
  if (t.skip) return { status: "skip", reason: t.skip };
  let program: VmProgram;
  try {
    program = VmProgram.load(decode(testBytes(t)), { helpers: conformanceHelpers });
  } catch (e) {
    if (e instanceof AsmError || e instanceof VmError) return { status: "fail", reason: `rejected at load: ${e.message}` };
    throw e;
  }
  let r0: bigint;
  try {
    r0 = program.run(t.mem ? { mem: t.mem } : {}).r0;
  } catch (e) {
    if (e instanceof VmError) {
      if (t.error !== undefined && e.message.startsWith(t.error)) return { status: "pass", r0: 0n };
      return { status: "fail", reason: `${e.kind} error: ${e.message}` };
    }
    throw e;
  }
  if (t.error !== undefined) return { status: "fail", reason: `expected error "${t.error}", but the program ran and returned ${hex(r0)}` };
  if (r0 !== t.result) return { status: "fail", reason: `r0 = ${hex(r0)}, expected ${hex(t.result!)}` };
  return { status: "pass", r0 };
}

/**
 * A negative test is rejected when the assembler, the loader or the VM refuses it, or when the harness reports a
 * failure (a wrong result, an expected error that did not happen). It is accepted only if it passes.
 */
export function runNegative(t: ConformanceTest): { readonly rejected: boolean; readonly reason: string } {
  if (t.skip) return { rejected: true, reason: `not a test: ${t.skip}` };
  try {
    testBytes(t);
  } catch (e) {
    if (e instanceof AsmError) return { rejected: true, reason: `assembler: ${e.message}` };
    throw e;
  }
  const outcome = runInVm(t);
  if (outcome.status === "pass") return { rejected: false, reason: `accepted, r0 = ${hex(outcome.r0)}` };
  return { rejected: true, reason: outcome.reason };
}
