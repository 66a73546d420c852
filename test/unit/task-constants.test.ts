// compiler/passes/task-constants.ts: a helper whose result is fixed for the run (pid/tid, uid/gid, cpu, task) is
// called once where one call dominates the others, and the values stay what each call would have returned.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { compile } from "../../compiler/index.ts";
import { simulate } from "../../testing.ts";

const FIXTURE = "test/fixtures/vm/task-ids.ts";

/** Helper ids called by the compiled program, in order. */
function helperCalls(): number[] {
  const r = compile(FIXTURE);
  assert.ok(r.spec, JSON.stringify(r.diagnostics));
  return r.spec.programs[0]!.instructions.filter((i) => i.op === 0x85 && !i.src).map((i) => i.imm);
}

test("get_current_pid_tgid is called once on the path it dominates, plus once in the filter that does not dominate it", () => {
  const calls = helperCalls();
  // The filter's pid (only when the parameter is set), then one call for tid, again, pid and pidTgid; uid and gid
  // come from one get_current_uid_gid; the CPU from one get_smp_processor_id.
  assert.is(calls.filter((h) => h === 14).length, 2, `calls: ${calls}`);
  assert.is(calls.filter((h) => h === 15).length, 1, `calls: ${calls}`);
  assert.is(calls.filter((h) => h === 8).length, 1, `calls: ${calls}`);
});

test("the values are what each call returns, on both branches and with the filter on and off", async () => {
  const env = { pid: 4242, tid: 4250, uid: 1000, gid: 100, cpu: 1 };
  for (const params of [{}, { pid: 4242 }]) {
    const sim = await simulate<typeof import("../fixtures/vm/task-ids.ts")>(FIXTURE, { env, params });
    const both = (4242n << 32n) | 4250n;
    assert.equal(sim.fire("sched/sched_switch", { next_pid: 500 }).events.map((e) => e.event), [{ pid: 4242, tid: 4250, uid: 1000, gid: 100, cpu: 1, again: 4242, both }]);
    assert.equal(sim.fire("sched/sched_switch", { next_pid: 5 }).events.map((e) => e.event), [{ pid: 4242, tid: 1004250, uid: 1000, gid: 100, cpu: 1, again: 0, both }]);
  }
  const other = await simulate(FIXTURE, { env, params: { pid: 7 } });
  assert.equal(other.fire("sched/sched_switch", { next_pid: 500 }).events, []);
});

test.run();
