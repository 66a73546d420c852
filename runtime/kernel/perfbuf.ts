// BPF_MAP_TYPE_PERF_EVENT_ARRAY (4.3) consumer: CPU indices in, one BPF_OUTPUT perf event and mmap'd buffer per
// CPU set up (the caller stores each fd in the map), the samples that bpf_perf_event_output wrote out (drain, push
// or async iteration). Protocol: kernel-abi.md §2.1, §2.2 and §3.2.

import {
  EPOLLIN, EPOLL_CTL_ADD, MAP_SHARED, PERF_FLAG_FD_CLOEXEC, PROT_READ, PROT_WRITE, type Mapping, type PollHandle,
  type Sys,
} from "./sys.ts";

/**
 * Receives one PERF_RECORD_SAMPLE's raw data: `view` bytes `[offset, offset + length)`, written on CPU `cpu`.
 * `length` is the kernel's raw_size, which **includes 0-7 bytes of padding** (the u32 size and the data are padded
 * together to 8 bytes), so a payload whose length matters must carry it. `view` is shared and zero-copy (or, for
 * a record that wrapped around the end of the buffer, a scratch copy) and is valid **only during the call**.
 * Return `false` to stop the drain after this sample; the rest stays for the next drain.
 */
export type SampleHandler = (view: DataView, offset: number, length: number, cpu: number) => void | boolean;

/** Turns one sample (same arguments and lifetime as `SampleHandler`) into a value that outlives the call. */
export type SampleDecoder<T> = (view: DataView, offset: number, length: number, cpu: number) => T;

export interface PerfBufferOptions<T> {
  /** The CPU indices to open a buffer for (normally every online CPU); each is also the fd's key in the map. */
  readonly cpus: readonly number[];
  /**
   * Stores `perfFd` in the PERF_EVENT_ARRAY at key `cpu` (BPF_MAP_UPDATE_ELEM); the reader makes no bpf() calls.
   * Called after the fd is mapped and watched, so nothing the program writes can be missed.
   */
  readonly updateMap: (cpu: number, perfFd: number) => void;
  /**
   * Removes the entry at `close()` (BPF_MAP_DELETE_ELEM, as libbpf's perf_buffer__free does). The map holds a
   * reference to the perf event, so without it the event outlives its fd and the program keeps writing samples
   * that nobody maps.
   */
  readonly deleteFromMap?: (cpu: number) => void;
  /** Data pages per CPU, a power of 2 (default 64). */
  readonly pages?: number;
  /**
   * Wake the reader once this many bytes are waiting (the watermark bit and wakeup_watermark) instead of after
   * every sample (wakeup_events = 1). Fewer wakeups, but samples below the watermark wait for more to come.
   */
  readonly wakeupWatermark?: number;
  /** Turns each sample into the value the async iterator yields; by default, a copy of the raw bytes. */
  readonly decode?: SampleDecoder<T>;
  /** Called for each PERF_RECORD_LOST: the kernel dropped `lost` samples on `cpu` because the buffer was full. */
  readonly onLost?: (lost: number, cpu: number) => void;
}

export interface PerfBufferStats {
  /** Samples delivered to a handler, decoder or iterator. */
  readonly read: number;
  /** Samples the kernel dropped for lack of space (sum of PERF_RECORD_LOST counts). */
  readonly lost: number;
  /** raw_size bytes delivered (padding included). */
  readonly bytes: number;
}

/** A push subscription made by `onRecords`. */
export interface SampleSubscription extends Disposable {
  close(): void;
}

/** perf_event_attr and perf ABI constants (§2.1, §3.2). */
export const PERF_TYPE_SOFTWARE = 1;
export const PERF_COUNT_SW_BPF_OUTPUT = 10;
export const PERF_SAMPLE_RAW = 1 << 10;
export const PERF_RECORD_LOST = 2;
export const PERF_RECORD_SAMPLE = 9;
export const PERF_EVENT_IOC_ENABLE = 0x2400;
export const PERF_EVENT_IOC_DISABLE = 0x2401;
/** The attr size we pass: VER0..VER8 are all accepted by kernels that know a larger struct. */
const ATTR_SIZE = 128;
const ATTR_FLAG_WATERMARK = 1n << 14n;
/** struct perf_event_mmap_page fields, as u64 indices. */
const DATA_HEAD = 1024 / 8, DATA_TAIL = 1032 / 8, DATA_OFFSET = 1040 / 8, DATA_SIZE = 1048 / 8;
const MMAP_PAGE_WORDS = 1088 / 8;
/** perf_event_header.size is a u16: no record is longer. */
const MAX_RECORD = 0xffff;

/** The BPF_OUTPUT software event of §2.2: every bpf_perf_event_output on the CPU becomes a raw sample. */
export function bpfOutputAttr(wakeupWatermark?: number): Uint8Array {
  const attr = new Uint8Array(ATTR_SIZE);
  const v = new DataView(attr.buffer);
  v.setUint32(0, PERF_TYPE_SOFTWARE, true);
  v.setUint32(4, ATTR_SIZE, true);
  v.setBigUint64(8, BigInt(PERF_COUNT_SW_BPF_OUTPUT), true);
  v.setBigUint64(16, 1n, true); // sample_period: every output is a sample (libbpf does the same)
  v.setBigUint64(24, BigInt(PERF_SAMPLE_RAW), true);
  if (wakeupWatermark !== undefined) {
    v.setBigUint64(40, ATTR_FLAG_WATERMARK, true);
    v.setUint32(48, wakeupWatermark, true);
  } else {
    v.setUint32(48, 1, true); // wakeup_events
  }
  return attr;
}

/** Copies a sample; the default decoder. */
export const copySample: SampleDecoder<Uint8Array> = (view, offset, length) =>
  new Uint8Array(view.buffer, view.byteOffset + offset, length).slice();

/** One CPU's event and buffer. */
interface CpuBuffer {
  readonly cpu: number;
  readonly fd: number;
  readonly mapping: Mapping;
  /** The mmap page as u64 words, for data_head (the kernel's) and data_tail (ours). */
  readonly meta: BigUint64Array;
  readonly data: DataView;
  readonly bytes: Uint8Array;
  readonly size: number;
  /** Whether `updateMap` stored the fd, so that `close()` knows which entries to delete. */
  inMap: boolean;
}

/**
 * Reads a BPF_MAP_TYPE_PERF_EVENT_ARRAY through one perf buffer per CPU. Opens and owns the perf events and an
 * epoll fd over them; `close()` releases them all.
 */
export class PerfBufferReader<T = Uint8Array> implements AsyncIterable<T>, Disposable {
  readonly #sys: Sys;
  readonly #buffers: CpuBuffer[] = [];
  readonly #epfd: number;
  readonly #decode: SampleDecoder<T>;
  readonly #onLost: ((lost: number, cpu: number) => void) | undefined;
  readonly #deleteFromMap: ((cpu: number) => void) | undefined;
  /** Records that wrap around the end of a buffer are copied here to be contiguous. */
  readonly #scratch = new Uint8Array(MAX_RECORD);
  readonly #scratchView = new DataView(this.#scratch.buffer);
  /** The buffer the next drain starts with: where an early stop left records behind. */
  #next = 0;
  /** Whether the last drain stopped before the end (`false` or `limit`). */
  #stoppedEarly = false;
  #read = 0;
  #lost = 0;
  #bytes = 0;
  #closed = false;
  #mode: "iterator" | "push" | undefined;
  /** The poll on the epoll fd: started with the first consumer, kept (unref'd while idle) until close. */
  #handle: PollHandle | undefined;
  /** The drain scheduled once the poll is registered; see `#watch`. */
  #arming: ReturnType<typeof setImmediate> | undefined;
  /** What a wakeup does: resolve the waiting iterator, or run the push drain. */
  #waiter: (() => void) | undefined;
  #push: { wake(): void; stop(): void } | undefined;
  /** The promise of the pending `wait()`, shared by concurrent callers. */
  #waiting: Promise<void> | undefined;
  /**
   * A wakeup came while nobody waited: the next `wait()` returns at once. The poll consumed that readiness, so it
   * would not be reported again, and the samples behind it would wait for the next one.
   */
  #missed = false;

  constructor(sys: Sys, options: PerfBufferOptions<T>) {
    const pages = options.pages ?? 64;
    if (!Number.isInteger(pages) || pages < 1 || (pages & (pages - 1)) !== 0) {
      throw new RangeError(`perf buffer pages ${pages} is not a power of 2`);
    }
    this.#sys = sys;
    this.#decode = options.decode ?? (copySample as unknown as SampleDecoder<T>);
    this.#onLost = options.onLost;
    this.#deleteFromMap = options.deleteFromMap;
    const page = sys.pageSize;
    const attr = bpfOutputAttr(options.wakeupWatermark);
    this.#epfd = sys.epollCreate();
    // Each step is undone by `#release` if a later one fails, so a failed constructor leaks nothing.
    const opened: number[] = [];
    let mapping: Mapping | undefined;
    try {
      for (const cpu of options.cpus) {
        const fd = sys.perfEventOpen(attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
        opened.push(fd);
        // Read-write: user space owns data_tail in the first page. (Overwritable, write_backward buffers would be
        // mapped read-only; we do not make those.)
        mapping = sys.mmap(page * (1 + pages), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        const meta = new BigUint64Array(mapping.buffer, 0, MMAP_PAGE_WORDS);
        // data_offset and data_size came in 4.1; before, the data starts at the second page and fills the rest.
        const offset = Number(meta[DATA_OFFSET]) || page;
        const size = Number(meta[DATA_SIZE]) || pages * page;
        this.#buffers.push({
          cpu, fd, mapping, meta,
          data: new DataView(mapping.buffer, offset, size),
          bytes: new Uint8Array(mapping.buffer, offset, size),
          size,
          inMap: false,
        });
        mapping = undefined;
        opened.pop();
        // Watch before the fd reaches the map: each perf poll consumes the readiness, and epoll reports nothing
        // for samples written before the fd was added (§3.2).
        sys.epollCtl(this.#epfd, EPOLL_CTL_ADD, fd, EPOLLIN);
        options.updateMap(cpu, fd);
        this.#buffers[this.#buffers.length - 1]!.inMap = true;
        sys.ioctl(fd, PERF_EVENT_IOC_ENABLE, 0);
      }
    } catch (e) {
      if (mapping) sys.munmap(mapping);
      for (const fd of opened) sys.close(fd);
      try {
        this.#release();
      } catch {
        // The first failure is the one worth reporting.
      }
      throw e;
    }
  }

  /** The perf event fd of each CPU, in the order given. */
  get fds(): ReadonlyMap<number, number> {
    return new Map(this.#buffers.map((b) => [b.cpu, b.fd]));
  }

  /**
   * Consumes every record in every CPU's buffer up to the data_head read when the drain reaches it, calling
   * `onSample` for each sample and counting PERF_RECORD_LOST; returns the number of samples delivered. Stops early
   * after `limit` deliveries or when `onSample` returns `false`; the next drain starts with that CPU's buffer. If
   * `onSample` throws, its record counts as consumed and the error propagates.
   *
   * data_tail is published once per CPU per drain (and every quarter of the buffer in a long one, to give space
   * back to the kernel, which drops samples and later writes a LOST record when the buffer is full). Unlike the
   * BPF ring buffer, perf wakeups do not depend on where the reader is (wakeup_events or the watermark decide), so
   * publishing later than libbpf does costs nothing but space.
   */
  drain(onSample: SampleHandler, limit = Infinity): number {
    this.#stoppedEarly = false;
    if (this.#closed || limit <= 0) return 0;
    const buffers = this.#buffers, n = buffers.length;
    let delivered = 0;
    for (let i = 0; i < n; i++) {
      const at = (this.#next + i) % n;
      delivered += this.#drainCpu(buffers[at]!, onSample, limit - delivered);
      if (this.#closed) break;
      if (this.#stoppedEarly) {
        this.#next = at;
        break;
      }
    }
    return delivered;
  }

  /**
   * Push consumption, the fast path: on every wakeup, drains all CPU buffers into `onSample` (no promise per
   * sample). A wakeup may stand for samples on any CPU (epoll reports one consumed readiness, not all of them),
   * so every buffer is read each time. When `onSample` returns `false` the drain resumes on the next event loop
   * turn: perf readiness was consumed by the poll and will not report those samples again. An error thrown by
   * `onSample` is not caught (it surfaces as an uncaught exception, as from an event emitter).
   */
  onRecords(onSample: SampleHandler): SampleSubscription {
    this.#claim("push");
    let again: ReturnType<typeof setImmediate> | undefined;
    const run = () => {
      again = undefined;
      this.drain(onSample);
      if (this.#stoppedEarly && !this.#closed && this.#push === push) again = setImmediate(run);
    };
    const push = {
      wake: () => {
        if (!again) run();
      },
      stop: () => {
        if (this.#push !== push) return;
        this.#push = undefined;
        this.#mode = undefined;
        if (again) clearImmediate(again);
        again = undefined;
        this.#handle?.unref();
      },
    };
    this.#push = push;
    try {
      this.#watch();
    } catch (e) {
      push.stop();
      throw e;
    }
    // Samples written before this call may have had their readiness consumed already (by an earlier consumer's
    // poll): read them now rather than at the next sample. Not synchronously: no callback from inside onRecords.
    again = setImmediate(run);
    return { close: push.stop, [Symbol.dispose]: push.stop };
  }

  /**
   * Yields every sample, decoded (a copy by default), CPU by CPU, waiting for a wakeup once all buffers are
   * empty; ends when the reader is closed. Takes one sample per step, so breaking out of the loop loses nothing.
   */
  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    this.#claim("iterator");
    const decode = this.#decode;
    let value: T | undefined;
    let got = false;
    const take: SampleHandler = (view, offset, length, cpu) => {
      value = decode(view, offset, length, cpu);
      got = true;
    };
    try {
      this.#watch();
      while (!this.#closed) {
        got = false;
        this.drain(take, 1);
        if (got) {
          const v = value as T;
          value = undefined;
          yield v;
        } else {
          // Drain and wait happen in one synchronous step, so no wakeup can fall between them.
          await new Promise<void>((resolve) => (this.#waiter = resolve));
        }
      }
    } finally {
      this.#waiter = undefined;
      if (this.#mode === "iterator") {
        this.#mode = undefined;
        this.#handle?.unref();
      }
    }
  }

  /**
   * For a consumer that drains by itself (drain, wait, drain, ...): resolves at the next wakeup, or at once if one
   * came since the last wait (between a drain and this call, say), or when the reader is closed. A spurious wakeup
   * is possible (the samples it stood for were drained already); the next drain then finds nothing. Concurrent calls
   * share one wait. Not while an iterator or a push subscription consumes the buffers: they wait by themselves.
   * The poll keeps the process alive only while a wait is pending.
   */
  wait(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    if (this.#waiting) return this.#waiting;
    if (this.#mode) throw new Error(`perf buffer reader already has a consumer (${this.#mode}); wait() is for a consumer that drains by itself`);
    if (this.#missed) {
      this.#missed = false;
      return Promise.resolve();
    }
    this.#waiting = new Promise<void>((resolve) => {
      this.#waiter = () => {
        this.#waiting = undefined;
        if (!this.#mode) this.#handle?.unref();
        resolve();
      };
    });
    try {
      this.#watch();
    } catch (e) {
      this.#waiter = undefined;
      this.#waiting = undefined;
      throw e;
    }
    return this.#waiting;
  }

  stats(): PerfBufferStats {
    return { read: this.#read, lost: this.#lost, bytes: this.#bytes };
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Stops polling, ends a waiting iterator, and for each CPU removes the map entry (when `deleteFromMap` was
   * given), disables the event, unmaps the buffer and closes the fd; then closes the epoll fd. Idempotent. If a
   * step throws, the rest is still released and the first error is rethrown.
   */
  /** Ends a pending `wait()` now; the reader stays open. */
  wake(): void {
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#push?.stop();
    if (this.#arming) clearImmediate(this.#arming);
    this.#arming = undefined;
    this.#handle?.close();
    this.#handle = undefined;
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.();
    this.#release();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  #release(): void {
    this.#closed = true;
    const sys = this.#sys;
    let first: unknown;
    const attempt = (fn: () => void) => {
      try {
        fn();
      } catch (e) {
        first ??= e;
      }
    };
    for (const b of this.#buffers) {
      const del = this.#deleteFromMap;
      if (del && b.inMap) attempt(() => del(b.cpu));
      attempt(() => sys.ioctl(b.fd, PERF_EVENT_IOC_DISABLE, 0));
      attempt(() => sys.munmap(b.mapping));
      attempt(() => sys.close(b.fd));
    }
    this.#buffers.length = 0;
    attempt(() => sys.close(this.#epfd));
    if (first !== undefined) throw first;
  }

  /** One CPU's buffer, from data_tail to the data_head read on entry. Sets #stoppedEarly. */
  #drainCpu(b: CpuBuffer, onSample: SampleHandler, limit: number): number {
    const meta = b.meta, size = b.size, mask = size - 1, publishEvery = size / 4, cpu = b.cpu;
    // load_acquire(data_head): the records below it are completely written.
    const head = Atomics.load(meta, DATA_HEAD);
    let tail = Atomics.load(meta, DATA_TAIL);
    let avail = Number(head - tail);
    if (avail <= 0) return 0;
    let start = Number(tail & BigInt(mask));
    let done = 0, delivered = 0, bytes = 0, lost = 0;
    try {
      while (done < avail) {
        const p = (start + done) & mask;
        // Records are 8-byte aligned and the data size a multiple of 8, so the header itself never wraps.
        let view = b.data, at = p;
        const type = view.getUint32(p, true);
        const recSize = view.getUint16(p + 6, true);
        if (recSize < 8 || recSize > avail - done) {
          // Not a record the kernel could have written; skip to data_head rather than loop or misparse.
          done = avail;
          break;
        }
        if (p + recSize > size) {
          view = this.#unwrap(b, p, recSize);
          at = 0;
        }
        done += recSize;
        if (type === PERF_RECORD_SAMPLE) {
          const raw = Math.min(view.getUint32(at + 8, true), recSize - 12);
          delivered++;
          bytes += raw;
          const r = onSample(view, at + 12, raw, cpu);
          if (this.#closed) return delivered;
          if (r === false || delivered >= limit) {
            this.#stoppedEarly = true;
            break;
          }
        } else if (type === PERF_RECORD_LOST) {
          // struct { header; u64 id; u64 lost; }
          const n = view.getUint32(at + 16, true) + view.getUint32(at + 20, true) * 2 ** 32;
          lost += n;
          this.#onLost?.(n, cpu);
          if (this.#closed) return delivered;
        }
        if (done >= publishEvery) {
          tail += BigInt(done);
          Atomics.store(meta, DATA_TAIL, tail); // store_release: frees the space for the kernel
          start = (start + done) & mask;
          avail -= done;
          done = 0;
        }
      }
    } finally {
      if (!this.#closed && done > 0) Atomics.store(meta, DATA_TAIL, tail + BigInt(done));
      this.#read += delivered;
      this.#bytes += bytes;
      this.#lost += lost;
    }
    return delivered;
  }

  /** Copies a record that runs past the end of the buffer (its two halves) into the scratch buffer. */
  #unwrap(b: CpuBuffer, p: number, recSize: number): DataView {
    const first = b.size - p;
    this.#scratch.set(b.bytes.subarray(p, b.size), 0);
    this.#scratch.set(b.bytes.subarray(0, recSize - first), first);
    return this.#scratchView;
  }

  /**
   * Watches the epoll fd, starting the poll with the first consumer and keeping it for the reader's life.
   *
   * Why not one poll per wait, as for the ring buffer: perf readiness is consumed by the check itself (perf_poll
   * is an xchg), and epoll checks a file twice when it is added (ep_insert, then again when reporting), or on
   * every check of a nested epoll fd. Readiness that is already pending when libuv adds the fd is therefore
   * consumed and never reported. So the poll is registered once, and one drain is scheduled for after the
   * registration: libuv adds fds at the start of its poll phase, and an immediate queued from the check phase
   * runs in the next loop iteration's check phase, after that iteration's poll phase.
   */
  #watch(): void {
    if (this.#handle) {
      this.#handle.ref();
      return;
    }
    this.#handle = this.#sys.poll(this.#epfd, () => {
      this.#flushReadiness();
      this.#wake();
    });
    this.#arming = setImmediate(() => {
      this.#arming = setImmediate(() => {
        this.#arming = undefined;
        this.#wake();
      });
    });
  }

  #wake(): void {
    if (this.#closed) return;
    const waiter = this.#waiter;
    if (waiter) {
      this.#waiter = undefined;
      waiter();
    } else if (this.#push) {
      this.#push.wake();
    } else {
      this.#missed = true;
    }
  }

  /** Empties the epoll ready list after a wakeup: the perf fds still on it had their readiness consumed (or are
   *  about to be drained anyway), and leaving them there would wake us again for nothing. */
  #flushReadiness(): void {
    this.#sys.epollWait(this.#epfd, Math.max(this.#buffers.length, 1), 0);
  }

  #claim(mode: "iterator" | "push"): void {
    if (this.#closed) throw new Error("perf buffer reader is closed");
    if (this.#mode) throw new Error(`perf buffer reader already has a consumer (${this.#mode}); use one at a time`);
    if (this.#waiting) throw new Error("perf buffer reader already has a consumer (a pending wait()); use one at a time");
    this.#mode = mode;
  }
}
