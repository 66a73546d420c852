; program block_rq_issue (tracepoint, 79 instructions)
  0: mov %r4, %r1
; bytes.record(ctx.comm, ctx.bytes);  (samples/bitesize.ts:10)
  1: ldxw %r3, [%r4+28]
  2: mov %r0, %r3
  3: rsh %r0, 32
  4: neg %r0
  5: rsh %r0, 63
  6: lsh %r0, 5
  7: mov %r2, %r3
  8: rsh %r2, %r0
  9: mov %r1, %r2
 10: rsh %r1, 16
 11: neg %r1
 12: rsh %r1, 63
 13: lsh %r1, 4
 14: rsh %r2, %r1
 15: or %r0, %r1
 16: mov %r1, %r2
 17: rsh %r1, 8
 18: neg %r1
 19: rsh %r1, 63
 20: lsh %r1, 3
 21: rsh %r2, %r1
 22: or %r0, %r1
 23: mov %r1, %r2
 24: rsh %r1, 4
 25: neg %r1
 26: rsh %r1, 63
 27: lsh %r1, 2
 28: rsh %r2, %r1
 29: or %r0, %r1
 30: mov %r1, %r2
 31: rsh %r1, 2
 32: neg %r1
 33: rsh %r1, 63
 34: lsh %r1, 1
 35: rsh %r2, %r1
 36: or %r0, %r1
 37: rsh %r2, 1
 38: neg %r2
 39: rsh %r2, 63
 40: or %r0, %r2
 41: mov %r1, %r3
 42: neg %r1
 43: or %r3, %r1
 44: rsh %r3, 63
 45: add %r0, %r3
 46: add %r0, 1
 47: ldxw %r1, [%r4+44]
 48: stxw [%r10-40], %r1
 49: ldxw %r1, [%r4+48]
 50: stxw [%r10-36], %r1
 51: ldxw %r1, [%r4+52]
 52: stxw [%r10-32], %r1
 53: ldxw %r1, [%r4+56]
 54: stxw [%r10-28], %r1
 55: ldxdw %r1, [%r10-40]
 56: stxdw [%r10-24], %r1
 57: ldxdw %r1, [%r10-32]
 58: stxdw [%r10-16], %r1
 59: stxw [%r10-8], %r0
 60: lddw %r1, map_fd bytes
 62: mov %r2, %r10
 63: add %r2, -24
 64: call bpf_map_lookup_elem#1
 65: jeq %r0, 0, +5
 66: ldxdw %r1, [%r0]
 67: add %r1, 1
 68: stxdw [%r0], %r1
 69: mov %r0, 0
 70: exit
 71: stdw [%r10-40], 1
 72: lddw %r1, map_fd bytes
 74: mov %r2, %r10
 75: add %r2, -24
 76: mov %r3, %r10
 77: add %r3, -40
 78: mov %r4, 1
 79: call bpf_map_update_elem#2
 80: ja -12
