// `npm run conformance`: every bpf_conformance test through the assembler and the VM (and, as root, the kernel).
// Prints `bpf_conformance vm: N passed, M failed, K skipped`, then each failure and skip with its reason.

import { listTests, suiteDir } from "./data.ts";
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

const negatives = listTests(dir, "negative");
const neg = negatives.map((t) => ({ t, ...runNegative(t) }));
const accepted = neg.filter((n) => !n.rejected);
console.log(`bpf_conformance negative: ${neg.length - accepted.length} rejected, ${accepted.length} accepted`);
for (const n of neg) if (!n.rejected || verbose) console.log(`  ${n.rejected ? "rejected" : "ACCEPTED"}: ${n.t.name}: ${n.reason}`);
failed += accepted.length;

process.exitCode = failed ? 1 : 0;
