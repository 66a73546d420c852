; program sys_enter_kill (tracepoint, 15 instructions)
; tracepoint("syscalls/sys_enter_kill", (ctx) => enter(ctx.pid, ctx.sig));  (samples/killsnoop.ts:47)
 0: ldxdw %r6, [%r1+16]
 1: ldxdw %r7, [%r1+24]
; pending.set(bpf.tid(), { tpid: Number(tpid), sig: Number(sig) });  (samples/killsnoop.ts:34)
 2: call bpf_get_current_pid_tgid#14
 3: stxw [%r10-8], %r0
 4: stxw [%r10-16], %r6
 5: stxw [%r10-12], %r7
 6: lddw %r1, map_fd pending
 8: mov %r2, %r10
 9: add %r2, -8
10: mov %r3, %r10
11: add %r3, -16
12: mov %r4, 0
13: call bpf_map_update_elem#2
14: mov %r0, 0
15: exit

; program sys_exit_kill (tracepoint, 56 instructions)
; tracepoint("syscalls/sys_exit_kill", (ctx) => exit(ctx.ret));  (samples/killsnoop.ts:48)
  0: ldxdw %r8, [%r1+16]
; const tid = bpf.tid();  (samples/killsnoop.ts:38)
  1: call bpf_get_current_pid_tgid#14
  2: mov %r7, %r0
; const p = pending.get(tid);  (samples/killsnoop.ts:39)
  3: stxw [%r10-8], %r7
  4: lddw %r1, map_fd pending
  6: mov %r2, %r10
  7: add %r2, -8
  8: call bpf_map_lookup_elem#1
  9: mov %r9, %r0
; if (p === undefined) return;  (samples/killsnoop.ts:40)
 10: jne %r9, 0, +2
; pending.delete(tid);  (samples/killsnoop.ts:44)
 11: mov %r0, 0
 12: exit
; if (!FAILED || ret < 0n) {  (samples/killsnoop.ts:41)
 13: lddw %r0, map_value .rodata+0
 15: ldxb %r0, [%r0]
 16: jne %r0, 0, +29
; events.emit({ pid: bpf.pid(), comm: bpf.comm(), sig: p.sig, tpid: p.tpid, result: Number(ret) });  (samples/killsnoop.ts:42)
 17: lddw %r1, map_fd events
 19: mov %r2, 32
 20: mov %r3, 0
 21: call bpf_ringbuf_reserve#131
 22: mov %r6, %r0
 23: jeq %r6, 0, +24
 24: mov %r0, %r7
 25: rsh %r0, 32
 26: stxw [%r6], %r0
 27: mov %r1, %r6
 28: add %r1, 4
 29: mov %r2, 16
 30: call bpf_get_current_comm#16
 31: ldxw %r0, [%r9+4]
 32: stxw [%r6+20], %r0
 33: ldxw %r0, [%r9]
 34: stxw [%r6+24], %r0
 35: stxw [%r6+28], %r8
 36: mov %r1, %r6
 37: mov %r2, 0
 38: call bpf_ringbuf_submit#132
; pending.delete(tid);  (samples/killsnoop.ts:44)
 39: stxw [%r10-8], %r7
 40: lddw %r1, map_fd pending
 42: mov %r2, %r10
 43: add %r2, -8
 44: call bpf_map_delete_elem#3
 45: ja -35
; if (!FAILED || ret < 0n) {  (samples/killsnoop.ts:41)
 46: jslt %r8, 0, -30
 47: ja -9
; events.emit({ pid: bpf.pid(), comm: bpf.comm(), sig: p.sig, tpid: p.tpid, result: Number(ret) });  (samples/killsnoop.ts:42)
 48: stw [%r10-8], 0
 49: lddw %r1, map_fd events.lost
 51: mov %r2, %r10
 52: add %r2, -8
 53: call bpf_map_lookup_elem#1
 54: jeq %r0, 0, +4
 55: ldxdw %r1, [%r0]
 56: add %r1, 1
 57: stxdw [%r0], %r1
 58: ja -20
 59: mov %r0, 0
 60: exit

; program sys_enter_tkill (tracepoint, 15 instructions)
; tracepoint("syscalls/sys_enter_tkill", (ctx) => enter(ctx.pid, ctx.sig));  (samples/killsnoop.ts:49)
 0: ldxdw %r6, [%r1+16]
 1: ldxdw %r7, [%r1+24]
; pending.set(bpf.tid(), { tpid: Number(tpid), sig: Number(sig) });  (samples/killsnoop.ts:34)
 2: call bpf_get_current_pid_tgid#14
 3: stxw [%r10-8], %r0
 4: stxw [%r10-16], %r6
 5: stxw [%r10-12], %r7
 6: lddw %r1, map_fd pending
 8: mov %r2, %r10
 9: add %r2, -8
10: mov %r3, %r10
11: add %r3, -16
12: mov %r4, 0
13: call bpf_map_update_elem#2
14: mov %r0, 0
15: exit

; program sys_exit_tkill (tracepoint, 56 instructions)
; tracepoint("syscalls/sys_exit_tkill", (ctx) => exit(ctx.ret));  (samples/killsnoop.ts:50)
  0: ldxdw %r8, [%r1+16]
; const tid = bpf.tid();  (samples/killsnoop.ts:38)
  1: call bpf_get_current_pid_tgid#14
  2: mov %r7, %r0
; const p = pending.get(tid);  (samples/killsnoop.ts:39)
  3: stxw [%r10-8], %r7
  4: lddw %r1, map_fd pending
  6: mov %r2, %r10
  7: add %r2, -8
  8: call bpf_map_lookup_elem#1
  9: mov %r9, %r0
; if (p === undefined) return;  (samples/killsnoop.ts:40)
 10: jne %r9, 0, +2
; pending.delete(tid);  (samples/killsnoop.ts:44)
 11: mov %r0, 0
 12: exit
; if (!FAILED || ret < 0n) {  (samples/killsnoop.ts:41)
 13: lddw %r0, map_value .rodata+0
 15: ldxb %r0, [%r0]
 16: jne %r0, 0, +29
; events.emit({ pid: bpf.pid(), comm: bpf.comm(), sig: p.sig, tpid: p.tpid, result: Number(ret) });  (samples/killsnoop.ts:42)
 17: lddw %r1, map_fd events
 19: mov %r2, 32
 20: mov %r3, 0
 21: call bpf_ringbuf_reserve#131
 22: mov %r6, %r0
 23: jeq %r6, 0, +24
 24: mov %r0, %r7
 25: rsh %r0, 32
 26: stxw [%r6], %r0
 27: mov %r1, %r6
 28: add %r1, 4
 29: mov %r2, 16
 30: call bpf_get_current_comm#16
 31: ldxw %r0, [%r9+4]
 32: stxw [%r6+20], %r0
 33: ldxw %r0, [%r9]
 34: stxw [%r6+24], %r0
 35: stxw [%r6+28], %r8
 36: mov %r1, %r6
 37: mov %r2, 0
 38: call bpf_ringbuf_submit#132
; pending.delete(tid);  (samples/killsnoop.ts:44)
 39: stxw [%r10-8], %r7
 40: lddw %r1, map_fd pending
 42: mov %r2, %r10
 43: add %r2, -8
 44: call bpf_map_delete_elem#3
 45: ja -35
; if (!FAILED || ret < 0n) {  (samples/killsnoop.ts:41)
 46: jslt %r8, 0, -30
 47: ja -9
; events.emit({ pid: bpf.pid(), comm: bpf.comm(), sig: p.sig, tpid: p.tpid, result: Number(ret) });  (samples/killsnoop.ts:42)
 48: stw [%r10-8], 0
 49: lddw %r1, map_fd events.lost
 51: mov %r2, %r10
 52: add %r2, -8
 53: call bpf_map_lookup_elem#1
 54: jeq %r0, 0, +4
 55: ldxdw %r1, [%r0]
 56: add %r1, 1
 57: stxdw [%r0], %r1
 58: ja -20
 59: mov %r0, 0
 60: exit

; program sys_enter_tgkill (tracepoint, 15 instructions)
; tracepoint("syscalls/sys_enter_tgkill", (ctx) => enter(ctx.pid, ctx.sig));  (samples/killsnoop.ts:51)
 0: ldxdw %r6, [%r1+24]
 1: ldxdw %r7, [%r1+32]
; pending.set(bpf.tid(), { tpid: Number(tpid), sig: Number(sig) });  (samples/killsnoop.ts:34)
 2: call bpf_get_current_pid_tgid#14
 3: stxw [%r10-8], %r0
 4: stxw [%r10-16], %r6
 5: stxw [%r10-12], %r7
 6: lddw %r1, map_fd pending
 8: mov %r2, %r10
 9: add %r2, -8
10: mov %r3, %r10
11: add %r3, -16
12: mov %r4, 0
13: call bpf_map_update_elem#2
14: mov %r0, 0
15: exit

; program sys_exit_tgkill (tracepoint, 56 instructions)
; tracepoint("syscalls/sys_exit_tgkill", (ctx) => exit(ctx.ret));  (samples/killsnoop.ts:52)
  0: ldxdw %r8, [%r1+16]
; const tid = bpf.tid();  (samples/killsnoop.ts:38)
  1: call bpf_get_current_pid_tgid#14
  2: mov %r7, %r0
; const p = pending.get(tid);  (samples/killsnoop.ts:39)
  3: stxw [%r10-8], %r7
  4: lddw %r1, map_fd pending
  6: mov %r2, %r10
  7: add %r2, -8
  8: call bpf_map_lookup_elem#1
  9: mov %r9, %r0
; if (p === undefined) return;  (samples/killsnoop.ts:40)
 10: jne %r9, 0, +2
; pending.delete(tid);  (samples/killsnoop.ts:44)
 11: mov %r0, 0
 12: exit
; if (!FAILED || ret < 0n) {  (samples/killsnoop.ts:41)
 13: lddw %r0, map_value .rodata+0
 15: ldxb %r0, [%r0]
 16: jne %r0, 0, +29
; events.emit({ pid: bpf.pid(), comm: bpf.comm(), sig: p.sig, tpid: p.tpid, result: Number(ret) });  (samples/killsnoop.ts:42)
 17: lddw %r1, map_fd events
 19: mov %r2, 32
 20: mov %r3, 0
 21: call bpf_ringbuf_reserve#131
 22: mov %r6, %r0
 23: jeq %r6, 0, +24
 24: mov %r0, %r7
 25: rsh %r0, 32
 26: stxw [%r6], %r0
 27: mov %r1, %r6
 28: add %r1, 4
 29: mov %r2, 16
 30: call bpf_get_current_comm#16
 31: ldxw %r0, [%r9+4]
 32: stxw [%r6+20], %r0
 33: ldxw %r0, [%r9]
 34: stxw [%r6+24], %r0
 35: stxw [%r6+28], %r8
 36: mov %r1, %r6
 37: mov %r2, 0
 38: call bpf_ringbuf_submit#132
; pending.delete(tid);  (samples/killsnoop.ts:44)
 39: stxw [%r10-8], %r7
 40: lddw %r1, map_fd pending
 42: mov %r2, %r10
 43: add %r2, -8
 44: call bpf_map_delete_elem#3
 45: ja -35
; if (!FAILED || ret < 0n) {  (samples/killsnoop.ts:41)
 46: jslt %r8, 0, -30
 47: ja -9
; events.emit({ pid: bpf.pid(), comm: bpf.comm(), sig: p.sig, tpid: p.tpid, result: Number(ret) });  (samples/killsnoop.ts:42)
 48: stw [%r10-8], 0
 49: lddw %r1, map_fd events.lost
 51: mov %r2, %r10
 52: add %r2, -8
 53: call bpf_map_lookup_elem#1
 54: jeq %r0, 0, +4
 55: ldxdw %r1, [%r0]
 56: add %r1, 1
 57: stxdw [%r0], %r1
 58: ja -20
 59: mov %r0, 0
 60: exit
