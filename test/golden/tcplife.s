; program inet_sock_set_state (tracepoint, 186 instructions)
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
 10: stxdw [%r10-8], %r8
 11: call bpf_ktime_get_ns#5
 12: stxdw [%r10-16], %r0
 13: lddw %r1, map_fd birth
 15: mov %r2, %r10
 16: add %r2, -8
 17: mov %r3, %r10
 18: add %r3, -16
 19: mov %r4, 0
 20: call bpf_map_update_elem#2
; if (ctx.newstate === TCP_SYN_SENT || ctx.newstate === TCP_FIN_WAIT1 || ctx.newstate === TCP_LAST_ACK) {  (samples/tcplife.ts:59)
 21: ldxw %r0, [%r9+20]
 22: lsh %r0, 32
 23: arsh %r0, 32
 24: jne %r0, 2, +22
; owner.set(sk, { pid: bpf.pid(), comm: bpf.comm() });  (samples/tcplife.ts:60)
 25: stxdw [%r10-8], %r8
 26: call bpf_get_current_pid_tgid#14
 27: rsh %r0, 32
 28: stxw [%r10-40], %r0
 29: mov %r1, %r10
 30: add %r1, -36
 31: mov %r2, 16
 32: call bpf_get_current_comm#16
 33: lddw %r1, map_fd owner
 35: mov %r2, %r10
 36: add %r2, -8
 37: mov %r3, %r10
 38: add %r3, -40
 39: mov %r4, 0
 40: call bpf_map_update_elem#2
; if (ctx.newstate !== TCP_CLOSE) return;  (samples/tcplife.ts:62)
 41: ldxw %r0, [%r9+20]
 42: lsh %r0, 32
 43: arsh %r0, 32
 44: jeq %r0, 7, +11
 45: mov %r0, 0
 46: exit
; if (ctx.newstate === TCP_SYN_SENT || ctx.newstate === TCP_FIN_WAIT1 || ctx.newstate === TCP_LAST_ACK) {  (samples/tcplife.ts:59)
 47: ldxw %r0, [%r9+20]
 48: lsh %r0, 32
 49: arsh %r0, 32
 50: jeq %r0, 4, -26
 51: ldxw %r0, [%r9+20]
 52: lsh %r0, 32
 53: arsh %r0, 32
 54: jeq %r0, 9, -30
 55: ja -15
; const start = birth.get(sk);  (samples/tcplife.ts:64)
 56: stxdw [%r10-40], %r8
 57: lddw %r1, map_fd birth
 59: mov %r2, %r10
 60: add %r2, -40
 61: call bpf_map_lookup_elem#1
 62: mov %r6, %r0
; if (start === undefined) {  (samples/tcplife.ts:65)
 63: jne %r6, 0, +8
; owner.delete(sk);  (samples/tcplife.ts:67)
 64: stxdw [%r10-40], %r8
 65: lddw %r1, map_fd owner
 67: mov %r2, %r10
 68: add %r2, -40
 69: call bpf_map_delete_elem#3
; return;  (samples/tcplife.ts:68)
 70: mov %r0, 0
 71: exit
; const duration = (bpf.ktimeGetNs() - start) / 1000n;  (samples/tcplife.ts:70)
 72: call bpf_ktime_get_ns#5
 73: mov %r7, %r0
 74: ldxdw %r0, [%r6]
 75: sub %r7, %r0
 76: div %r7, 1000
; birth.delete(sk);  (samples/tcplife.ts:71)
 77: stxdw [%r10-40], %r8
 78: lddw %r1, map_fd birth
 80: mov %r2, %r10
 81: add %r2, -40
 82: call bpf_map_delete_elem#3
; let who: Owner = { pid: bpf.pid(), comm: bpf.comm() };  (samples/tcplife.ts:73)
 83: call bpf_get_current_pid_tgid#14
 84: rsh %r0, 32
 85: stxw [%r10-64], %r0
 86: mov %r1, %r10
 87: add %r1, -60
 88: mov %r2, 16
 89: call bpf_get_current_comm#16
; const o = owner.get(sk);  (samples/tcplife.ts:74)
 90: stxdw [%r10-40], %r8
 91: lddw %r1, map_fd owner
 93: mov %r2, %r10
 94: add %r2, -40
 95: call bpf_map_lookup_elem#1
; if (o) who = o;  (samples/tcplife.ts:75)
 96: jeq %r0, 0, +6
 97: ldxdw %r1, [%r0]
 98: stxdw [%r10-64], %r1
 99: ldxdw %r1, [%r0+8]
100: stxdw [%r10-56], %r1
101: ldxw %r0, [%r0+16]
102: stxw [%r10-48], %r0
; sessions.emit({  (samples/tcplife.ts:76)
103: lddw %r1, map_fd sessions
105: mov %r2, 88
106: mov %r3, 0
107: call bpf_ringbuf_reserve#131
108: mov %r6, %r0
109: jeq %r6, 0, +72
110: sth [%r6+58], 0
111: stw [%r6+60], 0
112: ldxw %r0, [%r10-64]
113: stxw [%r6], %r0
114: ldxw %r0, [%r10-60]
115: stxw [%r6+4], %r0
116: ldxdw %r0, [%r10-56]
117: stxdw [%r6+8], %r0
118: ldxw %r0, [%r10-48]
119: stxw [%r6+16], %r0
; family: ctx.family,  (samples/tcplife.ts:79)
120: ldxh %r0, [%r9+28]
121: stxh [%r6+20], %r0
; lport: ctx.sport,  (samples/tcplife.ts:80)
122: ldxh %r0, [%r9+24]
123: stxh [%r6+22], %r0
; rport: ctx.dport,  (samples/tcplife.ts:81)
124: ldxh %r0, [%r9+26]
125: stxh [%r6+24], %r0
; laddr: ctx.saddr_v6,  (samples/tcplife.ts:82)
126: ldxh %r0, [%r9+40]
127: stxh [%r6+26], %r0
128: ldxh %r0, [%r9+42]
129: stxh [%r6+28], %r0
130: ldxh %r0, [%r9+44]
131: stxh [%r6+30], %r0
132: ldxh %r0, [%r9+46]
133: stxh [%r6+32], %r0
134: ldxh %r0, [%r9+48]
135: stxh [%r6+34], %r0
136: ldxh %r0, [%r9+50]
137: stxh [%r6+36], %r0
138: ldxh %r0, [%r9+52]
139: stxh [%r6+38], %r0
140: ldxh %r0, [%r9+54]
141: stxh [%r6+40], %r0
; raddr: ctx.daddr_v6,  (samples/tcplife.ts:83)
142: ldxh %r0, [%r9+56]
143: stxh [%r6+42], %r0
144: ldxh %r0, [%r9+58]
145: stxh [%r6+44], %r0
146: ldxh %r0, [%r9+60]
147: stxh [%r6+46], %r0
148: ldxh %r0, [%r9+62]
149: stxh [%r6+48], %r0
150: ldxh %r0, [%r9+64]
151: stxh [%r6+50], %r0
152: ldxh %r0, [%r9+66]
153: stxh [%r6+52], %r0
154: ldxh %r0, [%r9+68]
155: stxh [%r6+54], %r0
156: ldxh %r0, [%r9+70]
157: stxh [%r6+56], %r0
; tx: bpf.readKernelField<u64>(sk, "tcp_sock", "bytes_acked"),  (samples/tcplife.ts:84)
158: mov %r3, %r8
159: add %r3, 0
160: mov %r1, %r6
161: add %r1, 64
162: mov %r2, 8
163: call bpf_probe_read_kernel#113
; rx: bpf.readKernelField<u64>(sk, "tcp_sock", "bytes_received"),  (samples/tcplife.ts:85)
164: mov %r3, %r8
165: add %r3, 0
166: mov %r1, %r6
167: add %r1, 72
168: mov %r2, 8
169: call bpf_probe_read_kernel#113
170: stxdw [%r6+80], %r7
; sessions.emit({  (samples/tcplife.ts:76)
171: mov %r1, %r6
172: mov %r2, 0
173: call bpf_ringbuf_submit#132
; owner.delete(sk);  (samples/tcplife.ts:88)
174: stxdw [%r10-40], %r8
175: lddw %r1, map_fd owner
177: mov %r2, %r10
178: add %r2, -40
179: call bpf_map_delete_elem#3
180: mov %r0, 0
181: exit
; sessions.emit({  (samples/tcplife.ts:76)
182: stw [%r10-40], 0
183: lddw %r1, map_fd sessions.lost
185: mov %r2, %r10
186: add %r2, -40
187: call bpf_map_lookup_elem#1
188: jeq %r0, 0, +4
189: ldxdw %r1, [%r0]
190: add %r1, 1
191: stxdw [%r0], %r1
192: ja -19
193: mov %r0, 0
194: exit
