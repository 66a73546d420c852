; program sys_enter_write (tracepoint, 225 instructions)
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
 11: jeq %r0, 0, +137
 12: ldxdw %r1, [%r0]
 13: add %r1, 1
 14: stxdw [%r0], %r1
; sumBy.add(k, n);  (test/golden/programs/aggregations-keyed.ts:18)
 15: lddw %r1, map_fd sumBy
 17: mov %r2, %r10
 18: add %r2, -16
 19: call bpf_map_lookup_elem#1
 20: jeq %r0, 0, +138
 21: ldxdw %r1, [%r0]
 22: add %r1, %r6
 23: stxdw [%r0], %r1
; minBy.record(k, n);  (test/golden/programs/aggregations-keyed.ts:19)
 24: lddw %r1, map_fd minBy
 26: mov %r2, %r10
 27: add %r2, -16
 28: call bpf_map_lookup_elem#1
 29: jeq %r0, 0, +139
 30: ldxdw %r1, [%r0+8]
 31: jne %r1, 0, +148
 32: stxdw [%r0], %r6
 33: stdw [%r0+8], 1
; maxBy.record(k, n);  (test/golden/programs/aggregations-keyed.ts:20)
 34: lddw %r1, map_fd maxBy
 36: mov %r2, %r10
 37: add %r2, -16
 38: call bpf_map_lookup_elem#1
 39: jeq %r0, 0, +143
 40: ldxdw %r1, [%r0+8]
 41: jne %r1, 0, +152
 42: stxdw [%r0], %r6
 43: stdw [%r0+8], 1
; avgBy.record(k, n);  (test/golden/programs/aggregations-keyed.ts:21)
 44: lddw %r1, map_fd avgBy
 46: mov %r2, %r10
 47: add %r2, -16
 48: call bpf_map_lookup_elem#1
 49: jeq %r0, 0, +147
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
 61: jeq %r0, 0, +146
 62: ldxdw %r1, [%r0]
 63: add %r1, 1
 64: stxdw [%r0], %r1
 65: ldxdw %r1, [%r0+8]
 66: add %r1, %r6
 67: stxdw [%r0+8], %r1
; histBy.record(k, n);  (test/golden/programs/aggregations-keyed.ts:23)
 68: mov %r0, %r6
 69: rsh %r0, 32
 70: neg %r0
 71: rsh %r0, 63
 72: lsh %r0, 5
 73: mov %r2, %r6
 74: rsh %r2, %r0
 75: mov %r1, %r2
 76: rsh %r1, 16
 77: neg %r1
 78: rsh %r1, 63
 79: lsh %r1, 4
 80: rsh %r2, %r1
 81: or %r0, %r1
 82: mov %r1, %r2
 83: rsh %r1, 8
 84: neg %r1
 85: rsh %r1, 63
 86: lsh %r1, 3
 87: rsh %r2, %r1
 88: or %r0, %r1
 89: mov %r1, %r2
 90: rsh %r1, 4
 91: neg %r1
 92: rsh %r1, 63
 93: lsh %r1, 2
 94: rsh %r2, %r1
 95: or %r0, %r1
 96: mov %r1, %r2
 97: rsh %r1, 2
 98: neg %r1
 99: rsh %r1, 63
100: lsh %r1, 1
101: rsh %r2, %r1
102: or %r0, %r1
103: rsh %r2, 1
104: neg %r2
105: rsh %r2, 63
106: or %r0, %r2
107: mov %r1, %r6
108: neg %r1
109: mov %r2, %r6
110: or %r2, %r1
111: rsh %r2, 63
112: add %r0, %r2
113: add %r0, 1
114: ldxdw %r1, [%r10-16]
115: stxdw [%r10-40], %r1
116: ldxdw %r1, [%r10-8]
117: stxdw [%r10-32], %r1
118: stxw [%r10-24], %r0
119: lddw %r1, map_fd histBy
121: mov %r2, %r10
122: add %r2, -40
123: call bpf_map_lookup_elem#1
124: jeq %r0, 0, +94
125: ldxdw %r1, [%r0]
126: add %r1, 1
127: stxdw [%r0], %r1
; lhistBy.record(k, n);  (test/golden/programs/aggregations-keyed.ts:24)
128: mov %r0, 0
129: jge %r6, 100, +99
130: mov %r0, %r6
131: div %r0, 10
132: add %r0, 1
133: ldxdw %r1, [%r10-16]
134: stxdw [%r10-40], %r1
135: ldxdw %r1, [%r10-8]
136: stxdw [%r10-32], %r1
137: stxw [%r10-24], %r0
138: lddw %r1, map_fd lhistBy
140: mov %r2, %r10
141: add %r2, -40
142: call bpf_map_lookup_elem#1
143: jeq %r0, 0, +87
144: ldxdw %r1, [%r0]
145: add %r1, 1
146: stxdw [%r0], %r1
147: mov %r0, 0
148: exit
; countBy.increment(k);  (test/golden/programs/aggregations-keyed.ts:17)
149: stdw [%r10-40], 1
150: lddw %r1, map_fd countBy
152: mov %r2, %r10
153: add %r2, -16
154: mov %r3, %r10
155: add %r3, -40
156: mov %r4, 1
157: call bpf_map_update_elem#2
158: ja -144
; sumBy.add(k, n);  (test/golden/programs/aggregations-keyed.ts:18)
159: stxdw [%r10-40], %r6
160: lddw %r1, map_fd sumBy
162: mov %r2, %r10
163: add %r2, -16
164: mov %r3, %r10
165: add %r3, -40
166: mov %r4, 1
167: call bpf_map_update_elem#2
168: ja -145
; minBy.record(k, n);  (test/golden/programs/aggregations-keyed.ts:19)
169: stxdw [%r10-40], %r6
170: stdw [%r10-32], 1
171: lddw %r1, map_fd minBy
173: mov %r2, %r10
174: add %r2, -16
175: mov %r3, %r10
176: add %r3, -40
177: mov %r4, 1
178: call bpf_map_update_elem#2
179: ja -146
180: ldxdw %r1, [%r0]
181: jlt %r6, %r1, -150
182: ja -149
; maxBy.record(k, n);  (test/golden/programs/aggregations-keyed.ts:20)
183: stxdw [%r10-40], %r6
184: stdw [%r10-32], 1
185: lddw %r1, map_fd maxBy
187: mov %r2, %r10
188: add %r2, -16
189: mov %r3, %r10
190: add %r3, -40
191: mov %r4, 1
192: call bpf_map_update_elem#2
193: ja -150
194: ldxdw %r1, [%r0]
195: jgt %r6, %r1, -154
196: ja -153
; avgBy.record(k, n);  (test/golden/programs/aggregations-keyed.ts:21)
197: stdw [%r10-40], 1
198: stxdw [%r10-32], %r6
199: lddw %r1, map_fd avgBy
201: mov %r2, %r10
202: add %r2, -16
203: mov %r3, %r10
204: add %r3, -40
205: mov %r4, 1
206: call bpf_map_update_elem#2
207: ja -152
; statsBy.record(k, n);  (test/golden/programs/aggregations-keyed.ts:22)
208: stdw [%r10-40], 1
209: stxdw [%r10-32], %r6
210: lddw %r1, map_fd statsBy
212: mov %r2, %r10
213: add %r2, -16
214: mov %r3, %r10
215: add %r3, -40
216: mov %r4, 1
217: call bpf_map_update_elem#2
218: ja -151
; histBy.record(k, n);  (test/golden/programs/aggregations-keyed.ts:23)
219: stdw [%r10-48], 1
220: lddw %r1, map_fd histBy
222: mov %r2, %r10
223: add %r2, -40
224: mov %r3, %r10
225: add %r3, -48
226: mov %r4, 1
227: call bpf_map_update_elem#2
228: ja -101
; lhistBy.record(k, n);  (test/golden/programs/aggregations-keyed.ts:24)
229: mov %r0, 11
230: ja -98
231: stdw [%r10-16], 1
232: lddw %r1, map_fd lhistBy
234: mov %r2, %r10
235: add %r2, -40
236: mov %r3, %r10
237: add %r3, -16
238: mov %r4, 1
239: call bpf_map_update_elem#2
240: ja -94
