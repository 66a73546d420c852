// Kernel maps: a MapSpec (or a pinned path) in, a BpfMap out whose methods take and return JS values encoded by
// the shared layout codec. Per-CPU values come per CPU or merged; iteration uses batch lookups where the kernel
// has them (5.6) and falls back to BPF_MAP_GET_NEXT_KEY.

import { existsSync, unlinkSync } from "node:fs";
import { totalmem } from "node:os";
import { type Codec, type TypeDesc, codecOf, describeType } from "../../core/object/layout.ts";
import { MAP_KINDS, mapKindOfId } from "../../core/maps.ts";
import type { MapSpec, MapType } from "../../core/object/spec.ts";
import * as bpf from "./bpf.ts";
import { possibleCpus } from "./cpus.ts";
import { BpfError, NotFoundError, UnsupportedFeatureError, explain, formatBytes } from "./errors.ts";
import { scratchMapName } from "../../core/object/names.ts";
import { ERRNO, type NativeMemory, type Sys, SysError } from "./sys.ts";

export type UpdateFlag = "any" | "noexist" | "exist";
const UPDATE_FLAGS: Record<UpdateFlag, bigint> = { any: 0n, noexist: 1n, exist: 2n };


/** Map info from BPF_OBJ_GET_INFO_BY_FD. */
export interface MapInfo {
  readonly type: number;
  readonly id: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly flags: number;
  readonly name: string;
}

export function mapInfo(sys: Sys, fd: number): MapInfo {
  const b = bpf.objGetInfo(sys, fd, 104);
  const v = new DataView(b.buffer);
  const nameBytes = b.subarray(24, 40);
  const end = nameBytes.indexOf(0);
  return {
    type: v.getUint32(0, true),
    id: v.getUint32(4, true),
    keySize: v.getUint32(8, true),
    valueSize: v.getUint32(12, true),
    maxEntries: v.getUint32(16, true),
    flags: v.getUint32(20, true),
    name: new TextDecoder().decode(nameBytes.subarray(0, end < 0 ? 16 : end)),
  };
}

/** Sums integers (and ORs booleans) field by field: the default way to merge per-CPU values. */
export function sumValues(values: readonly unknown[]): unknown {
  const first = values[0];
  if (typeof first === "bigint") return values.reduce((a, b) => (a as bigint) + (b as bigint), 0n);
  if (typeof first === "number") return values.reduce((a, b) => (a as number) + (b as number), 0);
  if (typeof first === "boolean") return values.some(Boolean);
  if (Array.isArray(first)) return first.map((_, i) => sumValues(values.map((v) => (v as unknown[])[i])));
  if (first && typeof first === "object" && !(first instanceof Uint8Array)) {
    return Object.fromEntries(Object.keys(first).map((k) => [k, sumValues(values.map((v) => (v as Record<string, unknown>)[k]))]));
  }
  throw new BpfError("per-CPU values of this type cannot be summed; pass a merge function", "merge per-CPU values");
}

/** PCPU_MIN_UNIT_SIZE (include/linux/percpu.h): the largest per-CPU value, rounded up to 8 bytes. */
export const PERCPU_VALUE_MAX = 32768;
/** Hash maps (kernel/bpf/hashtab.c): n_buckets, max_entries rounded up to a power of 2, times 16 must fit a u32. */
export const HASH_ENTRIES_MAX = 1 << 27;
/** Hash maps: key + value must stay below KMALLOC_MAX_SIZE (4 MiB on x86_64) minus the 48-byte element header. */
export const HASH_ELEMENT_MAX = 4 * 1024 * 1024 - 48 - 1;

/** How a message names a map: the tracer's declaration, or what the compiler made it for. */
export function describeMap(spec: MapSpec): string {
  const scratch = scratchMapName("");
  if (spec.name.startsWith(scratch)) {
    return `the scratch memory of program ${spec.name.slice(scratch.length)} (a per-CPU map holding its locals and events larger than 256 bytes)`;
  }
  if (spec.name === ".rodata") return "the load-time parameters (.rodata)";
  const cls = spec.declared?.class ?? MAP_KINDS[spec.type].class;
  return `map ${spec.name}${cls ? ` (the ${cls} declared in the tracer)` : ""}`;
}

/** Whether a map kind is one of the hash tables of kernel/bpf/hashtab.c. */
const isHash = (t: MapType) => t === "hash" || t === "percpu_hash" || t === "lru_hash" || t === "lru_percpu_hash";

/** Why BPF_MAP_CREATE refused E2BIG: the limit the definition exceeds, when one of the known ones does. */
function tooLarge(spec: MapSpec): { message: string; hint: string } | undefined {
  const kind = MAP_KINDS[spec.type];
  const value = Math.ceil(spec.valueSize / 8) * 8;
  if (kind.perCpu && value > PERCPU_VALUE_MAX) {
    return {
      message: `too large: ${spec.valueSize} bytes per value, limit ${PERCPU_VALUE_MAX} for a per-CPU map (PCPU_MIN_UNIT_SIZE)`,
      hint: spec.name.startsWith(scratchMapName(""))
        ? "make the program's large locals and events smaller (a shorter Str<N> or FixedArray<T, N>), or keep them in a map's value"
        : "make the value type smaller, or use a map that is not per-CPU",
    };
  }
  if (isHash(spec.type) && spec.keySize + spec.valueSize > HASH_ELEMENT_MAX) {
    return {
      message: `too large: ${spec.keySize + spec.valueSize} bytes per element (key ${spec.keySize} + value ${spec.valueSize}), limit ${HASH_ELEMENT_MAX} for a hash map`,
      hint: "make the key and value types smaller; an ArrayMap's values may be larger",
    };
  }
  if (isHash(spec.type) && spec.maxEntries > HASH_ENTRIES_MAX) {
    return {
      message: `too large: ${spec.maxEntries} entries, limit ${HASH_ENTRIES_MAX} (2^27) for a hash map`,
      hint: "give the map fewer entries",
    };
  }
  return undefined;
}

/** Why BPF_MAP_CREATE refused EINVAL: a definition no kernel accepts, when it is one. */
function invalid(spec: MapSpec): { message: string; hint?: string } | undefined {
  const kind = MAP_KINDS[spec.type];
  if (spec.type === "ringbuf") {
    return { message: `the kernel rejected the size ${spec.maxEntries}`, hint: "a ring buffer's size must be a power of 2 and a multiple of the page size" };
  }
  if (spec.maxEntries === 0 && spec.type !== "perf_event_array") return { message: "invalid definition: max_entries is 0", hint: "a map needs at least one entry" };
  if (spec.keySize === 0 && spec.type !== "perf_event_array") return { message: "invalid definition: key_size is 0", hint: "give the map a key type" };
  if (spec.valueSize === 0) return { message: "invalid definition: value_size is 0", hint: "give the map a value type" };
  if (kind.array && spec.keySize !== 4) return { message: `invalid definition: key_size is ${spec.keySize}`, hint: "array maps are indexed by a u32: their keys are 4 bytes" };
  return undefined;
}

/** A small map of the same type, to tell "this kernel lacks the map type" from "this definition is refused". */
function mapTypeWorks(sys: Sys, type: MapType): boolean {
  const small = type === "ringbuf" ? { keySize: 0, valueSize: 0, maxEntries: 4096 }
    : type === "perf_event_array" || type === "prog_array" ? { keySize: 4, valueSize: 4, maxEntries: 1 }
      : type === "stack_trace" ? { keySize: 4, valueSize: 8, maxEntries: 1 }
        : type === "lpm_trie" ? { keySize: 8, valueSize: 8, maxEntries: 1, flags: 1 }
          : { keySize: 4, valueSize: 8, maxEntries: 1 };
  try {
    sys.close(bpf.mapCreate(sys, { type: MAP_KINDS[type].id, flags: 0, name: "tsbpf_probe", ...small }));
    return true;
  } catch {
    return false;
  }
}

/**
 * BPF_MAP_CREATE's refusal in plain words, from the map's definition and the kernel's limits: "too large: N bytes
 * per value, limit L", an invalid definition, memory, permissions, and "this kernel does not support" only when
 * a map of the same type with a small definition fails too.
 */
export function explainMapCreate(sys: Sys, e: unknown, spec: MapSpec, what = `create map ${spec.name} (${spec.type})`, cpus?: number): Error {
  if (!(e instanceof SysError)) return explain(e, what);
  const who = describeMap(spec);
  const fail = (message: string, hint?: string) => new BpfError(`${what}: ${message} (${e.code})`, what, hint ? `${who}: ${hint}` : who, e.code, e.errno);
  const unsupported = () => new UnsupportedFeatureError(`${spec.type} maps`, `${what} failed with ${e.code}, and so does a small ${spec.type} map`,
    `needs Linux ${MAP_KINDS[spec.type].since} or newer`, e.code, e.errno);
  switch (e.errno) {
    case ERRNO.E2BIG: {
      const big = tooLarge(spec);
      if (big) return fail(big.message, big.hint);
      if (!mapTypeWorks(sys, spec.type)) return unsupported();
      return fail(`too large: key ${spec.keySize} bytes, value ${spec.valueSize} bytes, ${spec.maxEntries} entries`, "make the map smaller");
    }
    case ERRNO.EINVAL: {
      const bad = invalid(spec);
      if (bad) return fail(bad.message, bad.hint);
      if (!mapTypeWorks(sys, spec.type)) return unsupported();
      return fail(`the kernel rejected the definition (key ${spec.keySize} bytes, value ${spec.valueSize} bytes, ${spec.maxEntries} entries, flags 0x${(spec.flags ?? 0).toString(16)})`,
        spec.flags ? "a flag this kernel does not know for this map type" : "this is a bug in tsbpf: please report it");
    }
    case ERRNO.ENOMEM: {
      const n = MAP_KINDS[spec.type].perCpu ? cpus ?? possibleCpus().length : 1;
      const total = spec.maxEntries * (spec.keySize + Math.ceil(spec.valueSize / 8) * 8 * n);
      const e2 = explain(e, what, { call: "map-create" }) as BpfError;
      const size = `${formatBytes(total)}: ${spec.maxEntries} entries of ${spec.keySize} + ${spec.valueSize} bytes${n > 1 ? ` on each of ${n} CPUs` : ""}`;
      return total > totalmem()
        ? fail(`too large: ${size}, more than this machine's memory (${formatBytes(totalmem())})`, "give the map fewer entries or smaller values")
        : new BpfError(`${what}: the kernel could not allocate ${size} (${e.code})`, what, `${who}: ${e2.hint}`, e.code, e.errno);
    }
    case ERRNO.EOPNOTSUPP:
    case ERRNO.ENOTSUPP:
      return mapTypeWorks(sys, spec.type) ? fail("the kernel does not support this definition (a flag or a size)") : unsupported();
  }
  return explain(e, what, { call: "map-create", unsupported: { feature: `${spec.type} maps`, since: MAP_KINDS[spec.type].since } });
}

const bytesCodec = (size: number): Codec<Uint8Array> => codecOf<Uint8Array>({ kind: "bytes", length: size });

export interface OpenOptions {
  /** Number of possible CPUs (default: from sysfs). */
  readonly cpus?: number;
}

/**
 * A map in the kernel. K and V are the JS types of keys and values (Uint8Array when the spec has no layout).
 * Not safe to use after close(); every method throws then.
 */
export class BpfMap<K = unknown, V = unknown> implements Disposable {
  /** The definition the map was created or opened with (opened from a pin or an fd: as read from the kernel). */
  readonly spec: MapSpec;
  readonly name: string;
  readonly type: MapType;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly flags: number;
  readonly perCpu: boolean;
  /** Number of per-CPU slots in a value (possible CPUs), 1 for other maps. */
  readonly cpus: number;
  private readonly keyCodec: Codec<K>;
  private readonly valueCodec: Codec<V>;
  private readonly stride: number;
  private fdValue: number;
  // The native buffers of keys and values, freed by close(). They are reached only through the getters below,
  // which throw once the map is closed: a write into a freed buffer would corrupt the process's heap.
  private readonly keyMem: NativeMemory;
  private readonly nextMem: NativeMemory;
  private readonly valueMem: NativeMemory;

  private get key(): NativeMemory {
    this.live();
    return this.keyMem;
  }

  private get next(): NativeMemory {
    this.live();
    return this.nextMem;
  }

  private get value(): NativeMemory {
    this.live();
    return this.valueMem;
  }

  private live(): void {
    if (this.fdValue < 0) throw new BpfError(`map ${this.name} is closed`, `use map ${this.name}`);
  }
  private batchSupported: boolean | undefined;

  private constructor(private readonly sys: Sys, fd: number, spec: MapSpec, opts: OpenOptions) {
    this.fdValue = fd;
    this.spec = spec;
    this.name = spec.name;
    this.type = spec.type;
    this.keySize = spec.keySize;
    this.valueSize = spec.valueSize;
    this.maxEntries = spec.maxEntries;
    this.flags = spec.flags ?? 0;
    this.perCpu = MAP_KINDS[spec.type].perCpu;
    this.cpus = this.perCpu ? opts.cpus ?? possibleCpus().length : 1;
    // Per-CPU values are laid out with an 8-byte stride per CPU in user space.
    this.stride = this.perCpu ? Math.ceil(spec.valueSize / 8) * 8 : spec.valueSize;
    this.keyCodec = (spec.key ? codecOf(spec.key) : bytesCodec(spec.keySize)) as Codec<K>;
    this.valueCodec = (spec.value ? codecOf(spec.value) : bytesCodec(spec.valueSize)) as Codec<V>;
    if (this.keyCodec.size !== spec.keySize && spec.keySize !== 0) {
      throw new BpfError(`map ${spec.name}: key type ${describeType(spec.key!)} is ${this.keyCodec.size} bytes, key_size is ${spec.keySize}`, `open map ${spec.name}`);
    }
    if (this.valueCodec.size !== spec.valueSize && spec.valueSize !== 0) {
      throw new BpfError(`map ${spec.name}: value type ${describeType(spec.value!)} is ${this.valueCodec.size} bytes, value_size is ${spec.valueSize}`, `open map ${spec.name}`);
    }
    this.keyMem = sys.alloc(spec.keySize);
    this.nextMem = sys.alloc(spec.keySize);
    this.valueMem = sys.alloc(this.stride * this.cpus);
  }

  /** Creates a map from its spec (BPF_MAP_CREATE), fills its initial value and freezes it if asked. */
  static create<K = unknown, V = unknown>(sys: Sys, spec: MapSpec, opts: OpenOptions = {}): BpfMap<K, V> {
    const what = `create map ${spec.name} (${spec.type})`;
    let fd: number;
    try {
      fd = bpf.mapCreate(sys, {
        type: MAP_KINDS[spec.type].id,
        keySize: spec.keySize,
        valueSize: spec.valueSize,
        maxEntries: spec.maxEntries,
        flags: spec.flags ?? 0,
        name: spec.name,
      });
    } catch (e) {
      throw explainMapCreate(sys, e, spec, what, opts.cpus);
    }
    const map = new BpfMap<K, V>(sys, fd, spec, opts);
    try {
      if (spec.initialValue !== undefined) {
        const init = Buffer.from(spec.initialValue, "hex");
        map.updateRaw(new Uint8Array(4), Uint8Array.from(init), "any");
      }
      if (spec.freeze) map.freeze();
    } catch (e) {
      map.close();
      throw e;
    }
    return map;
  }

  /** Opens a pinned map and checks it against `spec` (type, key and value sizes). */
  static openPinned<K = unknown, V = unknown>(sys: Sys, path: string, spec?: Partial<MapSpec>, opts: OpenOptions = {}): BpfMap<K, V> {
    let fd: number;
    try {
      fd = bpf.objGet(sys, path);
    } catch (e) {
      if (e instanceof SysError && e.errno === ERRNO.ENOENT) throw new NotFoundError(`no pinned map at ${path}`, `open ${path}`);
      throw explain(e, `open pinned map ${path}`);
    }
    try {
      return BpfMap.fromFd<K, V>(sys, fd, spec, opts);
    } catch (e) {
      sys.close(fd);
      throw e;
    }
  }

  /** Wraps an fd (taking ownership), reading the definition from the kernel and checking it against `spec`. */
  static fromFd<K = unknown, V = unknown>(sys: Sys, fd: number, spec: Partial<MapSpec> = {}, opts: OpenOptions = {}): BpfMap<K, V> {
    const info = mapInfo(sys, fd);
    const type = mapKindOfId(info.type)?.type;
    if (!type) throw new BpfError(`map ${info.name}: unsupported map type ${info.type}`, `open map ${info.name}`);
    const name = spec.name ?? info.name;
    const mismatch = (what: string, want: unknown, got: unknown) =>
      new BpfError(`map ${name}: ${what} is ${got} in the kernel, ${want} in the program`, `open map ${name}`,
        "the pinned map was created by a different version of the program; unpin it (rm the file in bpffs) to recreate it");
    if (spec.type !== undefined && spec.type !== type) throw mismatch("type", spec.type, type);
    if (spec.keySize !== undefined && spec.keySize !== info.keySize) throw mismatch("key_size", spec.keySize, info.keySize);
    if (spec.valueSize !== undefined && spec.valueSize !== info.valueSize) throw mismatch("value_size", spec.valueSize, info.valueSize);
    if (spec.maxEntries !== undefined && spec.maxEntries !== info.maxEntries) throw mismatch("max_entries", spec.maxEntries, info.maxEntries);
    const full: MapSpec = {
      name, type, keySize: info.keySize, valueSize: info.valueSize, maxEntries: info.maxEntries, flags: info.flags,
      ...(spec.key ? { key: spec.key } : {}), ...(spec.value ? { value: spec.value } : {}),
    };
    return new BpfMap<K, V>(sys, fd, full, opts);
  }

  get fd(): number {
    this.live();
    return this.fdValue;
  }

  get keyType(): TypeDesc | undefined {
    return this.keyCodec.type.kind === "bytes" ? undefined : this.keyCodec.type;
  }

  info(): MapInfo {
    return mapInfo(this.sys, this.fd);
  }

  private setKey(key: K): void {
    const v = new DataView(this.key.bytes.buffer, this.key.bytes.byteOffset, this.keySize);
    this.keyCodec.encode(key, v, 0);
  }

  private valueView(cpu = 0): DataView {
    return new DataView(this.value.bytes.buffer, this.value.bytes.byteOffset + cpu * this.stride, this.valueSize);
  }

  private noPerCpu(method: string): void {
    if (this.perCpu) throw new BpfError(`map ${this.name} is per-CPU: use ${method}PerCpu() or ${method}Merged()`, `${method} ${this.name}`);
  }

  private lookupRaw(): boolean {
    try {
      return bpf.mapLookupElem(this.sys, this.fd, this.key.address, this.value.address);
    } catch (e) {
      throw explain(e, `look up in map ${this.name}`);
    }
  }

  /** The value at `key`, or undefined. */
  get(key: K): V | undefined {
    this.noPerCpu("get");
    this.setKey(key);
    return this.lookupRaw() ? this.valueCodec.decode(this.valueView()) : undefined;
  }

  /** Per-CPU maps: one value per possible CPU, or undefined. */
  getPerCpu(key: K): V[] | undefined {
    this.setKey(key);
    if (!this.lookupRaw()) return undefined;
    return Array.from({ length: this.cpus }, (_, c) => this.valueCodec.decode(this.valueView(c)));
  }

  /** Per-CPU maps: the values of all CPUs merged (summed by default). */
  getMerged(key: K, merge: (values: V[]) => V = sumValues as (v: V[]) => V): V | undefined {
    const all = this.getPerCpu(key);
    return all && merge(all);
  }

  has(key: K): boolean {
    this.setKey(key);
    return this.lookupRaw();
  }

  /** Sets `key` to `value` (for per-CPU maps: the same value on every CPU, or one value per CPU). */
  set(key: K, value: V | readonly V[], flag: UpdateFlag = "any"): void {
    this.setKey(key);
    if (this.perCpu) {
      const values = Array.isArray(value) && !(this.valueCodec.type.kind === "array") ? (value as readonly V[]) : undefined;
      if (values && values.length !== this.cpus) throw new BpfError(`map ${this.name}: expected ${this.cpus} per-CPU values, got ${values.length}`, `update ${this.name}`);
      this.value.bytes.fill(0);
      for (let c = 0; c < this.cpus; c++) this.valueCodec.encode(values ? values[c]! : (value as V), this.valueView(c), 0);
    } else {
      this.valueCodec.encode(value as V, this.valueView(), 0);
    }
    this.update(flag);
  }

  private update(flag: UpdateFlag): void {
    try {
      bpf.mapUpdateElem(this.sys, this.fd, this.key.address, this.value.address, UPDATE_FLAGS[flag]);
    } catch (e) {
      if (e instanceof SysError) {
        if (e.errno === ERRNO.EEXIST) throw new BpfError(`map ${this.name}: the key already exists (update with "noexist")`, `update ${this.name}`, undefined, e.code, e.errno);
        if (e.errno === ERRNO.ENOENT) throw new BpfError(`map ${this.name}: no such key (update with "exist")`, `update ${this.name}`, undefined, e.code, e.errno);
        if (e.errno === ERRNO.E2BIG) {
          throw new BpfError(this.type.endsWith("array") ? `map ${this.name}: index out of range (max_entries ${this.maxEntries})` : `map ${this.name} is full (max_entries ${this.maxEntries})`,
            `update ${this.name}`, "declare the map with more entries, or use an LRU map", e.code, e.errno);
        }
      }
      throw explain(e, `update map ${this.name}`, { call: "map-update" });
    }
  }

  /** Raw bytes in and out, bypassing the codecs (used for global data). */
  updateRaw(key: Uint8Array, value: Uint8Array, flag: UpdateFlag = "any"): void {
    this.key.bytes.set(key.subarray(0, this.keySize));
    this.value.bytes.fill(0);
    this.value.bytes.set(value.subarray(0, this.value.bytes.length));
    this.update(flag);
  }

  /** Raw value bytes at raw key bytes (all CPUs' slots for per-CPU maps). */
  getRaw(key: Uint8Array): Uint8Array | undefined {
    this.key.bytes.set(key.subarray(0, this.keySize));
    return this.lookupRaw() ? this.value.bytes.slice() : undefined;
  }

  /** Deletes `key`; returns whether it was there. Array maps cannot delete (EINVAL). */
  delete(key: K): boolean {
    this.setKey(key);
    try {
      return bpf.mapDeleteElem(this.sys, this.fd, this.key.address);
    } catch (e) {
      if (e instanceof SysError && e.errno === ERRNO.EINVAL && this.type.endsWith("array")) {
        throw new BpfError(`map ${this.name}: elements of array maps cannot be deleted; set them to zero instead`, `delete from ${this.name}`, undefined, e.code, e.errno);
      }
      throw explain(e, `delete from map ${this.name}`);
    }
  }

  /** Removes and returns the value at `key` (BPF_MAP_LOOKUP_AND_DELETE_ELEM: 5.14 for hash maps), with a fallback. */
  take(key: K): V | undefined {
    this.noPerCpu("take");
    this.setKey(key);
    try {
      if (!bpf.mapLookupAndDeleteElem(this.sys, this.fd, this.key.address, this.value.address)) return undefined;
      return this.valueCodec.decode(this.valueView());
    } catch (e) {
      if (!(e instanceof SysError) || (e.errno !== ERRNO.EINVAL && e.errno !== ERRNO.ENOTSUPP && e.errno !== ERRNO.EOPNOTSUPP)) throw explain(e, `take from map ${this.name}`);
    }
    const v = this.get(key);
    if (v !== undefined) this.delete(key);
    return v;
  }

  /** Keys, by BPF_MAP_GET_NEXT_KEY. Deleting while iterating a hash map may restart the walk (kernel behaviour). */
  *keys(): Generator<K> {
    let have = false;
    for (;;) {
      let ok: boolean;
      try {
        ok = bpf.mapGetNextKey(this.sys, this.fd, have ? this.key.address : 0n, this.next.address);
      } catch (e) {
        throw explain(e, `iterate map ${this.name}`);
      }
      if (!ok) return;
      this.key.bytes.set(this.next.bytes);
      have = true;
      yield this.keyCodec.decode(new DataView(this.next.bytes.buffer, this.next.bytes.byteOffset, this.keySize));
    }
  }

  /** All entries (batch lookup where supported). */
  entries(): [K, V][] {
    this.noPerCpu("entries");
    return this.rawEntries(false).map(([k, v]) => [k, v[0]!]);
  }

  /** Per-CPU maps: all entries, one value per possible CPU. */
  entriesPerCpu(): [K, V[]][] {
    return this.rawEntries(false);
  }

  /** Per-CPU maps: all entries with values merged (summed by default). */
  entriesMerged(merge: (values: V[]) => V = sumValues as (v: V[]) => V): [K, V][] {
    return this.rawEntries(false).map(([k, v]) => [k, merge(v)]);
  }

  /** Removes every entry and returns them (batch lookup-and-delete where supported). Per-CPU values come merged. */
  drain(merge: (values: V[]) => V = sumValues as (v: V[]) => V): [K, V][] {
    return this.rawEntries(true).map(([k, v]) => [k, this.perCpu ? merge(v) : v[0]!]);
  }

  /** Deletes every entry (zeroes every element of an array map). */
  clear(): void {
    if (this.type.endsWith("array")) {
      this.value.bytes.fill(0);
      for (let i = 0; i < this.maxEntries; i++) {
        new DataView(this.key.bytes.buffer, this.key.bytes.byteOffset).setUint32(0, i, true);
        this.update("any");
      }
      return;
    }
    const keys = [...this.keys()];
    for (const k of keys) this.delete(k);
  }

  private rawEntries(andDelete: boolean): [K, V[]][] {
    if (this.batchSupported !== false) {
      const r = this.batchEntries(andDelete);
      if (r) return r;
    }
    const out: [K, V[]][] = [];
    const keys = [...this.keys()];
    for (const k of keys) {
      this.setKey(k);
      if (!this.lookupRaw()) continue;
      out.push([k, Array.from({ length: this.cpus }, (_, c) => this.valueCodec.decode(this.valueView(c)))]);
      if (andDelete) this.delete(k);
    }
    return out;
  }

  /** BPF_MAP_LOOKUP_BATCH / LOOKUP_AND_DELETE_BATCH (5.6); undefined when the kernel or map type lacks them. */
  private batchEntries(andDelete: boolean): [K, V[]][] | undefined {
    if (andDelete && this.type.endsWith("array")) return undefined;
    let chunk = Math.max(1, Math.min(this.maxEntries, 1024));
    const tokenSize = Math.max(this.keySize, 8);
    const inTok = this.sys.alloc(tokenSize);
    const outTok = this.sys.alloc(tokenSize);
    const out: [K, V[]][] = [];
    let keys = this.sys.alloc(this.keySize * chunk);
    let values = this.sys.alloc(this.stride * this.cpus * chunk);
    try {
      let first = true;
      for (;;) {
        let r: bpf.BatchResult;
        try {
          r = bpf.mapBatch(this.sys, andDelete ? bpf.Cmd.MapLookupAndDeleteBatch : bpf.Cmd.MapLookupBatch, this.fd,
            first ? 0n : inTok.address, outTok.address, keys.address, values.address, chunk);
        } catch (e) {
          if (e instanceof SysError && e.errno === ERRNO.ENOSPC && chunk < this.maxEntries * 2) {
            // A hash bucket holds more entries than fit in one chunk: retry with room for more.
            chunk *= 4;
            keys.free();
            values.free();
            keys = this.sys.alloc(this.keySize * chunk);
            values = this.sys.alloc(this.stride * this.cpus * chunk);
            continue;
          }
          if (first && e instanceof SysError && [ERRNO.EINVAL, ERRNO.ENOTSUPP, ERRNO.EOPNOTSUPP, ERRNO.EPERM].includes(e.errno as never)) {
            this.batchSupported = false;
            return undefined;
          }
          throw explain(e, `read map ${this.name}`);
        }
        this.batchSupported = true;
        for (let i = 0; i < r.count; i++) {
          const k = this.keyCodec.decode(new DataView(keys.bytes.buffer, keys.bytes.byteOffset + i * this.keySize, this.keySize));
          const vs: V[] = [];
          for (let c = 0; c < this.cpus; c++) {
            vs.push(this.valueCodec.decode(new DataView(values.bytes.buffer, values.bytes.byteOffset + (i * this.cpus + c) * this.stride, this.valueSize)));
          }
          out.push([k, vs]);
        }
        if (r.done) return out;
        inTok.bytes.set(outTok.bytes);
        first = false;
      }
    } finally {
      inTok.free();
      outTok.free();
      keys.free();
      values.free();
    }
  }

  /** Pins the map in bpffs (mounted at /sys/fs/bpf); the map then outlives this process. */
  pin(path: string): void {
    try {
      bpf.objPin(this.sys, this.fd, path);
    } catch (e) {
      if (e instanceof SysError && e.errno === ERRNO.EEXIST) throw new BpfError(`pin map ${this.name}: ${path} already exists`, `pin ${this.name}`, "remove it first (rm, or BpfMap.unpin)", e.code, e.errno);
      if (e instanceof SysError && (e.errno === ERRNO.EPERM || e.errno === ERRNO.EINVAL) && !path.startsWith("/sys/fs/bpf/")) {
        throw new BpfError(`pin map ${this.name}: ${path} is not on a BPF filesystem`, `pin ${this.name}`, "pin under /sys/fs/bpf (mount -t bpf bpf /sys/fs/bpf)", e.code, e.errno);
      }
      throw explain(e, `pin map ${this.name} at ${path}`);
    }
  }

  static unpin(path: string): void {
    if (existsSync(path)) unlinkSync(path);
  }

  /** Makes the map read-only for user space (BPF_MAP_FREEZE, 5.2); programs can still write unless RDONLY_PROG. */
  freeze(): void {
    try {
      bpf.mapFreeze(this.sys, this.fd);
    } catch (e) {
      throw explain(e, `freeze map ${this.name}`, { feature: "map freezing", since: "5.2" });
    }
  }

  close(): void {
    if (this.fdValue < 0) return;
    this.sys.close(this.fdValue);
    this.fdValue = -1;
    this.keyMem.free();
    this.nextMem.free();
    this.valueMem.free();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
