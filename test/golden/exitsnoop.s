; program sched_process_exit (tracepoint, 112 instructions)
; if (!threads && !ctx.group_dead) return;  (samples/exitsnoop.ts:37)
  0: lddw %r0, map_value .rodata+0
  2: ldxb %r0, [%r0+1]
  3: jeq %r0, 0, +83
; const task = bpf.currentTask();  (samples/exitsnoop.ts:38)
  4: call bpf_get_current_task#35
  5: mov %r6, %r0
; const status = bpf.readKernelField<i32>(task, "task_struct", "exit_code");  (samples/exitsnoop.ts:40)
  6: mov %r3, %r6
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
 18: jne %r0, 0, +72
; const self = threads ? task : bpf.readKernelField<ptr>(task, "task_struct", "group_leader");  (samples/exitsnoop.ts:43)
 19: lddw %r0, map_value .rodata+0
 21: ldxb %r0, [%r0+1]
 22: jeq %r0, 0, +71
 23: mov %r7, %r6
; const parent = bpf.readKernelField<ptr>(task, "task_struct", "real_parent");  (samples/exitsnoop.ts:44)
 24: mov %r3, %r6
 25: add %r3, 0
 26: mov %r1, %r10
 27: add %r1, -24
 28: mov %r2, 8
 29: call bpf_probe_read_kernel#113
 30: ldxdw %r0, [%r10-24]
 31: stxdw [%r10-40], %r0
; exits.emit({  (samples/exitsnoop.ts:45)
 32: lddw %r1, map_fd exits
 34: mov %r2, 48
 35: mov %r3, 0
 36: call bpf_ringbuf_reserve#131
 37: mov %r8, %r0
 38: jeq %r8, 0, +63
 39: stw [%r8+12], 0
 40: stb [%r8+43], 0
 41: stw [%r8+44], 0
; pid: bpf.pid(),  (samples/exitsnoop.ts:46)
 42: call bpf_get_current_pid_tgid#14
 43: mov %r6, %r0
 44: mov %r0, %r6
 45: rsh %r0, 32
 46: stxw [%r8], %r0
; ppid: bpf.readKernelField<i32>(parent, "task_struct", "tgid"),  (samples/exitsnoop.ts:47)
 47: ldxdw %r3, [%r10-40]
 48: add %r3, 0
 49: mov %r1, %r8
 50: add %r1, 4
 51: mov %r2, 4
 52: call bpf_probe_read_kernel#113
; tid: bpf.tid(),  (samples/exitsnoop.ts:48)
 53: stxw [%r8+8], %r6
; age: bpf.ktimeGetNs() - bpf.readKernelField<u64>(self, "task_struct", "start_time"),  (samples/exitsnoop.ts:49)
 54: call bpf_ktime_get_ns#5
 55: mov %r6, %r0
 56: mov %r3, %r7
 57: add %r3, 0
 58: mov %r1, %r10
 59: add %r1, -32
 60: mov %r2, 8
 61: call bpf_probe_read_kernel#113
 62: ldxdw %r0, [%r10-32]
 63: sub %r6, %r0
 64: stxdw [%r8+16], %r6
; code: (status >> 8) & 0xff,  (samples/exitsnoop.ts:50)
 65: mov %r0, %r9
 66: arsh %r0, 8
 67: and %r0, 255
 68: stxb [%r8+24], %r0
; signal: status & 0x7f,  (samples/exitsnoop.ts:51)
 69: mov %r0, %r9
 70: and %r0, 127
 71: stxb [%r8+25], %r0
; core: (status & 0x80) !== 0,  (samples/exitsnoop.ts:52)
 72: and %r9, 128
 73: jeq %r9, 0, +39
 74: mov %r0, 1
 75: stxb [%r8+26], %r0
; comm: bpf.readKernelField<Str<16>>(self, "task_struct", "comm"),  (samples/exitsnoop.ts:53)
 76: mov %r3, %r7
 77: add %r3, 0
 78: mov %r1, %r8
 79: add %r1, 27
 80: mov %r2, 16
 81: call bpf_probe_read_kernel#113
; exits.emit({  (samples/exitsnoop.ts:45)
 82: mov %r1, %r8
 83: mov %r2, 0
 84: call bpf_ringbuf_submit#132
 85: mov %r0, 0
 86: exit
; if (!threads && !ctx.group_dead) return;  (samples/exitsnoop.ts:37)
 87: ldxb %r0, [%r1+32]
 88: jne %r0, 0, -85
 89: mov %r0, 0
 90: exit
; if (failed && status === 0) return;  (samples/exitsnoop.ts:41)
 91: jne %r9, 0, -73
 92: mov %r0, 0
 93: exit
; const self = threads ? task : bpf.readKernelField<ptr>(task, "task_struct", "group_leader");  (samples/exitsnoop.ts:43)
 94: mov %r3, %r6
 95: add %r3, 0
 96: mov %r1, %r10
 97: add %r1, -16
 98: mov %r2, 8
 99: call bpf_probe_read_kernel#113
100: ldxdw %r7, [%r10-16]
101: ja -78
; exits.emit({  (samples/exitsnoop.ts:45)
102: stw [%r10-16], 0
103: lddw %r1, map_fd exits.lost
105: mov %r2, %r10
106: add %r2, -16
107: call bpf_map_lookup_elem#1
108: jeq %r0, 0, +6
109: ldxdw %r1, [%r0]
110: add %r1, 1
111: stxdw [%r0], %r1
112: ja -28
; core: (status & 0x80) !== 0,  (samples/exitsnoop.ts:52)
113: mov %r0, 0
114: ja -40
; exits.emit({  (samples/exitsnoop.ts:45)
115: mov %r0, 0
116: exit
