// runtime/user event channels over a scripted EventBackend: typed decoding, batches and waits, the backlog kept
// across loops and drain(), the end on close, lost, and the errors. (The kernel tests run the same objects over a
// real ring buffer and perf event array.)

import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { type TypeDesc, codecOf, u32, u64 } from "../../core/object/layout.ts";
import { compile } from "../../compiler/index.ts";
import type { MapSpec } from "../../core/object/spec.ts";
import { SimCollection } from "../../runtime/interp/collection.ts";
import type { EventBackend } from "../../runtime/user/backend.ts";
import { objectsFromSpec } from "../../runtime/user/bind.ts";
import { PerfEventArray, RingBuffer } from "../../runtime/user/events.ts";
import { BIND } from "../../runtime/user/registry.ts";
import { simBackends } from "../../runtime/user/sim-backends.ts";
import { EVENTS_TRACER, type Ev as Sent, rawArgs } from "../support/user-checks.ts";

interface Ev {
  pid: number;
  comm: string;
  ts: bigint;
}
const evType: TypeDesc = { kind: "struct", name: "ev", fields: [{ name: "pid", type: u32 }, { name: "comm", type: { kind: "string", capacity: 8 } }, { name: "ts", type: u64 }] };
const codec = codecOf<Ev>(evType);
const spec: MapSpec = { name: "events", type: "ringbuf", keySize: 0, valueSize: 0, maxEntries: 4096, events: { type: evType, lostMap: "events.lost" } };
const ev = (i: number): Ev => ({ pid: i, comm: `p${i}`, ts: BigInt(i) * 1000n });

/** Records in a queue; every call logged; wait() resolves when records come or the channel closes. */
class ScriptedChannel implements EventBackend {
  readonly spec = spec;
  readonly records: Uint8Array[] = [];
  readonly calls: string[] = [];
  closed = false;
  dropped = 0n;
  #wake: (() => void) | undefined;

  push(...events: Ev[]): void {
    // Perf samples come padded: give every other record 4 bytes of padding.
    for (const e of events) {
      const bytes = codec.toBytes(e);
      const padded = new Uint8Array(bytes.length + (e.pid % 2) * 4);
      padded.set(bytes);
      this.records.push(padded);
    }
    this.#wake?.();
  }

  pushRaw(bytes: Uint8Array): void {
    this.records.push(bytes);
  }

  drain(onRecord: (view: DataView, offset: number, length: number) => void, limit = Infinity): number {
    let n = 0;
    // One shared buffer, reused for every record, as the kernel's mapping is: the decoder must copy.
    const shared = new Uint8Array(64);
    while (this.records.length && n < limit) {
      const r = this.records.shift()!;
      shared.fill(0xee);
      shared.set(r, 8);
      onRecord(new DataView(shared.buffer), 8, r.length);
      n++;
    }
    this.calls.push(`drain:${n}`);
    return n;
  }

  wait(): Promise<void> {
    this.calls.push("wait");
    if (this.closed || this.records.length) return Promise.resolve();
    return new Promise((resolve) => {
      this.#wake = () => {
        this.#wake = undefined;
        resolve();
      };
    });
  }

  lost(): bigint {
    return this.dropped;
  }

  close(): void {
    this.closed = true;
    this.#wake?.();
  }
}

function bound<E = Ev>(): { channel: RingBuffer<E>; backend: ScriptedChannel } {
  const channel = new RingBuffer<E>(4096);
  const backend = new ScriptedChannel();
  channel[BIND](spec, backend);
  return { channel, backend };
}

/** Settles `p` within `ms` or fails: a missed wakeup must fail the test, not hang it. */
async function within<T>(p: Promise<T>, ms = 1000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

test("for await yields typed events, decoded from the records (padding ignored)", async () => {
  const { channel, backend } = bound();
  backend.push(ev(1), ev(2), ev(3));
  const got: Ev[] = [];
  await within((async () => {
    for await (const e of channel) {
      got.push(e);
      if (got.length === 3) break;
    }
  })());
  assert.equal(got, [ev(1), ev(2), ev(3)]);
  assert.equal(backend.calls, ["drain:3"], "one drain for the batch, no wait before the first");
});

test("after a batch, the iterator waits before draining again; a full batch drains again at once", async () => {
  const { channel, backend } = bound();
  const it = channel[Symbol.asyncIterator]();
  backend.push(ev(1));
  assert.equal(await within(it.next()), { done: false, value: ev(1) });
  const next = it.next();
  await new Promise((r) => setImmediate(r));
  assert.equal(backend.calls, ["drain:1", "wait"], "the last drain took less than a batch: wait (the backend may batch)");
  backend.push(ev(2));
  assert.equal(await within(next), { done: false, value: ev(2) });
  backend.calls.length = 0;
  backend.push(...Array.from({ length: 5000 }, (_, i) => ev(i)));
  for (let i = 0; i < 5000; i++) assert.is((await it.next()).value!.pid, i);
  assert.equal(backend.calls, ["wait", "drain:4096", "drain:904"], "a drain that hit the batch size drains again without waiting");
});

test("breaking out keeps the rest of the batch: the next loop or drain() gets it", async () => {
  const { channel, backend } = bound();
  backend.push(ev(1), ev(2), ev(3), ev(4));
  for await (const e of channel) if (e.pid === 2) break;
  backend.push(ev(5));
  assert.equal(channel.drain(), [ev(3), ev(4), ev(5)]);
  assert.equal(channel.drain(), []);
  backend.push(ev(6), ev(7));
  for await (const e of channel) if (e.pid === 6) break;
  const rest: Ev[] = [];
  for await (const e of channel) {
    rest.push(e);
    break;
  }
  assert.equal(rest, [ev(7)]);
});

test("drain(max) takes at most max events, the backlog first; the rest stays for the next drain", async () => {
  const { channel, backend } = bound();
  backend.push(ev(1), ev(2), ev(3), ev(4));
  for await (const e of channel) if (e.pid === 1) break;
  backend.push(ev(5), ev(6));
  assert.equal(channel.drain(2), [ev(2), ev(3)], "within the backlog");
  assert.equal(channel.drain(3), [ev(4), ev(5), ev(6)], "the backlog, then the buffer");
  backend.push(ev(7), ev(8), ev(9));
  assert.equal(channel.drain(0), []);
  assert.equal(channel.drain(2), [ev(7), ev(8)]);
  assert.equal(channel.drain(), [ev(9)]);
  assert.throws(() => channel.drain(-1), /^drain\(max\): max must be an integer >= 0, not -1$/);
  assert.throws(() => channel.drain(Number.NaN), /not NaN$/);
  assert.throws(() => channel.drain(1.5), /not 1\.5$/);
});

test("the loop ends when the channel closes, after the events that were there", async () => {
  const { channel, backend } = bound();
  const got: number[] = [];
  const loop = (async () => {
    for await (const e of channel) got.push(e.pid);
  })();
  backend.push(ev(1));
  await new Promise((r) => setImmediate(r));
  backend.push(ev(2));
  await new Promise((r) => setImmediate(r));
  backend.close();
  await within(loop);
  assert.equal(got, [1, 2]);
  const after = await within(channel[Symbol.asyncIterator]().next());
  assert.equal(after, { done: true, value: undefined });
});

test("lost is the backend's count; emit and output are kernel-only; a short record is an error", async () => {
  const { channel, backend } = bound();
  backend.dropped = 7n;
  assert.is(channel.lost, 7n);
  assert.throws(() => channel.emit(ev(1)), /^RingBuffer\.emit\(\) runs in probe handlers only; on the user side, read events with `for await/);
  assert.throws(() => new PerfEventArray().output(ev(1)), /^PerfEventArray\.output\(\) runs in probe handlers only/);
  backend.push(ev(1));
  backend.pushRaw(new Uint8Array(10));
  assert.throws(() => channel.drain(), /^events: a record of 10 bytes is shorter than the event type \(24 bytes\)$/);
  assert.equal(channel.drain(), [ev(1)], "what was decoded before the bad record is kept");
  const unbound = new RingBuffer(4096);
  await assertRejects(unbound[Symbol.asyncIterator]().next(), /this RingBuffer is not bound/);
  assert.throws(() => unbound.lost, /this RingBuffer is not bound/);
});

async function assertRejects(p: Promise<unknown>, re: RegExp): Promise<void> {
  const r = await p.then(() => "resolved", (e: Error) => e.message);
  assert.match(r, re);
}

test("a compiled tracer's events in the VM: typed, in order, both channel kinds; a full ring counts what it lost", async () => {
  const r = compile(join(dirname(fileURLToPath(import.meta.url)), "user-events.tracer.ts"), { text: EVENTS_TRACER });
  if (!r.spec) throw new Error(r.diagnostics.map((d) => `${d.code} ${d.message}`).join("\n"));
  const sim = new SimCollection(r.spec, { cpus: 2 });
  Object.assign(sim.env, { pid: 42, comm: "bash" });
  const program = r.spec.programs[0]!.name;
  const maps = objectsFromSpec(r.spec, simBackends(sim));
  const ring = maps.get("events") as RingBuffer<Sent>;
  const perf = maps.get("perf") as PerfEventArray<Sent>;
  for (let i = 0; i < 3; i++) {
    sim.env.cpu = i % 2;
    sim.run(program, rawArgs(i));
  }
  const got: Sent[] = [];
  await within((async () => {
    for await (const e of ring) if (got.push(e) === 3) break;
  })());
  assert.equal(got, [0n, 1n, 2n].map((v) => ({ pid: 42, comm: "bash", v })));
  assert.equal(perf.drain().map((e) => e.v).sort(), [1000n, 1001n, 1002n], "per-CPU buffers: any order across CPUs");
  for (let i = 0; i < 150; i++) sim.run(program, rawArgs(i));
  const fit = ring.drain();
  assert.ok(fit.length > 0 && fit.length < 150, `${fit.length} fit`);
  assert.equal(fit.map((e) => e.v), fit.map((_, i) => BigInt(i)));
  assert.is(ring.lost, BigInt(150 - fit.length));
});

test.run();
