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

; program sched_process_exit (tracepoint, 58 instructions)
  0: mov %r6, %r1
; const e = started.get(ctx.pid);  (test/golden/programs/perf-output.ts:19)
  1: ldxw %r0, [%r6+24]
  2: stxw [%r10-16], %r0
  3: lddw %r1, map_fd started
  5: mov %r2, %r10
  6: add %r2, -16
  7: call bpf_map_lookup_elem#1
; if (e === undefined) {  (test/golden/programs/perf-output.ts:20)
  8: jne %r0, 0, +26
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
 22: jeq %r0, 0, +10
 23: stw [%r10-16], 0
 24: lddw %r1, map_fd events.lost
 26: mov %r2, %r10
 27: add %r2, -16
 28: call bpf_map_lookup_elem#1
 29: jeq %r0, 0, +21
 30: ldxdw %r1, [%r0]
 31: add %r1, 1
 32: stxdw [%r0], %r1
; return;  (test/golden/programs/perf-output.ts:22)
 33: mov %r0, 0
 34: exit
; events.output(e);  (test/golden/programs/perf-output.ts:24)
 35: lddw %r2, map_fd events
 37: mov %r1, %r6
 38: lddw %r3, 0xffffffff
 40: mov %r4, %r0
 41: mov %r5, 16
 42: call bpf_perf_event_output#25
 43: jeq %r0, 0, +9
 44: stw [%r10-16], 0
 45: lddw %r1, map_fd events.lost
 47: mov %r2, %r10
 48: add %r2, -16
 49: call bpf_map_lookup_elem#1
 50: jne %r0, 0, +11
; events.emit({ pid: ctx.pid, code: 0, start: 0n });  (test/golden/programs/perf-output.ts:21)
 51: mov %r0, 0
 52: exit
; started.delete(ctx.pid);  (test/golden/programs/perf-output.ts:25)
 53: ldxw %r0, [%r6+24]
 54: stxw [%r10-16], %r0
 55: lddw %r1, map_fd started
 57: mov %r2, %r10
 58: add %r2, -16
 59: call bpf_map_delete_elem#3
 60: mov %r0, 0
 61: exit
; events.output(e);  (test/golden/programs/perf-output.ts:24)
 62: ldxdw %r1, [%r0]
 63: add %r1, 1
 64: stxdw [%r0], %r1
 65: ja -13
