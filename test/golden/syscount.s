; program sys_enter (tracepoint, 53 instructions)
  0: mov %r6, %r1
; if (PID !== 0 && bpf.pid() !== PID) return;  (samples/syscount.ts:18)
  1: lddw %r0, map_value .rodata+0
  3: ldxw %r0, [%r0]
  4: jne %r0, 0, +26
; syscalls.increment(Number(ctx.id));  (samples/syscount.ts:19)
  5: ldxdw %r0, [%r6+8]
  6: stxw [%r10-8], %r0
  7: lddw %r1, map_fd syscalls
  9: mov %r2, %r10
 10: add %r2, -8
 11: call bpf_map_lookup_elem#1
 12: jeq %r0, 0, +26
 13: ldxdw %r1, [%r0]
 14: add %r1, 1
 15: stxdw [%r0], %r1
; processes.increment(bpf.comm());  (samples/syscount.ts:20)
 16: mov %r1, %r10
 17: add %r1, -32
 18: mov %r2, 16
 19: call bpf_get_current_comm#16
 20: lddw %r1, map_fd processes
 22: mov %r2, %r10
 23: add %r2, -32
 24: call bpf_map_lookup_elem#1
 25: jeq %r0, 0, +23
 26: ldxdw %r1, [%r0]
 27: add %r1, 1
 28: stxdw [%r0], %r1
 29: mov %r0, 0
 30: exit
; if (PID !== 0 && bpf.pid() !== PID) return;  (samples/syscount.ts:18)
 31: call bpf_get_current_pid_tgid#14
 32: rsh %r0, 32
 33: lddw %r1, map_value .rodata+0
 35: ldxw %r1, [%r1]
 36: jeq %r0, %r1, -32
 37: mov %r0, 0
 38: exit
; syscalls.increment(Number(ctx.id));  (samples/syscount.ts:19)
 39: stdw [%r10-16], 1
 40: lddw %r1, map_fd syscalls
 42: mov %r2, %r10
 43: add %r2, -8
 44: mov %r3, %r10
 45: add %r3, -16
 46: mov %r4, 1
 47: call bpf_map_update_elem#2
 48: ja -33
; processes.increment(bpf.comm());  (samples/syscount.ts:20)
 49: stdw [%r10-16], 1
 50: lddw %r1, map_fd processes
 52: mov %r2, %r10
 53: add %r2, -32
 54: mov %r3, %r10
 55: add %r3, -16
 56: mov %r4, 1
 57: call bpf_map_update_elem#2
 58: ja -30
