// A CollectionSpec in the VM: every map becomes a MockMap, every event channel a MockRingBuffer or MockPerfEventArray,
// every stack trace map a MockStackTraceMap, every program a VmProgram with the simulated helpers; `run(program,
// ctx)` executes one program on a context record. The kernel-free twin of runtime/kernel's Collection.

import { readFileSync } from "node:fs";
import { MAP_KINDS } from "../../core/maps.ts";
import { type Btf, kernelBtfPath, parseBtf } from "../../core/object/btf/index.ts";
import { FieldRelocationError, relocateFields } from "../../core/object/relocate.ts";
import type { CollectionSpec, MapSpec } from "../../core/object/spec.ts";
import { MockPerfEventArray, MockRingBuffer } from "./events.ts";
import { type SimEnvironment, defaultEnvironment, simHelpers } from "./helpers.ts";
import { DEFAULT_SIM_CPUS, MockMap } from "./maps.ts";
import { MockStackTraceMap } from "./stacks.ts";
import { type RunResult, type VmMap, VmProgram } from "./vm.ts";

export interface SimCollectionOptions {
  readonly env?: SimEnvironment;
  /**
   * Kernel BTF for programs that read kernel struct fields (bpf.readKernelField): their offsets are relocated as
   * the kernel loader would. Default: /sys/kernel/btf/vmlinux, read when a program needs it.
   */
  readonly btf?: Btf | (() => Btf);
  /** Simulated CPUs of per-CPU maps and perf event arrays (default 4). */
  readonly cpus?: number;
  readonly budget?: number;
}

let vmlinux: { readonly file: string; readonly btf: Btf } | undefined;

/** This machine's kernel BTF (or --btf's file), for relocating kernel struct field reads in the VM. */
function vmlinuxBtf(): Btf {
  if (vmlinux?.file === kernelBtfPath()) return vmlinux.btf;
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(kernelBtfPath());
  } catch (e) {
    throw new FieldRelocationError(`the tracer reads kernel struct fields, whose offsets come from kernel BTF, and ${kernelBtfPath()} cannot be read (${(e as Error).message}); pass { btf } to simulate()`);
  }
  vmlinux = { file: kernelBtfPath(), btf: parseBtf(bytes) };
  return vmlinux.btf;
}

/** A simulated event channel: both kinds implement runtime/user's EventBackend. */
export type MockEventChannel = MockRingBuffer | MockPerfEventArray;

export class SimCollection {
  readonly maps = new Map<string, MockMap>();
  readonly channels = new Map<string, MockEventChannel>();
  readonly stackMaps = new Map<string, MockStackTraceMap>();
  readonly programs = new Map<string, VmProgram>();
  readonly env: SimEnvironment;

  constructor(readonly spec: CollectionSpec, opts: SimCollectionOptions = {}) {
    this.env = opts.env ?? defaultEnvironment();
    const cpus = opts.cpus ?? DEFAULT_SIM_CPUS;
    for (const m of spec.maps) {
      const vm = MAP_KINDS[m.type]?.vm;
      switch (vm) {
        case "ringbuf": this.channels.set(m.name, new MockRingBuffer(m, this.lostCount(m))); break;
        case "perf": this.channels.set(m.name, new MockPerfEventArray(m, { cpus, ...this.lostCount(m) })); break;
        case "stack": this.stackMaps.set(m.name, new MockStackTraceMap(m)); break;
        case "map": this.maps.set(m.name, new MockMap(m, { cpus })); break;
        case undefined: throw new Error(`map ${m.name}: ${m.type} maps are not simulated in the VM`);
        default: {
          const never: never = vm;
          throw new Error(`map ${m.name}: unknown VM mock ${String(never)}`);
        }
      }
    }
    const helpers = simHelpers(this.env);
    const byName = (name: string): VmMap | undefined => this.maps.get(name) ?? this.channels.get(name) ?? this.stackMaps.get(name);
    const btf = opts.btf ?? vmlinuxBtf;
    for (const p of spec.programs) {
      this.programs.set(p.name, VmProgram.load(relocateFields(p, btf).instructions, {
        helpers,
        maps: (ref) => (ref.name !== undefined ? byName(ref.name) : undefined),
        ...(opts.budget !== undefined ? { budget: opts.budget } : {}),
      }));
    }
  }

  map(name: string): MockMap {
    const m = this.maps.get(name);
    if (!m) throw new Error(`no map ${name} (maps: ${[...this.maps.keys()].join(", ")})`);
    return m;
  }

  /** The ring buffer or perf event array `name`. */
  channel(name: string): MockEventChannel {
    const c = this.channels.get(name);
    if (!c) throw new Error(`no event channel ${name} (channels: ${[...this.channels.keys()].join(", ") || "none"})`);
    return c;
  }

  /** Runs program `name` once with `ctx` as its (read-only) context. */
  run(name: string, ctx: Uint8Array): RunResult {
    const p = this.programs.get(name);
    if (!p) throw new Error(`no program ${name} (programs: ${[...this.programs.keys()].join(", ")})`);
    return p.run({ ctx });
  }

  /** The channel's lost count: its lostMap (a per-CPU array of one u64) summed over CPUs, read when asked. */
  private lostCount(m: MapSpec): { lostCount?: () => bigint } {
    const name = m.events?.lostMap;
    if (name === undefined || !this.spec.maps.some((s) => s.name === name)) return {};
    return {
      lostCount: () => {
        const values = this.map(name).getPerCpu(0) ?? [];
        return values.reduce<bigint>((sum, v) => sum + BigInt(v as bigint | number), 0n);
      },
    };
  }
}
