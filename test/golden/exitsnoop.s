; program sched_process_exit (tracepoint, 111 instructions)
; if (!threads && !ctx.group_dead) return;  (samples/exitsnoop.ts:37)
  0: lddw %r0, map_value .rodata+0
  2: ldxb %r0, [%r0+1]
  3: jeq %r0, 0, +82
; const task = bpf.currentTask();  (samples/exitsnoop.ts:38)
  4: call bpf_get_current_task#35
  5: mov %r8, %r0
; const status = task.exit_code;  (samples/exitsnoop.ts:40)
  6: mov %r3, %r8
  7: add %r3, 0
  8: mov %r1, %r10
  9: add %r1, -8
 10: mov %r2, 4
 11: call bpf_probe_read_kernel#113
 12: ldxw %r9, [%r10-8]
 13: lsh %r9, 32
 14: arsh %r9, 32
; if (failed && status === 0) return;  (samples/exitsnoop.ts:41)
 15: lddw %r0, map_value .rodata+0
 17: ldxb %r0, [%r0]
 18: jne %r0, 0, +71
; const self = threads ? task : task.group_leader;  (samples/exitsnoop.ts:43)
 19: lddw %r0, map_value .rodata+0
 21: ldxb %r0, [%r0+1]
 22: jeq %r0, 0, +70
 23: mov %r6, %r8
; exits.emit({  (samples/exitsnoop.ts:44)
 24: lddw %r1, map_fd exits
 26: mov %r2, 48
 27: mov %r3, 0
 28: call bpf_ringbuf_reserve#131
 29: mov %r7, %r0
 30: jeq %r7, 0, +70
 31: stw [%r7+12], 0
 32: stb [%r7+43], 0
 33: stw [%r7+44], 0
; pid: bpf.pid(),  (samples/exitsnoop.ts:45)
 34: call bpf_get_current_pid_tgid#14
 35: stxdw [%r10-40], %r0
 36: ldxdw %r0, [%r10-40]
 37: rsh %r0, 32
 38: stxw [%r7], %r0
; ppid: task.real_parent.tgid,  (samples/exitsnoop.ts:46)
 39: mov %r3, %r8
 40: add %r3, 0
 41: mov %r1, %r10
 42: add %r1, -24
 43: mov %r2, 8
 44: call bpf_probe_read_kernel#113
 45: ldxdw %r3, [%r10-24]
 46: add %r3, 0
 47: mov %r1, %r7
 48: add %r1, 4
 49: mov %r2, 4
 50: call bpf_probe_read_kernel#113
; tid: bpf.tid(),  (samples/exitsnoop.ts:47)
 51: ldxdw %r0, [%r10-40]
 52: stxw [%r7+8], %r0
; age: bpf.ktimeGetNs() - self.start_time,  (samples/exitsnoop.ts:48)
 53: call bpf_ktime_get_ns#5
 54: mov %r8, %r0
 55: mov %r3, %r6
 56: add %r3, 0
 57: mov %r1, %r10
 58: add %r1, -32
 59: mov %r2, 8
 60: call bpf_probe_read_kernel#113
 61: ldxdw %r0, [%r10-32]
 62: sub %r8, %r0
 63: stxdw [%r7+16], %r8
; code: (status >> 8) & 0xff,  (samples/exitsnoop.ts:49)
 64: mov %r0, %r9
 65: arsh %r0, 8
 66: and %r0, 255
 67: stxb [%r7+24], %r0
; signal: status & 0x7f,  (samples/exitsnoop.ts:50)
 68: mov %r0, %r9
 69: and %r0, 127
 70: stxb [%r7+25], %r0
; core: (status & 0x80) !== 0,  (samples/exitsnoop.ts:51)
 71: and %r9, 128
 72: jeq %r9, 0, +39
 73: mov %r0, 1
 74: stxb [%r7+26], %r0
; comm: self.comm,  (samples/exitsnoop.ts:52)
 75: mov %r3, %r6
 76: add %r3, 0
 77: mov %r1, %r7
 78: add %r1, 27
 79: mov %r2, 16
 80: call bpf_probe_read_kernel_str#115
; exits.emit({  (samples/exitsnoop.ts:44)
 81: mov %r1, %r7
 82: mov %r2, 0
 83: call bpf_ringbuf_submit#132
 84: mov %r0, 0
 85: exit
; if (!threads && !ctx.group_dead) return;  (samples/exitsnoop.ts:37)
 86: ldxb %r0, [%r1+32]
 87: jne %r0, 0, -84
 88: mov %r0, 0
 89: exit
; if (failed && status === 0) return;  (samples/exitsnoop.ts:41)
 90: jne %r9, 0, -72
 91: mov %r0, 0
 92: exit
; const self = threads ? task : task.group_leader;  (samples/exitsnoop.ts:43)
 93: mov %r3, %r8
 94: add %r3, 0
 95: mov %r1, %r10
 96: add %r1, -16
 97: mov %r2, 8
 98: call bpf_probe_read_kernel#113
 99: ldxdw %r6, [%r10-16]
100: ja -77
; exits.emit({  (samples/exitsnoop.ts:44)
101: stw [%r10-16], 0
102: lddw %r1, map_fd exits.lost
104: mov %r2, %r10
105: add %r2, -16
106: call bpf_map_lookup_elem#1
107: jeq %r0, 0, +6
108: ldxdw %r1, [%r0]
109: add %r1, 1
110: stxdw [%r0], %r1
111: ja -28
; core: (status & 0x80) !== 0,  (samples/exitsnoop.ts:51)
112: mov %r0, 0
113: ja -40
; exits.emit({  (samples/exitsnoop.ts:44)
114: mov %r0, 0
115: exit
