// Real-kernel event channels (root): a tracepoint program produces records into a BPF ring buffer or a perf event
// array while a real workload runs; the readers deliver every record, in order, with the counts right.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { u32, u64 } from "../../core/object/layout.ts";
import type { CollectionSpec } from "../../core/object/spec.ts";
import { Collection } from "../../runtime/kernel/collection.ts";
import { onlineCpus, possibleCpus } from "../../runtime/kernel/cpus.ts";
import { Kernel } from "../../runtime/kernel/kernel.ts";
import { PerfBufferReader } from "../../runtime/kernel/perfbuf.ts";
import { RingBufferReader } from "../../runtime/kernel/ringbuf.ts";
import { kernelTest } from "../support/kernel.ts";
import { ringbufProducer } from "../support/programs.ts";

const counters = [
  { name: "seq", type: "array", keySize: 4, valueSize: 8, maxEntries: 1, key: u32, value: u64 },
  { name: "drops", type: "array", keySize: 4, valueSize: 8, maxEntries: 1, key: u32, value: u64 },
] as const;

/** Each read of process.ppid is one getppid() syscall by this process; the producers count only this process. */
const getppids = (n: number) => {
  for (let i = 0; i < n; i++) void process.ppid;
};
const ours = { kind: "tracepoint", category: "syscalls", name: "sys_enter_getppid" } as const;

kernelTest(test, "ring buffer: every record arrives, in order, through the async iterator", async (sys) => {
  const spec: CollectionSpec = {
    maps: [{ name: "events", type: "ringbuf", keySize: 0, valueSize: 0, maxEntries: 1 << 16 }, ...counters],
    programs: [{ name: "rb_prod", type: "tracepoint", attach: ours, instructions: ringbufProducer("events", 64, { tgid: process.pid }), license: "GPL" }],
  };
  await using c = await Collection.load(spec, { kernel: new Kernel(sys) });
  using reader = new RingBufferReader(sys, c.map("events").fd, 1 << 16, { decode: (v, off, len) => ({ seq: v.getBigUint64(off, true), len }) });
  getppids(25);
  const got: bigint[] = [];
  for await (const r of reader) {
    assert.is(r.len, 64);
    got.push(r.seq);
    if (got.length === 25) break;
  }
  assert.equal(got, Array.from({ length: 25 }, (_, i) => BigInt(i)));
  assert.is(c.map<number, bigint>("drops").get(0), 0n);
  assert.is(reader.stats().read, 25);
});

kernelTest(test, "ring buffer: a full ring drops in the kernel (counted), and drain() delivers what fit", async (sys) => {
  const page = sys.pageSize;
  const spec: CollectionSpec = {
    maps: [{ name: "events", type: "ringbuf", keySize: 0, valueSize: 0, maxEntries: page }, ...counters],
    programs: [{ name: "rb_full", type: "tracepoint", attach: ours, instructions: ringbufProducer("events", 256, { tgid: process.pid }), license: "GPL" }],
  };
  await using c = await Collection.load(spec, { kernel: new Kernel(sys) });
  using reader = new RingBufferReader(sys, c.map("events").fd, page);
  getppids(30); // 30 × (256 + 8) bytes > one page
  let n = 0;
  let last = -1n;
  reader.drain((v, off) => {
    const s = v.getBigUint64(off, true);
    assert.ok(s > last);
    last = s;
    n++;
  });
  const drops = c.map<number, bigint>("drops").get(0)!;
  assert.ok(n > 0 && drops > 0n, `read ${n}, dropped ${drops}`);
  assert.is(BigInt(n) + drops, 30n);
  // After draining there is room again.
  getppids(3);
  assert.is(reader.drain(() => {}), 3);
});

kernelTest(test, "perf event array: per-CPU buffers deliver every sample", async (sys) => {
  const spec: CollectionSpec = {
    maps: [{ name: "events", type: "perf_event_array", keySize: 4, valueSize: 4, maxEntries: possibleCpus().length }, ...counters],
    programs: [{ name: "pe_prod", type: "tracepoint", attach: ours, instructions: ringbufProducer("events", 64, { perf: true, tgid: process.pid }), license: "GPL" }],
  };
  await using c = await Collection.load(spec, { kernel: new Kernel(sys) });
  const events = c.map("events");
  using reader = new PerfBufferReader(sys, {
    cpus: onlineCpus(),
    updateMap: (cpu, fd) => events.updateRaw(u32bytes(cpu), u32bytes(fd)),
    decode: (v, off) => v.getBigUint64(off, true),
  });
  getppids(20);
  const got: bigint[] = [];
  for await (const s of reader) {
    got.push(s);
    if (got.length === 20) break;
  }
  // Samples from different CPUs interleave; every sequence number arrives once.
  assert.equal([...got].sort((a, b) => Number(a - b)), Array.from({ length: 20 }, (_, i) => BigInt(i)));
  assert.is(c.map<number, bigint>("drops").get(0), 0n);
  assert.is(reader.stats().lost, 0);
});

kernelTest(test, "perf event array: a sample written before the consumer starts is still delivered", async (sys) => {
  const spec: CollectionSpec = {
    maps: [{ name: "events", type: "perf_event_array", keySize: 4, valueSize: 4, maxEntries: possibleCpus().length }, ...counters],
    programs: [{ name: "pe_early", type: "tracepoint", attach: ours, instructions: ringbufProducer("events", 16, { perf: true, tgid: process.pid }), license: "GPL" }],
  };
  await using c = await Collection.load(spec, { kernel: new Kernel(sys) });
  const events = c.map("events");
  using reader = new PerfBufferReader(sys, { cpus: onlineCpus(), updateMap: (cpu, fd) => events.updateRaw(u32bytes(cpu), u32bytes(fd)) });
  getppids(2);
  const got: Uint8Array[] = [];
  const timeout = setTimeout(() => reader.close(), 3000);
  for await (const s of reader) {
    got.push(s);
    if (got.length === 2) break;
  }
  clearTimeout(timeout);
  assert.is(got.length, 2);
});

function u32bytes(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
}

test.run();
