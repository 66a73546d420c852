// The real syscall seam over koffi and libc: each Sys method is one libc call, errno turned into SysError.

import { arch } from "node:process";
import koffi from "koffi";
import { type EpollEvent, type Mapping, type NativeMemory, type PollHandle, type Sys, SysError } from "./sys.ts";

/** Syscall numbers that libc has no wrapper for. */
const NR: Record<string, { bpf: number; perfEventOpen: number }> = {
  x64: { bpf: 321, perfEventOpen: 298 },
  arm64: { bpf: 280, perfEventOpen: 241 },
};

export function createKoffiSys(): Sys {
  const nr = NR[arch];
  if (!nr) throw new Error(`tsbpf: unsupported architecture ${arch} (supported: x64, arm64)`);
  const libc = koffi.load("libc.so.6");
  const syscall = libc.func("long syscall(long nr, ...)");
  const ioctl = libc.func("int ioctl(int fd, unsigned long request, ...)");
  const mmap = libc.func("void *mmap(void *addr, size_t length, int prot, int flags, int fd, long offset)");
  const munmap = libc.func("int munmap(void *addr, size_t length)");
  const close = libc.func("int close(int fd)");
  const epollCreate1 = libc.func("int epoll_create1(int flags)");
  const epollCtl = libc.func("int epoll_ctl(int epfd, int op, int fd, void *event)");
  const epollWait = libc.func("int epoll_wait(int epfd, void *events, int maxevents, int timeout)");
  const sysconf = libc.func("long sysconf(int name)");
  const mount = libc.func("int mount(const char *source, const char *target, const char *fstype, unsigned long flags, const void *data)");
  const _SC_PAGESIZE = 30;
  const O_CLOEXEC = 0o2000000;

  const check = (r: number | bigint, name: string, detail?: string): number => {
    const n = Number(r);
    if (n < 0) throw new SysError(name, koffi.errno(), detail);
    return n;
  };
  const mappings = new WeakMap<Mapping, unknown>();

  return {
    pageSize: Number(sysconf(_SC_PAGESIZE)),
    arch: arch === "x64" ? "x86_64" : "aarch64",
    bpf(cmd, attr, size = attr.length) {
      return check(syscall(nr.bpf, "int", cmd, "void *", attr, "unsigned int", size), "bpf", `cmd ${cmd}`);
    },
    perfEventOpen(attr, pid, cpu, groupFd, flags) {
      return check(syscall(nr.perfEventOpen, "void *", attr, "int", pid, "int", cpu, "int", groupFd, "unsigned long", flags), "perf_event_open");
    },
    ioctl(fd, request, arg) {
      return check(ioctl(fd, request, "unsigned long", arg), "ioctl", `0x${request.toString(16)}`);
    },
    mmap(length, prot, flags, fd, offset) {
      const ptr = mmap(null, length, prot, flags, fd, offset);
      const address = ptr === null ? -1n : koffi.address(ptr);
      // MAP_FAILED is (void *)-1.
      if (address === -1n || address === 0xffffffffffffffffn) throw new SysError("mmap", koffi.errno());
      const m: Mapping = { address, length, buffer: koffi.view(ptr, length) };
      mappings.set(m, ptr);
      return m;
    },
    munmap(m) {
      const ptr = mappings.get(m);
      if (ptr === undefined) return;
      mappings.delete(m);
      check(munmap(ptr, m.length), "munmap");
    },
    close(fd) {
      close(fd);
    },
    closeAsync(fd) {
      // koffi runs the call on a thread of libuv's pool; like close(), the result is not checked.
      return new Promise<void>((resolve) => {
        close.async(fd, () => resolve());
      });
    },
    epollCreate() {
      return check(epollCreate1(O_CLOEXEC), "epoll_create1");
    },
    epollCtl(epfd, op, fd, events) {
      // struct epoll_event is packed on x86_64 (12 bytes), naturally aligned elsewhere (16).
      const ev = Buffer.alloc(16);
      ev.writeUInt32LE(events, 0);
      ev.writeUInt32LE(fd, arch === "x64" ? 4 : 8);
      check(epollCtl(epfd, op, fd, ev), "epoll_ctl");
    },
    epollWait(epfd, maxEvents, timeoutMs) {
      const stride = arch === "x64" ? 12 : 16;
      const buf = Buffer.alloc(stride * maxEvents);
      const n = check(epollWait(epfd, buf, maxEvents, timeoutMs), "epoll_wait");
      const out: EpollEvent[] = [];
      for (let i = 0; i < n; i++) out.push({ events: buf.readUInt32LE(i * stride), data: buf.readUInt32LE(i * stride + (arch === "x64" ? 4 : 8)) });
      return out;
    },
    poll(fd, onReadable): PollHandle {
      // koffi calls back with (status, events), although its typings say (events).
      const callback = (status: number, ev: { readable: boolean; disconnect: boolean }) => {
        if (status < 0 || ev.readable || ev.disconnect) onReadable();
      };
      const handle = koffi.node.poll(fd, { readable: true }, callback as unknown as (ev: { readable: boolean }) => void);
      return {
        close: () => handle.close(),
        unref: () => handle.unref(),
        ref: () => handle.ref(),
      };
    },
    mount(source, target, fstype) {
      check(mount(source, target, fstype, 0, null), "mount", `${fstype} at ${target}`);
    },
    alloc(size): NativeMemory {
      const n = Math.max(size, 1);
      const ptr = koffi.alloc("uint8_t", n);
      const bytes = new Uint8Array(koffi.view(ptr, n), 0, size);
      bytes.fill(0);
      let freed = false;
      return {
        address: koffi.address(ptr),
        bytes,
        free() {
          if (freed) return;
          freed = true;
          koffi.free(ptr);
        },
      };
    },
  };
}
