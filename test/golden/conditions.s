; program sched_switch (tracepoint, 57 instructions)
; if ((ctx.prev_pid === 0 || ctx.next_pid === 0) && !(ctx.next_prio > 100)) return;  (test/golden/programs/conditions.ts:8)
  0: ldxw %r0, [%r1+24]
  1: lsh %r0, 32
  2: arsh %r0, 32
  3: jne %r0, 0, +6
  4: ldxw %r0, [%r1+60]
  5: lsh %r0, 32
  6: arsh %r0, 32
  7: jsgt %r0, 100, +6
  8: mov %r0, 0
  9: exit
 10: ldxw %r0, [%r1+56]
 11: lsh %r0, 32
 12: arsh %r0, 32
 13: jeq %r0, 0, -10
; const cls = ctx.next_prio < 100 ? 1 : ctx.next_prio < 120 ? 2 : 3;  (test/golden/programs/conditions.ts:9)
 14: ldxw %r0, [%r1+60]
 15: lsh %r0, 32
 16: arsh %r0, 32
 17: jsge %r0, 100, +23
 18: mov %r6, 1
; const who = ctx.next_pid || bpf.pid();  (test/golden/programs/conditions.ts:10)
 19: ldxw %r0, [%r1+56]
 20: lsh %r0, 32
 21: arsh %r0, 32
 22: jne %r0, 0, +2
 23: call bpf_get_current_pid_tgid#14
 24: rsh %r0, 32
; picked.increment(cls * 1000 + (who && 1));  (test/golden/programs/conditions.ts:11)
 25: mul %r6, 1000
 26: jeq %r0, 0, +1
 27: mov %r0, 1
 28: add %r6, %r0
 29: stxw [%r10-8], %r6
 30: lddw %r1, map_fd picked
 32: mov %r2, %r10
 33: add %r2, -8
 34: call bpf_map_lookup_elem#1
 35: jeq %r0, 0, +11
 36: ldxdw %r1, [%r0]
 37: add %r1, 1
 38: stxdw [%r0], %r1
 39: mov %r0, 0
 40: exit
; const cls = ctx.next_prio < 100 ? 1 : ctx.next_prio < 120 ? 2 : 3;  (test/golden/programs/conditions.ts:9)
 41: ldxw %r0, [%r1+60]
 42: lsh %r0, 32
 43: arsh %r0, 32
 44: jsge %r0, 120, +12
 45: mov %r6, 2
 46: ja -28
; picked.increment(cls * 1000 + (who && 1));  (test/golden/programs/conditions.ts:11)
 47: stdw [%r10-16], 1
 48: lddw %r1, map_fd picked
 50: mov %r2, %r10
 51: add %r2, -8
 52: mov %r3, %r10
 53: add %r3, -16
 54: mov %r4, 1
 55: call bpf_map_update_elem#2
 56: ja -18
; const cls = ctx.next_prio < 100 ? 1 : ctx.next_prio < 120 ? 2 : 3;  (test/golden/programs/conditions.ts:9)
 57: mov %r6, 3
 58: ja -13
