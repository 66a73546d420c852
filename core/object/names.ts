// Names of the maps the compiler adds to a tracer's own: shared by the compiler (which creates them) and the
// runtime (which reads them), so neither spells them twice. User identifiers cannot contain '.', so these never
// collide with a declared map.

/** The per-CPU counter of events a channel could not take (full buffer). */
export const lostMapName = (channel: string): string => `${channel}.lost`;

/** A program's per-CPU scratch memory for values too large for the stack. */
export const scratchMapName = (program: string): string => `.scratch.${program}`;

/** The ring buffer of the actions handlers ask of user space: print(), exit(), clear(), printing a map. */
export const ACTIONS_MAP = ".actions";

/**
 * The tracer's stack trace map of kernel or user stacks of `depth` frames, which bpf.kstack()/bpf.ustack() fill and
 * the output reads frames from: one per kind and depth, as bpftrace has one per stack mode and size.
 */
export const stackMapName = (stack: "kstack" | "ustack", depth: number): string => `.${stack}.${depth}`;

/**
 * The processes whose user stacks the handlers captured (an LRU hash of tgids): user space reads it while the run
 * lasts, to read each one's mappings before it exits, without walking the maps that hold the stacks.
 */
export const USTACK_PIDS_MAP = ".ustack_pids";
