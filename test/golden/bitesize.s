; program block_rq_issue (tracepoint, 56 instructions)
  0: mov %r3, %r1
; bytes.record(ctx.comm, ctx.bytes);  (samples/bitesize.ts:9)
  1: ldxw %r1, [%r3+28]
  2: mov %r0, 1
  3: jeq %r1, 0, +19
  4: mov %r0, 2
  5: lddw %r2, 0x100000000
  7: jlt %r1, %r2, +2
  8: rsh %r1, 32
  9: add %r0, 32
 10: jlt %r1, 65536, +2
 11: rsh %r1, 16
 12: add %r0, 16
 13: jlt %r1, 256, +2
 14: rsh %r1, 8
 15: add %r0, 8
 16: jlt %r1, 16, +2
 17: rsh %r1, 4
 18: add %r0, 4
 19: jlt %r1, 4, +2
 20: rsh %r1, 2
 21: add %r0, 2
 22: jge %r1, 2, +24
 23: ldxw %r1, [%r3+44]
 24: stxw [%r10-40], %r1
 25: ldxw %r1, [%r3+48]
 26: stxw [%r10-36], %r1
 27: ldxw %r1, [%r3+52]
 28: stxw [%r10-32], %r1
 29: ldxw %r1, [%r3+56]
 30: stxw [%r10-28], %r1
 31: ldxdw %r1, [%r10-40]
 32: stxdw [%r10-24], %r1
 33: ldxdw %r1, [%r10-32]
 34: stxdw [%r10-16], %r1
 35: stxw [%r10-8], %r0
 36: lddw %r1, map_fd bytes
 38: mov %r2, %r10
 39: add %r2, -24
 40: call bpf_map_lookup_elem#1
 41: jeq %r0, 0, +7
 42: ldxdw %r1, [%r0]
 43: add %r1, 1
 44: stxdw [%r0], %r1
 45: mov %r0, 0
 46: exit
 47: add %r0, 1
 48: ja -26
 49: stdw [%r10-40], 1
 50: lddw %r1, map_fd bytes
 52: mov %r2, %r10
 53: add %r2, -24
 54: mov %r3, %r10
 55: add %r3, -40
 56: mov %r4, 1
 57: call bpf_map_update_elem#2
 58: ja -14
