; program sched_process_fork (tracepoint, 16 instructions)
; started.set(ctx.child_pid, { pid: ctx.child_pid, code: 0, start: bpf.ktimeGetNs() });  (test/golden/programs/perf-output.ts:15)
 0: ldxw %r0, [%r1+20]
 1: stxw [%r10-8], %r0
 2: ldxw %r0, [%r1+20]
 3: stxw [%r10-24], %r0
 4: stw [%r10-20], 0
 5: call bpf_ktime_get_ns#5
 6: stxdw [%r10-16], %r0
 7: lddw %r1, map_fd started
 9: mov %r2, %r10
10: add %r2, -8
11: mov %r3, %r10
12: add %r3, -24
13: mov %r4, 0
14: call bpf_map_update_elem#2
15: mov %r0, 0
16: exit

; program sched_process_exit (tracepoint, 57 instructions)
  0: mov %r6, %r1
; const e = started.get(ctx.pid);  (test/golden/programs/perf-output.ts:19)
  1: ldxw %r0, [%r6+24]
  2: stxw [%r10-16], %r0
  3: lddw %r1, map_fd started
  5: mov %r2, %r10
  6: add %r2, -16
  7: call bpf_map_lookup_elem#1
; if (e === undefined) {  (test/golden/programs/perf-output.ts:20)
  8: jne %r0, 0, +23
; events.emit({ pid: ctx.pid, code: 0, start: 0n });  (test/golden/programs/perf-output.ts:21)
  9: ldxw %r0, [%r6+24]
 10: stxw [%r10-16], %r0
 11: stw [%r10-12], 0
 12: stdw [%r10-8], 0
 13: lddw %r2, map_fd events
 15: mov %r4, %r10
 16: add %r4, -16
 17: mov %r1, %r6
 18: lddw %r3, 0xffffffff
 20: mov %r5, 16
 21: call bpf_perf_event_output#25
 22: jeq %r0, 0, +7
 23: stw [%r10-16], 0
 24: lddw %r1, map_fd events.lost
 26: mov %r2, %r10
 27: add %r2, -16
 28: call bpf_map_lookup_elem#1
 29: jne %r0, 0, +27
; return;  (test/golden/programs/perf-output.ts:22)
 30: mov %r0, 0
 31: exit
; events.output(e);  (test/golden/programs/perf-output.ts:24)
 32: lddw %r2, map_fd events
 34: mov %r1, %r6
 35: lddw %r3, 0xffffffff
 37: mov %r4, %r0
 38: mov %r5, 16
 39: call bpf_perf_event_output#25
 40: jeq %r0, 0, +7
 41: stw [%r10-16], 0
 42: lddw %r1, map_fd events.lost
 44: mov %r2, %r10
 45: add %r2, -16
 46: call bpf_map_lookup_elem#1
 47: jne %r0, 0, +13
; started.delete(ctx.pid);  (test/golden/programs/perf-output.ts:25)
 48: ldxw %r0, [%r6+24]
 49: stxw [%r10-16], %r0
 50: lddw %r1, map_fd started
 52: mov %r2, %r10
 53: add %r2, -16
 54: call bpf_map_delete_elem#3
 55: mov %r0, 0
 56: exit
; events.emit({ pid: ctx.pid, code: 0, start: 0n });  (test/golden/programs/perf-output.ts:21)
 57: ldxdw %r1, [%r0]
 58: add %r1, 1
 59: stxdw [%r0], %r1
 60: ja -31
; events.output(e);  (test/golden/programs/perf-output.ts:24)
 61: ldxdw %r1, [%r0]
 62: add %r1, 1
 63: stxdw [%r0], %r1
 64: ja -17
