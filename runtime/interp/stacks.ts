// BPF_MAP_TYPE_STACK_TRACE in the VM: a MapSpec in, a map handle out that bpf_get_stackid stores the simulated task's
// stack into and user space reads frames from by id. It behaves as the kernel's (kernel/bpf/stackmap.c): the frames
// after the skipped ones, cut to the map's depth, hash to a bucket (the id); a bucket holding another stack refuses
// the new one with -EEXIST unless BPF_F_REUSE_STACKID replaces it; BPF_F_FAST_STACK_CMP compares hashes only; no
// frame to store is -EFAULT.

import type { MapSpec } from "../../core/object/spec.ts";
import type { VmMap } from "./vm.ts";

const EFAULT = 14;
const EEXIST = 17;
const BPF_F_FAST_STACK_CMP = 1n << 9n;
const BPF_F_REUSE_STACKID = 1n << 10n;

export class MockStackTraceMap implements VmMap {
  readonly name: string;
  /** Frames a stored stack keeps at most (value size / 8). */
  readonly depth: number;
  readonly #buckets: ({ hash: number; frames: readonly bigint[] } | undefined)[];

  constructor(readonly spec: MapSpec) {
    if (spec.type !== "stack_trace") throw new Error(`map ${spec.name}: a ${spec.type} map is not a stack trace map`);
    this.name = spec.name;
    this.depth = Math.floor(spec.valueSize / 8);
    // The kernel rounds the number of buckets up to a power of two.
    let n = 1;
    while (n < spec.maxEntries) n *= 2;
    this.#buckets = new Array(n).fill(undefined);
  }

  /** bpf_get_stackid's store: `frames` (innermost first, already past the skipped ones) in, the id or a -errno out. */
  store(frames: readonly bigint[], flags: bigint): number {
    const kept = frames.slice(0, this.depth);
    if (kept.length === 0) return -EFAULT;
    const hash = hashFrames(kept);
    const id = hash & (this.#buckets.length - 1);
    const old = this.#buckets[id];
    if (old && old.hash === hash && ((flags & BPF_F_FAST_STACK_CMP) !== 0n || sameFrames(old.frames, kept))) return id;
    if (old && (flags & BPF_F_REUSE_STACKID) === 0n) return -EEXIST;
    this.#buckets[id] = { hash, frames: kept };
    return id;
  }

  /** The frames stored under `id`, or undefined (user space's lookup: ENOENT). */
  frames(id: number): readonly bigint[] | undefined {
    return this.#buckets[id]?.frames;
  }
}

/** FNV-1a over the frames' bytes: the bucket of a stack (the kernel uses jhash2; any hash keeps the behaviour). */
function hashFrames(frames: readonly bigint[]): number {
  let h = 0x811c9dc5;
  for (const f of frames) {
    for (let i = 0n; i < 64n; i += 8n) {
      h ^= Number((f >> i) & 0xffn);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
  }
  return h >>> 0;
}

function sameFrames(a: readonly bigint[], b: readonly bigint[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
