// Map kinds, the one table: a map type (BPF_MAP_TYPE_*) in; its kernel id, minimum kernel, whether its values are
// per CPU, whether it evicts (LRU), whether it is an array, whether it is an event channel, the class a tracer
// constructs to declare it and how the VM simulates it out. The frontend recognises declarations by `class`,
// lowering and the compiler choose code and layouts by the flags, the kernel loader creates maps by `id` and
// explains a refusal with `since`, the VM builds its mock by `vm`, and the user side binds its classes by `class`.
// A new map kind is one entry here, plus whatever is new about it (a VM mock, a user-side class, its lowering).

/** Map types, named as in the kernel (BPF_MAP_TYPE_HASH is "hash"). */
export type MapType =
  | "hash" | "array" | "prog_array" | "perf_event_array" | "percpu_hash" | "percpu_array" | "stack_trace" | "lru_hash"
  | "lru_percpu_hash" | "lpm_trie" | "ringbuf";

export interface MapKind {
  readonly type: MapType;
  /** BPF_MAP_TYPE_* (the `map_type` of BPF_MAP_CREATE). */
  readonly id: number;
  /** The Linux version that brought it, for "this kernel does not support" messages. */
  readonly since: string;
  /** One value per possible CPU: programs see their CPU's, user space reads all of them (each padded to 8 bytes). */
  readonly perCpu: boolean;
  /** Evicts the least recently used entry when full, where a plain hash map refuses the insert. */
  readonly lru: boolean;
  /** Keys are u32 indices below max_entries and every element exists (zero until written); nothing is deleted. */
  readonly array: boolean;
  /** Programs send events through it, read by user space as a stream: a ring buffer or per-CPU perf buffers. */
  readonly channel?: "ringbuf" | "perf";
  /** The class a tracer constructs to declare one (`new HashMap<K, V>(n)`), where the language has one. */
  readonly class?: string;
  /** How the VM simulates it (runtime/interp/collection.ts); absent: the VM refuses a collection that has one. */
  readonly vm?: "map" | "ringbuf" | "perf" | "stack";
}

const kind = (type: MapType, id: number, since: string, k: Partial<Omit<MapKind, "type" | "id" | "since">> = {}): MapKind =>
  ({ type, id, since, perCpu: false, lru: false, array: false, ...k });

export const MAP_KINDS: Readonly<Record<MapType, MapKind>> = {
  hash: kind("hash", 1, "3.19", { class: "HashMap", vm: "map" }),
  array: kind("array", 2, "3.19", { array: true, class: "ArrayMap", vm: "map" }),
  prog_array: kind("prog_array", 3, "4.2", { array: true }),
  perf_event_array: kind("perf_event_array", 4, "4.3", { channel: "perf", class: "PerfEventArray", vm: "perf" }),
  percpu_hash: kind("percpu_hash", 5, "4.6", { perCpu: true, class: "PerCpuHashMap", vm: "map" }),
  percpu_array: kind("percpu_array", 6, "4.6", { perCpu: true, array: true, class: "PerCpuArrayMap", vm: "map" }),
  stack_trace: kind("stack_trace", 7, "4.6", { vm: "stack" }),
  lru_hash: kind("lru_hash", 9, "4.10", { lru: true, class: "LruHashMap", vm: "map" }),
  lru_percpu_hash: kind("lru_percpu_hash", 10, "4.10", { perCpu: true, lru: true, class: "LruPerCpuHashMap", vm: "map" }),
  lpm_trie: kind("lpm_trie", 11, "4.11"),
  ringbuf: kind("ringbuf", 27, "5.8", { channel: "ringbuf", class: "RingBuffer", vm: "ringbuf" }),
};

const BY_CLASS = new Map(Object.values(MAP_KINDS).filter((k) => k.class !== undefined).map((k) => [k.class!, k]));
const BY_ID = new Map(Object.values(MAP_KINDS).map((k) => [k.id, k]));

/** The map kind a class declares (`HashMap` → hash), or undefined for a class that is not a map. */
export function mapKindOfClass(name: string): MapKind | undefined {
  return BY_CLASS.get(name);
}

/** The map kind of a kernel map type id, or undefined for a type this table does not know. */
export function mapKindOfId(id: number): MapKind | undefined {
  return BY_ID.get(id);
}
