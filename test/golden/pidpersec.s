; program begin (raw_tracepoint, 21 instructions)
; begin(() => print("Tracing new processes... Hit Ctrl-C to end."));  (samples/pidpersec.ts:15)
 0: stw [%r10-8], 0
 1: mov %r2, %r10
 2: add %r2, -8
 3: lddw %r1, map_fd .actions
 5: mov %r3, 4
 6: mov %r4, 0
 7: call bpf_ringbuf_output#130
 8: jeq %r0, 0, +10
 9: stw [%r10-8], 0
10: lddw %r1, map_fd .actions.lost
12: mov %r2, %r10
13: add %r2, -8
14: call bpf_map_lookup_elem#1
15: jeq %r0, 0, +5
16: ldxdw %r1, [%r0]
17: add %r1, 1
18: stxdw [%r0], %r1
19: mov %r0, 0
20: exit
21: mov %r0, 0
22: exit

; program sched_process_fork (tracepoint, 10 instructions)
; forks.add(0, 1n);  (samples/pidpersec.ts:18)
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

; program interval_1000 (perf_event, 70 instructions)
; const n = forks.get(0) ?? 0n;  (samples/pidpersec.ts:22)
  0: stw [%r10-8], 0
  1: lddw %r1, map_fd forks
  3: mov %r2, %r10
  4: add %r2, -8
  5: call bpf_map_lookup_elem#1
  6: jeq %r0, 0, +42
  7: ldxdw %r6, [%r0]
; forks.add(0, -n);  (samples/pidpersec.ts:23)
  8: stw [%r10-8], 0
  9: mov %r7, %r6
 10: neg %r7
 11: lddw %r1, map_fd forks
 13: mov %r2, %r10
 14: add %r2, -8
 15: call bpf_map_lookup_elem#1
 16: jeq %r0, 0, +1
 17: lock add [%r0], %r7
; print(`${time("%H:%M:%S")} PIDs/sec: ${n}`);  (samples/pidpersec.ts:24)
 18: call bpf_ktime_get_ns#5
 19: stw [%r10-32], 1
 20: stxdw [%r10-24], %r0
 21: stxdw [%r10-16], %r6
 22: mov %r2, %r10
 23: add %r2, -32
 24: lddw %r1, map_fd .actions
 26: mov %r3, 24
 27: mov %r4, 0
 28: call bpf_ringbuf_output#130
 29: jeq %r0, 0, +10
 30: stw [%r10-32], 0
 31: lddw %r1, map_fd .actions.lost
 33: mov %r2, %r10
 34: add %r2, -32
 35: call bpf_map_lookup_elem#1
 36: jeq %r0, 0, +10
 37: ldxdw %r1, [%r0]
 38: add %r1, 1
 39: stxdw [%r0], %r1
; perSecond.record(n);  (samples/pidpersec.ts:25)
 40: stw [%r10-32], 0
 41: lddw %r1, map_fd perSecond
 43: mov %r2, %r10
 44: add %r2, -32
 45: call bpf_map_lookup_elem#1
 46: jne %r0, 0, +4
; print(`${time("%H:%M:%S")} PIDs/sec: ${n}`);  (samples/pidpersec.ts:24)
 47: mov %r0, 0
 48: exit
; const n = forks.get(0) ?? 0n;  (samples/pidpersec.ts:22)
 49: mov %r6, 0
 50: ja -43
; perSecond.record(n);  (samples/pidpersec.ts:25)
 51: ldxdw %r1, [%r0]
 52: add %r1, 1
 53: stxdw [%r0], %r1
 54: ldxdw %r1, [%r0+8]
 55: add %r1, %r6
 56: stxdw [%r0+8], %r1
; distribution.record(n);  (samples/pidpersec.ts:26)
 57: mov %r0, 0
 58: jge %r6, 1000, +15
 59: mov %r0, %r6
 60: div %r0, 10
 61: add %r0, 1
 62: stxw [%r10-32], %r0
 63: lddw %r1, map_fd distribution
 65: mov %r2, %r10
 66: add %r2, -32
 67: call bpf_map_lookup_elem#1
 68: jeq %r0, 0, -22
 69: ldxdw %r1, [%r0]
 70: add %r1, 1
 71: stxdw [%r0], %r1
 72: mov %r0, 0
 73: exit
 74: mov %r0, 101
 75: ja -14
