// runtime/kernel/ringbuf: the BPF ring buffer consumer against a fake kernel producer (fake-sys.ts): order, wrap,
// BUSY and DISCARD records, consumer_pos publication and wakeups, early stops, iteration, push, release.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { RingBufferReader, type RecordHandler } from "../../runtime/kernel/ringbuf.ts";
import { PROT_READ, PROT_WRITE, SysError } from "../../runtime/kernel/sys.ts";
import { FakeSys, pattern } from "../support/fake-sys.ts";
import { waitFor } from "../support/wait.ts";

function setup(size = 4096, start = 0n) {
  const sys = new FakeSys();
  const rb = sys.ringbuf(size, start);
  const reader = new RingBufferReader(sys, rb.fd, size);
  return { sys, rb, reader };
}

/** A handler that copies each payload into `out`. */
const into = (out: Uint8Array[]): RecordHandler => (view, offset, length) => {
  out.push(new Uint8Array(view.buffer, view.byteOffset + offset, length).slice());
};

const released = (sys: FakeSys) => {
  assert.equal(sys.leaks(), []);
  assert.equal(sys.misuse, []);
};

test("maps the consumer page read-write at 0 and the producer page + twice the data read-only after it", () => {
  const { sys, reader } = setup(8192);
  assert.equal(sys.mappings.map((m) => [m.offset, m.length, m.prot]), [
    [0, 4096, PROT_READ | PROT_WRITE],
    [4096, 4096 + 2 * 8192, PROT_READ],
  ]);
  reader.close();
});

test("sizes that are not a power-of-2 multiple of the page are refused before mapping anything", () => {
  const sys = new FakeSys();
  const rb = sys.ringbuf(4096);
  for (const size of [0, 2048, 4096 * 3, 5000]) assert.throws(() => new RingBufferReader(sys, rb.fd, size), RangeError);
  assert.is(sys.mappings.length, 0);
});

test("a failed producer mapping unmaps the consumer page", () => {
  const sys = new FakeSys();
  const rb = sys.ringbuf(4096);
  sys.failOn("mmap", 2);
  assert.throws(() => new RingBufferReader(sys, rb.fd, 4096), (e: unknown) => e instanceof SysError && e.code === "EPERM");
  assert.is(sys.mappings.length, 1);
  released(sys);
});

test("many records of varied sizes come out in order, and each drain leaves consumer_pos at producer_pos", () => {
  const { rb, reader } = setup(16384);
  const got: Uint8Array[] = [];
  const want: Uint8Array[] = [];
  let bytes = 0;
  for (let i = 0, round = 0; round < 60; round++) {
    for (let k = 0; k < 40; k++, i++) {
      const p = pattern(i, ((i * 13) % 97) + 1);
      assert.ok(rb.output(p), `record ${i} fits`);
      want.push(p);
      bytes += p.length;
    }
    assert.is(reader.drain(into(got)), 40);
    assert.is(rb.consumerPos, rb.producerPos);
  }
  assert.ok(rb.producerPos > 16384n * 4n, "the ring wrapped several times");
  assert.is(got.length, want.length);
  assert.equal(got, want);
  assert.equal(reader.stats(), { read: want.length, discarded: 0, bytes });
  reader.close();
});

test("a record that wraps around the end is contiguous through the double mapping, at positions beyond 2^53", () => {
  const start = (1n << 60n) - 96n; // ring offset 4000 of 4096
  const { rb, reader } = setup(4096, start);
  const a = pattern(1, 200); // header at 4000, payload 4008..4208: wraps
  const b = pattern(2, 30);
  rb.output(a);
  rb.output(b);
  const got: Uint8Array[] = [];
  const offsets: number[] = [];
  reader.drain((view, offset, length) => {
    offsets.push(offset);
    got.push(new Uint8Array(view.buffer, view.byteOffset + offset, length).slice());
  });
  assert.equal(got, [a, b]);
  assert.equal(offsets, [4008, 112 + 8], "the first record is read across the end, the second from the start");
  assert.is(rb.consumerPos, start + 208n + 40n);
  assert.is(rb.consumerPos, rb.producerPos);
  reader.close();
});

test("a BUSY record stops the drain at its position, its commit wakes the consumer, then the rest comes", () => {
  const { rb, reader } = setup();
  const [p0, p1, p2] = [pattern(0, 10), pattern(1, 16), pattern(2, 3)];
  rb.output(p0);
  const busy = rb.reserve(p1.length)!;
  rb.output(p2); // committed, but behind a record still being written
  const got: Uint8Array[] = [];
  assert.is(reader.drain(into(got)), 1);
  assert.equal(got, [p0]);
  assert.is(rb.consumerPos, busy.pos, "consumer_pos published at the BUSY record");
  assert.is(reader.drain(into(got)), 0, "still busy");
  const wakeups = rb.wakeups;
  busy.write(p1);
  busy.submit();
  assert.is(rb.wakeups, wakeups + 1, "the kernel wakes waiters only when consumer_pos is at the committed record");
  assert.is(reader.drain(into(got)), 2);
  assert.equal(got, [p0, p1, p2]);
  assert.is(rb.consumerPos, rb.producerPos);
  reader.close();
});

test("discarded records are skipped and counted, and their space is consumed", () => {
  const { rb, reader } = setup();
  rb.output(pattern(0, 8));
  const d = rb.reserve(40)!;
  d.write(pattern(99, 40));
  d.discard();
  rb.output(pattern(2, 8));
  const got: Uint8Array[] = [];
  assert.is(reader.drain(into(got)), 2);
  assert.equal(got, [pattern(0, 8), pattern(2, 8)]);
  assert.equal(reader.stats(), { read: 2, discarded: 1, bytes: 16 });
  assert.is(rb.consumerPos, rb.producerPos);
  reader.close();
});

test("returning false or reaching the limit stops after that record; the rest stays for the next drain", () => {
  const { rb, reader } = setup();
  const want = [0, 1, 2, 3, 4, 5].map((i) => pattern(i, 12));
  for (const p of want) rb.output(p);
  const got: Uint8Array[] = [];
  const keep = into(got);
  assert.is(reader.drain((v, o, n) => (keep(v, o, n), got.length < 2)), 2);
  assert.is(rb.consumerPos, 2n * 24n, "published up to the record that said stop");
  assert.is(reader.drain(keep, 3), 3);
  assert.is(rb.consumerPos, 5n * 24n);
  assert.is(reader.drain(keep), 1);
  assert.equal(got, want);
  assert.is(reader.drain(keep, 0), 0);
  reader.close();
});

test("a long drain gives space back to the producer before it ends, never past the record being read", () => {
  const { rb, reader } = setup(4096);
  for (let i = 0; i < 50; i++) rb.output(pattern(i, 64)); // 72 bytes each
  const seen: bigint[] = [];
  reader.drain(() => {
    seen.push(rb.consumerPos);
  });
  assert.is(seen.length, 50);
  assert.ok(seen.some((p) => p > 0n), "consumer_pos moved during the drain");
  assert.ok(seen.every((p, k) => p <= BigInt(k * 72)), "never beyond the record being delivered");
  assert.is(rb.consumerPos, 50n * 72n);
  reader.close();
});

test("a handler that throws consumes its record and the error propagates", () => {
  const { rb, reader } = setup();
  for (let i = 0; i < 3; i++) rb.output(pattern(i, 8));
  assert.throws(() => reader.drain((v, o) => {
    if (v.getUint32(o, true) === 1) throw new Error("bad record");
  }), /bad record/);
  assert.is(rb.consumerPos, 32n);
  const got: Uint8Array[] = [];
  reader.drain(into(got));
  assert.equal(got, [pattern(2, 8)]);
  reader.close();
});

test("the async iterator yields in order, waits for readiness, and drains to the end before waiting again", async () => {
  const sys = new FakeSys();
  const rb = sys.ringbuf(4096);
  const reader = new RingBufferReader(sys, rb.fd, 4096, { decode: (v, o) => v.getUint32(o, true) });
  const it = reader[Symbol.asyncIterator]();
  const first = it.next();
  assert.ok(await sys.pending(first, 3), "nothing to read: waiting");
  assert.is(sys.polls.filter((p) => p.closes === 0 && p.fd === rb.fd).length, 1, "waiting on the map fd");
  rb.output(pattern(1, 8));
  rb.output(pattern(2, 8));
  assert.ok(await sys.pending(first, 0), "records are read after the poll reports the fd readable");
  assert.equal(await sys.settle(first, 1), { value: 1, done: false });
  const polls = sys.polls.length;
  assert.equal(await sys.settle(it.next(), 0), { value: 2, done: false }, "the second record comes without waiting");
  assert.is(sys.polls.length, polls);
  const third = it.next();
  assert.ok(await sys.pending(third, 1));
  rb.output(pattern(3, 8));
  assert.equal(await sys.settle(third, 1), { value: 3, done: false });
  assert.is(sys.polls.filter((p) => p.closes !== 1).length, 0, "each wait's poll handle closed once");
  assert.is(rb.consumerPos, rb.producerPos);
  reader.close();
  assert.equal(await sys.settle(it.next(), 0), { value: undefined, done: true });
});

test("breaking out of the iterator keeps the remaining records for the next iterator; the default yields copies", async () => {
  const { sys, rb, reader } = setup();
  for (let i = 0; i < 4; i++) rb.output(pattern(i, 20));
  const got: Uint8Array[] = [];
  await sys.settle((async () => {
    for await (const rec of reader) {
      got.push(rec);
      if (got.length === 2) break;
    }
  })());
  assert.equal(got, [pattern(0, 20), pattern(1, 20)]);
  assert.not.ok(got[0]!.buffer === rb.producerArea, "a copy, not a view of the ring");
  // The batch already left the ring (consumer_pos moved); the next iterator yields the rest first.
  assert.is(rb.consumerPos, rb.producerPos);
  rb.output(pattern(4, 20));
  const rest: Uint8Array[] = [];
  await sys.settle((async () => {
    for await (const rec of reader) {
      rest.push(rec);
      if (rest.length === 3) break;
    }
  })());
  assert.equal(rest, [pattern(2, 20), pattern(3, 20), pattern(4, 20)]);
  reader.close();
  released(sys);
});

test("closing the reader ends an iterator that is waiting and closes its poll once", async () => {
  const { sys, reader } = setup();
  const it = reader[Symbol.asyncIterator]();
  const next = it.next();
  assert.ok(await sys.pending(next, 1));
  reader.close();
  assert.equal(await sys.settle(next, 0), { value: undefined, done: true });
  reader.close();
  released(sys);
  assert.is(sys.polls.length, 1);
});

test("a drain goes on while the producer keeps writing: it ends only when producer_pos stops moving", () => {
  const { rb, reader } = setup();
  rb.output(pattern(0, 8));
  const got: Uint8Array[] = [];
  const keep = into(got);
  reader.drain((v, o, n) => {
    keep(v, o, n);
    if (got.length < 5) rb.output(pattern(got.length, 8)); // committed while consumer_pos lags: no wakeup
  });
  assert.equal(got, [0, 1, 2, 3, 4].map((i) => pattern(i, 8)));
  assert.is(rb.consumerPos, rb.producerPos);
  assert.is(rb.wakeups, 1, "only the first commit woke anyone: the drain has to find the rest itself");
  reader.close();
});

test("onRecords (batchMs 0) drains every batch when the fd is readable; false defers the rest to the next turn", async () => {
  const { sys, rb, reader } = setup();
  const got: Uint8Array[] = [];
  const sub = reader.onRecords(into(got), { batchMs: 0 });
  for (let i = 0; i < 3; i++) rb.output(pattern(i, 8));
  assert.is(got.length, 0, "not delivered synchronously");
  await sys.turn();
  assert.is(got.length, 3);
  assert.is(rb.consumerPos, rb.producerPos);
  const second = await reader[Symbol.asyncIterator]().next().then(() => "resolved", (e: Error) => e.message);
  assert.match(second, /already has a consumer \(push\)/);
  sub.close();
  sub.close();
  assert.is(sys.polls[0]!.closes, 1);
  rb.output(pattern(3, 8));
  await sys.turn();
  assert.is(got.length, 3, "nothing after the subscription closed");

  // One record per turn: the level-triggered readiness brings the rest.
  const slow: Uint8Array[] = [];
  const keep = into(slow);
  reader.onRecords((v, o, n) => (keep(v, o, n), false), { batchMs: 0 });
  for (let i = 4; i < 6; i++) rb.output(pattern(i, 8));
  const counts: number[] = [];
  for (let t = 0; t < 4; t++) {
    await sys.turn();
    counts.push(slow.length);
  }
  assert.equal(counts, [1, 2, 3, 3], "one record per turn, until the ring is empty");
  assert.equal(slow, [3, 4, 5].map((i) => pattern(i, 8)));
  reader.close();
  released(sys);
});

test("onRecords batches: after a wakeup it stops polling and drains on a timer until the ring is empty", async () => {
  const { sys, rb, reader } = setup();
  const got: Uint8Array[] = [];
  // A batch interval long enough that no loaded machine lets it lapse between the turns below (2 ms did, under load 8).
  const sub = reader.onRecords(into(got), { batchMs: 250 });
  rb.output(pattern(0, 8));
  await sys.turn();
  assert.is(got.length, 1, "the first record after a quiet period comes at once");
  const live = () => sys.polls.filter((p) => p.closes === 0).length;
  assert.is(live(), 0, "no poll while batching: readiness is level-triggered");
  for (let i = 1; i < 50; i++) rb.output(pattern(i, 8));
  await sys.turn();
  assert.is(got.length, 1, "records during the batch interval wait for the timer");
  await waitFor(() => got.length >= 50, "the batch timer's drain").catch(() => undefined);
  assert.is(got.length, 50);
  await waitFor(() => live() === 1, "the poll re-armed").catch(() => undefined);
  assert.is(live(), 1, "an empty drain re-arms the poll");
  rb.output(pattern(50, 8));
  await sys.turn();
  assert.is(got.length, 51);
  sub.close();
  await new Promise((r) => setTimeout(r, 10));
  reader.close();
  released(sys);
});

test("close unmaps both mappings exactly once, stops polling, and leaves the map fd to its owner", async () => {
  const { sys, rb, reader } = setup();
  const got: Uint8Array[] = [];
  reader.onRecords(into(got));
  await sys.turn();
  reader.close();
  reader[Symbol.dispose]();
  assert.equal(sys.mappings.map((m) => m.unmaps), [1, 1]);
  assert.equal(sys.polls.map((p) => p.closes), [1]);
  assert.ok(sys.isOpen(rb.fd));
  assert.equal(sys.closed, []);
  assert.is(reader.drain(into(got)), 0);
  released(sys);
});

test("close from inside the handler stops the drain without touching the unmapped memory", () => {
  const { sys, rb, reader } = setup();
  for (let i = 0; i < 4; i++) rb.output(pattern(i, 8));
  let calls = 0;
  // The fake detaches unmapped buffers, so any later access by the reader would throw.
  const n = reader.drain(() => {
    if (++calls === 2) reader.close();
  });
  assert.is(n, 2);
  assert.is(calls, 2);
  released(sys);
});

test("wait(): after an empty drain it waits for readiness; after one that delivered, on a timer without polling", async () => {
  const { sys, rb, reader } = setup();
  const live = () => sys.polls.filter((p) => p.closes === 0).length;
  const got: Uint8Array[] = [];
  const first = reader.wait();
  assert.is(reader.wait(), first, "concurrent waits share one");
  assert.ok(await sys.pending(first, 3), "an empty ring: waiting");
  assert.is(live(), 1, "on the map fd");
  rb.output(pattern(0, 8));
  await sys.settle(first, 2);
  assert.is(live(), 0, "the poll closed once it fired");
  assert.is(reader.drain(into(got)), 1);
  // A 200 ms interval: two loop turns must not outlast it even on a loaded machine; then wait for the timer.
  const batched = reader.wait(200);
  assert.is(live(), 0, "the producer is busy: a timer, no poll (readiness is level-triggered)");
  for (let i = 1; i < 4; i++) rb.output(pattern(i, 8));
  assert.ok(await sys.pending(batched, 2), "records during the interval wait for the timer");
  const end = Date.now() + 10_000;
  while ((await sys.pending(batched, 1)) && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  assert.not.ok(await sys.pending(batched, 0), "the timer ends the wait");
  assert.is(reader.drain(into(got)), 3);
  assert.is(reader.drain(into(got)), 0);
  const idle = reader.wait(5);
  assert.is(live(), 1, "an empty drain: back to polling");
  reader.close();
  await sys.settle(idle, 0);
  await sys.settle(reader.wait(), 0);
  assert.equal(got, [0, 1, 2, 3].map((i) => pattern(i, 8)));
  released(sys);
});

test("wait() and an iterator exclude each other", async () => {
  const { sys, reader } = setup();
  const it = reader[Symbol.asyncIterator]();
  const next = it.next();
  assert.throws(() => reader.wait(), /already has a consumer \(iterator\)/);
  reader.close();
  await sys.settle(next, 0);
  const other = setup();
  const waiting = other.reader.wait();
  const refused = await other.reader[Symbol.asyncIterator]().next().then(() => "resolved", (e: Error) => e.message);
  assert.match(refused, /already has a consumer \(a pending wait\(\)\)/);
  other.reader.close();
  await other.sys.settle(waiting, 0);
  released(sys);
  released(other.sys);
});

test.run();
