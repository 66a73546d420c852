// A bpf.loop() callback whose call the passes folded away leaves the program with it (the verifier refuses
// unreachable code: "unreachable insn"); callbacks still called stay.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { compile } from "../../compiler/index.ts";

const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "loops", "under-limits.ts");

test("a callback whose call was folded away is not emitted; a called one is", () => {
  const r = compile(FIXTURE, { arch: "x86_64" });
  assert.equal(r.diagnostics.map((d) => d.message), []);
  const folded = r.spec!.programs.find((p) => p.name === "sched_switch")!;
  // mov r0, 0; exit: nothing after the entry's exit.
  assert.equal(folded.instructions.length, 2);
  assert.equal(folded.instructions.filter((i) => i.op === 0x95).length, 1);
  const called = r.spec!.programs.find((p) => p.name === "sched_process_exit")!;
  // Both callbacks stay: two function addresses (lddw with BPF_PSEUDO_FUNC) passed to bpf_loop.
  assert.equal(called.instructions.filter((i) => i.op === 0x18 && i.src === 4).length, 2);
});

test.run();
