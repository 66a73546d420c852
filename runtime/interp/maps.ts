// Simulated maps for the VM: a MapSpec in, a MockMap out that programs reach through helpers (raw bytes, errnos,
// live value buffers) and tests read through the same user-side methods as the kernel's BpfMap.
//
// What is simulated: hash, lru_hash, array, percpu_hash, percpu_array, lru_percpu_hash, with the errnos of
// kernel/bpf/hashtab.c and arraymap.c. What differs from the kernel, on purpose:
// - Iteration is in insertion order (array maps: index order). The kernel walks hash buckets, so its order is a
//   hash order; a tracer must not depend on either.
// - The LRU is exact (least recently used goes first). The kernel's is approximate (active/inactive lists, per-CPU
//   free lists) and may evict a little earlier or pick another victim.
// - Updating an existing key copies into its live value buffer, so a pointer from an earlier lookup sees the new
//   value. The kernel does this for arrays and per-CPU values; for (LRU) hash maps it swaps in a new element and the
//   old pointer keeps the old bytes until RCU frees them. A program that relies on either is racy in the kernel.
// - Value buffers of deleted (or evicted) entries are reused by the next new key, as the kernel's preallocated hash
//   maps reuse elements (the default; BPF_F_NO_PREALLOC allocates fresh ones). This also keeps the number of VM
//   memory regions bounded by the peak number of entries instead of growing with every insert.

import { MAP_KINDS } from "../../core/maps.ts";
import { type Codec, type TypeDesc, codecOf, describeType } from "../../core/object/layout.ts";
import { MAP_FLAGS, type MapSpec, type MapType } from "../../core/object/spec.ts";
import { BpfError } from "../kernel/errors.ts";
import { type UpdateFlag, sumValues } from "../kernel/maps.ts";
import type { VmMap } from "./vm.ts";

/** errno values the map operations return (negated), as in include/uapi/asm-generic/errno-base.h. */
export const EPERM = 1, ENOENT = 2, E2BIG = 7, EEXIST = 17, EINVAL = 22;

/** bpf_map_update_elem flags (BPF_ANY, BPF_NOEXIST, BPF_EXIST). */
export const BPF_ANY = 0n, BPF_NOEXIST = 1n, BPF_EXIST = 2n;
const UPDATE_FLAGS: Record<UpdateFlag, bigint> = { any: BPF_ANY, noexist: BPF_NOEXIST, exist: BPF_EXIST };

/** The map types a MockMap simulates (the others have their own mocks: events.ts, stacks.ts). */
const SIMULATED_MAP_TYPES: readonly MapType[] = Object.values(MAP_KINDS).filter((k) => k.vm === "map").map((k) => k.type);

/** Simulated CPUs of per-CPU maps when the caller does not say. */
export const DEFAULT_SIM_CPUS = 4;

export interface MockMapOptions {
  /** Simulated possible CPUs: the number of values per key of a per-CPU map (default 4). */
  readonly cpus?: number;
}

/** One key of a hash map: a private copy of the key bytes and one live value buffer per CPU. */
interface Entry {
  readonly key: Uint8Array;
  readonly values: Uint8Array[];
}

const bytesCodec = (size: number): Codec<Uint8Array> => codecOf<Uint8Array>({ kind: "bytes", length: size });
/** Hash keys as strings (one char per byte), so a JS Map finds them by content. */
const keyId = (key: Uint8Array): string => String.fromCharCode(...key);
const viewOf = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);

/**
 * A map simulated in JS memory. Kernel side (the helpers): lookupRaw, updateRaw with a bigint flag, deleteRaw,
 * returning live buffers and negative errnos. User side: the methods of BpfMap, with the same errors.
 */
export class MockMap<K = unknown, V = unknown> implements VmMap, Disposable {
  /** The definition the map was created with. */
  readonly spec: MapSpec;
  readonly name: string;
  readonly type: MapType;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly flags: number;
  readonly perCpu: boolean;
  /** Number of per-CPU slots in a value (simulated CPUs), 1 for other maps. */
  readonly cpus: number;
  /** False for BPF_F_RDONLY_PROG maps (.rodata): the program cannot store through value pointers. */
  readonly writable: boolean;
  private readonly keyCodec: Codec<K>;
  private readonly valueCodec: Codec<V>;
  /** Per-CPU values in user space are padded to 8 bytes each (bpf_long_memcpy in the kernel's percpu copy). */
  private readonly stride: number;
  private readonly isArray: boolean;
  private readonly isLru: boolean;
  /** Hash maps: live entries in insertion order. */
  private readonly entriesById = new Map<string, Entry>();
  /** LRU maps: the same entries, least recently used first. */
  private readonly recency = new Map<string, Entry>();
  /** Value buffers of deleted entries, reused by the next new key (the kernel's preallocated elements). */
  private readonly spare: Uint8Array[][] = [];
  /** Array maps: elements created on first touch; untouched ones read as zeros. */
  private readonly elements = new Map<number, Uint8Array[]>();
  private frozen = false;
  private closed = false;

  constructor(spec: MapSpec, opts: MockMapOptions = {}) {
    const what = `map ${spec.name} (${spec.type})`;
    const kind = MAP_KINDS[spec.type];
    if (kind?.vm !== "map") {
      throw new Error(`${what}: ${spec.type} maps are not simulated by a MockMap (simulated: ${SIMULATED_MAP_TYPES.join(", ")})`);
    }
    this.spec = spec;
    this.name = spec.name;
    this.type = spec.type;
    this.keySize = spec.keySize;
    this.valueSize = spec.valueSize;
    this.maxEntries = spec.maxEntries;
    this.flags = spec.flags ?? 0;
    this.perCpu = kind.perCpu;
    this.isArray = kind.array;
    this.isLru = kind.lru;
    const cpus = opts.cpus ?? DEFAULT_SIM_CPUS;
    if (!Number.isInteger(cpus) || cpus < 1) throw new RangeError(`${what}: cpus must be a positive integer, got ${cpus}`);
    this.cpus = this.perCpu ? cpus : 1;
    this.stride = this.perCpu ? Math.ceil(spec.valueSize / 8) * 8 : spec.valueSize;
    this.writable = (this.flags & MAP_FLAGS.rdonlyProg) === 0;
    // The checks BPF_MAP_CREATE makes (array_map_alloc_check, htab_map_alloc_check), with the reason spelled out.
    if (spec.valueSize <= 0 || spec.maxEntries <= 0) throw new Error(`${what}: value_size and max_entries must be positive (the kernel says EINVAL)`);
    if (this.isArray && spec.keySize !== 4) throw new Error(`${what}: array maps have 4-byte keys, key_size is ${spec.keySize} (the kernel says EINVAL)`);
    if (!this.isArray && spec.keySize <= 0) throw new Error(`${what}: key_size must be positive (the kernel says EINVAL)`);
    this.keyCodec = (spec.key ? codecOf(spec.key) : bytesCodec(spec.keySize)) as Codec<K>;
    this.valueCodec = (spec.value ? codecOf(spec.value) : bytesCodec(spec.valueSize)) as Codec<V>;
    if (this.keyCodec.size !== spec.keySize) {
      throw new BpfError(`map ${spec.name}: key type ${describeType(spec.key!)} is ${this.keyCodec.size} bytes, key_size is ${spec.keySize}`, `open map ${spec.name}`);
    }
    if (this.valueCodec.size !== spec.valueSize) {
      throw new BpfError(`map ${spec.name}: value type ${describeType(spec.value!)} is ${this.valueCodec.size} bytes, value_size is ${spec.valueSize}`, `open map ${spec.name}`);
    }
    // As BpfMap.create: the initial value goes into element 0 through a user-side update, then the map is frozen.
    if (spec.initialValue !== undefined) this.updateRaw(new Uint8Array(this.keySize), Uint8Array.from(Buffer.from(spec.initialValue, "hex")), "any");
    if (spec.freeze) this.freeze();
  }

  get keyType(): TypeDesc | undefined {
    return this.keyCodec.type.kind === "bytes" ? undefined : this.keyCodec.type;
  }

  /** Number of live entries (array maps: max_entries, since every element exists). */
  get size(): number {
    return this.isArray ? this.maxEntries : this.entriesById.size;
  }

  // ---- Kernel side: what helpers call ----------------------------------------------------------------------------

  /**
   * bpf_map_lookup_elem: the live value buffer of `key` on `cpu` (ignored unless per-CPU), or undefined. The same
   * Uint8Array comes back for the same key and CPU, so a pointer the program holds stays valid and its stores land
   * in the map. A lookup counts as a use of an LRU entry (the kernel sets its reference bit).
   */
  lookupRaw(key: Uint8Array, cpu: number): Uint8Array | undefined {
    const c = this.cpuIndex(cpu);
    if (this.isArray) {
      const index = this.arrayIndex(key);
      return index < this.maxEntries ? this.element(index)[c] : undefined;
    }
    const id = keyId(key.subarray(0, this.keySize));
    const e = this.entriesById.get(id);
    if (!e) return undefined;
    this.touch(id, e);
    return e.values[c];
  }

  /**
   * bpf_map_update_elem from a program: 0 or a negative errno. Per-CPU maps: only `cpu`'s value changes; a new key
   * gets zeros on the other CPUs (pcpu_init_value, 5.12+).
   */
  updateRaw(key: Uint8Array, value: Uint8Array, flags: bigint, cpu: number): number;
  /** User side, as BpfMap.updateRaw: raw bytes (all CPUs' 8-byte-aligned slots for per-CPU maps), errors thrown. */
  updateRaw(key: Uint8Array, value: Uint8Array, flag?: UpdateFlag): void;
  updateRaw(key: Uint8Array, value: Uint8Array, flags: bigint | UpdateFlag = "any", cpu = 0): number | void {
    if (typeof flags === "bigint") {
      const c = this.cpuIndex(cpu);
      const bytes = value.subarray(0, this.valueSize);
      return this.store(key, flags, (values) => values[c]!.set(bytes));
    }
    const padded = new Uint8Array(this.stride * this.cpus);
    padded.set(value.subarray(0, padded.length));
    this.userStore(key, Array.from({ length: this.cpus }, (_, c) => padded.subarray(c * this.stride, c * this.stride + this.valueSize)), flags);
  }

  /** bpf_map_delete_elem: 0, -ENOENT when absent, -EINVAL for array maps (their elements always exist). */
  deleteRaw(key: Uint8Array): number {
    if (this.isArray) return -EINVAL;
    const id = keyId(key.subarray(0, this.keySize));
    const e = this.entriesById.get(id);
    if (!e) return -ENOENT;
    this.remove(id, e);
    return 0;
  }

  /**
   * Global data (BPF_PSEUDO_MAP_VALUE): element 0 of an array map. The verifier only allows direct value access on
   * array maps (map_direct_value_addr), so anything else is an error here too.
   */
  valueRegion(): Uint8Array {
    if (this.type !== "array") throw new Error(`map ${this.name} is a ${this.type} map: only array maps have a value region for BPF_PSEUDO_MAP_VALUE (the verifier rejects this program)`);
    return this.element(0)[0]!;
  }

  // ---- User side: the methods of BpfMap --------------------------------------------------------------------------

  /** The value at `key`, or undefined. */
  get(key: K): V | undefined {
    this.noPerCpu("get");
    const values = this.peek(this.encodeKey(key));
    return values && this.decode(values[0]!);
  }

  /** Per-CPU maps: one value per simulated CPU, or undefined. */
  getPerCpu(key: K): V[] | undefined {
    const values = this.peek(this.encodeKey(key));
    return values?.map((v) => this.decode(v));
  }

  /** Per-CPU maps: the values of all CPUs merged (summed by default). */
  getMerged(key: K, merge: (values: V[]) => V = sumValues as (v: V[]) => V): V | undefined {
    const all = this.getPerCpu(key);
    return all && merge(all);
  }

  has(key: K): boolean {
    return this.peek(this.encodeKey(key)) !== undefined;
  }

  /** Sets `key` to `value` (for per-CPU maps: the same value on every CPU, or one value per CPU). */
  set(key: K, value: V | readonly V[], flag: UpdateFlag = "any"): void {
    const k = this.encodeKey(key);
    let sources: Uint8Array[];
    if (this.perCpu) {
      const values = Array.isArray(value) && this.valueCodec.type.kind !== "array" ? (value as readonly V[]) : undefined;
      if (values && values.length !== this.cpus) throw new BpfError(`map ${this.name}: expected ${this.cpus} per-CPU values, got ${values.length}`, `update ${this.name}`);
      sources = Array.from({ length: this.cpus }, (_, c) => this.valueCodec.toBytes(values ? values[c]! : (value as V)));
    } else {
      sources = [this.valueCodec.toBytes(value as V)];
    }
    this.userStore(k, sources, flag);
  }

  /** Raw value bytes at raw key bytes (all CPUs' slots, 8-byte aligned, for per-CPU maps). */
  getRaw(key: Uint8Array): Uint8Array | undefined {
    const values = this.peek(key);
    if (!values) return undefined;
    const out = new Uint8Array(this.stride * this.cpus);
    values.forEach((v, c) => out.set(v, c * this.stride));
    return out;
  }

  /** Deletes `key`; returns whether it was there. Array maps cannot delete (EINVAL). */
  delete(key: K): boolean {
    this.checkOpen();
    const k = this.encodeKey(key);
    this.checkUserWrite("delete from");
    const r = this.deleteRaw(k);
    if (r === -EINVAL) throw this.arrayDeleteError();
    return r === 0;
  }

  /** Removes and returns the value at `key` (BPF_MAP_LOOKUP_AND_DELETE_ELEM). */
  take(key: K): V | undefined {
    this.noPerCpu("take");
    const v = this.get(key);
    if (v !== undefined) this.delete(key);
    return v;
  }

  /** Keys in insertion order (array maps: every index). A snapshot: deleting while iterating is safe. */
  *keys(): Generator<K> {
    this.checkOpen();
    for (const k of this.rawKeys()) yield this.keyCodec.decode(viewOf(k));
  }

  /** All entries. */
  entries(): [K, V][] {
    this.noPerCpu("entries");
    return this.rawEntries(false).map(([k, v]) => [k, v[0]!]);
  }

  /** Per-CPU maps: all entries, one value per simulated CPU. */
  entriesPerCpu(): [K, V[]][] {
    return this.rawEntries(false);
  }

  /** Per-CPU maps: all entries with values merged (summed by default). */
  entriesMerged(merge: (values: V[]) => V = sumValues as (v: V[]) => V): [K, V][] {
    return this.rawEntries(false).map(([k, v]) => [k, merge(v)]);
  }

  /** Removes every entry and returns them. Per-CPU values come merged. Array maps cannot (EINVAL), as with BpfMap. */
  drain(merge: (values: V[]) => V = sumValues as (v: V[]) => V): [K, V][] {
    return this.rawEntries(true).map(([k, v]) => [k, this.perCpu ? merge(v) : v[0]!]);
  }

  /** Deletes every entry (zeroes every element of an array map). */
  clear(): void {
    this.checkOpen();
    this.checkUserWrite("update");
    if (this.isArray) {
      for (const values of this.elements.values()) for (const v of values) v.fill(0);
      return;
    }
    for (const [id, e] of [...this.entriesById]) this.remove(id, e);
  }

  /** Makes the map read-only for user space (BPF_MAP_FREEZE); programs can still write unless RDONLY_PROG. */
  freeze(): void {
    this.checkOpen();
    this.frozen = true;
  }

  /** After close() every user-side method throws, as BpfMap's do. Programs may keep using the map. */
  close(): void {
    this.closed = true;
  }

  [Symbol.dispose](): void {
    this.close();
  }

  // ---- Internals --------------------------------------------------------------------------------------------------

  /**
   * The one update path, for programs and user space: flag checks and errnos in the order of htab_map_update_elem
   * and array_map_update_elem, then `write` fills the live buffers (fresh ones are zero).
   */
  private store(key: Uint8Array, flags: bigint, write: (values: Uint8Array[]) => void): number {
    // BPF_F_LOCK (4) needs a bpf_spin_lock in the value, which simulated maps never have: EINVAL as well.
    if (flags < 0n || flags > BPF_EXIST) return -EINVAL;
    if (this.isArray) {
      const index = this.arrayIndex(key);
      if (index >= this.maxEntries) return -E2BIG;
      if (flags === BPF_NOEXIST) return -EEXIST; // every element of an array always exists
      write(this.element(index));
      return 0;
    }
    const k = key.slice(0, this.keySize);
    const id = keyId(k);
    const old = this.entriesById.get(id);
    if (old && flags === BPF_NOEXIST) return -EEXIST;
    if (!old && flags === BPF_EXIST) return -ENOENT;
    if (old) {
      this.touch(id, old);
      write(old.values);
      return 0;
    }
    if (this.entriesById.size >= this.maxEntries) {
      // A full LRU map makes room by evicting its least recently used entry; a full hash map refuses.
      const victim = this.isLru ? this.recency.entries().next().value : undefined;
      if (!victim) return -E2BIG;
      this.remove(victim[0], victim[1]);
    }
    const values = this.spare.pop() ?? Array.from({ length: this.cpus }, () => new Uint8Array(this.valueSize));
    for (const v of values) v.fill(0);
    const e: Entry = { key: k, values };
    this.entriesById.set(id, e);
    if (this.isLru) this.recency.set(id, e);
    write(values);
    return 0;
  }

  private userStore(key: Uint8Array, sources: readonly Uint8Array[], flag: UpdateFlag): void {
    this.checkOpen();
    this.checkUserWrite("update");
    const r = this.store(key, UPDATE_FLAGS[flag], (values) => values.forEach((v, c) => v.set(sources[c]!.subarray(0, this.valueSize))));
    if (r === 0) return;
    const op = `update ${this.name}`;
    if (r === -EEXIST) throw new BpfError(`map ${this.name}: the key already exists (update with "noexist")`, op, undefined, "EEXIST", EEXIST);
    if (r === -ENOENT) throw new BpfError(`map ${this.name}: no such key (update with "exist")`, op, undefined, "ENOENT", ENOENT);
    if (r === -E2BIG) {
      throw new BpfError(this.isArray ? `map ${this.name}: index out of range (max_entries ${this.maxEntries})` : `map ${this.name} is full (max_entries ${this.maxEntries})`,
        op, "declare the map with more entries, or use an LRU map", "E2BIG", E2BIG);
    }
    throw new BpfError(`update map ${this.name}: EINVAL`, `update map ${this.name}`, undefined, "EINVAL", EINVAL);
  }

  /** A user-space lookup: the live buffers without marking LRU use (the kernel's *_lookup_elem_sys does not mark). */
  private peek(key: Uint8Array): Uint8Array[] | undefined {
    this.checkOpen();
    if (this.isArray) {
      const index = this.arrayIndex(key);
      return index < this.maxEntries ? this.element(index) : undefined;
    }
    return this.entriesById.get(keyId(key.subarray(0, this.keySize)))?.values;
  }

  private remove(id: string, e: Entry): void {
    this.entriesById.delete(id);
    this.recency.delete(id);
    this.spare.push(e.values);
  }

  /** Marks an LRU entry as most recently used. */
  private touch(id: string, e: Entry): void {
    if (!this.isLru) return;
    this.recency.delete(id);
    this.recency.set(id, e);
  }

  private element(index: number): Uint8Array[] {
    let values = this.elements.get(index);
    if (!values) {
      values = Array.from({ length: this.cpus }, () => new Uint8Array(this.valueSize));
      this.elements.set(index, values);
    }
    return values;
  }

  /** Array keys are a u32 index, little-endian as on x86 and arm64. */
  private arrayIndex(key: Uint8Array): number {
    if (key.length < 4) return Number.MAX_SAFE_INTEGER;
    return viewOf(key).getUint32(0, true);
  }

  private cpuIndex(cpu: number): number {
    if (!this.perCpu) return 0;
    if (!Number.isInteger(cpu) || cpu < 0 || cpu >= this.cpus) {
      throw new RangeError(`map ${this.name}: CPU ${cpu} does not exist (the map simulates ${this.cpus} CPUs; pass { cpus } to MockMap)`);
    }
    return cpu;
  }

  private rawKeys(): Uint8Array[] {
    if (!this.isArray) return [...this.entriesById.values()].map((e) => e.key.slice());
    return Array.from({ length: this.maxEntries }, (_, i) => {
      const k = new Uint8Array(4);
      viewOf(k).setUint32(0, i, true);
      return k;
    });
  }

  private rawEntries(andDelete: boolean): [K, V[]][] {
    this.checkOpen();
    if (andDelete && this.isArray) throw this.arrayDeleteError();
    if (andDelete) this.checkUserWrite("delete from");
    const out: [K, V[]][] = [];
    for (const k of this.rawKeys()) {
      const values = this.peek(k);
      if (!values) continue;
      out.push([this.keyCodec.decode(viewOf(k)), values.map((v) => this.decode(v))]);
      if (andDelete) this.deleteRaw(k);
    }
    return out;
  }

  private encodeKey(key: K): Uint8Array {
    return this.keyCodec.toBytes(key);
  }

  private decode(value: Uint8Array): V {
    return this.valueCodec.decode(viewOf(value));
  }

  private noPerCpu(method: string): void {
    if (this.perCpu) throw new BpfError(`map ${this.name} is per-CPU: use ${method}PerCpu() or ${method}Merged()`, `${method} ${this.name}`);
  }

  private arrayDeleteError(): BpfError {
    return new BpfError(`map ${this.name}: elements of array maps cannot be deleted; set them to zero instead`, `delete from ${this.name}`, undefined, "EINVAL", EINVAL);
  }

  private checkOpen(): void {
    if (this.closed) throw new BpfError(`map ${this.name} is closed`, `use map ${this.name}`);
  }

  /** Frozen maps and BPF_F_RDONLY maps refuse writes from user space with EPERM (map_get_sys_perms). */
  private checkUserWrite(verb: string): void {
    if (this.frozen || (this.flags & MAP_FLAGS.rdonly) !== 0) {
      const why = this.frozen ? "it is frozen (BPF_MAP_FREEZE)" : "it was created with BPF_F_RDONLY";
      throw new BpfError(`${verb} map ${this.name}: user space cannot write to it: ${why}`, `${verb} ${this.name}`, undefined, "EPERM", EPERM);
    }
  }
}

/** The MockMap behind a VM map, or an error saying the map is not simulated (the default `mapOf` of simHelpers). */
export function asMockMap(map: VmMap): MockMap {
  if (map instanceof MockMap) return map as MockMap;
  throw new Error(`map ${map.name} is not a MockMap; give the VM MockMaps built from the map specs`);
}
