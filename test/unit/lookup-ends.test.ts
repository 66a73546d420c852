// compiler/lower/maps.ts: an aggregation's element always exists (index 0, a bucket), so where its lookup would fail
// the program ends; an ArrayMap element at a user's index may not, and a miss there adds nothing and goes on.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { compile } from "../../compiler/index.ts";
import { simulate } from "../../testing.ts";

const FIXTURE = "test/fixtures/vm/array-add.ts";

test("an index out of an ArrayMap's range adds nothing, and the handler goes on", async () => {
  const sim = await simulate<typeof import("../fixtures/vm/array-add.ts")>(FIXTURE);
  sim.fire("sched/sched_switch", { next_pid: 3 });
  sim.fire("sched/sched_switch", { next_pid: 100 });
  assert.is(sim.maps.after.get(), 2n);
  assert.is(sim.mock("slots").get(3), 1n);
});

test("one end for the lookups that cannot fail, none for the ArrayMap's", () => {
  const r = compile(FIXTURE);
  assert.ok(r.spec, JSON.stringify(r.diagnostics));
  const insns = r.spec.programs[0]!.instructions;
  const exits = insns.filter((i) => i.op === 0x95).length;
  // the handler's own end, and the one shared by the count's and the histogram's lookups
  assert.is(exits, 2);
});

test.run();
