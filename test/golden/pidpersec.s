; program sched_process_fork (tracepoint, 12 instructions)
; forks.add(0, 1n);  (samples/pidpersec.ts:15)
 0: stw [%r10-8], 0
 1: lddw %r1, map_fd forks
 3: mov %r2, %r10
 4: add %r2, -8
 5: call bpf_map_lookup_elem#1
 6: jeq %r0, 0, +4
 7: mov %r1, 1
 8: lock add [%r0], %r1
 9: mov %r0, 0
10: exit
11: mov %r0, 0
12: exit

; program interval_1000 (perf_event, 50 instructions)
; const n = forks.get(0) ?? 0n;  (samples/pidpersec.ts:19)
  0: stw [%r10-8], 0
  1: lddw %r1, map_fd forks
  3: mov %r2, %r10
  4: add %r2, -8
  5: call bpf_map_lookup_elem#1
  6: jeq %r0, 0, +20
  7: ldxdw %r6, [%r0]
; forks.add(0, -n);  (samples/pidpersec.ts:20)
  8: stw [%r10-8], 0
  9: mov %r7, %r6
 10: neg %r7
 11: lddw %r1, map_fd forks
 13: mov %r2, %r10
 14: add %r2, -8
 15: call bpf_map_lookup_elem#1
 16: jeq %r0, 0, +8
 17: lock add [%r0], %r7
; perSecond.record(n);  (samples/pidpersec.ts:21)
 18: stw [%r10-8], 0
 19: lddw %r1, map_fd perSecond
 21: mov %r2, %r10
 22: add %r2, -8
 23: call bpf_map_lookup_elem#1
 24: jne %r0, 0, +4
; forks.add(0, -n);  (samples/pidpersec.ts:20)
 25: mov %r0, 0
 26: exit
; const n = forks.get(0) ?? 0n;  (samples/pidpersec.ts:19)
 27: mov %r6, 0
 28: ja -21
; perSecond.record(n);  (samples/pidpersec.ts:21)
 29: ldxdw %r1, [%r0]
 30: add %r1, 1
 31: stxdw [%r0], %r1
 32: ldxdw %r1, [%r0+8]
 33: add %r1, %r6
 34: stxdw [%r0+8], %r1
; distribution.record(n);  (samples/pidpersec.ts:22)
 35: mov %r0, 0
 36: jge %r6, 1000, +15
 37: mov %r0, %r6
 38: div %r0, 10
 39: add %r0, 1
 40: stxw [%r10-8], %r0
 41: lddw %r1, map_fd distribution
 43: mov %r2, %r10
 44: add %r2, -8
 45: call bpf_map_lookup_elem#1
 46: jeq %r0, 0, -22
 47: ldxdw %r1, [%r0]
 48: add %r1, 1
 49: stxdw [%r0], %r1
 50: mov %r0, 0
 51: exit
 52: mov %r0, 101
 53: ja -14
