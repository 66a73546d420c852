; program sys_enter_read (tracepoint, 142 instructions)
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
 29: jne %r1, 0, +112
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
 40: jne %r1, 0, +104
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
 69: mov %r0, %r6
 70: rsh %r0, 32
 71: neg %r0
 72: rsh %r0, 63
 73: lsh %r0, 5
 74: mov %r2, %r6
 75: rsh %r2, %r0
 76: mov %r1, %r2
 77: rsh %r1, 16
 78: neg %r1
 79: rsh %r1, 63
 80: lsh %r1, 4
 81: rsh %r2, %r1
 82: or %r0, %r1
 83: mov %r1, %r2
 84: rsh %r1, 8
 85: neg %r1
 86: rsh %r1, 63
 87: lsh %r1, 3
 88: rsh %r2, %r1
 89: or %r0, %r1
 90: mov %r1, %r2
 91: rsh %r1, 4
 92: neg %r1
 93: rsh %r1, 63
 94: lsh %r1, 2
 95: rsh %r2, %r1
 96: or %r0, %r1
 97: mov %r1, %r2
 98: rsh %r1, 2
 99: neg %r1
100: rsh %r1, 63
101: lsh %r1, 1
102: rsh %r2, %r1
103: or %r0, %r1
104: rsh %r2, 1
105: neg %r2
106: rsh %r2, 63
107: or %r0, %r2
108: mov %r1, %r6
109: neg %r1
110: mov %r2, %r6
111: or %r2, %r1
112: rsh %r2, 63
113: add %r0, %r2
114: add %r0, 1
115: stxw [%r10-8], %r0
116: lddw %r1, map_fd hist
118: mov %r2, %r10
119: add %r2, -8
120: call bpf_map_lookup_elem#1
121: jeq %r0, 0, +3
122: ldxdw %r1, [%r0]
123: add %r1, 1
124: stxdw [%r0], %r1
; lhist.record(n);  (test/golden/programs/aggregations.ts:24)
125: mov %r0, 0
126: jge %r6, 100, +21
127: mov %r0, %r6
128: div %r0, 10
129: add %r0, 1
130: stxw [%r10-8], %r0
131: lddw %r1, map_fd lhist
133: mov %r2, %r10
134: add %r2, -8
135: call bpf_map_lookup_elem#1
136: jeq %r0, 0, +3
137: ldxdw %r1, [%r0]
138: add %r1, 1
139: stxdw [%r0], %r1
140: mov %r0, 0
141: exit
; min.record(n);  (test/golden/programs/aggregations.ts:19)
142: ldxdw %r1, [%r0]
143: jlt %r6, %r1, -114
144: ja -113
; max.record(n);  (test/golden/programs/aggregations.ts:20)
145: ldxdw %r1, [%r0]
146: jgt %r6, %r1, -106
147: ja -105
; lhist.record(n);  (test/golden/programs/aggregations.ts:24)
148: mov %r0, 11
149: ja -20
