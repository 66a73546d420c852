// Tracepoint context fields: loads of each width from the record at the offsets of the shipped tracepoint formats
// (relocated at load against the running kernel's), a signed field, a char array, and a __data_loc string.
import { RingBuffer, bpf, tracepoint, type Str, type i64, type u32 } from "tsbpf";

interface Rename {
  pid: u32;
  comm: Str<16>;
  oldcomm: Str<16>;
  newcomm: Str<16>;
  ret: i64;
}

export const events = new RingBuffer<Rename>(1 << 16);

tracepoint("task/task_rename", (ctx) => {
  events.emit({ pid: ctx.pid, comm: bpf.comm(), oldcomm: ctx.oldcomm, newcomm: ctx.newcomm, ret: BigInt(ctx.oom_score_adj) });
});

tracepoint("sched/sched_process_exec", (ctx) => {
  const file = bpf.tracepointString(ctx, ctx.filename, 16);
  events.emit({ pid: ctx.pid, comm: bpf.comm(), oldcomm: file, newcomm: "", ret: BigInt(ctx.old_pid) });
});
