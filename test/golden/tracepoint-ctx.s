; program task_rename (tracepoint, 47 instructions)
 0: mov %r6, %r1
; events.emit({ pid: ctx.pid, comm: bpf.comm(), oldcomm: ctx.oldcomm, newcomm: ctx.newcomm, ret: BigInt(ctx.oom_score_adj) });  (test/golden/programs/tracepoint-ctx.ts:16)
 1: lddw %r1, map_fd events
 3: mov %r2, 64
 4: mov %r3, 0
 5: call bpf_ringbuf_reserve#131
 6: mov %r7, %r0
 7: jeq %r7, 0, +28
 8: stw [%r7+52], 0
 9: ldxw %r0, [%r6+8]
10: stxw [%r7], %r0
11: mov %r1, %r7
12: add %r1, 4
13: mov %r2, 16
14: call bpf_get_current_comm#16
15: ldxw %r0, [%r6+12]
16: stxw [%r7+20], %r0
17: ldxdw %r0, [%r6+16]
18: stxdw [%r7+24], %r0
19: ldxw %r0, [%r6+24]
20: stxw [%r7+32], %r0
21: ldxw %r0, [%r6+28]
22: stxw [%r7+36], %r0
23: ldxdw %r0, [%r6+32]
24: stxdw [%r7+40], %r0
25: ldxw %r0, [%r6+40]
26: stxw [%r7+48], %r0
27: ldxh %r0, [%r6+44]
28: lsh %r0, 48
29: arsh %r0, 48
30: stxdw [%r7+56], %r0
31: mov %r1, %r7
32: mov %r2, 0
33: call bpf_ringbuf_submit#132
34: mov %r0, 0
35: exit
36: stw [%r10-8], 0
37: lddw %r1, map_fd events.lost
39: mov %r2, %r10
40: add %r2, -8
41: call bpf_map_lookup_elem#1
42: jeq %r0, 0, +4
43: ldxdw %r1, [%r0]
44: add %r1, 1
45: stxdw [%r0], %r1
46: ja -13
47: mov %r0, 0
48: exit

; program sched_process_exec (tracepoint, 56 instructions)
  0: mov %r6, %r1
; const file = bpf.tracepointString(ctx, ctx.filename, 16);  (test/golden/programs/tracepoint-ctx.ts:20)
  1: ldxw %r0, [%r6+8]
  2: and %r0, 65535
  3: mov %r3, %r6
  4: add %r3, %r0
  5: stdw [%r10-16], 0
  6: stdw [%r10-8], 0
  7: mov %r1, %r10
  8: add %r1, -16
  9: mov %r2, 16
 10: call bpf_probe_read_kernel_str#115
; events.emit({ pid: ctx.pid, comm: bpf.comm(), oldcomm: file, newcomm: "", ret: BigInt(ctx.old_pid) });  (test/golden/programs/tracepoint-ctx.ts:21)
 11: lddw %r1, map_fd events
 13: mov %r2, 64
 14: mov %r3, 0
 15: call bpf_ringbuf_reserve#131
 16: mov %r7, %r0
 17: jeq %r7, 0, +27
 18: stw [%r7+52], 0
 19: ldxw %r0, [%r6+12]
 20: stxw [%r7], %r0
 21: mov %r1, %r7
 22: add %r1, 4
 23: mov %r2, 16
 24: call bpf_get_current_comm#16
 25: ldxw %r0, [%r10-16]
 26: stxw [%r7+20], %r0
 27: ldxw %r0, [%r10-12]
 28: stxw [%r7+24], %r0
 29: ldxw %r0, [%r10-8]
 30: stxw [%r7+28], %r0
 31: ldxw %r0, [%r10-4]
 32: stxw [%r7+32], %r0
 33: stw [%r7+36], 0
 34: stdw [%r7+40], 0
 35: stw [%r7+48], 0
 36: ldxw %r0, [%r6+16]
 37: lsh %r0, 32
 38: arsh %r0, 32
 39: stxdw [%r7+56], %r0
 40: mov %r1, %r7
 41: mov %r2, 0
 42: call bpf_ringbuf_submit#132
 43: mov %r0, 0
 44: exit
 45: stw [%r10-16], 0
 46: lddw %r1, map_fd events.lost
 48: mov %r2, %r10
 49: add %r2, -16
 50: call bpf_map_lookup_elem#1
 51: jeq %r0, 0, +4
 52: ldxdw %r1, [%r0]
 53: add %r1, 1
 54: stxdw [%r0], %r1
 55: ja -13
 56: mov %r0, 0
 57: exit
