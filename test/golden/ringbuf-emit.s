; program sys_enter_openat (tracepoint, 40 instructions)
 0: mov %r6, %r1
; return events.emit({ pid: bpf.pid(), dfd: Number(ctx.dfd), ts: bpf.ktimeGetNs(), comm: bpf.comm() }) ? 1 : 0;  (test/golden/programs/ringbuf-emit.ts:15)
 1: lddw %r1, map_fd events
 3: mov %r2, 32
 4: mov %r3, 0
 5: call bpf_ringbuf_reserve#131
 6: mov %r7, %r0
 7: jeq %r7, 0, +18
 8: call bpf_get_current_pid_tgid#14
 9: rsh %r0, 32
10: stxw [%r7], %r0
11: ldxdw %r0, [%r6+16]
12: stxw [%r7+4], %r0
13: call bpf_ktime_get_ns#5
14: stxdw [%r7+8], %r0
15: mov %r1, %r7
16: add %r1, 16
17: mov %r2, 16
18: call bpf_get_current_comm#16
19: mov %r1, %r7
20: mov %r2, 0
21: call bpf_ringbuf_submit#132
22: mov %r0, 1
23: jeq %r0, 0, +14
24: mov %r0, 1
25: exit
26: stw [%r10-8], 0
27: lddw %r1, map_fd events.lost
29: mov %r2, %r10
30: add %r2, -8
31: call bpf_map_lookup_elem#1
32: jeq %r0, 0, +7
33: ldxdw %r1, [%r0]
34: add %r1, 1
35: stxdw [%r0], %r1
36: mov %r0, 0
37: ja -15
38: mov %r0, 0
39: ja -15
40: mov %r0, 0
41: exit
