// The two things a user-side map object can stand on: the kernel's map (runtime/kernel: BpfMap, the ring and perf
// buffer readers) or the VM's mock (runtime/interp: MockMap and the mock event channels). One interface each, so
// that the user-side classes of runtime/user — what `import { HashMap } from "tsbpf"` gives a Node program — are
// written once and tested without root.

import type { MapSpec } from "../../core/object/spec.ts";

export type UpdateFlag = "any" | "noexist" | "exist";

/** A map holding keys and values, decoded with the layout codec (u64 as bigint, structs as objects, Str as string). */
export interface MapBackend {
  readonly spec: MapSpec;
  readonly perCpu: boolean;
  /** Values per key: the possible CPUs for per-CPU maps, 1 otherwise. */
  readonly cpus: number;
  /** The value at `key` (not per-CPU maps), or undefined. */
  get(key: unknown): unknown;
  /** Each possible CPU's value at `key` (per-CPU maps), or undefined. */
  getPerCpu(key: unknown): unknown[] | undefined;
  /**
   * Stores a value (per-CPU maps: one value for every CPU, or an array of one per CPU). Throws on failure: a
   * BpfError whose `code` is the errno's name (E2BIG full or index out of range, EEXIST, ENOENT, EPERM, ...).
   */
  set(key: unknown, value: unknown, flag?: UpdateFlag): void;
  delete(key: unknown): boolean;
  entries(): [unknown, unknown][];
  entriesPerCpu(): [unknown, unknown[]][];
  /** Deletes every entry (array maps: zeroes every element). */
  clear(): void;
}

/** An event channel's records, as raw bytes in the order they were committed. */
export interface EventBackend {
  readonly spec: MapSpec;
  /**
   * Calls `onRecord` for each record available now, in order, up to `limit` of them; returns how many. `view` is
   * valid only during the call (it may be the kernel's memory): decode what you keep. `length` may include
   * padding after the record (perf buffers pad to 8 bytes).
   */
  drain(onRecord: (view: DataView, offset: number, length: number) => void, limit?: number): number;
  /**
   * Resolves when records may be available, or when the channel is closed; call it between drains. It may batch:
   * after a drain that delivered records, resolve after a short delay rather than at the next record.
   */
  wait(): Promise<void>;
  /** Events the programs could not send because the buffer was full. */
  lost(): bigint;
  /** No record will come after those drainable now: iterators drain what is left, then end. */
  readonly closed: boolean;
  /**
   * Says no more records will be produced (the probes were detached): `wait()` no longer waits, and the channel
   * reports closed, so iterators end once they have drained what is left. The maps stay readable.
   */
  end?(): void;
}
