// `npm run conformance`: every bpf_conformance test through the assembler and the VM (and, as root, the kernel).
// Prints `bpf_conformance vm: N passed, M failed, K skipped`, then each failure and skip with its reason; under
// test/run.ts (TSBPF_TEST_REPORT_FD set) also reports the totals as JSON on that fd. The kernel refuses 13 tests by
// design (EXPECTED_REFUSALS in kernel.ts): those count as passed when refused for the expected reason.

import { writeSync } from "node:fs";
import { inCI, kernel } from "../support/kernel.ts";
import { listTests, suiteAbsent, suiteDir } from "./data.ts";
import { runInKernel } from "./kernel.ts";
import { runInVm, runNegative } from "./vm.ts";

const verbose = process.argv.includes("--verbose");
const reportFd = Number(process.env.TSBPF_TEST_REPORT_FD);
delete process.env.TSBPF_TEST_REPORT_FD;
const total = { passed: 0, failed: 0, skipped: 0 };
function finish(): void {
  if (Number.isInteger(reportFd)) writeSync(reportFd, JSON.stringify(total) + "\n");
  process.exitCode = total.failed ? 1 : 0;
}

const dir = suiteDir();
if (!dir) {
  // The data lives beside the checkout (../shared/conformance), not in the repository: its absence is a skip that
  // says so, and a failure under CI=true, where it must be present.
  console.log(`bpf_conformance: ${suiteAbsent()}${inCI() ? "; a failure under CI=true" : ""}`);
  if (inCI()) total.failed++;
  else total.skipped++;
  finish();
} else {
  const tests = listTests(dir, "tests");
  const lines: string[] = [];
  const counts = { pass: 0, fail: 0, skip: 0 };
  for (const t of tests) {
    const o = runInVm(t);
    counts[o.status]++;
    if (o.status !== "pass") lines.push(`  ${o.status}: ${t.name}: ${o.reason}`);
    else if (verbose) lines.push(`  pass: ${t.name}`);
  }
  console.log(`bpf_conformance vm: ${counts.pass} passed, ${counts.fail} failed, ${counts.skip} skipped`);
  for (const l of lines) console.log(l);
  total.passed += counts.pass;
  total.failed += counts.fail;
  total.skipped += counts.skip;

  // Three-way: the same tests through the kernel (BPF_PROG_TEST_RUN), when this process may use bpf().
  const k = await kernel();
  if (k.ok) {
    const kc = { pass: 0, refused: 0, fail: 0, skip: 0 };
    const klines: string[] = [];
    for (const t of tests) {
      const o = runInKernel(k.sys, t);
      kc[o.status]++;
      if (o.status === "refused") klines.push(`  refused as expected: ${t.name}: ${o.reason}`);
      else if (o.status !== "pass") klines.push(`  ${o.status}: ${t.name}: ${o.reason}`);
      else if (o.note) klines.push(`  note: ${t.name}: ${o.note}`);
      else if (verbose) klines.push(`  pass: ${t.name}`);
    }
    console.log(`bpf_conformance kernel: ${kc.pass + kc.refused} passed (${kc.refused} refused as expected), ${kc.fail} failed, ${kc.skip} skipped`);
    for (const l of klines) console.log(l);
    total.passed += kc.pass + kc.refused;
    total.failed += kc.fail;
    total.skipped += kc.skip;
  } else if (inCI()) {
    console.log(`bpf_conformance kernel: 0 passed, ${tests.length} failed, 0 skipped`);
    console.log(`  the kernel run cannot happen under CI=true: ${k.reason}`);
    total.failed += tests.length;
  } else {
    console.log(`bpf_conformance kernel: 0 passed, 0 failed, ${tests.length} skipped`);
    console.log(`  all skipped: ${k.reason}`);
    total.skipped += tests.length;
  }

  const negatives = listTests(dir, "negative");
  const neg = negatives.map((t) => ({ t, ...runNegative(t) }));
  const accepted = neg.filter((n) => !n.rejected);
  console.log(`bpf_conformance negative: ${neg.length - accepted.length} rejected, ${accepted.length} accepted`);
  for (const n of neg) if (!n.rejected || verbose) console.log(`  ${n.rejected ? "rejected" : "ACCEPTED"}: ${n.t.name}: ${n.reason}`);
  total.passed += neg.length - accepted.length;
  total.failed += accepted.length;
  finish();
}
