// One target process (-p, -c) without the kernel: the filter core/object/target.ts puts in front of each program,
// run in the VM (the target's threads counted, other processes not, a timer not filtered), and what it does to the
// spec (uprobes attached to the process, relocations still on their instructions, nothing changed without a pid).

import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { compile } from "../../compiler/index.ts";
import type { CollectionSpec } from "../../core/object/spec.ts";
import { processFilter, targetProcess } from "../../core/object/target.ts";
import { simulate } from "../../testing.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const fixture = join(root, "test/fixtures/tools/reads.ts");
const compiled = (): CollectionSpec => {
  const r = compile(fixture, { arch: "x86_64" });
  if (!r.spec) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
  return r.spec;
};

test("simulate({ pid }): every thread of the target counts, other processes do not, an interval is not filtered", async () => {
  const sim = await simulate(fixture, { pid: 4242, params: { size: 7 } });
  const as = (pid: number, tid: number) => Object.assign(sim.env, { pid, tid });
  as(4242, 4242);
  sim.fire("syscalls/sys_enter_read", { count: 7 });
  as(4242, 4250);
  sim.fire("syscalls/sys_enter_read", { count: 7 });
  sim.fire("uprobe:libc:getppid");
  as(4243, 4243);
  const other = sim.fire("syscalls/sys_enter_read", { count: 7 });
  sim.fire("uprobe:libc:getppid");
  sim.fire("interval");
  sim.fire("interval");
  assert.is(other.ret, 0);
  assert.is(sim.print("reads").trim(), "@reads: 2");
  assert.equal(sim.print("readsByThread").trim().split("\n").sort(), ["@readsByThread[4242]: 1", "@readsByThread[4250]: 1"]);
  assert.is(sim.print("getppids").trim(), "@getppids[4242]: 1");
  assert.is(sim.print("ticks").trim(), "@ticks: 2");
});

test("simulate({ pid }) over every probe kind: all filtered but interval, begin and end, for another process", async () => {
  const sim = await simulate(join(root, "test/fixtures/vm/every-probe.ts"), { pid: 4242 });
  for (const pid of [4243, 4242]) {
    Object.assign(sim.env, { pid, tid: pid });
    for (const p of sim.spec.programs) sim.fire(p.name);
    const keys = [...sim.aggregation("hits").entries].map((e) => Number(e.key)).sort((a, b) => a - b);
    assert.equal(keys, pid === 4243 ? [11, 12, 13] : [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13], `as process ${pid}`);
  }
});

test("simulate() without a pid counts every process (the same tracer, unfiltered)", async () => {
  const sim = await simulate(fixture);
  Object.assign(sim.env, { pid: 1, tid: 1 });
  sim.fire("syscalls/sys_enter_read", { count: 1 });
  Object.assign(sim.env, { pid: 2, tid: 2 });
  sim.fire("syscalls/sys_enter_read", { count: 1 });
  assert.is(sim.print("reads").trim(), "@reads: 2");
});

test("targetProcess: the filter in front of in-process programs, uprobes given the pid, relocations on the same instructions", () => {
  const spec = compiled();
  const t = targetProcess(spec, 1234);
  const filter = processFilter(1234);
  for (const [i, p] of t.programs.entries()) {
    const before = spec.programs[i]!;
    if (before.attach.kind === "interval") {
      assert.is(p, before, "a timer's program is not filtered");
      continue;
    }
    assert.is(p.instructions.length, before.instructions.length + filter.length, p.name);
    assert.equal(p.instructions.slice(0, filter.length), filter, p.name);
    assert.equal(p.instructions.slice(filter.length), before.instructions, p.name);
    for (const [j, r] of (p.relocations ?? []).entries()) {
      assert.equal(p.instructions[r.insn], before.instructions[before.relocations![j]!.insn], `${p.name}: relocation ${j}`);
    }
  }
  assert.ok(spec.programs.some((p) => p.relocations?.length), "the fixture has a relocation to check");
  assert.equal(t.programs.find((p) => p.attach.kind === "uprobe")?.attach, { kind: "uprobe", target: "libc", symbol: "getppid", retprobe: false, pid: 1234 });
  assert.equal(t.maps, spec.maps);
  // The spec itself is untouched (a run without -p loads exactly what was compiled).
  assert.equal(spec, compiled());
});

test("targetProcess refuses what is not a pid", () => {
  const spec = compiled();
  for (const pid of [0, -1, 1.5, 4_194_305, Number.NaN]) assert.throws(() => targetProcess(spec, pid), /not a process id/, String(pid));
});

test.run();
