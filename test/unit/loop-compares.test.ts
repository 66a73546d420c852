// compiler/passes/loop-compares.ts: a comparison inside a loop of a value held from before it tests a copy made by
// `mul 1` (the verifier then narrows the copy, not the held value), except where the narrowing is needed: an index
// checked before an access, a pointer's null check. The program computes the same values.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { compile } from "../../compiler/index.ts";
import { simulate } from "../../testing.ts";

const FIXTURE = "test/fixtures/vm/loop-compares.ts";

/** The `mul rX, 1` copies in one program. */
function copies(program: string): number {
  const r = compile(FIXTURE);
  assert.ok(r.spec, JSON.stringify(r.diagnostics));
  const p = r.spec.programs.find((q) => q.name === program)!;
  return p.instructions.filter((i) => i.op === 0x27 && i.imm === 1).length;
}

test("a threshold compared with the counter is copied; an index checked before an access and a null check are not", () => {
  assert.is(copies("sched_switch"), 1);
  assert.is(copies("sched_wakeup"), 0);
});

test("the copies change no value", async () => {
  for (const [pid, above] of [[3, 12n], [0, 15n], [200, 0n], [256 + 5, 10n]] as const) {
    const sim = await simulate<typeof import("../fixtures/vm/loop-compares.ts")>(FIXTURE);
    sim.fire("sched/sched_switch", { next_pid: pid });
    assert.is(sim.maps.above.get(0), above, `next_pid ${pid}`);
    assert.is(sim.maps.above.get(1), 16n - above, `next_pid ${pid}`);
  }
});

test.run();
