; program sched_switch (tracepoint, 90 instructions)
  0: mov %r7, %r1
; const now = bpf.ktimeGetNs();  (samples/offcputime.ts:25)
  1: call bpf_ktime_get_ns#5
  2: mov %r6, %r0
; if (ctx.prev_pid !== 0) {  (samples/offcputime.ts:27)
  3: ldxw %r0, [%r7+24]
  4: lsh %r0, 32
  5: arsh %r0, 32
  6: jeq %r0, 0, +50
; off.set(ctx.prev_pid, { since: now, where: { comm: bpf.comm(), user: bpf.ustack(), kernel: bpf.kstack() } });  (samples/offcputime.ts:28)
  7: ldxw %r0, [%r7+24]
  8: stxw [%r10-8], %r0
  9: stxdw [%r10-48], %r6
 10: mov %r1, %r10
 11: add %r1, -40
 12: mov %r2, 16
 13: call bpf_get_current_comm#16
 14: lddw %r2, map_fd .ustack.127
 16: mov %r1, %r7
 17: mov %r3, 256
 18: call bpf_get_stackid#27
 19: mov32 %r9, %r0
 20: call bpf_get_current_pid_tgid#14
 21: mov %r8, %r0
 22: rsh %r8, 32
 23: stxw [%r10-56], %r8
 24: lddw %r1, map_fd .ustack_pids
 26: mov %r2, %r10
 27: add %r2, -56
 28: call bpf_map_lookup_elem#1
 29: jne %r0, 0, +9
 30: stw [%r10-64], 0
 31: lddw %r1, map_fd .ustack_pids
 33: mov %r2, %r10
 34: add %r2, -56
 35: mov %r3, %r10
 36: add %r3, -64
 37: mov %r4, 0
 38: call bpf_map_update_elem#2
 39: lsh %r8, 32
 40: or %r8, %r9
 41: stxdw [%r10-24], %r8
 42: lddw %r2, map_fd .kstack.127
 44: mov %r1, %r7
 45: mov %r3, 0
 46: call bpf_get_stackid#27
 47: mov32 %r0, %r0
 48: stxdw [%r10-16], %r0
 49: lddw %r1, map_fd off
 51: mov %r2, %r10
 52: add %r2, -8
 53: mov %r3, %r10
 54: add %r3, -48
 55: mov %r4, 0
 56: call bpf_map_update_elem#2
; const was = off.get(ctx.next_pid);  (samples/offcputime.ts:30)
 57: ldxw %r0, [%r7+56]
 58: stxw [%r10-48], %r0
 59: lddw %r1, map_fd off
 61: mov %r2, %r10
 62: add %r2, -48
 63: call bpf_map_lookup_elem#1
 64: mov %r8, %r0
; if (was === undefined) return;  (samples/offcputime.ts:31)
 65: jne %r8, 0, +2
 66: mov %r0, 0
 67: exit
; offcpu.add(was.where, (now - was.since) / 1000n);  (samples/offcputime.ts:32)
 68: ldxdw %r0, [%r8]
 69: sub %r6, %r0
 70: div %r6, 1000
 71: lddw %r1, map_fd offcpu
 73: mov %r2, %r8
 74: add %r2, 8
 75: call bpf_map_lookup_elem#1
 76: jeq %r0, 0, +12
 77: ldxdw %r1, [%r0]
 78: add %r1, %r6
 79: stxdw [%r0], %r1
; off.delete(ctx.next_pid);  (samples/offcputime.ts:33)
 80: ldxw %r0, [%r7+56]
 81: stxw [%r10-48], %r0
 82: lddw %r1, map_fd off
 84: mov %r2, %r10
 85: add %r2, -48
 86: call bpf_map_delete_elem#3
 87: mov %r0, 0
 88: exit
; offcpu.add(was.where, (now - was.since) / 1000n);  (samples/offcputime.ts:32)
 89: stxdw [%r10-48], %r6
 90: lddw %r1, map_fd offcpu
 92: mov %r2, %r8
 93: add %r2, 8
 94: mov %r3, %r10
 95: add %r3, -48
 96: mov %r4, 1
 97: call bpf_map_update_elem#2
 98: ja -19
