// A fake kernel behind the Sys seam for unit tests of maps, programs and links that run anywhere (no root, no
// BPF): bpf(2) commands decoded from their attrs and applied to in-memory objects, native memory with addresses,
// perf events and ioctls recorded, failures injectable. Only what the runtime's unit tests need, done faithfully.

import { ERRNO, type ErrnoName, type Mapping, type NativeMemory, type PollHandle, type Sys, SysError } from "../../runtime/kernel/sys.ts";

interface FakeMap {
  readonly kind: "map";
  readonly type: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly flags: number;
  readonly name: string;
  readonly id: number;
  /** hex(key) -> value bytes (all CPUs' slots for per-CPU maps, with the 8-byte user-space stride). */
  readonly data: Map<string, Uint8Array>;
  frozen: boolean;
  refs: number;
}

export interface FakeProgram {
  readonly kind: "prog";
  readonly type: number;
  readonly insns: Uint8Array;
  readonly license: string;
  readonly name: string;
  readonly expectedAttachType: number;
  readonly btfFd: number;
  readonly id: number;
  refs: number;
}

interface FakeOther {
  readonly kind: "link" | "perf" | "btf";
  readonly detail: Record<string, unknown>;
}

type FakeObject = FakeMap | FakeProgram | FakeOther;

const PERCPU = new Set([5, 6, 10]);
const ARRAYS = new Set([2, 6]);

/** How a program load should behave: succeed, or fail with a verifier log (given only with log_level > 0). */
export interface LoadBehaviour {
  readonly errno?: ErrnoName;
  readonly log?: string;
  /** The log needs at least this buffer, or the load fails with ENOSPC (pre-6.4 behaviour). */
  readonly needsLogSize?: number;
  /** With `needsLogSize`: a smaller buffer gets the log's tail before ENOSPC (6.4+: the log rotates). */
  readonly rotates?: boolean;
  /** Fail with EAGAIN this many times first (a signal during verification). */
  readonly eagain?: number;
}

export class FakeBpfSys implements Sys {
  readonly pageSize = 4096;
  readonly arch = "x86_64";
  readonly cpus: number;
  /** Every bpf() call: command and the attr bytes as passed. */
  readonly calls: { cmd: number; attr: Uint8Array }[] = [];
  readonly ioctls: { fd: number; request: number; arg: number }[] = [];
  readonly perfOpens: { attr: Uint8Array; pid: number; cpu: number }[] = [];
  /** Program loads: the attr's log level for each attempt. */
  readonly loadAttempts: { logLevel: number; logSize: number }[] = [];
  loadBehaviour: LoadBehaviour = {};
  /** Whether BPF_MAP_LOOKUP_BATCH exists (5.6). */
  batch = true;
  /** Whether BPF_LINK_CREATE knows perf events (5.15). */
  perfLink = true;
  readonly pins = new Map<string, number>();
  private readonly objects = new Map<number, FakeObject>();
  private readonly memory = new Map<bigint, Uint8Array>();
  private nextFd = 10;
  private nextId = 1;
  private nextAddress = 0x10000n;
  private readonly failures: { cmd: number; errno: ErrnoName; times: number; when?: (attr: DataView) => boolean }[] = [];
  private readonly otherFailures: { call: "perfEventOpen" | "ioctl"; errno: ErrnoName; times: number }[] = [];

  constructor(opts: { cpus?: number } = {}) {
    this.cpus = opts.cpus ?? 4;
  }

  // ---- test controls -------------------------------------------------------------------------------------------

  /** The next `times` calls of bpf command `cmd` (those whose attr `when` accepts, if given) fail with `errno`. */
  fail(cmd: number, errno: ErrnoName, times = 1, when?: (attr: DataView) => boolean): void {
    this.failures.push({ cmd, errno, times, ...(when ? { when } : {}) });
  }

  /** The next `times` perf_event_open or ioctl calls fail with `errno`. */
  failCall(call: "perfEventOpen" | "ioctl", errno: ErrnoName, times = 1): void {
    this.otherFailures.push({ call, errno, times });
  }

  private injected(call: "perfEventOpen" | "ioctl"): void {
    const f = this.otherFailures.find((x) => x.call === call && x.times > 0);
    if (!f) return;
    f.times--;
    throw new SysError(call === "ioctl" ? "ioctl" : "perf_event_open", ERRNO[f.errno]);
  }

  openFds(): number[] {
    return [...this.objects.keys()];
  }

  object(fd: number): FakeObject | undefined {
    return this.objects.get(fd);
  }

  programs(): FakeProgram[] {
    return [...this.objects.values()].filter((o): o is FakeProgram => o.kind === "prog");
  }

  // ---- Sys -----------------------------------------------------------------------------------------------------

  alloc(size: number): NativeMemory {
    const bytes = new Uint8Array(Math.max(size, 1)).subarray(0, size);
    const address = this.nextAddress;
    this.nextAddress += BigInt(Math.ceil(Math.max(size, 1) / 16) * 16 + 16);
    this.memory.set(address, bytes);
    let freed = false;
    return {
      address,
      bytes,
      free: () => {
        if (freed) throw new Error(`double free of fake native memory at 0x${address.toString(16)}`);
        freed = true;
        this.memory.delete(address);
        // Freed memory is detached, so that a use after free throws here instead of corrupting a real heap.
        structuredClone(bytes.buffer, { transfer: [bytes.buffer as ArrayBuffer] });
      },
    };
  }

  /** The bytes at a fake native address (an allocation's start, or inside it). */
  read(address: bigint, length: number): Uint8Array {
    for (const [base, bytes] of this.memory) {
      if (address >= base && address + BigInt(length) <= base + BigInt(bytes.length)) {
        const off = Number(address - base);
        return bytes.subarray(off, off + length);
      }
    }
    throw new SysError("bpf", ERRNO.EFAULT, `bad address 0x${address.toString(16)}`);
  }

  private cString(address: bigint): string {
    for (const [base, bytes] of this.memory) {
      if (address >= base && address < base + BigInt(bytes.length)) {
        const sub = bytes.subarray(Number(address - base));
        const end = sub.indexOf(0);
        return new TextDecoder().decode(sub.subarray(0, end < 0 ? sub.length : end));
      }
    }
    throw new SysError("bpf", ERRNO.EFAULT);
  }

  bpf(cmd: number, attr: Uint8Array): number {
    this.calls.push({ cmd, attr: attr.slice() });
    const f = this.failures.find((x) => x.cmd === cmd && x.times > 0 && (!x.when || x.when(new DataView(attr.buffer, attr.byteOffset, attr.byteLength))));
    if (f) {
      f.times--;
      throw new SysError("bpf", ERRNO[f.errno], `cmd ${cmd}`);
    }
    const v = new DataView(attr.buffer, attr.byteOffset, attr.byteLength);
    switch (cmd) {
      case 0: return this.mapCreate(v, attr);
      case 1: return this.elem(v, "lookup");
      case 2: return this.elem(v, "update");
      case 3: return this.elem(v, "delete");
      case 4: return this.nextKey(v);
      case 5: return this.progLoad(v, attr);
      case 6: return this.pin(v);
      case 7: return this.get(v);
      case 15: return this.info(v);
      case 17: return this.add({ kind: "link", detail: { raw_tp: v.getBigUint64(0, true) ? this.cString(v.getBigUint64(0, true)) : null, prog: v.getUint32(8, true) } });
      case 18: return this.add({ kind: "btf", detail: { size: v.getUint32(16, true) } });
      case 21: return this.elem(v, "take");
      case 22: return this.freeze(v);
      case 24: case 25: return this.batchOp(v, cmd === 25);
      case 28: return this.linkCreate(v);
      default: throw new SysError("bpf", ERRNO.EINVAL, `cmd ${cmd}`);
    }
  }

  perfEventOpen(attr: Uint8Array, pid: number, cpu: number): number {
    this.injected("perfEventOpen");
    this.perfOpens.push({ attr: attr.slice(), pid, cpu });
    return this.add({ kind: "perf", detail: { type: new DataView(attr.buffer, attr.byteOffset).getUint32(0, true), pid, cpu } });
  }

  ioctl(fd: number, request: number, arg: number): number {
    if (!this.objects.has(fd)) throw new SysError("ioctl", ERRNO.EBADF);
    this.injected("ioctl");
    this.ioctls.push({ fd, request, arg });
    return 0;
  }

  close(fd: number): void {
    const o = this.objects.get(fd);
    if (!o) throw new Error(`close of fd ${fd}, which is not open`);
    this.objects.delete(fd);
  }

  mmap(): Mapping {
    throw new SysError("mmap", ERRNO.ENODEV);
  }

  munmap(): void {}

  epollCreate(): number {
    return this.add({ kind: "link", detail: { epoll: true } });
  }

  epollCtl(): void {}

  epollWait(): [] {
    return [];
  }

  poll(): PollHandle {
    return { close() {}, unref() {}, ref() {} };
  }

  // ---- commands ------------------------------------------------------------------------------------------------

  private add(o: FakeObject): number {
    const fd = this.nextFd++;
    this.objects.set(fd, o);
    return fd;
  }

  private mapOf(fd: number): FakeMap {
    const o = this.objects.get(fd);
    if (!o || o.kind !== "map") throw new SysError("bpf", ERRNO.EBADF);
    return o;
  }

  private stride(m: FakeMap): number {
    return PERCPU.has(m.type) ? Math.ceil(m.valueSize / 8) * 8 * this.cpus : m.valueSize;
  }

  private mapCreate(v: DataView, attr: Uint8Array): number {
    const type = v.getUint32(0, true);
    const keySize = v.getUint32(4, true);
    const valueSize = v.getUint32(8, true);
    const maxEntries = v.getUint32(12, true);
    if (type === 27 && (maxEntries & (maxEntries - 1)) !== 0) throw new SysError("bpf", ERRNO.EINVAL);
    if (!maxEntries || (type !== 27 && (!keySize || !valueSize))) throw new SysError("bpf", ERRNO.EINVAL);
    if (ARRAYS.has(type) && keySize !== 4) throw new SysError("bpf", ERRNO.EINVAL);
    const nameBytes = attr.subarray(28, 44);
    const end = nameBytes.indexOf(0);
    const m: FakeMap = {
      kind: "map", type, keySize, valueSize, maxEntries, flags: v.getUint32(16, true), id: this.nextId++, data: new Map(), frozen: false, refs: 1,
      name: new TextDecoder().decode(nameBytes.subarray(0, end < 0 ? 16 : end)),
    };
    if (ARRAYS.has(type)) {
      for (let i = 0; i < maxEntries; i++) {
        const k = new Uint8Array(4);
        new DataView(k.buffer).setUint32(0, i, true);
        m.data.set(hex(k), new Uint8Array(this.stride(m)));
      }
    }
    return this.add(m);
  }

  private elem(v: DataView, op: "lookup" | "update" | "delete" | "take"): number {
    const m = this.mapOf(v.getUint32(0, true));
    const key = this.read(v.getBigUint64(8, true), m.keySize);
    const k = hex(key);
    const flags = v.getBigUint64(24, true);
    const stride = this.stride(m);
    switch (op) {
      case "lookup":
      case "take": {
        const val = m.data.get(k);
        if (!val) throw new SysError("bpf", ERRNO.ENOENT);
        this.read(v.getBigUint64(16, true), stride).set(val);
        if (op === "take") {
          if (ARRAYS.has(m.type)) throw new SysError("bpf", ERRNO.EINVAL);
          m.data.delete(k);
        }
        return 0;
      }
      case "update": {
        if (m.frozen) throw new SysError("bpf", ERRNO.EPERM);
        const exists = m.data.has(k);
        if (ARRAYS.has(m.type)) {
          if (new DataView(key.buffer, key.byteOffset).getUint32(0, true) >= m.maxEntries) throw new SysError("bpf", ERRNO.E2BIG);
          if (flags === 1n) throw new SysError("bpf", ERRNO.EEXIST);
        } else {
          if (flags === 1n && exists) throw new SysError("bpf", ERRNO.EEXIST);
          if (flags === 2n && !exists) throw new SysError("bpf", ERRNO.ENOENT);
          if (!exists && m.data.size >= m.maxEntries) throw new SysError("bpf", ERRNO.E2BIG);
        }
        m.data.set(k, this.read(v.getBigUint64(16, true), stride).slice());
        return 0;
      }
      case "delete":
        if (ARRAYS.has(m.type)) throw new SysError("bpf", ERRNO.EINVAL);
        if (!m.data.delete(k)) throw new SysError("bpf", ERRNO.ENOENT);
        return 0;
    }
  }

  private nextKey(v: DataView): number {
    const m = this.mapOf(v.getUint32(0, true));
    const keyPtr = v.getBigUint64(8, true);
    const keys = [...m.data.keys()];
    let i = 0;
    if (keyPtr !== 0n) {
      const at = keys.indexOf(hex(this.read(keyPtr, m.keySize)));
      i = at < 0 ? 0 : at + 1;
    }
    const next = keys[i];
    if (next === undefined) throw new SysError("bpf", ERRNO.ENOENT);
    this.read(v.getBigUint64(16, true), m.keySize).set(unhex(next));
    return 0;
  }

  private batchOp(v: DataView, andDelete: boolean): number {
    if (!this.batch) throw new SysError("bpf", ERRNO.EINVAL);
    const m = this.mapOf(v.getUint32(36, true));
    const inBatch = v.getBigUint64(0, true);
    const start = inBatch === 0n ? 0 : new DataView(this.read(inBatch, 4).slice().buffer).getUint32(0, true);
    const count = v.getUint32(32, true);
    const keys = [...m.data.keys()];
    const take = keys.slice(start, start + count);
    const stride = this.stride(m);
    take.forEach((k, i) => {
      this.read(v.getBigUint64(16, true) + BigInt(i * m.keySize), m.keySize).set(unhex(k));
      this.read(v.getBigUint64(24, true) + BigInt(i * stride), stride).set(m.data.get(k)!);
    });
    if (andDelete) for (const k of take) m.data.delete(k);
    v.setUint32(32, take.length, true);
    const next = andDelete ? 0 : start + take.length;
    new DataView(this.read(v.getBigUint64(8, true), 4).buffer, this.read(v.getBigUint64(8, true), 4).byteOffset).setUint32(0, next, true);
    if (start + take.length >= keys.length || (andDelete && m.data.size === 0)) throw new SysError("bpf", ERRNO.ENOENT);
    return 0;
  }

  private progLoad(v: DataView, attr: Uint8Array): number {
    const logLevel = v.getUint32(24, true);
    const logSize = v.getUint32(28, true);
    this.loadAttempts.push({ logLevel, logSize });
    const b = this.loadBehaviour;
    if (b.eagain && this.loadAttempts.filter((a) => a).length <= b.eagain) throw new SysError("bpf", ERRNO.EAGAIN);
    if (b.errno) {
      if (logLevel && b.log !== undefined) {
        const log = this.read(v.getBigUint64(32, true), logSize);
        const text = new TextEncoder().encode(b.log);
        if (b.needsLogSize && logSize < b.needsLogSize) {
          if (b.rotates) log.set(text.subarray(Math.max(0, text.length - (logSize - 1))));
          throw new SysError("bpf", ERRNO.ENOSPC);
        }
        log.set(text.subarray(0, logSize - 1));
      }
      throw new SysError("bpf", ERRNO[b.errno]);
    }
    const count = v.getUint32(4, true);
    const nameBytes = attr.subarray(48, 64);
    const end = nameBytes.indexOf(0);
    return this.add({
      kind: "prog", type: v.getUint32(0, true), insns: this.read(v.getBigUint64(8, true), count * 8).slice(),
      license: this.cString(v.getBigUint64(16, true)), name: new TextDecoder().decode(nameBytes.subarray(0, end < 0 ? 16 : end)),
      expectedAttachType: v.getUint32(68, true), btfFd: v.getUint32(72, true), id: this.nextId++, refs: 1,
    });
  }

  private pin(v: DataView): number {
    const path = this.cString(v.getBigUint64(0, true));
    if (this.pins.has(path)) throw new SysError("bpf", ERRNO.EEXIST);
    const fd = v.getUint32(8, true);
    if (!this.objects.has(fd)) throw new SysError("bpf", ERRNO.EBADF);
    this.pins.set(path, fd);
    return 0;
  }

  private get(v: DataView): number {
    const path = this.cString(v.getBigUint64(0, true));
    const fd = this.pins.get(path);
    const o = fd === undefined ? undefined : this.objects.get(fd);
    if (!o) throw new SysError("bpf", ERRNO.ENOENT);
    return this.add(o);
  }

  private info(v: DataView): number {
    const o = this.objects.get(v.getUint32(0, true));
    if (!o) throw new SysError("bpf", ERRNO.EBADF);
    const out = this.read(v.getBigUint64(8, true), v.getUint32(4, true));
    const d = new DataView(out.buffer, out.byteOffset, out.byteLength);
    if (o.kind === "map") {
      d.setUint32(0, o.type, true);
      d.setUint32(4, o.id, true);
      d.setUint32(8, o.keySize, true);
      d.setUint32(12, o.valueSize, true);
      d.setUint32(16, o.maxEntries, true);
      d.setUint32(20, o.flags, true);
      out.set(new TextEncoder().encode(o.name), 24);
    } else if (o.kind === "prog") {
      d.setUint32(0, o.type, true);
      d.setUint32(4, o.id, true);
      d.setUint32(20, o.insns.length, true);
      out.set(new TextEncoder().encode(o.name), 64);
    }
    return 0;
  }

  private freeze(v: DataView): number {
    this.mapOf(v.getUint32(0, true)).frozen = true;
    return 0;
  }

  private linkCreate(v: DataView): number {
    const prog = v.getUint32(0, true);
    const target = v.getUint32(4, true);
    const attachType = v.getUint32(8, true);
    if (attachType === 41 && !this.perfLink) throw new SysError("bpf", ERRNO.EINVAL);
    if (!this.objects.has(prog) || (attachType === 41 && !this.objects.has(target))) throw new SysError("bpf", ERRNO.EBADF);
    return this.add({ kind: "link", detail: { prog, target, attachType } });
  }
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const unhex = (s: string) => Uint8Array.from(Buffer.from(s, "hex"));
