// A verifier refusal costs two verifier runs, not one per size of a growing log: a large program's refusal took
// minutes when each run (seconds with a log) was repeated for 64 KiB, 256 KiB, 1, 4 and 16 MiB. Since Linux 6.4
// a log that does not fit keeps its tail, and ENOSPC replaces the refusal's errno: the message still names the
// failing instruction, its TypeScript line and the first run's errno.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { Exit, Ldx, Mov, R0, R1, resolve, withMeta } from "../../core/asm/index.ts";
import type { ProgramSpec } from "../../core/object/spec.ts";
import { Program } from "../../runtime/kernel/programs.ts";
import { VerifierError } from "../../runtime/kernel/verifier.ts";
import { ERRNO } from "../../runtime/kernel/sys.ts";
import { FakeBpfSys } from "../support/fake-bpf.ts";

const span = { file: "t.ts", line: 4, column: 2 };
const prog: ProgramSpec = {
  name: "p", type: "socket_filter", attach: { kind: "none" }, license: "GPL",
  instructions: resolve([Mov.imm(R1, 0), withMeta(Ldx.dw(R0, R1, 0), { span, source: "x.y" }), Exit()]),
};
// A log of 20 MiB: a long walk, then the failing instruction and the error at its end.
const walk = "0: (b7) r1 = 0\n".repeat(20 * 1024 * 1024 / 15);
const tail = "0: (b7) r1 = 0\n1: (79) r0 = *(u64 *)(r1 +0)\nR1 invalid mem access 'scalar'\nprocessed 2 insns\n";

function refusal(sys: FakeBpfSys): VerifierError {
  try {
    Program.load(sys, prog, { mapFd: () => undefined });
  } catch (e) {
    assert.ok(e instanceof VerifierError, String(e));
    return e;
  }
  return assert.unreachable("the load was refused") as never;
}

test("a log larger than the buffer (6.4+, rotating): two runs, the tail explains, the first run's errno", () => {
  const sys = new FakeBpfSys();
  sys.loadBehaviour = { errno: "EACCES", log: walk + tail, needsLogSize: walk.length + tail.length + 1, rotates: true };
  const e = refusal(sys);
  assert.equal(sys.loadAttempts.map((a) => a.logLevel), [0, 1]);
  assert.is(e.insn, 1);
  assert.equal(e.span, span);
  assert.match(e.explanation, /plain number is dereferenced/);
  assert.is(e.errno, ERRNO.EACCES);
  assert.match(e.tail, "R1 invalid mem access 'scalar'");
});

test("a log that fits: two runs, whatever its size", () => {
  const sys = new FakeBpfSys();
  sys.loadBehaviour = { errno: "EACCES", log: tail, needsLogSize: 1 << 20 };
  const e = refusal(sys);
  assert.equal(sys.loadAttempts.map((a) => a.logLevel), [0, 1]);
  assert.is(e.insn, 1);
  assert.is(e.errno, ERRNO.EACCES);
});

test.run();
