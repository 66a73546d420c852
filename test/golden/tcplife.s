; program inet_sock_set_state (tracepoint, 192 instructions)
  0: mov %r9, %r1
; if (ctx.protocol !== IPPROTO_TCP) return;  (samples/tcplife.ts:51)
  1: ldxh %r0, [%r9+30]
  2: jeq %r0, 6, +2
  3: mov %r0, 0
  4: exit
; const sk = ctx.skaddr;  (samples/tcplife.ts:52)
  5: ldxdw %r8, [%r9+8]
; if (ctx.newstate < TCP_FIN_WAIT1) birth.set(sk, bpf.ktimeGetNs());  (samples/tcplife.ts:54)
  6: ldxw %r0, [%r9+20]
  7: lsh %r0, 32
  8: arsh %r0, 32
  9: jsge %r0, 4, +11
 10: stxdw [%r10-32], %r8
 11: call bpf_ktime_get_ns#5
 12: stxdw [%r10-8], %r0
 13: lddw %r1, map_fd birth
 15: mov %r2, %r10
 16: add %r2, -32
 17: mov %r3, %r10
 18: add %r3, -8
 19: mov %r4, 0
 20: call bpf_map_update_elem#2
; if (ctx.newstate === TCP_SYN_SENT || ctx.newstate === TCP_FIN_WAIT1 || ctx.newstate === TCP_LAST_ACK) {  (samples/tcplife.ts:59)
 21: ldxw %r0, [%r9+20]
 22: lsh %r0, 32
 23: arsh %r0, 32
 24: jne %r0, 2, +25
; owner.set(sk, { pid: bpf.pid(), comm: bpf.comm() });  (samples/tcplife.ts:60)
 25: stxdw [%r10-8], %r8
 26: call bpf_get_current_pid_tgid#14
 27: rsh %r0, 32
 28: stxw [%r10-32], %r0
 29: stw [%r10-28], 0
 30: stdw [%r10-24], 0
 31: stw [%r10-16], 0
 32: mov %r1, %r10
 33: add %r1, -28
 34: mov %r2, 16
 35: call bpf_get_current_comm#16
 36: lddw %r1, map_fd owner
 38: mov %r2, %r10
 39: add %r2, -8
 40: mov %r3, %r10
 41: add %r3, -32
 42: mov %r4, 0
 43: call bpf_map_update_elem#2
; if (ctx.newstate !== TCP_CLOSE) return;  (samples/tcplife.ts:62)
 44: ldxw %r0, [%r9+20]
 45: lsh %r0, 32
 46: arsh %r0, 32
 47: jeq %r0, 7, +11
 48: mov %r0, 0
 49: exit
; if (ctx.newstate === TCP_SYN_SENT || ctx.newstate === TCP_FIN_WAIT1 || ctx.newstate === TCP_LAST_ACK) {  (samples/tcplife.ts:59)
 50: ldxw %r0, [%r9+20]
 51: lsh %r0, 32
 52: arsh %r0, 32
 53: jeq %r0, 4, -29
 54: ldxw %r0, [%r9+20]
 55: lsh %r0, 32
 56: arsh %r0, 32
 57: jeq %r0, 9, -33
 58: ja -15
; const start = birth.get(sk);  (samples/tcplife.ts:64)
 59: stxdw [%r10-32], %r8
 60: lddw %r1, map_fd birth
 62: mov %r2, %r10
 63: add %r2, -32
 64: call bpf_map_lookup_elem#1
 65: mov %r6, %r0
; if (start === undefined) {  (samples/tcplife.ts:65)
 66: jne %r6, 0, +8
; owner.delete(sk);  (samples/tcplife.ts:67)
 67: stxdw [%r10-32], %r8
 68: lddw %r1, map_fd owner
 70: mov %r2, %r10
 71: add %r2, -32
 72: call bpf_map_delete_elem#3
; return;  (samples/tcplife.ts:68)
 73: mov %r0, 0
 74: exit
; const duration = (bpf.ktimeGetNs() - start) / 1000n;  (samples/tcplife.ts:70)
 75: call bpf_ktime_get_ns#5
 76: mov %r7, %r0
 77: ldxdw %r0, [%r6]
 78: sub %r7, %r0
 79: div %r7, 1000
; birth.delete(sk);  (samples/tcplife.ts:71)
 80: stxdw [%r10-32], %r8
 81: lddw %r1, map_fd birth
 83: mov %r2, %r10
 84: add %r2, -32
 85: call bpf_map_delete_elem#3
; let who: Owner = { pid: bpf.pid(), comm: bpf.comm() };  (samples/tcplife.ts:73)
 86: call bpf_get_current_pid_tgid#14
 87: rsh %r0, 32
 88: stxw [%r10-32], %r0
 89: stw [%r10-28], 0
 90: stdw [%r10-24], 0
 91: stw [%r10-16], 0
 92: mov %r1, %r10
 93: add %r1, -28
 94: mov %r2, 16
 95: call bpf_get_current_comm#16
; const o = owner.get(sk);  (samples/tcplife.ts:74)
 96: stxdw [%r10-8], %r8
 97: lddw %r1, map_fd owner
 99: mov %r2, %r10
100: add %r2, -8
101: call bpf_map_lookup_elem#1
; if (o) who = o;  (samples/tcplife.ts:75)
102: jeq %r0, 0, +6
103: ldxdw %r1, [%r0]
104: stxdw [%r10-32], %r1
105: ldxdw %r1, [%r0+8]
106: stxdw [%r10-24], %r1
107: ldxw %r0, [%r0+16]
108: stxw [%r10-16], %r0
; sessions.emit({  (samples/tcplife.ts:76)
109: lddw %r1, map_fd sessions
111: mov %r2, 88
112: mov %r3, 0
113: call bpf_ringbuf_reserve#131
114: mov %r6, %r0
115: jeq %r6, 0, +72
116: sth [%r6+58], 0
117: stw [%r6+60], 0
118: ldxw %r0, [%r10-32]
119: stxw [%r6], %r0
120: ldxw %r0, [%r10-28]
121: stxw [%r6+4], %r0
122: ldxdw %r0, [%r10-24]
123: stxdw [%r6+8], %r0
124: ldxw %r0, [%r10-16]
125: stxw [%r6+16], %r0
; family: ctx.family,  (samples/tcplife.ts:79)
126: ldxh %r0, [%r9+28]
127: stxh [%r6+20], %r0
; lport: ctx.sport,  (samples/tcplife.ts:80)
128: ldxh %r0, [%r9+24]
129: stxh [%r6+22], %r0
; rport: ctx.dport,  (samples/tcplife.ts:81)
130: ldxh %r0, [%r9+26]
131: stxh [%r6+24], %r0
; laddr: ctx.saddr_v6,  (samples/tcplife.ts:82)
132: ldxh %r0, [%r9+40]
133: stxh [%r6+26], %r0
134: ldxh %r0, [%r9+42]
135: stxh [%r6+28], %r0
136: ldxh %r0, [%r9+44]
137: stxh [%r6+30], %r0
138: ldxh %r0, [%r9+46]
139: stxh [%r6+32], %r0
140: ldxh %r0, [%r9+48]
141: stxh [%r6+34], %r0
142: ldxh %r0, [%r9+50]
143: stxh [%r6+36], %r0
144: ldxh %r0, [%r9+52]
145: stxh [%r6+38], %r0
146: ldxh %r0, [%r9+54]
147: stxh [%r6+40], %r0
; raddr: ctx.daddr_v6,  (samples/tcplife.ts:83)
148: ldxh %r0, [%r9+56]
149: stxh [%r6+42], %r0
150: ldxh %r0, [%r9+58]
151: stxh [%r6+44], %r0
152: ldxh %r0, [%r9+60]
153: stxh [%r6+46], %r0
154: ldxh %r0, [%r9+62]
155: stxh [%r6+48], %r0
156: ldxh %r0, [%r9+64]
157: stxh [%r6+50], %r0
158: ldxh %r0, [%r9+66]
159: stxh [%r6+52], %r0
160: ldxh %r0, [%r9+68]
161: stxh [%r6+54], %r0
162: ldxh %r0, [%r9+70]
163: stxh [%r6+56], %r0
; tx: bpf.readKernelField<u64>(sk, "tcp_sock", "bytes_acked"),  (samples/tcplife.ts:84)
164: mov %r3, %r8
165: add %r3, 0
166: mov %r1, %r6
167: add %r1, 64
168: mov %r2, 8
169: call bpf_probe_read_kernel#113
; rx: bpf.readKernelField<u64>(sk, "tcp_sock", "bytes_received"),  (samples/tcplife.ts:85)
170: mov %r3, %r8
171: add %r3, 0
172: mov %r1, %r6
173: add %r1, 72
174: mov %r2, 8
175: call bpf_probe_read_kernel#113
176: stxdw [%r6+80], %r7
; sessions.emit({  (samples/tcplife.ts:76)
177: mov %r1, %r6
178: mov %r2, 0
179: call bpf_ringbuf_submit#132
; owner.delete(sk);  (samples/tcplife.ts:88)
180: stxdw [%r10-32], %r8
181: lddw %r1, map_fd owner
183: mov %r2, %r10
184: add %r2, -32
185: call bpf_map_delete_elem#3
186: mov %r0, 0
187: exit
; sessions.emit({  (samples/tcplife.ts:76)
188: stw [%r10-32], 0
189: lddw %r1, map_fd sessions.lost
191: mov %r2, %r10
192: add %r2, -32
193: call bpf_map_lookup_elem#1
194: jeq %r0, 0, +4
195: ldxdw %r1, [%r0]
196: add %r1, 1
197: stxdw [%r0], %r1
198: ja -19
199: mov %r0, 0
200: exit
