; program sys_enter_write (tracepoint, 227 instructions)
  0: mov %r6, %r1
; const k = bpf.comm();  (test/golden/programs/aggregations-keyed.ts:15)
  1: stdw [%r10-16], 0
  2: stdw [%r10-8], 0
  3: mov %r1, %r10
  4: add %r1, -16
  5: mov %r2, 16
  6: call bpf_get_current_comm#16
; const n = ctx.count;  (test/golden/programs/aggregations-keyed.ts:16)
  7: ldxdw %r6, [%r6+32]
; countBy.increment(k);  (test/golden/programs/aggregations-keyed.ts:17)
  8: lddw %r1, map_fd countBy
 10: mov %r2, %r10
 11: add %r2, -16
 12: call bpf_map_lookup_elem#1
 13: jeq %r0, 0, +137
 14: ldxdw %r1, [%r0]
 15: add %r1, 1
 16: stxdw [%r0], %r1
; sumBy.add(k, n);  (test/golden/programs/aggregations-keyed.ts:18)
 17: lddw %r1, map_fd sumBy
 19: mov %r2, %r10
 20: add %r2, -16
 21: call bpf_map_lookup_elem#1
 22: jeq %r0, 0, +138
 23: ldxdw %r1, [%r0]
 24: add %r1, %r6
 25: stxdw [%r0], %r1
; minBy.record(k, n);  (test/golden/programs/aggregations-keyed.ts:19)
 26: lddw %r1, map_fd minBy
 28: mov %r2, %r10
 29: add %r2, -16
 30: call bpf_map_lookup_elem#1
 31: jeq %r0, 0, +139
 32: ldxdw %r1, [%r0+8]
 33: jne %r1, 0, +148
 34: stxdw [%r0], %r6
 35: stdw [%r0+8], 1
; maxBy.record(k, n);  (test/golden/programs/aggregations-keyed.ts:20)
 36: lddw %r1, map_fd maxBy
 38: mov %r2, %r10
 39: add %r2, -16
 40: call bpf_map_lookup_elem#1
 41: jeq %r0, 0, +143
 42: ldxdw %r1, [%r0+8]
 43: jne %r1, 0, +152
 44: stxdw [%r0], %r6
 45: stdw [%r0+8], 1
; avgBy.record(k, n);  (test/golden/programs/aggregations-keyed.ts:21)
 46: lddw %r1, map_fd avgBy
 48: mov %r2, %r10
 49: add %r2, -16
 50: call bpf_map_lookup_elem#1
 51: jeq %r0, 0, +147
 52: ldxdw %r1, [%r0]
 53: add %r1, 1
 54: stxdw [%r0], %r1
 55: ldxdw %r1, [%r0+8]
 56: add %r1, %r6
 57: stxdw [%r0+8], %r1
; statsBy.record(k, n);  (test/golden/programs/aggregations-keyed.ts:22)
 58: lddw %r1, map_fd statsBy
 60: mov %r2, %r10
 61: add %r2, -16
 62: call bpf_map_lookup_elem#1
 63: jeq %r0, 0, +146
 64: ldxdw %r1, [%r0]
 65: add %r1, 1
 66: stxdw [%r0], %r1
 67: ldxdw %r1, [%r0+8]
 68: add %r1, %r6
 69: stxdw [%r0+8], %r1
; histBy.record(k, n);  (test/golden/programs/aggregations-keyed.ts:23)
 70: mov %r0, %r6
 71: rsh %r0, 32
 72: neg %r0
 73: rsh %r0, 63
 74: lsh %r0, 5
 75: mov %r2, %r6
 76: rsh %r2, %r0
 77: mov %r1, %r2
 78: rsh %r1, 16
 79: neg %r1
 80: rsh %r1, 63
 81: lsh %r1, 4
 82: rsh %r2, %r1
 83: or %r0, %r1
 84: mov %r1, %r2
 85: rsh %r1, 8
 86: neg %r1
 87: rsh %r1, 63
 88: lsh %r1, 3
 89: rsh %r2, %r1
 90: or %r0, %r1
 91: mov %r1, %r2
 92: rsh %r1, 4
 93: neg %r1
 94: rsh %r1, 63
 95: lsh %r1, 2
 96: rsh %r2, %r1
 97: or %r0, %r1
 98: mov %r1, %r2
 99: rsh %r1, 2
100: neg %r1
101: rsh %r1, 63
102: lsh %r1, 1
103: rsh %r2, %r1
104: or %r0, %r1
105: rsh %r2, 1
106: neg %r2
107: rsh %r2, 63
108: or %r0, %r2
109: mov %r1, %r6
110: neg %r1
111: mov %r2, %r6
112: or %r2, %r1
113: rsh %r2, 63
114: add %r0, %r2
115: add %r0, 1
116: ldxdw %r1, [%r10-16]
117: stxdw [%r10-40], %r1
118: ldxdw %r1, [%r10-8]
119: stxdw [%r10-32], %r1
120: stxw [%r10-24], %r0
121: lddw %r1, map_fd histBy
123: mov %r2, %r10
124: add %r2, -40
125: call bpf_map_lookup_elem#1
126: jeq %r0, 0, +94
127: ldxdw %r1, [%r0]
128: add %r1, 1
129: stxdw [%r0], %r1
; lhistBy.record(k, n);  (test/golden/programs/aggregations-keyed.ts:24)
130: mov %r0, 0
131: jge %r6, 100, +99
132: mov %r0, %r6
133: div %r0, 10
134: add %r0, 1
135: ldxdw %r1, [%r10-16]
136: stxdw [%r10-40], %r1
137: ldxdw %r1, [%r10-8]
138: stxdw [%r10-32], %r1
139: stxw [%r10-24], %r0
140: lddw %r1, map_fd lhistBy
142: mov %r2, %r10
143: add %r2, -40
144: call bpf_map_lookup_elem#1
145: jeq %r0, 0, +87
146: ldxdw %r1, [%r0]
147: add %r1, 1
148: stxdw [%r0], %r1
149: mov %r0, 0
150: exit
; countBy.increment(k);  (test/golden/programs/aggregations-keyed.ts:17)
151: stdw [%r10-40], 1
152: lddw %r1, map_fd countBy
154: mov %r2, %r10
155: add %r2, -16
156: mov %r3, %r10
157: add %r3, -40
158: mov %r4, 1
159: call bpf_map_update_elem#2
160: ja -144
; sumBy.add(k, n);  (test/golden/programs/aggregations-keyed.ts:18)
161: stxdw [%r10-40], %r6
162: lddw %r1, map_fd sumBy
164: mov %r2, %r10
165: add %r2, -16
166: mov %r3, %r10
167: add %r3, -40
168: mov %r4, 1
169: call bpf_map_update_elem#2
170: ja -145
; minBy.record(k, n);  (test/golden/programs/aggregations-keyed.ts:19)
171: stxdw [%r10-40], %r6
172: stdw [%r10-32], 1
173: lddw %r1, map_fd minBy
175: mov %r2, %r10
176: add %r2, -16
177: mov %r3, %r10
178: add %r3, -40
179: mov %r4, 1
180: call bpf_map_update_elem#2
181: ja -146
182: ldxdw %r1, [%r0]
183: jlt %r6, %r1, -150
184: ja -149
; maxBy.record(k, n);  (test/golden/programs/aggregations-keyed.ts:20)
185: stxdw [%r10-40], %r6
186: stdw [%r10-32], 1
187: lddw %r1, map_fd maxBy
189: mov %r2, %r10
190: add %r2, -16
191: mov %r3, %r10
192: add %r3, -40
193: mov %r4, 1
194: call bpf_map_update_elem#2
195: ja -150
196: ldxdw %r1, [%r0]
197: jgt %r6, %r1, -154
198: ja -153
; avgBy.record(k, n);  (test/golden/programs/aggregations-keyed.ts:21)
199: stdw [%r10-40], 1
200: stxdw [%r10-32], %r6
201: lddw %r1, map_fd avgBy
203: mov %r2, %r10
204: add %r2, -16
205: mov %r3, %r10
206: add %r3, -40
207: mov %r4, 1
208: call bpf_map_update_elem#2
209: ja -152
; statsBy.record(k, n);  (test/golden/programs/aggregations-keyed.ts:22)
210: stdw [%r10-40], 1
211: stxdw [%r10-32], %r6
212: lddw %r1, map_fd statsBy
214: mov %r2, %r10
215: add %r2, -16
216: mov %r3, %r10
217: add %r3, -40
218: mov %r4, 1
219: call bpf_map_update_elem#2
220: ja -151
; histBy.record(k, n);  (test/golden/programs/aggregations-keyed.ts:23)
221: stdw [%r10-48], 1
222: lddw %r1, map_fd histBy
224: mov %r2, %r10
225: add %r2, -40
226: mov %r3, %r10
227: add %r3, -48
228: mov %r4, 1
229: call bpf_map_update_elem#2
230: ja -101
; lhistBy.record(k, n);  (test/golden/programs/aggregations-keyed.ts:24)
231: mov %r0, 11
232: ja -98
233: stdw [%r10-16], 1
234: lddw %r1, map_fd lhistBy
236: mov %r2, %r10
237: add %r2, -40
238: mov %r3, %r10
239: add %r3, -16
240: mov %r4, 1
241: call bpf_map_update_elem#2
242: ja -94
