; program sys_enter_openat (tracepoint, 40 instructions)
 0: mov %r6, %r1
; const comm = bpf.comm();  (test/golden/programs/strings.ts:15)
 1: mov %r1, %r10
 2: add %r1, -16
 3: mov %r2, 16
 4: call bpf_get_current_comm#16
; if (comm !== "bash") return;  (test/golden/programs/strings.ts:16)
 5: ldxdw %r0, [%r10-16]
 6: lddw %r1, 0xffffffffff
 8: and %r0, %r1
 9: jeq %r0, 1752392034, +2
10: mov %r0, 0
11: exit
; names.set(bpf.tid(), { comm, next: "", path: bpf.probeReadUserStr(ctx.filename, 64), tag: "open" });  (test/golden/programs/strings.ts:17)
12: call bpf_get_current_pid_tgid#14
13: stxw [%r10-24], %r0
14: ldxdw %r0, [%r10-16]
15: stxdw [%r10-128], %r0
16: ldxdw %r0, [%r10-8]
17: stxdw [%r10-120], %r0
18: stdw [%r10-112], 0
19: stdw [%r10-104], 0
20: ldxdw %r6, [%r6+24]
21: mov %r1, %r10
22: add %r1, -96
23: mov %r2, 64
24: mov %r3, 0
25: call bpf_probe_read_kernel#113
26: mov %r1, %r10
27: add %r1, -96
28: mov %r2, 64
29: mov %r3, %r6
30: call bpf_probe_read_user_str#114
31: stdw [%r10-32], 1852141679
32: lddw %r1, map_fd names
34: mov %r2, %r10
35: add %r2, -24
36: mov %r3, %r10
37: add %r3, -128
38: mov %r4, 0
39: call bpf_map_update_elem#2
40: mov %r0, 0
41: exit

; program sched_switch (tracepoint, 21 instructions)
 0: mov %r6, %r1
; if (ctx.next_comm === "swapper/0") return;  (test/golden/programs/strings.ts:21)
 1: ldxdw %r1, [%r6+40]
 2: lddw %r0, 0x2f72657070617773
 4: jeq %r1, %r0, +14
; const n = names.get(ctx.next_pid);  (test/golden/programs/strings.ts:22)
 5: ldxw %r0, [%r6+56]
 6: stxw [%r10-8], %r0
 7: lddw %r1, map_fd names
 9: mov %r2, %r10
10: add %r2, -8
11: call bpf_map_lookup_elem#1
; if (n) n.next = ctx.next_comm;  (test/golden/programs/strings.ts:23)
12: jeq %r0, 0, +4
13: ldxdw %r1, [%r6+40]
14: stxdw [%r0+16], %r1
15: ldxdw %r1, [%r6+48]
16: stxdw [%r0+24], %r1
17: mov %r0, 0
18: exit
; if (ctx.next_comm === "swapper/0") return;  (test/golden/programs/strings.ts:21)
19: ldxh %r0, [%r6+48]
20: jne %r0, 48, -16
21: mov %r0, 0
22: exit
