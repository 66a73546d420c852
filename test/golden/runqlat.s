; program sched_wakeup (tracepoint, 13 instructions)
; queued.set(ctx.pid, bpf.ktimeGetNs());  (samples/runqlat.ts:16)
 0: ldxw %r0, [%r1+24]
 1: stxw [%r10-8], %r0
 2: call bpf_ktime_get_ns#5
 3: stxdw [%r10-16], %r0
 4: lddw %r1, map_fd queued
 6: mov %r2, %r10
 7: add %r2, -8
 8: mov %r3, %r10
 9: add %r3, -16
10: mov %r4, 0
11: call bpf_map_update_elem#2
12: mov %r0, 0
13: exit

; program sched_wakeup_new (tracepoint, 13 instructions)
; queued.set(ctx.pid, bpf.ktimeGetNs());  (samples/runqlat.ts:20)
 0: ldxw %r0, [%r1+24]
 1: stxw [%r10-8], %r0
 2: call bpf_ktime_get_ns#5
 3: stxdw [%r10-16], %r0
 4: lddw %r1, map_fd queued
 6: mov %r2, %r10
 7: add %r2, -8
 8: mov %r3, %r10
 9: add %r3, -16
10: mov %r4, 0
11: call bpf_map_update_elem#2
12: mov %r0, 0
13: exit

; program sched_switch (tracepoint, 102 instructions)
  0: mov %r6, %r1
; const now = bpf.ktimeGetNs();  (samples/runqlat.ts:24)
  1: call bpf_ktime_get_ns#5
  2: mov %r7, %r0
; if (ctx.prev_state === TASK_RUNNING && ctx.prev_pid !== 0) queued.set(ctx.prev_pid, now);  (samples/runqlat.ts:25)
  3: ldxdw %r0, [%r6+32]
  4: jeq %r0, 0, +6
; if (ctx.next_pid === 0) return;  (samples/runqlat.ts:26)
  5: ldxw %r0, [%r6+56]
  6: lsh %r0, 32
  7: arsh %r0, 32
  8: jne %r0, 0, +18
  9: mov %r0, 0
 10: exit
; if (ctx.prev_state === TASK_RUNNING && ctx.prev_pid !== 0) queued.set(ctx.prev_pid, now);  (samples/runqlat.ts:25)
 11: ldxw %r0, [%r6+24]
 12: lsh %r0, 32
 13: arsh %r0, 32
 14: jeq %r0, 0, -10
 15: ldxw %r0, [%r6+24]
 16: stxw [%r10-8], %r0
 17: stxdw [%r10-16], %r7
 18: lddw %r1, map_fd queued
 20: mov %r2, %r10
 21: add %r2, -8
 22: mov %r3, %r10
 23: add %r3, -16
 24: mov %r4, 0
 25: call bpf_map_update_elem#2
 26: ja -22
; const since = queued.get(ctx.next_pid);  (samples/runqlat.ts:27)
 27: ldxw %r0, [%r6+56]
 28: stxw [%r10-16], %r0
 29: lddw %r1, map_fd queued
 31: mov %r2, %r10
 32: add %r2, -16
 33: call bpf_map_lookup_elem#1
; if (since === undefined) return;  (samples/runqlat.ts:28)
 34: jne %r0, 0, +2
 35: mov %r0, 0
 36: exit
; runqlat.record((now - since) / 1000n);  (samples/runqlat.ts:29)
 37: ldxdw %r0, [%r0]
 38: sub %r7, %r0
 39: div %r7, 1000
 40: mov %r0, %r7
 41: rsh %r0, 32
 42: neg %r0
 43: rsh %r0, 63
 44: lsh %r0, 5
 45: mov %r2, %r7
 46: rsh %r2, %r0
 47: mov %r1, %r2
 48: rsh %r1, 16
 49: neg %r1
 50: rsh %r1, 63
 51: lsh %r1, 4
 52: rsh %r2, %r1
 53: or %r0, %r1
 54: mov %r1, %r2
 55: rsh %r1, 8
 56: neg %r1
 57: rsh %r1, 63
 58: lsh %r1, 3
 59: rsh %r2, %r1
 60: or %r0, %r1
 61: mov %r1, %r2
 62: rsh %r1, 4
 63: neg %r1
 64: rsh %r1, 63
 65: lsh %r1, 2
 66: rsh %r2, %r1
 67: or %r0, %r1
 68: mov %r1, %r2
 69: rsh %r1, 2
 70: neg %r1
 71: rsh %r1, 63
 72: lsh %r1, 1
 73: rsh %r2, %r1
 74: or %r0, %r1
 75: rsh %r2, 1
 76: neg %r2
 77: rsh %r2, 63
 78: or %r0, %r2
 79: mov %r1, %r7
 80: neg %r1
 81: or %r7, %r1
 82: rsh %r7, 63
 83: add %r0, %r7
 84: add %r0, 1
 85: stxw [%r10-16], %r0
 86: lddw %r1, map_fd runqlat
 88: mov %r2, %r10
 89: add %r2, -16
 90: call bpf_map_lookup_elem#1
 91: jeq %r0, 0, +12
 92: ldxdw %r1, [%r0]
 93: add %r1, 1
 94: stxdw [%r0], %r1
; queued.delete(ctx.next_pid);  (samples/runqlat.ts:30)
 95: ldxw %r0, [%r6+56]
 96: stxw [%r10-16], %r0
 97: lddw %r1, map_fd queued
 99: mov %r2, %r10
100: add %r2, -16
101: call bpf_map_delete_elem#3
102: mov %r0, 0
103: exit
; runqlat.record((now - since) / 1000n);  (samples/runqlat.ts:29)
104: mov %r0, 0
105: exit
