// The halves of get_current_pid_tgid and get_current_uid_gid (compiler/lower/helpers.ts `part`): ids with their
// high bits set, so that a shift by 31 or 33 instead of 32, or a signed shift, or a missing truncation shows.
// (A mutation that shifted by 33 survived every other test: 4242 >> 1 is not checked anywhere.)

import { test } from "uvu";
import * as assert from "uvu/assert";
import { simulate } from "../../testing.ts";

const FIXTURE = "test/fixtures/vm/task-ids.ts";

test("bpf.pid(), tid(), uid(), gid() and pidTgid() of ids with high bits set", async () => {
  const envs = [
    { pid: 0xfffffffe, tid: 0x80000001, uid: 0xc0000005, gid: 0xfffffff7, cpu: 3 },
    { pid: 0x80000000, tid: 0x7fffffff, uid: 0x00000001, gid: 0x80000001, cpu: 0 },
    { pid: 0x00000003, tid: 0xffffffff, uid: 0xffffffff, gid: 0x00000002, cpu: 1 },
  ];
  for (const env of envs) {
    const sim = await simulate<typeof import("../fixtures/vm/task-ids.ts")>(FIXTURE, { env });
    const both = (BigInt(env.pid) << 32n) | BigInt(env.tid);
    assert.equal(sim.fire("sched/sched_switch", { next_pid: 500 }).events.map((e) => e.event),
      [{ pid: env.pid, tid: env.tid, uid: env.uid, gid: env.gid, cpu: env.cpu, again: env.pid, both }], JSON.stringify(env));
  }
});

test.run();
