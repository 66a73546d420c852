; program sched_switch (tracepoint, 34 instructions)
; const limit = ctx.next_pid;  (test/golden/programs/bpf-loop.ts:8)
 0: ldxw %r0, [%r1+56]
 1: lsh %r0, 32
 2: arsh %r0, 32
; let sum = 0;  (test/golden/programs/bpf-loop.ts:9)
 3: mov %r6, 0
; bpf.loop(100, (i) => {  (test/golden/programs/bpf-loop.ts:10)
 4: stxdw [%r10-16], %r6
 5: stxdw [%r10-8], %r0
 6: lddw %r2, func +19
 8: mov %r3, %r10
 9: add %r3, -16
10: mov %r1, 100
11: mov %r4, 0
12: call bpf_loop#181
13: ldxdw %r6, [%r10-16]
; sums.add(sum);  (test/golden/programs/bpf-loop.ts:14)
14: stw [%r10-24], 0
15: lddw %r1, map_fd sums
17: mov %r2, %r10
18: add %r2, -24
19: call bpf_map_lookup_elem#1
20: jeq %r0, 0, +3
21: ldxdw %r1, [%r0]
22: add %r1, %r6
23: stxdw [%r0], %r1
24: mov %r0, 0
25: exit
; bpf.loop(100, (i) => {  (test/golden/programs/bpf-loop.ts:10)
26: ldxdw %r0, [%r2]
27: ldxdw %r3, [%r2+8]
; sum += i;  (test/golden/programs/bpf-loop.ts:11)
28: add %r0, %r1
; return sum > limit;  (test/golden/programs/bpf-loop.ts:12)
29: jsle %r0, %r3, +3
30: stxdw [%r2], %r0
31: mov %r0, 1
32: exit
33: stxdw [%r2], %r0
34: mov %r0, 0
35: exit
