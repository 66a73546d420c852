// The VM runs tpBtf handlers as the kernel does: a pointer argument, which lowering copies out of the context with
// bpf_probe_read_kernel (the verifier refuses arithmetic on the trusted pointer a context load gives), reads the
// same 8 bytes of the context as an integer argument's plain load. Needs the kernel's BTF (the arguments' types).

import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { BpfFunc } from "../../core/asm/helpers.ts";
import { simulate } from "../../testing.ts";
import { OP_CALL } from "../../core/asm/opcodes.ts";
import { lacksVmlinuxBtf } from "../support/skip.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

test("tp_btf: pointer arguments in arithmetic and bit operations, an integer argument, in the VM", async () => {
  if (lacksVmlinuxBtf()) return;
  const sim = await simulate<typeof import("../fixtures/vm/tpbtf-args.ts")>(join(root, "test", "fixtures", "vm", "tpbtf-args.ts"), { cpus: 1 });
  const program = sim.spec.programs[0]!;
  // Two pointer arguments read through the helper; prev_state (unsigned int) loaded from the context.
  const reads = program.instructions.filter((i) => i.op === OP_CALL && i.src === 0 && i.imm === BpfFunc.ProbeReadKernel);
  assert.is(reads.length, 2);
  const prev = 0xffff888800001a40n;
  const next = 0xffff888800003c80n;
  sim.fire("tp_btf:sched_switch", { args: [0n, prev, next, 1n] });
  assert.is(sim.maps.out.get(0), (prev ^ next) >> 4n);
  assert.is(sim.maps.out.get(1), prev & 0xfffn);
  assert.is(sim.maps.out.get(2), next - prev);
  assert.is(sim.maps.out.get(3), 2n);
  assert.is(sim.maps.out.get(4), 2n);
});

test.run();
