// RingBuffer emit of an object literal: reserve a record, build each field in it (helpers write straight into it),
// submit; a failed reserve increments the per-CPU `events.lost` counter. The result is the program's return value.
import { RingBuffer, bpf, tracepoint, type Str, type i32, type u32, type u64 } from "tsbpf";

interface Open {
  pid: u32;
  dfd: i32;
  ts: u64;
  comm: Str<16>;
}

export const events = new RingBuffer<Open>(1 << 16);

tracepoint("syscalls/sys_enter_openat", (ctx) => {
  return events.emit({ pid: bpf.pid(), dfd: Number(ctx.dfd), ts: bpf.ktimeGetNs(), comm: bpf.comm() }) ? 1 : 0;
});
