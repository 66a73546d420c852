; program sched_switch (tracepoint, 47 instructions)
 0: mov %r7, %r1
; const limit = ctx.next_pid;  (test/golden/programs/bpf-loop.ts:8)
 1: ldxw %r6, [%r7+56]
 2: lsh %r6, 32
 3: arsh %r6, 32
; let sum = 0;  (test/golden/programs/bpf-loop.ts:9)
 4: mov %r8, 0
; bpf.loop(100, (i) => {  (test/golden/programs/bpf-loop.ts:10)
 5: stw [%r10-8], 0
 6: lddw %r1, map_fd .scratch.sched_switch
 8: mov %r2, %r10
 9: add %r2, -8
10: call bpf_map_lookup_elem#1
11: mov %r9, %r0
12: jeq %r9, 0, +19
13: stxdw [%r9], %r8
14: stxdw [%r10-32], %r6
15: stxdw [%r10-16], %r9
16: stxdw [%r10-24], %r7
17: lddw %r2, func +21
19: mov %r3, %r10
20: add %r3, -40
21: mov %r1, 100
22: mov %r4, 0
23: call bpf_loop#181
24: ldxdw %r8, [%r9]
; sums.add(sum);  (test/golden/programs/bpf-loop.ts:14)
25: stw [%r10-40], 0
26: lddw %r1, map_fd sums
28: mov %r2, %r10
29: add %r2, -40
30: call bpf_map_lookup_elem#1
31: jne %r0, 0, +2
; bpf.loop(100, (i) => {  (test/golden/programs/bpf-loop.ts:10)
32: mov %r0, 0
33: exit
; sums.add(sum);  (test/golden/programs/bpf-loop.ts:14)
34: ldxdw %r1, [%r0]
35: add %r1, %r8
36: stxdw [%r0], %r1
37: mov %r0, 0
38: exit
; bpf.loop(100, (i) => {  (test/golden/programs/bpf-loop.ts:10)
39: ldxdw %r0, [%r2+24]
40: ldxdw %r3, [%r0]
41: ldxdw %r2, [%r2+8]
; sum += i;  (test/golden/programs/bpf-loop.ts:11)
42: add %r3, %r1
; return sum > limit;  (test/golden/programs/bpf-loop.ts:12)
43: jsle %r3, %r2, +3
44: stxdw [%r0], %r3
45: mov %r0, 1
46: exit
47: stxdw [%r0], %r3
48: mov %r0, 0
49: exit
