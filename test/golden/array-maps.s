; program sys_enter_write (tracepoint, 60 instructions)
  0: mov %r6, %r1
; const min = config.get(0) ?? 0n;  (test/golden/programs/array-maps.ts:15)
  1: stw [%r10-16], 0
  2: lddw %r1, map_fd config
  4: mov %r2, %r10
  5: add %r2, -16
  6: call bpf_map_lookup_elem#1
  7: jeq %r0, 0, +5
  8: ldxdw %r1, [%r0]
; if (ctx.count < min) return;  (test/golden/programs/array-maps.ts:16)
  9: ldxdw %r0, [%r6+32]
 10: jge %r0, %r1, +4
 11: mov %r0, 0
 12: exit
; const min = config.get(0) ?? 0n;  (test/golden/programs/array-maps.ts:15)
 13: mov %r1, 0
 14: ja -6
; config.set(1, bpf.ktimeGetNs());  (test/golden/programs/array-maps.ts:17)
 15: stw [%r10-8], 1
 16: call bpf_ktime_get_ns#5
 17: stxdw [%r10-16], %r0
 18: lddw %r1, map_fd config
 20: mov %r2, %r10
 21: add %r2, -8
 22: mov %r3, %r10
 23: add %r3, -16
 24: mov %r4, 0
 25: call bpf_map_update_elem#2
; const c = perCpu.get(0);  (test/golden/programs/array-maps.ts:18)
 26: stw [%r10-16], 0
 27: lddw %r1, map_fd perCpu
 29: mov %r2, %r10
 30: add %r2, -16
 31: call bpf_map_lookup_elem#1
; if (c) {  (test/golden/programs/array-maps.ts:19)
 32: jeq %r0, 0, +7
; c.calls += 1n;  (test/golden/programs/array-maps.ts:20)
 33: ldxdw %r1, [%r0]
 34: add %r1, 1
 35: stxdw [%r0], %r1
; c.bytes += ctx.count;  (test/golden/programs/array-maps.ts:21)
 36: ldxdw %r2, [%r6+32]
 37: ldxdw %r1, [%r0+8]
 38: add %r1, %r2
 39: stxdw [%r0+8], %r1
; bytesByPid.add(bpf.pid(), ctx.count);  (test/golden/programs/array-maps.ts:23)
 40: call bpf_get_current_pid_tgid#14
 41: rsh %r0, 32
 42: stxw [%r10-8], %r0
 43: ldxdw %r6, [%r6+32]
 44: lddw %r1, map_fd bytesByPid
 46: mov %r2, %r10
 47: add %r2, -8
 48: call bpf_map_lookup_elem#1
 49: jeq %r0, 0, +5
 50: ldxdw %r1, [%r0]
 51: add %r1, %r6
 52: stxdw [%r0], %r1
 53: mov %r0, 0
 54: exit
 55: stxdw [%r10-16], %r6
 56: lddw %r1, map_fd bytesByPid
 58: mov %r2, %r10
 59: add %r2, -8
 60: mov %r3, %r10
 61: add %r3, -16
 62: mov %r4, 1
 63: call bpf_map_update_elem#2
 64: ja -12
