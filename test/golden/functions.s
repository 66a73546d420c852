; program vfs_read (kprobe, 18 instructions)
; kprobe("vfs_read", (_file, _buf, count) => {  (test/golden/programs/functions.ts:19)
 0: ldxdw %r6, [%r1+96]
; return clamp(bytes / KIB, CAP);  (test/golden/programs/functions.ts:16)
 1: div %r6, 1024
; if (v > hi) return hi;  (test/golden/programs/functions.ts:11)
 2: jle %r6, 1048576, +13
 3: mov %r6, 1048576
; kib.add(kibOf(count));  (test/golden/programs/functions.ts:20)
 4: stw [%r10-8], 0
 5: lddw %r1, map_fd kib
 7: mov %r2, %r10
 8: add %r2, -8
 9: call bpf_map_lookup_elem#1
10: jeq %r0, 0, +6
11: ldxdw %r1, [%r0]
12: add %r1, %r6
13: stxdw [%r0], %r1
14: mov %r0, 0
15: exit
; return v;  (test/golden/programs/functions.ts:12)
16: ja -13
; kib.add(kibOf(count));  (test/golden/programs/functions.ts:20)
17: mov %r0, 0
18: exit
