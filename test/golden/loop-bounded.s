; program sys_enter_execve (tracepoint, 31 instructions)
 0: mov %r7, %r1
; for (let i = 0; i < 20; i++) {  (test/golden/programs/loop-bounded.ts:8)
 1: mov %r6, 0
 2: jslt %r6, 20, +2
 3: mov %r0, 0
 4: exit
; const arg = bpf.probeReadUser<u64>(ctx.argv + BigInt(i * 8));  (test/golden/programs/loop-bounded.ts:9)
 5: ldxdw %r3, [%r7+24]
 6: mov %r0, %r6
 7: mul %r0, 8
 8: add %r3, %r0
 9: mov %r1, %r10
10: add %r1, -8
11: mov %r2, 8
12: call bpf_probe_read_user#112
13: ldxdw %r0, [%r10-8]
; if (arg === 0n) break;  (test/golden/programs/loop-bounded.ts:10)
14: jeq %r0, 0, -12
; if ((arg & 1n) !== 0n) continue;  (test/golden/programs/loop-bounded.ts:11)
15: and %r0, 1
16: jeq %r0, 0, +2
; for (let i = 0; i < 20; i++) {  (test/golden/programs/loop-bounded.ts:8)
17: add %r6, 1
18: ja -17
; nonEmpty.increment();  (test/golden/programs/loop-bounded.ts:12)
19: stw [%r10-16], 0
20: lddw %r1, map_fd nonEmpty
22: mov %r2, %r10
23: add %r2, -16
24: call bpf_map_lookup_elem#1
25: jeq %r0, 0, +4
26: ldxdw %r1, [%r0]
27: add %r1, 1
28: stxdw [%r0], %r1
29: ja -13
30: mov %r0, 0
31: exit
