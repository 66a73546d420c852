// Verifier logs: the kernel's log text and the loaded instructions in, a VerifierError out that names the failing
// instruction, the TypeScript line behind it, a one-line explanation in plain words and the relevant log tail.

import { type Instruction, OP_CALL, type SourceSpan, slotIndex } from "../../core/asm/index.ts";
import { POISON_HELPER } from "../../core/object/elf/read-core.ts";
import { BpfError } from "./errors.ts";

/** The diagnostic code of a program the kernel verifier rejected (TSB3xxx: the verifier; compiler/diagnostics.ts). */
export const VERIFIER_REJECTED = "TSB3001";

export class VerifierError extends BpfError {
  override name = "VerifierError";
  constructor(
    message: string,
    operation: string,
    /** The whole verifier log. */
    readonly log: string,
    /** The last lines of the log that matter (the failing instruction and the error). */
    readonly tail: string,
    readonly explanation: string,
    /** Index (into the program's instructions) of the instruction the verifier stopped at, if known. */
    readonly insn?: number,
    readonly span?: SourceSpan,
    readonly sourceLine?: string,
    hint?: string,
    code?: string,
    errno?: number,
  ) {
    super(message, operation, hint, code, errno);
  }

  override describe(): string {
    const where = this.span ? `${this.span.file}:${this.span.line}:${this.span.column}: ` : "";
    return [`${where}${this.message}`, ...this.details()].join("\n");
  }

  /**
   * As the compiler prints its diagnostics (`file:line:col - error TSBnnnn: message`), with code TSB3001: the
   * verifier's refusal is a diagnostic of the tracer's source line, the one the compiler could not catch.
   */
  override report(): string {
    const where = this.span ? `${this.span.file}:${this.span.line}:${this.span.column} - ` : "";
    return [`${where}error ${VERIFIER_REJECTED}: ${this.message}`, ...this.details()].join("\n");
  }

  private details(): string[] {
    const lines: string[] = [];
    if (this.sourceLine !== undefined) lines.push(`  ${this.span?.line ?? ""} | ${this.sourceLine.trim()}`);
    lines.push(`  ${this.explanation}`);
    if (this.hint) lines.push(`  hint: ${this.hint}`);
    lines.push("  verifier log (tail):", ...this.tail.split("\n").map((l) => `    ${l}`));
    return lines;
  }
}

interface Rule {
  readonly match: RegExp;
  readonly explain: (m: RegExpExecArray) => string;
  readonly hint?: string;
}

/** Verifier messages in plain words. Order matters: the first match wins. */
const RULES: readonly Rule[] = [
  { match: /invalid mem access '(map_value_or_null|ptr_or_null_|mem_or_null|ringbuf_mem_or_null)/, explain: () => "a map lookup or ring buffer reservation is used without checking it for null first", hint: "check the result (`if (v === undefined) return;`) before using it" },
  { match: /invalid mem access 'scalar'|invalid mem access 'inv'/, explain: () => "a plain number is dereferenced as if it were a pointer", hint: "read memory behind such addresses with bpf.probeRead*()" },
  { match: /math between (\w+) pointer and register with unbounded min value/, explain: (m) => `an index added to a ${m[1]} pointer has no lower bound`, hint: "check the index against 0 and the length (or mask it) before using it" },
  { match: /(value|offset) -?\d+ makes (\w+) pointer be out of bounds|invalid access to map value|invalid access to memory|outside of the allowed memory range/, explain: () => "a memory access may fall outside the object it points into", hint: "bound the index with a comparison against the length right before the access" },
  { match: /unbounded memory access/, explain: () => "a memory access has an offset the verifier cannot bound", hint: "compare the index with a constant limit right before the access" },
  { match: /BPF program is too large|too many states|The sequence of \d+ jumps is too complex/, explain: () => "the program is too complex for the verifier (more than 1,000,000 instructions explored)", hint: "lower loop bounds, or move long loops into bpf.loop()" },
  { match: /back-edge from insn|infinite loop detected|loop detected/, explain: () => "a loop the verifier cannot prove terminates", hint: "bound the loop by a constant, or use bpf.loop()" },
  { match: /invalid (indirect )?read from stack/, explain: () => "uninitialised stack memory is read (or passed to a helper)" },
  { match: /R0 !read_ok/, explain: () => "the program can end without a return value" },
  { match: /R(\d) !read_ok/, explain: (m) => `register r${m[1]} is read before anything was written to it` },
  { match: /Unreleased reference|unreleased reference/, explain: () => "a ring buffer reservation is not submitted or discarded on every path" },
  { match: /cannot call GPL-restricted function/, explain: () => "a GPL-only helper is called from a program without a GPL-compatible license", hint: "declare the license as \"GPL\" (or \"Dual MIT/GPL\")" },
  { match: /unknown func (\w+)#(\d+)|invalid func (\w+)#(\d+)/, explain: (m) => `helper ${m[1] ?? m[3]} (#${m[2] ?? m[4]}) does not exist in this kernel or is not allowed for this program type` },
  { match: /program of this type cannot use helper (\w+)#(\d+)/, explain: (m) => `helper ${m[1]} (#${m[2]}) is not allowed in this kind of probe` },
  { match: /combined stack size of \d+ calls is (\d+)|stack (depth|size) \d+ exceeds|invalid (write|read) to stack R10 off=(-?\d+)/, explain: () => "the program uses more than 512 bytes of stack", hint: "keep large structs and strings in maps (per-CPU scratch) instead of locals" },
  { match: /R(\d) type=(\w+) expected=([\w, ]+)/, explain: (m) => `argument r${m[1]} of a helper has the wrong kind of value (${m[2]}, expected ${m[3]})` },
  { match: /invalid size of register spill|misaligned (stack|value) access/, explain: () => "a misaligned memory access" },
  { match: /jump out of range|last insn is not an exit or jmp/, explain: () => "the program's control flow leaves the program" },
  { match: /div by zero/, explain: () => "a division by the constant zero" },
  { match: /R\d pointer comparison prohibited|pointer arithmetic .* prohibited/, explain: () => "arithmetic or comparison on a pointer that the verifier forbids" },
  { match: /reference has not been acquired before|arg \d+ is an unacquired reference/, explain: () => "a reservation is released twice or was never acquired" },
  { match: /attach_btf_id \d+ is not a function|Cannot find (\w+)|attach to unsupported member/, explain: () => "the attach point does not exist in this kernel's BTF" },
];

/** The instruction slot the verifier was at when it failed: the last `N: (xx) ...` line of the log. */
export function failingSlot(log: string): number | undefined {
  const re = /^(\d+): \([0-9a-f]{2}\)/gm;
  let last: number | undefined;
  for (let m = re.exec(log); m; m = re.exec(log)) last = Number(m[1]);
  return last;
}

/** The error line: the last non-empty line that is not processing statistics. */
function errorLine(log: string): string {
  const lines = log.split("\n").map((l) => l.trim()).filter((l) => l && !/^(processed \d+ insns|verification time|stack depth|-- END PROG LOAD LOG --)/.test(l));
  return lines[lines.length - 1] ?? "";
}

export function explainLog(log: string): { explanation: string; hint?: string; line: string } {
  const line = errorLine(log);
  for (const r of RULES) {
    const m = r.match.exec(log.slice(Math.max(0, log.length - 4000)));
    if (m) return { explanation: r.explain(m), line, ...(r.hint ? { hint: r.hint } : {}) };
  }
  return { explanation: line ? `the verifier said: ${line}` : "the verifier rejected the program without a message", line };
}

/** Builds the VerifierError for a failed load. */
export function verifierError(programName: string, log: string, insns: readonly Instruction[], code: string, errno: number): VerifierError {
  const { explanation, hint, line } = explainLog(log);
  const slot = failingSlot(log);
  let insn: number | undefined;
  if (slot !== undefined) {
    const slots = slotIndex(insns);
    const i = slots.indexOf(slot);
    if (i >= 0) insn = i;
  }
  const meta = insn !== undefined ? insns[insn]?.meta : undefined;
  // A CO-RE relocation this kernel cannot satisfy, poisoned as libbpf does: the verifier reached it.
  const poisoned = insn !== undefined && insns[insn]!.op === OP_CALL && insns[insn]!.imm === POISON_HELPER ? meta?.comment : undefined;
  const lines = log.trimEnd().split("\n");
  // Keep the last instructions before the error: enough to see the path, short enough to read.
  const tail = lines.slice(-12).join("\n");
  const where = insn !== undefined ? ` at instruction ${insn}` : "";
  return new VerifierError(
    `the kernel verifier rejected program ${programName}${where}: ${line || code}`,
    `load program ${programName}`,
    log,
    tail,
    poisoned ?? explanation,
    insn,
    meta?.span,
    meta?.source,
    poisoned ? "the program reads it on a path that does not test it first: fieldExists() in a tracer, bpf_core_field_exists() (or bpf_core_type_exists()) in C" : hint,
    code,
    errno,
  );
}
