// One target process (`tsbpf run -p PID`, `-c CMD`): a CollectionSpec and a process id in; the same spec whose
// programs count only that process out. Every program that runs in a process's context starts with a filter on the
// current process id (the kernel's tgid, so all the process's threads pass), and uprobes and hardware and software
// perf events attach to that process only.
// Done to the compiled spec at load time rather than in the compiler, so a tracer without -p is exactly what was
// compiled (no instruction added, none for the verifier to prune), and a .tsbpf built without knowing the pid takes
// one. Used by `tsbpf run`, `load()` and the VM's simulate(), which thereby run the same bytes.

import { BpfFunc, Call, Exit, type Instruction, JEq, Mov, R0, R1, R6, Rsh } from "../asm/index.ts";
import type { AttachKind, AttachSpec } from "../probes.ts";
import type { CollectionSpec, ProgramSpec } from "./spec.ts";

/**
 * Whether a program attached here runs in the context of the process it observes, so that the current process is
 * the one to filter on. Not a timer (`interval` fires in whatever process the CPU was running) and not a program
 * with no attach point (run once from user space). A new attach kind must say.
 */
const IN_PROCESS_CONTEXT: { readonly [K in AttachKind]: boolean } = {
  tracepoint: true,
  raw_tracepoint: true,
  tp_btf: true,
  kprobe: true,
  uprobe: true,
  usdt: true,
  fentry: true,
  fexit: true,
  profile: true,
  interval: false,
  begin: false,
  end: false,
  none: false,
  perf_event: true,
};

/** Whether a program at `attach` counts only the target process under -p. */
export function filtersByProcess(attach: AttachSpec): boolean {
  return IN_PROCESS_CONTEXT[attach.kind];
}

/** The largest pid Linux allocates (PID_MAX_LIMIT on 64-bit); it fits the filter's 32-bit immediate. */
export const PID_MAX = 4_194_304;

/**
 * The instructions put in front of a program: return 0 unless the current tgid is `pid`. The context pointer is
 * kept in r6 across the helper call and given back in r1; the program itself never reads r6 before writing it (the
 * verifier would refuse it), so borrowing it changes nothing for the body. Relative jumps and calls in the body
 * are unaffected by the shift; func_info and line_info are derived from the instructions at load.
 */
export function processFilter(pid: number): Instruction[] {
  const comment = { comment: `only process ${pid} (tsbpf run -p)` };
  return [
    Mov.reg(R6, R1),
    Call.helper(BpfFunc.GetCurrentPidTgid),
    Rsh.imm(R0, 32),
    JEq.imm(R0, pid, 2),
    Mov.imm(R0, 0),
    Exit(),
    Mov.reg(R1, R6),
  ].map((i) => Object.freeze({ ...i, meta: comment }));
}

/** `spec` with every program limited to process `pid` (see the header). */
export function targetProcess(spec: CollectionSpec, pid: number): CollectionSpec {
  if (!Number.isInteger(pid) || pid <= 0 || pid > PID_MAX) throw new RangeError(`not a process id: ${pid}`);
  return { ...spec, programs: spec.programs.map((p) => (filtersByProcess(p.attach) ? limitTo(p, pid) : p)) };
}

function limitTo(p: ProgramSpec, pid: number): ProgramSpec {
  const filter = processFilter(pid);
  // A uprobe (or USDT probe) declared with its own pid is given this one too: with -p, no probe fires for another
  // process. A hardware or software perf event counts in that process only (so a period counts its events, not the
  // machine's).
  const attach: AttachSpec = p.attach.kind === "uprobe" || p.attach.kind === "usdt" || p.attach.kind === "perf_event" ? { ...p.attach, pid } : p.attach;
  return {
    ...p,
    attach,
    instructions: [...filter, ...p.instructions],
    ...(p.relocations ? { relocations: p.relocations.map((r) => ({ ...r, insn: r.insn + filter.length })) } : {}),
  };
}
