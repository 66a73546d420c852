; program sys_enter_openat (tracepoint, 50 instructions)
  0: mov %r6, %r1
; stacks.increment({ probe: probe(), comm: bpf.comm(), user: bpf.ustack(), kernel: bpf.kstack() });  (samples/stackcount.ts:19)
  1: lddw %r0, 0x696f706563617274
  3: stxdw [%r10-80], %r0
  4: lddw %r0, 0x61637379733a746e
  6: stxdw [%r10-72], %r0
  7: lddw %r0, 0x5f7379733a736c6c
  9: stxdw [%r10-64], %r0
 10: lddw %r0, 0x706f5f7265746e65
 12: stxdw [%r10-56], %r0
 13: stdw [%r10-48], 1952542309
 14: stdw [%r10-40], 0
 15: mov %r1, %r10
 16: add %r1, -32
 17: mov %r2, 16
 18: call bpf_get_current_comm#16
 19: lddw %r2, map_fd .ustack.127
 21: mov %r1, %r6
 22: mov %r3, 256
 23: call bpf_get_stackid#27
 24: mov32 %r7, %r0
 25: call bpf_get_current_pid_tgid#14
 26: rsh %r0, 32
 27: lsh %r0, 32
 28: or %r0, %r7
 29: stxdw [%r10-16], %r0
 30: lddw %r2, map_fd .kstack.127
 32: mov %r1, %r6
 33: mov %r3, 0
 34: call bpf_get_stackid#27
 35: mov32 %r0, %r0
 36: stxdw [%r10-8], %r0
 37: lddw %r1, map_fd stacks
 39: mov %r2, %r10
 40: add %r2, -80
 41: call bpf_map_lookup_elem#1
 42: jeq %r0, 0, +5
 43: ldxdw %r1, [%r0]
 44: add %r1, 1
 45: stxdw [%r0], %r1
 46: mov %r0, 0
 47: exit
 48: stdw [%r10-88], 1
 49: lddw %r1, map_fd stacks
 51: mov %r2, %r10
 52: add %r2, -80
 53: mov %r3, %r10
 54: add %r3, -88
 55: mov %r4, 1
 56: call bpf_map_update_elem#2
 57: ja -12

; program malloc (kprobe, 48 instructions)
 0: mov %r7, %r1
; stacks.increment({ probe: probe(), comm: bpf.comm(), user: bpf.ustack(), kernel: bpf.kstack() });  (samples/stackcount.ts:23)
 1: lddw %r0, 0x6c3a65626f727075
 3: stxdw [%r10-80], %r0
 4: lddw %r0, 0x6c6c616d3a636269
 6: stxdw [%r10-72], %r0
 7: stdw [%r10-64], 25455
 8: stdw [%r10-56], 0
 9: stdw [%r10-48], 0
10: stdw [%r10-40], 0
11: mov %r1, %r10
12: add %r1, -32
13: mov %r2, 16
14: call bpf_get_current_comm#16
15: lddw %r2, map_fd .ustack.127
17: mov %r1, %r7
18: mov %r3, 256
19: call bpf_get_stackid#27
20: mov32 %r6, %r0
21: call bpf_get_current_pid_tgid#14
22: rsh %r0, 32
23: lsh %r0, 32
24: or %r0, %r6
25: stxdw [%r10-16], %r0
26: lddw %r2, map_fd .kstack.127
28: mov %r1, %r7
29: mov %r3, 0
30: call bpf_get_stackid#27
31: mov32 %r0, %r0
32: stxdw [%r10-8], %r0
33: lddw %r1, map_fd stacks
35: mov %r2, %r10
36: add %r2, -80
37: call bpf_map_lookup_elem#1
38: jeq %r0, 0, +5
39: ldxdw %r1, [%r0]
40: add %r1, 1
41: stxdw [%r0], %r1
42: mov %r0, 0
43: exit
44: stdw [%r10-88], 1
45: lddw %r1, map_fd stacks
47: mov %r2, %r10
48: add %r2, -80
49: mov %r3, %r10
50: add %r3, -88
51: mov %r4, 1
52: call bpf_map_update_elem#2
53: ja -12
