; program sched_switch (tracepoint, 35 instructions)
; if (!ENABLED) return;  (test/golden/programs/params.ts:12)
 0: lddw %r0, map_value .rodata+0
 2: ldxb %r0, [%r0]
 3: jne %r0, 0, +2
 4: mov %r0, 0
 5: exit
; if (PID !== 0 && ctx.next_pid !== PID) return;  (test/golden/programs/params.ts:13)
 6: lddw %r0, map_value .rodata+0
 8: ldxw %r0, [%r0+4]
 9: jne %r0, 0, +7
; if (ctx.prev_state < MIN_NS) return;  (test/golden/programs/params.ts:14)
10: ldxdw %r1, [%r1+32]
11: lddw %r0, map_value .rodata+0
13: ldxdw %r0, [%r0+8]
14: jsge %r1, %r0, +11
15: mov %r0, 0
16: exit
; if (PID !== 0 && ctx.next_pid !== PID) return;  (test/golden/programs/params.ts:13)
17: ldxw %r0, [%r1+56]
18: lsh %r0, 32
19: arsh %r0, 32
20: lddw %r2, map_value .rodata+0
22: ldxw %r2, [%r2+4]
23: jeq %r0, %r2, -14
24: mov %r0, 0
25: exit
; seen.increment();  (test/golden/programs/params.ts:15)
26: stw [%r10-8], 0
27: lddw %r1, map_fd seen
29: mov %r2, %r10
30: add %r2, -8
31: call bpf_map_lookup_elem#1
32: jeq %r0, 0, +5
33: ldxdw %r1, [%r0]
34: add %r1, 1
35: stxdw [%r0], %r1
36: mov %r0, 0
37: exit
38: mov %r0, 0
39: exit
