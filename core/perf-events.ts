// Software and hardware perf events, the one table: the names a tracer gives them (`page-faults`, `cycles`), as
// perf and bpftrace spell them, in; the perf_event_attr `type` and `config` that open each (the kernel's
// PERF_COUNT_SW_* / PERF_COUNT_HW_* from include/uapi/linux/perf_event.h), and the sample period a probe uses when
// its tracer gives none (bpftrace's), out. `tsbpf list` prints these names; a `software()` / `hardware()` probe
// declarator takes them (stdlib-types' SoftwareEventName / HardwareEventName: test/unit/perf-events.test.ts).

/** perf_event_attr.type: PERF_TYPE_HARDWARE 0, PERF_TYPE_SOFTWARE 1. */
export const PERF_TYPE = { hardware: 0, software: 1 } as const;

export type PerfEventKind = keyof typeof PERF_TYPE;

export interface PerfEventDef {
  readonly kind: PerfEventKind;
  /** How tsbpf lists it and a tracer names it: "page-faults". */
  readonly name: string;
  /** Other names it goes by in perf and bpftrace: "faults". */
  readonly aliases: readonly string[];
  /** The kernel's name for `config`, for messages and docs: "PERF_COUNT_SW_PAGE_FAULTS". */
  readonly constant: string;
  /** perf_event_attr.config. */
  readonly config: number;
  /** The first kernel with the event, where it is younger than perf_event_open (2.6.31). */
  readonly since?: string;
  /** Events between two samples when a probe gives neither period nor frequency: bpftrace's default for it. */
  readonly defaultPeriod: number;
}

const sw = (name: string, config: number, constant: string, defaultPeriod: number, aliases: readonly string[] = [], since?: string): PerfEventDef =>
  ({ kind: "software", name, aliases, constant: `PERF_COUNT_SW_${constant}`, config, defaultPeriod, ...(since ? { since } : {}) });
const hw = (name: string, config: number, constant: string, defaultPeriod: number, aliases: readonly string[] = []): PerfEventDef =>
  ({ kind: "hardware", name, aliases, constant: `PERF_COUNT_HW_${constant}`, config, defaultPeriod });

/**
 * Events the kernel counts itself (enum perf_sw_ids): available on every machine, virtual ones included. The clocks
 * count nanoseconds. Default periods are bpftrace's (its SW_PROBE_LIST; cgroup-switches, which it lacks, 1).
 */
export const SOFTWARE_EVENTS: readonly PerfEventDef[] = [
  sw("cpu-clock", 0, "CPU_CLOCK", 1_000_000, ["cpu"]),
  sw("task-clock", 1, "TASK_CLOCK", 1),
  sw("page-faults", 2, "PAGE_FAULTS", 100, ["faults"]),
  sw("context-switches", 3, "CONTEXT_SWITCHES", 1000, ["cs"]),
  sw("cpu-migrations", 4, "CPU_MIGRATIONS", 1, ["migrations"]),
  sw("minor-faults", 5, "PAGE_FAULTS_MIN", 100),
  sw("major-faults", 6, "PAGE_FAULTS_MAJ", 1),
  sw("alignment-faults", 7, "ALIGNMENT_FAULTS", 1),
  sw("emulation-faults", 8, "EMULATION_FAULTS", 1),
  sw("dummy", 9, "DUMMY", 1, [], "3.12"),
  sw("bpf-output", 10, "BPF_OUTPUT", 1, [], "4.4"),
  sw("cgroup-switches", 11, "CGROUP_SWITCHES", 1, [], "5.13"),
];

/**
 * Events the CPU's performance monitoring unit counts (enum perf_hw_id), generalised by the kernel: only where the
 * machine has a PMU the kernel drives (most virtual machines have none).
 */
export const HARDWARE_EVENTS: readonly PerfEventDef[] = [
  hw("cpu-cycles", 0, "CPU_CYCLES", 1_000_000, ["cycles"]),
  hw("instructions", 1, "INSTRUCTIONS", 1_000_000),
  hw("cache-references", 2, "CACHE_REFERENCES", 1_000_000),
  hw("cache-misses", 3, "CACHE_MISSES", 1_000_000),
  hw("branch-instructions", 4, "BRANCH_INSTRUCTIONS", 100_000, ["branches"]),
  hw("branch-misses", 5, "BRANCH_MISSES", 100_000),
  hw("bus-cycles", 6, "BUS_CYCLES", 100_000),
  hw("frontend-stalls", 7, "STALLED_CYCLES_FRONTEND", 1_000_000, ["stalled-cycles-frontend"]),
  hw("backend-stalls", 8, "STALLED_CYCLES_BACKEND", 1_000_000, ["stalled-cycles-backend"]),
  hw("ref-cycles", 9, "REF_CPU_CYCLES", 1_000_000),
];

/** Both tables, software first. */
export const PERF_EVENTS: readonly PerfEventDef[] = [...SOFTWARE_EVENTS, ...HARDWARE_EVENTS];

/** The event of `kind` a tracer names `name`, by its name or an alias ("faults"), or undefined. */
export function perfEvent(kind: PerfEventKind, name: string): PerfEventDef | undefined {
  return PERF_EVENTS.find((e) => e.kind === kind && (e.name === name || e.aliases.includes(name)));
}

/** Every name a tracer may give an event of `kind`, aliases included, in table order. */
export function perfEventNames(kind: PerfEventKind): string[] {
  return PERF_EVENTS.filter((e) => e.kind === kind).flatMap((e) => [e.name, ...e.aliases]);
}
