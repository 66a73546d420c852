; program sys_enter_open (tracepoint, 25 instructions)
; tracepoint("syscalls/sys_enter_open", { optional: true }, (ctx) => enter(ctx.filename, ctx.flags));  (samples/opensnoop.ts:62)
 0: ldxdw %r7, [%r1+16]
 1: ldxdw %r6, [%r1+24]
; if (PID !== 0 && bpf.pid() !== PID) return;  (samples/opensnoop.ts:37)
 2: lddw %r0, map_value .rodata+0
 4: ldxw %r0, [%r0]
 5: jne %r0, 0, +15
; pending.set(bpf.tid(), { path, flags: Number(flags) });  (samples/opensnoop.ts:38)
 6: call bpf_get_current_pid_tgid#14
 7: stxw [%r10-8], %r0
 8: stw [%r10-12], 0
 9: stxdw [%r10-24], %r7
10: stxw [%r10-16], %r6
11: lddw %r1, map_fd pending
13: mov %r2, %r10
14: add %r2, -8
15: mov %r3, %r10
16: add %r3, -24
17: mov %r4, 0
18: call bpf_map_update_elem#2
19: mov %r0, 0
20: exit
; if (PID !== 0 && bpf.pid() !== PID) return;  (samples/opensnoop.ts:37)
21: call bpf_get_current_pid_tgid#14
22: rsh %r0, 32
23: lddw %r1, map_value .rodata+0
25: ldxw %r1, [%r1]
26: jne %r0, %r1, -8
27: ja -22

; program sys_exit_open (tracepoint, 73 instructions)
; tracepoint("syscalls/sys_exit_open", { optional: true }, (ctx) => exit(ctx.ret));  (samples/opensnoop.ts:63)
  0: ldxdw %r9, [%r1+16]
; const tid = bpf.tid();  (samples/opensnoop.ts:42)
  1: call bpf_get_current_pid_tgid#14
  2: mov %r7, %r0
; const p = pending.get(tid);  (samples/opensnoop.ts:43)
  3: stxw [%r10-8], %r7
  4: lddw %r1, map_fd pending
  6: mov %r2, %r10
  7: add %r2, -8
  8: call bpf_map_lookup_elem#1
  9: mov %r8, %r0
; if (p === undefined) return;  (samples/opensnoop.ts:44)
 10: jne %r8, 0, +2
; pending.delete(tid);  (samples/opensnoop.ts:57)
 11: mov %r0, 0
 12: exit
; if (ret >= 0n && FAILED) {  (samples/opensnoop.ts:45)
 13: jsge %r9, 0, +37
; events.emit({  (samples/opensnoop.ts:49)
 14: lddw %r1, map_fd events
 16: mov %r2, 288
 17: mov %r3, 0
 18: call bpf_ringbuf_reserve#131
 19: mov %r6, %r0
 20: jeq %r6, 0, +41
; pid: bpf.pid(),  (samples/opensnoop.ts:50)
 21: mov %r0, %r7
 22: rsh %r0, 32
 23: stxw [%r6], %r0
; comm: bpf.comm(),  (samples/opensnoop.ts:51)
 24: mov %r1, %r6
 25: add %r1, 4
 26: mov %r2, 16
 27: call bpf_get_current_comm#16
; fd: ret < 0n ? -1 : Number(ret),  (samples/opensnoop.ts:52)
 28: jsge %r9, 0, +44
 29: mov %r0, -1
 30: stxw [%r6+20], %r0
; errno: ret < 0n ? Number(-ret) : 0,  (samples/opensnoop.ts:53)
 31: jsge %r9, 0, +43
 32: neg %r9
 33: stxw [%r6+24], %r9
 34: ldxw %r0, [%r8+8]
 35: stxw [%r6+28], %r0
; path: bpf.probeReadUserStr(p.path, 256),  (samples/opensnoop.ts:55)
 36: ldxdw %r3, [%r8]
 37: mov %r1, %r6
 38: add %r1, 32
 39: mov %r2, 256
 40: call bpf_probe_read_user_str#114
; events.emit({  (samples/opensnoop.ts:49)
 41: mov %r1, %r6
 42: mov %r2, 0
 43: call bpf_ringbuf_submit#132
; pending.delete(tid);  (samples/opensnoop.ts:57)
 44: stxw [%r10-8], %r7
 45: lddw %r1, map_fd pending
 47: mov %r2, %r10
 48: add %r2, -8
 49: call bpf_map_delete_elem#3
 50: ja -40
; if (ret >= 0n && FAILED) {  (samples/opensnoop.ts:45)
 51: lddw %r0, map_value .rodata+0
 53: ldxb %r0, [%r0+4]
 54: jeq %r0, 0, -41
; pending.delete(tid);  (samples/opensnoop.ts:46)
 55: stxw [%r10-8], %r7
 56: lddw %r1, map_fd pending
 58: mov %r2, %r10
 59: add %r2, -8
 60: call bpf_map_delete_elem#3
 61: ja -51
; events.emit({  (samples/opensnoop.ts:49)
 62: stw [%r10-8], 0
 63: lddw %r1, map_fd events.lost
 65: mov %r2, %r10
 66: add %r2, -8
 67: call bpf_map_lookup_elem#1
 68: jeq %r0, 0, +8
 69: ldxdw %r1, [%r0]
 70: add %r1, 1
 71: stxdw [%r0], %r1
 72: ja -29
; fd: ret < 0n ? -1 : Number(ret),  (samples/opensnoop.ts:52)
 73: mov %r0, %r9
 74: ja -45
; errno: ret < 0n ? Number(-ret) : 0,  (samples/opensnoop.ts:53)
 75: mov %r9, 0
 76: ja -44
; events.emit({  (samples/opensnoop.ts:49)
 77: mov %r0, 0
 78: exit

; program sys_enter_openat (tracepoint, 25 instructions)
; tracepoint("syscalls/sys_enter_openat", (ctx) => enter(ctx.filename, ctx.flags));  (samples/opensnoop.ts:64)
 0: ldxdw %r7, [%r1+24]
 1: ldxdw %r6, [%r1+32]
; if (PID !== 0 && bpf.pid() !== PID) return;  (samples/opensnoop.ts:37)
 2: lddw %r0, map_value .rodata+0
 4: ldxw %r0, [%r0]
 5: jne %r0, 0, +15
; pending.set(bpf.tid(), { path, flags: Number(flags) });  (samples/opensnoop.ts:38)
 6: call bpf_get_current_pid_tgid#14
 7: stxw [%r10-8], %r0
 8: stw [%r10-12], 0
 9: stxdw [%r10-24], %r7
10: stxw [%r10-16], %r6
11: lddw %r1, map_fd pending
13: mov %r2, %r10
14: add %r2, -8
15: mov %r3, %r10
16: add %r3, -24
17: mov %r4, 0
18: call bpf_map_update_elem#2
19: mov %r0, 0
20: exit
; if (PID !== 0 && bpf.pid() !== PID) return;  (samples/opensnoop.ts:37)
21: call bpf_get_current_pid_tgid#14
22: rsh %r0, 32
23: lddw %r1, map_value .rodata+0
25: ldxw %r1, [%r1]
26: jne %r0, %r1, -8
27: ja -22

; program sys_exit_openat (tracepoint, 73 instructions)
; tracepoint("syscalls/sys_exit_openat", (ctx) => exit(ctx.ret));  (samples/opensnoop.ts:65)
  0: ldxdw %r9, [%r1+16]
; const tid = bpf.tid();  (samples/opensnoop.ts:42)
  1: call bpf_get_current_pid_tgid#14
  2: mov %r7, %r0
; const p = pending.get(tid);  (samples/opensnoop.ts:43)
  3: stxw [%r10-8], %r7
  4: lddw %r1, map_fd pending
  6: mov %r2, %r10
  7: add %r2, -8
  8: call bpf_map_lookup_elem#1
  9: mov %r8, %r0
; if (p === undefined) return;  (samples/opensnoop.ts:44)
 10: jne %r8, 0, +2
; pending.delete(tid);  (samples/opensnoop.ts:57)
 11: mov %r0, 0
 12: exit
; if (ret >= 0n && FAILED) {  (samples/opensnoop.ts:45)
 13: jsge %r9, 0, +37
; events.emit({  (samples/opensnoop.ts:49)
 14: lddw %r1, map_fd events
 16: mov %r2, 288
 17: mov %r3, 0
 18: call bpf_ringbuf_reserve#131
 19: mov %r6, %r0
 20: jeq %r6, 0, +41
; pid: bpf.pid(),  (samples/opensnoop.ts:50)
 21: mov %r0, %r7
 22: rsh %r0, 32
 23: stxw [%r6], %r0
; comm: bpf.comm(),  (samples/opensnoop.ts:51)
 24: mov %r1, %r6
 25: add %r1, 4
 26: mov %r2, 16
 27: call bpf_get_current_comm#16
; fd: ret < 0n ? -1 : Number(ret),  (samples/opensnoop.ts:52)
 28: jsge %r9, 0, +44
 29: mov %r0, -1
 30: stxw [%r6+20], %r0
; errno: ret < 0n ? Number(-ret) : 0,  (samples/opensnoop.ts:53)
 31: jsge %r9, 0, +43
 32: neg %r9
 33: stxw [%r6+24], %r9
 34: ldxw %r0, [%r8+8]
 35: stxw [%r6+28], %r0
; path: bpf.probeReadUserStr(p.path, 256),  (samples/opensnoop.ts:55)
 36: ldxdw %r3, [%r8]
 37: mov %r1, %r6
 38: add %r1, 32
 39: mov %r2, 256
 40: call bpf_probe_read_user_str#114
; events.emit({  (samples/opensnoop.ts:49)
 41: mov %r1, %r6
 42: mov %r2, 0
 43: call bpf_ringbuf_submit#132
; pending.delete(tid);  (samples/opensnoop.ts:57)
 44: stxw [%r10-8], %r7
 45: lddw %r1, map_fd pending
 47: mov %r2, %r10
 48: add %r2, -8
 49: call bpf_map_delete_elem#3
 50: ja -40
; if (ret >= 0n && FAILED) {  (samples/opensnoop.ts:45)
 51: lddw %r0, map_value .rodata+0
 53: ldxb %r0, [%r0+4]
 54: jeq %r0, 0, -41
; pending.delete(tid);  (samples/opensnoop.ts:46)
 55: stxw [%r10-8], %r7
 56: lddw %r1, map_fd pending
 58: mov %r2, %r10
 59: add %r2, -8
 60: call bpf_map_delete_elem#3
 61: ja -51
; events.emit({  (samples/opensnoop.ts:49)
 62: stw [%r10-8], 0
 63: lddw %r1, map_fd events.lost
 65: mov %r2, %r10
 66: add %r2, -8
 67: call bpf_map_lookup_elem#1
 68: jeq %r0, 0, +8
 69: ldxdw %r1, [%r0]
 70: add %r1, 1
 71: stxdw [%r0], %r1
 72: ja -29
; fd: ret < 0n ? -1 : Number(ret),  (samples/opensnoop.ts:52)
 73: mov %r0, %r9
 74: ja -45
; errno: ret < 0n ? Number(-ret) : 0,  (samples/opensnoop.ts:53)
 75: mov %r9, 0
 76: ja -44
; events.emit({  (samples/opensnoop.ts:49)
 77: mov %r0, 0
 78: exit

; program sys_enter_openat2 (tracepoint, 30 instructions)
; tracepoint("syscalls/sys_enter_openat2", { optional: true }, (ctx) => enter(ctx.filename, bpf.probeReadUser<u64>(ctx.how)));  (samples/opensnoop.ts:68)
 0: ldxdw %r7, [%r1+24]
 1: ldxdw %r3, [%r1+32]
 2: mov %r1, %r10
 3: add %r1, -24
 4: mov %r2, 8
 5: call bpf_probe_read_user#112
 6: ldxdw %r6, [%r10-24]
; if (PID !== 0 && bpf.pid() !== PID) return;  (samples/opensnoop.ts:37)
 7: lddw %r0, map_value .rodata+0
 9: ldxw %r0, [%r0]
10: jne %r0, 0, +15
; pending.set(bpf.tid(), { path, flags: Number(flags) });  (samples/opensnoop.ts:38)
11: call bpf_get_current_pid_tgid#14
12: stxw [%r10-8], %r0
13: stw [%r10-12], 0
14: stxdw [%r10-24], %r7
15: stxw [%r10-16], %r6
16: lddw %r1, map_fd pending
18: mov %r2, %r10
19: add %r2, -8
20: mov %r3, %r10
21: add %r3, -24
22: mov %r4, 0
23: call bpf_map_update_elem#2
24: mov %r0, 0
25: exit
; if (PID !== 0 && bpf.pid() !== PID) return;  (samples/opensnoop.ts:37)
26: call bpf_get_current_pid_tgid#14
27: rsh %r0, 32
28: lddw %r1, map_value .rodata+0
30: ldxw %r1, [%r1]
31: jne %r0, %r1, -8
32: ja -22

; program sys_exit_openat2 (tracepoint, 73 instructions)
; tracepoint("syscalls/sys_exit_openat2", { optional: true }, (ctx) => exit(ctx.ret));  (samples/opensnoop.ts:69)
  0: ldxdw %r9, [%r1+16]
; const tid = bpf.tid();  (samples/opensnoop.ts:42)
  1: call bpf_get_current_pid_tgid#14
  2: mov %r7, %r0
; const p = pending.get(tid);  (samples/opensnoop.ts:43)
  3: stxw [%r10-8], %r7
  4: lddw %r1, map_fd pending
  6: mov %r2, %r10
  7: add %r2, -8
  8: call bpf_map_lookup_elem#1
  9: mov %r8, %r0
; if (p === undefined) return;  (samples/opensnoop.ts:44)
 10: jne %r8, 0, +2
; pending.delete(tid);  (samples/opensnoop.ts:57)
 11: mov %r0, 0
 12: exit
; if (ret >= 0n && FAILED) {  (samples/opensnoop.ts:45)
 13: jsge %r9, 0, +37
; events.emit({  (samples/opensnoop.ts:49)
 14: lddw %r1, map_fd events
 16: mov %r2, 288
 17: mov %r3, 0
 18: call bpf_ringbuf_reserve#131
 19: mov %r6, %r0
 20: jeq %r6, 0, +41
; pid: bpf.pid(),  (samples/opensnoop.ts:50)
 21: mov %r0, %r7
 22: rsh %r0, 32
 23: stxw [%r6], %r0
; comm: bpf.comm(),  (samples/opensnoop.ts:51)
 24: mov %r1, %r6
 25: add %r1, 4
 26: mov %r2, 16
 27: call bpf_get_current_comm#16
; fd: ret < 0n ? -1 : Number(ret),  (samples/opensnoop.ts:52)
 28: jsge %r9, 0, +44
 29: mov %r0, -1
 30: stxw [%r6+20], %r0
; errno: ret < 0n ? Number(-ret) : 0,  (samples/opensnoop.ts:53)
 31: jsge %r9, 0, +43
 32: neg %r9
 33: stxw [%r6+24], %r9
 34: ldxw %r0, [%r8+8]
 35: stxw [%r6+28], %r0
; path: bpf.probeReadUserStr(p.path, 256),  (samples/opensnoop.ts:55)
 36: ldxdw %r3, [%r8]
 37: mov %r1, %r6
 38: add %r1, 32
 39: mov %r2, 256
 40: call bpf_probe_read_user_str#114
; events.emit({  (samples/opensnoop.ts:49)
 41: mov %r1, %r6
 42: mov %r2, 0
 43: call bpf_ringbuf_submit#132
; pending.delete(tid);  (samples/opensnoop.ts:57)
 44: stxw [%r10-8], %r7
 45: lddw %r1, map_fd pending
 47: mov %r2, %r10
 48: add %r2, -8
 49: call bpf_map_delete_elem#3
 50: ja -40
; if (ret >= 0n && FAILED) {  (samples/opensnoop.ts:45)
 51: lddw %r0, map_value .rodata+0
 53: ldxb %r0, [%r0+4]
 54: jeq %r0, 0, -41
; pending.delete(tid);  (samples/opensnoop.ts:46)
 55: stxw [%r10-8], %r7
 56: lddw %r1, map_fd pending
 58: mov %r2, %r10
 59: add %r2, -8
 60: call bpf_map_delete_elem#3
 61: ja -51
; events.emit({  (samples/opensnoop.ts:49)
 62: stw [%r10-8], 0
 63: lddw %r1, map_fd events.lost
 65: mov %r2, %r10
 66: add %r2, -8
 67: call bpf_map_lookup_elem#1
 68: jeq %r0, 0, +8
 69: ldxdw %r1, [%r0]
 70: add %r1, 1
 71: stxdw [%r0], %r1
 72: ja -29
; fd: ret < 0n ? -1 : Number(ret),  (samples/opensnoop.ts:52)
 73: mov %r0, %r9
 74: ja -45
; errno: ret < 0n ? Number(-ret) : 0,  (samples/opensnoop.ts:53)
 75: mov %r9, 0
 76: ja -44
; events.emit({  (samples/opensnoop.ts:49)
 77: mov %r0, 0
 78: exit
