; program vfs_read (kprobe, 13 instructions)
; kprobe("vfs_read", (_file, _buf, count) => {  (test/golden/programs/probe-args.ts:10)
 0: ldxdw %r6, [%r1+96]
; sizes.set(bpf.tid(), count);  (test/golden/programs/probe-args.ts:11)
 1: call bpf_get_current_pid_tgid#14
 2: stxw [%r10-8], %r0
 3: stxdw [%r10-16], %r6
 4: lddw %r1, map_fd sizes
 6: mov %r2, %r10
 7: add %r2, -8
 8: mov %r3, %r10
 9: add %r3, -16
10: mov %r4, 0
11: call bpf_map_update_elem#2
12: mov %r0, 0
13: exit

; program vfs_read_2 (kprobe, 31 instructions)
; kretprobe("vfs_read", (ret) => {  (test/golden/programs/probe-args.ts:14)
 0: ldxdw %r0, [%r1+80]
; if (ret < 0n) failed.add(sizes.get(bpf.tid()) ?? 0n);  (test/golden/programs/probe-args.ts:15)
 1: jsge %r0, 0, +19
 2: call bpf_get_current_pid_tgid#14
 3: stxw [%r10-8], %r0
 4: lddw %r1, map_fd sizes
 6: mov %r2, %r10
 7: add %r2, -8
 8: call bpf_map_lookup_elem#1
 9: jeq %r0, 0, +20
10: ldxdw %r6, [%r0]
11: stw [%r10-8], 0
12: lddw %r1, map_fd failed
14: mov %r2, %r10
15: add %r2, -8
16: call bpf_map_lookup_elem#1
17: jeq %r0, 0, +14
18: ldxdw %r1, [%r0]
19: add %r1, %r6
20: stxdw [%r0], %r1
; sizes.delete(bpf.tid());  (test/golden/programs/probe-args.ts:16)
21: call bpf_get_current_pid_tgid#14
22: stxw [%r10-8], %r0
23: lddw %r1, map_fd sizes
25: mov %r2, %r10
26: add %r2, -8
27: call bpf_map_delete_elem#3
28: mov %r0, 0
29: exit
; if (ret < 0n) failed.add(sizes.get(bpf.tid()) ?? 0n);  (test/golden/programs/probe-args.ts:15)
30: mov %r6, 0
31: ja -21
32: mov %r0, 0
33: exit

; program malloc (kprobe, 14 instructions)
; allocated.add(ctx.arg0());  (test/golden/programs/probe-args.ts:20)
 0: ldxdw %r6, [%r1+112]
 1: stw [%r10-8], 0
 2: lddw %r1, map_fd allocated
 4: mov %r2, %r10
 5: add %r2, -8
 6: call bpf_map_lookup_elem#1
 7: jeq %r0, 0, +5
 8: ldxdw %r1, [%r0]
 9: add %r1, %r6
10: stxdw [%r0], %r1
11: mov %r0, 0
12: exit
13: mov %r0, 0
14: exit
