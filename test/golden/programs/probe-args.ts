// kprobe, kretprobe and uprobe registers: ctx.arg2(), ctx.arg0() and ctx.retval() are loads from pt_regs at the
// x86_64 offsets of dx, di and ax; the return value typed i64 is compared signed.
import { HashMap, Sum, bpf, kprobe, kretprobe, uprobe, type i64, type u32, type u64 } from "tsbpf";

const sizes = new HashMap<u32, u64>(1024);
export const failed = new Sum();
export const allocated = new Sum();

kprobe("vfs_read", (ctx) => {
  sizes.set(bpf.tid(), ctx.arg2());
});

kretprobe("vfs_read", (ctx) => {
  const ret: i64 = ctx.retval();
  if (ret < 0n) failed.add(sizes.get(bpf.tid()) ?? 0n);
  sizes.delete(bpf.tid());
});

uprobe("libc", "malloc", (ctx) => {
  allocated.add(ctx.arg0());
});
