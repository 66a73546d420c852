; program sys_enter_openat (tracepoint, 42 instructions)
 0: mov %r6, %r1
; const comm = bpf.comm();  (test/golden/programs/strings.ts:15)
 1: stdw [%r10-16], 0
 2: stdw [%r10-8], 0
 3: mov %r1, %r10
 4: add %r1, -16
 5: mov %r2, 16
 6: call bpf_get_current_comm#16
; if (comm !== "bash") return;  (test/golden/programs/strings.ts:16)
 7: ldxdw %r0, [%r10-16]
 8: lddw %r1, 0xffffffffff
10: and %r0, %r1
11: jeq %r0, 1752392034, +2
12: mov %r0, 0
13: exit
; names.set(bpf.tid(), { comm, next: "", path: bpf.probeReadUserStr(ctx.filename, 64), tag: "open" });  (test/golden/programs/strings.ts:17)
14: call bpf_get_current_pid_tgid#14
15: stxw [%r10-24], %r0
16: ldxdw %r0, [%r10-16]
17: stxdw [%r10-128], %r0
18: ldxdw %r0, [%r10-8]
19: stxdw [%r10-120], %r0
20: stdw [%r10-112], 0
21: stdw [%r10-104], 0
22: ldxdw %r6, [%r6+24]
23: mov %r1, %r10
24: add %r1, -96
25: mov %r2, 64
26: mov %r3, 0
27: call bpf_probe_read_kernel#113
28: mov %r1, %r10
29: add %r1, -96
30: mov %r2, 64
31: mov %r3, %r6
32: call bpf_probe_read_user_str#114
33: stdw [%r10-32], 1852141679
34: lddw %r1, map_fd names
36: mov %r2, %r10
37: add %r2, -24
38: mov %r3, %r10
39: add %r3, -128
40: mov %r4, 0
41: call bpf_map_update_elem#2
42: mov %r0, 0
43: exit

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
