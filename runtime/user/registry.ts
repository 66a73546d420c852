// The process-wide registry of user-side map objects: constructions in (while a tracer module is being imported),
// the captured objects and the load-time parameter values out. It lives on globalThis under a Symbol.for key, and
// objects are bound through Symbol.for methods rather than instanceof, so that two copies of this runtime in one
// process (the bundled CLI, and the package's index.ts that the tracer imports) capture and bind each other's
// objects.

import type { MapSpec } from "../../core/object/spec.ts";
import type { EventBackend, MapBackend } from "./backend.ts";

/** `obj[BIND](spec, backend)` binds a user-side map object to the map `spec` describes. */
export const BIND: unique symbol = Symbol.for("tsbpf.bind");
/** `obj[CLASS]` is the class the object is an instance of, as a tracer module names it ("HashMap", "Count", ...). */
export const CLASS: unique symbol = Symbol.for("tsbpf.class");
/**
 * `obj[STACKS]`, when set: a function giving what turns the stack values of the object's map into frames (the
 * tracer's or the simulation's StackResolver), so that an aggregation's print() shows stacks as `tsbpf run` does.
 */
export const STACKS: unique symbol = Symbol.for("tsbpf.stacks");
const REGISTRY = Symbol.for("tsbpf.registry");

/** The structural protocol every user-side map object implements. */
export interface Bindable {
  readonly [CLASS]: string;
  [BIND](spec: MapSpec, backend: MapBackend | EventBackend): void;
}

export type ParamValue = number | bigint | boolean;

/**
 * The shared state. Its shape is a protocol between runtime copies of possibly different versions: fields are only
 * ever added, never changed.
 */
interface Registry {
  readonly version: 1;
  /** The objects constructed since a capture started, in construction order; undefined outside a capture. */
  capture: Bindable[] | undefined;
  /** Load-time parameter values of the tracer being run, by name (what user-side `param()` returns). */
  params: ReadonlyMap<string, ParamValue>;
}

export function registry(): Registry {
  const g = globalThis as { [REGISTRY]?: Registry };
  g[REGISTRY] ??= { version: 1, capture: undefined, params: new Map() };
  return g[REGISTRY];
}

export function isBindable(o: unknown): o is Bindable {
  return typeof o === "object" && o !== null && typeof (o as Bindable)[CLASS] === "string" && typeof (o as Bindable)[BIND] === "function";
}

/** Called by every user-side map object's constructor: records it when a tracer module is being imported. */
export function registerDeclaration(o: Bindable): void {
  registry().capture?.push(o);
}

/** Runs `f` with capturing off: objects it constructs are not taken for the module's declarations. */
export function withoutCapture<T>(f: () => T): T {
  const r = registry();
  const saved = r.capture;
  r.capture = undefined;
  try {
    return f();
  } finally {
    r.capture = saved;
  }
}

/** Sets the load-time parameter values that user-side `param()` returns (the runner does, before importing). */
export function setParamValues(values: Readonly<Record<string, ParamValue>> | ReadonlyMap<string, ParamValue>): void {
  registry().params = values instanceof Map ? new Map(values) : new Map(Object.entries(values));
}
