; program sys_enter_execve (tracepoint, 52 instructions)
  0: mov %r6, %r1
; const e: Exec = { pid: bpf.pid(), comm: bpf.comm(), file: bpf.probeReadUserStr(ctx.filename, 400) };  (test/golden/programs/big-event.ts:14)
  1: stw [%r10-8], 0
  2: lddw %r1, map_fd .scratch.sys_enter_execve
  4: mov %r2, %r10
  5: add %r2, -8
  6: call bpf_map_lookup_elem#1
  7: mov %r7, %r0
  8: jeq %r7, 0, +25
  9: call bpf_get_current_pid_tgid#14
 10: rsh %r0, 32
 11: stxw [%r7], %r0
 12: stw [%r7+4], 0
 13: stdw [%r7+8], 0
 14: stw [%r7+16], 0
 15: mov %r1, %r7
 16: add %r1, 4
 17: mov %r2, 16
 18: call bpf_get_current_comm#16
 19: ldxdw %r6, [%r6+16]
 20: mov %r1, %r7
 21: add %r1, 20
 22: mov %r2, 400
 23: mov %r3, 0
 24: call bpf_probe_read_kernel#113
 25: mov %r1, %r7
 26: add %r1, 20
 27: mov %r2, 400
 28: mov %r3, %r6
 29: call bpf_probe_read_user_str#114
; if (e.file === "") return;  (test/golden/programs/big-event.ts:15)
 30: ldxb %r0, [%r7+20]
 31: jne %r0, 0, +4
 32: mov %r0, 0
 33: exit
; const e: Exec = { pid: bpf.pid(), comm: bpf.comm(), file: bpf.probeReadUserStr(ctx.filename, 400) };  (test/golden/programs/big-event.ts:14)
 34: mov %r0, 0
 35: exit
; execs.output(e);  (test/golden/programs/big-event.ts:16)
 36: lddw %r1, map_fd execs
 38: mov %r2, %r7
 39: mov %r3, 420
 40: mov %r4, 0
 41: call bpf_ringbuf_output#130
 42: jeq %r0, 0, +10
 43: stw [%r10-8], 0
 44: lddw %r1, map_fd execs.lost
 46: mov %r2, %r10
 47: add %r2, -8
 48: call bpf_map_lookup_elem#1
 49: jeq %r0, 0, -16
 50: ldxdw %r1, [%r0]
 51: add %r1, 1
 52: stxdw [%r0], %r1
 53: mov %r0, 0
 54: exit
