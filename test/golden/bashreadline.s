; program readline (kprobe, 38 instructions)
; uretprobe("/bin/bash", "readline", { optional: true }, (ctx) => typed(ctx.retval()));  (samples/bashreadline.ts:26)
 0: ldxdw %r7, [%r1+80]
; if (line === 0n) return;  (samples/bashreadline.ts:22)
 1: jne %r7, 0, +2
; lines.emit({ pid: bpf.pid(), comm: bpf.comm(), line: bpf.probeReadUserStr(line, 256) });  (samples/bashreadline.ts:23)
 2: mov %r0, 0
 3: exit
 4: lddw %r1, map_fd lines
 6: mov %r2, 276
 7: mov %r3, 0
 8: call bpf_ringbuf_reserve#131
 9: mov %r6, %r0
10: jeq %r6, 0, +16
11: call bpf_get_current_pid_tgid#14
12: rsh %r0, 32
13: stxw [%r6], %r0
14: mov %r1, %r6
15: add %r1, 4
16: mov %r2, 16
17: call bpf_get_current_comm#16
18: mov %r1, %r6
19: add %r1, 20
20: mov %r2, 256
21: mov %r3, %r7
22: call bpf_probe_read_user_str#114
23: mov %r1, %r6
24: mov %r2, 0
25: call bpf_ringbuf_submit#132
26: ja -25
27: stw [%r10-8], 0
28: lddw %r1, map_fd lines.lost
30: mov %r2, %r10
31: add %r2, -8
32: call bpf_map_lookup_elem#1
33: jeq %r0, 0, +4
34: ldxdw %r1, [%r0]
35: add %r1, 1
36: stxdw [%r0], %r1
37: ja -36
38: mov %r0, 0
39: exit

; program readline_2 (kprobe, 38 instructions)
; uretprobe("libreadline", "readline", { optional: true }, (ctx) => typed(ctx.retval()));  (samples/bashreadline.ts:27)
 0: ldxdw %r7, [%r1+80]
; if (line === 0n) return;  (samples/bashreadline.ts:22)
 1: jne %r7, 0, +2
; lines.emit({ pid: bpf.pid(), comm: bpf.comm(), line: bpf.probeReadUserStr(line, 256) });  (samples/bashreadline.ts:23)
 2: mov %r0, 0
 3: exit
 4: lddw %r1, map_fd lines
 6: mov %r2, 276
 7: mov %r3, 0
 8: call bpf_ringbuf_reserve#131
 9: mov %r6, %r0
10: jeq %r6, 0, +16
11: call bpf_get_current_pid_tgid#14
12: rsh %r0, 32
13: stxw [%r6], %r0
14: mov %r1, %r6
15: add %r1, 4
16: mov %r2, 16
17: call bpf_get_current_comm#16
18: mov %r1, %r6
19: add %r1, 20
20: mov %r2, 256
21: mov %r3, %r7
22: call bpf_probe_read_user_str#114
23: mov %r1, %r6
24: mov %r2, 0
25: call bpf_ringbuf_submit#132
26: ja -25
27: stw [%r10-8], 0
28: lddw %r1, map_fd lines.lost
30: mov %r2, %r10
31: add %r2, -8
32: call bpf_map_lookup_elem#1
33: jeq %r0, 0, +4
34: ldxdw %r1, [%r0]
35: add %r1, 1
36: stxdw [%r0], %r1
37: ja -36
38: mov %r0, 0
39: exit
