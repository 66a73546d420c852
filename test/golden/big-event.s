; program sys_enter_execve (tracepoint, 49 instructions)
 0: mov %r6, %r1
; const e: Exec = { pid: bpf.pid(), comm: bpf.comm(), file: bpf.probeReadUserStr(ctx.filename, 400) };  (test/golden/programs/big-event.ts:14)
 1: stw [%r10-8], 0
 2: lddw %r1, map_fd .scratch.sys_enter_execve
 4: mov %r2, %r10
 5: add %r2, -8
 6: call bpf_map_lookup_elem#1
 7: mov %r7, %r0
 8: jeq %r7, 0, +22
 9: call bpf_get_current_pid_tgid#14
10: rsh %r0, 32
11: stxw [%r7], %r0
12: mov %r1, %r7
13: add %r1, 4
14: mov %r2, 16
15: call bpf_get_current_comm#16
16: ldxdw %r6, [%r6+16]
17: mov %r1, %r7
18: add %r1, 20
19: mov %r2, 400
20: mov %r3, 0
21: call bpf_probe_read_kernel#113
22: mov %r1, %r7
23: add %r1, 20
24: mov %r2, 400
25: mov %r3, %r6
26: call bpf_probe_read_user_str#114
; if (e.file === "") return;  (test/golden/programs/big-event.ts:15)
27: ldxb %r0, [%r7+20]
28: jne %r0, 0, +4
29: mov %r0, 0
30: exit
; const e: Exec = { pid: bpf.pid(), comm: bpf.comm(), file: bpf.probeReadUserStr(ctx.filename, 400) };  (test/golden/programs/big-event.ts:14)
31: mov %r0, 0
32: exit
; execs.output(e);  (test/golden/programs/big-event.ts:16)
33: lddw %r1, map_fd execs
35: mov %r2, %r7
36: mov %r3, 420
37: mov %r4, 0
38: call bpf_ringbuf_output#130
39: jeq %r0, 0, +10
40: stw [%r10-8], 0
41: lddw %r1, map_fd execs.lost
43: mov %r2, %r10
44: add %r2, -8
45: call bpf_map_lookup_elem#1
46: jeq %r0, 0, -16
47: ldxdw %r1, [%r0]
48: add %r1, 1
49: stxdw [%r0], %r1
50: mov %r0, 0
51: exit
