; program sched_switch (tracepoint, 45 instructions)
; const limit = ctx.next_pid;  (test/golden/programs/bpf-loop.ts:8)
 0: ldxw %r6, [%r1+56]
 1: lsh %r6, 32
 2: arsh %r6, 32
; let sum = 0;  (test/golden/programs/bpf-loop.ts:9)
 3: mov %r7, 0
; bpf.loop(100, (i) => {  (test/golden/programs/bpf-loop.ts:10)
 4: stw [%r10-8], 0
 5: lddw %r1, map_fd .scratch.sched_switch
 7: mov %r2, %r10
 8: add %r2, -8
 9: call bpf_map_lookup_elem#1
10: mov %r8, %r0
11: jeq %r8, 0, +23
12: stxdw [%r8], %r7
13: stxdw [%r10-24], %r6
14: stxdw [%r10-16], %r8
15: lddw %r2, func +21
17: mov %r3, %r10
18: add %r3, -32
19: mov %r1, 100
20: mov %r4, 0
21: call bpf_loop#181
22: ldxdw %r7, [%r8]
; sums.add(sum);  (test/golden/programs/bpf-loop.ts:14)
23: stw [%r10-32], 0
24: lddw %r1, map_fd sums
26: mov %r2, %r10
27: add %r2, -32
28: call bpf_map_lookup_elem#1
29: jeq %r0, 0, +3
30: ldxdw %r1, [%r0]
31: add %r1, %r7
32: stxdw [%r0], %r1
33: mov %r0, 0
34: exit
; bpf.loop(100, (i) => {  (test/golden/programs/bpf-loop.ts:10)
35: mov %r0, 0
36: exit
37: ldxdw %r0, [%r2+16]
38: ldxdw %r3, [%r0]
39: ldxdw %r2, [%r2+8]
; sum += i;  (test/golden/programs/bpf-loop.ts:11)
40: add %r3, %r1
; return sum > limit;  (test/golden/programs/bpf-loop.ts:12)
41: jsle %r3, %r2, +3
42: stxdw [%r0], %r3
43: mov %r0, 1
44: exit
45: stxdw [%r0], %r3
46: mov %r0, 0
47: exit
