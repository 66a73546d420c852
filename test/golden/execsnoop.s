; program sys_enter_execve (tracepoint, 110 instructions)
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
 16: jeq %r6, 0, +59
 17: stb [%r6+2593], 0
 18: sth [%r6+2594], 0
; pid: bpf.pid(),  (samples/execsnoop.ts:42)
 19: call bpf_get_current_pid_tgid#14
 20: stxdw [%r10-32], %r0
 21: ldxdw %r0, [%r10-32]
 22: rsh %r0, 32
 23: stxw [%r6], %r0
; ppid: bpf.readKernelField<i32>(parent, "task_struct", "tgid"),  (samples/execsnoop.ts:43)
 24: mov %r3, %r7
 25: add %r3, 0
 26: mov %r1, %r6
 27: add %r1, 4
 28: mov %r2, 4
 29: call bpf_probe_read_kernel#113
; comm: "",  (samples/execsnoop.ts:44)
 30: stdw [%r6+8], 0
 31: stdw [%r6+16], 0
 32: stw [%r6+24], 0
 33: stw [%r6+28], 1
 34: stb [%r6+32], 0
; argv: [bpf.probeReadUserStr(ctx.filename, ARG_SIZE)],  (samples/execsnoop.ts:48)
 35: ldxdw %r7, [%r8+16]
 36: mov %r1, %r6
 37: add %r1, 33
 38: mov %r2, 128
 39: mov %r3, 0
 40: call bpf_probe_read_kernel#113
 41: mov %r1, %r6
 42: add %r1, 33
 43: mov %r2, 128
 44: mov %r3, %r7
 45: call bpf_probe_read_user_str#114
 46: mov %r1, %r6
 47: add %r1, 161
 48: mov %r2, 2432
 49: mov %r3, 0
 50: call bpf_probe_read_kernel#113
; for (let i = 1; i < MAX_ARGS; i++) {  (samples/execsnoop.ts:50)
 51: mov %r7, 1
 52: jslt %r7, 20, +25
; if (e.argc === MAX_ARGS) e.truncated = bpf.probeReadUser<u64>(ctx.argv + BigInt(MAX_ARGS * 8)) !== 0n;  (samples/execsnoop.ts:56)
 53: ldxw %r0, [%r6+28]
 54: jne %r0, 20, +10
 55: ldxdw %r3, [%r8+24]
 56: add %r3, 160
 57: mov %r1, %r10
 58: add %r1, -24
 59: mov %r2, 8
 60: call bpf_probe_read_user#112
 61: ldxdw %r0, [%r10-24]
 62: jeq %r0, 0, +47
 63: mov %r0, 1
 64: stxb [%r6+32], %r0
; execs.set(bpf.tid(), e);  (samples/execsnoop.ts:57)
 65: ldxdw %r0, [%r10-32]
 66: stxw [%r10-8], %r0
 67: lddw %r1, map_fd execs
 69: mov %r2, %r10
 70: add %r2, -8
 71: mov %r3, %r6
 72: mov %r4, 0
 73: call bpf_map_update_elem#2
 74: mov %r0, 0
 75: exit
; const e: Exec = {  (samples/execsnoop.ts:41)
 76: mov %r0, 0
 77: exit
; const arg = bpf.probeReadUser<u64>(ctx.argv + BigInt(i * 8));  (samples/execsnoop.ts:51)
 78: ldxdw %r3, [%r8+24]
 79: mov %r0, %r7
 80: mul %r0, 8
 81: add %r3, %r0
 82: mov %r1, %r10
 83: add %r1, -16
 84: mov %r2, 8
 85: call bpf_probe_read_user#112
 86: ldxdw %r9, [%r10-16]
; if (arg === 0n) break;  (samples/execsnoop.ts:52)
 87: jeq %r9, 0, -35
; e.argv[i] = bpf.probeReadUserStr(arg, ARG_SIZE);  (samples/execsnoop.ts:53)
 88: jge %r7, 20, +16
 89: mov %r1, %r7
 90: mul %r1, 128
 91: mov %r0, %r6
 92: add %r0, 33
 93: stxdw [%r10-40], %r0
 94: ldxdw %r0, [%r10-40]
 95: add %r0, %r1
 96: stxdw [%r10-40], %r0
 97: ldxdw %r1, [%r10-40]
 98: mov %r2, 128
 99: mov %r3, 0
100: call bpf_probe_read_kernel#113
101: ldxdw %r1, [%r10-40]
102: mov %r2, 128
103: mov %r3, %r9
104: call bpf_probe_read_user_str#114
; e.argc = i + 1;  (samples/execsnoop.ts:54)
105: mov %r0, %r7
106: add %r0, 1
107: stxw [%r6+28], %r0
; for (let i = 1; i < MAX_ARGS; i++) {  (samples/execsnoop.ts:50)
108: add %r7, 1
109: ja -58
; if (e.argc === MAX_ARGS) e.truncated = bpf.probeReadUser<u64>(ctx.argv + BigInt(MAX_ARGS * 8)) !== 0n;  (samples/execsnoop.ts:56)
110: mov %r0, 0
111: ja -48

; program sys_exit_execve (tracepoint, 53 instructions)
  0: mov %r8, %r1
; const tid = bpf.tid();  (samples/execsnoop.ts:61)
  1: call bpf_get_current_pid_tgid#14
  2: mov %r6, %r0
; const e = execs.get(tid);  (samples/execsnoop.ts:62)
  3: stxw [%r10-8], %r6
  4: lddw %r1, map_fd execs
  6: mov %r2, %r10
  7: add %r2, -8
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
 18: jne %r0, 0, +23
; e.comm = bpf.comm();  (samples/execsnoop.ts:66)
 19: mov %r1, %r10
 20: add %r1, -24
 21: mov %r2, 16
 22: call bpf_get_current_comm#16
 23: ldxdw %r0, [%r10-24]
 24: stxdw [%r7+8], %r0
 25: ldxdw %r0, [%r10-16]
 26: stxdw [%r7+16], %r0
; events.output(e);  (samples/execsnoop.ts:67)
 27: lddw %r1, map_fd events
 29: mov %r2, %r7
 30: mov %r3, 2596
 31: mov %r4, 0
 32: call bpf_ringbuf_output#130
 33: jne %r0, 0, +13
; execs.delete(tid);  (samples/execsnoop.ts:69)
 34: stxw [%r10-24], %r6
 35: lddw %r1, map_fd execs
 37: mov %r2, %r10
 38: add %r2, -24
 39: call bpf_map_delete_elem#3
 40: mov %r0, 0
 41: exit
; if (!FAILED || e.ret !== 0) {  (samples/execsnoop.ts:65)
 42: ldxw %r0, [%r7+24]
 43: lsh %r0, 32
 44: arsh %r0, 32
 45: jne %r0, 0, -27
 46: ja -13
; events.output(e);  (samples/execsnoop.ts:67)
 47: stw [%r10-24], 0
 48: lddw %r1, map_fd events.lost
 50: mov %r2, %r10
 51: add %r2, -24
 52: call bpf_map_lookup_elem#1
 53: jeq %r0, 0, -20
 54: ldxdw %r1, [%r0]
 55: add %r1, 1
 56: stxdw [%r0], %r1
 57: ja -24
