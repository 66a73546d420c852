// runtime/kernel/perfbuf: the perf buffer consumer against fake BPF_OUTPUT events (fake-sys.ts): setup order and
// attr, raw_size padding, LOST records, wrapped records, wakeups that consume readiness, iteration, push, release.

import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  PERF_EVENT_IOC_DISABLE, PERF_EVENT_IOC_ENABLE, PerfBufferReader, type PerfBufferOptions, type SampleHandler,
} from "../../runtime/kernel/perfbuf.ts";
import { PERF_FLAG_FD_CLOEXEC, PROT_READ, PROT_WRITE, SysError } from "../../runtime/kernel/sys.ts";
import { FakeSys, pattern, type FakeSysOptions } from "../support/fake-sys.ts";

interface Sample {
  cpu: number;
  bytes: Uint8Array;
}

function setup(options: Partial<PerfBufferOptions<Uint8Array>> = {}, sysOptions: FakeSysOptions = {}) {
  const sys = new FakeSys(sysOptions);
  const map = new Map<number, number>();
  const deleted: number[] = [];
  const reader = new PerfBufferReader(sys, {
    cpus: [0, 1],
    pages: 2,
    updateMap: (cpu, fd) => map.set(cpu, fd),
    deleteFromMap: (cpu) => {
      deleted.push(cpu);
      map.delete(cpu);
    },
    ...options,
  });
  return { sys, reader, map, deleted, ev: (cpu: number) => sys.perfEvent(cpu) };
}

const into = (out: Sample[]): SampleHandler => (view, offset, length, cpu) => {
  out.push({ cpu, bytes: new Uint8Array(view.buffer, view.byteOffset + offset, length).slice() });
};

/** What the reader hands out for a payload: the payload followed by the kernel's padding (0xee in the fake). */
const padded = (payload: Uint8Array): Uint8Array => {
  const out = new Uint8Array(((payload.length + 4 + 7) & ~7) - 4).fill(0xee);
  out.set(payload);
  return out;
};

const released = (sys: FakeSys) => {
  assert.equal(sys.leaks(), []);
  assert.equal(sys.misuse, []);
};

test("opens a BPF_OUTPUT event per CPU, maps it, watches it before the fd reaches the map, then enables it", () => {
  const sys = new FakeSys();
  const order: string[] = [];
  const reader = new PerfBufferReader(sys, {
    cpus: [0, 3],
    pages: 4,
    updateMap: (cpu, fd) => {
      const ev = sys.perfEvent(cpu);
      assert.is(ev.fd, fd);
      assert.is(sys.watchers(fd).length, 1, "registered with epoll first");
      assert.ok(ev.buffer, "mapped first");
      order.push(`map ${cpu}`);
    },
  });
  assert.equal(order, ["map 0", "map 3"]);
  for (const [i, ev] of sys.perfEvents.entries()) {
    const a = ev.attrView;
    assert.is(a.getUint32(0, true), 1, "PERF_TYPE_SOFTWARE");
    assert.is(a.getUint32(4, true), ev.attr.length, "size = the attr size passed");
    assert.is(a.getBigUint64(8, true), 10n, "PERF_COUNT_SW_BPF_OUTPUT");
    assert.is(a.getBigUint64(24, true), 1n << 10n, "PERF_SAMPLE_RAW");
    assert.is(a.getBigUint64(40, true), 0n, "no flags: no watermark");
    assert.is(a.getUint32(48, true), 1, "wakeup_events");
    assert.is(ev.cpu, [0, 3][i]);
    assert.is(ev.flags, PERF_FLAG_FD_CLOEXEC);
    assert.ok(ev.enabled);
  }
  assert.equal(sys.mappings.map((m) => [m.offset, m.length, m.prot]), [
    [0, 4096 * 5, PROT_READ | PROT_WRITE],
    [0, 4096 * 5, PROT_READ | PROT_WRITE],
  ]);
  assert.equal(sys.ioctls.map((c) => c.request), [PERF_EVENT_IOC_ENABLE, PERF_EVENT_IOC_ENABLE]);
  assert.equal([...reader.fds.keys()], [0, 3]);
  reader.close();
});

test("wakeupWatermark sets the watermark bit and wakeup_watermark", () => {
  const { sys, reader } = setup({ wakeupWatermark: 4096 });
  const a = sys.perfEvents[0]!.attrView;
  assert.is(a.getBigUint64(40, true), 1n << 14n);
  assert.is(a.getUint32(48, true), 4096);
  reader.close();
});

test("samples from every CPU come out with raw_size counting the padding; data_tail ends at data_head", () => {
  const { ev, reader } = setup();
  const sent: Sample[] = [];
  for (let i = 0; i < 40; i++) {
    const cpu = i % 2;
    const p = pattern(i, (i * 7) % 50 + 1);
    assert.ok(ev(cpu).sample(p));
    sent.push({ cpu, bytes: padded(p) });
  }
  const got: Sample[] = [];
  assert.is(reader.drain(into(got)), 40);
  const byCpu = (s: Sample[], cpu: number) => s.filter((x) => x.cpu === cpu);
  assert.equal(byCpu(got, 0), byCpu(sent, 0));
  assert.equal(byCpu(got, 1), byCpu(sent, 1));
  for (const cpu of [0, 1]) assert.is(ev(cpu).dataTail, ev(cpu).dataHead);
  const bytes = sent.reduce((n, s) => n + s.bytes.length, 0);
  assert.equal(reader.stats(), { read: 40, lost: 0, bytes });
  reader.close();
});

test("8 bytes of data arrive with raw_size 12, as on the kernel", () => {
  const { ev, reader } = setup();
  ev(0).sample(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8));
  const lengths: number[] = [];
  reader.drain((_v, _o, n) => void lengths.push(n));
  assert.equal(lengths, [12]);
  reader.close();
});

test("LOST records are counted, reported per CPU, and the samples around them delivered", () => {
  const lostCalls: [number, number][] = [];
  const { ev, reader } = setup({ pages: 1, onLost: (n, cpu) => void lostCalls.push([n, cpu]) });
  let written = 0;
  for (let i = 0; i < 45; i++) if (ev(1).sample(pattern(i, 100))) written++; // 112-byte records, 4096-byte buffer
  assert.is(written, 36);
  assert.is(ev(1).lostTotal, 9);
  const got: Sample[] = [];
  assert.is(reader.drain(into(got)), 36);
  assert.is(reader.stats().lost, 0, "the kernel reports the loss with the next record it can write");
  assert.ok(ev(1).sample(pattern(100, 100)));
  assert.is(reader.drain(into(got)), 1);
  assert.equal(got[36]!.bytes, padded(pattern(100, 100)));
  assert.is(reader.stats().lost, 9);
  assert.equal(lostCalls, [[9, 1]]);
  assert.is(ev(1).dataTail, ev(1).dataHead);
  reader.close();
});

test("records that wrap around the end of the buffer are reassembled, at positions beyond 2^53", () => {
  const { ev, reader } = setup({ pages: 1 });
  const base = 1n << 60n; // a multiple of the 4096-byte data size
  const cases = [
    { at: 4040n, len: 100 }, // header before the end, raw data across it
    { at: 4088n, len: 60 }, // header in the last 8 bytes, everything after it at the start
    { at: 4080n, len: 3 }, // the raw_size word itself after the end
  ];
  for (const c of cases) {
    ev(0).seek(base + c.at);
    const p = pattern(c.len, c.len);
    ev(0).sample(p);
    ev(0).sample(pattern(7, 9)); // and the next one, after the wrap
    const got: Sample[] = [];
    assert.is(reader.drain(into(got)), 2);
    assert.equal(got.map((s) => s.bytes), [padded(p), padded(pattern(7, 9))], `record at ${c.at}`);
    assert.is(ev(0).dataTail, ev(0).dataHead);
  }
  reader.close();
});

test("before Linux 4.1 (data_offset = data_size = 0) the data starts at the second page", () => {
  const { ev, reader } = setup({ pages: 1 }, { oldPerfMmap: true });
  ev(0).seek(4000n);
  ev(0).sample(pattern(1, 200));
  const got: Sample[] = [];
  reader.drain(into(got));
  assert.equal(got.map((s) => s.bytes), [padded(pattern(1, 200))]);
  reader.close();
});

test("a limit or false stops the drain; the next one resumes with the same CPU's buffer", () => {
  const { ev, reader } = setup();
  for (let i = 0; i < 3; i++) ev(0).sample(pattern(i, 4));
  for (let i = 3; i < 5; i++) ev(1).sample(pattern(i, 4));
  const got: Sample[] = [];
  const keep = into(got);
  assert.is(reader.drain(keep, 2), 2);
  assert.ok(ev(0).dataTail < ev(0).dataHead);
  assert.is(ev(1).dataTail, 0n, "the second CPU untouched");
  assert.is(reader.drain((v, o, n, cpu) => (keep(v, o, n, cpu), cpu !== 1)), 2);
  assert.is(reader.drain(keep), 1);
  assert.equal(got.map((s) => [s.cpu, new DataView(s.bytes.buffer).getUint32(0, true)]), [[0, 0], [0, 1], [0, 2], [1, 3], [1, 4]]);
  reader.close();
});

test("one wakeup drains every CPU: epoll reports only the readiness it has not already consumed", async () => {
  const { sys, ev, reader } = setup({ cpus: [0, 1, 2] });
  const got: Sample[] = [];
  reader.onRecords(into(got));
  await sys.turns(3); // registered, and the drain after registration done
  const handle = sys.polls[0]!;
  const calls = handle.calls;
  ev(0).sample(pattern(0, 8));
  ev(2).sample(pattern(2, 8));
  await sys.turn();
  assert.is(handle.calls, calls + 1, "one callback");
  assert.equal(got.map((s) => s.cpu).sort(), [0, 2]);
  await sys.turns(2);
  assert.is(handle.calls, calls + 1, "and no spurious one: the reader emptied the epoll ready list");
  reader.close();
  released(sys);
});

test("samples whose readiness the poll registration consumed are still read (the drain after registering)", async () => {
  const { sys, ev, reader } = setup();
  const it = reader[Symbol.asyncIterator]();
  const first = it.next(); // empty: waits; the poll is registered on the next turn
  ev(1).sample(pattern(5, 8)); // ready before epoll_ctl(ADD), whose own check consumes it
  const r = await sys.settle(first, 4);
  assert.is(sys.polls[0]!.calls, 0, "epoll never reported it");
  assert.equal(r, { value: padded(pattern(5, 8)), done: false });
  reader.close();
  assert.equal(await sys.settle(it.next(), 0), { value: undefined, done: true });
  released(sys);
});

test("a wakeup that came while no consumer was attached does not strand its samples", async () => {
  const { sys, ev, reader } = setup();
  ev(0).sample(pattern(1, 4));
  const it = reader[Symbol.asyncIterator]();
  assert.equal(await sys.settle(it.next(), 0), { value: padded(pattern(1, 4)), done: false });
  await sys.settle(it.return(undefined), 0);
  assert.not.ok(sys.polls[0]!.refed, "idle: unref'd");
  ev(1).sample(pattern(2, 4));
  const calls = sys.polls[0]!.calls;
  await sys.turns(2);
  assert.is(sys.polls[0]!.calls, calls + 1, "the wakeup was reported, with nobody to drain");
  const got: Sample[] = [];
  reader.onRecords(into(got));
  assert.ok(sys.polls[0]!.refed);
  await sys.turns(2);
  assert.equal(got, [{ cpu: 1, bytes: padded(pattern(2, 4)) }]);
  reader.close();
  released(sys);
});

test("the async iterator yields decoded samples, waits for a wakeup, and ends on close", async () => {
  const sys = new FakeSys();
  const reader = new PerfBufferReader(sys, {
    cpus: [0, 1],
    pages: 1,
    updateMap: () => {},
    decode: (v, o, _n, cpu) => `${cpu}:${v.getUint32(o, true)}`,
  });
  const e = (cpu: number) => sys.perfEvent(cpu);
  e(0).sample(pattern(1, 4));
  e(1).sample(pattern(2, 4));
  e(0).sample(pattern(3, 4));
  const got: string[] = [];
  const it = reader[Symbol.asyncIterator]();
  for (let i = 0; i < 3; i++) got.push((await sys.settle(it.next(), 0)).value as string);
  assert.equal(got, ["0:1", "0:3", "1:2"]);
  const next = it.next();
  assert.ok(await sys.pending(next, 4), "waiting");
  e(1).sample(pattern(4, 4));
  assert.ok(await sys.pending(next, 0), "until the poll reports the wakeup");
  assert.equal(await sys.settle(next, 1), { value: "1:4", done: false });
  const last = it.next();
  assert.ok(await sys.pending(last, 1));
  reader.close();
  assert.equal(await sys.settle(last, 0), { value: undefined, done: true });
  released(sys);
});

test("onRecords: false defers the rest to the next turn, though no new readiness will come", async () => {
  const { sys, ev, reader } = setup();
  const got: Sample[] = [];
  const keep = into(got);
  const sub = reader.onRecords((v, o, n, cpu) => (keep(v, o, n, cpu), false));
  await sys.turns(3);
  for (let i = 0; i < 3; i++) ev(0).sample(pattern(i, 4));
  const counts: number[] = [];
  for (let t = 0; t < 4; t++) {
    await sys.turn();
    counts.push(got.length);
  }
  // The poll callback takes one, the check phase of the same loop iteration the next, the next iteration the last.
  assert.equal(counts, [2, 3, 3, 3]);
  assert.is(sys.polls[0]!.calls, 1, "one wakeup for the three samples");
  sub.close();
  sub[Symbol.dispose]();
  assert.not.ok(sys.polls[0]!.refed, "an idle reader does not hold the process");
  ev(0).sample(pattern(9, 4));
  await sys.turns(3);
  assert.is(got.length, 3, "nothing after the subscription closed");
  reader.close();
  released(sys);
});

test("close disables, unmaps and closes every fd exactly once, deletes the map entries, and stops polling", async () => {
  const { sys, reader, map, deleted } = setup({ cpus: [0, 1, 2] });
  const sub = reader.onRecords(() => {});
  await sys.turn();
  const fds = sys.perfEvents.map((e) => e.fd);
  reader.close();
  reader[Symbol.dispose]();
  sub.close();
  assert.equal(deleted, [0, 1, 2]);
  assert.is(map.size, 0);
  assert.equal(sys.ioctls.filter((c) => c.request === PERF_EVENT_IOC_DISABLE).map((c) => c.fd), fds);
  assert.ok(sys.perfEvents.every((e) => !e.enabled));
  assert.equal(sys.mappings.map((m) => m.unmaps), [1, 1, 1]);
  assert.equal(sys.polls.map((p) => p.closes), [1]);
  assert.is(sys.closed.length, 4, "three perf fds and the epoll fd");
  assert.is(new Set(sys.closed).size, 4);
  assert.is(reader.drain(() => {}), 0);
  released(sys);
});

test("a failure while opening CPU 2 of 3 releases everything opened so far and reports the failure", () => {
  for (const [syscall, nth, deletedCpus] of [["mmap", 2, [0]], ["ioctl", 2, [0, 1]], ["perfEventOpen", 3, [0, 1]]] as const) {
    const sys = new FakeSys();
    const deleted: number[] = [];
    sys.failOn(syscall, nth, "ENOMEM");
    assert.throws(
      () => new PerfBufferReader(sys, { cpus: [0, 1, 2], pages: 1, updateMap: () => {}, deleteFromMap: (cpu) => void deleted.push(cpu) }),
      (e: unknown) => e instanceof SysError && e.code === "ENOMEM",
    );
    assert.equal(deleted, [...deletedCpus], `${syscall}: entries deleted`);
    released(sys);
  }
});

test("pages must be a power of 2", () => {
  const sys = new FakeSys();
  assert.throws(() => new PerfBufferReader(sys, { cpus: [0], pages: 3, updateMap: () => {} }), RangeError);
  released(sys);
});

test("wait(): resolves at a wakeup, at once for a wakeup that came between waits, and on close; unref'd when idle", async () => {
  const { sys, ev, reader } = setup();
  const got: Sample[] = [];
  const first = reader.wait();
  assert.is(reader.wait(), first, "concurrent waits share one");
  // The first wait drains once the poll is registered (readiness may have been consumed before): a spurious wakeup.
  await sys.settle(first, 4);
  assert.is(reader.drain(into(got)), 0);
  const second = reader.wait();
  assert.ok(await sys.pending(second, 3), "nothing written: waiting");
  assert.ok(sys.polls[0]!.refed, "a pending wait keeps the process alive");
  ev(1).sample(pattern(1, 4));
  await sys.settle(second, 2);
  assert.not.ok(sys.polls[0]!.refed, "idle again: unref'd");
  // A sample whose wakeup comes while nobody waits (the consumer is busy with the last batch) is not stranded.
  ev(0).sample(pattern(2, 4));
  await sys.turns(2);
  await sys.settle(reader.wait(), 0);
  assert.is(reader.drain(into(got)), 2);
  assert.equal(got.map((g) => g.bytes), [padded(pattern(2, 4)), padded(pattern(1, 4))]);
  const last = reader.wait();
  assert.ok(await sys.pending(last, 2));
  reader.close();
  await sys.settle(last, 0);
  await sys.settle(reader.wait(), 0);
  released(sys);
});

test.run();
