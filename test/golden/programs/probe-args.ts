// kprobe, kretprobe and uprobe registers: vfs_read's typed count (its third argument), its return value and
// ctx.arg0() are loads from pt_regs at the x86_64 offsets of dx, ax and di; the return value, an i64 in vfs_read's
// prototype, is compared signed.
import { HashMap, Sum, bpf, kprobe, kretprobe, uprobe, type u32, type u64 } from "tsbpf";

const sizes = new HashMap<u32, u64>(1024);
export const failed = new Sum();
export const allocated = new Sum();

kprobe("vfs_read", (_file, _buf, count) => {
  sizes.set(bpf.tid(), count);
});

kretprobe("vfs_read", (ret) => {
  if (ret < 0n) failed.add(sizes.get(bpf.tid()) ?? 0n);
  sizes.delete(bpf.tid());
});

uprobe("libc", "malloc", (ctx) => {
  allocated.add(ctx.arg0());
});
