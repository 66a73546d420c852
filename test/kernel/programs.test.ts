// Real-kernel program tests (root): loading, verifier errors mapped to source, program info, test runs.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { Add, Call, Exit, LdFunc, Ldx, LdMapFd, Mov, R0, R1, R2, R10, St, label, resolve, withMeta } from "../../core/asm/index.ts";
import type { ProgramSpec } from "../../core/object/spec.ts";
import { BpfMap } from "../../runtime/kernel/maps.ts";
import { Program } from "../../runtime/kernel/programs.ts";
import { VerifierError } from "../../runtime/kernel/verifier.ts";
import { kernelTest } from "../support/kernel.ts";
import { counterMap, counterProgram } from "../support/programs.ts";

kernelTest(test, "a program loads, reports its info, and test-runs with the map it updates", (sys) => {
  using counts = BpfMap.create<number, bigint>(sys, counterMap());
  const spec: ProgramSpec = { name: "count_run", type: "socket_filter", attach: { kind: "none" }, instructions: counterProgram("counts", 7), license: "GPL" };
  using p = Program.load(sys, spec, { mapFd: (n) => (n === "counts" ? counts.fd : undefined) });
  const info = p.info();
  assert.is(info.name, "count_run");
  assert.is(info.tag.length, 16);
  assert.ok(info.xlatedLength >= 8 * 10, `xlated ${info.xlatedLength}`);
  assert.ok(info.jitedLength > 0);
  const r = p.testRun({ data: new Uint8Array(64), repeat: 5 });
  assert.is(r.retval, 7);
  assert.is(counts.get(0), 5n);
});

kernelTest(test, "a missing null check becomes a VerifierError at the TypeScript line, in plain words", (sys) => {
  using m = BpfMap.create(sys, { name: "h", type: "hash", keySize: 4, valueSize: 8, maxEntries: 8 });
  const span = { file: "tool.ts", line: 12, column: 3 };
  const insns = resolve([
    St.w(R10, -4, 0), LdMapFd(R1, "h"), Mov.reg(R2, R10), Add.imm(R2, -4), Call.helper(1),
    withMeta(Ldx.dw(R0, R0, 0), { span, source: "  return counts.get(0)!;" }),
    Exit(),
  ]);
  const spec: ProgramSpec = { name: "no_null_check", type: "socket_filter", attach: { kind: "none" }, instructions: insns, license: "GPL" };
  let err: unknown;
  try {
    Program.load(sys, spec, { mapFd: () => m.fd });
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof VerifierError, String(err));
  const v = err as VerifierError;
  assert.is(v.insn, 5);
  assert.equal(v.span, span);
  assert.is(v.sourceLine, "  return counts.get(0)!;");
  assert.match(v.explanation, /without checking it for null/);
  assert.match(v.log, /invalid mem access 'map_value_or_null'/);
  assert.match(v.tail, /map_value_or_null/);
  assert.match(v.describe(), /^tool\.ts:12:3: the kernel verifier rejected program no_null_check at instruction 5/);
  assert.match(v.describe(), /hint: check the result/);
  // The command line reports it as a diagnostic of the line, with the verifier's code.
  assert.match(v.report(), /^tool\.ts:12:3 - error TSB3001: the kernel verifier rejected program no_null_check at instruction 5/);
  // The program carried spans, so it was loaded with BTF line info: the kernel's own log names the TS line.
  assert.match(v.log, /; return counts\.get\(0\)!; @ tool\.ts:12/);
});

kernelTest(test, "programs with spans and subprograms (local calls, callbacks) load with func_info and line_info", (sys) => {
  const at = (line: number, source: string) => ({ span: { file: "sub.ts", line, column: 1 }, source });
  const insns = resolve([
    withMeta(Mov.imm(R1, 4), at(1, "const n = 4;")),
    withMeta(Call.local("double"), at(2, "return double(n) + loop();")),
    withMeta(Mov.reg(6, R0), at(2, "return double(n) + loop();")),
    withMeta(Mov.imm(R1, 3), at(3, "bpf.loop(3, cb)")),
    withMeta(LdFunc(R2, "cb"), at(3, "bpf.loop(3, cb)")),
    Mov.imm(3, 0), Mov.imm(4, 0), Call.helper(181),
    withMeta(Add.reg(R0, 6), at(4, "return ...")),
    Exit(),
    label("double"),
    withMeta(Mov.reg(R0, R1), at(10, "function double(x) { return x * 2; }")),
    Add.reg(R0, R1),
    Exit(),
    label("cb"),
    withMeta(Mov.imm(R0, 0), at(20, "function cb(i) { return 0; }")),
    Exit(),
  ]);
  const spec: ProgramSpec = { name: "with_subs", type: "socket_filter", attach: { kind: "none" }, instructions: insns, license: "GPL" };
  using p = Program.load(sys, spec, { mapFd: () => undefined });
  // double(4) = 8, plus bpf_loop's count of 3 iterations
  assert.is(p.testRun({ data: new Uint8Array(64) }).retval, 11);
});

kernelTest(test, "an unknown map name is an error before anything reaches the kernel", (sys) => {
  const spec: ProgramSpec = { name: "nomap", type: "socket_filter", attach: { kind: "none" }, instructions: counterProgram("missing"), license: "GPL" };
  assert.throws(() => Program.load(sys, spec, { mapFd: () => undefined }), /uses map missing, which is not in the collection/);
});

kernelTest(test, "a GPL-only helper in a non-GPL program is explained", (sys) => {
  // bpf_probe_read_kernel (113) is GPL-only.
  const insns = resolve([Mov.reg(R1, R10), Add.imm(R1, -8), Mov.imm(R2, 8), Mov.imm(3, 0), Call.helper(113), Mov.imm(R0, 0), Exit()]);
  const spec: ProgramSpec = { name: "not_gpl", type: "kprobe", attach: { kind: "none" }, instructions: insns, license: "MIT" };
  assert.throws(() => Program.load(sys, spec, { mapFd: () => undefined }), (e: unknown) => e instanceof VerifierError && /GPL-only helper/.test(e.explanation));
});

kernelTest(test, "test runs of program types the kernel cannot test-run are explained", (sys) => {
  const spec: ProgramSpec = { name: "tp", type: "tracepoint", attach: { kind: "none" }, instructions: resolve([Mov.imm(R0, 0), Exit()]), license: "GPL" };
  using p = Program.load(sys, spec, { mapFd: () => undefined });
  assert.throws(() => p.testRun({ data: new Uint8Array(16) }), /tracepoint programs cannot be test-run/);
});

kernelTest(test, "a log level can be forced, and a successful load still returns the program", (sys) => {
  const spec: ProgramSpec = { name: "logged", type: "socket_filter", attach: { kind: "none" }, instructions: resolve([Mov.imm(R0, 0), Exit()]), license: "GPL" };
  using p = Program.load(sys, spec, { mapFd: () => undefined, logLevel: 2 });
  assert.ok(p.fd > 0);
});

test.run();
