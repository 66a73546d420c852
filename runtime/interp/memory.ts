// The VM's address space: regions of bytes (stack, context, input memory, map values, ring buffer records)
// addressed by 64-bit values whose high word names the region. Addresses in, bounds-checked views out.

/** One contiguous, bounds-checked piece of memory the program may touch directly. */
export interface Region {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly size: number;
  readonly writable: boolean;
  /** The high word of every address in this region (int32). */
  readonly hi: number;
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

export class AddressSpace {
  /** Indexed by `hi - REGION_BASE`; slots are reused after `release`. */
  readonly regions: (Region | undefined)[] = [];
  private readonly byBuffer = new WeakMap<Uint8Array, Region>();
  private readonly free: number[] = [];

  /** Registers `bytes` as a region and returns it; the same Uint8Array always gets the same region. */
  map(bytes: Uint8Array, name: string, writable = true): Region {
    const known = this.byBuffer.get(bytes);
    if (known && this.regions[known.hi - REGION_BASE] === known && known.writable === writable) return known;
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

  release(region: Region): void {
    const id = region.hi - REGION_BASE;
    if (this.regions[id] !== region) return;
    this.regions[id] = undefined;
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
}
