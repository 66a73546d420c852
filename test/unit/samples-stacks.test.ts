// The stack samples in the VM: profile.ts counting the simulated task's stacks (idle left out), offcputime.ts
// charging the time between a task's switch-out and its switch-in to the stacks it blocked in, stackcount.ts counting
// stacks under the probe that reached them; each printed with the simulated functions' names.

import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { FakeClock, simulate } from "../../testing.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const sample = (name: string) => join(root, "samples", name);

test("profile.ts: samples by command and stacks, idle CPUs left out", async () => {
  const sim = await simulate(sample("profile.ts"));
  Object.assign(sim.env, { pid: 77, tid: 77, comm: "busy" });
  sim.setStacks({ user: ["crunch", "main"], kernel: [] });
  for (let i = 0; i < 3; i++) sim.fire("profile");
  sim.setStacks({ user: ["main"], kernel: ["clear_user", "vfs_read"] });
  sim.fire("profile");
  Object.assign(sim.env, { pid: 0, tid: 0, comm: "swapper/0" });
  sim.fire("profile");
  assert.is(sim.print("samples"), [
    "@samples[busy, ", "    main+16", ", ", "    clear_user+16", "    vfs_read+16", "]: 1",
    "@samples[busy, ", "    crunch+16", "    main+16", ", ]: 3", "",
  ].join("\n"));
});

test("offcputime.ts: the time off the CPU, charged to where the task blocked", async () => {
  const clock = new FakeClock(1_000_000_000n);
  const sim = await simulate(sample("offcputime.ts"), { clock });
  Object.assign(sim.env, { pid: 50, tid: 51, comm: "sleeper" });
  sim.setStacks({ user: ["nap", "main"], kernel: ["schedule", "do_nanosleep"] });
  sim.fire("sched/sched_switch", { prev_pid: 51, next_pid: 9, prev_state: 1 });
  clock.advance(50_000_000n); // 50 ms later, switched back in (by another task)
  Object.assign(sim.env, { pid: 9, tid: 9, comm: "other" });
  sim.setStacks({ user: [], kernel: ["schedule"] });
  sim.fire("sched/sched_switch", { prev_pid: 9, next_pid: 51, prev_state: 0 });
  assert.is(sim.aggregation("offcpu").entries.length, 1, "only the sleeper came back");
  assert.equal(sim.folded("offcpu").map((f) => [f.stack.join(";"), f.value]), [["sleeper;main;nap;do_nanosleep_[k];schedule_[k]", 50_000n]]);
});

test("stackcount.ts: each stack under the probe that reached it", async () => {
  const sim = await simulate(sample("stackcount.ts"));
  sim.env.comm = "cat";
  sim.setStacks({ user: ["__open64", "main"], kernel: ["perf_syscall_enter", "do_syscall_64"] });
  sim.fire("syscalls/sys_enter_openat", {});
  sim.fire("syscalls/sys_enter_openat", {});
  sim.setStacks({ user: ["malloc", "xmalloc", "main"], kernel: [] });
  sim.fire("uprobe:libc:malloc", { args: [64n] });
  const text = sim.print("stacks");
  assert.match(text, "@stacks[tracepoint:syscalls:sys_enter_openat, cat, \n    __open64+16\n    main+16\n, \n    perf_syscall_enter+16\n    do_syscall_64+16\n]: 2");
  assert.match(text, "@stacks[uprobe:libc:malloc, cat, \n    malloc+16\n    xmalloc+16\n    main+16\n, ]: 1");
});

test.run();
