// runtime/user event channels over real kernel buffers (root): a tracepoint program (test/support/programs.ts)
// writes numbered records while this process calls getppid(); the user-side RingBuffer and PerfEventArray decode
// them as typed events, count what the programs dropped, and end when the collection is disposed.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { type TypeDesc, u32, u64 } from "../../core/object/layout.ts";
import type { CollectionSpec, MapSpec } from "../../core/object/spec.ts";
import { Collection } from "../../runtime/kernel/collection.ts";
import { Kernel } from "../../runtime/kernel/kernel.ts";
import { compile } from "../../compiler/index.ts";
import { onlineCpus, possibleCpus } from "../../runtime/kernel/cpus.ts";
import { bindDeclarations, captureDeclarations, objectsFromSpec } from "../../runtime/user/bind.ts";
import type { PerfEventArray, RingBuffer } from "../../runtime/user/events.ts";
import { kernelBackends } from "../../runtime/user/kernel-backends.ts";
import { kernelTest } from "../support/kernel.ts";
import { waitFor } from "../support/wait.ts";
import { ringbufProducer } from "../support/programs.ts";
import { EVENTS_TRACER, type Ev, rawArgs } from "../support/user-checks.ts";

/** What ringbufProducer writes: a sequence number, repeated in every u64 of the record. */
interface Numbered {
  seq: bigint;
  copies: bigint[];
}
const numbered = (bytes: number): TypeDesc => ({
  kind: "struct", name: "numbered", fields: [{ name: "seq", type: u64 }, { name: "copies", type: { kind: "array", element: u64, length: bytes / 8 - 1 } }],
});
const event = (seq: number, bytes = 64): Numbered => ({ seq: BigInt(seq), copies: Array<bigint>(bytes / 8 - 1).fill(BigInt(seq)) });

const ours = { kind: "tracepoint", category: "syscalls", name: "sys_enter_getppid" } as const;
/** Each read of process.ppid is one getppid() by this process; the programs count only this process. */
const getppids = (n: number) => {
  for (let i = 0; i < n; i++) void process.ppid;
};

function channelSpec(type: "ringbuf" | "perf_event_array", size: number, record: number): CollectionSpec {
  const channel: MapSpec = type === "ringbuf"
    ? { name: "events", type, keySize: 0, valueSize: 0, maxEntries: size, events: { type: numbered(record), lostMap: "drops" }, declared: { class: "RingBuffer", index: 0 } }
    : { name: "events", type, keySize: 4, valueSize: 4, maxEntries: 0, events: { type: numbered(record), lostMap: "drops", pages: 8 }, declared: { class: "PerfEventArray", index: 0 } };
  return {
    maps: [
      channel,
      { name: "seq", type: "array", keySize: 4, valueSize: 8, maxEntries: 1, key: u32, value: u64 },
      // Per-CPU, as the compiler makes it: lost sums the CPUs.
      { name: "drops", type: "percpu_array", keySize: 4, valueSize: 8, maxEntries: 1, key: u32, value: u64 },
    ],
    programs: [{
      name: "producer", type: "tracepoint", attach: ours, license: "GPL",
      instructions: ringbufProducer("events", record, { tgid: process.pid, perf: type === "perf_event_array" }),
    }],
  };
}

/** Settles `p` within `ms` or fails: a missed wakeup must fail the test, not hang it. */
async function within<T>(p: Promise<T>, ms = 3000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

async function take<E>(channel: AsyncIterable<E>, n: number): Promise<E[]> {
  const got: E[] = [];
  if (n === 0) return got;
  for await (const e of channel) {
    got.push(e);
    if (got.length === n) break;
  }
  return got;
}

kernelTest(test, "kernel: a module's RingBuffer, captured and bound, yields typed events; drain() and lost", async (sys) => {
  const spec = channelSpec("ringbuf", 1 << 16, 64);
  const dir = mkdtempSync(join(tmpdir(), "tsbpf-user-events-"));
  try {
    const index = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), "../../index.ts")).href;
    const file = join(dir, "tool.ts");
    writeFileSync(file, `import { RingBuffer } from ${JSON.stringify(index)};\nexport const events = new RingBuffer(1 << 16);\n`);
    const { module, objects } = await captureDeclarations(() => import(pathToFileURL(file).href) as Promise<{ events: RingBuffer<Numbered> }>);
    await using c = await Collection.load(spec, { kernel: new Kernel(sys) });
    bindDeclarations(objects, spec, kernelBackends(c));
    const events = module.events;
    getppids(25);
    assert.equal(await within(take(events, 25)), Array.from({ length: 25 }, (_, i) => event(i)));
    assert.equal(events.drain(), []);
    getppids(5);
    assert.equal(events.drain(), [25, 26, 27, 28, 29].map((i) => event(i)));
    assert.is(events.lost, 0n);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

kernelTest(test, "kernel: lost counts what a full ring refused, summed over the CPUs", async (sys) => {
  const spec = channelSpec("ringbuf", sys.pageSize, 256);
  await using c = await Collection.load(spec, { kernel: new Kernel(sys) });
  const events = objectsFromSpec(spec, kernelBackends(c)).get("events") as RingBuffer<Numbered>;
  getppids(30); // 30 × (256 + 8) bytes > one page
  const got = events.drain();
  assert.ok(got.length > 0 && got.length < 30, `read ${got.length}`);
  assert.equal(got, got.map((_, i) => event(i, 256)), "in order, from the first");
  assert.is(events.lost, BigInt(30 - got.length));
  getppids(3);
  assert.is(events.drain().length, 3, "room again");
  assert.is(events.lost, BigInt(30 - got.length));
});

kernelTest(test, "kernel: a burst of 20000 events arrives complete and in order through for await", async (sys) => {
  const spec = channelSpec("ringbuf", 1 << 21, 64);
  await using c = await Collection.load(spec, { kernel: new Kernel(sys) });
  const events = objectsFromSpec(spec, kernelBackends(c)).get("events") as RingBuffer<Numbered>;
  const n = 20_000;
  const consumer = take(events, n);
  // Produced in bursts across event loop turns, so the iterator waits, wakes and batches in between.
  for (let done = 0; done < n; done += 2000) {
    getppids(2000);
    await new Promise((r) => setTimeout(r, 1));
  }
  const got = await within(consumer, 10_000);
  assert.is(got.length, n);
  assert.ok(got.every((e, i) => e.seq === BigInt(i) && e.copies[6] === BigInt(i)), "every event, in order");
  assert.is(events.lost, 0n);
});

kernelTest(test, "kernel: disposing the collection ends a waiting loop", async (sys) => {
  const spec = channelSpec("ringbuf", 1 << 16, 64);
  const c = await Collection.load(spec, { kernel: new Kernel(sys) });
  const events = objectsFromSpec(spec, kernelBackends(c)).get("events") as RingBuffer<Numbered>;
  const got: bigint[] = [];
  const loop = (async () => {
    for await (const e of events) got.push(e.seq);
  })();
  getppids(2);
  await waitFor(() => got.length >= 2, "the loop to receive 2 events");
  c.dispose();
  await within(loop);
  assert.equal(got, [0n, 1n]);
});

kernelTest(test, "kernel: PerfEventArray (max_entries 0: one slot per possible CPU) yields every event; lost is 0", async (sys) => {
  const spec = channelSpec("perf_event_array", 0, 64);
  await using c = await Collection.load(spec, { kernel: new Kernel(sys) });
  assert.is(c.map("events").maxEntries, possibleCpus().length);
  const events = objectsFromSpec(spec, kernelBackends(c)).get("events") as PerfEventArray<Numbered>;
  getppids(20);
  const got = await within(take(events, 20));
  // Events of different CPUs may interleave; each arrives once.
  assert.equal(got.map((e) => e.seq).sort((a, b) => Number(a - b)), Array.from({ length: 20 }, (_, i) => BigInt(i)));
  assert.ok(got.every((e) => e.copies.every((x) => x === e.seq)));
  assert.is(events.lost, 0n);
  getppids(3);
  const late: unknown[] = [];
  await waitFor(() => (late.push(...events.drain()), late.length >= 3), "3 more events").catch(() => undefined);
  assert.is(late.length, 3);
});

kernelTest(test, "kernel: a compiled tracer's events, test-run on each CPU: typed, in order; a full ring counts its losses", async (sys) => {
  const r = compile(join(dirname(fileURLToPath(import.meta.url)), "user-events.tracer.ts"), { text: EVENTS_TRACER });
  if (!r.spec) throw new Error(r.diagnostics.map((d) => `${d.code} ${d.message}`).join("\n"));
  await using c = await Collection.load(r.spec, { kernel: new Kernel(sys), attach: false });
  const maps = objectsFromSpec(r.spec, kernelBackends(c));
  const ring = maps.get("events") as RingBuffer<Ev>;
  const perf = maps.get("perf") as PerfEventArray<Ev>;
  const program = c.program(r.spec.programs[0]!.name);
  const cpus = onlineCpus();
  /** BPF_F_TEST_RUN_ON_CPU (5.10 for raw tracepoints). The task a run sees depends on the CPU, so only v is checked. */
  const run = (i: number) => program.testRun({ ctx: rawArgs(i), flags: 1, cpu: cpus[i % cpus.length]! });
  for (let i = 0; i < 3; i++) run(i);
  assert.equal((await within(take(ring, 3))).map((e) => e.v), [0n, 1n, 2n]);
  assert.equal((await within(take(perf, 3))).map((e) => e.v).sort(), [1000n, 1001n, 1002n]);
  for (let i = 0; i < 150; i++) run(i);
  const fit = ring.drain();
  assert.ok(fit.length > 0 && fit.length < 150, `${fit.length} fit`);
  assert.equal(fit.map((e) => e.v), fit.map((_, i) => BigInt(i)));
  assert.is(ring.lost, BigInt(150 - fit.length));
  assert.ok(fit.every((e) => typeof e.comm === "string" && typeof e.pid === "number"));
});

test.run();
