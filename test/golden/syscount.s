; program sys_enter (tracepoint, 55 instructions)
  0: mov %r6, %r1
; if (PID !== 0 && bpf.pid() !== PID) return;  (samples/syscount.ts:18)
  1: lddw %r0, map_value .rodata+0
  3: ldxw %r0, [%r0]
  4: jne %r0, 0, +28
; syscalls.increment(Number(ctx.id));  (samples/syscount.ts:19)
  5: ldxdw %r0, [%r6+8]
  6: stxw [%r10-24], %r0
  7: lddw %r1, map_fd syscalls
  9: mov %r2, %r10
 10: add %r2, -24
 11: call bpf_map_lookup_elem#1
 12: jeq %r0, 0, +28
 13: ldxdw %r1, [%r0]
 14: add %r1, 1
 15: stxdw [%r0], %r1
; processes.increment(bpf.comm());  (samples/syscount.ts:20)
 16: stdw [%r10-16], 0
 17: stdw [%r10-8], 0
 18: mov %r1, %r10
 19: add %r1, -16
 20: mov %r2, 16
 21: call bpf_get_current_comm#16
 22: lddw %r1, map_fd processes
 24: mov %r2, %r10
 25: add %r2, -16
 26: call bpf_map_lookup_elem#1
 27: jeq %r0, 0, +23
 28: ldxdw %r1, [%r0]
 29: add %r1, 1
 30: stxdw [%r0], %r1
 31: mov %r0, 0
 32: exit
; if (PID !== 0 && bpf.pid() !== PID) return;  (samples/syscount.ts:18)
 33: call bpf_get_current_pid_tgid#14
 34: rsh %r0, 32
 35: lddw %r1, map_value .rodata+0
 37: ldxw %r1, [%r1]
 38: jeq %r0, %r1, -34
 39: mov %r0, 0
 40: exit
; syscalls.increment(Number(ctx.id));  (samples/syscount.ts:19)
 41: stdw [%r10-16], 1
 42: lddw %r1, map_fd syscalls
 44: mov %r2, %r10
 45: add %r2, -24
 46: mov %r3, %r10
 47: add %r3, -16
 48: mov %r4, 1
 49: call bpf_map_update_elem#2
 50: ja -35
; processes.increment(bpf.comm());  (samples/syscount.ts:20)
 51: stdw [%r10-24], 1
 52: lddw %r1, map_fd processes
 54: mov %r2, %r10
 55: add %r2, -16
 56: mov %r3, %r10
 57: add %r3, -24
 58: mov %r4, 1
 59: call bpf_map_update_elem#2
 60: ja -30
