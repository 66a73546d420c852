; program profile_99 (perf_event, 60 instructions)
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
  8: mov %r1, %r10
  9: add %r1, -32
 10: mov %r2, 16
 11: call bpf_get_current_comm#16
 12: lddw %r2, map_fd .ustack.127
 14: mov %r1, %r8
 15: mov %r3, 256
 16: call bpf_get_stackid#27
 17: mov32 %r6, %r0
 18: rsh %r7, 32
 19: stxw [%r10-48], %r7
 20: lddw %r1, map_fd .ustack_pids
 22: mov %r2, %r10
 23: add %r2, -48
 24: call bpf_map_lookup_elem#1
 25: jne %r0, 0, +9
 26: stw [%r10-40], 0
 27: lddw %r1, map_fd .ustack_pids
 29: mov %r2, %r10
 30: add %r2, -48
 31: mov %r3, %r10
 32: add %r3, -40
 33: mov %r4, 0
 34: call bpf_map_update_elem#2
 35: lsh %r7, 32
 36: or %r7, %r6
 37: stxdw [%r10-16], %r7
 38: lddw %r2, map_fd .kstack.127
 40: mov %r1, %r8
 41: mov %r3, 0
 42: call bpf_get_stackid#27
 43: mov32 %r0, %r0
 44: stxdw [%r10-8], %r0
 45: lddw %r1, map_fd samples
 47: mov %r2, %r10
 48: add %r2, -32
 49: call bpf_map_lookup_elem#1
 50: jeq %r0, 0, +5
 51: ldxdw %r1, [%r0]
 52: add %r1, 1
 53: stxdw [%r0], %r1
 54: mov %r0, 0
 55: exit
 56: stdw [%r10-48], 1
 57: lddw %r1, map_fd samples
 59: mov %r2, %r10
 60: add %r2, -32
 61: mov %r3, %r10
 62: add %r3, -48
 63: mov %r4, 1
 64: call bpf_map_update_elem#2
 65: ja -12
