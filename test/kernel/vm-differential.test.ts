// The VM against the kernel (root): generated programs run in the VM, the reference interpreter and the kernel
// (BPF_PROG_TEST_RUN), every register compared; the structural cases the verifier refuses are refused by both,
// the kernel in the words the VM quotes. A fixed seed; `npm run fuzz -- vm --count N --seed S` runs more.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { kernelTest } from "../support/kernel.ts";
import { runVmFuzz } from "../fuzz/vm-run.ts";

kernelTest(test, "600 programs: VM = reference = kernel on every register; 60 structural cases refused by VM and kernel alike", async (sys) => {
  const s = await runVmFuzz({ count: 600, seed: 0x6b65, sys, structuralEvery: 10 });
  assert.equal(s.failures.map((f) => `#${f.n}: ${f.what}\n${f.program}`), []);
  assert.is(s.structural, 60);
  for (const [kind, t] of Object.entries(s.refusals)) {
    assert.is(t.vm, t.total, `${kind}: VM refused ${t.vm} of ${t.total}`);
    assert.is(t.kernel, t.total, `${kind}: kernel refused ${t.kernel} of ${t.total}`);
  }
  // every other program avoids the immediates the verifier refuses, so most take part in the three-way comparison
  assert.ok(s.compared.kernel >= 250, `only ${s.compared.kernel} programs compared with the kernel: ${JSON.stringify(s.kernelRefused)}`);
  assert.is(s.compared.reference, 540);
});

test.run();
