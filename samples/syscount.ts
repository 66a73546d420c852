// syscount: system calls counted by syscall number and by process name (bpftrace's syscount.bt, bcc's syscount).
//   sudo npx tsbpf run samples/syscount.ts --duration 3
//   sudo npx tsbpf run samples/syscount.ts --param pid=1234      (one process only)

import { Count, bpf, param, tracepoint, type Str, type u32 } from "tsbpf";

/** Only count this process (0: every process). */
const PID = param<u32>("pid", 0);

/** Calls per syscall number (see `ausyscall --dump` or /usr/include/asm/unistd_64.h for the names). */
export const syscalls = new Count<u32>();
/** Calls per process name. */
export const processes = new Count<Str<16>>();

tracepoint("raw_syscalls/sys_enter", (ctx) => {
  if (PID !== 0 && bpf.pid() !== PID) return;
  syscalls.increment(Number(ctx.id));
  processes.increment(bpf.comm());
});
