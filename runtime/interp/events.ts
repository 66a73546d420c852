// Event channels in the VM: a ringbuf or perf_event_array MapSpec in; a mock channel out, which the simulated helpers
// write records into with the kernel's space accounting and errnos, and which tests and the user side read through
// the EventBackend interface (drain, wait, lost).
//
// Ring buffer (BPF_MAP_TYPE_RINGBUF, 5.8; kernel/bpf/ringbuf.c). One buffer for all CPUs of `maxEntries` bytes (a
// power of two and a multiple of the 4096-byte page). A record takes round_up(8 + size, 8) bytes: the 8-byte header
// and the payload rounded up to 8. Reserve fails when the producer would get more than size - 1 bytes ahead of the
// consumer (`new_prod_pos - cons_pos > mask` in __bpf_ringbuf_reserve), so a 4096-byte ring holds at most 4088
// bytes of records; discarded records keep their space until the consumer passes them. The consumer reads records
// in ring order (the order of reservation) and stops at the first one still reserved, as libbpf does: a record
// committed behind a reserved one waits for it. Reserved memory is zero-filled here (the kernel leaves old bytes).
//
// Perf event array (BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4.4; kernel/events/ring_buffer.c). One buffer per simulated CPU,
// as if a reader had opened a BPF_OUTPUT event on each (the spec's maxEntries 0 means one per CPU, as libbpf sets
// it). Each buffer holds `pages` × 4096 bytes (MapSpec.events.pages, else 64 pages, bpftrace's and the kernel
// reader's default). A sample takes 8 (perf_event_header) + round_up(4 + size, 8) bytes (u32 raw_size, then the data
// padded to 8, so raw_size includes up to 7 bytes of padding, delivered as the kernel reader delivers them). A record
// fits while the bytes in use plus its size stay below the buffer size (CIRC_SPACE leaves one byte free). A record
// that does not fit is dropped and counted in the buffer's `lost`; bpf_perf_event_output then returns -ENOSPC. The
// next record that fits is preceded by a PERF_RECORD_LOST of 24 bytes carrying that count, and must fit together
// with it (__perf_output_begin). The consumer reads the CPUs' buffers in CPU order.
//
// Lost events, each counted once. A compiled program counts every event a channel refused in the spec's lostMap (a
// per-CPU array of one u64), because the helper told it so: bpf_ringbuf_reserve returned NULL, bpf_ringbuf_output
// or bpf_perf_event_output a negative errno. The kernel keeps no count for ring buffers; for perf buffers it counts
// the same refusals again (PERF_RECORD_LOST). So `lost()` is the lostMap's sum over CPUs whenever the spec names a
// lostMap; only a perf array without one (a hand-assembled program) falls back to the buffer's own count of drops,
// and a ring buffer without one reports 0, as the kernel would. `dropped()` gives the buffer's own count regardless.
//
// `observe` reports every record as it is committed (ring: at submit; perf: at output), for simulate()'s per-run
// event lists; it consumes nothing. BPF_RB_NO_WAKEUP and BPF_RB_FORCE_WAKEUP are accepted and change nothing here:
// `wait()` resolves at every commit.

import type { MapSpec } from "../../core/object/spec.ts";
import type { EventBackend } from "../user/backend.ts";
import type { VmMap } from "./vm.ts";

/** errno values the helpers return (negated). */
export const ENOENT = 2, E2BIG = 7, EAGAIN = 11, EINVAL = 22, ENOSPC = 28, EOPNOTSUPP = 95;

const PAGE_SIZE = 4096;
/** BPF_RINGBUF_HDR_SZ: the record header (u32 len with the BUSY and DISCARD bits, u32 pg_off). */
export const RINGBUF_HDR_SZ = 8;
/** RINGBUF_MAX_RECORD_SZ (UINT_MAX / 4): len shares its u32 with the BUSY and DISCARD bits. */
const RINGBUF_MAX_RECORD_SZ = 0x3fffffff;
/** bpf_ringbuf_output/submit/discard flags. */
export const BPF_RB_NO_WAKEUP = 1n, BPF_RB_FORCE_WAKEUP = 2n;
/** bpf_ringbuf_query flags. */
export const BPF_RB_AVAIL_DATA = 0n, BPF_RB_RING_SIZE = 1n, BPF_RB_CONS_POS = 2n, BPF_RB_PROD_POS = 3n;
/** Data pages of each CPU's perf buffer when the spec does not say. */
export const DEFAULT_PERF_PAGES = 64;
/** struct perf_event_header. */
const PERF_HEADER_SZ = 8;
/** PERF_RECORD_LOST: struct { perf_event_header header; u64 id; u64 lost; } (no sample_id_all). */
export const PERF_LOST_RECORD_SZ = 24;
/** perf_event_header.size is a u16. */
const PERF_MAX_RECORD_SZ = 0xffff;

const roundUp8 = (n: number): number => Math.ceil(n / 8) * 8;
const isPowerOf2 = (n: number): boolean => Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
const viewOf = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);

/** Called with each record as it is committed: `length` bytes at `offset` of `view`, valid during the call. */
export type CommitListener = (view: DataView, offset: number, length: number) => void;

/** What both mock channels share: the EventBackend side (wait, close, observers) and the lost count. */
abstract class MockChannel implements EventBackend, VmMap, Disposable {
  readonly name: string;
  #closed = false;
  #waiters: (() => void)[] = [];
  readonly #observers = new Set<CommitListener>();

  constructor(readonly spec: MapSpec, private readonly counted: (() => bigint) | undefined) {
    this.name = spec.name;
  }

  get closed(): boolean {
    return this.#closed;
  }

  abstract drain(onRecord: (view: DataView, offset: number, length: number) => void, limit?: number): number;
  /** Records the consumer could take now (or skip, for discarded ones). */
  protected abstract ready(): boolean;
  /** What the buffer itself dropped, when no program counted it. */
  protected abstract uncounted(): bigint;

  /** Resolves at once if records are waiting or the channel is closed, otherwise at the next commit or at close. */
  wait(): Promise<void> {
    if (this.#closed || this.ready()) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Events the programs could not send: see the file comment. */
  lost(): bigint {
    return this.counted ? this.counted() : this.uncounted();
  }

  /** Calls `listener` with every record committed from now on; returns the function that stops it. */
  observe(listener: CommitListener): () => void {
    this.#observers.add(listener);
    return () => this.#observers.delete(listener);
  }

  /** Ends consumption: waits resolve, drains deliver nothing. Programs may still write (as into an unread buffer). */
  close(): void {
    this.#closed = true;
    this.wake();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  protected committed(bytes: Uint8Array): void {
    for (const f of this.#observers) f(viewOf(bytes), 0, bytes.length);
    this.wake();
  }

  private wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const resolve of waiters) resolve();
  }
}

/** A ring buffer record from reserve to consumption. */
export interface RingRecord {
  readonly ring: MockRingBuffer;
  /** producer_pos when it was reserved. */
  readonly pos: number;
  /** Bytes of ring it takes: round_up(8 + size, 8). */
  readonly span: number;
  /** The payload, exactly the reserved size: the memory the program writes. */
  readonly bytes: Uint8Array;
  state: "reserved" | "committed" | "discarded";
}

export interface MockChannelOptions {
  /** Sum over CPUs of the spec's lostMap, read on every `lost()`; absent when the spec names none. */
  readonly lostCount?: () => bigint;
}

/** BPF_MAP_TYPE_RINGBUF, simulated: see the file comment. */
export class MockRingBuffer extends MockChannel {
  /** Data size in bytes (max_entries). */
  readonly capacity: number;
  private consumerPos = 0;
  private producerPos = 0;
  /** Every record from consumer_pos to producer_pos, in ring order. */
  private readonly records: RingRecord[] = [];
  private refused = 0;

  constructor(spec: MapSpec, opts: MockChannelOptions = {}) {
    super(spec, opts.lostCount);
    const what = `map ${spec.name} (ringbuf)`;
    if (spec.type !== "ringbuf") throw new Error(`${what}: a ${spec.type} map is not a ring buffer`);
    // ringbuf_map_alloc: key and value sizes 0, max_entries a power of two and page-aligned, or EINVAL.
    if (spec.keySize !== 0 || spec.valueSize !== 0) throw new Error(`${what}: key_size and value_size must be 0 (the kernel says EINVAL)`);
    if (!isPowerOf2(spec.maxEntries) || spec.maxEntries % PAGE_SIZE !== 0) {
      throw new Error(`${what}: max_entries ${spec.maxEntries} must be a power of two and a multiple of ${PAGE_SIZE} (the kernel says EINVAL)`);
    }
    this.capacity = spec.maxEntries;
  }

  /** Bytes between the consumer and the producer: records reserved, committed or discarded and not yet consumed. */
  get used(): number {
    return this.producerPos - this.consumerPos;
  }

  /** How many reserves and outputs failed for lack of space (the kernel keeps no such count). */
  dropped(): number {
    return this.refused;
  }

  /** __bpf_ringbuf_reserve: a record of `size` bytes at the producer position, or undefined when it does not fit. */
  reserve(size: number): RingRecord | undefined {
    if (size > RINGBUF_MAX_RECORD_SZ) return this.refuse();
    const span = roundUp8(size + RINGBUF_HDR_SZ);
    if (span > this.capacity) return this.refuse();
    const mask = this.capacity - 1;
    const next = this.producerPos + span;
    // The oldest record not yet committed; the kernel tracks it as pending_pos (6.8+). Never behind consumer_pos,
    // since the consumer stops at it, so the first test decides; both are there to mirror the kernel.
    const pending = this.records.find((r) => r.state === "reserved")?.pos ?? this.producerPos;
    if (next - this.consumerPos > mask || next - pending > mask) return this.refuse();
    const rec: RingRecord = { ring: this, pos: this.producerPos, span, bytes: new Uint8Array(size), state: "reserved" };
    this.records.push(rec);
    this.producerPos = next;
    return rec;
  }

  /** bpf_ringbuf_submit / bpf_ringbuf_discard of a reserved record. */
  commit(rec: RingRecord, discard: boolean): void {
    if (rec.ring !== this || rec.state !== "reserved") throw new Error(`ring buffer ${this.name}: record at ${rec.pos} is not reserved`);
    rec.state = discard ? "discarded" : "committed";
    if (!discard) this.committed(rec.bytes);
  }

  /** bpf_ringbuf_output: reserve, copy, submit; 0, or -EINVAL for unknown flags, -EAGAIN when the ring is full. */
  output(data: Uint8Array, flags: bigint): number {
    if ((flags & ~(BPF_RB_NO_WAKEUP | BPF_RB_FORCE_WAKEUP)) !== 0n) return -EINVAL;
    const rec = this.reserve(data.length);
    if (!rec) return -EAGAIN;
    rec.bytes.set(data);
    this.commit(rec, false);
    return 0;
  }

  /** bpf_ringbuf_query; unknown flags give 0. */
  query(flags: bigint): bigint {
    switch (flags) {
      case BPF_RB_AVAIL_DATA: return BigInt(this.producerPos - this.consumerPos);
      case BPF_RB_RING_SIZE: return BigInt(this.capacity);
      case BPF_RB_CONS_POS: return BigInt(this.consumerPos);
      case BPF_RB_PROD_POS: return BigInt(this.producerPos);
      default: return 0n;
    }
  }

  /**
   * Consumes records in ring order up to the first one still reserved, calling `onRecord` for each committed one
   * (discarded ones are passed over), at most `limit` of them; returns how many. A record counts as consumed before
   * `onRecord` runs, so one that throws is not delivered again.
   */
  drain(onRecord: (view: DataView, offset: number, length: number) => void, limit = Infinity): number {
    if (this.closed) return 0;
    let delivered = 0;
    while (delivered < limit) {
      const rec = this.records[0];
      if (!rec || rec.state === "reserved") break;
      this.records.shift();
      this.consumerPos += rec.span;
      if (rec.state === "discarded") continue;
      delivered++;
      onRecord(viewOf(rec.bytes), 0, rec.bytes.length);
    }
    return delivered;
  }

  protected ready(): boolean {
    const head = this.records[0];
    return head !== undefined && head.state !== "reserved";
  }

  protected uncounted(): bigint {
    return 0n;
  }

  private refuse(): undefined {
    this.refused++;
    return undefined;
  }
}

type PerfRecord = { readonly kind: "sample"; readonly raw: Uint8Array } | { readonly kind: "lost"; readonly count: number };

/** One CPU's perf buffer. */
interface PerfCpuBuffer {
  /** data_head - data_tail. */
  used: number;
  readonly records: PerfRecord[];
  /** rb->lost: drops not yet reported by a PERF_RECORD_LOST. */
  unreported: number;
  /** Every drop so far. */
  dropped: number;
}

export interface MockPerfEventArrayOptions extends MockChannelOptions {
  /** Simulated CPUs: one buffer each (default 4). */
  readonly cpus?: number;
}

/** Space a sample of `size` bytes takes in a perf buffer, and the raw_size its record reports. */
export function perfSampleSize(size: number): { record: number; raw: number } {
  const padded = roundUp8(4 + size);
  return { record: PERF_HEADER_SZ + padded, raw: padded - 4 };
}

/** BPF_MAP_TYPE_PERF_EVENT_ARRAY, simulated: see the file comment. */
export class MockPerfEventArray extends MockChannel {
  readonly cpus: number;
  /** max_entries, with 0 meaning one per CPU. */
  readonly entries: number;
  readonly pages: number;
  /** Bytes of each CPU's buffer: pages × 4096. */
  readonly bufferSize: number;
  private readonly buffers: PerfCpuBuffer[];

  constructor(spec: MapSpec, opts: MockPerfEventArrayOptions = {}) {
    super(spec, opts.lostCount);
    const what = `map ${spec.name} (perf_event_array)`;
    if (spec.type !== "perf_event_array") throw new Error(`${what}: a ${spec.type} map is not a perf event array`);
    if (spec.keySize !== 4 || spec.valueSize !== 4) throw new Error(`${what}: key_size and value_size must be 4 (the kernel says EINVAL)`);
    this.cpus = opts.cpus ?? 4;
    if (!Number.isInteger(this.cpus) || this.cpus < 1) throw new RangeError(`${what}: cpus must be a positive integer, got ${this.cpus}`);
    this.entries = spec.maxEntries || this.cpus;
    this.pages = spec.events?.pages ?? DEFAULT_PERF_PAGES;
    if (!isPowerOf2(this.pages)) throw new Error(`${what}: pages must be a power of two, got ${this.pages} (perf mmap says EINVAL)`);
    this.bufferSize = this.pages * PAGE_SIZE;
    this.buffers = Array.from({ length: Math.min(this.cpus, this.entries) }, () => ({ used: 0, records: [], unreported: 0, dropped: 0 }));
  }

  /** Bytes in use in `cpu`'s buffer (data_head - data_tail). */
  used(cpu: number): number {
    return this.buffer(cpu).used;
  }

  /** Samples the buffers refused for lack of space: on `cpu`, or on all CPUs. */
  dropped(cpu?: number): number {
    return cpu === undefined ? this.buffers.reduce((n, b) => n + b.dropped, 0) : this.buffer(cpu).dropped;
  }

  /**
   * __bpf_perf_event_output for a program on `cpu` writing to entry `index`: 0, -E2BIG (index ≥ max_entries),
   * -ENOENT (no buffer open there), -EOPNOTSUPP (another CPU's buffer), -ENOSPC (full: dropped and counted).
   */
  output(cpu: number, index: number, data: Uint8Array): number {
    if (index >= this.entries) return -E2BIG;
    const b = this.buffers[index];
    if (!b) return -ENOENT;
    if (index !== cpu) return -EOPNOTSUPP;
    const { record, raw } = perfSampleSize(data.length);
    if (record > PERF_MAX_RECORD_SZ) throw new RangeError(`perf event array ${this.name}: a record of ${record} bytes overflows perf_event_header.size (u16); not simulated`);
    const need = record + (b.unreported > 0 ? PERF_LOST_RECORD_SZ : 0);
    // ring_buffer_has_space: CIRC_SPACE(head, tail, size) = size - 1 - used must be at least the record.
    if (b.used + need > this.bufferSize - 1) {
      b.unreported++;
      b.dropped++;
      return -ENOSPC;
    }
    if (b.unreported > 0) {
      b.records.push({ kind: "lost", count: b.unreported });
      b.unreported = 0;
    }
    const bytes = new Uint8Array(raw);
    bytes.set(data);
    b.records.push({ kind: "sample", raw: bytes });
    b.used += need;
    this.committed(bytes);
    return 0;
  }

  /**
   * Consumes every CPU's buffer in CPU order, calling `onRecord` with each sample's raw data (raw_size bytes,
   * padding included), at most `limit` of them; PERF_RECORD_LOST records are consumed and not delivered.
   */
  drain(onRecord: (view: DataView, offset: number, length: number) => void, limit = Infinity): number {
    if (this.closed) return 0;
    let delivered = 0;
    for (const b of this.buffers) {
      while (delivered < limit) {
        const rec = b.records.shift();
        if (!rec) break;
        if (rec.kind === "lost") {
          b.used -= PERF_LOST_RECORD_SZ;
          continue;
        }
        b.used -= PERF_HEADER_SZ + 4 + rec.raw.length;
        delivered++;
        onRecord(viewOf(rec.raw), 0, rec.raw.length);
      }
    }
    return delivered;
  }

  protected ready(): boolean {
    return this.buffers.some((b) => b.records.some((r) => r.kind === "sample"));
  }

  protected uncounted(): bigint {
    return BigInt(this.dropped());
  }

  private buffer(cpu: number): PerfCpuBuffer {
    const b = this.buffers[cpu];
    if (!b) throw new RangeError(`perf event array ${this.name}: no buffer for CPU ${cpu} (${this.buffers.length} buffers)`);
    return b;
  }
}
