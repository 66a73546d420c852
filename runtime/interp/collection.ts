// A CollectionSpec in the VM: every map becomes a MockMap, every program a VmProgram with the simulated helpers;
// `run(program, ctx)` executes one program on a context record. The kernel-free twin of runtime/kernel's Collection.

import type { CollectionSpec } from "../../compiler/object/spec.ts";
import { type SimEnvironment, defaultEnvironment, simHelpers } from "./helpers.ts";
import { MockMap } from "./maps.ts";
import { type RunResult, VmProgram } from "./vm.ts";

export interface SimCollectionOptions {
  readonly env?: SimEnvironment;
  /** Simulated CPUs of per-CPU maps (default 4). */
  readonly cpus?: number;
  readonly budget?: number;
}

export class SimCollection {
  readonly maps = new Map<string, MockMap>();
  readonly programs = new Map<string, VmProgram>();
  readonly env: SimEnvironment;

  constructor(readonly spec: CollectionSpec, opts: SimCollectionOptions = {}) {
    this.env = opts.env ?? defaultEnvironment();
    for (const m of spec.maps) {
      if (m.type === "ringbuf" || m.type === "perf_event_array" || m.type === "stack_trace") continue;
      this.maps.set(m.name, new MockMap(m, opts.cpus !== undefined ? { cpus: opts.cpus } : {}));
    }
    const helpers = simHelpers(this.env);
    for (const p of spec.programs) {
      this.programs.set(p.name, VmProgram.load(p.instructions, {
        helpers,
        maps: (ref) => (ref.name !== undefined ? this.maps.get(ref.name) : undefined),
        ...(opts.budget !== undefined ? { budget: opts.budget } : {}),
      }));
    }
  }

  map(name: string): MockMap {
    const m = this.maps.get(name);
    if (!m) throw new Error(`no map ${name} (maps: ${[...this.maps.keys()].join(", ")})`);
    return m;
  }

  /** Runs program `name` once with `ctx` as its (read-only) context. */
  run(name: string, ctx: Uint8Array): RunResult {
    const p = this.programs.get(name);
    if (!p) throw new Error(`no program ${name} (programs: ${[...this.programs.keys()].join(", ")})`);
    return p.run({ ctx });
  }
}
