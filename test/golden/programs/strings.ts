// Strings: Str<N> struct fields filled from bpf.comm(), a tracepoint's char array, a user-memory read
// (probeReadUserStr) and a literal; a string compared with a literal (=== and !==) byte by byte.
import { HashMap, bpf, tracepoint, type Str, type u32 } from "tsbpf";

interface Names {
  comm: Str<16>;
  next: Str<16>;
  path: Str<64>;
  tag: Str<8>;
}

const names = new HashMap<u32, Names>(1024);

tracepoint("syscalls/sys_enter_openat", (ctx) => {
  const comm = bpf.comm();
  if (comm !== "bash") return;
  names.set(bpf.tid(), { comm, next: "", path: bpf.probeReadUserStr(ctx.filename, 64), tag: "open" });
});

tracepoint("sched/sched_switch", (ctx) => {
  if (ctx.next_comm === "swapper/0") return;
  const n = names.get(ctx.next_pid);
  if (n) n.next = ctx.next_comm;
});
