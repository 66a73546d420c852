; program getaddrinfo (kprobe, 15 instructions)
; uprobe("libc", "getaddrinfo", (ctx) => enter(ctx.arg0()));  (samples/gethostlatency.ts:49)
 0: ldxdw %r6, [%r1+112]
; started.set(bpf.tid(), { ns: bpf.ktimeGetNs(), host });  (samples/gethostlatency.ts:31)
 1: call bpf_get_current_pid_tgid#14
 2: stxw [%r10-8], %r0
 3: call bpf_ktime_get_ns#5
 4: stxdw [%r10-24], %r0
 5: stxdw [%r10-16], %r6
 6: lddw %r1, map_fd started
 8: mov %r2, %r10
 9: add %r2, -8
10: mov %r3, %r10
11: add %r3, -24
12: mov %r4, 0
13: call bpf_map_update_elem#2
14: mov %r0, 0
15: exit

; program getaddrinfo_2 (kprobe, 56 instructions)
; const tid = bpf.tid();  (samples/gethostlatency.ts:35)
  0: call bpf_get_current_pid_tgid#14
  1: mov %r7, %r0
; const start = started.get(tid);  (samples/gethostlatency.ts:36)
  2: stxw [%r10-8], %r7
  3: lddw %r1, map_fd started
  5: mov %r2, %r10
  6: add %r2, -8
  7: call bpf_map_lookup_elem#1
  8: mov %r8, %r0
; if (start === undefined) return; // the call began before the tracer was attached  (samples/gethostlatency.ts:37)
  9: jne %r8, 0, +2
; started.delete(tid);  (samples/gethostlatency.ts:45)
 10: mov %r0, 0
 11: exit
; lookups.emit({  (samples/gethostlatency.ts:39)
 12: lddw %r1, map_fd lookups
 14: mov %r2, 160
 15: mov %r3, 0
 16: call bpf_ringbuf_reserve#131
 17: mov %r6, %r0
 18: jeq %r6, 0, +28
 19: stw [%r6+20], 0
; pid: bpf.pid(),  (samples/gethostlatency.ts:40)
 20: mov %r0, %r7
 21: rsh %r0, 32
 22: stxw [%r6], %r0
; comm: bpf.comm(),  (samples/gethostlatency.ts:41)
 23: mov %r1, %r6
 24: add %r1, 4
 25: mov %r2, 16
 26: call bpf_get_current_comm#16
; latencyUs: (bpf.ktimeGetNs() - start.ns) / 1000n,  (samples/gethostlatency.ts:42)
 27: call bpf_ktime_get_ns#5
 28: ldxdw %r1, [%r8]
 29: sub %r0, %r1
 30: div %r0, 1000
 31: stxdw [%r6+24], %r0
; host: bpf.probeReadUserStr(start.host, 128),  (samples/gethostlatency.ts:43)
 32: ldxdw %r3, [%r8+8]
 33: mov %r1, %r6
 34: add %r1, 32
 35: mov %r2, 128
 36: call bpf_probe_read_user_str#114
; lookups.emit({  (samples/gethostlatency.ts:39)
 37: mov %r1, %r6
 38: mov %r2, 0
 39: call bpf_ringbuf_submit#132
; started.delete(tid);  (samples/gethostlatency.ts:45)
 40: stxw [%r10-8], %r7
 41: lddw %r1, map_fd started
 43: mov %r2, %r10
 44: add %r2, -8
 45: call bpf_map_delete_elem#3
 46: ja -37
; lookups.emit({  (samples/gethostlatency.ts:39)
 47: stw [%r10-8], 0
 48: lddw %r1, map_fd lookups.lost
 50: mov %r2, %r10
 51: add %r2, -8
 52: call bpf_map_lookup_elem#1
 53: jeq %r0, 0, +4
 54: ldxdw %r1, [%r0]
 55: add %r1, 1
 56: stxdw [%r0], %r1
 57: ja -18
 58: mov %r0, 0
 59: exit

; program gethostbyname (kprobe, 15 instructions)
; uprobe("libc", "gethostbyname", (ctx) => enter(ctx.arg0()));  (samples/gethostlatency.ts:51)
 0: ldxdw %r6, [%r1+112]
; started.set(bpf.tid(), { ns: bpf.ktimeGetNs(), host });  (samples/gethostlatency.ts:31)
 1: call bpf_get_current_pid_tgid#14
 2: stxw [%r10-8], %r0
 3: call bpf_ktime_get_ns#5
 4: stxdw [%r10-24], %r0
 5: stxdw [%r10-16], %r6
 6: lddw %r1, map_fd started
 8: mov %r2, %r10
 9: add %r2, -8
10: mov %r3, %r10
11: add %r3, -24
12: mov %r4, 0
13: call bpf_map_update_elem#2
14: mov %r0, 0
15: exit

; program gethostbyname_2 (kprobe, 56 instructions)
; const tid = bpf.tid();  (samples/gethostlatency.ts:35)
  0: call bpf_get_current_pid_tgid#14
  1: mov %r7, %r0
; const start = started.get(tid);  (samples/gethostlatency.ts:36)
  2: stxw [%r10-8], %r7
  3: lddw %r1, map_fd started
  5: mov %r2, %r10
  6: add %r2, -8
  7: call bpf_map_lookup_elem#1
  8: mov %r8, %r0
; if (start === undefined) return; // the call began before the tracer was attached  (samples/gethostlatency.ts:37)
  9: jne %r8, 0, +2
; started.delete(tid);  (samples/gethostlatency.ts:45)
 10: mov %r0, 0
 11: exit
; lookups.emit({  (samples/gethostlatency.ts:39)
 12: lddw %r1, map_fd lookups
 14: mov %r2, 160
 15: mov %r3, 0
 16: call bpf_ringbuf_reserve#131
 17: mov %r6, %r0
 18: jeq %r6, 0, +28
 19: stw [%r6+20], 0
; pid: bpf.pid(),  (samples/gethostlatency.ts:40)
 20: mov %r0, %r7
 21: rsh %r0, 32
 22: stxw [%r6], %r0
; comm: bpf.comm(),  (samples/gethostlatency.ts:41)
 23: mov %r1, %r6
 24: add %r1, 4
 25: mov %r2, 16
 26: call bpf_get_current_comm#16
; latencyUs: (bpf.ktimeGetNs() - start.ns) / 1000n,  (samples/gethostlatency.ts:42)
 27: call bpf_ktime_get_ns#5
 28: ldxdw %r1, [%r8]
 29: sub %r0, %r1
 30: div %r0, 1000
 31: stxdw [%r6+24], %r0
; host: bpf.probeReadUserStr(start.host, 128),  (samples/gethostlatency.ts:43)
 32: ldxdw %r3, [%r8+8]
 33: mov %r1, %r6
 34: add %r1, 32
 35: mov %r2, 128
 36: call bpf_probe_read_user_str#114
; lookups.emit({  (samples/gethostlatency.ts:39)
 37: mov %r1, %r6
 38: mov %r2, 0
 39: call bpf_ringbuf_submit#132
; started.delete(tid);  (samples/gethostlatency.ts:45)
 40: stxw [%r10-8], %r7
 41: lddw %r1, map_fd started
 43: mov %r2, %r10
 44: add %r2, -8
 45: call bpf_map_delete_elem#3
 46: ja -37
; lookups.emit({  (samples/gethostlatency.ts:39)
 47: stw [%r10-8], 0
 48: lddw %r1, map_fd lookups.lost
 50: mov %r2, %r10
 51: add %r2, -8
 52: call bpf_map_lookup_elem#1
 53: jeq %r0, 0, +4
 54: ldxdw %r1, [%r0]
 55: add %r1, 1
 56: stxdw [%r0], %r1
 57: ja -18
 58: mov %r0, 0
 59: exit

; program gethostbyname2 (kprobe, 15 instructions)
; uprobe("libc", "gethostbyname2", (ctx) => enter(ctx.arg0()));  (samples/gethostlatency.ts:53)
 0: ldxdw %r6, [%r1+112]
; started.set(bpf.tid(), { ns: bpf.ktimeGetNs(), host });  (samples/gethostlatency.ts:31)
 1: call bpf_get_current_pid_tgid#14
 2: stxw [%r10-8], %r0
 3: call bpf_ktime_get_ns#5
 4: stxdw [%r10-24], %r0
 5: stxdw [%r10-16], %r6
 6: lddw %r1, map_fd started
 8: mov %r2, %r10
 9: add %r2, -8
10: mov %r3, %r10
11: add %r3, -24
12: mov %r4, 0
13: call bpf_map_update_elem#2
14: mov %r0, 0
15: exit

; program gethostbyname2_2 (kprobe, 56 instructions)
; const tid = bpf.tid();  (samples/gethostlatency.ts:35)
  0: call bpf_get_current_pid_tgid#14
  1: mov %r7, %r0
; const start = started.get(tid);  (samples/gethostlatency.ts:36)
  2: stxw [%r10-8], %r7
  3: lddw %r1, map_fd started
  5: mov %r2, %r10
  6: add %r2, -8
  7: call bpf_map_lookup_elem#1
  8: mov %r8, %r0
; if (start === undefined) return; // the call began before the tracer was attached  (samples/gethostlatency.ts:37)
  9: jne %r8, 0, +2
; started.delete(tid);  (samples/gethostlatency.ts:45)
 10: mov %r0, 0
 11: exit
; lookups.emit({  (samples/gethostlatency.ts:39)
 12: lddw %r1, map_fd lookups
 14: mov %r2, 160
 15: mov %r3, 0
 16: call bpf_ringbuf_reserve#131
 17: mov %r6, %r0
 18: jeq %r6, 0, +28
 19: stw [%r6+20], 0
; pid: bpf.pid(),  (samples/gethostlatency.ts:40)
 20: mov %r0, %r7
 21: rsh %r0, 32
 22: stxw [%r6], %r0
; comm: bpf.comm(),  (samples/gethostlatency.ts:41)
 23: mov %r1, %r6
 24: add %r1, 4
 25: mov %r2, 16
 26: call bpf_get_current_comm#16
; latencyUs: (bpf.ktimeGetNs() - start.ns) / 1000n,  (samples/gethostlatency.ts:42)
 27: call bpf_ktime_get_ns#5
 28: ldxdw %r1, [%r8]
 29: sub %r0, %r1
 30: div %r0, 1000
 31: stxdw [%r6+24], %r0
; host: bpf.probeReadUserStr(start.host, 128),  (samples/gethostlatency.ts:43)
 32: ldxdw %r3, [%r8+8]
 33: mov %r1, %r6
 34: add %r1, 32
 35: mov %r2, 128
 36: call bpf_probe_read_user_str#114
; lookups.emit({  (samples/gethostlatency.ts:39)
 37: mov %r1, %r6
 38: mov %r2, 0
 39: call bpf_ringbuf_submit#132
; started.delete(tid);  (samples/gethostlatency.ts:45)
 40: stxw [%r10-8], %r7
 41: lddw %r1, map_fd started
 43: mov %r2, %r10
 44: add %r2, -8
 45: call bpf_map_delete_elem#3
 46: ja -37
; lookups.emit({  (samples/gethostlatency.ts:39)
 47: stw [%r10-8], 0
 48: lddw %r1, map_fd lookups.lost
 50: mov %r2, %r10
 51: add %r2, -8
 52: call bpf_map_lookup_elem#1
 53: jeq %r0, 0, +4
 54: ldxdw %r1, [%r0]
 55: add %r1, 1
 56: stxdw [%r0], %r1
 57: ja -18
 58: mov %r0, 0
 59: exit
