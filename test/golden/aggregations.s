; program sys_enter_read (tracepoint, 119 instructions)
; const n = ctx.count;  (test/golden/programs/aggregations.ts:16)
  0: ldxdw %r6, [%r1+32]
; count.increment();  (test/golden/programs/aggregations.ts:17)
  1: stw [%r10-8], 0
  2: lddw %r1, map_fd count
  4: mov %r2, %r10
  5: add %r2, -8
  6: call bpf_map_lookup_elem#1
  7: jeq %r0, 0, +3
  8: ldxdw %r1, [%r0]
  9: add %r1, 1
 10: stxdw [%r0], %r1
; sum.add(n);  (test/golden/programs/aggregations.ts:18)
 11: stw [%r10-8], 0
 12: lddw %r1, map_fd sum
 14: mov %r2, %r10
 15: add %r2, -8
 16: call bpf_map_lookup_elem#1
 17: jeq %r0, 0, +3
 18: ldxdw %r1, [%r0]
 19: add %r1, %r6
 20: stxdw [%r0], %r1
; min.record(n);  (test/golden/programs/aggregations.ts:19)
 21: stw [%r10-8], 0
 22: lddw %r1, map_fd min
 24: mov %r2, %r10
 25: add %r2, -8
 26: call bpf_map_lookup_elem#1
 27: jeq %r0, 0, +4
 28: ldxdw %r1, [%r0+8]
 29: jne %r1, 0, +88
 30: stxdw [%r0], %r6
 31: stdw [%r0+8], 1
; max.record(n);  (test/golden/programs/aggregations.ts:20)
 32: stw [%r10-8], 0
 33: lddw %r1, map_fd max
 35: mov %r2, %r10
 36: add %r2, -8
 37: call bpf_map_lookup_elem#1
 38: jeq %r0, 0, +4
 39: ldxdw %r1, [%r0+8]
 40: jne %r1, 0, +80
 41: stxdw [%r0], %r6
 42: stdw [%r0+8], 1
; avg.record(n);  (test/golden/programs/aggregations.ts:21)
 43: stw [%r10-8], 0
 44: lddw %r1, map_fd avg
 46: mov %r2, %r10
 47: add %r2, -8
 48: call bpf_map_lookup_elem#1
 49: jeq %r0, 0, +6
 50: ldxdw %r1, [%r0]
 51: add %r1, 1
 52: stxdw [%r0], %r1
 53: ldxdw %r1, [%r0+8]
 54: add %r1, %r6
 55: stxdw [%r0+8], %r1
; stats.record(n);  (test/golden/programs/aggregations.ts:22)
 56: stw [%r10-8], 0
 57: lddw %r1, map_fd stats
 59: mov %r2, %r10
 60: add %r2, -8
 61: call bpf_map_lookup_elem#1
 62: jeq %r0, 0, +6
 63: ldxdw %r1, [%r0]
 64: add %r1, 1
 65: stxdw [%r0], %r1
 66: ldxdw %r1, [%r0+8]
 67: add %r1, %r6
 68: stxdw [%r0+8], %r1
; hist.record(n);  (test/golden/programs/aggregations.ts:23)
 69: mov %r0, 1
 70: jeq %r6, 0, +20
 71: mov %r1, %r6
 72: mov %r0, 2
 73: lddw %r2, 0x100000000
 75: jlt %r1, %r2, +2
 76: rsh %r1, 32
 77: add %r0, 32
 78: jlt %r1, 65536, +2
 79: rsh %r1, 16
 80: add %r0, 16
 81: jlt %r1, 256, +2
 82: rsh %r1, 8
 83: add %r0, 8
 84: jlt %r1, 16, +2
 85: rsh %r1, 4
 86: add %r0, 4
 87: jlt %r1, 4, +2
 88: rsh %r1, 2
 89: add %r0, 2
 90: jge %r1, 2, +33
 91: stxw [%r10-8], %r0
 92: lddw %r1, map_fd hist
 94: mov %r2, %r10
 95: add %r2, -8
 96: call bpf_map_lookup_elem#1
 97: jeq %r0, 0, +3
 98: ldxdw %r1, [%r0]
 99: add %r1, 1
100: stxdw [%r0], %r1
; lhist.record(n);  (test/golden/programs/aggregations.ts:24)
101: mov %r0, 0
102: jge %r6, 100, +23
103: mov %r0, %r6
104: div %r0, 10
105: add %r0, 1
106: stxw [%r10-8], %r0
107: lddw %r1, map_fd lhist
109: mov %r2, %r10
110: add %r2, -8
111: call bpf_map_lookup_elem#1
112: jeq %r0, 0, +3
113: ldxdw %r1, [%r0]
114: add %r1, 1
115: stxdw [%r0], %r1
116: mov %r0, 0
117: exit
; min.record(n);  (test/golden/programs/aggregations.ts:19)
118: ldxdw %r1, [%r0]
119: jlt %r6, %r1, -90
120: ja -89
; max.record(n);  (test/golden/programs/aggregations.ts:20)
121: ldxdw %r1, [%r0]
122: jgt %r6, %r1, -82
123: ja -81
; hist.record(n);  (test/golden/programs/aggregations.ts:23)
124: add %r0, 1
125: ja -35
; lhist.record(n);  (test/golden/programs/aggregations.ts:24)
126: mov %r0, 11
127: ja -22
