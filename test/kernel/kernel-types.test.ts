// Kernel structs as typed objects on the running kernel: a tracer reading task_struct through pointer fields,
// embedded structs and char arrays (test/fixtures/tools/kernel-types.ts) gets what /proc says of the same process,
// with each field's offset taken from the kernel's BTF at load; `--btf FILE` takes them from another BTF file
// instead (a copy of this kernel's reads the same; one without the struct's field fails at load, naming the struct,
// the field and the file; a file that is not BTF is refused before anything is loaded).

import { mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { btfFixture } from "../support/btf-fixture.ts";
import { runCli } from "../support/cli.ts";
import { kernelTest } from "../support/kernel.ts";

const FIXTURE = "test/fixtures/tools/kernel-types.ts";
const dir = mkdtempSync(join(tmpdir(), "tsbpf-kernel-types-"));
const env = { ...process.env, NO_COLOR: "1", TSBPF_CACHE_DIR: join(dir, "cache") };

/**
 * `tsbpf run` of the fixture with -c: the shell tsbpf starts for the command is the traced process, which calls
 * getppid() as it starts (for $PPID), prints $PPID (its parent: tsbpf) and copies its /proc stat line.
 */
function run(extra: readonly string[]) {
  return runCli(["run", FIXTURE, "--json", "-q", "-c", `echo $PPID; cat /proc/$$/stat > ${join(dir, "stat")}`, ...extra], env);
}

function entries(stdout: string): { tid: number; ppid: number; leader: string; start: bigint; exe: string }[] {
  const out = [];
  for (const line of stdout.split("\n")) {
    if (!line.startsWith("{")) continue;
    const r = JSON.parse(line) as { type: string; data: Record<string, Record<string, { ppid: number; leader: string; start: number | string; exe: string }>> };
    if (r.type !== "map" || !r.data["@tasks"]) continue;
    for (const [k, v] of Object.entries(r.data["@tasks"])) out.push({ tid: Number(k), ppid: v.ppid, leader: v.leader, start: BigInt(v.start), exe: v.exe });
  }
  return out;
}

kernelTest(test, "task.real_parent.tgid, task.group_leader.comm, task.start_time and task.mm.exe_file's name are what /proc says", async () => {
  const r = await run([]);
  assert.is(r.status, 0, r.stderr);
  const got = entries(r.stdout);
  assert.is(got.length, 1, r.stdout);
  const t = got[0]!;
  // The shell's $PPID (on its stderr, as -c's output goes there) is its parent's pid, which the tracer read.
  assert.match(r.stderr, new RegExp(`^${t.ppid}$`, "m"), `ppid ${t.ppid}: ${r.stderr}`);
  const stat = readFileSync(join(dir, "stat"), "utf8");
  // /proc/PID/stat: pid (comm) state ppid ... starttime (field 22, in clock ticks: compared by order of magnitude).
  const [, pid, comm, rest] = /^(\d+) \((.*)\) (.*)$/.exec(stat.trim())!;
  assert.is(t.tid, Number(pid));
  assert.is(t.leader, comm);
  assert.is(Number(rest!.split(" ")[1]), t.ppid, "/proc's ppid");
  const ticks = BigInt(rest!.split(" ")[19]!);
  const ns = t.start;
  // start_time is ns since boot (CLOCK_MONOTONIC); starttime is in clock ticks (100 Hz) of the same clock.
  assert.ok(ns / 10_000_000n >= ticks - 2n && ns / 10_000_000n <= ticks + 2n, `start_time ${ns} ns vs starttime ${ticks} ticks`);
  assert.is(t.exe, basename(readlinkSync("/bin/sh").includes("/") ? readlinkSync("/bin/sh") : join("/bin", readlinkSync("/bin/sh"))), "the executable's name (/bin/sh's target)");
});

kernelTest(test, "--btf FILE: a copy of this kernel's BTF reads the same; a BTF without the field fails at load, naming it", async () => {
  const copy = join(dir, "vmlinux.btf");
  writeFileSync(copy, readFileSync("/sys/kernel/btf/vmlinux"));
  const same = await run(["--btf", copy]);
  assert.is(same.status, 0, same.stderr);
  assert.is(entries(same.stdout).length, 1, same.stdout);
  assert.match(same.stderr, new RegExp(`^${entries(same.stdout)[0]!.ppid}$`, "m"));
  // A small BTF whose task_struct has no real_parent.
  const small = join(dir, "small.btf");
  writeFileSync(small, btfFixture());
  const missing = await run(["--btf", small]);
  assert.is(missing.status, 1, missing.stderr);
  assert.match(missing.stderr, /task_struct has no field real_parent in the BTF of .*small\.btf \(--btf\)/);
  assert.not.match(missing.stderr, /^\s+at /m);
  // Not BTF at all: refused before loading, exit 2.
  const bad = await runCli(["run", FIXTURE, "--btf", "/etc/hostname"], env);
  assert.is(bad.status, 2);
  assert.match(bad.stderr, /^tsbpf run: --btf: \/etc\/hostname is not a BTF file/m);
});


kernelTest(test, "a bitfield (task.in_execve) reads 1 in execve and 0 outside it; fieldExists() guards a field this kernel lacks", async () => {
  const r = await runCli(["run", "test/fixtures/tools/kernel-fields.ts", "--json", "-q", "-c", "echo $PPID; /bin/true"], env);
  assert.is(r.status, 0, r.stderr);
  const maps = new Map<string, Record<string, number>>();
  for (const line of r.stdout.split("\n")) {
    if (!line.startsWith("{")) continue;
    const rec = JSON.parse(line) as { type: string; data: Record<string, Record<string, number>> };
    if (rec.type === "map") for (const [k, v] of Object.entries(rec.data)) maps.set(k, v);
  }
  // -c's shell, held until the probes are attached, then execs: every exec of the traced process saw in_execve set.
  const execs = maps.get("@inExecve") ?? {};
  assert.equal(Object.keys(execs), ["1"], JSON.stringify(execs));
  // The shell's getppid() (for $PPID) ran outside execve.
  assert.equal(Object.keys(maps.get("@notInExecve") ?? {}), ["0"], JSON.stringify(maps.get("@notInExecve")));
  const found = maps.get("@found") ?? {};
  assert.is(found["1"], 1, "this kernel has task_struct.in_execve");
  assert.is(found["2"], 0, "and not tsbpf_no_such_field: the guarded read was never made");
  assert.ok(found["3"]! > 0, "the fallback read a tgid");
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
