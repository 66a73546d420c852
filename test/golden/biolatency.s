; program block_rq_issue (tracepoint, 16 instructions)
; issued.set({ dev: ctx.dev, sector: ctx.sector }, bpf.ktimeGetNs());  (samples/biolatency.ts:17)
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

; program block_rq_complete (tracepoint, 54 instructions)
; const key: Request = { dev: ctx.dev, sector: ctx.sector };  (samples/biolatency.ts:21)
  0: stw [%r10-12], 0
  1: ldxw %r0, [%r1+8]
  2: stxw [%r10-16], %r0
  3: ldxdw %r0, [%r1+16]
  4: stxdw [%r10-8], %r0
; const t0 = issued.get(key);  (samples/biolatency.ts:22)
  5: lddw %r1, map_fd issued
  7: mov %r2, %r10
  8: add %r2, -16
  9: call bpf_map_lookup_elem#1
 10: mov %r6, %r0
; if (t0 === undefined) return;  (samples/biolatency.ts:23)
 11: jne %r6, 0, +2
 12: mov %r0, 0
 13: exit
; biolatency.record((bpf.ktimeGetNs() - t0) / 1000n);  (samples/biolatency.ts:24)
 14: call bpf_ktime_get_ns#5
 15: ldxdw %r1, [%r6]
 16: sub %r0, %r1
 17: div %r0, 1000
 18: mov %r1, 1
 19: jeq %r0, 0, +19
 20: mov %r1, 2
 21: lddw %r2, 0x100000000
 23: jlt %r0, %r2, +2
 24: rsh %r0, 32
 25: add %r1, 32
 26: jlt %r0, 65536, +2
 27: rsh %r0, 16
 28: add %r1, 16
 29: jlt %r0, 256, +2
 30: rsh %r0, 8
 31: add %r1, 8
 32: jlt %r0, 16, +2
 33: rsh %r0, 4
 34: add %r1, 4
 35: jlt %r0, 4, +2
 36: rsh %r0, 2
 37: add %r1, 2
 38: jge %r0, 2, +17
 39: stxw [%r10-24], %r1
 40: lddw %r1, map_fd biolatency
 42: mov %r2, %r10
 43: add %r2, -24
 44: call bpf_map_lookup_elem#1
 45: jeq %r0, 0, +3
 46: ldxdw %r1, [%r0]
 47: add %r1, 1
 48: stxdw [%r0], %r1
; issued.delete(key);  (samples/biolatency.ts:25)
 49: lddw %r1, map_fd issued
 51: mov %r2, %r10
 52: add %r2, -16
 53: call bpf_map_delete_elem#3
 54: mov %r0, 0
 55: exit
; biolatency.record((bpf.ktimeGetNs() - t0) / 1000n);  (samples/biolatency.ts:24)
 56: add %r1, 1
 57: ja -19
