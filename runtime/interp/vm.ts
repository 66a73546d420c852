// The eBPF VM: a validated program (bytes or instructions) in, a runnable VmProgram out; run() gives r0.
// Exact eBPF semantics (RFC 9669 + cpu v4), bounds-checked memory, a 512-byte stack per frame, an instruction
// budget, helpers from a table the caller supplies. Faults name the instruction and its source span.

import {
  AsmError, OP_LDDW, PseudoLd, decode, formatInstruction, validate, type InsnMeta, type Instruction,
} from "../../core/asm/index.ts";
import { helperName } from "../../core/asm/helpers.ts";
import { FaultKind, MAX_FRAMES, STACK_SIZE, translate } from "./jit.ts";
import { checkStructure } from "./structure.ts";
import { type Acquired, AddressSpace, FUNC_HANDLE_HI, MAP_HANDLE_HI, type Region } from "./memory.ts";

export const DEFAULT_BUDGET = 1_000_000;

/** What a helper sees besides its arguments. */
export interface HelperContext {
  readonly memory: AddressSpace;
  /** Index of the calling instruction. */
  readonly insn: number;
  /** The map behind a map handle (an r1 loaded with BPF_PSEUDO_MAP_FD), or a VmError if it is not one. */
  map(handle: bigint): VmMap;
  /** Runs a BPF_PSEUDO_FUNC callback (as bpf_loop does) with r1..r5 = args and returns its r0. */
  callback(fn: bigint, ...args: bigint[]): bigint;
  /** Ends the whole program now with r0 = value (uBPF's "unwind"). */
  stop(value: bigint): never;
  /** Throws a VmError located at the calling instruction. */
  fail(message: string): never;
}

/** A helper: r1..r5 in, r0 out. Numbers are taken as 64-bit two's complement. */
export type Helper = (ctx: HelperContext, r1: bigint, r2: bigint, r3: bigint, r4: bigint, r5: bigint) => bigint | number | void;

/** The VM's view of a map: enough for lddw. Mock maps (runtime/interp/maps) implement it. */
export interface VmMap {
  readonly name: string;
  /** The bytes of element 0, for BPF_PSEUDO_MAP_VALUE loads (global data lives in array maps). */
  valueRegion?(): Uint8Array;
  /** False for read-only data (.rodata); stores through a map-value pointer then fault. */
  readonly writable?: boolean;
}

/** How an lddw names its map: by symbol (tsbpf's specs), fd (BPF_PSEUDO_MAP_FD) or fd_array index. */
export interface MapRef {
  readonly name?: string;
  readonly fd?: number;
  readonly index?: number;
}

export interface VmOptions {
  readonly helpers?: Readonly<Record<number, Helper>>;
  /** Instruction budget per run (default 1,000,000). */
  readonly budget?: number;
  /** Resolves the maps that lddw instructions reference. */
  readonly maps?: (ref: MapRef) => VmMap | undefined;
}

export interface RunInput {
  /** Bytes that r1 points to (a private, writable copy is made); r2 = their length. */
  readonly mem?: Uint8Array;
  /** Context bytes that r1 points to, read-only (a tracepoint's record, pt_regs, ...). Overrides mem's r1. */
  readonly ctx?: Uint8Array;
  /** Explicit initial registers r1..r5, as 64-bit values. */
  readonly regs?: Readonly<Partial<Record<1 | 2 | 3 | 4 | 5, bigint>>>;
  readonly budget?: number;
}

export interface RunResult {
  /** r0 at the final exit, as an unsigned 64-bit value. */
  readonly r0: bigint;
  /** Instructions executed (lddw counts once). */
  readonly instructions: number;
}

/** A program error at run time (fault, budget, helper failure) or load time (invalid program). */
export class VmError extends Error {
  override readonly name = "VmError";
  constructor(
    message: string,
    readonly kind: "load" | "read" | "write" | "budget" | "call-depth" | "helper" | "unsupported" | "stack" | "reference",
    readonly insn?: number,
    readonly meta?: InsnMeta,
  ) {
    super(message);
  }
}

class Stop {
  constructor(readonly value: bigint) {}
}

type Exec = (pc: number, depth: number, regs: Int32Array) => void;

const toPair = (v: bigint | number): [number, number] => {
  const b = BigInt.asUintN(64, BigInt(v));
  return [Number(BigInt.asIntN(32, b)), Number(BigInt.asIntN(32, b >> 32n))];
};
const fromPair = (l: number, h: number): bigint => (BigInt(h >>> 0) << 32n) | BigInt(l >>> 0);

/** A loaded program. `run` may be called any number of times; memory regions persist between runs. */
export class VmProgram {
  readonly memory = new AddressSpace();
  readonly instructions: readonly Instruction[];
  /** The generated JavaScript, for the curious and for debugging the VM itself. */
  readonly source: string;
  private readonly exec: Exec;
  private readonly state = { budget: 0, rh: 0 };
  private readonly stack: Region;
  private readonly maps: VmMap[] = [];
  private readonly helpers: Readonly<Record<number, Helper>>;
  private readonly defaultBudget: number;
  private readonly insnAtSlot: readonly number[];
  private inputRegion: Region | undefined;

  static load(program: Uint8Array | readonly Instruction[], opts: VmOptions = {}): VmProgram {
    let insns: readonly Instruction[];
    try {
      insns = program instanceof Uint8Array ? decode(program) : program;
      validate(insns);
    } catch (e) {
      if (e instanceof AsmError) throw new VmError(`invalid program: ${e.message}`, "load", e.index, e.meta);
      throw e;
    }
    // What the verifier refuses before running anything, the VM refuses too (uBPF and rbpf run some of it).
    const problem = checkStructure(insns);
    if (problem) {
      throw new VmError(`invalid program: ${problem.message} (the kernel's verifier: "${problem.kernel}")`, "load", problem.insn, insns[problem.insn]?.meta);
    }
    return new VmProgram(insns, opts);
  }

  private constructor(insns: readonly Instruction[], opts: VmOptions) {
    this.instructions = insns;
    this.helpers = opts.helpers ?? {};
    this.defaultBudget = opts.budget ?? DEFAULT_BUDGET;
    this.stack = this.memory.map(new Uint8Array(STACK_SIZE * MAX_FRAMES), "stack");
    const mapIds = new Map<string, number>();
    const mapIndex = (ins: Instruction): number => {
      const ref: MapRef = ins.map !== undefined ? { name: ins.map }
        : ins.src === PseudoLd.MapIdx || ins.src === PseudoLd.MapIdxValue ? { index: ins.imm } : { fd: ins.imm };
      const key = JSON.stringify(ref);
      let id = mapIds.get(key);
      if (id === undefined) {
        const m = opts.maps?.(ref);
        const i = insns.indexOf(ins);
        if (!m) throw new VmError(`instruction ${i}: the program uses map ${ref.name ?? `fd ${ref.fd ?? ref.index}`}, which the VM was not given`, "load", i, ins.meta);
        id = this.maps.length;
        this.maps.push(m);
        mapIds.set(key, id);
      }
      return id;
    };
    for (const ins of insns) if (ins.op === OP_LDDW && ins.src !== PseudoLd.Imm && ins.src !== PseudoLd.Func && ins.src !== PseudoLd.BtfId) mapIndex(ins);
    const { source, insnAtSlot } = translate(insns, mapIndex);
    this.source = source;
    this.insnAtSlot = insnAtSlot;
    const env = {
      regions: this.memory.regions,
      stack: this.stack,
      state: this.state,
      fault: (kind: FaultKind, insn: number, h: number, l: number, n: number, what?: string): never => this.fault(kind, insn, h, l, n, what),
      call: (id: number, insn: number, depth: number, ...a: number[]): number => this.callHelper(id, insn, depth, a),
      mapValue: (index: number, insn: number): Region => this.mapValueRegion(index, insn),
    };
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the whole point: one JS function per program.
    this.exec = new Function("E", source)(env) as Exec;
  }

  run(input: RunInput = {}): RunResult {
    const regs = new Int32Array(22);
    if (this.inputRegion) {
      this.memory.release(this.inputRegion);
      this.inputRegion = undefined;
    }
    if (input.mem) {
      this.inputRegion = this.memory.map(input.mem.slice(), "mem");
      [regs[2], regs[3]] = toPair(this.memory.address(this.inputRegion));
      [regs[4], regs[5]] = toPair(input.mem.length);
    }
    if (input.ctx) {
      if (this.inputRegion) this.memory.release(this.inputRegion);
      this.inputRegion = this.memory.map(input.ctx.slice(), "ctx", false);
      [regs[2], regs[3]] = toPair(this.memory.address(this.inputRegion));
    }
    for (const [r, v] of Object.entries(input.regs ?? {})) [regs[2 * Number(r)], regs[2 * Number(r) + 1]] = toPair(v);
    const budget = input.budget ?? this.defaultBudget;
    this.state.budget = budget;
    this.stack.bytes.fill(0);
    this.memory.sweep();
    let r0: bigint;
    try {
      this.exec(0, 0, regs);
      r0 = fromPair(regs[0]!, regs[1]!);
    } catch (e) {
      if (!(e instanceof Stop)) {
        this.abandonReferences();
        throw e;
      }
      r0 = BigInt.asUintN(64, e.value);
    }
    const leaked = this.abandonReferences()[0];
    if (leaked) {
      // The verifier refuses such a program ("Unreleased reference"); the VM only notices when a run takes that path.
      throw new VmError(`the program exited holding the ${leaked.what} it acquired (it must be released on every path; ` +
        `the verifier rejects this program: "Unreleased reference")${this.describeInsn(leaked.insn)}`, "reference", leaked.insn, this.instructions[leaked.insn]?.meta);
    }
    return { r0, instructions: budget - this.state.budget };
  }

  /** Gives back what helpers lent the program and it still holds (after an exit or a fault); returns those leases. */
  private abandonReferences(): readonly Acquired[] {
    const held = this.memory.outstanding();
    for (const a of held) {
      a.abandon();
      this.memory.retire(a.region, `the program exited holding it (acquired at instruction ${a.insn})`);
    }
    return held;
  }

  /** Where instruction `i` came from, as `file:line:col`, if the program carries spans. */
  location(i: number): string | undefined {
    const span = this.instructions[i]?.meta?.span;
    return span ? `${span.file}:${span.line}:${span.column}` : undefined;
  }

  private describeInsn(i: number): string {
    const ins = this.instructions[i];
    if (!ins) return "";
    const where = this.location(i);
    const src = ins.meta?.source ? `: ${ins.meta.source.trim()}` : "";
    return ` at instruction ${i} (${formatInstruction(ins).split("\n")[0]})${where ? ` in ${where}${src}` : ""}`;
  }

  private fault(kind: FaultKind, insn: number, h: number, l: number, n: number, what?: string): never {
    const meta = this.instructions[insn]?.meta;
    const at = this.describeInsn(insn);
    switch (kind) {
      case FaultKind.Read:
      case FaultKind.Write: {
        const addr = (BigInt(h >>> 0) << 32n) + BigInt(l);
        const verb = kind === FaultKind.Read ? "read" : "write";
        const target = this.memory.locate(addr);
        const retired = target?.region.retired;
        const why = retired !== undefined ? `use after release: ${verb} of ${n} bytes at ${this.memory.describe(addr)} (${retired})`
          : target && !target.region.writable && kind === FaultKind.Write ? `write to read-only ${target.region.name}`
          : addr === 0n || (h === 0 && l < 4096) ? `${verb} of ${n} bytes through a NULL pointer (${this.memory.describe(addr)})`
          : `out-of-bounds ${verb} of ${n} bytes at ${this.memory.describe(addr)}${target ? ` (${target.region.name} has ${target.region.size} bytes)` : ""}`;
        throw new VmError(`${why}${at}`, kind === FaultKind.Read ? "read" : "write", insn, meta);
      }
      case FaultKind.StackOffset:
        throw new VmError(`stack access of ${n} bytes at r10${l < 0 ? l : "+" + l} is outside the ${STACK_SIZE}-byte frame${at}`, "stack", insn, meta);
      case FaultKind.Budget:
        throw new VmError(`instruction budget exhausted (${this.defaultBudget.toLocaleString("en-US")} by default): the program runs too long or loops forever${at}`, "budget", insn, meta);
      case FaultKind.CallDepth:
        throw new VmError(`too many nested calls (at most ${MAX_FRAMES} frames)${at}`, "call-depth", insn, meta);
      case FaultKind.BadJump:
        throw new VmError(`jump to slot ${l}, which is not an instruction`, "load");
      default:
        throw new VmError(`unsupported in the VM: ${what ?? "instruction"}${at}`, "unsupported", insn, meta);
    }
  }

  private mapValueRegion(index: number, insn: number): Region {
    const m = this.maps[index]!;
    const bytes = m.valueRegion?.();
    if (!bytes) this.fault(FaultKind.Unsupported, insn, 0, 0, 0, `map ${m.name} has no value region for BPF_PSEUDO_MAP_VALUE`);
    return this.memory.map(bytes, `map value ${m.name}`, m.writable !== false);
  }

  private callHelper(id: number, insn: number, depth: number, a: number[]): number {
    const helper = this.helpers[id];
    if (!helper) {
      const name = helperName(id);
      throw new VmError(`helper ${id}${name ? ` (${name})` : ""} is not available in the VM${this.describeInsn(insn)}`, "helper", insn, this.instructions[insn]?.meta);
    }
    const args = [0, 1, 2, 3, 4].map((k) => fromPair(a[2 * k]!, a[2 * k + 1]!)) as [bigint, bigint, bigint, bigint, bigint];
    const ctx: HelperContext = {
      memory: this.memory,
      insn,
      map: (handle) => {
        const h = BigInt.asUintN(64, handle);
        const m = h >> 32n === BigInt(MAP_HANDLE_HI) ? this.maps[Number(h & 0xffffffffn)] : undefined;
        if (!m) return ctx.fail(`helper ${id}: argument is not a map pointer`);
        return m;
      },
      callback: (fn, ...cbArgs) => this.callback(fn, cbArgs, depth + 1, insn),
      stop: (value) => {
        throw new Stop(value);
      },
      fail: (message) => {
        throw new VmError(`${message}${this.describeInsn(insn)}`, "helper", insn, this.instructions[insn]?.meta);
      },
    };
    const r = helper(ctx, ...args);
    const [l, h] = toPair(r ?? 0n);
    this.state.rh = h;
    return l;
  }

  private callback(fn: bigint, args: bigint[], depth: number, insn: number): bigint {
    const f = BigInt.asUintN(64, fn);
    const slot = Number(f & 0xffffffffn);
    if (f >> 32n !== BigInt(FUNC_HANDLE_HI) || this.insnAtSlot[slot] === undefined) {
      throw new VmError(`callback argument is not a function address${this.describeInsn(insn)}`, "helper", insn);
    }
    if (depth >= MAX_FRAMES) this.fault(FaultKind.CallDepth, insn, 0, 0, 0);
    const regs = new Int32Array(22);
    args.slice(0, 5).forEach((v, k) => ([regs[2 * (k + 1)], regs[2 * (k + 1) + 1]] = toPair(v)));
    const savedRh = this.state.rh;
    this.exec(slot, depth, regs);
    this.state.rh = savedRh;
    return fromPair(regs[0]!, regs[1]!);
  }
}
