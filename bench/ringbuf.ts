// Ring buffer throughput: records per second consumed in Node while a tracepoint program produces one 64-byte
// record per getppid() of a workload process, and the fraction the kernel dropped (ring full). The reference is
// the same workload with nothing attached, measured in the same run. Needs root.

import { spawn } from "node:child_process";
import { u32, u64 } from "../core/object/layout.ts";
import type { CollectionSpec } from "../core/object/spec.ts";
import { Collection } from "../runtime/kernel/collection.ts";
import { Kernel } from "../runtime/kernel/kernel.ts";
import { RingBufferReader } from "../runtime/kernel/ringbuf.ts";
import { kernel } from "../test/support/kernel.ts";
import { ringbufProducer } from "../test/support/programs.ts";

const CALLS = 4_000_000;
const RING = 16 << 20;

/** The workload: perl calling getppid() CALLS times (each is a real syscall). Resolves with its wall time in s. */
function workload(): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const p = spawn("perl", ["-e", `getppid() for 1..${CALLS}`], { stdio: "ignore" });
    p.on("error", reject);
    p.on("exit", (code) => (code === 0 ? resolve(Number(process.hrtime.bigint() - t0) / 1e9) : reject(new Error(`workload exited ${code}`))));
  });
}

async function traced(k: Kernel, mode: "push" | "iterator"): Promise<{ consumed: number; produced: bigint; dropped: bigint; seconds: number; workload: number }> {
  const spec: CollectionSpec = {
    maps: [
      { name: "events", type: "ringbuf", keySize: 0, valueSize: 0, maxEntries: RING },
      { name: "seq", type: "array", keySize: 4, valueSize: 8, maxEntries: 1, key: u32, value: u64 },
      { name: "drops", type: "array", keySize: 4, valueSize: 8, maxEntries: 1, key: u32, value: u64 },
    ],
    programs: [{ name: "bench_rb", type: "tracepoint", attach: { kind: "tracepoint", category: "syscalls", name: "sys_enter_getppid" }, instructions: ringbufProducer("events", 64), license: "GPL" }],
  };
  await using c = await Collection.load(spec, { kernel: k });
  using reader = new RingBufferReader(k.sys, c.map("events").fd, RING, { decode: (v, off) => v.getBigUint64(off, true) });
  let consumed = 0;
  let last = -1n;
  let first = 0n;
  let end = 0n;
  const seen = (seq: bigint) => {
    if (consumed === 0) first = process.hrtime.bigint();
    if (seq <= last) throw new Error(`out of order: ${seq} after ${last}`);
    last = seq;
    consumed++;
    end = process.hrtime.bigint();
  };
  const run = workload();
  if (mode === "push") {
    const sub = reader.onRecords((v, off) => seen(v.getBigUint64(off, true)));
    const wall = await run;
    // Let the reader catch up with what is still in the ring.
    await new Promise((r) => setTimeout(r, 200));
    reader.drain((v, off) => seen(v.getBigUint64(off, true)));
    sub.close();
    return done(wall);
  }
  // The iterator ends when the reader is closed: once the workload has exited and the ring is drained.
  void run.then(() => setTimeout(() => reader.close(), 200));
  for await (const seq of reader) seen(seq);
  return done(await run);

  function done(wall: number) {
    const produced = c.map<number, bigint>("seq").get(0)!;
    const dropped = c.map<number, bigint>("drops").get(0)!;
    return { consumed, produced, dropped, seconds: Number(end - first) / 1e9, workload: wall };
  }
}

export async function benchRingbuf(): Promise<void> {
  const k0 = await kernel();
  if (!k0.ok) {
    console.log(`ringbuf: skipped (${k0.reason})`);
    return;
  }
  const k = new Kernel(k0.sys);
  const bare = await workload();
  console.log(`ringbuf: workload ${(CALLS / 1e6).toFixed(1)} M getppid() calls, 64-byte record each, ring ${RING >> 20} MiB`);
  console.log(`ringbuf:   reference (nothing attached): ${(CALLS / bare / 1e6).toFixed(2)} M calls/s (${bare.toFixed(2)} s)`);
  for (const mode of ["push", "iterator"] as const) {
    const r = await traced(k, mode);
    const rate = r.consumed / r.seconds;
    const lost = Number(r.dropped) / Number(r.produced);
    console.log(`ringbuf:   ${mode === "push" ? "onRecords (push)" : "async iterator  "}: consumed ${r.consumed} of ${r.produced} produced, ` +
      `${(rate / 1e6).toFixed(2)} M records/s, lost ${r.dropped} (${(lost * 100).toFixed(3)}%), ` +
      `workload ${(CALLS / r.workload / 1e6).toFixed(2)} M calls/s (${(r.workload / bare).toFixed(2)}x the bare time)`);
  }
}
