; program sys_enter_execve (tracepoint, 108 instructions)
  0: mov %r8, %r1
; const parent = bpf.readKernelField<ptr>(bpf.currentTask(), "task_struct", "real_parent");  (samples/execsnoop.ts:40)
  1: call bpf_get_current_task#35
  2: mov %r3, %r0
  3: add %r3, 0
  4: mov %r1, %r10
  5: add %r1, -8
  6: mov %r2, 8
  7: call bpf_probe_read_kernel#113
  8: ldxdw %r7, [%r10-8]
; const e: Exec = {  (samples/execsnoop.ts:41)
  9: stw [%r10-8], 0
 10: lddw %r1, map_fd .scratch.sys_enter_execve
 12: mov %r2, %r10
 13: add %r2, -8
 14: call bpf_map_lookup_elem#1
 15: mov %r6, %r0
 16: jeq %r6, 0, +57
 17: stb [%r6+2593], 0
 18: sth [%r6+2594], 0
; pid: bpf.pid(),  (samples/execsnoop.ts:42)
 19: call bpf_get_current_pid_tgid#14
 20: rsh %r0, 32
 21: stxw [%r6], %r0
; ppid: bpf.readKernelField<i32>(parent, "task_struct", "tgid"),  (samples/execsnoop.ts:43)
 22: mov %r3, %r7
 23: add %r3, 0
 24: mov %r1, %r6
 25: add %r1, 4
 26: mov %r2, 4
 27: call bpf_probe_read_kernel#113
; comm: "",  (samples/execsnoop.ts:44)
 28: stdw [%r6+8], 0
 29: stdw [%r6+16], 0
 30: stw [%r6+24], 0
 31: stw [%r6+28], 1
 32: stb [%r6+32], 0
; argv: [bpf.probeReadUserStr(ctx.filename, ARG_SIZE)],  (samples/execsnoop.ts:48)
 33: ldxdw %r7, [%r8+16]
 34: mov %r1, %r6
 35: add %r1, 33
 36: mov %r2, 128
 37: mov %r3, 0
 38: call bpf_probe_read_kernel#113
 39: mov %r1, %r6
 40: add %r1, 33
 41: mov %r2, 128
 42: mov %r3, %r7
 43: call bpf_probe_read_user_str#114
 44: mov %r1, %r6
 45: add %r1, 161
 46: mov %r2, 2432
 47: mov %r3, 0
 48: call bpf_probe_read_kernel#113
; for (let i = 1; i < MAX_ARGS; i++) {  (samples/execsnoop.ts:50)
 49: mov %r7, 1
 50: jslt %r7, 20, +25
; if (e.argc === MAX_ARGS) e.truncated = bpf.probeReadUser<u64>(ctx.argv + BigInt(MAX_ARGS * 8)) !== 0n;  (samples/execsnoop.ts:56)
 51: ldxw %r0, [%r6+28]
 52: jne %r0, 20, +10
 53: ldxdw %r3, [%r8+24]
 54: add %r3, 160
 55: mov %r1, %r10
 56: add %r1, -24
 57: mov %r2, 8
 58: call bpf_probe_read_user#112
 59: ldxdw %r0, [%r10-24]
 60: jeq %r0, 0, +47
 61: mov %r0, 1
 62: stxb [%r6+32], %r0
; execs.set(bpf.tid(), e);  (samples/execsnoop.ts:57)
 63: call bpf_get_current_pid_tgid#14
 64: stxw [%r10-8], %r0
 65: lddw %r1, map_fd execs
 67: mov %r2, %r10
 68: add %r2, -8
 69: mov %r3, %r6
 70: mov %r4, 0
 71: call bpf_map_update_elem#2
 72: mov %r0, 0
 73: exit
; const e: Exec = {  (samples/execsnoop.ts:41)
 74: mov %r0, 0
 75: exit
; const arg = bpf.probeReadUser<u64>(ctx.argv + BigInt(i * 8));  (samples/execsnoop.ts:51)
 76: ldxdw %r3, [%r8+24]
 77: mov %r0, %r7
 78: mul %r0, 8
 79: add %r3, %r0
 80: mov %r1, %r10
 81: add %r1, -16
 82: mov %r2, 8
 83: call bpf_probe_read_user#112
 84: ldxdw %r9, [%r10-16]
; if (arg === 0n) break;  (samples/execsnoop.ts:52)
 85: jeq %r9, 0, -35
; e.argv[i] = bpf.probeReadUserStr(arg, ARG_SIZE);  (samples/execsnoop.ts:53)
 86: jge %r7, 20, +16
 87: mov %r1, %r7
 88: mul %r1, 128
 89: mov %r0, %r6
 90: add %r0, 33
 91: stxdw [%r10-32], %r0
 92: ldxdw %r0, [%r10-32]
 93: add %r0, %r1
 94: stxdw [%r10-32], %r0
 95: ldxdw %r1, [%r10-32]
 96: mov %r2, 128
 97: mov %r3, 0
 98: call bpf_probe_read_kernel#113
 99: ldxdw %r1, [%r10-32]
100: mov %r2, 128
101: mov %r3, %r9
102: call bpf_probe_read_user_str#114
; e.argc = i + 1;  (samples/execsnoop.ts:54)
103: mov %r0, %r7
104: add %r0, 1
105: stxw [%r6+28], %r0
; for (let i = 1; i < MAX_ARGS; i++) {  (samples/execsnoop.ts:50)
106: add %r7, 1
107: ja -58
; if (e.argc === MAX_ARGS) e.truncated = bpf.probeReadUser<u64>(ctx.argv + BigInt(MAX_ARGS * 8)) !== 0n;  (samples/execsnoop.ts:56)
108: mov %r0, 0
109: ja -48

; program sys_exit_execve (tracepoint, 57 instructions)
  0: mov %r8, %r1
; const tid = bpf.tid();  (samples/execsnoop.ts:61)
  1: call bpf_get_current_pid_tgid#14
  2: mov %r6, %r0
; const e = execs.get(tid);  (samples/execsnoop.ts:62)
  3: stxw [%r10-16], %r6
  4: lddw %r1, map_fd execs
  6: mov %r2, %r10
  7: add %r2, -16
  8: call bpf_map_lookup_elem#1
  9: mov %r7, %r0
; if (e === undefined) return;  (samples/execsnoop.ts:63)
 10: jne %r7, 0, +2
 11: mov %r0, 0
 12: exit
; e.ret = Number(ctx.ret);  (samples/execsnoop.ts:64)
 13: ldxdw %r0, [%r8+16]
 14: stxw [%r7+24], %r0
; if (!FAILED || e.ret !== 0) {  (samples/execsnoop.ts:65)
 15: lddw %r0, map_value .rodata+0
 17: ldxb %r0, [%r0]
 18: jne %r0, 0, +25
; e.comm = bpf.comm();  (samples/execsnoop.ts:66)
 19: stdw [%r10-16], 0
 20: stdw [%r10-8], 0
 21: mov %r1, %r10
 22: add %r1, -16
 23: mov %r2, 16
 24: call bpf_get_current_comm#16
 25: ldxdw %r0, [%r10-16]
 26: stxdw [%r7+8], %r0
 27: ldxdw %r0, [%r10-8]
 28: stxdw [%r7+16], %r0
; events.output(e);  (samples/execsnoop.ts:67)
 29: lddw %r1, map_fd events
 31: mov %r2, %r7
 32: mov %r3, 2596
 33: mov %r4, 0
 34: call bpf_ringbuf_output#130
 35: jne %r0, 0, +13
; execs.delete(tid);  (samples/execsnoop.ts:69)
 36: stxw [%r10-16], %r6
 37: lddw %r1, map_fd execs
 39: mov %r2, %r10
 40: add %r2, -16
 41: call bpf_map_delete_elem#3
 42: mov %r0, 0
 43: exit
; if (!FAILED || e.ret !== 0) {  (samples/execsnoop.ts:65)
 44: ldxw %r0, [%r7+24]
 45: lsh %r0, 32
 46: arsh %r0, 32
 47: jne %r0, 0, -29
 48: ja -13
; events.output(e);  (samples/execsnoop.ts:67)
 49: stw [%r10-16], 0
 50: lddw %r1, map_fd events.lost
 52: mov %r2, %r10
 53: add %r2, -16
 54: call bpf_map_lookup_elem#1
 55: jeq %r0, 0, +4
 56: ldxdw %r1, [%r0]
 57: add %r1, 1
 58: stxdw [%r0], %r1
 59: ja -24
 60: mov %r0, 0
 61: exit
