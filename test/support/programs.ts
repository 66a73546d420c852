// Small hand-assembled programs for kernel tests: a counter that adds 1 to element 0 of an array map, and the
// map spec that goes with it.

import { Add, Atomic, Call, Exit, Ja, JEq, JNe, LdImm64, LdMapFd, Mov, R0, R1, R2, R10, Rsh, St, Stx, label, resolve, type Instruction } from "../../core/asm/index.ts";
import { u32, u64 } from "../../core/object/layout.ts";
import type { MapSpec } from "../../core/object/spec.ts";

export const counterMap = (name = "counts"): MapSpec => ({ name, type: "array", keySize: 4, valueSize: 8, maxEntries: 1, key: u32, value: u64 });

/** counts[0] += 1 (atomically); returns `ret`. */
export function counterProgram(map = "counts", ret = 0): Instruction[] {
  return resolve([
    St.w(R10, -4, 0),
    LdMapFd(R1, map),
    Mov.reg(R2, R10),
    Add.imm(R2, -4),
    Call.helper(1),
    JEq.imm(R0, 0, "out"),
    Mov.imm(R1, 1),
    Atomic.dw.add(R0, 0, R1),
    label("out"),
    Mov.imm(R0, ret),
    Exit(),
  ]);
}

/**
 * Emits one record of `size` bytes into ring buffer `map` per invocation: the first u64 is a sequence number
 * taken from element 0 of `seq` (an array map), the rest is filled with that number's low byte. When the ring is
 * full, counts the drop in element 0 of `drops`. Returns 0.
 */
export function ringbufProducer(map = "events", size = 64, { seq = "seq", drops = "drops", perf = false, tgid = 0 } = {}): Instruction[] {
  // With a tgid, only that process's events count: tests stay exact while other processes run.
  const only = tgid ? [Mov.reg(9, R1), Call.helper(14), Rsh.imm(R0, 32), JNe.imm(R0, tgid, "out"), Mov.reg(R1, 9)] : [];
  const lookup = (name: string, into: number) => [
    St.w(R10, -4, 0), LdMapFd(R1, name), Mov.reg(R2, R10), Add.imm(R2, -4), Call.helper(1), JEq.imm(R0, 0, "out"), Mov.reg(into, R0),
  ];
  // r7 = &seq[0]; r8 = fetch_add(*r7, 1)
  const fill = (base: number) => {
    const out = [Stx.dw(base, 0, 8)];
    for (let off = 8; off + 8 <= size; off += 8) out.push(Stx.dw(base, off, 8));
    return out;
  };
  if (perf) {
    // bpf_perf_event_output(ctx, map, BPF_F_CURRENT_CPU, data on stack, size): data at r10-8-size
    return resolve([
      ...only,
      Mov.reg(9, R1),
      ...lookup(seq, 7),
      Mov.imm(8, 1), Atomic.dw.fetchAdd(7, 0, 8),
      ...fill(R10).map((ins) => ({ ...ins, off: ins.off - 8 - size })),
      Mov.reg(R1, 9), LdMapFd(R2, map), LdImm64(3, 0xffffffffn), Mov.reg(4, R10), Add.imm(4, -8 - size), Mov.imm(5, size),
      Call.helper(25),
      JEq.imm(R0, 0, "out"),
      ...lookup(drops, 6),
      Mov.imm(R1, 1), Atomic.dw.add(6, 0, R1),
      label("out"), Mov.imm(R0, 0), Exit(),
    ]);
  }
  return resolve([
    ...only,
    ...lookup(seq, 7),
    Mov.imm(8, 1), Atomic.dw.fetchAdd(7, 0, 8),
    LdMapFd(R1, map), Mov.imm(R2, size), Mov.imm(3, 0), Call.helper(131),
    JEq.imm(R0, 0, "drop"),
    ...fill(R0),
    Mov.reg(R1, R0), Mov.imm(R2, 0), Call.helper(132),
    Ja("out"),
    label("drop"),
    ...lookup(drops, 6),
    Mov.imm(R1, 1), Atomic.dw.add(6, 0, R1),
    label("out"), Mov.imm(R0, 0), Exit(),
  ]);
}
