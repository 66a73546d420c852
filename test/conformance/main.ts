// `npm run conformance`: every bpf_conformance test through the assembler and the VM (and, as root, the kernel).
// Prints `bpf_conformance vm: N passed, M failed, K skipped`, then each failure and skip with its reason.

import { inCI, kernel } from "../support/kernel.ts";
import { listTests, suiteDir } from "./data.ts";
import { runInKernel } from "./kernel.ts";
import { runInVm, runNegative } from "./vm.ts";

const verbose = process.argv.includes("--verbose");
const dir = suiteDir();
if (!dir) {
  console.error("bpf_conformance suite not found: set BPF_CONFORMANCE_DIR to the folder holding tests/ and negative/");
  process.exit(2);
}

let failed = 0;
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
failed += counts.fail;

// Three-way: the same tests through the kernel (BPF_PROG_TEST_RUN), when this process may use bpf().
const k = await kernel();
if (k.ok) {
  const kc = { pass: 0, fail: 0, skip: 0 };
  const klines: string[] = [];
  for (const t of tests) {
    const o = runInKernel(k.sys, t);
    kc[o.status]++;
    if (o.status !== "pass") klines.push(`  ${o.status}: ${t.name}: ${o.reason}`);
    else if (verbose) klines.push(`  pass: ${t.name}`);
  }
  console.log(`bpf_conformance kernel: ${kc.pass} passed, ${kc.fail} failed, ${kc.skip} skipped`);
  for (const l of klines) console.log(l);
  failed += kc.fail;
} else if (inCI()) {
  console.log(`bpf_conformance kernel: 0 passed, ${tests.length} failed, 0 skipped`);
  console.log(`  the kernel run cannot happen under CI=true: ${k.reason}`);
  failed += tests.length;
} else {
  console.log(`bpf_conformance kernel: 0 passed, 0 failed, ${tests.length} skipped`);
  console.log(`  all skipped: ${k.reason}`);
}

const negatives = listTests(dir, "negative");
const neg = negatives.map((t) => ({ t, ...runNegative(t) }));
const accepted = neg.filter((n) => !n.rejected);
console.log(`bpf_conformance negative: ${neg.length - accepted.length} rejected, ${accepted.length} accepted`);
for (const n of neg) if (!n.rejected || verbose) console.log(`  ${n.rejected ? "rejected" : "ACCEPTED"}: ${n.t.name}: ${n.reason}`);
failed += accepted.length;

process.exitCode = failed ? 1 : 0;
