// syscount: system calls counted by syscall and by process name, the 10 most frequent of each printed by name
// (bpftrace's syscount.bt, bcc's syscount).
//   sudo npx tsbpf run samples/syscount.ts --duration 3
//   sudo npx tsbpf run samples/syscount.ts --param pid=1234      (one process only)
//   sudo npx tsbpf run samples/syscount.ts --syscall-numbers     (numbers, as bpftrace prints them)

import { Count, bpf, param, tracepoint, type Str, type Syscall, type u32 } from "tsbpf";

/** Only count this process (0: every process). */
const PID = param<u32>("pid", 0);

/** Calls per syscall: printed as the running architecture's names (`openat`), the 10 most frequent. */
export const syscalls = new Count<Syscall>({ top: 10 });
/** Calls per process name, the 10 busiest. */
export const processes = new Count<Str<16>>({ top: 10 });

tracepoint("raw_syscalls/sys_enter", (ctx) => {
  if (PID !== 0 && bpf.pid() !== PID) return;
  syscalls.increment(Number(ctx.id));
  processes.increment(bpf.comm());
});
