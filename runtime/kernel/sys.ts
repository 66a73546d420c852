// The one syscall seam: bpf, perf_event_open, ioctl, mmap/munmap, epoll, close and native memory, as an
// interface that tests replace with a fake. Arguments in, results or a SysError (errno name attached) out.

/** Native (non-moving) memory whose address can be written into a bpf_attr. */
export interface NativeMemory {
  readonly address: bigint;
  readonly bytes: Uint8Array;
  free(): void;
}

/** A memory mapping of a kernel object (ring buffer, perf buffer). */
export interface Mapping {
  readonly address: bigint;
  readonly length: number;
  /** Zero-copy view of the mapping. */
  readonly buffer: ArrayBuffer;
}

export interface PollHandle {
  /** Stops watching; the callback is not called again. */
  close(): void;
  /** Lets the process exit even while watching. */
  unref(): void;
  ref(): void;
}

export interface EpollEvent {
  readonly events: number;
  /** The value registered with epollCtl (we register the fd). */
  readonly data: number;
}

/** Every kernel entry point the runtime uses. `linuxSys()` is the real one; tests pass a fake. */
export interface Sys {
  /** bpf(2). Returns the non-negative result (an fd or 0); throws SysError on -1. */
  bpf(cmd: number, attr: Uint8Array, size?: number): number;
  /** perf_event_open(2). Returns an fd; throws SysError. */
  perfEventOpen(attr: Uint8Array, pid: number, cpu: number, groupFd: number, flags: number): number;
  /** ioctl(2) with an integer argument. */
  ioctl(fd: number, request: number, arg: number): number;
  mmap(length: number, prot: number, flags: number, fd: number, offset: number): Mapping;
  munmap(m: Mapping): void;
  close(fd: number): void;
  /**
   * close(2) on a worker thread, where the implementation has one. Closing a perf event waits for the kernel's
   * RCU grace periods (tens of ms per probe); closes in parallel wait for them together.
   */
  closeAsync?(fd: number): Promise<void>;
  epollCreate(): number;
  epollCtl(epfd: number, op: number, fd: number, events: number): void;
  /** Waits up to timeoutMs (0: poll, -1: forever) and returns ready events. */
  epollWait(epfd: number, maxEvents: number, timeoutMs: number): EpollEvent[];
  /** Calls `onReadable` from the event loop whenever `fd` is readable (uv_poll); level-triggered. */
  poll(fd: number, onReadable: () => void): PollHandle;
  /** Zeroed native memory; free it when done. */
  alloc(size: number): NativeMemory;
  /** mount(2), used to mount tracefs or bpffs when they are missing (root only). Optional: fakes may omit it. */
  mount?(source: string, target: string, fstype: string): void;
  readonly pageSize: number;
  /** Name of the architecture the syscall numbers are for ("x86_64", "aarch64"). */
  readonly arch: string;
}

/** errno values by name, Linux generic + x86_64/arm64 (the values agree on both). */
export const ERRNO = {
  EPERM: 1, ENOENT: 2, ESRCH: 3, EINTR: 4, EIO: 5, ENXIO: 6, E2BIG: 7, ENOEXEC: 8, EBADF: 9, ECHILD: 10,
  EAGAIN: 11, ENOMEM: 12, EACCES: 13, EFAULT: 14, EBUSY: 16, EEXIST: 17, EXDEV: 18, ENODEV: 19, ENOTDIR: 20,
  EISDIR: 21, EINVAL: 22, ENFILE: 23, EMFILE: 24, ENOTTY: 25, ETXTBSY: 26, EFBIG: 27, ENOSPC: 28, ESPIPE: 29,
  EROFS: 30, EMLINK: 31, EPIPE: 32, EDOM: 33, ERANGE: 34, EDEADLK: 35, ENAMETOOLONG: 36, ENOLCK: 37, ENOSYS: 38,
  ENOTEMPTY: 39, ELOOP: 40, ENOMSG: 42, EIDRM: 43, ENOLINK: 67, EPROTO: 71, EBADMSG: 74, EOVERFLOW: 75,
  EILSEQ: 84, EUSERS: 87, ENOTSOCK: 88, EOPNOTSUPP: 95, EADDRINUSE: 98, ENOBUFS: 105, ETIMEDOUT: 110,
  ECANCELED: 125, EOWNERDEAD: 130, ERFKILL: 132, EHWPOISON: 133,
  /** Kernel-internal ENOTSUPP, which BPF returns to user space in places (PROG_TEST_RUN on KPROBE, kprobe_multi). */
  ENOTSUPP: 524,
} as const;
export type ErrnoName = keyof typeof ERRNO;

const NAMES: Record<number, string> = Object.fromEntries(Object.entries(ERRNO).map(([k, v]) => [v, k]));
export const errnoName = (errno: number): string => NAMES[errno] ?? `errno ${errno}`;

/** A failed system call. `code` is the errno name (EPERM, ...). */
export class SysError extends Error {
  override readonly name = "SysError";
  readonly code: string;
  constructor(readonly syscall: string, readonly errno: number, detail?: string) {
    super(`${syscall}${detail ? ` ${detail}` : ""}: ${errnoName(errno)}`);
    this.code = errnoName(errno);
  }
}

/** Linux constants the seam's callers use. */
export const PROT_READ = 1, PROT_WRITE = 2;
export const MAP_SHARED = 1;
export const EPOLL_CTL_ADD = 1, EPOLL_CTL_DEL = 2;
export const EPOLLIN = 1;
export const PERF_FLAG_FD_CLOEXEC = 8;

let cached: Sys | undefined;

/** The real seam, through koffi and libc. Loaded on first use so that importing the runtime costs nothing. */
export async function linuxSys(): Promise<Sys> {
  if (!cached) {
    const { createKoffiSys } = await import("./sys-koffi.ts");
    cached = createKoffiSys();
  }
  return cached;
}
