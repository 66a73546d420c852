// opensnoop: every file opened, system-wide, with the process, the fd it got or the errno it failed with, and the
// path (bcc's opensnoop). The path pointer and flags are kept from a syscall's entry to its exit, by thread id;
// the exit reads the path (by then the kernel has paged it in) and sends the event.
//   sudo npx tsbpf run samples/opensnoop.ts
//   sudo npx tsbpf run samples/opensnoop.ts --param pid=1234       (one process only)
//   sudo npx tsbpf run samples/opensnoop.ts --param failed=true    (failed opens only)

import { HashMap, RingBuffer, bpf, param, tracepoint, type Str, type i32, type ptr, type u32, type u64 } from "tsbpf";

/** Only trace this process (0: every process). */
const PID = param<u32>("pid", 0);
/** Only report opens that failed. */
const FAILED = param<boolean>("failed", false);

interface Open {
  pid: u32;
  comm: Str<16>;
  /** The file descriptor, or -1 when the open failed. */
  fd: i32;
  /** The errno when the open failed (2: ENOENT, 13: EACCES), 0 otherwise. */
  errno: i32;
  /** O_* flags (O_WRONLY 1, O_RDWR 2, O_CREAT 0o100, O_CLOEXEC 0o2000000). */
  flags: u32;
  path: Str<256>;
}

/** An open in progress: the user's path pointer and the flags, from the syscall's entry to its exit. */
interface Pending {
  path: ptr;
  flags: u32;
}

const pending = new HashMap<u32, Pending>(10240);
export const events = new RingBuffer<Open>(1 << 22);

function enter(path: ptr, flags: u64): void {
  if (PID !== 0 && bpf.pid() !== PID) return;
  pending.set(bpf.tid(), { path, flags: Number(flags) });
}

function exit(ret: bigint): void {
  const tid = bpf.tid();
  const p = pending.get(tid);
  if (p === undefined) return;
  if (ret >= 0n && FAILED) {
    pending.delete(tid);
    return;
  }
  events.emit({
    pid: bpf.pid(),
    comm: bpf.comm(),
    fd: ret < 0n ? -1 : Number(ret),
    errno: ret < 0n ? Number(-ret) : 0,
    flags: p.flags,
    path: bpf.probeReadUserStr(p.path, 256),
  });
  pending.delete(tid);
}

// open(2) itself exists on x86_64 but not on arm64 or riscv (libc's open() calls openat): optional, so the tool
// runs there without it.
tracepoint("syscalls/sys_enter_open", { optional: true }, (ctx) => enter(ctx.filename, ctx.flags));
tracepoint("syscalls/sys_exit_open", { optional: true }, (ctx) => exit(ctx.ret));
tracepoint("syscalls/sys_enter_openat", (ctx) => enter(ctx.filename, ctx.flags));
tracepoint("syscalls/sys_exit_openat", (ctx) => exit(ctx.ret));
// openat2 (5.6) takes its flags in a struct open_how in user memory, whose first field they are (a u64). Optional:
// older kernels do not have it.
tracepoint("syscalls/sys_enter_openat2", { optional: true }, (ctx) => enter(ctx.filename, bpf.probeReadUser<u64>(ctx.how)));
tracepoint("syscalls/sys_exit_openat2", { optional: true }, (ctx) => exit(ctx.ret));
