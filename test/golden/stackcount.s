; program sys_enter_openat (tracepoint, 67 instructions)
  0: mov %r6, %r1
; stacks.increment({ probe: probe(), comm: bpf.comm(), user: bpf.ustack(), kernel: bpf.kstack() });  (samples/stackcount.ts:19)
  1: lddw %r0, 0x696f706563617274
  3: stxdw [%r10-80], %r0
  4: lddw %r0, 0x61637379733a746e
  6: stxdw [%r10-72], %r0
  7: lddw %r0, 0x5f7379733a736c6c
  9: stxdw [%r10-64], %r0
 10: lddw %r0, 0x706f5f7265746e65
 12: stxdw [%r10-56], %r0
 13: stdw [%r10-48], 1952542309
 14: stdw [%r10-40], 0
 15: stdw [%r10-32], 0
 16: stdw [%r10-24], 0
 17: mov %r1, %r10
 18: add %r1, -32
 19: mov %r2, 16
 20: call bpf_get_current_comm#16
 21: lddw %r2, map_fd .ustack.127
 23: mov %r1, %r6
 24: mov %r3, 256
 25: call bpf_get_stackid#27
 26: mov32 %r8, %r0
 27: call bpf_get_current_pid_tgid#14
 28: mov %r7, %r0
 29: rsh %r7, 32
 30: stxw [%r10-96], %r7
 31: lddw %r1, map_fd .ustack_pids
 33: mov %r2, %r10
 34: add %r2, -96
 35: call bpf_map_lookup_elem#1
 36: jne %r0, 0, +9
 37: stw [%r10-88], 0
 38: lddw %r1, map_fd .ustack_pids
 40: mov %r2, %r10
 41: add %r2, -96
 42: mov %r3, %r10
 43: add %r3, -88
 44: mov %r4, 0
 45: call bpf_map_update_elem#2
 46: lsh %r7, 32
 47: or %r7, %r8
 48: stxdw [%r10-16], %r7
 49: lddw %r2, map_fd .kstack.127
 51: mov %r1, %r6
 52: mov %r3, 0
 53: call bpf_get_stackid#27
 54: mov32 %r0, %r0
 55: stxdw [%r10-8], %r0
 56: lddw %r1, map_fd stacks
 58: mov %r2, %r10
 59: add %r2, -80
 60: call bpf_map_lookup_elem#1
 61: jeq %r0, 0, +5
 62: ldxdw %r1, [%r0]
 63: add %r1, 1
 64: stxdw [%r0], %r1
 65: mov %r0, 0
 66: exit
 67: stdw [%r10-96], 1
 68: lddw %r1, map_fd stacks
 70: mov %r2, %r10
 71: add %r2, -80
 72: mov %r3, %r10
 73: add %r3, -96
 74: mov %r4, 1
 75: call bpf_map_update_elem#2
 76: ja -12

; program malloc (kprobe, 65 instructions)
  0: mov %r7, %r1
; stacks.increment({ probe: probe(), comm: bpf.comm(), user: bpf.ustack(), kernel: bpf.kstack() });  (samples/stackcount.ts:23)
  1: lddw %r0, 0x6c3a65626f727075
  3: stxdw [%r10-80], %r0
  4: lddw %r0, 0x6c6c616d3a636269
  6: stxdw [%r10-72], %r0
  7: stdw [%r10-64], 25455
  8: stdw [%r10-56], 0
  9: stdw [%r10-48], 0
 10: stdw [%r10-40], 0
 11: stdw [%r10-32], 0
 12: stdw [%r10-24], 0
 13: mov %r1, %r10
 14: add %r1, -32
 15: mov %r2, 16
 16: call bpf_get_current_comm#16
 17: lddw %r2, map_fd .ustack.127
 19: mov %r1, %r7
 20: mov %r3, 256
 21: call bpf_get_stackid#27
 22: mov32 %r8, %r0
 23: call bpf_get_current_pid_tgid#14
 24: mov %r6, %r0
 25: rsh %r6, 32
 26: stxw [%r10-96], %r6
 27: lddw %r1, map_fd .ustack_pids
 29: mov %r2, %r10
 30: add %r2, -96
 31: call bpf_map_lookup_elem#1
 32: jne %r0, 0, +9
 33: stw [%r10-88], 0
 34: lddw %r1, map_fd .ustack_pids
 36: mov %r2, %r10
 37: add %r2, -96
 38: mov %r3, %r10
 39: add %r3, -88
 40: mov %r4, 0
 41: call bpf_map_update_elem#2
 42: lsh %r6, 32
 43: or %r6, %r8
 44: stxdw [%r10-16], %r6
 45: lddw %r2, map_fd .kstack.127
 47: mov %r1, %r7
 48: mov %r3, 0
 49: call bpf_get_stackid#27
 50: mov32 %r0, %r0
 51: stxdw [%r10-8], %r0
 52: lddw %r1, map_fd stacks
 54: mov %r2, %r10
 55: add %r2, -80
 56: call bpf_map_lookup_elem#1
 57: jeq %r0, 0, +5
 58: ldxdw %r1, [%r0]
 59: add %r1, 1
 60: stxdw [%r0], %r1
 61: mov %r0, 0
 62: exit
 63: stdw [%r10-96], 1
 64: lddw %r1, map_fd stacks
 66: mov %r2, %r10
 67: add %r2, -80
 68: mov %r3, %r10
 69: add %r3, -96
 70: mov %r4, 1
 71: call bpf_map_update_elem#2
 72: ja -12
