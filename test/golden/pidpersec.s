; program sched_process_fork (tracepoint, 10 instructions)
; forks.add(0, 1n);  (samples/pidpersec.ts:15)
 0: stw [%r10-8], 0
 1: lddw %r1, map_fd forks
 3: mov %r2, %r10
 4: add %r2, -8
 5: call bpf_map_lookup_elem#1
 6: jeq %r0, 0, +2
 7: mov %r1, 1
 8: lock add [%r0], %r1
 9: mov %r0, 0
10: exit

; program interval_1000 (perf_event, 50 instructions)
; const n = forks.get(0) ?? 0n;  (samples/pidpersec.ts:19)
  0: stw [%r10-8], 0
  1: lddw %r1, map_fd forks
  3: mov %r2, %r10
  4: add %r2, -8
  5: call bpf_map_lookup_elem#1
  6: jeq %r0, 0, +38
  7: ldxdw %r6, [%r0]
; forks.add(0, -n);  (samples/pidpersec.ts:20)
  8: stw [%r10-8], 0
  9: mov %r7, %r6
 10: neg %r7
 11: lddw %r1, map_fd forks
 13: mov %r2, %r10
 14: add %r2, -8
 15: call bpf_map_lookup_elem#1
 16: jeq %r0, 0, +1
 17: lock add [%r0], %r7
; perSecond.record(n);  (samples/pidpersec.ts:21)
 18: stw [%r10-8], 0
 19: lddw %r1, map_fd perSecond
 21: mov %r2, %r10
 22: add %r2, -8
 23: call bpf_map_lookup_elem#1
 24: jeq %r0, 0, +18
 25: ldxdw %r1, [%r0]
 26: add %r1, 1
 27: stxdw [%r0], %r1
 28: ldxdw %r1, [%r0+8]
 29: add %r1, %r6
 30: stxdw [%r0+8], %r1
; distribution.record(n);  (samples/pidpersec.ts:22)
 31: mov %r0, 0
 32: jge %r6, 1000, +14
 33: mov %r0, %r6
 34: div %r0, 10
 35: add %r0, 1
 36: stxw [%r10-8], %r0
 37: lddw %r1, map_fd distribution
 39: mov %r2, %r10
 40: add %r2, -8
 41: call bpf_map_lookup_elem#1
 42: jne %r0, 0, +6
; perSecond.record(n);  (samples/pidpersec.ts:21)
 43: mov %r0, 0
 44: exit
; const n = forks.get(0) ?? 0n;  (samples/pidpersec.ts:19)
 45: mov %r6, 0
 46: ja -39
; distribution.record(n);  (samples/pidpersec.ts:22)
 47: mov %r0, 101
 48: ja -13
 49: ldxdw %r1, [%r0]
 50: add %r1, 1
 51: stxdw [%r0], %r1
 52: mov %r0, 0
 53: exit
