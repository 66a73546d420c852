; program sched_switch (tracepoint, 56 instructions)
  0: mov %r6, %r1
; const key: Key = { pid: ctx.next_pid, cpu: bpf.cpu() };  (test/golden/programs/hash-map.ts:18)
  1: ldxw %r0, [%r6+56]
  2: stxw [%r10-8], %r0
  3: call bpf_get_smp_processor_id#8
  4: stxw [%r10-4], %r0
; const v = perTask.get(key);  (test/golden/programs/hash-map.ts:19)
  5: lddw %r1, map_fd perTask
  7: mov %r2, %r10
  8: add %r2, -8
  9: call bpf_map_lookup_elem#1
 10: mov %r7, %r0
; if (v === undefined) {  (test/golden/programs/hash-map.ts:20)
 11: jne %r7, 0, +13
; perTask.set(key, { switches: 1n, last: bpf.ktimeGetNs() }, "noexist");  (test/golden/programs/hash-map.ts:21)
 12: stdw [%r10-24], 1
 13: call bpf_ktime_get_ns#5
 14: stxdw [%r10-16], %r0
 15: lddw %r1, map_fd perTask
 17: mov %r2, %r10
 18: add %r2, -8
 19: mov %r3, %r10
 20: add %r3, -24
 21: mov %r4, 1
 22: call bpf_map_update_elem#2
; return;  (test/golden/programs/hash-map.ts:22)
 23: mov %r0, 0
 24: exit
; v.switches += 1n;  (test/golden/programs/hash-map.ts:24)
 25: ldxdw %r0, [%r7]
 26: add %r0, 1
 27: stxdw [%r7], %r0
; v.last = bpf.ktimeGetNs();  (test/golden/programs/hash-map.ts:25)
 28: call bpf_ktime_get_ns#5
 29: stxdw [%r7+8], %r0
; totals.add(ctx.next_pid, 1n);  (test/golden/programs/hash-map.ts:26)
 30: ldxw %r0, [%r6+56]
 31: stxw [%r10-8], %r0
 32: lddw %r1, map_fd totals
 34: mov %r2, %r10
 35: add %r2, -8
 36: call bpf_map_lookup_elem#1
 37: jeq %r0, 0, +4
 38: mov %r1, 1
 39: lock add [%r0], %r1
 40: mov %r0, 0
 41: exit
 42: stdw [%r10-24], 1
 43: lddw %r1, map_fd totals
 45: mov %r2, %r10
 46: add %r2, -8
 47: mov %r3, %r10
 48: add %r3, -24
 49: mov %r4, 1
 50: call bpf_map_update_elem#2
 51: jeq %r0, 0, -12
 52: lddw %r1, map_fd totals
 54: mov %r2, %r10
 55: add %r2, -8
 56: call bpf_map_lookup_elem#1
 57: jeq %r0, 0, -18
 58: mov %r1, 1
 59: lock add [%r0], %r1
 60: ja -21

; program sched_process_exit (tracepoint, 20 instructions)
 0: mov %r6, %r1
; if (totals.has(ctx.pid)) totals.delete(ctx.pid);  (test/golden/programs/hash-map.ts:30)
 1: ldxw %r0, [%r6+24]
 2: stxw [%r10-8], %r0
 3: lddw %r1, map_fd totals
 5: mov %r2, %r10
 6: add %r2, -8
 7: call bpf_map_lookup_elem#1
 8: jeq %r0, 0, +11
 9: mov %r0, 1
10: jeq %r0, 0, +7
11: ldxw %r0, [%r6+24]
12: stxw [%r10-8], %r0
13: lddw %r1, map_fd totals
15: mov %r2, %r10
16: add %r2, -8
17: call bpf_map_delete_elem#3
18: mov %r0, 0
19: exit
20: mov %r0, 0
21: ja -12
