; program block_rq_issue (tracepoint, 16 instructions)
; issued.set({ dev: ctx.dev, sector: ctx.sector }, bpf.ktimeGetNs());  (samples/biolatency.ts:18)
 0: stw [%r10-12], 0
 1: ldxw %r0, [%r1+8]
 2: stxw [%r10-16], %r0
 3: ldxdw %r0, [%r1+16]
 4: stxdw [%r10-8], %r0
 5: call bpf_ktime_get_ns#5
 6: stxdw [%r10-24], %r0
 7: lddw %r1, map_fd issued
 9: mov %r2, %r10
10: add %r2, -16
11: mov %r3, %r10
12: add %r3, -24
13: mov %r4, 0
14: call bpf_map_update_elem#2
15: mov %r0, 0
16: exit

; program block_rq_complete (tracepoint, 79 instructions)
; const key: Request = { dev: ctx.dev, sector: ctx.sector };  (samples/biolatency.ts:22)
  0: stw [%r10-12], 0
  1: ldxw %r0, [%r1+8]
  2: stxw [%r10-16], %r0
  3: ldxdw %r0, [%r1+16]
  4: stxdw [%r10-8], %r0
; const t0 = issued.get(key);  (samples/biolatency.ts:23)
  5: lddw %r1, map_fd issued
  7: mov %r2, %r10
  8: add %r2, -16
  9: call bpf_map_lookup_elem#1
 10: mov %r6, %r0
; if (t0 === undefined) return;  (samples/biolatency.ts:24)
 11: jne %r6, 0, +2
 12: mov %r0, 0
 13: exit
; biolatency.record((bpf.ktimeGetNs() - t0) / 1000n);  (samples/biolatency.ts:25)
 14: call bpf_ktime_get_ns#5
 15: ldxdw %r1, [%r6]
 16: sub %r0, %r1
 17: div %r0, 1000
 18: mov %r1, %r0
 19: rsh %r1, 32
 20: neg %r1
 21: rsh %r1, 63
 22: lsh %r1, 5
 23: mov %r3, %r0
 24: rsh %r3, %r1
 25: mov %r2, %r3
 26: rsh %r2, 16
 27: neg %r2
 28: rsh %r2, 63
 29: lsh %r2, 4
 30: rsh %r3, %r2
 31: or %r1, %r2
 32: mov %r2, %r3
 33: rsh %r2, 8
 34: neg %r2
 35: rsh %r2, 63
 36: lsh %r2, 3
 37: rsh %r3, %r2
 38: or %r1, %r2
 39: mov %r2, %r3
 40: rsh %r2, 4
 41: neg %r2
 42: rsh %r2, 63
 43: lsh %r2, 2
 44: rsh %r3, %r2
 45: or %r1, %r2
 46: mov %r2, %r3
 47: rsh %r2, 2
 48: neg %r2
 49: rsh %r2, 63
 50: lsh %r2, 1
 51: rsh %r3, %r2
 52: or %r1, %r2
 53: rsh %r3, 1
 54: neg %r3
 55: rsh %r3, 63
 56: or %r1, %r3
 57: mov %r2, %r0
 58: neg %r2
 59: or %r0, %r2
 60: rsh %r0, 63
 61: add %r1, %r0
 62: add %r1, 1
 63: stxw [%r10-24], %r1
 64: lddw %r1, map_fd biolatency
 66: mov %r2, %r10
 67: add %r2, -24
 68: call bpf_map_lookup_elem#1
 69: jeq %r0, 0, +10
 70: ldxdw %r1, [%r0]
 71: add %r1, 1
 72: stxdw [%r0], %r1
; issued.delete(key);  (samples/biolatency.ts:26)
 73: lddw %r1, map_fd issued
 75: mov %r2, %r10
 76: add %r2, -16
 77: call bpf_map_delete_elem#3
 78: mov %r0, 0
 79: exit
; biolatency.record((bpf.ktimeGetNs() - t0) / 1000n);  (samples/biolatency.ts:25)
 80: mov %r0, 0
 81: exit
