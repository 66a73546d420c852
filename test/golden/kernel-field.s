; program sched_process_exec (tracepoint, 34 instructions)
; const task = bpf.currentTask();  (test/golden/programs/kernel-field.ts:8)
 0: call bpf_get_current_task#35
 1: mov %r3, %r0
; const parent = bpf.readKernelField<ptr>(task, "task_struct", "real_parent");  (test/golden/programs/kernel-field.ts:9)
 2: add %r3, 0
 3: mov %r1, %r10
 4: add %r1, -8
 5: mov %r2, 8
 6: call bpf_probe_read_kernel#113
 7: ldxdw %r3, [%r10-8]
; const ppid = bpf.readKernelField<i32>(parent, "task_struct", "tgid");  (test/golden/programs/kernel-field.ts:10)
 8: add %r3, 0
 9: mov %r1, %r10
10: add %r1, -16
11: mov %r2, 4
12: call bpf_probe_read_kernel#113
13: ldxw %r0, [%r10-16]
; byParent.increment(ppid);  (test/golden/programs/kernel-field.ts:11)
14: stxw [%r10-16], %r0
15: lddw %r1, map_fd byParent
17: mov %r2, %r10
18: add %r2, -16
19: call bpf_map_lookup_elem#1
20: jeq %r0, 0, +5
21: ldxdw %r1, [%r0]
22: add %r1, 1
23: stxdw [%r0], %r1
24: mov %r0, 0
25: exit
26: stdw [%r10-8], 1
27: lddw %r1, map_fd byParent
29: mov %r2, %r10
30: add %r2, -16
31: mov %r3, %r10
32: add %r3, -8
33: mov %r4, 1
34: call bpf_map_update_elem#2
35: ja -12
