; program app_request (kprobe, 64 instructions)
  0: mov %r9, %r1
; args.set(ctx.argCount(), ctx.arg(1));  (test/golden/programs/usdt-args.ts:8)
  1: mov %r1, %r9
  2: call bpf_get_attach_cookie#174
  3: stxw [%r10-8], %r0
  4: mov %r2, %r10
  5: add %r2, -8
  6: lddw %r1, map_fd .usdt_specs
  8: call bpf_map_lookup_elem#1
  9: mov %r1, 0
 10: jeq %r0, 0, +1
 11: ldxw %r1, [%r0+192]
 12: stxw [%r10-8], %r1
 13: mov %r1, %r9
 14: call bpf_get_attach_cookie#174
 15: stxw [%r10-24], %r0
 16: mov %r2, %r10
 17: add %r2, -24
 18: lddw %r1, map_fd .usdt_specs
 20: call bpf_map_lookup_elem#1
 21: mov %r8, %r0
 22: mov %r3, 0
 23: jeq %r8, 0, +2
 24: ldxw %r0, [%r8+192]
 25: jgt %r0, 1, +11
 26: stxdw [%r10-16], %r3
 27: lddw %r1, map_fd args
 29: mov %r2, %r10
 30: add %r2, -8
 31: mov %r3, %r10
 32: add %r3, -16
 33: mov %r4, 0
 34: call bpf_map_update_elem#2
 35: mov %r0, 0
 36: exit
 37: ldxw %r7, [%r8+24]
 38: ldxdw %r0, [%r8+16]
 39: stxdw [%r10-32], %r0
 40: ldxdw %r3, [%r10-32]
 41: jne %r7, 0, +6
 42: ldxb %r0, [%r8+31]
 43: ldxb %r1, [%r8+30]
 44: lsh %r3, %r0
 45: jeq %r1, 0, +19
 46: arsh %r3, %r0
 47: ja -22
 48: mov %r6, %r10
 49: add %r6, -16
 50: ldxh %r0, [%r8+28]
 51: mov %r3, %r9
 52: add %r3, %r0
 53: mov %r1, %r6
 54: mov %r2, 8
 55: call bpf_probe_read_kernel#113
 56: ldxdw %r3, [%r10-16]
 57: jeq %r7, 1, -16
 58: ldxdw %r0, [%r10-32]
 59: add %r3, %r0
 60: mov %r1, %r6
 61: mov %r2, 8
 62: call bpf_probe_read_user#112
 63: ldxdw %r3, [%r10-16]
 64: ja -23
 65: rsh %r3, %r0
 66: ja -41
