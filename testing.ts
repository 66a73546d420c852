// The public API of `tsbpf/testing`: unit tests of tracers without root. A tracer's path in; its compiled bytecode
// running in the VM against mock maps, mock event channels and simulated helpers out (`simulate()`), with probes
// fired on contexts built from their typed fields, and what each run returned, emitted and printed.

import { objectsFromSpec } from "./runtime/user/bind.ts";
import { STACKS } from "./runtime/user/registry.ts";
import { simBackends } from "./runtime/user/sim-backends.ts";
import type { AnyMap, TracerMaps } from "./stdlib-types/index.js";
import type { Btf } from "./core/object/btf/index.ts";
import { readFileSync } from "node:fs";
import { isAbsolute, relative } from "node:path";
import { compile } from "./compiler/index.ts";
import { formatDiagnostics } from "./compiler/diagnostics.ts";
import { loadTracepointDb } from "./compiler/lower/tracepoints.ts";
import { decodeArtifact, isArtifactPath } from "./core/object/artifact.ts";
import { type Codec, type TypeDesc, codecOf } from "./core/object/layout.ts";
import { type ParamValue, setParams } from "./core/object/params.ts";
import type { CollectionSpec, ProgramSpec } from "./core/object/spec.ts";
import { targetProcess } from "./core/object/target.ts";
import { contextOf, formatAttach, parseAttach } from "./core/probes.ts";
import { USDT_MAX_ARGS, USDT_SPEC_MAP, encodeUsdtSpec, parseUsdtArg } from "./core/usdt.ts";
import { type MockEventChannel, SimCollection } from "./runtime/interp/collection.ts";
import { type SimEnvironment, defaultEnvironment } from "./runtime/interp/helpers.ts";
import type { MockMap } from "./runtime/interp/maps.ts";
import { type RunResult, VmError } from "./runtime/interp/vm.ts";
import { type Action, actionDecoder } from "./runtime/output/actions.ts";
import type { AggregationData } from "./runtime/output/aggregations.ts";
import { readAggregation } from "./runtime/output/read.ts";
import { StackFrames } from "./runtime/output/stacks.ts";
import { type FoldedStack, displayedKeys, foldedStacks } from "./runtime/output/folded.ts";
import { type SimFrame, SimulatedSymbols } from "./runtime/interp/symbols.ts";
import type { StackTrace } from "./runtime/symbols/types.ts";
import { formatAggregation } from "./runtime/output/text.ts";

export {
  DEFAULT_BUDGET, FakeClock, MockMap, MockPerfEventArray, MockRingBuffer, SimCollection, VmError, VmProgram,
  defaultEnvironment, memoryOf, type Helper, type HelperContext, type MockEventChannel, type RunInput, type RunResult,
  type SimEnvironment, type VmMap, type VmOptions,
} from "./runtime/interp/index.ts";
export type { SimFrame } from "./runtime/interp/symbols.ts";
export type { Frame, StackTrace } from "./runtime/symbols/types.ts";
export type { FoldedStack } from "./runtime/output/folded.ts";

export interface SimulateOptions {
  /** The clock the tracer sees (default: a FakeClock at 1 s that only moves when the test moves it). */
  readonly clock?: SimEnvironment["clock"];
  /** The current task, memory a probe read may see, ...: anything of the simulated environment. */
  readonly env?: Partial<SimEnvironment>;
  /** Simulated CPUs of per-CPU maps (default 4). */
  readonly cpus?: number;
  /** Load-time parameters, by name. */
  readonly params?: Readonly<Record<string, ParamValue>>;
  /** Count only this process, as `tsbpf run -p` does (core/object/target.ts); the simulated task is `env.pid`. */
  readonly pid?: number;
  /** Instruction budget per program run (default 1,000,000). */
  readonly budget?: number;
  /** Kernel BTF for bpf.readKernelField offsets (default: /sys/kernel/btf/vmlinux, read when needed). */
  readonly btf?: Btf | (() => Btf);
}

/** A compile error of the tracer under test: the diagnostics, printed with code frames. */
export class CompileError extends Error {
  override readonly name = "CompileError";
}

/** An event a probe sent, decoded with its channel's event type, and the channel it went to. */
export interface SimEvent<E = Record<string, unknown>> {
  readonly channel: string;
  readonly event: E;
}

/** What one `fire()` did. */
export type { Action } from "./runtime/output/actions.ts";

export interface FireResult<E = Record<string, unknown>> {
  /** r0 at exit, as the VM returns it: an unsigned 64-bit value. */
  readonly value: bigint;
  /** r0 as the kernel takes a tracing program's return value: its low 32 bits, signed (so 0xffffffff is -1). */
  readonly ret: number;
  /**
   * The events this run committed to any channel, in the order the program committed them, decoded with the
   * channel's event type (or raw bytes for a channel without one). Reporting them consumes nothing: they stay in
   * their channel for `events()`, and keep its space, until the test takes them.
   */
  readonly events: readonly SimEvent<E>[];
  /**
   * What this run asked of user space (print() lines formatted, exit(), clear(), printing a map), in order. They
   * stay in the actions channel for `actions()` and `printed()` until the test takes them.
   */
  readonly actions: readonly Action[];
  /** The bpf_trace_printk lines this run wrote. */
  readonly printk: readonly string[];
  /** Instructions executed. */
  readonly instructions: number;
}

/** pt_regs offsets of the arguments on x86_64 (what compiled kprobe/uprobe handlers read). */
const PT_REGS = { args: [112, 104, 96, 88, 72, 64], ret: 80, ip: 128, size: 168 };

/** Compiles `path` (once per call) and loads it into the VM. */
export async function simulate<M = Record<string, unknown>>(path: string, options: SimulateOptions = {}): Promise<Simulation<M>> {
  const compiled = isArtifactPath(path) ? decodeArtifact(readFileSync(path), path).spec : compileForVm(path);
  const withParams = options.params ? setParams(compiled, options.params) : compiled;
  const spec = options.pid !== undefined ? targetProcess(withParams, options.pid) : withParams;
  const env = defaultEnvironment({ ...(options.clock ? { clock: options.clock } : {}), ...options.env });
  return new Simulation<M>(spec, new SimCollection(spec, {
    env, ...(options.cpus !== undefined ? { cpus: options.cpus } : {}), ...(options.budget !== undefined ? { budget: options.budget } : {}),
    ...(options.btf !== undefined ? { btf: options.btf } : {}),
  }));
}

function compileForVm(path: string): CollectionSpec {
  const r = compile(path, { arch: "x86_64" });
  if (!r.spec) throw new CompileError(`${path} does not compile:\n${formatDiagnostics(r.diagnostics, r.sources, false)}`);
  return r.spec;
}

export class Simulation<M = Record<string, unknown>> {
  /**
   * The tracer's maps, aggregations and event channels by declared name: the same user-side objects (and
   * methods) a tool's main() or load() gets, over the VM's mock maps instead of the kernel's. Type them with the
   * module: `simulate<typeof import("./tool.ts")>(...)`.
   */
  readonly maps: TracerMaps<M> & Readonly<Record<string, AnyMap>>;
  /** Event codecs by channel, built on first use (null: the channel has no event type). */
  private readonly codecs = new Map<string, Codec | null>();

  /** The names of simulated functions (setStacks()), for symbolizing the stacks the programs captured. */
  readonly symbols = new SimulatedSymbols();
  private readonly stackFrames: StackFrames;

  constructor(readonly spec: CollectionSpec, readonly collection: SimCollection) {
    this.stackFrames = new StackFrames(this.symbols, { frames: (map, id) => collection.stackMaps.get(map)?.frames(id) });
    const objects = objectsFromSpec(spec, simBackends(collection));
    for (const o of objects.values()) Object.assign(o, { [STACKS]: () => this.stackFrames });
    this.maps = Object.fromEntries(objects) as unknown as Simulation<M>["maps"];
  }

  /** The VM's own map behind `name` (raw keys and values, per-CPU slots), for what the user-side API does not show. */
  mock(name: string): MockMap {
    return this.collection.map(name);
  }

  get env(): SimEnvironment {
    return this.collection.env;
  }

  /**
   * Runs the program of `probe` once: a tracepoint name ("sched/sched_switch"), "uprobe:libc:getaddrinfo",
   * a kernel function of a kprobe, "profile", "interval", a perf event ("software:page-faults"), or the program's
   * name. `ctx` gives the context: a tracepoint's fields by name; `{ args: [...], retval }` for probes on functions;
   * `{ ip, samplePeriod, addr }` for perf samples (samplePeriod defaults to the probe's period, else 1). A USDT probe's
   * `{ args: [...] }` are its arguments, each a signed 64-bit value in a register (`ctx.arg(i)` reads them through a
   * spec record at the cookie, as in the kernel); `specs` gives the probe's argument specs instead ("-4@%edi",
   * "4@$5", "8@-8(%rbp)"), each register one names holding its `args` value, and `regs` more registers by name
   * (`{ rbp: 0x7ffd0000n }`). A fault in the program throws a VmError whose message starts with the TypeScript
   * file:line:column of the offending code.
   */
  fire<E = Record<string, unknown>>(probe: string, ctx: Readonly<Record<string, unknown>> = {}): FireResult<E> {
    const p = this.program(probe);
    const bytes = contextBytes(p, ctx, this.env);
    if (p.attach.kind === "usdt") {
      // One spec record, at index 0, which the run's cookie names.
      this.collection.map(USDT_SPEC_MAP).updateRaw(new Uint8Array(4), usdtFiring(ctx, bytes));
      this.env.attachCookie = 0n;
    }
    // Copied as they are committed, decoded after the run: a record that does not decode is the test's error, not
    // a fault in the middle of the program.
    const sent: [string, Uint8Array][] = [];
    const stops = [...this.collection.channels].map(([name, c]) =>
      c.observe((view, offset, length) => sent.push([name, new Uint8Array(view.buffer, view.byteOffset + offset, length).slice()])));
    const printed = this.env.printk.length;
    let r: RunResult;
    try {
      r = this.collection.run(p.name, bytes);
    } catch (e) {
      throw e instanceof VmError ? located(e) : e;
    } finally {
      for (const stop of stops) stop();
      if (p.attach.kind === "usdt") delete this.env.attachCookie;
    }
    const actionsMap = this.spec.actions?.map;
    const events = sent.filter(([channel]) => channel !== actionsMap)
      .map(([channel, b]): SimEvent<E> => ({ channel, event: this.decode(channel, new DataView(b.buffer), 0, b.length) as E }));
    const actions = sent.filter(([channel]) => channel === actionsMap).map(([, b]) => this.decodeAction(new DataView(b.buffer), 0, b.length));
    return { value: r.r0, ret: Number(BigInt.asIntN(32, r.r0)), events, actions, printk: this.env.printk.slice(printed), instructions: r.instructions };
  }

  /**
   * Takes what the handlers asked of user space and not taken yet (print() lines formatted, exit, clear, printing a
   * map), in order, as `tsbpf run` carries them out. Each fire() also reports its own in `actions`.
   */
  actions(): Action[] {
    const map = this.spec.actions?.map;
    if (!map) return [];
    const out: Action[] = [];
    this.channel(map).drain((view, offset, length) => out.push(this.decodeAction(view, offset, length)));
    return out;
  }

  /** The lines the handlers printed with print() and not taken yet (taking every pending action). */
  printed(): string[] {
    return this.actions().flatMap((a) => (a.kind === "print" ? [a.text] : []));
  }

  private decodeAction(view: DataView, offset: number, length: number): Action {
    this.#actionDecoder ??= actionDecoder(this.spec.actions!);
    return this.#actionDecoder(view, offset, length);
  }

  #actionDecoder: ReturnType<typeof actionDecoder> | undefined;

  /** Takes every event of `channel` not taken yet, in the order a reader would get them, decoded. */
  events<E = Record<string, unknown>>(channel: string): E[] {
    const out: E[] = [];
    this.channel(channel).drain((view, offset, length) => out.push(this.decode(channel, view, offset, length) as E));
    return out;
  }

  /** Events the programs could not send to `channel` because its buffer was full (see runtime/interp/events.ts). */
  lost(channel: string): bigint {
    return this.channel(channel).lost();
  }

  /** The mock ring buffer or perf event array behind `channel`. */
  channel(name: string): MockEventChannel {
    return this.collection.channel(name);
  }

  /** An aggregation (or map) merged across CPUs, as `tsbpf run` would print it. */
  aggregation(name: string): AggregationData {
    const spec = this.spec.maps.find((m) => m.name === name);
    if (!spec) throw new Error(`no map ${name}`);
    return readAggregation(this.collection.map(name), spec);
  }

  /** The text `tsbpf run` prints for a map: stacks symbolized by the names setStacks() gave them. */
  print(name: string): string {
    return formatAggregation(this.aggregation(name), { stacks: this.stackFrames });
  }

  /** A map of stacks as folded stacks (`--format folded`: frames root first, names as print() shows them). */
  folded(name: string): FoldedStack[] {
    return foldedStacks(displayedKeys(this.aggregation(name), { stacks: this.stackFrames }));
  }

  /**
   * The simulated task's stacks from now on, innermost frame first: function names (each given an address of its
   * own, which print() turns back into the name) or addresses. bpf.kstack() and bpf.ustack() capture them.
   */
  setStacks(stacks: { readonly kernel?: readonly SimFrame[]; readonly user?: readonly SimFrame[] }): void {
    if (stacks.kernel) this.env.kernelStack = this.symbols.addresses("kernel", stacks.kernel);
    if (stacks.user) this.env.userStack = this.symbols.addresses("user", stacks.user);
  }

  /** The StackTrace a stack value (a KStack or UStack key, field or value) stands for, symbolized as print() does. */
  stack(value: bigint, type: { readonly stack: "kstack" | "ustack"; readonly depth?: number } = { stack: "kstack" }): StackTrace {
    return this.stackFrames.resolve(type.stack, type.depth ?? 127, value);
  }

  /** One record as the test sees it: decoded with the channel's event type, or a copy of its bytes. */
  private decode(channel: string, view: DataView, offset: number, length: number): unknown {
    let codec = this.codecs.get(channel);
    if (codec === undefined) {
      const type = this.channel(channel).spec.events?.type;
      codec = type ? codecOf(type) : null;
      this.codecs.set(channel, codec);
    }
    if (!codec) return new Uint8Array(view.buffer, view.byteOffset + offset, length).slice();
    if (length < codec.size) throw new Error(`channel ${channel}: a record of ${length} bytes is shorter than its event type (${codec.size} bytes)`);
    return codec.decode(view, offset);
  }

  private program(probe: string): ProgramSpec {
    const ps = this.spec.programs;
    const byName = ps.find((p) => p.name === probe);
    if (byName) return byName;
    const found = ps.filter((p) => matchesProbe(p.attach, probe));
    if (found.length === 1) return found[0]!;
    throw new Error(`${found.length ? "several programs match" : "no program for"} ${probe}; programs: ${ps.map((p) => `${p.name} (${formatAttach(p.attach)})`).join(", ")}`);
  }
}

/**
 * The VmError with the TypeScript location in front, as tsc prints errors: `tool.ts:12:5: out-of-bounds read ...`.
 * The path is relative to the working directory when it lies inside it.
 */
function located(e: VmError): VmError {
  const span = e.meta?.span;
  if (!span) return e;
  const rel = relative(process.cwd(), span.file);
  const file = rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel : span.file;
  const out = new VmError(`${file}:${span.line}:${span.column}: ${e.message}`, e.kind, e.insn, e.meta);
  out.cause = e;
  return out;
}

/**
 * Whether `probe` names the attach point `a`: as formatAttach prints it ("tracepoint:sched/sched_switch",
 * "uprobe:libc:getaddrinfo"), or for short, a tracepoint by its name ("sched/sched_switch"), a raw or BTF tracepoint
 * by its name, a probe on a function by `kind:function`, profile and interval by their kind, and a hardware or
 * software event by `type:event` ("software:page-faults") or its type alone.
 */
function matchesProbe(a: ProgramSpec["attach"], probe: string): boolean {
  const parsed = parseAttach(probe);
  if (parsed && formatAttach(parsed) === formatAttach(a)) return true;
  switch (a.kind) {
    case "tracepoint": return probe === `${a.category}/${a.name}`;
    case "raw_tracepoint": case "tp_btf": return probe === a.name;
    case "profile": case "interval": return probe === a.kind;
    case "perf_event": return probe === `${a.type}:${a.event}` || probe === a.type;
    default: return false;
  }
}

/** The registers a USDT probe's arguments are given in when fire() has no specs for them: 12 distinct ones. */
const USDT_SIM_REGS = ["rdi", "rsi", "rdx", "rcx", "r8", "r9", "rax", "rbx", "r10", "r11", "r12", "r13"];

/**
 * A USDT probe's simulated site: its arguments' spec record (fire()'s `specs`, or one signed 64-bit register per
 * value of `args`), with the registers they name set in the pt_regs bytes.
 */
function usdtFiring(ctx: Readonly<Record<string, unknown>>, regs: Uint8Array): Uint8Array {
  const values = (ctx.args ?? []) as readonly (number | bigint)[];
  const specs = (ctx.specs as readonly string[] | undefined) ?? values.map((_, i) => `-8@%${USDT_SIM_REGS[i]}`);
  if (specs.length > USDT_MAX_ARGS) throw new Error(`a USDT probe has at most ${USDT_MAX_ARGS} arguments; fire() was given ${specs.length}`);
  const view = new DataView(regs.buffer, regs.byteOffset, regs.byteLength);
  const set = (off: number, v: number | bigint) => view.setBigUint64(off, BigInt.asUintN(64, BigInt(v)), true);
  for (const [name, v] of Object.entries((ctx.regs ?? {}) as Readonly<Record<string, number | bigint>>)) set(parseUsdtArg(`8@%${name}`).regOffset, v);
  const args = specs.map((s) => parseUsdtArg(s, "x86_64"));
  args.forEach((a, i) => {
    if (a.kind === "reg") set(a.regOffset, values[i] ?? 0);
  });
  return encodeUsdtSpec(args);
}

const db = loadTracepointDb();

/** The context record a program receives, from field values by name. */
function contextBytes(p: ProgramSpec, ctx: Readonly<Record<string, unknown>>, env: SimEnvironment): Uint8Array {
  const a = p.attach;
  const context = contextOf(a);
  if (a.kind === "tracepoint" && context === "tracepoint") {
    const name = `${a.category}/${a.name}`;
    const tp = db.get(name);
    if (!tp) throw new Error(`tracepoint ${name} is not in the tracepoint database`);
    const size = Math.max(8, ...tp.fields.map((f) => f.offset + f.size));
    const bytes = new Uint8Array(Math.ceil(size / 8) * 8);
    const view = new DataView(bytes.buffer);
    view.setInt32(4, env.pid, true); // common_pid
    for (const [k, v] of Object.entries(ctx)) {
      const f = tp.fields.find((x) => x.name === k);
      if (!f) throw new Error(`tracepoint ${name} has no field ${k}; fields: ${tp.fields.map((x) => x.name).join(", ")}`);
      const t: TypeDesc = f.arrayLength !== undefined && !f.dataLoc
        ? (/\bchar\b/.test(f.type) && f.size === f.arrayLength ? { kind: "string", capacity: f.arrayLength } : { kind: "array", element: { kind: "int", size: (f.size / f.arrayLength) as 1 | 2 | 4 | 8, signed: f.signed }, length: f.arrayLength })
        : { kind: "int", size: f.size as 1 | 2 | 4 | 8, signed: f.signed && !f.type.includes("*") };
      // A negative number for an unsigned field (syscall arguments are all unsigned longs in tracefs) is stored as
      // the kernel would store it: two's complement.
      let value = t.kind === "int" && t.size === 8 && typeof v === "number" ? BigInt(v) : v;
      if (t.kind === "int" && !t.signed && (typeof value === "bigint" ? value < 0n : typeof value === "number" && value < 0)) {
        const wrapped = BigInt.asUintN(t.size * 8, BigInt(value as number | bigint));
        value = t.size === 8 ? wrapped : Number(wrapped);
      }
      codecOf(t).encode(value, view, f.offset);
    }
    return bytes;
  }
  // pt_regs, or a perf sample, which starts with them.
  if (context === "pt_regs" || context === "perf_event") {
    const bytes = new Uint8Array(PT_REGS.size + 16);
    const view = new DataView(bytes.buffer);
    // A USDT probe's arguments go where their specs say (usdtFiring).
    const args = a.kind === "usdt" ? [] : (ctx.args ?? []) as readonly (number | bigint)[];
    args.forEach((v, i) => view.setBigUint64(PT_REGS.args[i]!, BigInt.asUintN(64, BigInt(v)), true));
    if (ctx.retval !== undefined) view.setBigUint64(PT_REGS.ret, BigInt.asUintN(64, BigInt(ctx.retval as number | bigint)), true);
    if (ctx.ip !== undefined) view.setBigUint64(PT_REGS.ip, BigInt.asUintN(64, BigInt(ctx.ip as number | bigint)), true);
    // struct bpf_perf_event_data: sample_period and addr after the registers.
    if (context === "perf_event") {
      const period = ctx.samplePeriod ?? (a.kind === "perf_event" ? a.period : undefined) ?? 1;
      view.setBigUint64(PT_REGS.size, BigInt.asUintN(64, BigInt(period as number | bigint)), true);
      if (ctx.addr !== undefined) view.setBigUint64(PT_REGS.size + 8, BigInt.asUintN(64, BigInt(ctx.addr as number | bigint)), true);
    }
    return bytes;
  }
  const bytes = new Uint8Array(8 * 12);
  const view = new DataView(bytes.buffer);
  ((ctx.args ?? []) as readonly (number | bigint)[]).forEach((v, i) => view.setBigUint64(8 * i, BigInt.asUintN(64, BigInt(v)), true));
  return bytes;
}

