// runtime/user aggregations over the VM: a tracer compiled with compile() runs in a SimCollection on two
// simulated CPUs, and its maps are read through the user-side objects (the checks of test/support/user-checks.ts,
// which the kernel tests run too, over the same tracer test-run on real CPUs).

import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { compile } from "../../compiler/index.ts";
import type { CollectionSpec } from "../../core/object/spec.ts";
import { SimCollection } from "../../runtime/interp/collection.ts";
import { objectsFromSpec } from "../../runtime/user/bind.ts";
import { simBackends } from "../../runtime/user/sim-backends.ts";
import { AGG_CHECKS, AGG_EVENTS, AGG_TRACER, type AggMaps, rawArgs } from "../support/user-checks.ts";

const here = dirname(fileURLToPath(import.meta.url));
const compiled = compile(join(here, "user-aggregations.tracer.ts"), { text: AGG_TRACER });
if (!compiled.spec) throw new Error(compiled.diagnostics.map((d) => `${d.code} ${d.message}`).join("\n"));
const spec: CollectionSpec = compiled.spec;

/** A fresh VM with the events of AGG_EVENTS recorded, and the user-side objects over its maps. */
function recorded(): { sim: SimCollection; maps: AggMaps } {
  const sim = new SimCollection(spec, { cpus: 2 });
  const program = spec.programs[0]!.name;
  for (const [cpu, k, v] of AGG_EVENTS) {
    sim.env.cpu = cpu;
    sim.run(program, rawArgs(k, v));
  }
  return { sim, maps: Object.fromEntries(objectsFromSpec(spec, simBackends(sim))) as unknown as AggMaps };
}

for (const [name, check] of Object.entries(AGG_CHECKS)) test(name, () => check(recorded().maps));

test("the values really are spread over the CPUs (so the checks above test the merge)", () => {
  const { sim, maps } = recorded();
  assert.equal(sim.map("calls").getPerCpu(0), [2n, 3n]);
  assert.equal(sim.map("byKey").getPerCpu(1), [1n, 2n]);
  assert.is(maps.calls.get(), 5n);
});

test("simBackends: an event channel needs the collection's channel(name)", () => {
  const withChannel: CollectionSpec = {
    maps: [{ name: "ev", type: "ringbuf", keySize: 0, valueSize: 0, maxEntries: 4096, events: { type: { kind: "int", size: 8, signed: false }, lostMap: "ev.lost" } }],
    programs: [],
  };
  const sim = new SimCollection(withChannel);
  const channel = (sim as unknown as { channel?: unknown }).channel;
  if (typeof channel === "function") {
    assert.ok(simBackends(sim)("ev"), "the VM simulates channels");
  } else {
    assert.throws(() => simBackends(sim)("ev"), /event channel ev: this SimCollection does not simulate ringbuf maps \(it has no channel\(name\)\)/);
  }
});

test.run();
