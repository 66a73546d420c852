; program sys_enter_write (tracepoint, 202 instructions)
  0: mov %r6, %r1
; const k = bpf.comm();  (test/golden/programs/aggregations-keyed.ts:15)
  1: mov %r1, %r10
  2: add %r1, -16
  3: mov %r2, 16
  4: call bpf_get_current_comm#16
; const n = ctx.count;  (test/golden/programs/aggregations-keyed.ts:16)
  5: ldxdw %r6, [%r6+32]
; countBy.increment(k);  (test/golden/programs/aggregations-keyed.ts:17)
  6: lddw %r1, map_fd countBy
  8: mov %r2, %r10
  9: add %r2, -16
 10: call bpf_map_lookup_elem#1
 11: jeq %r0, 0, +113
 12: ldxdw %r1, [%r0]
 13: add %r1, 1
 14: stxdw [%r0], %r1
; sumBy.add(k, n);  (test/golden/programs/aggregations-keyed.ts:18)
 15: lddw %r1, map_fd sumBy
 17: mov %r2, %r10
 18: add %r2, -16
 19: call bpf_map_lookup_elem#1
 20: jeq %r0, 0, +114
 21: ldxdw %r1, [%r0]
 22: add %r1, %r6
 23: stxdw [%r0], %r1
; minBy.record(k, n);  (test/golden/programs/aggregations-keyed.ts:19)
 24: lddw %r1, map_fd minBy
 26: mov %r2, %r10
 27: add %r2, -16
 28: call bpf_map_lookup_elem#1
 29: jeq %r0, 0, +115
 30: ldxdw %r1, [%r0+8]
 31: jne %r1, 0, +124
 32: stxdw [%r0], %r6
 33: stdw [%r0+8], 1
; maxBy.record(k, n);  (test/golden/programs/aggregations-keyed.ts:20)
 34: lddw %r1, map_fd maxBy
 36: mov %r2, %r10
 37: add %r2, -16
 38: call bpf_map_lookup_elem#1
 39: jeq %r0, 0, +119
 40: ldxdw %r1, [%r0+8]
 41: jne %r1, 0, +128
 42: stxdw [%r0], %r6
 43: stdw [%r0+8], 1
; avgBy.record(k, n);  (test/golden/programs/aggregations-keyed.ts:21)
 44: lddw %r1, map_fd avgBy
 46: mov %r2, %r10
 47: add %r2, -16
 48: call bpf_map_lookup_elem#1
 49: jeq %r0, 0, +123
 50: ldxdw %r1, [%r0]
 51: add %r1, 1
 52: stxdw [%r0], %r1
 53: ldxdw %r1, [%r0+8]
 54: add %r1, %r6
 55: stxdw [%r0+8], %r1
; statsBy.record(k, n);  (test/golden/programs/aggregations-keyed.ts:22)
 56: lddw %r1, map_fd statsBy
 58: mov %r2, %r10
 59: add %r2, -16
 60: call bpf_map_lookup_elem#1
 61: jeq %r0, 0, +122
 62: ldxdw %r1, [%r0]
 63: add %r1, 1
 64: stxdw [%r0], %r1
 65: ldxdw %r1, [%r0+8]
 66: add %r1, %r6
 67: stxdw [%r0+8], %r1
; histBy.record(k, n);  (test/golden/programs/aggregations-keyed.ts:23)
 68: mov %r0, 1
 69: jeq %r6, 0, +20
 70: mov %r1, %r6
 71: mov %r0, 2
 72: lddw %r2, 0x100000000
 74: jlt %r1, %r2, +2
 75: rsh %r1, 32
 76: add %r0, 32
 77: jlt %r1, 65536, +2
 78: rsh %r1, 16
 79: add %r0, 16
 80: jlt %r1, 256, +2
 81: rsh %r1, 8
 82: add %r0, 8
 83: jlt %r1, 16, +2
 84: rsh %r1, 4
 85: add %r0, 4
 86: jlt %r1, 4, +2
 87: rsh %r1, 2
 88: add %r0, 2
 89: jge %r1, 2, +105
 90: ldxdw %r1, [%r10-16]
 91: stxdw [%r10-40], %r1
 92: ldxdw %r1, [%r10-8]
 93: stxdw [%r10-32], %r1
 94: stxw [%r10-24], %r0
 95: lddw %r1, map_fd histBy
 97: mov %r2, %r10
 98: add %r2, -40
 99: call bpf_map_lookup_elem#1
100: jeq %r0, 0, +96
101: ldxdw %r1, [%r0]
102: add %r1, 1
103: stxdw [%r0], %r1
; lhistBy.record(k, n);  (test/golden/programs/aggregations-keyed.ts:24)
104: mov %r0, 0
105: jge %r6, 100, +101
106: mov %r0, %r6
107: div %r0, 10
108: add %r0, 1
109: ldxdw %r1, [%r10-16]
110: stxdw [%r10-40], %r1
111: ldxdw %r1, [%r10-8]
112: stxdw [%r10-32], %r1
113: stxw [%r10-24], %r0
114: lddw %r1, map_fd lhistBy
116: mov %r2, %r10
117: add %r2, -40
118: call bpf_map_lookup_elem#1
119: jeq %r0, 0, +89
120: ldxdw %r1, [%r0]
121: add %r1, 1
122: stxdw [%r0], %r1
123: mov %r0, 0
124: exit
; countBy.increment(k);  (test/golden/programs/aggregations-keyed.ts:17)
125: stdw [%r10-40], 1
126: lddw %r1, map_fd countBy
128: mov %r2, %r10
129: add %r2, -16
130: mov %r3, %r10
131: add %r3, -40
132: mov %r4, 1
133: call bpf_map_update_elem#2
134: ja -120
; sumBy.add(k, n);  (test/golden/programs/aggregations-keyed.ts:18)
135: stxdw [%r10-40], %r6
136: lddw %r1, map_fd sumBy
138: mov %r2, %r10
139: add %r2, -16
140: mov %r3, %r10
141: add %r3, -40
142: mov %r4, 1
143: call bpf_map_update_elem#2
144: ja -121
; minBy.record(k, n);  (test/golden/programs/aggregations-keyed.ts:19)
145: stxdw [%r10-40], %r6
146: stdw [%r10-32], 1
147: lddw %r1, map_fd minBy
149: mov %r2, %r10
150: add %r2, -16
151: mov %r3, %r10
152: add %r3, -40
153: mov %r4, 1
154: call bpf_map_update_elem#2
155: ja -122
156: ldxdw %r1, [%r0]
157: jlt %r6, %r1, -126
158: ja -125
; maxBy.record(k, n);  (test/golden/programs/aggregations-keyed.ts:20)
159: stxdw [%r10-40], %r6
160: stdw [%r10-32], 1
161: lddw %r1, map_fd maxBy
163: mov %r2, %r10
164: add %r2, -16
165: mov %r3, %r10
166: add %r3, -40
167: mov %r4, 1
168: call bpf_map_update_elem#2
169: ja -126
170: ldxdw %r1, [%r0]
171: jgt %r6, %r1, -130
172: ja -129
; avgBy.record(k, n);  (test/golden/programs/aggregations-keyed.ts:21)
173: stdw [%r10-40], 1
174: stxdw [%r10-32], %r6
175: lddw %r1, map_fd avgBy
177: mov %r2, %r10
178: add %r2, -16
179: mov %r3, %r10
180: add %r3, -40
181: mov %r4, 1
182: call bpf_map_update_elem#2
183: ja -128
; statsBy.record(k, n);  (test/golden/programs/aggregations-keyed.ts:22)
184: stdw [%r10-40], 1
185: stxdw [%r10-32], %r6
186: lddw %r1, map_fd statsBy
188: mov %r2, %r10
189: add %r2, -16
190: mov %r3, %r10
191: add %r3, -40
192: mov %r4, 1
193: call bpf_map_update_elem#2
194: ja -127
; histBy.record(k, n);  (test/golden/programs/aggregations-keyed.ts:23)
195: add %r0, 1
196: ja -107
197: stdw [%r10-48], 1
198: lddw %r1, map_fd histBy
200: mov %r2, %r10
201: add %r2, -40
202: mov %r3, %r10
203: add %r3, -48
204: mov %r4, 1
205: call bpf_map_update_elem#2
206: ja -103
; lhistBy.record(k, n);  (test/golden/programs/aggregations-keyed.ts:24)
207: mov %r0, 11
208: ja -100
209: stdw [%r10-16], 1
210: lddw %r1, map_fd lhistBy
212: mov %r2, %r10
213: add %r2, -40
214: mov %r3, %r10
215: add %r3, -16
216: mov %r4, 1
217: call bpf_map_update_elem#2
218: ja -96
