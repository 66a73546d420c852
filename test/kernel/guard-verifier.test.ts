// The compiler's promise, checked against the running kernel: what it accepts, the verifier accepts. The tracers
// of test/fixtures/guard/ (map values that may be missing, used every way TypeScript allows; literals, shifts and
// indexes at the edge of their range; helpers in each probe kind that may call them) load program by program,
// and a helper the table says a probe kind may not call is indeed refused there (so the compile error is right).

import { test } from "uvu";
import * as assert from "uvu/assert";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { compile } from "../../compiler/index.ts";
import type { CollectionSpec } from "../../core/object/spec.ts";
import { Collection } from "../../runtime/kernel/collection.ts";
import { Kernel } from "../../runtime/kernel/kernel.ts";
import { kernelTest } from "../support/kernel.ts";

const GUARD = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "guard");

function compiled(name: string): CollectionSpec {
  const r = compile(join(GUARD, name), { arch: process.arch === "arm64" ? "aarch64" : "x86_64" });
  assert.equal(r.diagnostics.map((d) => `${d.code} ${d.span?.line}: ${d.message}`), []);
  return r.spec!;
}

/** Loads each program of `spec` alone (with the maps), without attaching; returns the refusals by program. */
async function loadEach(spec: CollectionSpec, kernel: Kernel): Promise<Map<string, string>> {
  const refused = new Map<string, string>();
  for (const p of spec.programs) {
    try {
      const c = await Collection.load({ ...spec, programs: [p] }, { kernel, attach: false });
      c.dispose();
    } catch (e) {
      refused.set(p.name, (e as Error).message);
    }
  }
  return refused;
}

for (const name of ["null-checks.ts", "valid-edges.ts"]) {
  kernelTest(test, `the verifier accepts every program of fixtures/guard/${name}`, async (sys) => {
    const spec = compiled(name);
    assert.ok(spec.programs.length >= 2);
    const refused = await loadEach(spec, new Kernel(sys));
    assert.equal([...refused], []);
  });
}

kernelTest(test, "bpf.funcIp() is refused in a tracepoint program, as the helper table (and TSB2060) says", async (sys) => {
  const spec = compiled("valid-edges.ts");
  const uprobe = spec.programs.find((p) => p.attach.kind === "uprobe")!;
  assert.ok(uprobe, "the uprobe program");
  const asTracepoint = { ...uprobe, name: "funcip_in_tp", type: "tracepoint" as const, attach: { kind: "none" as const } };
  const refused = await loadEach({ ...spec, programs: [uprobe, asTracepoint] }, new Kernel(sys));
  assert.equal([...refused.keys()], ["funcip_in_tp"]);
});

test.run();
