; program getaddrinfo (kprobe, 24 instructions)
; uprobe("libc", "getaddrinfo", (ctx) => enter(ctx.arg0()));  (samples/gethostlatency.ts:40)
 0: ldxdw %r6, [%r1+112]
; started.set(bpf.tid(), { ns: bpf.ktimeGetNs(), host: bpf.probeReadUserStr(host, 128) });  (samples/gethostlatency.ts:28)
 1: call bpf_get_current_pid_tgid#14
 2: stxw [%r10-8], %r0
 3: call bpf_ktime_get_ns#5
 4: stxdw [%r10-144], %r0
 5: mov %r1, %r10
 6: add %r1, -136
 7: mov %r2, 128
 8: mov %r3, 0
 9: call bpf_probe_read_kernel#113
10: mov %r1, %r10
11: add %r1, -136
12: mov %r2, 128
13: mov %r3, %r6
14: call bpf_probe_read_user_str#114
15: lddw %r1, map_fd started
17: mov %r2, %r10
18: add %r2, -8
19: mov %r3, %r10
20: add %r3, -144
21: mov %r4, 0
22: call bpf_map_update_elem#2
23: mov %r0, 0
24: exit

; program getaddrinfo_2 (kprobe, 83 instructions)
; const tid = bpf.tid();  (samples/gethostlatency.ts:32)
  0: call bpf_get_current_pid_tgid#14
  1: mov %r7, %r0
; const start = started.get(tid);  (samples/gethostlatency.ts:33)
  2: stxw [%r10-8], %r7
  3: lddw %r1, map_fd started
  5: mov %r2, %r10
  6: add %r2, -8
  7: call bpf_map_lookup_elem#1
  8: mov %r8, %r0
; if (start === undefined) return; // the call began before the tracer was attached  (samples/gethostlatency.ts:34)
  9: jne %r8, 0, +2
; started.delete(tid);  (samples/gethostlatency.ts:36)
 10: mov %r0, 0
 11: exit
; lookups.emit({ pid: bpf.pid(), comm: bpf.comm(), latencyUs: (bpf.ktimeGetNs() - start.ns) / 1000n, host: start.host });  (samples/gethostlatency.ts:35)
 12: lddw %r1, map_fd lookups
 14: mov %r2, 160
 15: mov %r3, 0
 16: call bpf_ringbuf_reserve#131
 17: mov %r6, %r0
 18: jeq %r6, 0, +55
 19: stw [%r6+20], 0
 20: mov %r0, %r7
 21: rsh %r0, 32
 22: stxw [%r6], %r0
 23: mov %r1, %r6
 24: add %r1, 4
 25: mov %r2, 16
 26: call bpf_get_current_comm#16
 27: call bpf_ktime_get_ns#5
 28: ldxdw %r1, [%r8]
 29: sub %r0, %r1
 30: div %r0, 1000
 31: stxdw [%r6+24], %r0
 32: ldxdw %r0, [%r8+8]
 33: stxdw [%r6+32], %r0
 34: ldxdw %r0, [%r8+16]
 35: stxdw [%r6+40], %r0
 36: ldxdw %r0, [%r8+24]
 37: stxdw [%r6+48], %r0
 38: ldxdw %r0, [%r8+32]
 39: stxdw [%r6+56], %r0
 40: ldxdw %r0, [%r8+40]
 41: stxdw [%r6+64], %r0
 42: ldxdw %r0, [%r8+48]
 43: stxdw [%r6+72], %r0
 44: ldxdw %r0, [%r8+56]
 45: stxdw [%r6+80], %r0
 46: ldxdw %r0, [%r8+64]
 47: stxdw [%r6+88], %r0
 48: ldxdw %r0, [%r8+72]
 49: stxdw [%r6+96], %r0
 50: ldxdw %r0, [%r8+80]
 51: stxdw [%r6+104], %r0
 52: ldxdw %r0, [%r8+88]
 53: stxdw [%r6+112], %r0
 54: ldxdw %r0, [%r8+96]
 55: stxdw [%r6+120], %r0
 56: ldxdw %r0, [%r8+104]
 57: stxdw [%r6+128], %r0
 58: ldxdw %r0, [%r8+112]
 59: stxdw [%r6+136], %r0
 60: ldxdw %r0, [%r8+120]
 61: stxdw [%r6+144], %r0
 62: ldxdw %r0, [%r8+128]
 63: stxdw [%r6+152], %r0
 64: mov %r1, %r6
 65: mov %r2, 0
 66: call bpf_ringbuf_submit#132
; started.delete(tid);  (samples/gethostlatency.ts:36)
 67: stxw [%r10-8], %r7
 68: lddw %r1, map_fd started
 70: mov %r2, %r10
 71: add %r2, -8
 72: call bpf_map_delete_elem#3
 73: ja -64
; lookups.emit({ pid: bpf.pid(), comm: bpf.comm(), latencyUs: (bpf.ktimeGetNs() - start.ns) / 1000n, host: start.host });  (samples/gethostlatency.ts:35)
 74: stw [%r10-8], 0
 75: lddw %r1, map_fd lookups.lost
 77: mov %r2, %r10
 78: add %r2, -8
 79: call bpf_map_lookup_elem#1
 80: jeq %r0, 0, +4
 81: ldxdw %r1, [%r0]
 82: add %r1, 1
 83: stxdw [%r0], %r1
 84: ja -18
 85: mov %r0, 0
 86: exit

; program gethostbyname (kprobe, 24 instructions)
; uprobe("libc", "gethostbyname", (ctx) => enter(ctx.arg0()));  (samples/gethostlatency.ts:42)
 0: ldxdw %r6, [%r1+112]
; started.set(bpf.tid(), { ns: bpf.ktimeGetNs(), host: bpf.probeReadUserStr(host, 128) });  (samples/gethostlatency.ts:28)
 1: call bpf_get_current_pid_tgid#14
 2: stxw [%r10-8], %r0
 3: call bpf_ktime_get_ns#5
 4: stxdw [%r10-144], %r0
 5: mov %r1, %r10
 6: add %r1, -136
 7: mov %r2, 128
 8: mov %r3, 0
 9: call bpf_probe_read_kernel#113
10: mov %r1, %r10
11: add %r1, -136
12: mov %r2, 128
13: mov %r3, %r6
14: call bpf_probe_read_user_str#114
15: lddw %r1, map_fd started
17: mov %r2, %r10
18: add %r2, -8
19: mov %r3, %r10
20: add %r3, -144
21: mov %r4, 0
22: call bpf_map_update_elem#2
23: mov %r0, 0
24: exit

; program gethostbyname_2 (kprobe, 83 instructions)
; const tid = bpf.tid();  (samples/gethostlatency.ts:32)
  0: call bpf_get_current_pid_tgid#14
  1: mov %r7, %r0
; const start = started.get(tid);  (samples/gethostlatency.ts:33)
  2: stxw [%r10-8], %r7
  3: lddw %r1, map_fd started
  5: mov %r2, %r10
  6: add %r2, -8
  7: call bpf_map_lookup_elem#1
  8: mov %r8, %r0
; if (start === undefined) return; // the call began before the tracer was attached  (samples/gethostlatency.ts:34)
  9: jne %r8, 0, +2
; started.delete(tid);  (samples/gethostlatency.ts:36)
 10: mov %r0, 0
 11: exit
; lookups.emit({ pid: bpf.pid(), comm: bpf.comm(), latencyUs: (bpf.ktimeGetNs() - start.ns) / 1000n, host: start.host });  (samples/gethostlatency.ts:35)
 12: lddw %r1, map_fd lookups
 14: mov %r2, 160
 15: mov %r3, 0
 16: call bpf_ringbuf_reserve#131
 17: mov %r6, %r0
 18: jeq %r6, 0, +55
 19: stw [%r6+20], 0
 20: mov %r0, %r7
 21: rsh %r0, 32
 22: stxw [%r6], %r0
 23: mov %r1, %r6
 24: add %r1, 4
 25: mov %r2, 16
 26: call bpf_get_current_comm#16
 27: call bpf_ktime_get_ns#5
 28: ldxdw %r1, [%r8]
 29: sub %r0, %r1
 30: div %r0, 1000
 31: stxdw [%r6+24], %r0
 32: ldxdw %r0, [%r8+8]
 33: stxdw [%r6+32], %r0
 34: ldxdw %r0, [%r8+16]
 35: stxdw [%r6+40], %r0
 36: ldxdw %r0, [%r8+24]
 37: stxdw [%r6+48], %r0
 38: ldxdw %r0, [%r8+32]
 39: stxdw [%r6+56], %r0
 40: ldxdw %r0, [%r8+40]
 41: stxdw [%r6+64], %r0
 42: ldxdw %r0, [%r8+48]
 43: stxdw [%r6+72], %r0
 44: ldxdw %r0, [%r8+56]
 45: stxdw [%r6+80], %r0
 46: ldxdw %r0, [%r8+64]
 47: stxdw [%r6+88], %r0
 48: ldxdw %r0, [%r8+72]
 49: stxdw [%r6+96], %r0
 50: ldxdw %r0, [%r8+80]
 51: stxdw [%r6+104], %r0
 52: ldxdw %r0, [%r8+88]
 53: stxdw [%r6+112], %r0
 54: ldxdw %r0, [%r8+96]
 55: stxdw [%r6+120], %r0
 56: ldxdw %r0, [%r8+104]
 57: stxdw [%r6+128], %r0
 58: ldxdw %r0, [%r8+112]
 59: stxdw [%r6+136], %r0
 60: ldxdw %r0, [%r8+120]
 61: stxdw [%r6+144], %r0
 62: ldxdw %r0, [%r8+128]
 63: stxdw [%r6+152], %r0
 64: mov %r1, %r6
 65: mov %r2, 0
 66: call bpf_ringbuf_submit#132
; started.delete(tid);  (samples/gethostlatency.ts:36)
 67: stxw [%r10-8], %r7
 68: lddw %r1, map_fd started
 70: mov %r2, %r10
 71: add %r2, -8
 72: call bpf_map_delete_elem#3
 73: ja -64
; lookups.emit({ pid: bpf.pid(), comm: bpf.comm(), latencyUs: (bpf.ktimeGetNs() - start.ns) / 1000n, host: start.host });  (samples/gethostlatency.ts:35)
 74: stw [%r10-8], 0
 75: lddw %r1, map_fd lookups.lost
 77: mov %r2, %r10
 78: add %r2, -8
 79: call bpf_map_lookup_elem#1
 80: jeq %r0, 0, +4
 81: ldxdw %r1, [%r0]
 82: add %r1, 1
 83: stxdw [%r0], %r1
 84: ja -18
 85: mov %r0, 0
 86: exit

; program gethostbyname2 (kprobe, 24 instructions)
; uprobe("libc", "gethostbyname2", (ctx) => enter(ctx.arg0()));  (samples/gethostlatency.ts:44)
 0: ldxdw %r6, [%r1+112]
; started.set(bpf.tid(), { ns: bpf.ktimeGetNs(), host: bpf.probeReadUserStr(host, 128) });  (samples/gethostlatency.ts:28)
 1: call bpf_get_current_pid_tgid#14
 2: stxw [%r10-8], %r0
 3: call bpf_ktime_get_ns#5
 4: stxdw [%r10-144], %r0
 5: mov %r1, %r10
 6: add %r1, -136
 7: mov %r2, 128
 8: mov %r3, 0
 9: call bpf_probe_read_kernel#113
10: mov %r1, %r10
11: add %r1, -136
12: mov %r2, 128
13: mov %r3, %r6
14: call bpf_probe_read_user_str#114
15: lddw %r1, map_fd started
17: mov %r2, %r10
18: add %r2, -8
19: mov %r3, %r10
20: add %r3, -144
21: mov %r4, 0
22: call bpf_map_update_elem#2
23: mov %r0, 0
24: exit

; program gethostbyname2_2 (kprobe, 83 instructions)
; const tid = bpf.tid();  (samples/gethostlatency.ts:32)
  0: call bpf_get_current_pid_tgid#14
  1: mov %r7, %r0
; const start = started.get(tid);  (samples/gethostlatency.ts:33)
  2: stxw [%r10-8], %r7
  3: lddw %r1, map_fd started
  5: mov %r2, %r10
  6: add %r2, -8
  7: call bpf_map_lookup_elem#1
  8: mov %r8, %r0
; if (start === undefined) return; // the call began before the tracer was attached  (samples/gethostlatency.ts:34)
  9: jne %r8, 0, +2
; started.delete(tid);  (samples/gethostlatency.ts:36)
 10: mov %r0, 0
 11: exit
; lookups.emit({ pid: bpf.pid(), comm: bpf.comm(), latencyUs: (bpf.ktimeGetNs() - start.ns) / 1000n, host: start.host });  (samples/gethostlatency.ts:35)
 12: lddw %r1, map_fd lookups
 14: mov %r2, 160
 15: mov %r3, 0
 16: call bpf_ringbuf_reserve#131
 17: mov %r6, %r0
 18: jeq %r6, 0, +55
 19: stw [%r6+20], 0
 20: mov %r0, %r7
 21: rsh %r0, 32
 22: stxw [%r6], %r0
 23: mov %r1, %r6
 24: add %r1, 4
 25: mov %r2, 16
 26: call bpf_get_current_comm#16
 27: call bpf_ktime_get_ns#5
 28: ldxdw %r1, [%r8]
 29: sub %r0, %r1
 30: div %r0, 1000
 31: stxdw [%r6+24], %r0
 32: ldxdw %r0, [%r8+8]
 33: stxdw [%r6+32], %r0
 34: ldxdw %r0, [%r8+16]
 35: stxdw [%r6+40], %r0
 36: ldxdw %r0, [%r8+24]
 37: stxdw [%r6+48], %r0
 38: ldxdw %r0, [%r8+32]
 39: stxdw [%r6+56], %r0
 40: ldxdw %r0, [%r8+40]
 41: stxdw [%r6+64], %r0
 42: ldxdw %r0, [%r8+48]
 43: stxdw [%r6+72], %r0
 44: ldxdw %r0, [%r8+56]
 45: stxdw [%r6+80], %r0
 46: ldxdw %r0, [%r8+64]
 47: stxdw [%r6+88], %r0
 48: ldxdw %r0, [%r8+72]
 49: stxdw [%r6+96], %r0
 50: ldxdw %r0, [%r8+80]
 51: stxdw [%r6+104], %r0
 52: ldxdw %r0, [%r8+88]
 53: stxdw [%r6+112], %r0
 54: ldxdw %r0, [%r8+96]
 55: stxdw [%r6+120], %r0
 56: ldxdw %r0, [%r8+104]
 57: stxdw [%r6+128], %r0
 58: ldxdw %r0, [%r8+112]
 59: stxdw [%r6+136], %r0
 60: ldxdw %r0, [%r8+120]
 61: stxdw [%r6+144], %r0
 62: ldxdw %r0, [%r8+128]
 63: stxdw [%r6+152], %r0
 64: mov %r1, %r6
 65: mov %r2, 0
 66: call bpf_ringbuf_submit#132
; started.delete(tid);  (samples/gethostlatency.ts:36)
 67: stxw [%r10-8], %r7
 68: lddw %r1, map_fd started
 70: mov %r2, %r10
 71: add %r2, -8
 72: call bpf_map_delete_elem#3
 73: ja -64
; lookups.emit({ pid: bpf.pid(), comm: bpf.comm(), latencyUs: (bpf.ktimeGetNs() - start.ns) / 1000n, host: start.host });  (samples/gethostlatency.ts:35)
 74: stw [%r10-8], 0
 75: lddw %r1, map_fd lookups.lost
 77: mov %r2, %r10
 78: add %r2, -8
 79: call bpf_map_lookup_elem#1
 80: jeq %r0, 0, +4
 81: ldxdw %r1, [%r0]
 82: add %r1, 1
 83: stxdw [%r0], %r1
 84: ja -18
 85: mov %r0, 0
 86: exit
