// One target process (-p, -c) without the kernel: the filter core/object/target.ts puts in front of each program,
// run in the VM (the target's threads counted, other processes not, a timer not filtered), what it does to the spec
// (uprobes attached to the process, relocations still on their instructions, nothing changed without a pid), and the
// command line's checks of cli/target.ts (a pid that is not a running process, which commands are exec'd directly).

import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { compile } from "../../compiler/index.ts";
import type { CollectionSpec } from "../../core/object/spec.ts";
import { processFilter, targetProcess } from "../../core/object/target.ts";
import { isPlainCommand, targetPid } from "../../cli/target.ts";
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
    assert.equal(keys, pid === 4243 ? [11, 12, 13] : [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16], `as process ${pid}`);
  }
  // Hardware and software perf events open in the process alone.
  for (const p of sim.spec.programs.filter((x) => x.attach.kind === "perf_event")) assert.is((p.attach as { pid?: number }).pid, 4242, p.name);
  // A USDT probe, like a uprobe, attaches to the process only.
  assert.equal(sim.spec.programs.find((p) => p.attach.kind === "usdt")?.attach, { kind: "usdt", target: "./app", provider: "app", name: "request", pid: 4242 });
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

test("-p: a running process; a thread gives its process; no such process, an exited one, or not a number is one line", () => {
  assert.equal(targetPid(String(process.pid)), { pid: process.pid });
  const thread = readdirSync(`/proc/${process.pid}/task`).map(Number).find((t) => t !== process.pid);
  if (thread !== undefined) assert.equal(targetPid(String(thread)), { pid: process.pid, note: `${thread} is a thread of process ${process.pid}: tracing the process` });
  assert.is(targetPid("4194304"), "--pid 4194304: no such process");
  assert.is(targetPid("0"), "--pid 0: not a process id (1 to 4194304)");
  assert.is(targetPid("12x"), '--pid takes a process id (a positive integer), not "12x"');
  assert.is(targetPid("-5"), '--pid takes a process id (a positive integer), not "-5"');
});

test("-c: a plain command is exec'd by the holding shell; a pipeline, a list, a builtin or an unknown name runs in a shell", () => {
  for (const c of ["dd if=/dev/zero of=/dev/null bs=1 count=5000", "/bin/echo 'a b'", "sleep 1 >/dev/null", " ls -l"]) assert.ok(isPlainCommand(c), c);
  for (const c of ["a | b", "sleep 1; ls", "ls && ls", "sleep 1 &", "(ls)", "echo $(ls)", "echo `ls`", "cd /tmp", "FOO=1 ls", "if true", "{ ls; }", "tsbpf-no-such-program x", "ls\nls"]) {
    assert.not.ok(isPlainCommand(c), c);
  }
});

test("tsbpf run: a bad -p or -c is one line and exit 2, before anything is compiled or started", () => {
  const env = { ...process.env, TSBPF_CACHE_DIR: mkdtempSync(join(tmpdir(), "tsbpf-target-")), NO_COLOR: "1" };
  const cases: [string[], string][] = [
    [["-p", "4194304"], "tsbpf run: --pid 4194304: no such process; see tsbpf run --help"],
    [["--pid", "abc"], 'tsbpf run: --pid takes a process id (a positive integer), not "abc"; see tsbpf run --help'],
    [["-p", String(process.pid), "-c", "ls"], "tsbpf run: -p and -c cannot be used together (-c traces the command it starts); see tsbpf run --help"],
    [["--command", " "], "tsbpf run: --command: expected a command to run; see tsbpf run --help"],
    [["-c"], "tsbpf run: --command needs a value; see tsbpf run --help"],
  ];
  for (const [args, line] of cases) {
    const r = spawnSync(process.execPath, [join(root, "bin/tsbpf.js"), "run", fixture, ...args], { cwd: root, env, encoding: "utf8", timeout: 60_000 });
    assert.is(r.status, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.is(r.stderr, `${line}\n`, args.join(" "));
    assert.is(r.stdout, "");
  }
});

test.run();
