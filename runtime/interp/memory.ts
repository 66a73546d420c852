// The VM's address space: regions of bytes (stack, context, input memory, map values, ring buffer records)
// addressed by 64-bit values whose high word names the region. Addresses in, bounds-checked views out.
//
// Most regions live as long as what they show (a map value, the stack). Some are lent to the program by a helper
// and must be given back by another before the program exits: the verifier's acquired references, such as the
// record bpf_ringbuf_reserve hands out until bpf_ringbuf_submit or bpf_ringbuf_discard. `acquire` maps such a
// region; `retire` ends it, leaving in its slot a tombstone of size 0 that says why, so any later access through a
// stale pointer faults with that reason instead of reaching whatever region would reuse the slot. Tombstones are
// freed by `sweep`, which the VM calls when a run starts: a verified program cannot carry a pointer from one run to
// the next.

/** One contiguous, bounds-checked piece of memory the program may touch directly. */
export interface Region {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly size: number;
  readonly writable: boolean;
  /** The high word of every address in this region (int32). */
  readonly hi: number;
  /** Set on a tombstone: the region was given back (e.g. a submitted ring buffer record), and this says how. */
  readonly retired?: string;
}

/** A region a helper lent the program (an acquired reference), until `retire`. */
export interface Acquired {
  readonly region: Region;
  /** The instruction whose helper call acquired it. */
  readonly insn: number;
  /** What the helper attached to the region (the ring buffer record behind it, ...). */
  readonly owner: unknown;
  /** What it is, for the error when the program exits holding it: "ring buffer record of events". */
  readonly what: string;
  /** Gives it back when the program could not (it exited or faulted holding it): e.g. discards the record. */
  readonly abandon: () => void;
}

/**
 * Region addresses are `(REGION_BASE + id) << 32 | offset`. The high word alone finds the region, so a load is an
 * array index plus one bounds check. The base keeps addresses far from 0 (NULL) and from small integers.
 */
export const REGION_BASE = 0x0000_7f00;
/** High word of map handles (BPF_PSEUDO_MAP_FD loads): not memory; helpers decode them. */
export const MAP_HANDLE_HI = 0x0000_7e00;
/** High word of function addresses (BPF_PSEUDO_FUNC loads): the low word is the target slot. */
export const FUNC_HANDLE_HI = 0x0000_7d00;

export const MAX_REGIONS = 0x10000;

const NONE: readonly Acquired[] = Object.freeze([]);

export class AddressSpace {
  /** Indexed by `hi - REGION_BASE`; slots are reused after `release`. */
  readonly regions: (Region | undefined)[] = [];
  private readonly byBuffer = new WeakMap<Uint8Array, Region>();
  private readonly free: number[] = [];
  /** Lent regions not yet retired, by region. */
  private readonly lent = new Map<Region, Acquired>();
  /** Slots holding tombstones, freed by `sweep`. */
  private readonly tombstones: number[] = [];

  /** Registers `bytes` as a region and returns it; the same Uint8Array always gets the same region. */
  map(bytes: Uint8Array, name: string, writable = true): Region {
    const known = this.byBuffer.get(bytes);
    if (known && this.regions[known.hi - REGION_BASE] === known && known.writable === writable) return known;
    return this.fresh(bytes, name, writable);
  }

  /**
   * Maps `bytes` as a fresh region lent to the program by the helper call at `insn`: valid until `retire`, and
   * listed by `outstanding` until then.
   */
  acquire(bytes: Uint8Array, name: string, lease: Omit<Acquired, "region">): Region {
    const region = this.fresh(bytes, name, true);
    this.lent.set(region, { region, ...lease });
    return region;
  }

  /** The lease of a region lent with `acquire` and not yet retired. */
  acquired(region: Region): Acquired | undefined {
    return this.lent.get(region);
  }

  /** Regions lent and not given back, in the order they were acquired. */
  outstanding(): readonly Acquired[] {
    return this.lent.size === 0 ? NONE : [...this.lent.values()];
  }

  /**
   * Ends a lent region's life: its slot keeps a zero-sized tombstone saying `why`, so that any access through an
   * old pointer faults (and names the reason) until `sweep` frees the slot.
   */
  retire(region: Region, why: string): void {
    const id = region.hi - REGION_BASE;
    if (this.regions[id] !== region) return;
    this.lent.delete(region);
    const empty = new Uint8Array(0);
    this.regions[id] = Object.freeze({ name: region.name, bytes: empty, view: new DataView(empty.buffer), size: 0, writable: false, hi: region.hi, retired: why });
    this.tombstones.push(id);
  }

  /** Frees the slots of retired regions. Only between runs: no pointer of a verified program outlives its run. */
  sweep(): void {
    for (const id of this.tombstones) {
      if (this.regions[id]?.retired === undefined) continue;
      this.regions[id] = undefined;
      this.free.push(id);
    }
    this.tombstones.length = 0;
  }

  release(region: Region): void {
    const id = region.hi - REGION_BASE;
    if (this.regions[id] !== region) return;
    this.regions[id] = undefined;
    this.lent.delete(region);
    this.free.push(id);
  }

  /** The 64-bit address of `offset` within `region`. */
  address(region: Region, offset = 0): bigint {
    return (BigInt(region.hi) << 32n) + BigInt(offset);
  }

  /** The region and offset an address points into, or undefined if it is not in any region. */
  locate(addr: bigint): { region: Region; offset: number } | undefined {
    const a = BigInt.asUintN(64, addr);
    const hi = Number(a >> 32n);
    const region = this.regions[hi - REGION_BASE];
    if (!region) return undefined;
    return { region, offset: Number(a & 0xffffffffn) };
  }

  /** A view of `length` bytes at `addr`, or undefined if any of them is outside a region (or not writable). */
  slice(addr: bigint, length: number, write = false): Uint8Array | undefined {
    const at = this.locate(addr);
    if (!at || length < 0 || at.offset + length > at.region.size) return undefined;
    if (write && !at.region.writable) return undefined;
    return at.region.bytes.subarray(at.offset, at.offset + length);
  }

  /** Describes an address for error messages: `stack+24`, `map value counts+8`, or the raw hex. */
  describe(addr: bigint): string {
    const a = BigInt.asUintN(64, addr);
    if (a === 0n) return "NULL";
    const hi = Number(a >> 32n);
    const lo = Number(a & 0xffffffffn);
    const region = this.regions[hi - REGION_BASE];
    if (region) return `${region.name}+${lo}`;
    const near = this.regions[hi - REGION_BASE + (lo >= 0x80000000 ? 1 : 0)];
    if (near && lo >= 0x80000000) return `${near.name}-${0x100000000 - lo}`;
    return "0x" + a.toString(16);
  }

  private fresh(bytes: Uint8Array, name: string, writable: boolean): Region {
    const id = this.free.pop() ?? this.regions.length;
    if (id >= MAX_REGIONS) throw new RangeError("VM address space exhausted: too many live memory regions");
    const region: Region = Object.freeze({
      name, bytes, size: bytes.length, writable, hi: REGION_BASE + id,
      view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    });
    this.regions[id] = region;
    this.byBuffer.set(bytes, region);
    return region;
  }
}
