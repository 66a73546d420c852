// Program loading: a ProgramSpec and the fds of its maps in, a loaded Program out (or a VerifierError that points at
// the TypeScript line). Loads without a log first and reloads once with a 16 MiB one only on failure.

import { type Instruction, OP_LDDW, PseudoLd, encode, insn } from "../../core/asm/index.ts";
import { programBtf } from "../../core/object/program-btf.ts";
import { PROGRAM_TYPES, type ProgramSpec, type ProgramType } from "../../core/object/spec.ts";
import * as bpf from "./bpf.ts";
import { BpfError, explain } from "./errors.ts";
import { ERRNO, type NativeMemory, type Sys, SysError } from "./sys.ts";
import { verifierError } from "./verifier.ts";

const PROGRAM_SINCE: Record<ProgramType, string> = {
  socket_filter: "3.19", kprobe: "4.1", tracepoint: "4.7", xdp: "4.8", perf_event: "4.9", raw_tracepoint: "4.17",
  tracing: "5.5", syscall: "5.14",
};

/** The verifier log's buffer: 16 MiB less a byte, the most kernels before 5.2 accept (UINT_MAX >> 8). */
const LOG_SIZE = 0xffffffff >>> 8;

export interface LoadOptions {
  /** The fd of each map the program references by name. */
  readonly mapFd: (name: string) => number | undefined;
  /** attach_btf_id for TRACING programs (tp_btf, fentry, fexit), and the BTF object holding it (0: vmlinux). */
  readonly attachBtfId?: number;
  readonly attachBtfObjFd?: number;
  /** BTF for func_info/line_info, prepared by the caller (see runtime/kernel/btf-ext.ts). */
  readonly btf?: { readonly fd: number; readonly funcInfo: Uint8Array; readonly funcInfoCount: number; readonly lineInfo: Uint8Array; readonly lineInfoCount: number };
  /** Always load with a verifier log of this level (1, or 2 for per-instruction state). */
  readonly logLevel?: number;
  /** kern_version: required for kprobe programs before Linux 5.0. */
  readonly kernVersion?: number;
}

export interface ProgramInfo {
  readonly id: number;
  readonly type: number;
  readonly name: string;
  /** The kernel's tag (SHA-1 prefix of the instructions with map fds zeroed), as hex. */
  readonly tag: string;
  readonly xlatedLength: number;
  readonly jitedLength: number;
  /** Instructions the verifier processed (5.16+; 0 before). */
  readonly verifiedInsns: number;
}

/** Patches map references (by name) into fds. */
export function linkMaps(insns: readonly Instruction[], mapFd: (name: string) => number | undefined, program: string): Instruction[] {
  return insns.map((ins) => {
    if (ins.op !== OP_LDDW || ins.map === undefined) return ins;
    const fd = mapFd(ins.map);
    if (fd === undefined) throw new BpfError(`program ${program} uses map ${ins.map}, which is not in the collection`, `load program ${program}`);
    const src = ins.src === PseudoLd.MapIdx ? PseudoLd.MapFd : ins.src === PseudoLd.MapIdxValue ? PseudoLd.MapValue : ins.src;
    return insn({ op: ins.op, dst: ins.dst, src, off: ins.off, imm: fd, imm2: ins.imm2 ?? 0, ...(ins.meta ? { meta: ins.meta } : {}) });
  });
}

export class Program implements Disposable {
  private fdValue: number;

  private constructor(private readonly sys: Sys, fd: number, readonly spec: ProgramSpec, readonly instructions: readonly Instruction[]) {
    this.fdValue = fd;
  }

  get name(): string {
    return this.spec.name;
  }

  get fd(): number {
    if (this.fdValue < 0) throw new BpfError(`program ${this.spec.name} is closed`, `use program ${this.spec.name}`);
    return this.fdValue;
  }

  /** Loads `spec`. Throws VerifierError when the verifier refuses it, BpfError for everything else. */
  static load(sys: Sys, spec: ProgramSpec, opts: LoadOptions): Program {
    const insns = linkMaps(spec.instructions, opts.mapFd, spec.name);
    const bytes = encode(insns);
    const what = `load program ${spec.name}`;
    const code = sys.alloc(bytes.length);
    code.bytes.set(bytes);
    const license = bpf.cString(sys, spec.license);
    const natives: NativeMemory[] = [code, license];
    // func_info/line_info from the instructions' source spans, so that verifier logs show TypeScript lines.
    let btf = opts.btf;
    let btfFd: number | undefined;
    if (!btf) {
      const pb = programBtf(spec.name, insns);
      if (pb) {
        try {
          btfFd = bpf.btfLoad(sys, pb.blob);
          btf = { fd: btfFd, funcInfo: pb.funcInfo, funcInfoCount: pb.funcInfoCount, lineInfo: pb.lineInfo, lineInfoCount: pb.lineInfoCount };
        } catch {
          // Kernels before 5.0 (or without BTF support) load the program without line info.
        }
      }
    }
    const native = (b: Uint8Array) => {
      const m = sys.alloc(b.length);
      m.bytes.set(b);
      natives.push(m);
      return m;
    };
    try {
      const base: bpf.ProgLoadAttr = {
        type: PROGRAM_TYPES[spec.type],
        insns: code,
        insnCount: bytes.length / 8,
        license,
        name: spec.name,
        flags: spec.flags ?? 0,
        expectedAttachType: spec.expectedAttachType ?? 0,
        ...(opts.kernVersion !== undefined ? { kernVersion: opts.kernVersion } : {}),
        ...(opts.attachBtfId !== undefined ? { attachBtfId: opts.attachBtfId } : {}),
        ...(opts.attachBtfObjFd !== undefined ? { attachBtfObjFd: opts.attachBtfObjFd } : {}),
        ...(btf ? {
          btfFd: btf.fd,
          funcInfo: native(btf.funcInfo), funcInfoCount: btf.funcInfoCount,
          lineInfo: native(btf.lineInfo), lineInfoCount: btf.lineInfoCount,
        } : {}),
      };
      const load = (logLevel: number, log?: NativeMemory): number => {
        // A signal arriving during verification makes the kernel return EAGAIN; Node delivers signals, so retry.
        for (let attempt = 0; ; attempt++) {
          try {
            return bpf.progLoad(sys, { ...base, ...(log ? { logLevel, log } : {}) }).fd;
          } catch (e) {
            if (e instanceof SysError && e.errno === ERRNO.EAGAIN && attempt < 5) continue;
            throw e;
          }
        }
      };
      // The verifier's work is the cost of a refusal (seconds for a large program, several times that with a log):
      // one run without a log, and on failure one with a log big enough for any useful tail. Since Linux 6.4 the log
      // rotates, so a log that does not fit (ENOSPC) keeps its last lines, which are the ones that explain; before
      // 6.4 it keeps its first 16 MiB, as a growing buffer would have at most.
      let first: SysError | undefined;
      if (!opts.logLevel) {
        try {
          return new Program(sys, load(0), spec, insns);
        } catch (e) {
          if (!(e instanceof SysError) || (e.errno !== ERRNO.EINVAL && e.errno !== ERRNO.EACCES && e.errno !== ERRNO.E2BIG)) {
            throw explainLoad(e, what, spec.type, bytes.length / 8);
          }
          first = e;
        }
      }
      const log = sys.alloc(LOG_SIZE);
      natives.push(log);
      try {
        return new Program(sys, load(opts.logLevel ?? 1, log), spec, insns);
      } catch (e) {
        if (!(e instanceof SysError)) throw e;
        // A log that did not fit turns the refusal's errno into ENOSPC: the first run's is the verifier's.
        const why = e.errno === ERRNO.ENOSPC && first ? first : e;
        const text = logText(log.bytes);
        if (!text.trim()) throw explainLoad(why, what, spec.type, bytes.length / 8);
        throw verifierError(spec.name, text, insns, why.code, why.errno);
      }
    } finally {
      for (const m of natives) m.free();
      // The loaded program holds its own reference to the BTF.
      if (btfFd !== undefined) sys.close(btfFd);
    }
  }

  info(): ProgramInfo {
    const b = bpf.objGetInfo(this.sys, this.fd, 232);
    const v = new DataView(b.buffer);
    const name = b.subarray(64, 80);
    const end = name.indexOf(0);
    return {
      type: v.getUint32(0, true),
      id: v.getUint32(4, true),
      tag: Buffer.from(b.subarray(8, 16)).toString("hex"),
      jitedLength: v.getUint32(16, true),
      xlatedLength: v.getUint32(20, true),
      name: new TextDecoder().decode(name.subarray(0, end < 0 ? 16 : end)),
      verifiedInsns: v.getUint32(216, true),
    };
  }

  /** Runs the program once (or `repeat` times) in the kernel with BPF_PROG_TEST_RUN. */
  testRun(input: Omit<bpf.TestRunAttr, "progFd"> = {}): bpf.TestRunResult {
    try {
      return bpf.progTestRun(this.sys, { ...input, progFd: this.fd });
    } catch (e) {
      if (e instanceof SysError && e.errno === ERRNO.ENOTSUPP) {
        throw new BpfError(`test run of program ${this.name}: ${this.spec.type} programs cannot be test-run`, `test-run ${this.name}`,
          "BPF_PROG_TEST_RUN supports socket_filter, xdp, raw_tracepoint (5.10), syscall (5.14) and tracing programs", e.code, e.errno);
      }
      throw explain(e, `test-run program ${this.name}`);
    }
  }

  close(): void {
    if (this.fdValue < 0) return;
    this.sys.close(this.fdValue);
    this.fdValue = -1;
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

function logText(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return new TextDecoder().decode(bytes.subarray(0, end < 0 ? bytes.length : end));
}

/** BPF_COMPLEXITY_LIMIT_INSNS: the most instructions the kernel loads (BPF_MAXINSNS, 4096, without CAP_BPF). */
export const PROGRAM_INSNS_MAX = 1_000_000;

/** BPF_PROG_LOAD's refusal when the verifier left no log to explain it. */
function explainLoad(e: unknown, what: string, type: ProgramType, insnCount: number): Error {
  if (e instanceof SysError && e.errno === ERRNO.E2BIG) {
    return new BpfError(`${what}: too large: ${insnCount} instructions, limit ${PROGRAM_INSNS_MAX} (4096 without CAP_BPF) (${e.code})`, what,
      insnCount > 4096 ? "split the work into several probes, or move loops into bpf.loop() callbacks"
        : `the kernel may be older than Linux ${PROGRAM_SINCE[type]}, which ${type} programs need, or lack CAP_BPF`, e.code, e.errno);
  }
  return explain(e, what, { call: "prog-load", unsupported: { feature: `${type} programs`, since: PROGRAM_SINCE[type] } });
}
