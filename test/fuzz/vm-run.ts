// The VM differential fuzzer: count and seed in; generated programs run in the VM, the BigInt reference interpreter
// and (when the kernel is here) the kernel with BPF_PROG_TEST_RUN, every register compared; and structural cases
// that the kernel refuses, which the VM must refuse at load too. A summary out.

import {
  Add, Call, Exit, JEq, LdMapFd, Ldx, Mov, St, Stx, disassemble, label, resolve, type AsmItem, type Instruction,
} from "../../core/asm/index.ts";
import { type HelperContext, VmError, VmProgram } from "../../runtime/interp/index.ts";
import { BpfError } from "../../runtime/kernel/errors.ts";
import { BpfMap } from "../../runtime/kernel/maps.ts";
import { Program } from "../../runtime/kernel/programs.ts";
import type { Sys } from "../../runtime/kernel/sys.ts";
import { VerifierError } from "../../runtime/kernel/verifier.ts";
import { referenceRun } from "../support/reference-vm.ts";
import { normalise } from "./check.ts";
import { Random, programSeed } from "./random.ts";
import { generateVmProgram } from "./vm-programs.ts";
import { STRUCTURAL_KINDS, structuralCase } from "./vm-structure.ts";

export interface VmRunOptions {
  readonly count: number;
  readonly seed: number;
  /** Every n-th program is a structural case (default 10). */
  readonly structuralEvery?: number;
  /** The kernel, for the three-way comparison and the structural refusals; VM and reference only without it. */
  readonly sys?: Sys | undefined;
  readonly log?: (line: string) => void;
}

export interface VmFailure {
  readonly n: number;
  readonly what: string;
  readonly program: string;
}

export interface VmRunSummary {
  readonly programs: number;
  readonly structural: number;
  readonly compared: { readonly reference: number; readonly kernel: number };
  /** Generated (valid) programs the kernel refused, by its reason: the VM need not refuse these. */
  readonly kernelRefused: Record<string, number>;
  /** Structural cases refused by the VM / by the kernel, by kind. */
  readonly refusals: Record<string, { vm: number; kernel: number; total: number }>;
  readonly failures: readonly VmFailure[];
  readonly wallMs: number;
}

const HELPER_DUMP = 200;
const XDP_PASS = 2;

/** The VM's registers at the end of `body`: the program ends by storing r0..r9 and handing them to a helper. */
export function vmRegisters(body: readonly Instruction[]): bigint[] {
  let got: bigint[] = [];
  const helpers = {
    [HELPER_DUMP]: (ctx: HelperContext, p: bigint) => {
      const view = new DataView(ctx.memory.slice(p, 80)!.slice().buffer);
      got = Array.from({ length: 10 }, (_, k) => view.getBigUint64(8 * (9 - k), true));
    },
  };
  const epilogue = [
    ...Array.from({ length: 10 }, (_, k) => Stx.dw(10, -8 * (k + 1), k)),
    Mov.reg(1, 10), Add.imm(1, -80), Call.helper(HELPER_DUMP), Mov.imm(0, 0), Exit(),
  ];
  VmProgram.load([...body.slice(0, -1), ...epilogue], { helpers }).run();
  return got;
}

/**
 * The same body as an XDP program: r0..r9 saved below the body's stack slots, then copied into the value of an
 * array map (10 u64s) that the caller reads after BPF_PROG_TEST_RUN.
 */
function kernelProgram(body: readonly Instruction[]): Instruction[] {
  const save = (k: number) => -72 - 8 * k;
  const items: AsmItem[] = [...body.slice(0, -1)];
  for (let k = 0; k < 10; k++) items.push(Stx.dw(10, save(k), k));
  items.push(St.w(10, -156, 0), LdMapFd(1, "regs"), Mov.reg(2, 10), Add.imm(2, -156), Call.helper(1), JEq.imm(0, 0, "out"));
  for (let k = 0; k < 10; k++) items.push(Ldx.dw(1, 10, save(k)), Stx.dw(0, 8 * k, 1));
  items.push(label("out"), Mov.imm(0, XDP_PASS), Exit());
  return resolve(items);
}

type KernelResult = { readonly regs: bigint[] } | { readonly refused: string };

function runInKernel(sys: Sys, map: BpfMap, body: readonly Instruction[]): KernelResult {
  let program: Program | undefined;
  try {
    program = Program.load(sys, { name: "vm_fuzz", type: "xdp", attach: { kind: "none" }, instructions: kernelProgram(body), license: "GPL" },
      { mapFd: (n) => (n === "regs" ? map.fd : undefined) });
    map.updateRaw(new Uint8Array(4), new Uint8Array(80));
    const run = program.testRun({ data: new Uint8Array(64), dataOutSize: 64 + 256 });
    if (run.retval !== XDP_PASS) return { refused: `returned ${run.retval}` };
    const raw = map.getRaw(new Uint8Array(4))!;
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    return { regs: Array.from({ length: 10 }, (_, k) => view.getBigUint64(8 * k, true)) };
  } catch (e) {
    if (e instanceof VerifierError) return { refused: normalise(lastLogLine(e)) };
    throw e;
  } finally {
    program?.close();
  }
}

function lastLogLine(e: VerifierError): string {
  return e.log.split("\n").map((l) => l.trim()).filter((l) => l && !/^(processed|verification time|stack depth|\d+: )/.test(l)).pop() ?? e.message;
}

/** Loads a structural case into the kernel (a socket filter): its refusal's log, or undefined when it loads. */
function kernelRefusal(sys: Sys, insns: readonly Instruction[]): string | undefined {
  let program: Program | undefined;
  try {
    program = Program.load(sys, { name: "vm_fuzz_shape", type: "socket_filter", attach: { kind: "none" }, instructions: [...insns], license: "GPL" }, { mapFd: () => undefined });
    return undefined;
  } catch (e) {
    if (e instanceof VerifierError) return e.log;
    if (e instanceof BpfError) return `${e.code ?? ""} ${e.message}`;
    throw e;
  } finally {
    program?.close();
  }
}

export async function runVmFuzz(opts: VmRunOptions): Promise<VmRunSummary> {
  const t0 = performance.now();
  const every = opts.structuralEvery ?? 10;
  const failures: VmFailure[] = [];
  const kernelRefused: Record<string, number> = {};
  const refusals: Record<string, { vm: number; kernel: number; total: number }> = {};
  for (const k of STRUCTURAL_KINDS) refusals[k] = { vm: 0, kernel: 0, total: 0 };
  let structural = 0;
  const compared = { reference: 0, kernel: 0 };
  const map = opts.sys ? BpfMap.create(opts.sys, { name: "regs", type: "array", keySize: 4, valueSize: 80, maxEntries: 1 }) : undefined;
  try {
    for (let n = 0; n < opts.count; n++) {
      const r = new Random(programSeed(opts.seed, n));
      if (n % every === every - 1) {
        structural++;
        const c = structuralCase(r);
        const tally = refusals[c.name]!;
        tally.total++;
        let vmRefused: string | undefined;
        try {
          VmProgram.load(c.insns);
        } catch (e) {
          if (!(e instanceof VmError) || e.kind !== "load") throw e;
          vmRefused = e.message;
        }
        if (vmRefused !== undefined) tally.vm++;
        else failures.push({ n, what: `structural case "${c.name}": the VM loads it; the kernel refuses it (${c.kernel.source})`, program: disassemble(c.insns) });
        if (opts.sys) {
          const log = kernelRefusal(opts.sys, c.insns);
          if (log !== undefined && c.kernel.test(log)) tally.kernel++;
          else failures.push({ n, what: `structural case "${c.name}": the kernel ${log === undefined ? "loads it" : `refuses it otherwise: ${log.trim().split("\n").pop()}`}, expected ${c.kernel.source}`, program: disassemble(c.insns) });
        }
        continue;
      }
      // every other program avoids the immediates the verifier refuses, so that the kernel takes part
      const body = generateVmProgram(() => r.next(), r.int(24, 250), n % 2 === 0);
      const expected = referenceRun(body).regs;
      let got: bigint[];
      try {
        got = vmRegisters(body);
      } catch (e) {
        failures.push({ n, what: `the VM fails: ${(e as Error).message}`, program: disassemble(body) });
        continue;
      }
      compared.reference++;
      const diff = (a: readonly bigint[], b: readonly bigint[]) => a.findIndex((v, k) => k < 10 && v !== b[k]);
      let k = diff(got, expected);
      if (k >= 0) failures.push({ n, what: `r${k}: VM 0x${got[k]?.toString(16)}, reference 0x${expected[k]?.toString(16)}`, program: disassemble(body) });
      if (opts.sys && map) {
        const kr = runInKernel(opts.sys, map, body);
        if ("refused" in kr) {
          kernelRefused[kr.refused] = (kernelRefused[kr.refused] ?? 0) + 1;
        } else {
          compared.kernel++;
          k = diff(kr.regs, got);
          if (k >= 0) failures.push({ n, what: `r${k}: kernel 0x${kr.regs[k]?.toString(16)}, VM 0x${got[k]?.toString(16)}`, program: disassemble(body) });
        }
      }
      if (opts.log && (n + 1) % 5000 === 0) opts.log(`${n + 1}/${opts.count}: ${failures.length} failures, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    }
  } finally {
    map?.close();
  }
  return { programs: opts.count, structural, compared, kernelRefused, refusals, failures, wallMs: performance.now() - t0 };
}

export function formatVmSummary(s: VmRunSummary, seed: number): string {
  const lines = [`tsbpf fuzz (vm), seed ${seed}: ${s.programs} programs in ${(s.wallMs / 1000).toFixed(1)} s`,
    `  generated programs: ${s.programs - s.structural}; VM = reference on ${s.compared.reference}, kernel = VM on ${s.compared.kernel}`];
  const refused = Object.entries(s.kernelRefused);
  if (refused.length) lines.push(`  refused by the kernel (not compared): ${refused.map(([k, n]) => `${n} ${k}`).join("; ")}`);
  lines.push(`  structural cases: ${s.structural}, refused by the VM / the kernel:`);
  for (const [kind, t] of Object.entries(s.refusals)) if (t.total) lines.push(`    ${kind.padEnd(26)} ${t.vm}/${t.total} VM, ${t.kernel}/${t.total} kernel`);
  lines.push(s.failures.length ? `  failures: ${s.failures.length}` : "  failures: none");
  for (const f of s.failures.slice(0, 10)) lines.push(`    #${f.n}: ${f.what}`, ...f.program.split("\n").slice(0, 40).map((l) => `      ${l}`));
  return lines.join("\n");
}
