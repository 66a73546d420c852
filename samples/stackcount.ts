// stackcount: the stacks that reach an event, counted (bcc's stackcount): here every file open (the openat
// syscall's tracepoint) and every malloc() of libc, each stack under the probe that saw it. Change the probes to
// count what reaches yours; a uprobe's user stack starts in the probed function.
//   sudo npx tsbpf run samples/stackcount.ts --duration 5
//   sudo npx tsbpf run samples/stackcount.ts -c 'ls -R /usr/share/doc' --format folded > opens.folded

import { Count, type KStack, type Str, type UStack, bpf, probe, tracepoint, uprobe } from "tsbpf";

interface Reached {
  probe: Str<48>;
  comm: Str<16>;
  user: UStack;
  kernel: KStack;
}

export const stacks = new Count<Reached>({ top: 50 });

tracepoint("syscalls/sys_enter_openat", () => {
  stacks.increment({ probe: probe(), comm: bpf.comm(), user: bpf.ustack(), kernel: bpf.kstack() });
});

uprobe("libc", "malloc", () => {
  stacks.increment({ probe: probe(), comm: bpf.comm(), user: bpf.ustack(), kernel: bpf.kstack() });
});
