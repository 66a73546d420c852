; program sched_switch (tracepoint, 75 instructions)
  0: mov %r7, %r1
; const now = bpf.ktimeGetNs();  (samples/offcputime.ts:25)
  1: call bpf_ktime_get_ns#5
  2: mov %r6, %r0
; if (ctx.prev_pid !== 0) {  (samples/offcputime.ts:27)
  3: ldxw %r0, [%r7+24]
  4: lsh %r0, 32
  5: arsh %r0, 32
  6: jeq %r0, 0, +33
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
 19: mov32 %r8, %r0
 20: call bpf_get_current_pid_tgid#14
 21: rsh %r0, 32
 22: lsh %r0, 32
 23: or %r0, %r8
 24: stxdw [%r10-24], %r0
 25: lddw %r2, map_fd .kstack.127
 27: mov %r1, %r7
 28: mov %r3, 0
 29: call bpf_get_stackid#27
 30: mov32 %r0, %r0
 31: stxdw [%r10-16], %r0
 32: lddw %r1, map_fd off
 34: mov %r2, %r10
 35: add %r2, -8
 36: mov %r3, %r10
 37: add %r3, -48
 38: mov %r4, 0
 39: call bpf_map_update_elem#2
; const was = off.get(ctx.next_pid);  (samples/offcputime.ts:30)
 40: ldxw %r0, [%r7+56]
 41: stxw [%r10-48], %r0
 42: lddw %r1, map_fd off
 44: mov %r2, %r10
 45: add %r2, -48
 46: call bpf_map_lookup_elem#1
 47: mov %r8, %r0
; if (was === undefined) return;  (samples/offcputime.ts:31)
 48: jne %r8, 0, +2
 49: mov %r0, 0
 50: exit
; offcpu.add(was.where, (now - was.since) / 1000n);  (samples/offcputime.ts:32)
 51: ldxdw %r0, [%r8]
 52: sub %r6, %r0
 53: div %r6, 1000
 54: lddw %r1, map_fd offcpu
 56: mov %r2, %r8
 57: add %r2, 8
 58: call bpf_map_lookup_elem#1
 59: jeq %r0, 0, +12
 60: ldxdw %r1, [%r0]
 61: add %r1, %r6
 62: stxdw [%r0], %r1
; off.delete(ctx.next_pid);  (samples/offcputime.ts:33)
 63: ldxw %r0, [%r7+56]
 64: stxw [%r10-48], %r0
 65: lddw %r1, map_fd off
 67: mov %r2, %r10
 68: add %r2, -48
 69: call bpf_map_delete_elem#3
 70: mov %r0, 0
 71: exit
; offcpu.add(was.where, (now - was.since) / 1000n);  (samples/offcputime.ts:32)
 72: stxdw [%r10-48], %r6
 73: lddw %r1, map_fd offcpu
 75: mov %r2, %r8
 76: add %r2, 8
 77: mov %r3, %r10
 78: add %r3, -48
 79: mov %r4, 1
 80: call bpf_map_update_elem#2
 81: ja -19
