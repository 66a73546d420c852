// A fake Sys for the event-channel readers, and fake kernel producers: syscalls in, ArrayBuffers and fake fds
// out, with every mapping, fd and poll handle recorded so tests can check that each is released exactly once.
// The producers write BPF ring buffer and perf buffer records byte for byte as the kernel does (kernel-abi.md
// §3.1, §3.2), and polling follows epoll's rules closely enough to lose the wakeups a careless reader loses.

import {
  EPOLLIN, EPOLL_CTL_ADD, EPOLL_CTL_DEL, ERRNO, PROT_WRITE, SysError, type EpollEvent, type ErrnoName, type Mapping,
  type NativeMemory, type PollHandle, type Sys,
} from "../../runtime/kernel/sys.ts";

export interface FakeMapping extends Mapping {
  readonly fd: number;
  readonly offset: number;
  readonly prot: number;
  /** How many times munmap was called on it (1 when released properly). */
  unmaps: number;
}

export interface FakePoll extends PollHandle {
  readonly fd: number;
  /** How many times close() was called (1 when released properly). */
  readonly closes: number;
  readonly refed: boolean;
  /** How many times the callback ran. */
  readonly calls: number;
}

/** BPF_RB_NO_WAKEUP and BPF_RB_FORCE_WAKEUP, the flags of bpf_ringbuf_submit/discard. */
export const BPF_RB_NO_WAKEUP = 1, BPF_RB_FORCE_WAKEUP = 2;
const RB_BUSY = 0x80000000, RB_DISCARD = 0x40000000;

type Failable = "mmap" | "perfEventOpen" | "ioctl" | "epollCtl" | "epollCreate";

/** One uv_poll: registered with epoll at the next poll phase, then reported while on the ready list. */
class PollRecord implements FakePoll {
  closes = 0;
  refed = true;
  calls = 0;
  /** epoll_ctl(ADD) has happened (libuv does it at the start of the next poll phase, not in uv_poll_start). */
  registered = false;
  /** On the outer epoll's ready list. */
  queued = false;
  constructor(readonly fd: number, readonly callback: () => void, private readonly sys: FakeSys) {}
  close(): void {
    this.closes++;
    if (this.closes > 1) this.sys.misuse.push(`poll handle on fd ${this.fd} closed ${this.closes} times`);
  }
  unref(): void {
    this.refed = false;
  }
  ref(): void {
    this.refed = true;
  }
}

interface EpollItem {
  readonly fd: number;
  /** On this epoll's ready list (rdllist). */
  queued: boolean;
}

/** A fake BPF_MAP_TYPE_RINGBUF: its consumer page and its producer page + data (double-mapped, emulated by
 *  writing every data byte twice), and a producer with bpf_ringbuf_reserve/submit/discard/output semantics. */
export class FakeRingBuf {
  /** Consumer page: u64 consumer_pos at 0. */
  readonly consumerPage: ArrayBuffer;
  /** Producer page (u64 producer_pos at 0), then the data pages twice. */
  readonly producerArea: ArrayBuffer;
  /** Commits that woke the poller (consumer_pos was at the record, or FORCE_WAKEUP). */
  wakeups = 0;
  /** Reservations refused for lack of space. */
  dropped = 0;
  readonly #cons: DataView;
  readonly #prod: DataView;
  readonly #page: number;

  constructor(readonly fd: number, readonly size: number, private readonly sys: FakeSys, start: bigint) {
    this.#page = sys.pageSize;
    this.consumerPage = new ArrayBuffer(this.#page);
    this.producerArea = new ArrayBuffer(this.#page + 2 * size);
    this.#cons = new DataView(this.consumerPage);
    this.#prod = new DataView(this.producerArea);
    this.#cons.setBigUint64(0, start, true);
    this.#prod.setBigUint64(0, start, true);
  }

  get consumerPos(): bigint {
    return this.#cons.getBigUint64(0, true);
  }

  get producerPos(): bigint {
    return this.#prod.getBigUint64(0, true);
  }

  /** ringbuf_map_poll: EPOLLIN while producer_pos - consumer_pos > 0 (level). */
  readable(): boolean {
    return this.producerPos - this.consumerPos > 0n;
  }

  /** bpf_ringbuf_reserve: a BUSY record of `len` payload bytes, or undefined when the ring lacks space. */
  reserve(len: number): FakeReservation | undefined {
    const total = BigInt((len + 8 + 7) & ~7);
    const prod = this.producerPos;
    // __bpf_ringbuf_reserve: refuse when the ring would hold more than mask bytes.
    if (prod + total - this.consumerPos > BigInt(this.size - 1)) {
      this.dropped++;
      return undefined;
    }
    const off = Number(prod & BigInt(this.size - 1));
    this.#u32(off, (len | RB_BUSY) >>> 0);
    this.#u32(off + 4, 0xdeadbeef); // pg_off: kernel-internal, must be ignored
    this.#prod.setBigUint64(0, prod + total, true); // smp_store_release(producer_pos)
    return new FakeReservation(this, prod, off, len);
  }

  /** bpf_ringbuf_output: reserve, copy, submit. False when dropped. */
  output(payload: Uint8Array, flags = 0): boolean {
    const r = this.reserve(payload.length);
    if (!r) return false;
    r.write(payload);
    r.submit(flags);
    return true;
  }

  /** Writes payload bytes at ring offset `off` into both copies of the data, as the double mapping shows them. */
  writeData(off: number, bytes: Uint8Array): void {
    const u8 = new Uint8Array(this.producerArea, this.#page);
    for (let i = 0; i < bytes.length; i++) {
      const o = (off + i) & (this.size - 1);
      u8[o] = bytes[i]!;
      u8[o + this.size] = bytes[i]!;
    }
  }

  /** bpf_ringbuf_commit: xchg the header, then wake only if the consumer is exactly at this record. */
  commit(off: number, len: number, discard: boolean, flags: number): void {
    this.#u32(off, (discard ? len | RB_DISCARD : len) >>> 0);
    if (flags & BPF_RB_NO_WAKEUP) return;
    const cons = Number(this.consumerPos & BigInt(this.size - 1));
    if (flags & BPF_RB_FORCE_WAKEUP || cons === off) {
      this.wakeups++;
      this.sys.wake(this.fd);
    }
  }

  #u32(off: number, v: number): void {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v, true);
    this.writeData(off, b);
  }
}

export class FakeReservation {
  #done = false;
  constructor(private readonly rb: FakeRingBuf, readonly pos: bigint, readonly off: number, readonly len: number) {}
  write(payload: Uint8Array, at = 0): void {
    if (at + payload.length > this.len) throw new Error("fake ringbuf: write past the reservation");
    this.rb.writeData(this.off + 8 + at, payload);
  }
  submit(flags = 0): void {
    this.#finish(false, flags);
  }
  discard(flags = 0): void {
    this.#finish(true, flags);
  }
  #finish(discard: boolean, flags: number): void {
    if (this.#done) throw new Error("fake ringbuf: reservation committed twice");
    this.#done = true;
    this.rb.commit(this.off, this.len, discard, flags);
  }
}

/** A fake BPF_OUTPUT perf event on one CPU: its mmap'd buffer and a producer with perf_event_output semantics. */
export class FakePerfEvent {
  enabled = false;
  /** rb->poll: set by a wakeup, consumed (xchg) by every poll of the fd. */
  pollFlag = false;
  /** Samples dropped for lack of space and not yet reported by a LOST record. */
  lostPending = 0;
  /** Every sample dropped so far. */
  lostTotal = 0;
  buffer: ArrayBuffer | undefined;
  #dataOffset = 0;
  #dataSize = 0;
  #events = 0;
  #lastWake = 0n;

  constructor(
    readonly fd: number,
    readonly cpu: number,
    readonly attr: Uint8Array,
    /** The perf_event_open flags argument. */
    readonly flags: number,
    private readonly sys: FakeSys,
  ) {}

  get attrView(): DataView {
    return new DataView(this.attr.buffer, this.attr.byteOffset, this.attr.length);
  }

  /** Sets up the mmap'd metadata page; `oldKernel` leaves data_offset and data_size 0, as before 4.1. */
  map(length: number, oldKernel: boolean): ArrayBuffer {
    if (this.buffer) return this.buffer;
    const page = this.sys.pageSize;
    this.buffer = new ArrayBuffer(length);
    this.#dataOffset = page;
    this.#dataSize = length - page;
    if (!oldKernel) {
      const v = new DataView(this.buffer);
      v.setBigUint64(1040, BigInt(this.#dataOffset), true);
      v.setBigUint64(1048, BigInt(this.#dataSize), true);
    }
    return this.buffer;
  }

  get dataHead(): bigint {
    return this.#meta().getBigUint64(1024, true);
  }

  get dataTail(): bigint {
    return this.#meta().getBigUint64(1032, true);
  }

  /** Starts the buffer at `pos` (head = tail = pos), as if that much had been written and read already. */
  seek(pos: bigint): void {
    this.#meta().setBigUint64(1024, pos, true);
    this.#meta().setBigUint64(1032, pos, true);
    this.#lastWake = pos;
  }

  /**
   * bpf_perf_event_output: one PERF_RECORD_SAMPLE whose raw part is `payload` padded (with 0xee garbage) so that
   * u32 raw_size + raw is a multiple of 8; raw_size counts the padding. A LOST record goes first when samples
   * were dropped since the last one. Returns false (and counts a lost sample) when the buffer is full.
   */
  sample(payload: Uint8Array): boolean {
    if (!this.enabled || !this.buffer) throw new SysError("bpf_perf_event_output", ERRNO.EOPNOTSUPP, "event not enabled");
    const rawSize = ((payload.length + 4 + 7) & ~7) - 4;
    const size = 8 + 4 + rawSize;
    const lost = this.lostPending > 0 ? 24 : 0;
    if (this.#space() < size + lost) {
      this.lostPending++;
      this.lostTotal++;
      return false;
    }
    if (lost) this.#writeLost();
    const rec = new Uint8Array(size).fill(0xee);
    const v = new DataView(rec.buffer);
    v.setUint32(0, 9, true); // PERF_RECORD_SAMPLE
    v.setUint16(4, 0, true);
    v.setUint16(6, size, true);
    v.setUint32(8, rawSize, true);
    rec.set(payload, 12);
    this.#append(rec);
    this.#events++;
    this.#maybeWake();
    return true;
  }

  #writeLost(): void {
    const rec = new Uint8Array(24);
    const v = new DataView(rec.buffer);
    v.setUint32(0, 2, true); // PERF_RECORD_LOST
    v.setUint16(6, 24, true);
    v.setBigUint64(8, 7n, true); // id
    v.setBigUint64(16, BigInt(this.lostPending), true);
    this.lostPending = 0;
    this.#append(rec);
  }

  /** CIRC_SPACE(head, tail, size): one byte always stays free. */
  #space(): number {
    return this.#dataSize - Number(this.dataHead - this.dataTail) - 1;
  }

  #append(rec: Uint8Array): void {
    const head = this.dataHead;
    const data = new Uint8Array(this.buffer!, this.#dataOffset, this.#dataSize);
    const start = Number(head % BigInt(this.#dataSize));
    for (let i = 0; i < rec.length; i++) data[(start + i) % this.#dataSize] = rec[i]!;
    this.#meta().setBigUint64(1024, head + BigInt(rec.length), true); // data_head, after the data
  }

  /** wakeup_events, or the watermark bit (14) with wakeup_watermark bytes. */
  #maybeWake(): void {
    const av = this.attrView;
    const watermark = (av.getBigUint64(40, true) & (1n << 14n)) !== 0n;
    const n = av.getUint32(48, true);
    if (watermark) {
      if (this.dataHead - this.#lastWake < BigInt(n)) return;
      this.#lastWake = this.dataHead;
    } else {
      if (this.#events < Math.max(n, 1)) return;
      this.#events = 0;
    }
    this.pollFlag = true;
    this.sys.wake(this.fd);
  }

  #meta(): DataView {
    if (!this.buffer) throw new Error(`fake perf event ${this.fd} is not mapped`);
    return new DataView(this.buffer);
  }
}

export interface FakeSysOptions {
  readonly pageSize?: number;
  /** Perf buffers report data_offset = data_size = 0, as before Linux 4.1. */
  readonly oldPerfMmap?: boolean;
}

/**
 * The fake seam. Event-loop behaviour is driven by the test: `turn()` is one libuv iteration (register new polls
 * with their epoll check, report the ready ones, then let real immediates and microtasks run).
 */
export class FakeSys implements Sys {
  readonly pageSize: number;
  readonly arch = "x86_64";
  readonly mappings: FakeMapping[] = [];
  readonly polls: FakePoll[] = [];
  readonly perfEvents: FakePerfEvent[] = [];
  readonly ringbufs: FakeRingBuf[] = [];
  /** Every ioctl, in order. */
  readonly ioctls: { fd: number; request: number; arg: number }[] = [];
  /** Every fd closed, in order. */
  readonly closed: number[] = [];
  /** Things done wrong: double releases, releases of unknown objects, use of closed fds. */
  readonly misuse: string[] = [];
  readonly #oldPerfMmap: boolean;
  #nextFd = 100;
  /** fd → what it is; deleted on close. */
  readonly #open = new Map<number, FakeRingBuf | FakePerfEvent | EpollItem[]>();
  /** fds the code under test created (perf events, epoll), which it must close. */
  readonly #owned = new Set<number>();
  readonly #fail = new Map<Failable, { countdown: number; errno: ErrnoName }>();

  constructor(options: FakeSysOptions = {}) {
    this.pageSize = options.pageSize ?? 4096;
    this.#oldPerfMmap = options.oldPerfMmap ?? false;
  }

  /** A ring buffer map of `size` bytes whose positions start at `start`; the test owns its fd. */
  ringbuf(size: number, start = 0n): FakeRingBuf {
    const rb = new FakeRingBuf(this.#nextFd++, size, this, start);
    this.#open.set(rb.fd, rb);
    this.ringbufs.push(rb);
    return rb;
  }

  perfEvent(cpu: number): FakePerfEvent {
    const ev = this.perfEvents.find((e) => e.cpu === cpu);
    if (!ev) throw new Error(`no perf event for CPU ${cpu}`);
    return ev;
  }

  /** Makes the `nth` next call of `syscall` (1 = the next one) fail with `errno`. */
  failOn(syscall: Failable, nth: number, errno: ErrnoName = "EPERM"): void {
    this.#fail.set(syscall, { countdown: nth, errno });
  }

  /** What the code under test still holds: live mappings, owned fds still open, poll handles not closed. */
  leaks(): string[] {
    return [
      ...this.mappings.filter((m) => m.unmaps === 0).map((m) => `mapping of fd ${m.fd} at offset ${m.offset}`),
      ...[...this.#owned].filter((fd) => this.#open.has(fd)).map((fd) => `fd ${fd}`),
      ...this.polls.filter((p) => p.closes === 0).map((p) => `poll handle on fd ${p.fd}`),
    ];
  }

  isOpen(fd: number): boolean {
    return this.#open.has(fd);
  }

  /**
   * One event loop iteration. Poll phase: polls started since the last turn are added to epoll (which checks the
   * fd once: for a perf fd or an epoll fd over perf fds, that check consumes the readiness), then every queued
   * poll is checked again and its callback called if still ready. Check phase: real immediates and microtasks.
   */
  async turn(): Promise<void> {
    this.pollPhase();
    await new Promise((resolve) => setImmediate(resolve));
  }

  async turns(n: number): Promise<void> {
    for (let i = 0; i < n; i++) await this.turn();
  }

  /**
   * Runs up to `turns` loop iterations until `p` settles, and returns its value; throws if it is still pending.
   * Tests never await a reader's promise directly: uvu ends quietly, with exit status 0, when the event loop
   * empties under a test that waits forever, so a reader that misses a wakeup would look like a pass.
   */
  async settle<T>(p: Promise<T>, turns = 8): Promise<T> {
    let state: { ok: true; value: T } | { ok: false; error: unknown } | undefined;
    p.then((value) => (state = { ok: true, value }), (error: unknown) => (state = { ok: false, error }));
    await microtasks();
    for (let i = 0; i < turns && !state; i++) await this.turn();
    if (!state) throw new Error(`still pending after ${turns} event loop turns`);
    const s = state as { ok: true; value: T } | { ok: false; error: unknown };
    if (!s.ok) throw s.error;
    return s.value;
  }

  /** Whether `p` is still pending after `turns` loop iterations (0: after pending microtasks only). */
  async pending(p: Promise<unknown>, turns = 4): Promise<boolean> {
    let settled = false;
    p.then(() => (settled = true), () => (settled = true));
    await microtasks();
    await this.turns(turns);
    return !settled;
  }

  pollPhase(): void {
    const live = this.polls.filter((p) => p.closes === 0) as PollRecord[];
    for (const p of live) {
      if (p.registered) continue;
      p.registered = true;
      if (this.#check(p.fd)) p.queued = true;
    }
    for (const p of live) {
      if (!p.queued || p.closes > 0) continue;
      if (this.#check(p.fd)) {
        p.calls++;
        p.callback();
      } else {
        p.queued = false;
      }
    }
  }

  /** A producer woke the wait queue of `fd`: epolls watching it queue it, and wake their own watchers. */
  wake(fd: number): void {
    for (const [epfd, obj] of this.#open) {
      if (!Array.isArray(obj)) continue;
      const item = obj.find((i) => i.fd === fd);
      if (!item) continue;
      item.queued = true;
      this.wake(epfd);
    }
    for (const p of this.polls as PollRecord[]) if (p.fd === fd && p.registered && p.closes === 0) p.queued = true;
  }

  /** The fd's poll method: ringbuf_map_poll (level), perf_poll (xchg), or ep_eventpoll_poll over its items. */
  #check(fd: number): boolean {
    const obj = this.#open.get(fd);
    if (obj instanceof FakeRingBuf) return obj.readable();
    if (obj instanceof FakePerfEvent) {
      const r = obj.pollFlag;
      obj.pollFlag = false;
      return r;
    }
    if (Array.isArray(obj)) {
      // __ep_eventpoll_poll: the first queued item that polls ready makes the epoll fd readable (and stays
      // queued); the ones that poll empty are dropped from the ready list.
      for (const item of obj) {
        if (!item.queued) continue;
        if (this.#check(item.fd)) return true;
        item.queued = false;
      }
      return false;
    }
    return false;
  }

  #maybeFail(name: Failable): void {
    const f = this.#fail.get(name);
    if (!f) return;
    if (--f.countdown > 0) return;
    this.#fail.delete(name);
    throw new SysError(name, ERRNO[f.errno], "(injected)");
  }

  bpf(): number {
    throw new SysError("bpf", ERRNO.ENOSYS, "(fake)");
  }

  perfEventOpen(attr: Uint8Array, pid: number, cpu: number, groupFd: number, flags: number): number {
    this.#maybeFail("perfEventOpen");
    const v = new DataView(attr.buffer, attr.byteOffset, attr.length);
    if (v.getUint32(4, true) !== attr.length) throw new SysError("perf_event_open", ERRNO.E2BIG, "attr.size != size passed");
    if (pid !== -1 || groupFd !== -1) throw new SysError("perf_event_open", ERRNO.EINVAL, "fake supports pid -1, group -1");
    // The kernel creates the event enabled unless attr.disabled (bit 0) is set; the fake wants the ioctl anyway,
    // so that a reader forgetting PERF_EVENT_IOC_ENABLE fails its tests.
    const ev = new FakePerfEvent(this.#nextFd++, cpu, attr.slice(), flags, this);
    this.#open.set(ev.fd, ev);
    this.#owned.add(ev.fd);
    this.perfEvents.push(ev);
    return ev.fd;
  }

  ioctl(fd: number, request: number, arg: number): number {
    this.#maybeFail("ioctl");
    this.ioctls.push({ fd, request, arg });
    const obj = this.#open.get(fd);
    if (!(obj instanceof FakePerfEvent)) throw new SysError("ioctl", ERRNO.ENOTTY);
    if (request === 0x2400) obj.enabled = true;
    else if (request === 0x2401) obj.enabled = false;
    else throw new SysError("ioctl", ERRNO.ENOTTY, `fake: request 0x${request.toString(16)}`);
    return 0;
  }

  mmap(length: number, prot: number, flags: number, fd: number, offset: number): Mapping {
    this.#maybeFail("mmap");
    if (flags !== 1) throw new SysError("mmap", ERRNO.EINVAL, "fake expects MAP_SHARED");
    const obj = this.#open.get(fd);
    let buffer: ArrayBuffer;
    if (obj instanceof FakeRingBuf) {
      const page = this.pageSize;
      if (offset === 0) {
        if (length !== page) throw new SysError("mmap", ERRNO.EPERM, "ringbuf consumer page: one page at offset 0");
        buffer = obj.consumerPage;
      } else if (offset === page) {
        // ringbuf_map_mmap_kern: only the consumer page may be writable.
        if (prot & PROT_WRITE) throw new SysError("mmap", ERRNO.EPERM, "ringbuf producer pages are read-only");
        if (length !== page + 2 * obj.size) throw new SysError("mmap", ERRNO.EINVAL, `fake ringbuf: producer mapping length ${length}`);
        buffer = obj.producerArea;
      } else {
        throw new SysError("mmap", ERRNO.EINVAL, `fake ringbuf: offset ${offset}`);
      }
    } else if (obj instanceof FakePerfEvent) {
      const pages = length / this.pageSize - 1;
      // perf_mmap: 1 + 2^n pages at offset 0.
      if (offset !== 0 || !Number.isInteger(pages) || pages < 1 || (pages & (pages - 1)) !== 0) {
        throw new SysError("mmap", ERRNO.EINVAL, `perf buffer of ${length} bytes at ${offset}`);
      }
      if (!(prot & PROT_WRITE)) throw new SysError("mmap", ERRNO.EINVAL, "fake: perf buffer must be writable");
      buffer = obj.map(length, this.#oldPerfMmap);
    } else {
      throw new SysError("mmap", ERRNO.EBADF);
    }
    const m: FakeMapping = { address: BigInt(0x7f0000000000 + this.mappings.length * 0x100000), length, buffer, fd, offset, prot, unmaps: 0 };
    this.mappings.push(m);
    return m;
  }

  /**
   * Records the unmap. When no mapping of the memory is left, the ArrayBuffer is detached, so that a reader
   * touching it afterwards throws (where the real one would crash).
   */
  munmap(m: Mapping): void {
    const fm = this.mappings.find((x) => x === m);
    if (!fm) {
      this.misuse.push("munmap of a mapping the fake did not make");
      return;
    }
    fm.unmaps++;
    if (fm.unmaps > 1) {
      this.misuse.push(`mapping of fd ${fm.fd} at offset ${fm.offset} unmapped ${fm.unmaps} times`);
      return;
    }
    if (!this.mappings.some((x) => x.buffer === fm.buffer && x.unmaps === 0)) detach(fm.buffer);
  }

  close(fd: number): void {
    this.closed.push(fd);
    if (!this.#open.has(fd)) {
      this.misuse.push(`close of fd ${fd}, which is not open`);
      return;
    }
    this.#open.delete(fd);
    for (const obj of this.#open.values()) {
      if (Array.isArray(obj)) {
        const i = obj.findIndex((x) => x.fd === fd);
        if (i >= 0) obj.splice(i, 1);
      }
    }
  }

  epollCreate(): number {
    this.#maybeFail("epollCreate");
    const fd = this.#nextFd++;
    this.#open.set(fd, []);
    this.#owned.add(fd);
    return fd;
  }

  /** The epoll fds `fd` is registered with. */
  watchers(fd: number): number[] {
    return [...this.#open].filter(([, obj]) => Array.isArray(obj) && obj.some((i) => i.fd === fd)).map(([epfd]) => epfd);
  }

  /** Registered fds of an epoll fd, in order. */
  epollFds(epfd: number): number[] {
    const items = this.#open.get(epfd);
    return Array.isArray(items) ? items.map((i) => i.fd) : [];
  }

  epollCtl(epfd: number, op: number, fd: number, events: number): void {
    this.#maybeFail("epollCtl");
    const items = this.#open.get(epfd);
    if (!Array.isArray(items)) throw new SysError("epoll_ctl", ERRNO.EBADF);
    if (!this.#open.has(fd)) throw new SysError("epoll_ctl", ERRNO.EBADF);
    if (op === EPOLL_CTL_ADD) {
      if (events !== EPOLLIN) throw new SysError("epoll_ctl", ERRNO.EINVAL, "fake expects EPOLLIN, level-triggered");
      if (items.some((i) => i.fd === fd)) throw new SysError("epoll_ctl", ERRNO.EEXIST);
      // ep_insert polls the file once: readiness pending now is consumed (perf) and queued.
      const item = { fd, queued: false };
      items.push(item);
      if (this.#check(fd)) {
        item.queued = true;
        this.wake(epfd);
      }
    } else if (op === EPOLL_CTL_DEL) {
      const i = items.findIndex((x) => x.fd === fd);
      if (i < 0) throw new SysError("epoll_ctl", ERRNO.ENOENT);
      items.splice(i, 1);
    } else {
      throw new SysError("epoll_ctl", ERRNO.EINVAL);
    }
  }

  /** Never blocks. Reports queued items that poll ready (they stay queued: level-triggered), drops the rest. */
  epollWait(epfd: number, maxEvents: number): EpollEvent[] {
    const items = this.#open.get(epfd);
    if (!Array.isArray(items)) throw new SysError("epoll_wait", ERRNO.EBADF);
    const out: EpollEvent[] = [];
    for (const item of items) {
      if (out.length >= maxEvents) break;
      if (!item.queued) continue;
      if (this.#check(item.fd)) out.push({ events: EPOLLIN, data: item.fd });
      else item.queued = false;
    }
    return out;
  }

  poll(fd: number, onReadable: () => void): PollHandle {
    if (!this.#open.has(fd)) throw new SysError("uv_poll_init", ERRNO.EBADF);
    const p = new PollRecord(fd, onReadable, this);
    this.polls.push(p);
    return p;
  }

  alloc(size: number): NativeMemory {
    return { address: 0x1000n, bytes: new Uint8Array(size), free() {} };
  }
}

/** Lets pending microtasks (promise continuations) and immediates run, with no fd reported readable. */
const microtasks = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Detaches an ArrayBuffer (transfers it away), so every view of it stops working. */
function detach(buffer: ArrayBuffer): void {
  structuredClone(buffer, { transfer: [buffer] });
}

/** The payload of record `i`: `len` bytes starting with i (u32) and then a pattern derived from i. */
export function pattern(i: number, len: number): Uint8Array {
  const b = new Uint8Array(len);
  for (let k = 0; k < len; k++) b[k] = (i * 31 + k * 7) & 0xff;
  if (len >= 4) new DataView(b.buffer).setUint32(0, i, true);
  return b;
}
