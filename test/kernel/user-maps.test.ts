// runtime/user over real kernel maps (root): the checks the VM tests run over MockMaps, here over BpfMaps; and the
// aggregations of a compiled tracer, written by its program test-run (BPF_PROG_TEST_RUN) on chosen CPUs.

import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { compile } from "../../compiler/index.ts";
import { Collection } from "../../runtime/kernel/collection.ts";
import { onlineCpus, possibleCpus } from "../../runtime/kernel/cpus.ts";
import { Kernel } from "../../runtime/kernel/kernel.ts";
import { objectsFromSpec } from "../../runtime/user/bind.ts";
import { kernelBackends } from "../../runtime/user/kernel-backends.ts";
import { kernelTest } from "../support/kernel.ts";
import { AGG_CHECKS, AGG_EVENTS, AGG_TRACER, type AggMaps, KEYED_CHECKS, KEYED_SPEC, rawArgs } from "../support/user-checks.ts";

/** BPF_F_TEST_RUN_ON_CPU: run the program on `cpu` (5.10 for raw tracepoints). */
const ON_CPU = 1;

for (const [name, check] of Object.entries(KEYED_CHECKS)) {
  kernelTest(test, `kernel: ${name}`, async (sys) => {
    await using c = await Collection.load(KEYED_SPEC, { kernel: new Kernel(sys), attach: false });
    const backendFor = kernelBackends(c);
    check({ maps: objectsFromSpec(KEYED_SPEC, backendFor), backendFor, cpus: possibleCpus().length, exactLru: false });
  });
}

const here = dirname(fileURLToPath(import.meta.url));
let spec: ReturnType<typeof compile>["spec"];

for (const [name, check] of Object.entries(AGG_CHECKS)) {
  kernelTest(test, `kernel: ${name}`, async (sys) => {
    if (!spec) {
      const r = compile(join(here, "user-maps.tracer.ts"), { text: AGG_TRACER });
      if (!r.spec) throw new Error(r.diagnostics.map((d) => `${d.code} ${d.message}`).join("\n"));
      spec = r.spec;
    }
    await using c = await Collection.load(spec, { kernel: new Kernel(sys), attach: false });
    const program = c.program(spec.programs[0]!.name);
    const cpus = onlineCpus();
    for (const [cpu, k, v] of AGG_EVENTS) program.testRun({ ctx: rawArgs(k, v), flags: ON_CPU, cpu: cpus[cpu % cpus.length]! });
    if (cpus.length > 1) assert.equal(c.map("calls").getPerCpu(0)!.slice(0, 2), [2n, 3n], "the events ran on two CPUs");
    check(Object.fromEntries(objectsFromSpec(spec, kernelBackends(c))) as unknown as AggMaps);
  });
}

kernelTest(test, "kernel: backends are made once per collection and map", async (sys) => {
  await using c = await Collection.load(KEYED_SPEC, { kernel: new Kernel(sys), attach: false });
  assert.is(kernelBackends(c)("h"), kernelBackends(c)("h"));
  assert.is(kernelBackends(c)("h"), c.map("h"), "a BpfMap is its own backend");
});

test.run();
