// Loops the compiler accepts, the verifier follows: fixtures/loops/under-limits.ts (bounded loops just under each
// limit of docs/language.md, a bpf.loop() callback whose call was folded away, classes the fuzzer found) loads
// program by program; fixtures/vm/loop-compares.ts loads. The limits themselves are compile errors
// (fixtures/errors/loop-verifier-limits.ts).

import { test } from "uvu";
import * as assert from "uvu/assert";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { compile } from "../../compiler/index.ts";
import { Collection } from "../../runtime/kernel/collection.ts";
import { Kernel } from "../../runtime/kernel/kernel.ts";
import { kernelTest } from "../support/kernel.ts";

const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "loops", "under-limits.ts");

kernelTest(test, "loops just under the compiler's limits, and a folded-away callback, load", async (sys) => {
  const r = compile(FIXTURE, { arch: process.arch === "arm64" ? "aarch64" : "x86_64" });
  assert.equal(r.diagnostics.map((d) => `${d.code} ${d.span?.line}: ${d.message}`), []);
  const spec = r.spec!;
  assert.equal(spec.programs.length, 8);
  const kernel = new Kernel(sys);
  const refused: string[] = [];
  for (const p of spec.programs) {
    try {
      const c = await Collection.load({ ...spec, programs: [p] }, { kernel, attach: false });
      c.dispose();
    } catch (e) {
      refused.push(`${p.name}: ${(e as Error).message.split("\n")[0]}`);
    }
  }
  assert.equal(refused, []);
});

// Copies of compared values (compiler/passes/loop-compares.ts) leave the narrowing an array access needs: without the
// exception for it, the verifier refuses sched_wakeup ("makes map_value pointer be out of bounds").
kernelTest(test, "comparisons in loops tested on copies, and the index check kept, load", async (sys) => {
  const r = compile(join(dirname(FIXTURE), "..", "vm", "loop-compares.ts"));
  assert.ok(r.spec, JSON.stringify(r.diagnostics));
  const c = await Collection.load(r.spec, { kernel: new Kernel(sys), attach: false });
  assert.equal([...c.programs.keys()].sort(), ["sched_switch", "sched_wakeup"]);
  c.dispose();
});

test.run();
