; program sched_switch (tracepoint, 33 instructions)
; let kind: u32 = 0;  (test/golden/programs/switch.ts:7)
 0: mov %r0, 0
; switch (ctx.prev_state) {  (test/golden/programs/switch.ts:8)
 1: ldxdw %r0, [%r1+32]
; case 0n:  (test/golden/programs/switch.ts:9)
 2: jne %r0, 0, +13
; kind = 1;  (test/golden/programs/switch.ts:10)
 3: mov %r0, 1
; states.increment(kind);  (test/golden/programs/switch.ts:22)
 4: stxw [%r10-8], %r0
 5: lddw %r1, map_fd states
 7: mov %r2, %r10
 8: add %r2, -8
 9: call bpf_map_lookup_elem#1
10: jeq %r0, 0, +8
11: ldxdw %r1, [%r0]
12: add %r1, 1
13: stxdw [%r0], %r1
14: mov %r0, 0
15: exit
; case 1n:  (test/golden/programs/switch.ts:12)
16: jne %r0, 1, +12
; kind = 2;  (test/golden/programs/switch.ts:14)
17: mov %r0, 2
; break;  (test/golden/programs/switch.ts:15)
18: ja -15
; states.increment(kind);  (test/golden/programs/switch.ts:22)
19: stdw [%r10-16], 1
20: lddw %r1, map_fd states
22: mov %r2, %r10
23: add %r2, -8
24: mov %r3, %r10
25: add %r3, -16
26: mov %r4, 1
27: call bpf_map_update_elem#2
28: ja -15
; case 2n:  (test/golden/programs/switch.ts:13)
29: jeq %r0, 2, -13
; case 64n:  (test/golden/programs/switch.ts:16)
30: jne %r0, 64, +2
; kind = 3;  (test/golden/programs/switch.ts:17)
31: mov %r0, 3
; break;  (test/golden/programs/switch.ts:18)
32: ja -29
; kind = 10;  (test/golden/programs/switch.ts:20)
33: mov %r0, 10
34: ja -31
