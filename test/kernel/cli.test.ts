// The command line as a user runs it: `tsbpf run` with a duration, with --json or --format json (NDJSON a script can
// parse), with a format it does not know, with Ctrl-C, and with a tracer that does not compile; `tsbpf build --emit
// asm`.

import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { kernelTest } from "../support/kernel.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const env = { ...process.env, TSBPF_CACHE_DIR: mkdtempSync(join(tmpdir(), "tsbpf-cache-")), NO_COLOR: "1" };
const tsbpf = (args: string[]) => spawnSync(process.execPath, [join(root, "bin/tsbpf.js"), ...args], { cwd: root, env, encoding: "utf8", timeout: 60_000 });

/** Processes started and ended for a few seconds: each makes far more than 10 kinds of syscall (execve, mmap, getdents64...). */
const syscallWorkload = () =>
  spawn("sh", ["-c", "end=$(( $(date +%s) + 4 )); while [ $(date +%s) -lt $end ]; do ls -l / >/dev/null; cat /etc/hostname >/dev/null; sleep 0.05; done"], { stdio: "ignore" });

kernelTest(test, "tsbpf run --duration prints the exported maps as bpftrace does", () => {
  const busy = syscallWorkload();
  let r: ReturnType<typeof tsbpf>;
  let numbers: ReturnType<typeof tsbpf>;
  try {
    r = tsbpf(["run", "samples/syscount.ts", "--duration", "1"]);
    numbers = tsbpf(["run", "samples/syscount.ts", "--duration", "1", "--syscall-numbers"]);
  } finally {
    busy.kill();
  }
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stderr, /^Attaching 1 probe\.\.\./m);
  // syscount prints its 10 most frequent syscalls by name (a whole machine makes more than 10 kinds in a second).
  const lines = r.stdout.split("\n");
  const syscalls = lines.filter((l) => l.startsWith("@syscalls["));
  assert.is(syscalls.length, 10, r.stdout);
  for (const l of syscalls) assert.match(l, /^@syscalls\[[a-z_][a-z0-9_]*\]: \d+$/);
  const note = /^\(top 10 of (\d+) keys\)$/.exec(lines[lines.indexOf(syscalls.at(-1)!) + 1] ?? "");
  assert.ok(note && Number(note[1]) > 10, `no "(top 10 of N keys)" line after the syscalls:\n${r.stdout}`);
  assert.match(r.stdout, /^@processes\[[^\]]+\]: \d+$/m);
  assert.is(numbers.status, 0, numbers.stderr);
  assert.match(numbers.stdout, /^@syscalls\[\d+\]: \d+$/m);
  assert.not.match(numbers.stdout, /^@syscalls\[[a-z]/m);
});

kernelTest(test, "tsbpf run --json writes NDJSON: attached_probes, then one record per map", () => {
  // Our own workload, so the histogram cannot be empty: three busy processes on this machine's CPUs wait for a turn.
  const busy = spawn("sh", ["-c", "for i in $(seq 1 $(( $(nproc) + 1 ))); do (end=$(( $(date +%s) + 3 )); while [ $(date +%s) -lt $end ]; do :; done) & done; wait"], { stdio: "ignore" });
  let r: ReturnType<typeof tsbpf>;
  try {
    r = tsbpf(["run", "samples/runqlat.ts", "--duration", "1", "--json"]);
  } finally {
    busy.kill("SIGKILL");
  }
  assert.is(r.status, 0, r.stderr);
  const records = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as { type: string; version?: number; data: Record<string, unknown> });
  assert.equal([records[0]?.type, records[0]?.version, records[0]?.data], ["attached_probes", 1, { probes: 3 }]);
  const hist = records.find((x) => x.type === "hist");
  const buckets = hist?.data["@runqlat"] as { count: number }[] | undefined;
  assert.ok(Array.isArray(buckets), r.stdout);
  assert.ok(buckets.reduce((n, b) => n + b.count, 0) > 0, `an empty histogram under a busy workload: ${r.stdout}`);
});

kernelTest(test, "Ctrl-C prints the maps and exits 0", async () => {
  // syscount limited to this process, which makes 100 getppid() calls once the probe is attached (--verbose says when):
  // enough to be among its 10 most frequent syscalls, which are all syscount prints.
  const p = spawn(process.execPath, [join(root, "bin/tsbpf.js"), "run", "samples/syscount.ts", "--verbose", "--param", `pid=${process.pid}`], { cwd: root, env });
  let out = "";
  let err = "";
  p.stdout.on("data", (d: Buffer) => (out += d));
  const exited = new Promise<number | null>((r) => p.on("exit", (c) => r(c)));
  await new Promise<void>((resolve, reject) => {
    p.stderr.on("data", (d: Buffer) => {
      err += d;
      if (/^loaded and attached in /m.test(err)) resolve();
    });
    void exited.then((c) => reject(new Error(`tsbpf run exited (${c}) before attaching:\n${err}`)));
  });
  for (let i = 0; i < 100; i++) void process.ppid;
  p.kill("SIGINT");
  assert.is(await exited, 0, err);
  if (process.arch === "x64" || process.arch === "arm64") assert.match(out, /^@syscalls\[getppid\]: 100$/m);
  assert.match(out, /^@processes\[node\]: \d+$/m);
});

kernelTest(test, "tsbpf run --format json is --json, and -f json too", () => {
  const busy = syscallWorkload();
  try {
    jsonRuns();
  } finally {
    busy.kill();
  }
});

function jsonRuns(): void {
  for (const args of [["--format", "json"], ["-f", "json"], ["--json", "--format", "json"]]) {
    const r = tsbpf(["run", "samples/syscount.ts", "--duration", "1", ...args]);
    assert.is(r.status, 0, r.stderr);
    assert.is(r.stderr, "");
    assert.match(r.stdout.split("\n")[0]!, /^\{"type":"attached_probes","version":1,"time_ms":\d+,"data":\{"probes":1\}\}$/);
    const maps = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as { type: string; top?: number; keys?: number; data: Record<string, unknown> });
    const syscalls = maps.find((m) => m.type === "map" && "@syscalls" in m.data);
    assert.ok(syscalls, r.stdout);
    assert.is(Object.keys(syscalls.data["@syscalls"] as object).length, 10, r.stdout);
    assert.ok(syscalls.top === 10 && syscalls.keys! > 10, `the record says how many keys there were: ${JSON.stringify(syscalls)}`);
  }
}

test("tsbpf run: an unknown --format, or --json with another format, is a usage error (exit 2) before compiling", () => {
  const bad = tsbpf(["run", "samples/syscount.ts", "--format", "yaml"]);
  assert.is(bad.status, 2);
  assert.is(bad.stdout, "");
  assert.is(bad.stderr, 'tsbpf run: --format: unknown output format "yaml" (expected text, json or folded); see tsbpf run --help\n');
  const both = tsbpf(["run", "samples/syscount.ts", "--json", "--format", "text"]);
  assert.is(both.status, 2);
  assert.is(both.stderr, "tsbpf run: --json means --format json, not --format text; see tsbpf run --help\n");
  const help = tsbpf(["run", "--help"]);
  assert.is(help.status, 0);
  assert.match(help.stdout, /\[--format text\|json\|folded\] \[--json\]/);
});

test("a tracer that does not compile: the error with its code frame and hint, exit status 1", () => {
  const r = tsbpf(["run", "test/fixtures/bad-tracer.ts", "--duration", "1"]);
  assert.is(r.status, 1);
  assert.match(r.stderr, /bad-tracer\.ts:6:\d+ - error TSB1008: 1\.5 is not an integer/);
  assert.match(r.stderr, /counts\.increment\(ctx\.id \* 1\.5\);\n\s+~~~/);
  assert.match(r.stderr, /hint: use integer arithmetic/);
});

test("tsbpf build --emit asm interleaves TypeScript lines with the instructions, files named from the working directory", () => {
  const r = tsbpf(["build", "samples/syscount.ts", "--emit", "asm"]);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /; program sys_enter \(tracepoint, \d+ instructions\)/);
  assert.match(r.stdout, /; syscalls\.increment\(Number\(ctx\.id\)\);\s+\(samples\/syscount\.ts:\d+\)\n\s*\d+: /);
  assert.match(r.stdout, /call bpf_map_lookup_elem#1\n/);
});

test("tsbpf build --emit spec is the collection as JSON", () => {
  const r = tsbpf(["build", "samples/biolatency.ts", "--emit", "spec"]);
  assert.is(r.status, 0, r.stderr);
  const spec = JSON.parse(r.stdout) as { programs: { name: string }[]; maps: { name: string; aggregation?: { kind: string } }[] };
  assert.equal(spec.programs.map((p) => p.name), ["block_rq_issue", "block_rq_complete"]);
  assert.is(spec.maps.find((m) => m.name === "biolatency")?.aggregation?.kind, "hist");
});

test.run();
