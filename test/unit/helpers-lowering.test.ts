// The helper table drives lowering: every `bpf.*` helper declared to users has a lowering, and every lowering
// belongs to a declared helper (one source of truth, checked both ways); every helper the compiler emits, for the
// table or for maps, events and zeroing, is simulated by the VM.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { HELPER_NAMES } from "../../core/helpers/table.ts";
import { LOWERED_HELPERS, OWN_LOWERINGS } from "../../compiler/lower/helpers.ts";
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { OP_CALL, PseudoCall, helperName } from "../../core/asm/index.ts";
import { HELPERS } from "../../core/helpers/table.ts";
import { compile } from "../../compiler/index.ts";
import { defaultEnvironment, simHelpers } from "../../runtime/interp/helpers.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

test("every helper in the table has a lowering", () => {
  const missing = HELPER_NAMES.filter((n) => !LOWERED_HELPERS.includes(n));
  assert.equal(missing, [], `helpers without a lowering: ${missing.join(", ")}`);
});

test("every lowering of its own is a helper of the table", () => {
  const extra = OWN_LOWERINGS.filter((n) => !HELPER_NAMES.includes(n));
  assert.equal(extra, [], `lowerings without a table entry: ${extra.join(", ")}`);
});

test("the table's lowering fields belong to helpers lowered from the table", () => {
  for (const h of HELPERS) {
    if (h.part === undefined && h.ctxArg === undefined) continue;
    assert.not.ok(OWN_LOWERINGS.includes(h.name), `bpf.${h.name} has part/ctxArg but a lowering of its own`);
    assert.match(h.signature, /^\(\): (u32|u64|ptr)$/, `bpf.${h.name} takes no arguments and returns an integer`);
  }
});

test("the VM simulates every helper of the table and every helper the samples compile to", () => {
  const simulated = new Set(Object.keys(simHelpers(defaultEnvironment())).map(Number));
  const missing = HELPERS.filter((h) => !simulated.has(h.id)).map((h) => `bpf.${h.name} (${h.kernelName})`);
  assert.equal(missing, [], `table helpers the VM does not simulate: ${missing.join(", ")}`);
  const emitted = new Set<number>();
  for (const f of readdirSync(join(root, "samples")).filter((n) => n.endsWith(".ts"))) {
    const r = compile(join(root, "samples", f), { arch: "x86_64" });
    assert.ok(r.spec, `${f} compiles`);
    for (const p of r.spec.programs) for (const i of p.instructions) if (i.op === OP_CALL && i.src === PseudoCall.Helper) emitted.add(i.imm);
  }
  const unsimulated = [...emitted].filter((id) => !simulated.has(id)).map((id) => helperName(id) ?? String(id));
  assert.equal(unsimulated, [], `helpers the samples call that the VM does not simulate: ${unsimulated.join(", ")}`);
  assert.ok(emitted.size >= 10, `the samples call ${emitted.size} distinct helpers`);
});

test.run();
