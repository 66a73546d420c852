; program sys_enter (tracepoint, 26 instructions)
; let total = 0n;  (test/golden/programs/loop-unrolled.ts:8)
 0: mov %r6, 0
; total += ctx.args[i]!;  (test/golden/programs/loop-unrolled.ts:10)
 1: ldxdw %r0, [%r1+16]
 2: add %r6, %r0
 3: ldxdw %r0, [%r1+24]
 4: add %r6, %r0
 5: ldxdw %r0, [%r1+32]
 6: add %r6, %r0
 7: ldxdw %r0, [%r1+40]
 8: add %r6, %r0
 9: ldxdw %r0, [%r1+48]
10: add %r6, %r0
11: ldxdw %r0, [%r1+56]
12: add %r6, %r0
; args.add(total);  (test/golden/programs/loop-unrolled.ts:12)
13: stw [%r10-8], 0
14: lddw %r1, map_fd args
16: mov %r2, %r10
17: add %r2, -8
18: call bpf_map_lookup_elem#1
19: jeq %r0, 0, +5
20: ldxdw %r1, [%r0]
21: add %r1, %r6
22: stxdw [%r0], %r1
23: mov %r0, 0
24: exit
25: mov %r0, 0
26: exit
