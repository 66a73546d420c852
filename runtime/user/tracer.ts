// A loaded tracer: a compiled CollectionSpec (parameters already set) in; its programs loaded and attached, its
// maps as bound user-side objects, and one disposable that releases every kernel object out. Shared by `load()`
// and `tsbpf run`. The objects are either fresh ones made from the spec (`load()`) or the ones a tracer module
// constructed when it was imported (`tsbpf run` of a tool with main()): both bind before the probes attach, so a
// perf buffer is in place before the first event.

import type { CollectionSpec } from "../../core/object/spec.ts";
import { formatAttach } from "../../core/probes.ts";
import type { Collection, CollectionOptions } from "../kernel/collection.ts";
import { readAggregation } from "../output/read.ts";
import { formatAggregation } from "../output/text.ts";
import { StackFrames, type StackSource, hasStackValues } from "../output/stacks.ts";
import { createSymbolizer } from "../symbols/index.ts";
import { type BackendFor, bindDeclarations, objectsFromSpec } from "./bind.ts";
import { kernelBackends } from "./kernel-backends.ts";
import type { EventBackend } from "./backend.ts";
import { type Bindable, STACKS } from "./registry.ts";

export interface OpenOptions {
  /** Attach the probes (default true). */
  readonly attach?: boolean;
  /** Objects a tracer module constructed at import, to bind instead of fresh ones. */
  readonly declarations?: readonly Bindable[];
  /** Called after each probe is attached (i of n). */
  readonly onAttach?: (i: number, n: number) => void;
  /**
   * Checked after loading and between attaching probes: once aborted, open() releases everything it created and
   * throws the signal's reason (a Ctrl-C during start-up).
   */
  readonly signal?: AbortSignal;
  readonly collection?: Omit<CollectionOptions, "attach" | "onAttach">;
}

/**
 * The maps `tsbpf run` prints at exit and `tsbpf serve` exposes: the exported ones that are not event channels (every
 * aggregation if none is exported).
 */
export function printedMaps(spec: CollectionSpec): CollectionSpec["maps"] {
  const exported = spec.maps.filter((m) => m.exported && !m.events);
  return exported.length || spec.maps.some((m) => m.exported) ? exported : spec.maps.filter((m) => m.aggregation);
}

export class Tracer {
  #closed = false;
  /** A stop() under way or done, and the first error of its detaching. */
  #stopping: Promise<void> | undefined;
  #stopError: unknown;

  private constructor(
    readonly spec: CollectionSpec,
    readonly collection: Collection,
    /** Every map object of the tracer, by declared name. */
    readonly objects: ReadonlyMap<string, Bindable>,
    private readonly backends: BackendFor,
  ) {}

  /**
   * Loads `spec`, binds its maps, attaches its probes. On any failure, or `signal` aborting, everything loaded so far
   * is released.
   */
  static async open(spec: CollectionSpec, options: OpenOptions = {}): Promise<Tracer> {
    const { Collection } = await import("../kernel/collection.ts");
    options.signal?.throwIfAborted();
    const collection = await Collection.load(spec, { ...options.collection, attach: false });
    try {
      options.signal?.throwIfAborted();
      const backends: BackendFor = kernelBackends(collection);
      const objects = options.declarations ? bindDeclarations(options.declarations, spec, backends) : objectsFromSpec(spec, backends);
      // Event channels get their readers (perf buffers in the map) before anything can emit.
      for (const m of spec.maps) if (m.events && objects.has(m.name)) backends(m.name);
      if (spec.actions) backends(spec.actions.map);
      const t = new Tracer(spec, collection, objects, backends);
      if (hasStackValues(spec)) for (const o of objects.values()) Object.assign(o, { [STACKS]: () => t.stacks() });
      if (options.attach !== false) {
        await collection.attachAll({
          ...(options.onAttach ? { onAttach: (_l, i, n) => options.onAttach!(i, n) } : {}),
          ...(options.collection?.legacyProbes ? { legacyProbes: true } : {}),
          ...(options.signal ? { signal: options.signal } : {}),
        });
        options.signal?.throwIfAborted();
      }
      return t;
    } catch (e) {
      // Detached in parallel (a Ctrl-C during start-up waits for this); what failed to release matters less than why.
      await collection.disposeAsync().catch(() => {});
      throw e;
    }
  }

  /** The exported maps, aggregations and event channels, by name. */
  get maps(): Readonly<Record<string, Bindable>> {
    const out: Record<string, Bindable> = {};
    for (const m of this.spec.maps) if (m.exported && this.objects.has(m.name)) out[m.name] = this.objects.get(m.name)!;
    return out;
  }

  /** Any map of the tracer by its declared name. */
  map(name: string): Bindable {
    const o = this.objects.get(name);
    if (!o) throw new Error(`the tracer has no map ${name} (maps: ${[...this.objects.keys()].join(", ") || "none"})`);
    return o;
  }

  /** The programs loaded, with their attach points (not the optional ones that were skipped). */
  get programs(): readonly { readonly name: string; readonly attach: string }[] {
    return this.spec.programs.filter((p) => this.collection.programs.has(p.name)).map((p) => ({ name: p.name, attach: formatAttach(p.attach) }));
  }

  /** Optional probes left out because their attach point does not exist on this machine, and why. */
  get skipped(): readonly { readonly program: string; readonly attach: string; readonly reason: string }[] {
    return this.collection.skipped;
  }

  /** The maps `tsbpf run` prints at exit (printedMaps). */
  printedMaps(): CollectionSpec["maps"] {
    return printedMaps(this.spec);
  }

  /** The reader of event channel `name` (a ring buffer or perf event array of the tracer, or its actions). */
  eventBackend(name: string): EventBackend {
    return this.backends(name) as EventBackend;
  }

  /** What `tsbpf run` prints at exit, as text (stacks symbolized). */
  print(): string {
    const stacks = this.stacks();
    return this.printedMaps().map((m) => formatAggregation(readAggregation(this.collection.map(m.name), m), stacks ? { stacks } : {})).join("");
  }

  #stacks: StackFrames | undefined;

  /**
   * What turns this tracer's stack values (KStack, UStack keys and fields) into symbolized frames, read from its
   * stack trace maps; undefined when it captures no stacks. One per tracer: symbols read once serve every print.
   */
  stacks(): StackFrames | undefined {
    if (!this.#stacks && hasStackValues(this.spec)) this.#stacks = new StackFrames(createSymbolizer(), this.stackSource());
    return this.#stacks;
  }

  /** The frames of a stack id in one of this tracer's stack trace maps (undefined once the id is gone). */
  stackSource(): StackSource {
    return {
      frames: (map, id) => {
        const m = this.collection.maps.get(map);
        return m ? (m.get(id) as readonly bigint[] | undefined) : undefined;
      },
    };
  }

  /** The records of the handlers' actions (print, clear, exit), when the tracer has any; decoded by runtime/output/actions.ts. */
  actions(): EventBackend | undefined {
    return this.spec.actions ? (this.backends(this.spec.actions.map) as EventBackend) : undefined;
  }

  /** Runs the end handlers (once, when the run ends, before the maps are printed). */
  runEnd(): void {
    if (!this.#closed) this.collection.runEnd();
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Detaches the probes (in parallel, as close() does) and then ends the event streams (iterators finish once they
   * have drained what was sent), but keeps the maps readable: what a tool's main() sees when the run is stopped.
   * close() releases the rest. Resolves once detached; never rejects (close() throws what failed to detach).
   */
  stop(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    if (this.#stopping) return this.#stopping;
    const links = this.collection.links.splice(0).reverse();
    this.#stopping = Promise.allSettled(links.map((l) => (l.closeAsync ? l.closeAsync() : Promise.resolve().then(() => l.close())))).then((results) => {
      // close() reports what failed to detach.
      this.#stopError = results.find((r): r is PromiseRejectedResult => r.status === "rejected")?.reason;
      for (const m of this.spec.maps) {
        if (!m.events || (!this.objects.has(m.name) && m.name !== this.spec.actions?.map)) continue;
        const b = this.backends(m.name);
        if ("end" in b) b.end?.();
      }
    });
    return this.#stopping;
  }

  /** Detaches the probes and releases every kernel object; event iterators end. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#stopping;
    await this.collection.disposeAsync();
    if (this.#stopError !== undefined) throw this.#stopError;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
