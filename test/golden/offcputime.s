; program sched_switch (tracepoint, 92 instructions)
  0: mov %r7, %r1
; const now = bpf.ktimeGetNs();  (samples/offcputime.ts:25)
  1: call bpf_ktime_get_ns#5
  2: mov %r6, %r0
; if (ctx.prev_pid !== 0) {  (samples/offcputime.ts:27)
  3: ldxw %r0, [%r7+24]
  4: lsh %r0, 32
  5: arsh %r0, 32
  6: jeq %r0, 0, +52
; off.set(ctx.prev_pid, { since: now, where: { comm: bpf.comm(), user: bpf.ustack(), kernel: bpf.kstack() } });  (samples/offcputime.ts:28)
  7: ldxw %r0, [%r7+24]
  8: stxw [%r10-8], %r0
  9: stxdw [%r10-48], %r6
 10: stdw [%r10-40], 0
 11: stdw [%r10-32], 0
 12: mov %r1, %r10
 13: add %r1, -40
 14: mov %r2, 16
 15: call bpf_get_current_comm#16
 16: lddw %r2, map_fd .ustack.127
 18: mov %r1, %r7
 19: mov %r3, 256
 20: call bpf_get_stackid#27
 21: mov32 %r9, %r0
 22: call bpf_get_current_pid_tgid#14
 23: mov %r8, %r0
 24: rsh %r8, 32
 25: stxw [%r10-56], %r8
 26: lddw %r1, map_fd .ustack_pids
 28: mov %r2, %r10
 29: add %r2, -56
 30: call bpf_map_lookup_elem#1
 31: jne %r0, 0, +9
 32: stw [%r10-64], 0
 33: lddw %r1, map_fd .ustack_pids
 35: mov %r2, %r10
 36: add %r2, -56
 37: mov %r3, %r10
 38: add %r3, -64
 39: mov %r4, 0
 40: call bpf_map_update_elem#2
 41: lsh %r8, 32
 42: or %r8, %r9
 43: stxdw [%r10-24], %r8
 44: lddw %r2, map_fd .kstack.127
 46: mov %r1, %r7
 47: mov %r3, 0
 48: call bpf_get_stackid#27
 49: mov32 %r0, %r0
 50: stxdw [%r10-16], %r0
 51: lddw %r1, map_fd off
 53: mov %r2, %r10
 54: add %r2, -8
 55: mov %r3, %r10
 56: add %r3, -48
 57: mov %r4, 0
 58: call bpf_map_update_elem#2
; const was = off.get(ctx.next_pid);  (samples/offcputime.ts:30)
 59: ldxw %r0, [%r7+56]
 60: stxw [%r10-48], %r0
 61: lddw %r1, map_fd off
 63: mov %r2, %r10
 64: add %r2, -48
 65: call bpf_map_lookup_elem#1
 66: mov %r8, %r0
; if (was === undefined) return;  (samples/offcputime.ts:31)
 67: jne %r8, 0, +2
 68: mov %r0, 0
 69: exit
; offcpu.add(was.where, (now - was.since) / 1000n);  (samples/offcputime.ts:32)
 70: ldxdw %r0, [%r8]
 71: sub %r6, %r0
 72: div %r6, 1000
 73: lddw %r1, map_fd offcpu
 75: mov %r2, %r8
 76: add %r2, 8
 77: call bpf_map_lookup_elem#1
 78: jeq %r0, 0, +12
 79: ldxdw %r1, [%r0]
 80: add %r1, %r6
 81: stxdw [%r0], %r1
; off.delete(ctx.next_pid);  (samples/offcputime.ts:33)
 82: ldxw %r0, [%r7+56]
 83: stxw [%r10-48], %r0
 84: lddw %r1, map_fd off
 86: mov %r2, %r10
 87: add %r2, -48
 88: call bpf_map_delete_elem#3
 89: mov %r0, 0
 90: exit
; offcpu.add(was.where, (now - was.since) / 1000n);  (samples/offcputime.ts:32)
 91: stxdw [%r10-48], %r6
 92: lddw %r1, map_fd offcpu
 94: mov %r2, %r8
 95: add %r2, 8
 96: mov %r3, %r10
 97: add %r3, -48
 98: mov %r4, 1
 99: call bpf_map_update_elem#2
100: ja -19
