// The samples in the VM (no root): the same compiled bytecode the kernel runs, fired on contexts built from the
// tracepoints' fields, against mock maps; the checks are on the maps as `tsbpf run` would print them.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { entryBuckets, entryStats, entryValue } from "../../runtime/output/aggregations.ts";
import { mapJson } from "../../runtime/output/json.ts";
import { formatAggregation } from "../../runtime/output/text.ts";
import { FakeClock, simulate } from "../../testing.ts";
import type { ArrayMap, HashMap } from "../../stdlib-types/index.js";

/** A map's NDJSON record, parsed, without its time. */
function mapRecord(a: Parameters<typeof mapJson>[0], opts: Parameters<typeof mapJson>[2] = {}): { type: string; top?: number; keys?: number; data: Record<string, Record<string, unknown>> } {
  const r = JSON.parse(mapJson(a, 0, opts)!);
  delete r.time_ms;
  return r;
}

const buckets = (s: { aggregation: Awaited<ReturnType<typeof simulate>>["aggregation"] }, name: string, key?: unknown) => {
  const a = s.aggregation(name);
  const e = a.entries.find((x) => x.key === key);
  return e ? entryBuckets(a, e) : [];
};

test("syscount: counts by syscall number and by process name; --param pid filters", async () => {
  const s = await simulate("samples/syscount.ts", { env: { comm: "bash", pid: 7 } });
  for (const id of [0n, 0n, 0n, 1n]) s.fire("raw_syscalls/sys_enter", { id });
  const calls = s.aggregation("syscalls");
  assert.equal(new Map(calls.entries.map((e) => [e.key, entryValue(calls, e)])), new Map([[0, 3n], [1, 1n]]));
  assert.is(s.print("processes"), "@processes[bash]: 4\n");

  const only = await simulate("samples/syscount.ts", { env: { pid: 7 }, params: { pid: 42 } });
  const r = only.fire("raw_syscalls/sys_enter", { id: 0n });
  assert.equal([r.value, r.ret, r.events, r.printk], [0n, 0, [], []]);
  assert.ok(r.instructions > 0);
  assert.equal(only.aggregation("syscalls").entries, []);
});

// Syscalls 0..11 as the kernel's tables number them (arch/x86/entry/syscalls/syscall_64.tbl, asm-generic/unistd.h).
const FIRST_SYSCALLS: Record<string, string[]> = {
  x64: ["read", "write", "open", "close", "stat", "fstat", "lstat", "poll", "lseek", "mmap", "mprotect", "munmap"],
  arm64: ["io_setup", "io_destroy", "io_submit", "io_cancel", "io_getevents", "setxattr", "lsetxattr", "fsetxattr", "getxattr", "lgetxattr", "fgetxattr", "listxattr"],
};

test("syscount prints the 10 most frequent syscalls by name, and how many there were; numbers on request", async () => {
  const s = await simulate("samples/syscount.ts", { env: { comm: "bash", pid: 7 } });
  // Syscall n is called n + 1 times: 12 keys, of which 2..11 are the top 10.
  for (let id = 0; id < 12; id++) for (let i = 0; i <= id; i++) s.fire("raw_syscalls/sys_enter", { id: BigInt(id) });
  const lines = (name: (n: number) => string) => [...Array.from({ length: 10 }, (_, i) => `@syscalls[${name(i + 2)}]: ${i + 3}`), "(top 10 of 12 keys)", ""].join("\n");
  const names = FIRST_SYSCALLS[process.arch];
  if (names) assert.is(s.print("syscalls"), lines((n) => names[n]!));
  const calls = s.aggregation("syscalls");
  assert.is(formatAggregation(calls, { syscallNumbers: true }), lines(String));
  assert.is(formatAggregation(calls, { top: 0, syscallNumbers: true }).split("\n")[0], "@syscalls[0]: 1", "top 0 prints every key");
  const json = mapRecord(calls, { syscallNumbers: true });
  assert.equal([json.top, json.keys, Object.keys(json.data["@syscalls"]!).sort((a, b) => Number(a) - Number(b))], [10, 12, ["2", "3", "4", "5", "6", "7", "8", "9", "10", "11"]]);
  if (names) assert.ok(Object.hasOwn(mapRecord(calls).data["@syscalls"] as object, names[11]!));
});

test("runqlat: wake-up to switch-in latency in microseconds; preempted tasks are queued again", async () => {
  const clock = new FakeClock(1_000_000_000n);
  const s = await simulate<typeof import("../../samples/runqlat.ts")>("samples/runqlat.ts", { clock });
  s.fire("sched/sched_wakeup", { pid: 100 });
  clock.advance(5_000_000n); // 5 ms
  s.fire("sched/sched_switch", { prev_pid: 1, prev_state: 1n, next_pid: 100 });
  // 5000 us: log2 bucket 2 + 12, [4K, 8K)
  assert.is(buckets(s, "runqlat")[14], 1n);
  const queued = s.maps.queued as HashMap<number, bigint>;
  assert.equal(queued.keys(), []);
  s.fire("sched/sched_switch", { prev_pid: 200, prev_state: 0n, next_pid: 0 });
  assert.equal(queued.entries(), [[200, 1_005_000_000n]]);
  assert.is(s.maps.runqlat.get().find((b) => b.count > 0n)?.low, 4096n);
});

test("biolatency: issue to completion of the same (device, sector)", async () => {
  const clock = new FakeClock();
  const s = await simulate<typeof import("../../samples/biolatency.ts")>("samples/biolatency.ts", { clock });
  s.fire("block/block_rq_issue", { dev: 8, sector: 100n });
  s.fire("block/block_rq_issue", { dev: 8, sector: 200n });
  clock.advance(2_000_000n);
  s.fire("block/block_rq_complete", { dev: 8, sector: 100n });
  s.fire("block/block_rq_complete", { dev: 9, sector: 200n }); // another device: no match
  assert.is(buckets(s, "biolatency")[12], 1n); // 2000 us: [1K, 2K)
  assert.is((s.maps.issued as HashMap<unknown, bigint>).keys().length, 1);
  assert.is(s.maps.biolatency.count(), 1n);
});

test("bitesize: request sizes per process name", async () => {
  const s = await simulate("samples/bitesize.ts");
  s.fire("block/block_rq_issue", { comm: "dd", bytes: 65536 });
  s.fire("block/block_rq_issue", { comm: "dd", bytes: 4096 });
  s.fire("block/block_rq_issue", { comm: "kworker/0:1", bytes: 512 });
  assert.is(buckets(s, "bytes", "dd")[18], 1n);
  assert.is(buckets(s, "bytes", "dd")[14], 1n);
  assert.is(buckets(s, "bytes", "kworker/0:1")[11], 1n);
  assert.match(s.print("bytes"), /@bytes\[dd\] \(bytes\):\n\[4K, 8K\)\s+1 \|@+/);
});

test("pidpersec: the interval takes the fork count out and records it", async () => {
  const s = await simulate<typeof import("../../samples/pidpersec.ts")>("samples/pidpersec.ts");
  assert.equal(s.fire("begin").actions, [{ kind: "print", text: "Tracing new processes... Hit Ctrl-C to end." }]);
  assert.equal(s.printed(), ["Tracing new processes... Hit Ctrl-C to end."]);
  for (let i = 0; i < 5; i++) s.fire("sched/sched_process_fork", { parent_pid: 1, child_pid: 100 + i });
  s.fire("interval");
  s.fire("interval");
  // One line a second: the wall-clock time and that second's forks.
  const lines = s.printed();
  assert.is(lines.length, 2);
  assert.match(lines[0]!, /^\d\d:\d\d:\d\d PIDs\/sec: 5$/);
  assert.match(lines[1]!, /^\d\d:\d\d:\d\d PIDs\/sec: 0$/);
  const st = s.aggregation("perSecond");
  assert.equal(entryStats(st, st.entries[0]!), { count: 2n, total: 5n, average: 2n });
  assert.is(buckets(s, "distribution")[1], 2n); // 5 and 0 both in [0, 10)
  assert.is((s.maps.forks as ArrayMap<bigint>).get(0), 0n);
  assert.equal(s.maps.perSecond.get(), { count: 2n, total: 5n, average: 2n });
});

test.run();
