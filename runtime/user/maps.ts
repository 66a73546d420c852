// The user side of keyed maps (HashMap, LruHashMap, the per-CPU maps, ArrayMap, PerCpuArrayMap): JS keys and
// values in, the bound map read and written through its MapBackend out. Values are copies decoded by the layout
// codec; per-CPU values come merged (integers summed) or per CPU.
//
// set() says false where the kernel-side set does: when the map refuses the update because of its state or the
// flag (E2BIG: a full hash map or an index out of range; EEXIST: "noexist" on an existing key or any array
// element; ENOENT: "exist" on a missing key). Anything else (a frozen map, a closed tracer, a value that does not fit
// the type) is a programming error and throws.

import { type TypeDesc, codecOf } from "../../core/object/layout.ts";
import { MAP_KINDS } from "../../core/maps.ts";
import type { MapSpec, MapType } from "../../core/object/spec.ts";
import type { MapBackend, UpdateFlag } from "./backend.ts";
import { Declared, aOr } from "./declared.ts";

export interface MapOptions {
  readonly pinned?: boolean;
}

/** The errno names a refused update carries: set() returns false for these (see the file comment). */
const REFUSED: ReadonlySet<string> = new Set(["E2BIG", "EEXIST", "ENOENT"]);
const codeOf = (e: unknown): string | undefined =>
  typeof e === "object" && e !== null && typeof (e as { code?: unknown }).code === "string" ? (e as { code: string }).code : undefined;
/** How often add() retries when another writer creates or deletes the key between its read and its write. */
const ADD_TRIES = 16;

/**
 * Merges the CPUs' values of a per-CPU map: integers are summed (per-CPU maps are counters, each CPU holding its
 * part), booleans or'ed; a string or byte array cannot be summed, so it is the first CPU's that is not empty (the
 * CPU that wrote it). Arrays and structs merge element by element and field by field.
 */
export function mergeCpus(values: readonly unknown[]): unknown {
  const first = values[0];
  switch (typeof first) {
    case "bigint":
      return (values as readonly bigint[]).reduce((a, b) => a + b, 0n);
    case "number":
      return (values as readonly number[]).reduce((a, b) => a + b, 0);
    case "boolean":
      return values.some(Boolean);
    case "string":
      return values.find((v) => v !== "") ?? first;
  }
  if (first instanceof Uint8Array) return values.find((v) => (v as Uint8Array).some((b) => b !== 0)) ?? first;
  if (Array.isArray(first)) return first.map((_, i) => mergeCpus(values.map((v) => (v as readonly unknown[])[i])));
  if (typeof first === "object" && first !== null) {
    return Object.fromEntries(Object.keys(first).map((k) => [k, mergeCpus(values.map((v) => (v as Record<string, unknown>)[k]))]));
  }
  return first;
}

/** The methods every keyed map has on the user side. */
export abstract class KeyedMap<K = unknown, V = unknown> extends Declared<MapBackend> {
  readonly #type: MapType;
  /** The spec's zero value, built on first use (per-CPU writes fill the other CPUs with it). */
  #zero: { spec: MapSpec; value: unknown } | undefined;

  protected constructor(type: MapType, maxEntries: number) {
    const className = MAP_KINDS[type].class!;
    super(className);
    if (!Number.isInteger(maxEntries) || maxEntries <= 0) throw new RangeError(`${className}: the number of entries must be a positive integer, got ${maxEntries}`);
    this.#type = type;
  }

  protected mismatch(spec: MapSpec): string | undefined {
    if (spec.aggregation || spec.events) return `it is ${spec.aggregation ? `${aOr(spec.aggregation.kind)} aggregation` : "an event channel"}`;
    return spec.type === this.#type ? undefined : `it is ${aOr(spec.type)} map, not ${aOr(this.#type)} map`;
  }

  /** The value at `key` (per-CPU maps: the CPUs' values merged, see mergeCpus), or undefined. */
  get(key: K): V | undefined {
    const b = this.backend;
    if (!b.perCpu) return b.get(key) as V | undefined;
    const all = b.getPerCpu(key);
    return all && (mergeCpus(all) as V);
  }

  /**
   * Stores `value` at `key`; false when the map refuses (full, index out of range, or the flag: see the file
   * comment). Per-CPU maps: the value goes to CPU 0 and the other CPUs' values become zero, so that get() returns
   * what was set.
   */
  set(key: K, value: V, flag: UpdateFlag = "any"): boolean {
    const b = this.backend;
    try {
      b.set(key, b.perCpu ? this.onFirstCpu(value) : value, flag);
      return true;
    } catch (e) {
      if (REFUSED.has(codeOf(e) ?? "")) return false;
      throw e;
    }
  }

  /** Removes `key`; returns whether it was there. Elements of array maps cannot be removed (an error). */
  delete(key: K): boolean {
    return this.backend.delete(key);
  }

  has(key: K): boolean {
    const b = this.backend;
    return (b.perCpu ? b.getPerCpu(key) : b.get(key)) !== undefined;
  }

  /**
   * Adds `delta` to the numeric value at `key` (wrapping at the value's width, as the kernel's atomic add does),
   * creating it at `delta` if absent; per-CPU maps: on CPU 0's value. On the user side this is a read followed by
   * a write: a program updating the same key in between loses its update (bpf(2) has no atomic add). Throws when
   * the map is full.
   */
  add(key: K, delta: V extends bigint ? bigint : V extends number ? number : never): void {
    const b = this.backend;
    const type = this.spec.value;
    for (let i = 0; i < ADD_TRIES; i++) {
      const current = b.perCpu ? b.getPerCpu(key) : b.get(key);
      let next: unknown;
      if (current === undefined) next = b.perCpu ? this.onFirstCpu(delta as V) : delta;
      else if (b.perCpu) next = (current as unknown[]).map((v, c) => (c === 0 ? plus(v, delta, type, this.label) : v));
      else next = plus(current, delta, type, this.label);
      try {
        b.set(key, next, current === undefined ? "noexist" : "exist");
        return;
      } catch (e) {
        const code = codeOf(e);
        // Another writer created (EEXIST) or deleted (ENOENT) the key since we read it: read again.
        if ((code === "EEXIST" && !MAP_KINDS[this.spec.type].array) || code === "ENOENT") continue;
        throw e;
      }
    }
    throw new Error(`${this.label}.add(): the key was created or deleted by another writer ${ADD_TRIES} times in a row`);
  }

  /** Every entry, in the kernel's iteration order (per-CPU maps: values merged). */
  entries(): [K, V][] {
    const b = this.backend;
    if (!b.perCpu) return b.entries() as [K, V][];
    return b.entriesPerCpu().map(([k, vs]) => [k as K, mergeCpus(vs) as V]);
  }

  keys(): K[] {
    return this.entries().map(([k]) => k);
  }

  values(): V[] {
    return this.entries().map(([, v]) => v);
  }

  /** Deletes every entry (array maps: zeroes every element). */
  clear(): void {
    this.backend.clear();
  }

  /** A per-CPU value that holds `value` on CPU 0 and zero on every other CPU. */
  protected onFirstCpu(value: V): unknown[] {
    const spec = this.spec;
    if (spec.value?.kind === "array") {
      // BpfMap and MockMap tell one value from one per CPU by Array.isArray: an array value would be ambiguous.
      throw new Error(`${spec.name}: per-CPU maps whose value is an array cannot be written from the user side; wrap the array in a struct`);
    }
    if (this.#zero?.spec !== spec) {
      this.#zero = { spec, value: spec.value ? codecOf(spec.value).fromBytes(new Uint8Array(spec.valueSize)) : new Uint8Array(spec.valueSize) };
    }
    const zero = this.#zero.value;
    return Array.from({ length: this.backend.cpus }, (_, c) => (c === 0 ? value : zero));
  }
}

/** A number or bigint plus `delta`, wrapped to the integer type of the map's value. */
function plus(value: unknown, delta: unknown, type: TypeDesc | undefined, map: string): unknown {
  if (type?.kind !== "int" || (typeof value !== "bigint" && typeof value !== "number")) {
    throw new TypeError(`${map}.add() needs a map whose value is an integer`);
  }
  const bits = type.size * 8;
  const sum = BigInt(value) + BigInt(delta as number | bigint);
  const wrapped = type.signed ? BigInt.asIntN(bits, sum) : BigInt.asUintN(bits, sum);
  return typeof value === "bigint" ? wrapped : Number(wrapped);
}

/** Per-CPU maps add each CPU's own value. */
export abstract class PerCpuKeyedMap<K = unknown, V = unknown> extends KeyedMap<K, V> {
  /** The value of each possible CPU, in CPU order; undefined when the key is absent. */
  perCpu(key: K): V[] | undefined {
    return this.backend.getPerCpu(key) as V[] | undefined;
  }
}

/** BPF_MAP_TYPE_HASH. */
export class HashMap<K = unknown, V = unknown> extends KeyedMap<K, V> {
  constructor(maxEntries: number, _options?: MapOptions) {
    super("hash", maxEntries);
  }
}

/** BPF_MAP_TYPE_LRU_HASH. */
export class LruHashMap<K = unknown, V = unknown> extends KeyedMap<K, V> {
  constructor(maxEntries: number, _options?: MapOptions) {
    super("lru_hash", maxEntries);
  }
}

/** BPF_MAP_TYPE_PERCPU_HASH. */
export class PerCpuHashMap<K = unknown, V = unknown> extends PerCpuKeyedMap<K, V> {
  constructor(maxEntries: number, _options?: MapOptions) {
    super("percpu_hash", maxEntries);
  }
}

/** BPF_MAP_TYPE_LRU_PERCPU_HASH. */
export class LruPerCpuHashMap<K = unknown, V = unknown> extends PerCpuKeyedMap<K, V> {
  constructor(maxEntries: number, _options?: MapOptions) {
    super("lru_percpu_hash", maxEntries);
  }
}

/** BPF_MAP_TYPE_ARRAY: every index in range exists, zero until set. */
export class ArrayMap<V = unknown> extends KeyedMap<number, V> {
  constructor(length: number, _options?: MapOptions) {
    super("array", length);
  }
}

/** BPF_MAP_TYPE_PERCPU_ARRAY. */
export class PerCpuArrayMap<V = unknown> extends PerCpuKeyedMap<number, V> {
  constructor(length: number, _options?: MapOptions) {
    super("percpu_array", length);
  }
}
