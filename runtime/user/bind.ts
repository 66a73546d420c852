// Binding user-side map objects to a loaded tracer's maps: the tracer module's import (objects captured in
// construction order) or just its CollectionSpec in; every object bound to its map's backend, by name, out.
//
// A tracer module constructs its top-level maps in source order when it runs, and the compiler records each map's
// class and position among those declarations (MapSpec.declared), so object i is the map whose declared.index is i.
// The class is checked too: an object of another class there means the module is not the one that was compiled.

import { AGGREGATIONS } from "../../core/aggregations.ts";
import { MAP_KINDS } from "../../core/maps.ts";
import type { CollectionSpec, MapSpec } from "../../core/object/spec.ts";
import type { EventBackend, MapBackend } from "./backend.ts";
import { Avg, Count, Histogram, LinearHistogram, Max, Min, Stats, Sum } from "./aggregations.ts";
import { PerfEventArray, RingBuffer } from "./events.ts";
import { ArrayMap, HashMap, LruHashMap, LruPerCpuHashMap, PerCpuArrayMap, PerCpuHashMap } from "./maps.ts";
import { BIND, type Bindable, CLASS, type ParamValue, registry, setParamValues, withoutCapture } from "./registry.ts";

/** The backend of the map named `name`: a MapBackend, or an EventBackend for event channels. */
export type BackendFor = (name: string) => MapBackend | EventBackend;

export interface Captured<T> {
  /** The module's namespace object, as the import returned it. */
  readonly module: T;
  /** The map objects constructed while it was imported, in construction order. */
  readonly objects: readonly Bindable[];
}

export interface CaptureOptions {
  /** Load-time parameter values, for user-side `param()`; set before the import. */
  readonly params?: Readonly<Record<string, ParamValue>>;
}

/**
 * Imports a tracer module (`importModule`, e.g. `() => import(url)`) while recording every map object constructed,
 * by any copy of this runtime in the process. One capture at a time. A module that was imported before in this
 * process is not evaluated again, so its capture is empty: bindDeclarations then says so.
 */
export async function captureDeclarations<T>(importModule: () => Promise<T>, options: CaptureOptions = {}): Promise<Captured<T>> {
  const r = registry();
  if (r.capture) throw new Error("another tracer module is being imported right now; import tracer modules one at a time");
  if (options.params) setParamValues(options.params);
  const objects: Bindable[] = [];
  r.capture = objects;
  try {
    return { module: await importModule(), objects };
  } finally {
    if (r.capture === objects) r.capture = undefined;
  }
}

/** The maps of `spec` that a module declares, by declaration order. */
function declaredMaps(spec: CollectionSpec): (MapSpec & { declared: NonNullable<MapSpec["declared"]> })[] {
  return spec.maps.filter((m): m is MapSpec & { declared: NonNullable<MapSpec["declared"]> } => m.declared !== undefined)
    .sort((a, b) => a.declared.index - b.declared.index);
}

/**
 * Binds captured objects to the maps of `spec`: object `declared.index` to each map that has `declared`, after
 * checking all of them (count and classes), so that a mismatch binds nothing. Returns the objects by map name.
 */
export function bindDeclarations(objects: readonly Bindable[], spec: CollectionSpec, backendFor: BackendFor): Map<string, Bindable> {
  const maps = declaredMaps(spec);
  if (objects.length !== maps.length) {
    const names = maps.map((m) => `${m.name} (${m.declared.class})`).join(", ") || "none";
    if (objects.length === 0) {
      throw new Error(`the tracer module constructed no map objects while it was imported, but the compiled tracer declares ${maps.length}: ${names}. ` +
        "A module runs once per process: was it imported before?");
    }
    throw new Error(`the tracer module constructed ${objects.length} map objects while it was imported, but the compiled tracer declares ${maps.length}: ${names}. ` +
      "Was the module changed since it was compiled, or does it construct maps in code that runs at import (not at top level)?");
  }
  for (const m of maps) {
    const o = objects[m.declared.index];
    if (!o) throw new Error(`map ${m.name}: the compiled tracer declares it at position ${m.declared.index}, which the module did not construct`);
    if (o[CLASS] !== m.declared.class) {
      throw new Error(`map ${m.name}: the compiled tracer declares a ${m.declared.class} (map declaration ${m.declared.index + 1} of the module), ` +
        `but the module constructed a ${o[CLASS]} there. Was the module changed since it was compiled?`);
    }
  }
  const out = new Map<string, Bindable>();
  for (const m of maps) {
    const o = objects[m.declared.index]!;
    o[BIND](m, backendFor(m.name));
    out.set(m.name, o);
  }
  return out;
}

/** How to make a fresh object of each class from its map's spec. */
const FACTORIES: Readonly<Record<string, (spec: MapSpec) => Bindable>> = {
  HashMap: (s) => new HashMap(s.maxEntries),
  LruHashMap: (s) => new LruHashMap(s.maxEntries),
  PerCpuHashMap: (s) => new PerCpuHashMap(s.maxEntries),
  LruPerCpuHashMap: (s) => new LruPerCpuHashMap(s.maxEntries),
  ArrayMap: (s) => new ArrayMap(s.maxEntries),
  PerCpuArrayMap: (s) => new PerCpuArrayMap(s.maxEntries),
  RingBuffer: (s) => new RingBuffer(s.maxEntries),
  PerfEventArray: () => new PerfEventArray(),
  Count: () => new Count(),
  Sum: () => new Sum(),
  Min: () => new Min(),
  Max: () => new Max(),
  Avg: () => new Avg(),
  Stats: () => new Stats(),
  Histogram: () => new Histogram(),
  LinearHistogram: (s) => {
    const l = s.aggregation?.lhist;
    return new LinearHistogram(Number(l?.min ?? 0), Number(l?.max ?? 1), Number(l?.step ?? 1));
  },
};

/** The classes a tracer may declare, by name: what objectsFromSpec can make (a test checks them against core's tables). */
export const USER_CLASSES: readonly string[] = Object.keys(FACTORIES);


/**
 * The class of the object a tracer declares for `spec`: `declared.class`, or for a spec without it (built by hand,
 * or by an older compiler) the class its aggregation or map type implies. Undefined for the compiler's own maps
 * (names with a '.', which no identifier has: .rodata, lost counters, scratch) and types with no user-side class.
 */
function classOf(spec: MapSpec): string | undefined {
  if (spec.declared) return spec.declared.class;
  if (spec.name.includes(".")) return undefined;
  return spec.aggregation ? AGGREGATIONS[spec.aggregation.kind]?.class : MAP_KINDS[spec.type]?.class;
}

/**
 * Fresh user-side objects for the maps of a loaded tracer, without importing its module (`load()`): one per map
 * the tracer declares (see classOf), bound to `backendFor(name)`, by name.
 */
export function objectsFromSpec(spec: CollectionSpec, backendFor: BackendFor): Map<string, Bindable> {
  const out = new Map<string, Bindable>();
  for (const m of spec.maps) {
    const cls = classOf(m);
    if (cls === undefined) continue;
    const make = FACTORIES[cls];
    if (!make) throw new Error(`map ${m.name}: no user-side class ${cls}`);
    const o = withoutCapture(() => make(m));
    o[BIND](m, backendFor(m.name));
    out.set(m.name, o);
  }
  return out;
}
