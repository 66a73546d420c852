; program profile_99 (perf_event, 62 instructions)
  0: mov %r8, %r1
; if (bpf.pid() === 0) return;  (samples/profile.ts:19)
  1: call bpf_get_current_pid_tgid#14
  2: mov %r7, %r0
  3: mov %r0, %r7
  4: rsh %r0, 32
  5: jne %r0, 0, +2
  6: mov %r0, 0
  7: exit
; samples.increment({ comm: bpf.comm(), user: bpf.ustack(), kernel: bpf.kstack() });  (samples/profile.ts:20)
  8: stdw [%r10-32], 0
  9: stdw [%r10-24], 0
 10: mov %r1, %r10
 11: add %r1, -32
 12: mov %r2, 16
 13: call bpf_get_current_comm#16
 14: lddw %r2, map_fd .ustack.127
 16: mov %r1, %r8
 17: mov %r3, 256
 18: call bpf_get_stackid#27
 19: mov32 %r6, %r0
 20: rsh %r7, 32
 21: stxw [%r10-48], %r7
 22: lddw %r1, map_fd .ustack_pids
 24: mov %r2, %r10
 25: add %r2, -48
 26: call bpf_map_lookup_elem#1
 27: jne %r0, 0, +9
 28: stw [%r10-40], 0
 29: lddw %r1, map_fd .ustack_pids
 31: mov %r2, %r10
 32: add %r2, -48
 33: mov %r3, %r10
 34: add %r3, -40
 35: mov %r4, 0
 36: call bpf_map_update_elem#2
 37: lsh %r7, 32
 38: or %r7, %r6
 39: stxdw [%r10-16], %r7
 40: lddw %r2, map_fd .kstack.127
 42: mov %r1, %r8
 43: mov %r3, 0
 44: call bpf_get_stackid#27
 45: mov32 %r0, %r0
 46: stxdw [%r10-8], %r0
 47: lddw %r1, map_fd samples
 49: mov %r2, %r10
 50: add %r2, -32
 51: call bpf_map_lookup_elem#1
 52: jeq %r0, 0, +5
 53: ldxdw %r1, [%r0]
 54: add %r1, 1
 55: stxdw [%r0], %r1
 56: mov %r0, 0
 57: exit
 58: stdw [%r10-48], 1
 59: lddw %r1, map_fd samples
 61: mov %r2, %r10
 62: add %r2, -32
 63: mov %r3, %r10
 64: add %r3, -48
 65: mov %r4, 1
 66: call bpf_map_update_elem#2
 67: ja -12
