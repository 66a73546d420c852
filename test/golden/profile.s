; program profile_99 (perf_event, 46 instructions)
 0: mov %r7, %r1
; if (bpf.pid() === 0) return;  (samples/profile.ts:19)
 1: call bpf_get_current_pid_tgid#14
 2: mov %r6, %r0
 3: mov %r0, %r6
 4: rsh %r0, 32
 5: jne %r0, 0, +2
 6: mov %r0, 0
 7: exit
; samples.increment({ comm: bpf.comm(), user: bpf.ustack(), kernel: bpf.kstack() });  (samples/profile.ts:20)
 8: mov %r1, %r10
 9: add %r1, -32
10: mov %r2, 16
11: call bpf_get_current_comm#16
12: lddw %r2, map_fd .ustack.127
14: mov %r1, %r7
15: mov %r3, 256
16: call bpf_get_stackid#27
17: mov32 %r0, %r0
18: rsh %r6, 32
19: lsh %r6, 32
20: or %r6, %r0
21: stxdw [%r10-16], %r6
22: lddw %r2, map_fd .kstack.127
24: mov %r1, %r7
25: mov %r3, 0
26: call bpf_get_stackid#27
27: mov32 %r0, %r0
28: stxdw [%r10-8], %r0
29: lddw %r1, map_fd samples
31: mov %r2, %r10
32: add %r2, -32
33: call bpf_map_lookup_elem#1
34: jeq %r0, 0, +5
35: ldxdw %r1, [%r0]
36: add %r1, 1
37: stxdw [%r0], %r1
38: mov %r0, 0
39: exit
40: stdw [%r10-40], 1
41: lddw %r1, map_fd samples
43: mov %r2, %r10
44: add %r2, -32
45: mov %r3, %r10
46: add %r3, -40
47: mov %r4, 1
48: call bpf_map_update_elem#2
49: ja -12
