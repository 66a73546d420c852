// bpf(2) commands as functions: typed arguments in, `union bpf_attr` laid out at the offsets of the UAPI header
// (kernel-abi.md §1.4), the syscall made through the seam, results out. No policy here: callers explain errors.

import { ERRNO, SysError, type NativeMemory, type Sys } from "./sys.ts";

export const enum Cmd {
  MapCreate = 0, MapLookupElem = 1, MapUpdateElem = 2, MapDeleteElem = 3, MapGetNextKey = 4, ProgLoad = 5,
  ObjPin = 6, ObjGet = 7, ProgTestRun = 10, ProgGetNextId = 11, MapGetNextId = 12, ProgGetFdById = 13,
  MapGetFdById = 14, ObjGetInfoByFd = 15, RawTracepointOpen = 17, BtfLoad = 18, MapLookupAndDeleteElem = 21,
  MapFreeze = 22, MapLookupBatch = 24, MapLookupAndDeleteBatch = 25, MapUpdateBatch = 26, MapDeleteBatch = 27,
  LinkCreate = 28, LinkGetFdById = 30, LinkGetNextId = 31, LinkDetach = 34,
}

/** A zeroed attr of `size` bytes with a little-endian DataView. */
function attr(size: number): [Uint8Array, DataView] {
  const bytes = new Uint8Array(size);
  return [bytes, new DataView(bytes.buffer)];
}

/** Copies a string into native memory, NUL-terminated. Free it after the call. */
export function cString(sys: Sys, s: string): NativeMemory {
  const enc = new TextEncoder().encode(s);
  const mem = sys.alloc(enc.length + 1);
  mem.bytes.set(enc);
  return mem;
}

/** Object names are at most 15 characters of [A-Za-z0-9_.] (BPF_OBJ_NAME_LEN 16; '.' needs 5.2). */
export function objName(name: string): Uint8Array {
  const out = new Uint8Array(16);
  const clean = name.replace(/[^A-Za-z0-9_.]/g, "_").slice(0, 15);
  out.set(new TextEncoder().encode(clean));
  return out;
}

export interface MapCreateAttr {
  readonly type: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly flags?: number;
  readonly name?: string;
  readonly innerMapFd?: number;
  readonly numaNode?: number;
  readonly btfFd?: number;
  readonly btfKeyTypeId?: number;
  readonly btfValueTypeId?: number;
  readonly mapExtra?: bigint;
}

export function mapCreate(sys: Sys, a: MapCreateAttr): number {
  const [bytes, v] = attr(72);
  v.setUint32(0, a.type, true);
  v.setUint32(4, a.keySize, true);
  v.setUint32(8, a.valueSize, true);
  v.setUint32(12, a.maxEntries, true);
  v.setUint32(16, a.flags ?? 0, true);
  v.setUint32(20, a.innerMapFd ?? 0, true);
  v.setUint32(24, a.numaNode ?? 0, true);
  if (a.name) bytes.set(objName(a.name), 28);
  v.setUint32(48, a.btfFd ?? 0, true);
  v.setUint32(52, a.btfKeyTypeId ?? 0, true);
  v.setUint32(56, a.btfValueTypeId ?? 0, true);
  v.setBigUint64(64, a.mapExtra ?? 0n, true);
  return sys.bpf(Cmd.MapCreate, bytes);
}

/** The 32-byte attr of the element commands; returns false on ENOENT (no such key / end of iteration). */
function elem(sys: Sys, cmd: Cmd, fd: number, key: bigint, value: bigint, flags: bigint): boolean {
  const [bytes, v] = attr(32);
  v.setUint32(0, fd, true);
  v.setBigUint64(8, key, true);
  v.setBigUint64(16, value, true);
  v.setBigUint64(24, flags, true);
  try {
    sys.bpf(cmd, bytes);
    return true;
  } catch (e) {
    if (e instanceof SysError && e.errno === ERRNO.ENOENT) return false;
    throw e;
  }
}

export const mapLookupElem = (sys: Sys, fd: number, key: bigint, value: bigint, flags = 0n) => elem(sys, Cmd.MapLookupElem, fd, key, value, flags);
/** flags: BPF_ANY 0, BPF_NOEXIST 1, BPF_EXIST 2. Throws SysError (EEXIST, ENOENT, E2BIG) on failure. */
export function mapUpdateElem(sys: Sys, fd: number, key: bigint, value: bigint, flags: bigint): void {
  const [bytes, v] = attr(32);
  v.setUint32(0, fd, true);
  v.setBigUint64(8, key, true);
  v.setBigUint64(16, value, true);
  v.setBigUint64(24, flags, true);
  sys.bpf(Cmd.MapUpdateElem, bytes);
}
export const mapDeleteElem = (sys: Sys, fd: number, key: bigint) => elem(sys, Cmd.MapDeleteElem, fd, key, 0n, 0n);
/** key = 0n starts the iteration. */
export const mapGetNextKey = (sys: Sys, fd: number, key: bigint, next: bigint) => elem(sys, Cmd.MapGetNextKey, fd, key, next, 0n);
export const mapLookupAndDeleteElem = (sys: Sys, fd: number, key: bigint, value: bigint, flags = 0n) =>
  elem(sys, Cmd.MapLookupAndDeleteElem, fd, key, value, flags);

export function mapFreeze(sys: Sys, fd: number): void {
  const [bytes, v] = attr(32);
  v.setUint32(0, fd, true);
  sys.bpf(Cmd.MapFreeze, bytes);
}

export interface BatchResult {
  /** Entries processed in this call. */
  readonly count: number;
  /** True when the map has no more entries (ENOENT with count possibly > 0). */
  readonly done: boolean;
}

/** One BPF_MAP_*_BATCH call (5.6). inBatch = 0n on the first call; outBatch receives the next token. */
export function mapBatch(sys: Sys, cmd: Cmd, fd: number, inBatch: bigint, outBatch: bigint, keys: bigint, values: bigint, count: number, elemFlags = 0n): BatchResult {
  const [bytes, v] = attr(56);
  v.setBigUint64(0, inBatch, true);
  v.setBigUint64(8, outBatch, true);
  v.setBigUint64(16, keys, true);
  v.setBigUint64(24, values, true);
  v.setUint32(32, count, true);
  v.setUint32(36, fd, true);
  v.setBigUint64(40, elemFlags, true);
  try {
    sys.bpf(cmd, bytes);
    return { count: v.getUint32(32, true), done: false };
  } catch (e) {
    // The last chunk comes back as ENOENT *with* a count (kernel-abi.md §1.4).
    if (e instanceof SysError && e.errno === ERRNO.ENOENT) return { count: v.getUint32(32, true), done: true };
    throw e;
  }
}

export function objPin(sys: Sys, fd: number, path: string): void {
  const p = cString(sys, path);
  try {
    const [bytes, v] = attr(20);
    v.setBigUint64(0, p.address, true);
    v.setUint32(8, fd, true);
    sys.bpf(Cmd.ObjPin, bytes);
  } finally {
    p.free();
  }
}

/** BPF_OBJ_GET: flags BPF_F_RDONLY (1 << 3) / BPF_F_WRONLY (1 << 4). */
export function objGet(sys: Sys, path: string, flags = 0): number {
  const p = cString(sys, path);
  try {
    const [bytes, v] = attr(20);
    v.setBigUint64(0, p.address, true);
    v.setUint32(12, flags, true);
    return sys.bpf(Cmd.ObjGet, bytes);
  } finally {
    p.free();
  }
}

/** BPF_OBJ_GET_INFO_BY_FD into `size` bytes (bpf_prog_info 232, bpf_map_info 104, bpf_link_info 64). */
export function objGetInfo(sys: Sys, fd: number, size: number, prepare?: (info: DataView, mem: NativeMemory) => void): Uint8Array {
  const info = sys.alloc(size);
  try {
    prepare?.(new DataView(info.bytes.buffer, info.bytes.byteOffset, size), info);
    const [bytes, v] = attr(16);
    v.setUint32(0, fd, true);
    v.setUint32(4, size, true);
    v.setBigUint64(8, info.address, true);
    sys.bpf(Cmd.ObjGetInfoByFd, bytes);
    return info.bytes.slice();
  } finally {
    info.free();
  }
}

export interface ProgLoadAttr {
  readonly type: number;
  readonly insns: NativeMemory;
  readonly insnCount: number;
  readonly license: NativeMemory;
  readonly logLevel?: number;
  readonly log?: NativeMemory;
  readonly kernVersion?: number;
  readonly flags?: number;
  readonly name?: string;
  readonly expectedAttachType?: number;
  readonly btfFd?: number;
  readonly funcInfo?: NativeMemory;
  readonly funcInfoCount?: number;
  readonly lineInfo?: NativeMemory;
  readonly lineInfoCount?: number;
  readonly attachBtfId?: number;
  readonly attachBtfObjFd?: number;
  readonly fdArray?: NativeMemory;
}

/** BPF_PROG_LOAD. Returns the fd, and the log's true size when the kernel reports it (6.4+). */
export function progLoad(sys: Sys, a: ProgLoadAttr): { fd: number } {
  const [bytes, v] = attr(a.fdArray ? 128 : 116);
  v.setUint32(0, a.type, true);
  v.setUint32(4, a.insnCount, true);
  v.setBigUint64(8, a.insns.address, true);
  v.setBigUint64(16, a.license.address, true);
  // log_buf and log_size must be 0 when log_level is 0, or the kernel answers EINVAL.
  if (a.logLevel && a.log) {
    v.setUint32(24, a.logLevel, true);
    v.setUint32(28, a.log.bytes.length, true);
    v.setBigUint64(32, a.log.address, true);
  }
  v.setUint32(40, a.kernVersion ?? 0, true);
  v.setUint32(44, a.flags ?? 0, true);
  if (a.name) bytes.set(objName(a.name), 48);
  v.setUint32(68, a.expectedAttachType ?? 0, true);
  if (a.btfFd !== undefined) {
    v.setUint32(72, a.btfFd, true);
    if (a.funcInfo && a.funcInfoCount) {
      v.setUint32(76, 8, true);
      v.setBigUint64(80, a.funcInfo.address, true);
      v.setUint32(88, a.funcInfoCount, true);
    }
    if (a.lineInfo && a.lineInfoCount) {
      v.setUint32(92, 16, true);
      v.setBigUint64(96, a.lineInfo.address, true);
      v.setUint32(104, a.lineInfoCount, true);
    }
  }
  v.setUint32(108, a.attachBtfId ?? 0, true);
  v.setUint32(112, a.attachBtfObjFd ?? 0, true);
  if (a.fdArray) v.setBigUint64(120, a.fdArray.address, true);
  return { fd: sys.bpf(Cmd.ProgLoad, bytes) };
}

export interface TestRunAttr {
  readonly progFd: number;
  readonly data?: Uint8Array;
  readonly dataOutSize?: number;
  readonly ctx?: Uint8Array;
  readonly ctxOutSize?: number;
  readonly repeat?: number;
  readonly flags?: number;
  readonly cpu?: number;
}

export interface TestRunResult {
  readonly retval: number;
  readonly durationNs: number;
  readonly dataOut?: Uint8Array;
  readonly ctxOut?: Uint8Array;
}

/** BPF_PROG_TEST_RUN (4.12; RAW_TRACEPOINT 5.10, SYSCALL 5.14). */
export function progTestRun(sys: Sys, a: TestRunAttr): TestRunResult {
  const mems: NativeMemory[] = [];
  const native = (n: number, init?: Uint8Array) => {
    const m = sys.alloc(n);
    if (init) m.bytes.set(init);
    mems.push(m);
    return m;
  };
  try {
    const [bytes, v] = attr(76);
    v.setUint32(0, a.progFd, true);
    let dataOut: NativeMemory | undefined;
    let ctxOut: NativeMemory | undefined;
    if (a.data) {
      v.setUint32(8, a.data.length, true);
      v.setBigUint64(16, native(a.data.length, a.data).address, true);
      if (a.dataOutSize) {
        dataOut = native(a.dataOutSize);
        v.setUint32(12, a.dataOutSize, true);
        v.setBigUint64(24, dataOut.address, true);
      }
    }
    v.setUint32(32, a.repeat ?? 0, true);
    if (a.ctx) {
      v.setUint32(40, a.ctx.length, true);
      v.setBigUint64(48, native(a.ctx.length, a.ctx).address, true);
      if (a.ctxOutSize) {
        ctxOut = native(a.ctxOutSize);
        v.setUint32(44, a.ctxOutSize, true);
        v.setBigUint64(56, ctxOut.address, true);
      }
    }
    v.setUint32(64, a.flags ?? 0, true);
    v.setUint32(68, a.cpu ?? 0, true);
    sys.bpf(Cmd.ProgTestRun, bytes);
    const out: { -readonly [K in keyof TestRunResult]: TestRunResult[K] } = { retval: v.getUint32(4, true), durationNs: v.getUint32(36, true) };
    if (dataOut) out.dataOut = dataOut.bytes.slice(0, v.getUint32(12, true));
    if (ctxOut) out.ctxOut = ctxOut.bytes.slice(0, v.getUint32(44, true));
    return out;
  } finally {
    for (const m of mems) m.free();
  }
}

/** BPF_RAW_TRACEPOINT_OPEN (4.17): name = null attaches a TRACING program by its attach_btf_id. */
export function rawTracepointOpen(sys: Sys, name: string | null, progFd: number): number {
  const p = name === null ? undefined : cString(sys, name);
  try {
    const [bytes, v] = attr(12);
    v.setBigUint64(0, p?.address ?? 0n, true);
    v.setUint32(8, progFd, true);
    return sys.bpf(Cmd.RawTracepointOpen, bytes);
  } finally {
    p?.free();
  }
}

export interface LinkCreateAttr {
  readonly progFd: number;
  readonly targetFd: number;
  readonly attachType: number;
  readonly flags?: number;
  /** Writes the per-attach-type union at offset 16. */
  readonly extra?: (v: DataView) => void;
}

/** BPF_LINK_CREATE (5.7). */
export function linkCreate(sys: Sys, a: LinkCreateAttr): number {
  const [bytes, v] = attr(64);
  v.setUint32(0, a.progFd, true);
  v.setUint32(4, a.targetFd, true);
  v.setUint32(8, a.attachType, true);
  v.setUint32(12, a.flags ?? 0, true);
  a.extra?.(v);
  return sys.bpf(Cmd.LinkCreate, bytes);
}

/** BPF_BTF_LOAD (4.18). Returns the BTF fd. */
export function btfLoad(sys: Sys, blob: Uint8Array, log?: NativeMemory, logLevel = 0): number {
  const mem = sys.alloc(blob.length);
  mem.bytes.set(blob);
  try {
    const [bytes, v] = attr(32);
    v.setBigUint64(0, mem.address, true);
    v.setUint32(16, blob.length, true);
    if (log && logLevel) {
      v.setBigUint64(8, log.address, true);
      v.setUint32(20, log.bytes.length, true);
      v.setUint32(24, logLevel, true);
    }
    return sys.bpf(Cmd.BtfLoad, bytes);
  } finally {
    mem.free();
  }
}

/** *_GET_NEXT_ID: the next id after `start`, or undefined at the end. */
export function getNextId(sys: Sys, cmd: Cmd.ProgGetNextId | Cmd.MapGetNextId | Cmd.LinkGetNextId, start: number): number | undefined {
  const [bytes, v] = attr(12);
  v.setUint32(0, start, true);
  try {
    sys.bpf(cmd, bytes);
    return v.getUint32(4, true);
  } catch (e) {
    if (e instanceof SysError && e.errno === ERRNO.ENOENT) return undefined;
    throw e;
  }
}

/** *_GET_FD_BY_ID. */
export function getFdById(sys: Sys, cmd: Cmd.ProgGetFdById | Cmd.MapGetFdById | Cmd.LinkGetFdById, id: number): number {
  const [bytes, v] = attr(12);
  v.setUint32(0, id, true);
  return sys.bpf(cmd, bytes);
}

/** Every id in the kernel's list of programs, maps or links. */
export function listIds(sys: Sys, cmd: Cmd.ProgGetNextId | Cmd.MapGetNextId | Cmd.LinkGetNextId): number[] {
  const ids: number[] = [];
  for (let id = getNextId(sys, cmd, 0); id !== undefined; id = getNextId(sys, cmd, id)) ids.push(id);
  return ids;
}
