; program sched_wakeup (tracepoint, 13 instructions)
; queued.set(ctx.pid, bpf.ktimeGetNs());  (samples/runqlat.ts:15)
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
; queued.set(ctx.pid, bpf.ktimeGetNs());  (samples/runqlat.ts:19)
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

; program sched_switch (tracepoint, 77 instructions)
  0: mov %r7, %r1
; const now = bpf.ktimeGetNs();  (samples/runqlat.ts:23)
  1: call bpf_ktime_get_ns#5
  2: mov %r6, %r0
; if (ctx.prev_state === TASK_RUNNING && ctx.prev_pid !== 0) queued.set(ctx.prev_pid, now);  (samples/runqlat.ts:24)
  3: ldxdw %r0, [%r7+32]
  4: jeq %r0, 0, +6
; if (ctx.next_pid === 0) return;  (samples/runqlat.ts:25)
  5: ldxw %r0, [%r7+56]
  6: lsh %r0, 32
  7: arsh %r0, 32
  8: jne %r0, 0, +18
  9: mov %r0, 0
 10: exit
; if (ctx.prev_state === TASK_RUNNING && ctx.prev_pid !== 0) queued.set(ctx.prev_pid, now);  (samples/runqlat.ts:24)
 11: ldxw %r0, [%r7+24]
 12: lsh %r0, 32
 13: arsh %r0, 32
 14: jeq %r0, 0, -10
 15: ldxw %r0, [%r7+24]
 16: stxw [%r10-8], %r0
 17: stxdw [%r10-16], %r6
 18: lddw %r1, map_fd queued
 20: mov %r2, %r10
 21: add %r2, -8
 22: mov %r3, %r10
 23: add %r3, -16
 24: mov %r4, 0
 25: call bpf_map_update_elem#2
 26: ja -22
; const since = queued.get(ctx.next_pid);  (samples/runqlat.ts:26)
 27: ldxw %r0, [%r7+56]
 28: stxw [%r10-16], %r0
 29: lddw %r1, map_fd queued
 31: mov %r2, %r10
 32: add %r2, -16
 33: call bpf_map_lookup_elem#1
; if (since === undefined) return;  (samples/runqlat.ts:27)
 34: jne %r0, 0, +2
 35: mov %r0, 0
 36: exit
; runqlat.record((now - since) / 1000n);  (samples/runqlat.ts:28)
 37: ldxdw %r0, [%r0]
 38: sub %r6, %r0
 39: div %r6, 1000
 40: mov %r0, 1
 41: jeq %r6, 0, +19
 42: mov %r0, 2
 43: lddw %r1, 0x100000000
 45: jlt %r6, %r1, +2
 46: rsh %r6, 32
 47: add %r0, 32
 48: jlt %r6, 65536, +2
 49: rsh %r6, 16
 50: add %r0, 16
 51: jlt %r6, 256, +2
 52: rsh %r6, 8
 53: add %r0, 8
 54: jlt %r6, 16, +2
 55: rsh %r6, 4
 56: add %r0, 4
 57: jlt %r6, 4, +2
 58: rsh %r6, 2
 59: add %r0, 2
 60: jge %r6, 2, +19
 61: stxw [%r10-16], %r0
 62: lddw %r1, map_fd runqlat
 64: mov %r2, %r10
 65: add %r2, -16
 66: call bpf_map_lookup_elem#1
 67: jeq %r0, 0, +3
 68: ldxdw %r1, [%r0]
 69: add %r1, 1
 70: stxdw [%r0], %r1
; queued.delete(ctx.next_pid);  (samples/runqlat.ts:29)
 71: ldxw %r0, [%r7+56]
 72: stxw [%r10-16], %r0
 73: lddw %r1, map_fd queued
 75: mov %r2, %r10
 76: add %r2, -16
 77: call bpf_map_delete_elem#3
 78: mov %r0, 0
 79: exit
; runqlat.record((now - since) / 1000n);  (samples/runqlat.ts:28)
 80: add %r0, 1
 81: ja -21
