// Software and hardware perf events, the one table: the names a tracer gives them (`page-faults`, `cycles`), as
// perf and bpftrace spell them, in; the perf_event_attr `type` and `config` that open each (the kernel's
// PERF_COUNT_SW_* / PERF_COUNT_HW_* from include/uapi/linux/perf_event.h) out. `tsbpf list` prints these names; a
// `software()` / `hardware()` probe declarator takes them.

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
}

const sw = (name: string, config: number, constant: string, aliases: readonly string[] = [], since?: string): PerfEventDef =>
  ({ kind: "software", name, aliases, constant: `PERF_COUNT_SW_${constant}`, config, ...(since ? { since } : {}) });
const hw = (name: string, config: number, constant: string, aliases: readonly string[] = []): PerfEventDef =>
  ({ kind: "hardware", name, aliases, constant: `PERF_COUNT_HW_${constant}`, config });

/** Events the kernel counts itself (enum perf_sw_ids): available on every machine, virtual ones included. */
export const SOFTWARE_EVENTS: readonly PerfEventDef[] = [
  sw("cpu-clock", 0, "CPU_CLOCK", ["cpu"]),
  sw("task-clock", 1, "TASK_CLOCK"),
  sw("page-faults", 2, "PAGE_FAULTS", ["faults"]),
  sw("context-switches", 3, "CONTEXT_SWITCHES", ["cs"]),
  sw("cpu-migrations", 4, "CPU_MIGRATIONS", ["migrations"]),
  sw("minor-faults", 5, "PAGE_FAULTS_MIN"),
  sw("major-faults", 6, "PAGE_FAULTS_MAJ"),
  sw("alignment-faults", 7, "ALIGNMENT_FAULTS"),
  sw("emulation-faults", 8, "EMULATION_FAULTS"),
  sw("dummy", 9, "DUMMY", [], "3.12"),
  sw("bpf-output", 10, "BPF_OUTPUT", [], "4.4"),
  sw("cgroup-switches", 11, "CGROUP_SWITCHES", [], "5.13"),
];

/**
 * Events the CPU's performance monitoring unit counts (enum perf_hw_id), generalised by the kernel: only where the
 * machine has a PMU the kernel drives (most virtual machines have none).
 */
export const HARDWARE_EVENTS: readonly PerfEventDef[] = [
  hw("cpu-cycles", 0, "CPU_CYCLES", ["cycles"]),
  hw("instructions", 1, "INSTRUCTIONS"),
  hw("cache-references", 2, "CACHE_REFERENCES"),
  hw("cache-misses", 3, "CACHE_MISSES"),
  hw("branch-instructions", 4, "BRANCH_INSTRUCTIONS", ["branches"]),
  hw("branch-misses", 5, "BRANCH_MISSES"),
  hw("bus-cycles", 6, "BUS_CYCLES"),
  hw("frontend-stalls", 7, "STALLED_CYCLES_FRONTEND", ["stalled-cycles-frontend"]),
  hw("backend-stalls", 8, "STALLED_CYCLES_BACKEND", ["stalled-cycles-backend"]),
  hw("ref-cycles", 9, "REF_CPU_CYCLES"),
];

/** Both tables, software first. */
export const PERF_EVENTS: readonly PerfEventDef[] = [...SOFTWARE_EVENTS, ...HARDWARE_EVENTS];
