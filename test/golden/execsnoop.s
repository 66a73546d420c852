; program sys_enter_execve (tracepoint, 107 instructions)
  0: mov %r8, %r1
; const e: Exec = {  (samples/execsnoop.ts:40)
  1: stw [%r10-8], 0
  2: lddw %r1, map_fd .scratch.sys_enter_execve
  4: mov %r2, %r10
  5: add %r2, -8
  6: call bpf_map_lookup_elem#1
  7: mov %r6, %r0
  8: jeq %r6, 0, +64
  9: stb [%r6+2593], 0
 10: sth [%r6+2594], 0
; pid: bpf.pid(),  (samples/execsnoop.ts:41)
 11: call bpf_get_current_pid_tgid#14
 12: rsh %r0, 32
 13: stxw [%r6], %r0
; ppid: bpf.currentTask().real_parent.tgid,  (samples/execsnoop.ts:42)
 14: call bpf_get_current_task#35
 15: mov %r3, %r0
 16: add %r3, 0
 17: mov %r1, %r10
 18: add %r1, -16
 19: mov %r2, 8
 20: call bpf_probe_read_kernel#113
 21: ldxdw %r3, [%r10-16]
 22: add %r3, 0
 23: mov %r1, %r6
 24: add %r1, 4
 25: mov %r2, 4
 26: call bpf_probe_read_kernel#113
; comm: "",  (samples/execsnoop.ts:43)
 27: stdw [%r6+8], 0
 28: stdw [%r6+16], 0
 29: stw [%r6+24], 0
 30: stw [%r6+28], 1
 31: stb [%r6+32], 0
; argv: [bpf.probeReadUserStr(ctx.filename, ARG_SIZE)],  (samples/execsnoop.ts:47)
 32: ldxdw %r7, [%r8+16]
 33: mov %r1, %r6
 34: add %r1, 33
 35: mov %r2, 128
 36: mov %r3, 0
 37: call bpf_probe_read_kernel#113
 38: mov %r1, %r6
 39: add %r1, 33
 40: mov %r2, 128
 41: mov %r3, %r7
 42: call bpf_probe_read_user_str#114
 43: mov %r1, %r6
 44: add %r1, 161
 45: mov %r2, 2432
 46: mov %r3, 0
 47: call bpf_probe_read_kernel#113
; for (let i = 1; i < MAX_ARGS; i++) {  (samples/execsnoop.ts:49)
 48: mov %r7, 1
 49: jslt %r7, 20, +25
; if (e.argc === MAX_ARGS) e.truncated = bpf.probeReadUser<u64>(ctx.argv + BigInt(MAX_ARGS * 8)) !== 0n;  (samples/execsnoop.ts:55)
 50: ldxw %r0, [%r6+28]
 51: jne %r0, 20, +10
 52: ldxdw %r3, [%r8+24]
 53: add %r3, 160
 54: mov %r1, %r10
 55: add %r1, -32
 56: mov %r2, 8
 57: call bpf_probe_read_user#112
 58: ldxdw %r0, [%r10-32]
 59: jeq %r0, 0, +47
 60: mov %r0, 1
 61: stxb [%r6+32], %r0
; execs.set(bpf.tid(), e);  (samples/execsnoop.ts:56)
 62: call bpf_get_current_pid_tgid#14
 63: stxw [%r10-16], %r0
 64: lddw %r1, map_fd execs
 66: mov %r2, %r10
 67: add %r2, -16
 68: mov %r3, %r6
 69: mov %r4, 0
 70: call bpf_map_update_elem#2
 71: mov %r0, 0
 72: exit
; const e: Exec = {  (samples/execsnoop.ts:40)
 73: mov %r0, 0
 74: exit
; const arg = bpf.probeReadUser<u64>(ctx.argv + BigInt(i * 8));  (samples/execsnoop.ts:50)
 75: ldxdw %r3, [%r8+24]
 76: mov %r0, %r7
 77: mul %r0, 8
 78: add %r3, %r0
 79: mov %r1, %r10
 80: add %r1, -24
 81: mov %r2, 8
 82: call bpf_probe_read_user#112
 83: ldxdw %r9, [%r10-24]
; if (arg === 0n) break;  (samples/execsnoop.ts:51)
 84: jeq %r9, 0, -35
; e.argv[i] = bpf.probeReadUserStr(arg, ARG_SIZE);  (samples/execsnoop.ts:52)
 85: jge %r7, 20, +16
 86: mov %r1, %r7
 87: mul %r1, 128
 88: mov %r0, %r6
 89: add %r0, 33
 90: stxdw [%r10-40], %r0
 91: ldxdw %r0, [%r10-40]
 92: add %r0, %r1
 93: stxdw [%r10-40], %r0
 94: ldxdw %r1, [%r10-40]
 95: mov %r2, 128
 96: mov %r3, 0
 97: call bpf_probe_read_kernel#113
 98: ldxdw %r1, [%r10-40]
 99: mov %r2, 128
100: mov %r3, %r9
101: call bpf_probe_read_user_str#114
; e.argc = i + 1;  (samples/execsnoop.ts:53)
102: mov %r0, %r7
103: add %r0, 1
104: stxw [%r6+28], %r0
; for (let i = 1; i < MAX_ARGS; i++) {  (samples/execsnoop.ts:49)
105: add %r7, 1
106: ja -58
; if (e.argc === MAX_ARGS) e.truncated = bpf.probeReadUser<u64>(ctx.argv + BigInt(MAX_ARGS * 8)) !== 0n;  (samples/execsnoop.ts:55)
107: mov %r0, 0
108: ja -48

; program sys_exit_execve (tracepoint, 53 instructions)
  0: mov %r8, %r1
; const tid = bpf.tid();  (samples/execsnoop.ts:60)
  1: call bpf_get_current_pid_tgid#14
  2: mov %r6, %r0
; const e = execs.get(tid);  (samples/execsnoop.ts:61)
  3: stxw [%r10-8], %r6
  4: lddw %r1, map_fd execs
  6: mov %r2, %r10
  7: add %r2, -8
  8: call bpf_map_lookup_elem#1
  9: mov %r7, %r0
; if (e === undefined) return;  (samples/execsnoop.ts:62)
 10: jne %r7, 0, +2
 11: mov %r0, 0
 12: exit
; e.ret = Number(ctx.ret);  (samples/execsnoop.ts:63)
 13: ldxdw %r0, [%r8+16]
 14: stxw [%r7+24], %r0
; if (!FAILED || e.ret !== 0) {  (samples/execsnoop.ts:64)
 15: lddw %r0, map_value .rodata+0
 17: ldxb %r0, [%r0]
 18: jne %r0, 0, +21
; e.comm = bpf.comm();  (samples/execsnoop.ts:65)
 19: stdw [%r7+8], 0
 20: stdw [%r7+16], 0
 21: mov %r1, %r7
 22: add %r1, 8
 23: mov %r2, 16
 24: call bpf_get_current_comm#16
; events.output(e);  (samples/execsnoop.ts:66)
 25: lddw %r1, map_fd events
 27: mov %r2, %r7
 28: mov %r3, 2596
 29: mov %r4, 0
 30: call bpf_ringbuf_output#130
 31: jne %r0, 0, +13
; execs.delete(tid);  (samples/execsnoop.ts:68)
 32: stxw [%r10-8], %r6
 33: lddw %r1, map_fd execs
 35: mov %r2, %r10
 36: add %r2, -8
 37: call bpf_map_delete_elem#3
 38: mov %r0, 0
 39: exit
; if (!FAILED || e.ret !== 0) {  (samples/execsnoop.ts:64)
 40: ldxw %r0, [%r7+24]
 41: lsh %r0, 32
 42: arsh %r0, 32
 43: jne %r0, 0, -25
 44: ja -13
; events.output(e);  (samples/execsnoop.ts:66)
 45: stw [%r10-8], 0
 46: lddw %r1, map_fd events.lost
 48: mov %r2, %r10
 49: add %r2, -8
 50: call bpf_map_lookup_elem#1
 51: jeq %r0, 0, +4
 52: ldxdw %r1, [%r0]
 53: add %r1, 1
 54: stxdw [%r0], %r1
 55: ja -24
 56: mov %r0, 0
 57: exit
