// Folded stacks (runtime/output/folded.ts) and `--format folded` (folded-output.ts): maps whose displayed keys hold
// hand-built StackTraces in, folded lines out. Checked: the order of a key's parts (others, user root→leaf, kernel
// root→leaf), the frame annotations, escaping of `;` and newlines, keys folding to one line added up, the refusal of
// histograms and averages, and which stream the folded Output writes what to.

import { test } from "uvu";
import * as assert from "uvu/assert";
import type { AggregationData } from "../../runtime/output/aggregations.ts";
import { FoldedError, foldedFrame, foldedKey, foldedStacks, foldedText, hasStacks, NO_FRAMES } from "../../runtime/output/folded.ts";
import { createOutput, type Sink } from "../../runtime/output/index.ts";
import type { Frame, StackTrace } from "../../runtime/symbols/types.ts";

const k = (symbol: string | undefined, address = 0xffffffff81000000n): Frame => ({ address, origin: "kernel", ...(symbol ? { symbol } : {}) });
const u = (symbol: string | undefined, address = 0x401000n): Frame => ({ address, origin: "user", ...(symbol ? { symbol } : {}) });
const j = (symbol: string): Frame => ({ address: 0x7f0000001000n, origin: "jit", symbol, module: "[jit]" });

/** Stacks are written leaf first, as captured. */
const kstack = (...frames: Frame[]): StackTrace => ({ kind: "kstack", frames });
const ustack = (...frames: Frame[]): StackTrace => ({ kind: "ustack", pid: 42, frames });

const read = kstack(k("vfs_read"), k("ksys_read"), k("do_syscall_64"));
const main = ustack(u("read"), u("work"), u("main"));

test("a frame: its symbol, [unknown] without one, annotated by origin", () => {
  assert.is(foldedFrame(k("schedule")), "schedule_[k]");
  assert.is(foldedFrame(u("main")), "main");
  assert.is(foldedFrame(j("LazyCompile:*fib /app/x.js:3")), "LazyCompile:*fib /app/x.js:3_[j]");
  assert.is(foldedFrame(u(undefined)), "[unknown]");
  assert.is(foldedFrame(k(undefined)), "[unknown]_[k]");
});

test("a frame's ; and newlines are replaced: they would split the frame or the line", () => {
  assert.is(foldedFrame(u("operator;weird\nname\r\nend")), "operator:weird name end");
  assert.is(foldedKey(["a;b\nc", kstack(k("x;y"))]).join("|"), "a:b c|x:y_[k]");
});

test("a key's parts: others in key order, then user stacks root→leaf, then kernel stacks root→leaf", () => {
  // the tuple puts the kernel stack before the user stack and the pid between: the folded order does not follow it
  assert.equal(foldedKey(["bash", read, 1234, main]), ["bash", "1234", "main", "work", "read", "do_syscall_64_[k]", "ksys_read_[k]", "vfs_read_[k]"]);
  // a struct's fields, in their order; bigints in decimal
  assert.equal(foldedKey({ stack: read, comm: "cat", cpu: 3n }), ["cat", "3", "do_syscall_64_[k]", "ksys_read_[k]", "vfs_read_[k]"]);
  // a stack alone
  assert.equal(foldedKey(main), ["main", "work", "read"]);
  // JIT frames in a user stack keep their place and annotation
  assert.equal(foldedKey(ustack(j("fib"), j("run"), u("node::Start"))), ["node::Start", "run_[j]", "fib_[j]"]);
});

test("a failed capture is one frame naming the error; an empty stack adds nothing", () => {
  assert.equal(foldedKey(["kworker", { kind: "kstack", frames: [], error: "EEXIST" }, ustack()]), ["kworker", "[EEXIST]_[k]"]);
  assert.equal(foldedKey(["kworker", ustack(), read]), ["kworker", "do_syscall_64_[k]", "ksys_read_[k]", "vfs_read_[k]"]);
});

const profile: AggregationData = {
  name: "stacks",
  kind: "count",
  keyed: true,
  entries: [
    { key: ["cat", main, read], value: 5n },
    // the same functions at other addresses (another offset): the same folded line, added up
    { key: ["cat", ustack(u("read", 0x401010n), u("work", 0x401100n), u("main")), read], value: 2n },
    { key: ["bash", ustack(u("main")), kstack(k("schedule"))], value: 9n },
    { key: ["swapper/0", ustack(), kstack()], value: 1n },
  ],
};

test("foldedStacks: one entry per distinct path, sorted by path, equal paths added", () => {
  assert.equal(foldedStacks(profile), [
    { stack: ["bash", "main", "schedule_[k]"], value: 9n },
    { stack: ["cat", "main", "work", "read", "do_syscall_64_[k]", "ksys_read_[k]", "vfs_read_[k]"], value: 7n },
    { stack: ["swapper/0"], value: 1n },
  ]);
  assert.is(
    foldedText(foldedStacks(profile)),
    "bash;main;schedule_[k] 9\ncat;main;work;read;do_syscall_64_[k];ksys_read_[k];vfs_read_[k] 7\nswapper/0 1\n",
  );
});

test("a key with nothing to show keeps its samples under one frame", () => {
  const d: AggregationData = { name: "u", kind: "count", keyed: true, entries: [{ key: ustack(), value: 3n }] };
  assert.equal(foldedStacks(d), [{ stack: [NO_FRAMES], value: 3n }]);
});

test("sums and integer maps fold; their values are the counts", () => {
  const sum: AggregationData = { name: "ns", kind: "sum", keyed: true, entries: [{ key: read, value: 1500n }] };
  assert.is(foldedText(foldedStacks(sum)), "do_syscall_64_[k];ksys_read_[k];vfs_read_[k] 1500\n");
  const map: AggregationData = { name: "m", kind: "map", keyed: true, entries: [{ key: main, value: 4 }] };
  assert.is(foldedText(foldedStacks(map)), "main;work;read 4\n");
});

test("histograms, averages and maps of structs are refused with a message saying why", () => {
  const hist: AggregationData = { name: "lat", kind: "hist", keyed: true, entries: [{ key: read, buckets: [0n, 2n] }] };
  assert.throws(() => foldedStacks(hist), (e: unknown) => e instanceof FoldedError && /@lat is a hist: .*count\(\), sum\(\).*histogram buckets/.test((e as Error).message));
  const avg: AggregationData = { name: "@a", kind: "avg", keyed: true, entries: [{ key: read, count: 2n, total: 6n }] };
  assert.throws(() => foldedStacks(avg), (e: unknown) => e instanceof FoldedError && /^@a is a avg: .*an average/.test((e as Error).message));
  const structs: AggregationData = { name: "s", kind: "map", keyed: true, entries: [{ key: read, value: { a: 1 } }] };
  assert.throws(() => foldedStacks(structs), (e: unknown) => e instanceof FoldedError && /@s: .*not integers/.test((e as Error).message));
});

test("hasStacks: a stack anywhere in a key, and only in keyed maps", () => {
  assert.ok(hasStacks(profile));
  assert.ok(hasStacks({ name: "x", kind: "count", keyed: true, entries: [{ key: { inner: [1, read] }, value: 1n }] }));
  assert.not.ok(hasStacks({ name: "x", kind: "count", keyed: true, entries: [{ key: ["bash", 1], value: 1n }] }));
  assert.not.ok(hasStacks({ name: "x", kind: "count", keyed: true, entries: [] }));
});

/** A sink that keeps every write, in order, as [stream, text]. */
function memorySink(): Sink & { writes: ["out" | "err", string][] } {
  const writes: ["out" | "err", string][] = [];
  const writer = (stream: "out" | "err") => ({ write: (text: string) => (writes.push([stream, text]), true), once: () => undefined });
  return { stdout: writer("out"), stderr: writer("err"), writes };
}

test("--format folded: only the folded lines on stdout; the rest, and a note per map left out, on stderr", async () => {
  const sink = memorySink();
  const o = createOutput("folded", sink);
  await o.attached(2);
  await o.events({ name: "ev", buffer: "ringbuf", type: { kind: "int", size: 4, signed: false } }, [7]);
  await o.line("from a probe");
  await o.aggregation({ name: "calls", kind: "count", keyed: true, entries: [{ key: "bash", value: 3n }] });
  await o.aggregation({ name: "empty", kind: "count", keyed: true, entries: [] });
  await o.aggregation(profile);
  await o.aggregation({ name: "lat", kind: "hist", keyed: true, entries: [{ key: read, buckets: [1n] }] });
  await o.aggregation({ name: "more", kind: "count", keyed: true, entries: [{ key: read, value: 1n }] });
  await o.end();
  const out = sink.writes.filter(([s]) => s === "out").map(([, t]) => t).join("");
  const err = sink.writes.filter(([s]) => s === "err").map(([, t]) => t).join("");
  assert.is(out, `${foldedText(foldedStacks(profile))}do_syscall_64_[k];ksys_read_[k];vfs_read_[k] 1\n`);
  assert.is(
    err,
    "Attaching 2 probes...\n  VALUE\n      7\nfrom a probe\n"
      + "note: @calls has no stack in its keys: not printed in folded form\n"
      + "note: @lat is a hist: folded stacks need one number per key (count(), sum() or an integer map), not histogram buckets; not printed\n"
      + "note: @more's stacks follow @stacks's on stdout (the flame-graph tools add up what they read)\n",
  );
});

test.run();
