// bpf.readKernelField: a probe read of a kernel struct field at a placeholder offset with a btf_field relocation,
// resolved at load against the running kernel's BTF (CO-RE style); chained through a pointer field.
import { Count, bpf, tracepoint, type i32, type ptr, type u32 } from "tsbpf";

export const byParent = new Count<u32>();

tracepoint("sched/sched_process_exec", () => {
  const task = bpf.currentTask();
  const parent = bpf.readKernelField<ptr>(task, "task_struct", "real_parent");
  const ppid = bpf.readKernelField<i32>(parent, "task_struct", "tgid");
  byParent.increment(ppid);
});
