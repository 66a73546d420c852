// Loops the compiler accepts, the verifier follows: fixtures/loops/under-limits.ts (bounded loops just under each
// limit of docs/language.md, a bpf.loop() callback whose call was folded away) loads program by program. The
// limits themselves are compile errors (fixtures/errors/loop-verifier-limits.ts).

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
  assert.equal(spec.programs.length, 6);
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

test.run();
