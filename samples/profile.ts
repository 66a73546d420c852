// profile: a CPU profile, as bcc's profile and bpftrace's `profile:hz:99 { @[ustack, kstack] = count(); }`:
// 99 times a second on every CPU, the command, user stack and kernel stack of what runs there, counted. Idle CPUs
// are left out. One process: -p PID or -c CMD. A flame graph: --flamegraph profile.svg (or --format folded).
//   sudo npx tsbpf run samples/profile.ts --duration 10 --flamegraph profile.svg
//   sudo npx tsbpf run samples/profile.ts -c 'node --perf-basic-prof app.js' --flamegraph node.svg

import { Count, type KStack, type Str, type UStack, bpf, profile } from "tsbpf";

interface Sample {
  comm: Str<16>;
  user: UStack;
  kernel: KStack;
}

/** Samples by command and stacks; the 200 hottest print (every one goes into a flame graph). */
export const samples = new Count<Sample>({ top: 200 });

profile(99, () => {
  if (bpf.pid() === 0) return;
  samples.increment({ comm: bpf.comm(), user: bpf.ustack(), kernel: bpf.kstack() });
});
