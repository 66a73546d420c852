; program sys_enter_read (tracepoint, 144 instructions)
; const n = ctx.count;  (test/golden/programs/aggregations.ts:16)
  0: ldxdw %r6, [%r1+32]
; count.increment();  (test/golden/programs/aggregations.ts:17)
  1: stw [%r10-8], 0
  2: lddw %r1, map_fd count
  4: mov %r2, %r10
  5: add %r2, -8
  6: call bpf_map_lookup_elem#1
  7: jeq %r0, 0, +10
  8: ldxdw %r1, [%r0]
  9: add %r1, 1
 10: stxdw [%r0], %r1
; sum.add(n);  (test/golden/programs/aggregations.ts:18)
 11: stw [%r10-8], 0
 12: lddw %r1, map_fd sum
 14: mov %r2, %r10
 15: add %r2, -8
 16: call bpf_map_lookup_elem#1
 17: jne %r0, 0, +2
; count.increment();  (test/golden/programs/aggregations.ts:17)
 18: mov %r0, 0
 19: exit
; sum.add(n);  (test/golden/programs/aggregations.ts:18)
 20: ldxdw %r1, [%r0]
 21: add %r1, %r6
 22: stxdw [%r0], %r1
; min.record(n);  (test/golden/programs/aggregations.ts:19)
 23: stw [%r10-8], 0
 24: lddw %r1, map_fd min
 26: mov %r2, %r10
 27: add %r2, -8
 28: call bpf_map_lookup_elem#1
 29: jeq %r0, 0, -12
 30: ldxdw %r1, [%r0+8]
 31: jne %r1, 0, +112
 32: stxdw [%r0], %r6
 33: stdw [%r0+8], 1
; max.record(n);  (test/golden/programs/aggregations.ts:20)
 34: stw [%r10-8], 0
 35: lddw %r1, map_fd max
 37: mov %r2, %r10
 38: add %r2, -8
 39: call bpf_map_lookup_elem#1
 40: jeq %r0, 0, -23
 41: ldxdw %r1, [%r0+8]
 42: jne %r1, 0, +104
 43: stxdw [%r0], %r6
 44: stdw [%r0+8], 1
; avg.record(n);  (test/golden/programs/aggregations.ts:21)
 45: stw [%r10-8], 0
 46: lddw %r1, map_fd avg
 48: mov %r2, %r10
 49: add %r2, -8
 50: call bpf_map_lookup_elem#1
 51: jeq %r0, 0, -34
 52: ldxdw %r1, [%r0]
 53: add %r1, 1
 54: stxdw [%r0], %r1
 55: ldxdw %r1, [%r0+8]
 56: add %r1, %r6
 57: stxdw [%r0+8], %r1
; stats.record(n);  (test/golden/programs/aggregations.ts:22)
 58: stw [%r10-8], 0
 59: lddw %r1, map_fd stats
 61: mov %r2, %r10
 62: add %r2, -8
 63: call bpf_map_lookup_elem#1
 64: jeq %r0, 0, -47
 65: ldxdw %r1, [%r0]
 66: add %r1, 1
 67: stxdw [%r0], %r1
 68: ldxdw %r1, [%r0+8]
 69: add %r1, %r6
 70: stxdw [%r0+8], %r1
; hist.record(n);  (test/golden/programs/aggregations.ts:23)
 71: mov %r0, %r6
 72: rsh %r0, 32
 73: neg %r0
 74: rsh %r0, 63
 75: lsh %r0, 5
 76: mov %r2, %r6
 77: rsh %r2, %r0
 78: mov %r1, %r2
 79: rsh %r1, 16
 80: neg %r1
 81: rsh %r1, 63
 82: lsh %r1, 4
 83: rsh %r2, %r1
 84: or %r0, %r1
 85: mov %r1, %r2
 86: rsh %r1, 8
 87: neg %r1
 88: rsh %r1, 63
 89: lsh %r1, 3
 90: rsh %r2, %r1
 91: or %r0, %r1
 92: mov %r1, %r2
 93: rsh %r1, 4
 94: neg %r1
 95: rsh %r1, 63
 96: lsh %r1, 2
 97: rsh %r2, %r1
 98: or %r0, %r1
 99: mov %r1, %r2
100: rsh %r1, 2
101: neg %r1
102: rsh %r1, 63
103: lsh %r1, 1
104: rsh %r2, %r1
105: or %r0, %r1
106: rsh %r2, 1
107: neg %r2
108: rsh %r2, 63
109: or %r0, %r2
110: mov %r1, %r6
111: neg %r1
112: mov %r2, %r6
113: or %r2, %r1
114: rsh %r2, 63
115: add %r0, %r2
116: add %r0, 1
117: stxw [%r10-8], %r0
118: lddw %r1, map_fd hist
120: mov %r2, %r10
121: add %r2, -8
122: call bpf_map_lookup_elem#1
123: jeq %r0, 0, -106
124: ldxdw %r1, [%r0]
125: add %r1, 1
126: stxdw [%r0], %r1
; lhist.record(n);  (test/golden/programs/aggregations.ts:24)
127: mov %r0, 0
128: jge %r6, 100, +21
129: mov %r0, %r6
130: div %r0, 10
131: add %r0, 1
132: stxw [%r10-8], %r0
133: lddw %r1, map_fd lhist
135: mov %r2, %r10
136: add %r2, -8
137: call bpf_map_lookup_elem#1
138: jeq %r0, 0, -121
139: ldxdw %r1, [%r0]
140: add %r1, 1
141: stxdw [%r0], %r1
142: mov %r0, 0
143: exit
; min.record(n);  (test/golden/programs/aggregations.ts:19)
144: ldxdw %r1, [%r0]
145: jlt %r6, %r1, -114
146: ja -113
; max.record(n);  (test/golden/programs/aggregations.ts:20)
147: ldxdw %r1, [%r0]
148: jgt %r6, %r1, -106
149: ja -105
; lhist.record(n);  (test/golden/programs/aggregations.ts:24)
150: mov %r0, 11
151: ja -20
