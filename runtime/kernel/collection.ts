// A loaded CollectionSpec: maps created (or reused from pins), programs loaded against them, probes attached.
// Disposable (`dispose()`, `using`, `await using`); tracked so that signals and exit release it too.

import { MAP_KINDS } from "../../core/maps.ts";
import { formatAttach, runByUserSpace } from "../../core/probes.ts";
import { FieldRelocationError, relocateFields } from "../../core/object/relocate.ts";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { CollectionSpec, MapSpec, ProgramSpec } from "../../core/object/spec.ts";
import { track } from "./cleanup.ts";
import { SymbolNotFoundError } from "./elf.ts";
import { BpfError, NotFoundError, UnsupportedFeatureError } from "./errors.ts";
import { LibraryNotFoundError } from "./libs.ts";
import { Kernel } from "./kernel.ts";
import { type Link, attach, loadRequirements, runOnce, usdtSpecWriter } from "./links/index.ts";
import { USDT_SPEC_MAP } from "../../core/usdt.ts";
import { tracingUnsupported } from "./links/tracing.ts";
import { possibleCpus } from "./cpus.ts";
import { BpfMap } from "./maps.ts";
import { Cmd, getFdById } from "./bpf.ts";
import { Program } from "./programs.ts";
import { ERRNO } from "./sys.ts";

export interface CollectionOptions {
  readonly kernel?: Kernel;
  /** Attach every program that has an attach point (default true). */
  readonly attach?: boolean;
  /** Directory in bpffs for maps with pinning "by-name" (default /sys/fs/bpf/tsbpf). */
  readonly pinPath?: string;
  /** Called after each probe is attached (progress display). */
  readonly onAttach?: (link: Link, index: number, total: number) => void;
  /** Use tracefs uprobe_events/kprobe_events even where a PMU exists. */
  readonly legacyProbes?: boolean;
  /** Track the collection for release on signals and exit (default true). */
  readonly track?: boolean;
  /**
   * Maps of another collection to use instead of creating these (`tsbpf serve` reloading a tracer keeps the counts
   * of the maps that did not change): each is opened again by its id, so that both collections own a descriptor and
   * either may close first. The caller checks that the definitions are the same.
   */
  readonly shareMaps?: ReadonlyMap<string, BpfMap>;
}

/** An optional program that was not loaded or not attached, because its attach point does not exist here. */
export interface SkippedProgram {
  readonly program: string;
  /** The attach point, as `formatAttach` writes it ("tracepoint:syscalls/sys_enter_open"). */
  readonly attach: string;
  readonly reason: string;
}

/** The errors that mean "this attach point is not on this machine", which an optional program may skip. */
function isMissingAttachPoint(e: unknown): boolean {
  return e instanceof NotFoundError || e instanceof UnsupportedFeatureError || e instanceof LibraryNotFoundError || e instanceof SymbolNotFoundError;
}

export class Collection implements Disposable, AsyncDisposable {
  readonly maps = new Map<string, BpfMap>();
  readonly programs = new Map<string, Program>();
  readonly links: Link[] = [];
  /** Optional programs left out because their attach point does not exist here, with the reason. */
  readonly skipped: SkippedProgram[] = [];
  /** What `adopt` handed over: released after the links, before programs and maps (see dispose). */
  private readonly adopted: Disposable[] = [];
  private disposed = false;
  private untrack: (() => void) | undefined;

  private constructor(readonly kernel: Kernel, readonly spec: CollectionSpec) {}

  /** Creates the maps and loads the programs; then (unless `attach: false`) attaches them. */
  static async load(spec: CollectionSpec, opts: CollectionOptions = {}): Promise<Collection> {
    const kernel = opts.kernel ?? (await Kernel.open());
    const c = new Collection(kernel, spec);
    if (opts.track !== false) c.untrack = track(c);
    try {
      for (const m of spec.maps) {
        const shared = opts.shareMaps?.get(m.name);
        c.maps.set(m.name, shared ? BpfMap.fromFd(kernel.sys, getFdById(kernel.sys, Cmd.MapGetFdById, shared.info().id), m) : c.createMap(m, opts.pinPath));
      }
      for (const p of spec.programs) {
        const program = c.optionally(p, () => c.loadProgram(p));
        if (program) c.programs.set(p.name, program);
      }
      c.checkSomethingLeft();
      if (opts.attach !== false) await c.attachAll(opts);
    } catch (e) {
      c.dispose();
      throw e;
    }
    return c;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  map<K = unknown, V = unknown>(name: string): BpfMap<K, V> {
    const m = this.maps.get(name);
    if (!m) throw new BpfError(`no map ${name} in this collection (maps: ${[...this.maps.keys()].join(", ") || "none"})`, `get map ${name}`);
    return m as BpfMap<K, V>;
  }

  program(name: string): Program {
    const p = this.programs.get(name);
    if (!p) throw new BpfError(`no program ${name} in this collection`, `get program ${name}`);
    return p;
  }

  /**
   * Hands over something that uses this collection's maps (an event reader: mappings of a ring buffer, perf events
   * stored in a perf_event_array), to be released when the collection is: after the probes are detached, so
   * nothing writes to it any more, and before the maps are closed, which it may still need (a perf reader deletes
   * its entries). Returns `resource`. Adopting into a disposed collection releases at once.
   */
  adopt<T extends Disposable>(resource: T): T {
    if (this.disposed) {
      resource[Symbol.dispose]();
      return resource;
    }
    this.adopted.push(resource);
    return resource;
  }

  private createMap(spec: MapSpec, pinPath = "/sys/fs/bpf/tsbpf"): BpfMap {
    // A perf_event_array with max_entries 0 means one slot per possible CPU: only the running machine knows how many.
    if (MAP_KINDS[spec.type].channel === "perf" && spec.maxEntries === 0) spec = { ...spec, maxEntries: possibleCpus().length };
    if (spec.pinning !== "by-name") return BpfMap.create(this.kernel.sys, spec);
    const path = join(pinPath, spec.name);
    if (existsSync(path)) return BpfMap.openPinned(this.kernel.sys, path, spec);
    ensureBpffs(this.kernel, pinPath);
    const map = BpfMap.create(this.kernel.sys, spec);
    try {
      map.pin(path);
    } catch (e) {
      map.close();
      throw e;
    }
    return map;
  }

  private loadProgram(spec: ProgramSpec): Program {
    spec = relocate(this.kernel, spec);
    const req = loadRequirements(this.kernel, spec);
    try {
      return Program.load(this.kernel.sys, { ...spec, ...(req.expectedAttachType !== undefined ? { expectedAttachType: req.expectedAttachType } : {}) }, {
        mapFd: (name) => this.maps.get(name)?.fd,
        ...(req.attachBtfId !== undefined ? { attachBtfId: req.attachBtfId } : {}),
      });
    } catch (e) {
      // As root, a TRACING load refused with EPERM and no log means the kernel cannot build trampolines.
      const a = spec.attach;
      if (e instanceof BpfError && e.errno === ERRNO.EPERM && (a.kind === "fentry" || a.kind === "fexit" || a.kind === "tp_btf") && process.getuid?.() === 0) {
        throw tracingUnsupported(a.kind, e.code ?? "EPERM", e.errno);
      }
      throw e;
    }
  }

  /**
   * Runs `step` (loading or attaching program `spec`); when the program is optional and the step fails because its
   * attach point does not exist here, records it as skipped and returns undefined. Everything else throws.
   */
  private optionally<T>(spec: ProgramSpec, step: () => T): T | undefined {
    try {
      return step();
    } catch (e) {
      if (!spec.optional || !isMissingAttachPoint(e)) throw e;
      this.skipped.push({ program: spec.name, attach: formatAttach(spec.attach), reason: (e as Error).message });
      return undefined;
    }
  }

  /** A collection whose every probe was skipped would trace nothing: that is a failure, with the reasons. */
  private checkSomethingLeft(): void {
    const probes = this.spec.programs.filter((p) => !runByUserSpace(p.attach));
    if (probes.length === 0 || this.skipped.length < probes.length) return;
    throw new BpfError(`none of the probes exists here: ${this.skipped.map((s) => `${s.attach} (${s.reason})`).join("; ")}`,
      "load the tracer", "every probe is optional and was skipped; at least one must attach");
  }

  /**
   * Attaches every program with an attach point, yielding to the event loop between probes so that a signal
   * (Ctrl-C) during a long attach is handled: disposal, or `signal` aborting, then stops the loop (the caller releases
   * what was attached). An optional program whose attach point turns out to be missing is closed and recorded in
   * `skipped`.
   */
  async attachAll(opts: Pick<CollectionOptions, "onAttach" | "legacyProbes"> & { readonly signal?: AbortSignal } = {}): Promise<void> {
    // begin handlers run when attached: last, once every probe is in place, as bpftrace's BEGIN.
    const all = [...this.programs.values()].filter((p) => p.spec.attach.kind !== "none");
    const todo = [...all.filter((p) => p.spec.attach.kind !== "begin"), ...all.filter((p) => p.spec.attach.kind === "begin")];
    // USDT probe sites' argument specs go into this map, each attachment's cookie indexing its record.
    const usdtMap = this.maps.get(USDT_SPEC_MAP);
    const usdtSpecs = usdtMap ? usdtSpecWriter((i, spec) => usdtMap.updateRaw(Uint8Array.of(i & 0xff, (i >> 8) & 0xff, 0, 0), spec)) : undefined;
    const attachOptions = { ...(opts.legacyProbes ? { legacy: true } : {}), ...(usdtSpecs ? { usdtSpecs } : {}) };
    for (const [i, p] of todo.entries()) {
      // A caller that was asked to stop (Ctrl-C during start-up) gets its reason; it disposes what is attached.
      opts.signal?.throwIfAborted();
      if (this.disposed) throw new BpfError("the collection was disposed while attaching", `attach ${formatAttach(p.spec.attach)}`);
      const link = this.optionally(p.spec, () => attach(this.kernel, p.fd, p.spec.attach, attachOptions));
      if (!link) {
        this.programs.delete(p.spec.name);
        p.close();
        this.checkSomethingLeft();
        continue;
      }
      if (this.disposed) {
        link.close();
        throw new BpfError("the collection was disposed while attaching", `attach ${formatAttach(p.spec.attach)}`);
      }
      this.links.push(link);
      opts.onAttach?.(link, i, todo.length);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /** Runs the end handlers once, in declaration order (before the maps are printed). */
  runEnd(): void {
    for (const p of this.programs.values()) if (p.spec.attach.kind === "end") runOnce(this.kernel, p.fd, "end").close();
  }

  /** Detaches every probe, releases what was adopted, then closes programs and maps. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    let first: unknown;
    for (const l of this.links.splice(0).reverse()) {
      try {
        l.close();
      } catch (e) {
        first ??= e;
      }
    }
    this.releaseRest(first);
  }

  /**
   * dispose(), with the probes detached in parallel on worker threads: each detach waits for the kernel's RCU grace
   * periods (~65 ms per tracepoint here), so a tracer of six probes exits in a fraction of the time. Idempotent;
   * once it has begun, dispose() has nothing left to do.
   */
  async disposeAsync(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    let first: unknown;
    const links = this.links.splice(0).reverse();
    const results = await Promise.allSettled(links.map((l) => (l.closeAsync ? l.closeAsync() : Promise.resolve().then(() => l.close()))));
    for (const r of results) if (r.status === "rejected") first ??= r.reason;
    this.releaseRest(first);
  }

  /** After the links: what was adopted, then programs and maps; rethrows the first failure of it all. */
  private releaseRest(first: unknown): void {
    const attempt = (f: () => void) => {
      try {
        f();
      } catch (e) {
        first ??= e;
      }
    };
    for (const r of this.adopted.splice(0).reverse()) attempt(() => r[Symbol.dispose]());
    for (const p of this.programs.values()) attempt(() => p.close());
    for (const m of this.maps.values()) attempt(() => m.close());
    this.untrack?.();
    if (first !== undefined) throw first;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.disposeAsync();
  }
}

/**
 * Applies tracepoint field relocations: the compiler used the offsets of the tracepoint database it shipped with;
 * the running kernel's format may place a field elsewhere (or make it a different size, which is an error).
 */
export function relocate(k: Kernel, spec: ProgramSpec): ProgramSpec {
  if (!spec.relocations?.length) return spec;
  try {
    spec = relocateFields(spec, () => k.relocationBtf);
  } catch (e) {
    if (!(e instanceof FieldRelocationError)) throw e;
    throw new BpfError(`program ${spec.name}: ${e.message}`, `load program ${spec.name}`,
      "kernel struct layouts differ between kernel versions: check the struct and field names for this kernel (sudo npx tsbpf types --btf)");
  }
  const insns = [...spec.instructions];
  const formats = new Map<string, ReturnType<Kernel["tracefs"]["format"]>>();
  for (const r of spec.relocations ?? []) {
    if (r.kind !== "tracepoint_field") continue;
    let f = formats.get(r.tracepoint);
    if (!f) {
      const [cat, name] = r.tracepoint.split("/");
      f = k.tracefs.format(cat!, name!);
      formats.set(r.tracepoint, f);
    }
    const field = f.fields.find((x) => x.name === r.field);
    if (!field) {
      throw new BpfError(`program ${spec.name}: tracepoint ${r.tracepoint} has no field ${r.field} in this kernel`, `load program ${spec.name}`,
        "the tracer was compiled against another kernel's tracepoints; check the field name for this kernel (sudo npx tsbpf types)");
    }
    const ins = insns[r.insn]!;
    const delta = field.offset - r.offset;
    if (delta !== 0) insns[r.insn] = Object.freeze({ ...ins, off: ins.off + delta });
  }
  return { ...spec, instructions: insns };
}

/** Makes sure `dir` is on a BPF filesystem, mounting bpffs at /sys/fs/bpf if needed (root). */
function ensureBpffs(k: Kernel, dir: string): void {
  const root = "/sys/fs/bpf";
  if (dir.startsWith(root) && k.sys.mount && !isBpffsMounted(root)) {
    try {
      k.sys.mount("bpf", root, "bpf");
    } catch (e) {
      throw new BpfError(`bpffs is not mounted at ${root} and mounting it failed: ${(e as Error).message}`, "pin maps", `mount -t bpf bpf ${root}`);
    }
  }
  mkdirSync(dir, { recursive: true });
}

function isBpffsMounted(root: string): boolean {
  try {
    const mounts = readFileSync("/proc/mounts", "utf8");
    return mounts.split("\n").some((l) => l.split(" ")[1] === root && l.split(" ")[2] === "bpf");
  } catch {
    return false;
  }
}
