; program sys_enter_openat (tracepoint, 65 instructions)
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
 15: mov %r1, %r10
 16: add %r1, -32
 17: mov %r2, 16
 18: call bpf_get_current_comm#16
 19: lddw %r2, map_fd .ustack.127
 21: mov %r1, %r6
 22: mov %r3, 256
 23: call bpf_get_stackid#27
 24: mov32 %r8, %r0
 25: call bpf_get_current_pid_tgid#14
 26: mov %r7, %r0
 27: rsh %r7, 32
 28: stxw [%r10-96], %r7
 29: lddw %r1, map_fd .ustack_pids
 31: mov %r2, %r10
 32: add %r2, -96
 33: call bpf_map_lookup_elem#1
 34: jne %r0, 0, +9
 35: stw [%r10-88], 0
 36: lddw %r1, map_fd .ustack_pids
 38: mov %r2, %r10
 39: add %r2, -96
 40: mov %r3, %r10
 41: add %r3, -88
 42: mov %r4, 0
 43: call bpf_map_update_elem#2
 44: lsh %r7, 32
 45: or %r7, %r8
 46: stxdw [%r10-16], %r7
 47: lddw %r2, map_fd .kstack.127
 49: mov %r1, %r6
 50: mov %r3, 0
 51: call bpf_get_stackid#27
 52: mov32 %r0, %r0
 53: stxdw [%r10-8], %r0
 54: lddw %r1, map_fd stacks
 56: mov %r2, %r10
 57: add %r2, -80
 58: call bpf_map_lookup_elem#1
 59: jeq %r0, 0, +5
 60: ldxdw %r1, [%r0]
 61: add %r1, 1
 62: stxdw [%r0], %r1
 63: mov %r0, 0
 64: exit
 65: stdw [%r10-96], 1
 66: lddw %r1, map_fd stacks
 68: mov %r2, %r10
 69: add %r2, -80
 70: mov %r3, %r10
 71: add %r3, -96
 72: mov %r4, 1
 73: call bpf_map_update_elem#2
 74: ja -12

; program malloc (kprobe, 63 instructions)
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
 11: mov %r1, %r10
 12: add %r1, -32
 13: mov %r2, 16
 14: call bpf_get_current_comm#16
 15: lddw %r2, map_fd .ustack.127
 17: mov %r1, %r7
 18: mov %r3, 256
 19: call bpf_get_stackid#27
 20: mov32 %r8, %r0
 21: call bpf_get_current_pid_tgid#14
 22: mov %r6, %r0
 23: rsh %r6, 32
 24: stxw [%r10-96], %r6
 25: lddw %r1, map_fd .ustack_pids
 27: mov %r2, %r10
 28: add %r2, -96
 29: call bpf_map_lookup_elem#1
 30: jne %r0, 0, +9
 31: stw [%r10-88], 0
 32: lddw %r1, map_fd .ustack_pids
 34: mov %r2, %r10
 35: add %r2, -96
 36: mov %r3, %r10
 37: add %r3, -88
 38: mov %r4, 0
 39: call bpf_map_update_elem#2
 40: lsh %r6, 32
 41: or %r6, %r8
 42: stxdw [%r10-16], %r6
 43: lddw %r2, map_fd .kstack.127
 45: mov %r1, %r7
 46: mov %r3, 0
 47: call bpf_get_stackid#27
 48: mov32 %r0, %r0
 49: stxdw [%r10-8], %r0
 50: lddw %r1, map_fd stacks
 52: mov %r2, %r10
 53: add %r2, -80
 54: call bpf_map_lookup_elem#1
 55: jeq %r0, 0, +5
 56: ldxdw %r1, [%r0]
 57: add %r1, 1
 58: stxdw [%r0], %r1
 59: mov %r0, 0
 60: exit
 61: stdw [%r10-96], 1
 62: lddw %r1, map_fd stacks
 64: mov %r2, %r10
 65: add %r2, -80
 66: mov %r3, %r10
 67: add %r3, -96
 68: mov %r4, 1
 69: call bpf_map_update_elem#2
 70: ja -12
