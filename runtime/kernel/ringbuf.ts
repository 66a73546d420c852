// BPF_MAP_TYPE_RINGBUF (5.8) consumer: a ring buffer map fd in, its committed records out (drain, push or async
// iteration), read zero-copy from the map's memory mapping. Protocol: kernel-abi.md §3.1.

import { MAP_SHARED, PROT_READ, PROT_WRITE, type Mapping, type PollHandle, type Sys } from "./sys.ts";

/**
 * Receives one record. The payload is `view` bytes `[offset, offset + length)`; `view` spans the whole mapped
 * data area and is shared by every record, so that delivering a record allocates nothing. It is a zero-copy
 * window on kernel memory and is valid **only during the call**: copy what you keep. Return `false` to stop
 * the drain after this record; the records behind it stay in the ring for the next drain.
 */
export type RecordHandler = (view: DataView, offset: number, length: number) => void | boolean;

/** Turns one record (same arguments and lifetime as `RecordHandler`) into a value that outlives the call. */
export type RecordDecoder<T> = (view: DataView, offset: number, length: number) => T;

export interface RingBufferOptions<T> {
  /** Turns each record into the value the async iterator yields; by default, a copy of the payload bytes. */
  readonly decode?: RecordDecoder<T>;
}

export interface RingBufferStats {
  /** Records delivered to a handler, decoder or iterator. */
  readonly read: number;
  /** Records the producer discarded (bpf_ringbuf_discard), skipped. */
  readonly discarded: number;
  /** Payload bytes delivered (headers and padding excluded). */
  readonly bytes: number;
}

/** A push subscription made by `onRecords`. */
export interface RecordSubscription extends Disposable {
  close(): void;
}

/** `struct bpf_ringbuf_hdr.len` flags (bpf.h BPF_RINGBUF_BUSY_BIT, BPF_RINGBUF_DISCARD_BIT) and header size. */
const DISCARD_BIT = 1 << 30;
const LEN_MASK = DISCARD_BIT - 1;
const HDR_SZ = 8;
/** Records an iterator takes off the ring at a time. */
const ITERATOR_BATCH = 256;

/** Copies a record; the default decoder, so that iterated values outlive the mapping's reuse. */
export const copyRecord: RecordDecoder<Uint8Array> = (view, offset, length) =>
  new Uint8Array(view.buffer, view.byteOffset + offset, length).slice();

/**
 * Reads a BPF_MAP_TYPE_RINGBUF map. One reader per map: the consumer position is shared with the kernel, and two
 * readers would each skip what the other consumed.
 */
export class RingBufferReader<T = Uint8Array> implements AsyncIterable<T>, Disposable {
  readonly #sys: Sys;
  readonly #mapFd: number;
  readonly #size: number;
  readonly #decode: RecordDecoder<T>;
  /** Bytes consumed before consumer_pos is published mid-drain; see `drain`. */
  readonly #publishEvery: number;
  readonly #consumerMap: Mapping;
  readonly #producerMap: Mapping;
  /** consumer_pos (u64 at byte 0 of the consumer page): ours to write, the kernel reads it. */
  readonly #consumerPos: BigUint64Array;
  /** producer_pos (u64 at byte 0 of the producer page): the kernel's, read-only here. */
  readonly #producerPos: BigUint64Array;
  /** The data pages, mapped twice back to back, as header words (for Atomics) and as bytes (for payloads). */
  readonly #words: Int32Array;
  readonly #data: DataView;
  #read = 0;
  #discarded = 0;
  #bytes = 0;
  #closed = false;
  /** The one consumer allowed at a time: an iterator, a push subscription, or none (manual drain). */
  #mode: "iterator" | "push" | undefined;
  /** Ends the push subscription; set while there is one. */
  #stopPush: (() => void) | undefined;
  /** What the iterator or a `wait()` is waiting for (a poll or a batching timer), and how to end it early. */
  #wait: { cancel: () => void; resolve: () => void } | undefined;
  /** The promise of the pending `wait()`, shared by concurrent callers. */
  #waiting: Promise<void> | undefined;
  /** Whether the last drain delivered records, i.e. the producer is busy: `wait()` then batches on a timer. */
  #busy = false;
  /** Records an iterator took off the ring but has not yielded yet (kept across iterators). */
  readonly #backlog: T[] = [];
  #backlogAt = 0;

  /** `size` is the map's max_entries: a power-of-2 multiple of the page size. */
  constructor(sys: Sys, mapFd: number, size: number);
  constructor(sys: Sys, mapFd: number, size: number, options: RingBufferOptions<T>);
  constructor(sys: Sys, mapFd: number, size: number, options: RingBufferOptions<T> = {}) {
    const page = sys.pageSize;
    if (!Number.isInteger(size) || size < page || size % page !== 0 || (size & (size - 1)) !== 0) {
      throw new RangeError(`ring buffer size ${size} is not a power-of-2 multiple of the page size (${page})`);
    }
    this.#sys = sys;
    this.#mapFd = mapFd;
    this.#size = size;
    this.#decode = options.decode ?? (copyRecord as unknown as RecordDecoder<T>);
    this.#publishEvery = size / 4;
    // The kernel refuses (EPERM) any writable mapping other than exactly the consumer page at offset 0.
    this.#consumerMap = sys.mmap(page, PROT_READ | PROT_WRITE, MAP_SHARED, mapFd, 0);
    try {
      this.#producerMap = sys.mmap(page + 2 * size, PROT_READ, MAP_SHARED, mapFd, page);
    } catch (e) {
      sys.munmap(this.#consumerMap);
      throw e;
    }
    this.#consumerPos = new BigUint64Array(this.#consumerMap.buffer, 0, 1);
    this.#producerPos = new BigUint64Array(this.#producerMap.buffer, 0, 1);
    this.#words = new Int32Array(this.#producerMap.buffer, page, (2 * size) / 4);
    this.#data = new DataView(this.#producerMap.buffer, page, 2 * size);
  }

  /**
   * Consumes every committed record, in order, calling `onRecord` for each one not discarded, and returns how
   * many it delivered. Stops early at a record still being written (BUSY), after `limit` deliveries, or when
   * `onRecord` returns `false`; what is left stays for the next call. If `onRecord` throws, its record counts
   * as consumed (a record that always throws would otherwise come back forever) and the error propagates.
   *
   * Positions are published to consumer_pos in batches, not after every record (each publication is a BigInt
   * add and a sequentially consistent store; batching is what makes the loop allocation-free). A batch ends:
   * - at the end of what producer_pos showed: then producer_pos is read again, and the drain only ends when it
   *   equals consumer_pos. The kernel wakes a waiter at commit only if consumer_pos equals the committed record's
   *   position, i.e. only for the first record after the consumer caught up, so the position must be published
   *   before the consumer sleeps, and producer_pos re-read after it (Atomics are SeqCst: that is the fence aya
   *   puts between the two) so a record reserved in between is not left behind;
   * - at a BUSY record, so that consumer_pos equals its position and its commit wakes the poller;
   * - every quarter of the ring, so that a long drain (or a slow handler) gives space back to the producer
   *   while it runs: space the consumer has read but not published is still full for the kernel, which drops
   *   records rather than wait;
   * - on an early stop or a throw. After `close()` from inside the handler nothing is published (the consumer
   *   page is gone) and the drain returns at once.
   */
  drain(onRecord: RecordHandler, limit = Infinity): number {
    if (this.#closed || limit <= 0) return 0;
    const words = this.#words, data = this.#data, producerPos = this.#producerPos, consumerPos = this.#consumerPos;
    const mask = this.#size - 1, publishEvery = this.#publishEvery;
    let cons = Atomics.load(consumerPos, 0);
    let start = Number(cons & BigInt(mask));
    let done = 0; // bytes consumed since `cons`, not yet published
    let delivered = 0, discarded = 0, bytes = 0;
    let more = true;
    try {
      while (more) {
        let avail = Number(Atomics.load(producerPos, 0) - cons);
        if (avail <= 0) break;
        while (done < avail) {
          const off = (start + done) & mask;
          // Pairs with the kernel's xchg() of len at commit: once BUSY is clear the payload is visible.
          const len = Atomics.load(words, off >> 2);
          if (len < 0) { // BUSY (bit 31): reserved, not committed. Everything behind it must wait.
            more = false;
            break;
          }
          const n = len & LEN_MASK;
          done += (n + HDR_SZ + 7) & ~7;
          if (len & DISCARD_BIT) {
            discarded++;
          } else {
            delivered++;
            bytes += n;
            // The double mapping makes a record that wraps contiguous: off + 8 + n < 2 * size.
            const r = onRecord(data, off + HDR_SZ, n);
            if (this.#closed) return delivered;
            if (r === false || delivered >= limit) {
              more = false;
              break;
            }
          }
          if (done >= publishEvery) {
            cons += BigInt(done);
            Atomics.store(consumerPos, 0, cons);
            start = (start + done) & mask;
            avail -= done;
            done = 0;
          }
        }
        if (done > 0) {
          cons += BigInt(done);
          Atomics.store(consumerPos, 0, cons);
          start = (start + done) & mask;
          done = 0;
        }
      }
    } finally {
      if (!this.#closed && done > 0) Atomics.store(consumerPos, 0, cons + BigInt(done));
      this.#busy = delivered > 0;
      this.#read += delivered;
      this.#discarded += discarded;
      this.#bytes += bytes;
    }
    return delivered;
  }

  /**
   * Push consumption, the fast path: drains everything to `onRecord` (no promise per record) whenever records
   * are there. Returning `false` stops the current batch; the rest comes with the next one. Close the
   * subscription (or the reader) to stop. An error thrown by `onRecord` is not caught (it surfaces as an uncaught
   * exception, as from an event emitter).
   *
   * Batching: the kernel wakes a waiting consumer on each commit that finds consumer_pos at the record, i.e.
   * every record when the consumer keeps up; at a million records a second those wakeups cost the producer more
   * than the records. So after a wakeup the reader stops polling and drains again every `batchMs` (default 1 ms)
   * for as long as records keep coming; only a drain that finds the ring empty re-arms the poll. The first record
   * after a quiet period is delivered at once; under load a record waits at most `batchMs`. `batchMs: 0` drains
   * on every readiness instead. (Readiness is level-triggered, so the poll must be closed, not just ignored,
   * while batching.)
   */
  onRecords(onRecord: RecordHandler, options: { readonly batchMs?: number } = {}): RecordSubscription {
    this.#claim("push");
    const batchMs = options.batchMs ?? 1;
    let handle: PollHandle | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const arm = () => {
      handle = this.#sys.poll(this.#mapFd, ready);
    };
    const ready = () => {
      if (stopped) return;
      if (batchMs > 0) {
        handle?.close();
        handle = undefined;
      }
      this.drain(onRecord);
      if (!stopped && batchMs > 0) timer = setTimeout(tick, batchMs);
    };
    const tick = () => {
      timer = undefined;
      if (stopped) return;
      const n = this.drain(onRecord);
      if (stopped) return;
      if (n > 0) timer = setTimeout(tick, batchMs);
      else arm();
    };
    const stop = () => {
      if (this.#stopPush !== stop) return;
      stopped = true;
      this.#stopPush = undefined;
      this.#mode = undefined;
      handle?.close();
      handle = undefined;
      if (timer) clearTimeout(timer);
    };
    this.#stopPush = stop;
    arm();
    return { close: stop, [Symbol.dispose]: stop };
  }

  /**
   * Yields every record, decoded (a copy by default), in order, waiting for the map fd to become readable when
   * the ring is empty; ends when the reader is closed. Records are taken off the ring in batches (up to 256),
   * decoded, and yielded one by one; breaking out of the loop keeps the decoded rest for the next iterator, so
   * nothing is lost (but a manual `drain()` does not see them). It waits only after a drain came back empty, i.e.
   * with consumer_pos published at producer_pos (or at a BUSY record), which is the state in which the kernel's
   * commit wakes us.
   */
  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    this.#claim("iterator");
    const decode = this.#decode;
    const queue = this.#backlog;
    const take: RecordHandler = (view, offset, length) => {
      queue.push(decode(view, offset, length));
    };
    try {
      while (!this.#closed) {
        if (this.#backlogAt >= queue.length) {
          queue.length = 0;
          this.#backlogAt = 0;
          if (this.drain(take, ITERATOR_BATCH) === 0) {
            await this.#readable();
            continue;
          }
        }
        yield queue[this.#backlogAt++]!;
      }
    } finally {
      this.#wait?.cancel();
      this.#wait = undefined;
      if (this.#mode === "iterator") this.#mode = undefined;
    }
  }

  /**
   * For a consumer that drains by itself (drain, wait, drain, ...): resolves when records may be waiting, with the
   * batching of `onRecords`. After a drain that delivered records, it resolves in `batchMs` (default 1 ms): the
   * producer is busy, and polling would cost it a wakeup per record. After a drain that found the ring empty, it
   * resolves when the map fd becomes readable: the drain left consumer_pos at producer_pos (or at a BUSY record),
   * the state in which the kernel's next commit wakes us. Resolves at once when the reader is closed, and when it
   * is closed during the wait. Concurrent calls share one wait. Not while an iterator or a push subscription
   * consumes the ring: they wait by themselves.
   */
  wait(batchMs = 1): Promise<void> {
    if (this.#closed) return Promise.resolve();
    if (this.#waiting) return this.#waiting;
    if (this.#mode) throw new Error(`ring buffer reader already has a consumer (${this.#mode}); wait() is for a consumer that drains by itself`);
    const done = () => {
      this.#waiting = undefined;
    };
    this.#waiting = (this.#busy && batchMs > 0 ? this.#sleep(batchMs) : this.#readable()).then(done);
    return this.#waiting;
  }

  /** Ends a pending `wait()` now (its poll or batching timer is cancelled); the reader stays open. */
  wake(): void {
    const wait = this.#wait;
    this.#wait = undefined;
    if (wait) {
      wait.cancel();
      wait.resolve();
    }
  }

  stats(): RingBufferStats {
    return { read: this.#read, discarded: this.#discarded, bytes: this.#bytes };
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Stops polling, ends a waiting iterator and unmaps the ring; idempotent. The map fd belongs to the caller and
   * stays open. Views handed out earlier must not be touched afterwards: the memory is gone.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopPush?.();
    const wait = this.#wait;
    this.#wait = undefined;
    if (wait) {
      wait.cancel();
      wait.resolve();
    }
    this.#sys.munmap(this.#producerMap);
    this.#sys.munmap(this.#consumerMap);
  }

  [Symbol.dispose](): void {
    this.close();
  }

  #claim(mode: "iterator" | "push"): void {
    if (this.#closed) throw new Error("ring buffer reader is closed");
    if (this.#mode) throw new Error(`ring buffer reader already has a consumer (${this.#mode}); use one at a time`);
    if (this.#waiting) throw new Error("ring buffer reader already has a consumer (a pending wait()); use one at a time");
    this.#mode = mode;
  }

  /** Resolves when the map fd is readable or the reader closes. One poll per wait: a handle left open while
   *  the iterator's consumer is busy would fire on every loop turn, since readiness is level-triggered. */
  #readable(): Promise<void> {
    return new Promise((resolve) => {
      let fired = false;
      const handle = this.#sys.poll(this.#mapFd, () => {
        if (fired) return;
        fired = true;
        handle.close();
        this.#wait = undefined;
        resolve();
      });
      this.#wait = { cancel: () => handle.close(), resolve };
    });
  }

  /** Resolves after `ms`, or when the reader closes. */
  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#wait = undefined;
        resolve();
      }, ms);
      this.#wait = { cancel: () => clearTimeout(timer), resolve };
    });
  }
}
