// Probe kinds, the one table: a probe declarator (what a tracer writes: `tracepoint("a/b", h)`, `uretprobe(...)`) in;
// the program type it compiles to, the literal arguments it takes and what they mean, the attach point they make,
// the context its handler receives, and its program name out. Attach kinds (AttachSpec's `kind`): how each is
// printed and read back as `kind:target`, and the context a program attached there receives. The frontend checks
// declarations by PROBE_KINDS, the compiler makes AttachSpecs with it, lowering reads `ctx` by its context, the VM
// builds contexts by it, and every printer of an attach point is formatAttach. The kernel side of each attach kind
// (how it attaches) is a file of runtime/kernel/links/, registered there by kind; a test checks both sides.

import { type PerfEventKind, perfEvent, perfEventNames } from "./perf-events.ts";

/** The tracing program types, named as in the kernel (BPF_PROG_TYPE_KPROBE, …_TRACEPOINT, …_RAW_TRACEPOINT, …_TRACING, …_PERF_EVENT). */
export type TracingProgramType = "kprobe" | "tracepoint" | "raw_tracepoint" | "tracing" | "perf_event";

/** Every tracing program type, in the order docs list them. */
export const TRACING_PROGRAM_TYPES: readonly TracingProgramType[] = ["kprobe", "tracepoint", "raw_tracepoint", "tracing", "perf_event"];

/** The probe declarators of stdlib-types/index.d.ts, as a user writes them. */
export type ProbeDeclarator =
  | "kprobe" | "kretprobe" | "uprobe" | "uretprobe" | "tracepoint" | "rawTracepoint" | "fentry" | "fexit" | "tpBtf"
  | "profile" | "interval" | "begin" | "end"
  | "hardware" | "software"
  // USDT probes (core/usdt.ts)
  | "usdt";

/**
 * What a handler's `ctx` points at, which decides what it may read and how the VM builds it:
 * - tracepoint: the tracepoint's record, fields by name (`ctx.filename`), offsets relocated at load;
 * - pt_regs: the registers at the probed instruction (`ctx.arg0()` … `ctx.arg5()`, `ctx.retval()`, `ctx.ip()`; in a
 *   USDT handler, `ctx.arg(i)` and `ctx.argCount()`, the probe's arguments found through its spec);
 * - perf_event: a perf sample, which starts with pt_regs (`ctx.ip()`);
 * - args: an array of u64 arguments (raw tracepoints, BTF tracepoints, fentry/fexit: `ctx.arg(i)`).
 */
export type ProbeContext = "tracepoint" | "pt_regs" | "perf_event" | "args";

export type ProbeArgs = readonly (string | number)[];

export interface ProbeKindDef {
  readonly declarator: ProbeDeclarator;
  /** The type of the programs it makes. */
  readonly programType: TracingProgramType;
  /** The literal arguments before the handler, by what they are (for arity and messages): "tracepoint name", "symbol". */
  readonly params: readonly { readonly name: string; readonly type: "string" | "number" }[];
  /** What the handler's ctx is. */
  readonly context: ProbeContext;
  /**
   * Whether the first argument names an attach point: undefined when it does, otherwise what a valid one looks like
   * (the compiler reports "<value> is not a valid <params[0].name>" with this as the hint).
   */
  readonly check?: (args: ProbeArgs) => string | undefined;
  /** Where a program of these arguments attaches. */
  readonly attach: (args: ProbeArgs) => AttachSpec;
  /** A readable program name (the compiler makes it unique), from the last argument: "sys_enter_openat", "profile_99". */
  readonly programName: (args: ProbeArgs) => string;
  /**
   * Whether its options also take how often to sample, `{ period: N }` or `{ frequency: Hz }` (one of them), which the
   * front end appends to the literal arguments as `"period", N` or `"frequency", Hz` (nothing when neither is given).
   */
  readonly sampleRate?: true;
}

const str = (name: string) => ({ name, type: "string" as const });
const num = (name: string) => ({ name, type: "number" as const });
const lastPart = (args: ProbeArgs): string => String(args[args.length - 1]).split("/").pop()!;
const positive = (args: ProbeArgs) => (typeof args[0] === "number" && args[0] > 0 ? undefined : "it must be a positive number");

// ---- hardware() and software(): perf events sampled every N events or at F Hz (core/perf-events.ts's names).
const perfCounter = (type: PerfEventKind): ProbeKindDef => ({
  declarator: type, programType: "perf_event", params: [str(`${type} event`)], context: "perf_event", sampleRate: true,
  check: ([name]) => (perfEvent(type, String(name)) ? undefined : `the ${type} events: ${perfEventNames(type).join(", ")}`),
  attach: ([name, how, n]) => {
    const event = String(name);
    if (how === "frequency") return { kind: "perf_event", type, event, frequency: Number(n) };
    return { kind: "perf_event", type, event, period: how === "period" ? Number(n) : perfEvent(type, event)?.defaultPeriod ?? 1 };
  },
  programName: ([name]) => String(name),
});

const kprobe = (retprobe: boolean): ProbeKindDef => ({
  declarator: retprobe ? "kretprobe" : "kprobe", programType: "kprobe", params: [str("kernel function")], context: "pt_regs",
  attach: ([fn]) => ({ kind: "kprobe", function: String(fn), retprobe }), programName: lastPart,
});
const uprobe = (retprobe: boolean): ProbeKindDef => ({
  declarator: retprobe ? "uretprobe" : "uprobe", programType: "kprobe", params: [str("binary or library"), str("symbol")], context: "pt_regs",
  attach: ([target, symbol]) => ({ kind: "uprobe", target: String(target), symbol: String(symbol), retprobe }), programName: lastPart,
});
/** "/proc/PID/exe", the path a USDT probe on a process's main executable attaches to; the pid when the target is one. */
const procExe = (pid: number): string => `/proc/${pid}/exe`;
const procExePid = (target: string): number | undefined => {
  const m = /^\/proc\/([1-9][0-9]*)\/exe$/.exec(target);
  return m ? Number(m[1]) : undefined;
};

const tracing = (declarator: "fentry" | "fexit"): ProbeKindDef => ({
  declarator, programType: "tracing", params: [str("kernel function")], context: "args",
  attach: ([fn]) => ({ kind: declarator, function: String(fn) }), programName: lastPart,
});

/** Every declarator, grouped by program type in TRACING_PROGRAM_TYPES order (the order docs list them). */
export const PROBE_KINDS: Readonly<Record<ProbeDeclarator, ProbeKindDef>> = {
  kprobe: kprobe(false),
  kretprobe: kprobe(true),
  uprobe: uprobe(false),
  uretprobe: uprobe(true),
  // USDT: a uprobe at each site of the probe, with a cookie indexing the spec of its arguments (core/usdt.ts). A number
  // as first argument is a process: its main executable, in that process only.
  usdt: {
    declarator: "usdt", programType: "kprobe", params: [str("binary, library or pid"), str("provider"), str("probe name")], context: "pt_regs",
    check: ([target, provider, name]) => (typeof target === "number" ? Number.isInteger(target) && target > 0 : target !== "")
      && typeof provider === "string" && /^\w+$/.test(provider) && typeof name === "string" && /^\w+$/.test(name)
      ? undefined
      : 'usdt(binary or pid, "provider", "name", handler), e.g. usdt("/usr/bin/python3", "python", "function__entry", (ctx) => ...)',
    attach: ([target, provider, name]) => (typeof target === "number"
      ? { kind: "usdt", target: procExe(target), provider: String(provider), name: String(name), pid: target }
      : { kind: "usdt", target: String(target), provider: String(provider), name: String(name) }),
    programName: ([, provider, name]) => `${provider}_${name}`,
  },
  tracepoint: {
    declarator: "tracepoint", programType: "tracepoint", params: [str("tracepoint name")], context: "tracepoint",
    check: ([name]) => /^[A-Za-z0-9_*?]+\/[A-Za-z0-9_*?]+$/.test(String(name))
      ? undefined
      : 'a tracepoint name is "category/event", e.g. tracepoint("syscalls/sys_enter_openat", (ctx) => ...)',
    attach: ([name]) => {
      const [category, event] = String(name).split("/");
      return { kind: "tracepoint", category: category!, name: event! };
    },
    programName: lastPart,
  },
  rawTracepoint: {
    declarator: "rawTracepoint", programType: "raw_tracepoint", params: [str("tracepoint")], context: "args",
    attach: ([name]) => ({ kind: "raw_tracepoint", name: String(name) }), programName: lastPart,
  },
  fentry: tracing("fentry"),
  fexit: tracing("fexit"),
  tpBtf: {
    declarator: "tpBtf", programType: "tracing", params: [str("tracepoint")], context: "args",
    attach: ([name]) => ({ kind: "tp_btf", name: String(name) }), programName: lastPart,
  },
  profile: {
    declarator: "profile", programType: "perf_event", params: [num("frequency in Hz")], context: "perf_event", check: positive,
    attach: ([hz]) => ({ kind: "profile", frequency: Number(hz) }), programName: ([hz]) => `profile_${hz}`,
  },
  interval: {
    declarator: "interval", programType: "perf_event", params: [num("period in ms")], context: "perf_event", check: positive,
    attach: ([ms]) => ({ kind: "interval", periodMs: Number(ms) }), programName: ([ms]) => `interval_${ms}`,
  },
  // Run once by user space (BPF_PROG_TEST_RUN), as bpftrace's BEGIN and END: raw tracepoint programs, which the
  // kernel runs on request from 5.10, with the tracing helpers.
  begin: {
    declarator: "begin", programType: "raw_tracepoint", params: [], context: "args",
    attach: () => ({ kind: "begin" }), programName: () => "begin",
  },
  end: {
    declarator: "end", programType: "raw_tracepoint", params: [], context: "args",
    attach: () => ({ kind: "end" }), programName: () => "end",
  },
  // Perf events other than the clocks of profile and interval: counted by the CPU's PMU or by the kernel.
  hardware: perfCounter("hardware"),
  software: perfCounter("software"),
};

/** The declarators that make programs of each type, in table order. */
export const PROBES_OF_PROGRAM_TYPE: Readonly<Record<TracingProgramType, readonly ProbeDeclarator[]>> = (() => {
  const of = (t: TracingProgramType) => Object.values(PROBE_KINDS).filter((k) => k.programType === t).map((k) => k.declarator);
  return { kprobe: of("kprobe"), tracepoint: of("tracepoint"), raw_tracepoint: of("raw_tracepoint"), tracing: of("tracing"), perf_event: of("perf_event") };
})();

export function isProbeDeclarator(name: string): name is ProbeDeclarator {
  return Object.hasOwn(PROBE_KINDS, name);
}

// ---------------------------------------------------------------------------------------------------------------
// Attach kinds: where a program attaches (the AttachSpec of a ProgramSpec), printing and reading back `kind:target`.

/** Where a program attaches. The runtime picks the kernel mechanism (perf link, legacy ioctl, ...) per kind. */
export type AttachSpec =
  | { readonly kind: "tracepoint"; readonly category: string; readonly name: string }
  | { readonly kind: "raw_tracepoint"; readonly name: string }
  | { readonly kind: "tp_btf"; readonly name: string }
  | { readonly kind: "kprobe"; readonly function: string; readonly offset?: number; readonly retprobe: boolean }
  | {
    readonly kind: "uprobe";
    /** A path, a program on $PATH, or a library name (`libc`). */
    readonly target: string;
    readonly symbol?: string;
    readonly offset?: number;
    readonly retprobe: boolean;
    readonly pid?: number;
  }
  /** Every site of a USDT probe in `target` (a path, a program on $PATH, a library name, or /proc/PID/exe with `pid`). */
  | { readonly kind: "usdt"; readonly target: string; readonly provider: string; readonly name: string; readonly pid?: number }
  | { readonly kind: "fentry"; readonly function: string }
  | { readonly kind: "fexit"; readonly function: string }
  /** CPU-clock sampling at `frequency` Hz on every online CPU (profile). */
  | { readonly kind: "profile"; readonly frequency: number }
  /** A timer firing every `periodMs` on one CPU (interval). */
  | { readonly kind: "interval"; readonly periodMs: number }
  /** Run once when every other probe is attached (begin), or once when the run ends, before the maps print (end). */
  | { readonly kind: "begin" }
  | { readonly kind: "end" }
  /**
   * A hardware or software perf event (`event` as the tracer named it, an alias included) sampled every `period`
   * events or at `frequency` Hz, on every online CPU, or in process `pid` alone (-p, -c).
   */
  | {
    readonly kind: "perf_event";
    readonly type: PerfEventKind;
    readonly event: string;
    readonly period?: number;
    readonly frequency?: number;
    readonly pid?: number;
  }
  | { readonly kind: "none" };

export type AttachKind = AttachSpec["kind"];
export type AttachOf<K extends AttachKind> = Extract<AttachSpec, { readonly kind: K }>;

export interface AttachKindDef<K extends AttachKind> {
  /** What a program attached here receives as its context (begin and end: no arguments); undefined for "none". */
  readonly context: ProbeContext | undefined;
  /** `kind:target` as every message prints it: "tracepoint:syscalls/sys_enter_openat", "uretprobe:libc:getaddrinfo". */
  readonly format: (a: AttachOf<K>) => string;
  /** The words before the first ':' that name this kind (the first is how it prints). */
  readonly prefixes: readonly string[];
  /** The attach point of `prefix:rest`, or undefined when `rest` is not one of this kind. */
  readonly parse: (prefix: string, rest: string) => AttachOf<K> | undefined;
}

/** "0x1a" → 26, "26" → 26; anything else undefined. */
const int = (s: string): number | undefined => (/^(0x[0-9a-f]+|[0-9]+)$/i.test(s) ? Number(s) : undefined);

export const ATTACH_KINDS: { readonly [K in AttachKind]: AttachKindDef<K> } = {
  tracepoint: {
    context: "tracepoint",
    format: (a) => `tracepoint:${a.category}/${a.name}`,
    prefixes: ["tracepoint"],
    parse: (_p, rest) => {
      const m = /^([A-Za-z0-9_]+)[/:]([A-Za-z0-9_]+)$/.exec(rest);
      return m ? { kind: "tracepoint", category: m[1]!, name: m[2]! } : undefined;
    },
  },
  raw_tracepoint: {
    context: "args",
    format: (a) => `raw_tracepoint:${a.name}`,
    prefixes: ["raw_tracepoint", "rawTracepoint"],
    parse: (_p, rest) => (rest ? { kind: "raw_tracepoint", name: rest } : undefined),
  },
  tp_btf: {
    context: "args",
    format: (a) => `tp_btf:${a.name}`,
    prefixes: ["tp_btf", "tpBtf"],
    parse: (_p, rest) => (rest ? { kind: "tp_btf", name: rest } : undefined),
  },
  kprobe: {
    context: "pt_regs",
    format: (a) => `${a.retprobe ? "kretprobe" : "kprobe"}:${a.function}${a.offset ? `+0x${a.offset.toString(16)}` : ""}`,
    prefixes: ["kprobe", "kretprobe"],
    parse: (p, rest) => {
      const m = /^([A-Za-z_.][\w.]*)(?:\+(\w+))?$/.exec(rest);
      const offset = m?.[2] !== undefined ? int(m[2]) : undefined;
      if (!m || (m[2] !== undefined && offset === undefined)) return undefined;
      return { kind: "kprobe", function: m[1]!, retprobe: p === "kretprobe", ...(offset ? { offset } : {}) };
    },
  },
  uprobe: {
    context: "pt_regs",
    format: (a) => `${a.retprobe ? "uretprobe" : "uprobe"}:${a.target}:${a.symbol ?? `0x${(a.offset ?? 0).toString(16)}`}`,
    prefixes: ["uprobe", "uretprobe"],
    parse: (p, rest) => {
      const at = rest.lastIndexOf(":");
      if (at <= 0 || at === rest.length - 1) return undefined;
      const target = rest.slice(0, at);
      const where = rest.slice(at + 1);
      const offset = where.startsWith("0x") ? int(where) : undefined;
      return { kind: "uprobe", target, retprobe: p === "uretprobe", ...(offset !== undefined ? { offset } : { symbol: where }) };
    },
  },
  usdt: {
    context: "pt_regs",
    format: (a) => `usdt:${a.target}:${a.provider}:${a.name}`,
    prefixes: ["usdt"],
    parse: (_p, rest) => {
      const m = /^(.+):(\w+):(\w+)$/.exec(rest);
      if (!m) return undefined;
      const pid = procExePid(m[1]!);
      return { kind: "usdt", target: m[1]!, provider: m[2]!, name: m[3]!, ...(pid !== undefined ? { pid } : {}) };
    },
  },
  fentry: {
    context: "args",
    format: (a) => `fentry:${a.function}`,
    prefixes: ["fentry"],
    parse: (_p, rest) => (rest ? { kind: "fentry", function: rest } : undefined),
  },
  fexit: {
    context: "args",
    format: (a) => `fexit:${a.function}`,
    prefixes: ["fexit"],
    parse: (_p, rest) => (rest ? { kind: "fexit", function: rest } : undefined),
  },
  profile: {
    context: "perf_event",
    format: (a) => `profile:${a.frequency}hz`,
    prefixes: ["profile"],
    parse: (_p, rest) => {
      const hz = int(rest.replace(/hz$/i, ""));
      return hz ? { kind: "profile", frequency: hz } : undefined;
    },
  },
  interval: {
    context: "perf_event",
    format: (a) => `interval:${a.periodMs}ms`,
    prefixes: ["interval"],
    parse: (_p, rest) => {
      const ms = int(rest.replace(/ms$/i, ""));
      return ms ? { kind: "interval", periodMs: ms } : undefined;
    },
  },
  begin: {
    context: "args",
    format: () => "begin",
    prefixes: ["begin", "BEGIN"],
    parse: (_p, rest) => (rest === "" ? { kind: "begin" } : undefined),
  },
  end: {
    context: "args",
    format: () => "end",
    prefixes: ["end", "END"],
    parse: (_p, rest) => (rest === "" ? { kind: "end" } : undefined),
  },
  perf_event: {
    context: "perf_event",
    // bpftrace's form, `software:page-faults:100`; a frequency as profile's, `hardware:cycles:99hz`.
    format: (a) => `${a.type}:${a.event}:${a.frequency !== undefined ? `${a.frequency}hz` : a.period}`,
    prefixes: ["hardware", "software"],
    parse: (p, rest) => {
      const m = /^([a-z][a-z0-9-]*):([0-9]+)(hz)?$/i.exec(rest);
      const n = m ? int(m[2]!) : undefined;
      if (!m || !n || (p !== "hardware" && p !== "software")) return undefined;
      return { kind: "perf_event", type: p, event: m[1]!, ...(m[3] ? { frequency: n } : { period: n }) };
    },
  },
  none: {
    context: undefined,
    format: () => "none",
    prefixes: ["none"],
    parse: (_p, rest) => (rest === "" ? { kind: "none" } : undefined),
  },
};

/** An attach point as every message prints it: "tracepoint:syscalls/sys_enter_openat", "profile:99hz". */
export function formatAttach(a: AttachSpec): string {
  return (ATTACH_KINDS[a.kind] as AttachKindDef<AttachKind>).format(a);
}

/** The attach point `formatAttach` printed (also `rawTracepoint:` and `tpBtf:` as declarators spell them), or undefined. */
export function parseAttach(text: string): AttachSpec | undefined {
  const at = text.indexOf(":");
  const prefix = at < 0 ? text : text.slice(0, at);
  const rest = at < 0 ? "" : text.slice(at + 1);
  for (const def of Object.values(ATTACH_KINDS) as AttachKindDef<AttachKind>[]) {
    if (def.prefixes.includes(prefix)) return def.parse(prefix, rest);
  }
  return undefined;
}

/** The context of a program attached at `a`. */
export function contextOf(a: AttachSpec): ProbeContext | undefined {
  return ATTACH_KINDS[a.kind].context;
}

/** Programs user space runs itself rather than the kernel's events (begin, end; none is never run): not probes. */
export function runByUserSpace(a: AttachSpec): boolean {
  return a.kind === "begin" || a.kind === "end" || a.kind === "none";
}

/** Whether a tracepoint name is a pattern (`sched/sched_*`): every matching tracepoint is probed, each by its program. */
export const isTracepointPattern = (name: string): boolean => /[*?]/.test(name);

/** A shell-style pattern (`*` any run of characters, `?` one) as a regular expression matching whole names. */
export function globRegExp(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`);
}

/**
 * The probe's name as bpftrace's `probe` builtin gives it ("tracepoint:sched:sched_switch", "kretprobe:vfs_read",
 * "profile:hz:99", "BEGIN"), so that a map keyed by probe() prints as bpftrace's does.
 */
export function bpftraceProbeName(a: AttachSpec): string {
  switch (a.kind) {
    case "tracepoint": return `tracepoint:${a.category}:${a.name}`;
    case "raw_tracepoint": return `rawtracepoint:${a.name}`;
    case "tp_btf": return `tracepoint:${a.name}`;
    case "kprobe": return `${a.retprobe ? "kretprobe" : "kprobe"}:${a.function}${a.offset ? `+${a.offset}` : ""}`;
    case "uprobe": return `${a.retprobe ? "uretprobe" : "uprobe"}:${a.target}:${a.symbol ?? `0x${(a.offset ?? 0).toString(16)}`}`;
    case "usdt": return `usdt:${a.target}:${a.provider}:${a.name}`;
    case "fentry": return `kfunc:${a.function}`;
    case "fexit": return `kretfunc:${a.function}`;
    case "profile": return `profile:hz:${a.frequency}`;
    case "interval": return a.periodMs % 1000 === 0 ? `interval:s:${a.periodMs / 1000}` : `interval:ms:${a.periodMs}`;
    case "begin": return "BEGIN";
    case "end": return "END";
    case "perf_event": return formatAttach(a);
    case "none": return "none";
  }
}
