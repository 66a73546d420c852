// The samples, end to end (root): each is compiled, loaded and attached, driven by a real workload, and its
// maps read back as `tsbpf run` prints them. The checks are on what the workload must have produced.

import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { compile } from "../../compiler/index.ts";
import type { CollectionSpec } from "../../core/object/spec.ts";
import { Collection } from "../../runtime/kernel/collection.ts";
import { Kernel } from "../../runtime/kernel/kernel.ts";
import type { Sys } from "../../runtime/kernel/sys.ts";
import { entryBuckets, entryStats, entryValue } from "../../runtime/output/aggregations.ts";
import { readAggregation } from "../../runtime/output/read.ts";
import { withParams } from "../../cli/run.ts";
import { kernelTest } from "../support/kernel.ts";
import { waitFor } from "../support/wait.ts";

function build(name: string, params: string[] = []): CollectionSpec {
  const r = compile(`samples/${name}.ts`);
  const errors = r.diagnostics.filter((d) => d.severity === "error");
  assert.equal(errors.map((d) => `${d.code} ${d.message}`), []);
  return withParams(r.spec!, params);
}

function read(c: Collection, spec: CollectionSpec, map: string) {
  return readAggregation(c.map(map), spec.maps.find((m) => m.name === map)!);
}

/** Writes with O_DIRECT so that every write is a block request. */
function directWrites(count: number, bs: string): void {
  const dir = mkdtempSync(join(tmpdir(), "tsbpf-io-"));
  try {
    execFileSync("dd", ["if=/dev/zero", `of=${join(dir, "f")}`, `bs=${bs}`, `count=${count}`, "oflag=direct"], { stdio: "ignore" });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

kernelTest(test, "syscount: counts our own getppid() calls by number and by process, filtered by --param pid", async (sys: Sys) => {
  const spec = build("syscount", [`pid=${process.pid}`]);
  await using c = await Collection.load(spec, { kernel: new Kernel(sys) });
  for (let i = 0; i < 50; i++) void process.ppid; // getppid(2), syscall 110 on x86_64
  spawnSync("/bin/true"); // another process: filtered out
  const calls = read(c, spec, "syscalls");
  const getppid = calls.entries.find((e) => e.key === (process.arch === "x64" ? 110 : 173));
  assert.ok(getppid && entryValue(calls, getppid) >= 50n, JSON.stringify(calls.entries, (_, v) => (typeof v === "bigint" ? String(v) : v)));
  const procs = read(c, spec, "processes");
  // Only this process passed the filter: its name, as the kernel knows it.
  assert.equal(procs.entries.map((e) => e.key), [readFileSync("/proc/self/comm", "utf8").trim()]);
});

kernelTest(test, "runqlat: run-queue latencies of a busy workload land in the histogram", async (sys: Sys) => {
  const spec = build("runqlat");
  await using c = await Collection.load(spec, { kernel: new Kernel(sys) });
  // Two CPUs, three busy processes: someone always waits.
  execFileSync("sh", ["-c", "for i in 1 2 3; do (i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done) & done; wait"]);
  const h = read(c, spec, "runqlat");
  const total = h.entries.reduce((n, e) => n + entryBuckets(h, e).reduce((a, b) => a + b, 0n), 0n);
  assert.ok(total >= 10n, `recorded ${total}`);
});

kernelTest(test, "biolatency: every direct write is a block request with a latency", async (sys: Sys) => {
  const spec = build("biolatency");
  await using c = await Collection.load(spec, { kernel: new Kernel(sys) });
  directWrites(20, "4k");
  const recorded = () => {
    const h = read(c, spec, "biolatency");
    return h.entries.reduce((n, e) => n + entryBuckets(h, e).reduce((a, b) => a + b, 0n), 0n);
  };
  await waitFor(() => recorded() >= 20n, "20 completed requests").catch(() => undefined);
  assert.ok(recorded() >= 20n, `recorded ${recorded()}`);
});

kernelTest(test, "bitesize: 64 KiB direct writes by dd fall in dd's [64K, 128K) bucket", async (sys: Sys) => {
  const spec = build("bitesize");
  await using c = await Collection.load(spec, { kernel: new Kernel(sys) });
  directWrites(10, "64k");
  const inBucket = () => {
    const h = read(c, spec, "bytes");
    const dd = h.entries.find((e) => e.key === "dd");
    return dd ? (entryBuckets(h, dd)[18] ?? 0n) : 0n;
  };
  await waitFor(() => inBucket() >= 10n, "dd's 10 requests").catch(() => undefined);
  const h = read(c, spec, "bytes");
  const dd = h.entries.find((e) => e.key === "dd");
  assert.ok(dd, `keys: ${h.entries.map((e) => e.key).join(", ")}`);
  // log2 bucket of 65536 bytes: 2 + 16
  assert.ok((entryBuckets(h, dd!)[18] ?? 0n) >= 10n, String(entryBuckets(h, dd!)));
});

kernelTest(test, "pidpersec: forks are counted per second by the interval", async (sys: Sys) => {
  const spec = build("pidpersec");
  await using c = await Collection.load(spec, { kernel: new Kernel(sys) });
  const end = Date.now() + 2500;
  let forks = 0;
  while (Date.now() < end) {
    spawnSync("/bin/true");
    forks++;
  }
  // The interval flushes each second's count: wait for the seconds the loop spanned to be recorded.
  const seconds = () => {
    const s = read(c, spec, "perSecond");
    return s.entries[0] ? entryStats(s, s.entries[0]) : undefined;
  };
  await waitFor(() => { const st = seconds(); return !!st && st.count >= 2n && st.total >= BigInt(forks); }, "the seconds of the fork loop", 5000).catch(() => undefined);
  const s = read(c, spec, "perSecond");
  const e = s.entries[0];
  assert.ok(e, "no second was recorded");
  const { count, total } = entryStats(s, e!);
  assert.ok(count >= 2n, `seconds recorded: ${count}`);
  assert.ok(total >= BigInt(forks), `forks counted ${total}, spawned ${forks}`);
});

test.run();
