// Generated tracers (test/fuzz), a fixed seed: the compiler never throws and locates every diagnostic; what it
// accepts loads in the VM and, where the kernel is here (root, bpf()), passes the verifier (loaded with attach:
// false). Classes of failure being fixed in parallel (test/fuzz/known.ts) are reported, not failed; any other
// fails. `npm run fuzz -- --count N --seed S` runs more. Compile time is reported, never asserted.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { inCI, kernel } from "../support/kernel.ts";
import { knownClass } from "../fuzz/known.ts";
import { formatSummary, runTracerFuzz } from "../fuzz/tracer-run.ts";
import { checkProgram } from "../fuzz/check.ts";
import { generateProgram } from "../fuzz/hostile.ts";
import { Random } from "../fuzz/random.ts";
import { Kernel } from "../../runtime/kernel/kernel.ts";

// ~0.3 s per program with 2 workers (more on a loaded machine); the full run is `npm run fuzz`
const COUNT = 300;
const SEED = 0x7b5f;

test(`${COUNT} generated tracers: no compiler crash, every diagnostic located, what compiles loads`, async () => {
  const k = await kernel();
  if (!k.ok) {
    if (inCI()) throw new Error(`kernel part skipped under CI=true: ${k.reason}`);
    console.log(`\n  note: accepted programs are loaded in the VM only (${k.reason})`);
  }
  const s = await runTracerFuzz({ count: COUNT, seed: SEED, workers: 2, timeoutMs: 120_000, kernel: k.ok, scale: "test" });
  console.log("\n" + formatSummary(s, { seed: SEED }).split("\n").map((l) => "  " + l).join("\n"));
  assert.is(s.programs, COUNT);
  const unknown = s.failures.filter((f) => !knownClass(f));
  const known = [...new Set(s.failures.map((f) => knownClass(f)?.name).filter((n) => n !== undefined))];
  if (known.length) console.log(`  known failure classes still present (test/fuzz/known.ts):\n${known.map((n) => `    - ${n}`).join("\n")}`);
  assert.equal(unknown.map((f) => `#${f.n} ${f.kind}: ${f.key} (${f.family}: ${f.detail})\n${f.message.split("\n").slice(0, 6).join("\n")}`), []);
  // the generator must keep producing programs the compiler accepts, or the verifier property checks nothing
  assert.ok(s.compile.accepted >= COUNT / 5, `only ${s.compile.accepted} of ${COUNT} accepted`);
  if (k.ok) assert.ok((s.kernel.loaded ?? 0) >= COUNT / 10, `only ${s.kernel.loaded ?? 0} loaded into the kernel`);
});

// Programs that failed in long runs (`npm run fuzz`), by their program seed: each must now compile without a crash
// and with located diagnostics (and load, where it compiles).
const REGRESSIONS: readonly { readonly seed: number; readonly what: string }[] = [
  { seed: -1431341286, what: "random tokens on which TypeScript's checker fails an internal assertion (Debug Failure)" },
  { seed: 350457542, what: "an event emitted to a perf event array in a bpf.loop() callback that does not name ctx (R1 type=scalar expected=ctx)" },
  { seed: 113527484, what: "the same, in a profile probe" },
  { seed: 1141939156, what: "a loop assigning a variable in two places around a nested loop and a bpf.loop() call (too large)" },
  { seed: 1999568709, what: "a u8 decreased by the counter on some of 16 iterations, then branched on (too large)" },
  { seed: -636603973, what: "histogram records of random values in a 16-iteration loop (too large)" },
  { seed: 1994989789, what: "an inlined function's loop of 64 comparing its counter with its parameter, called from a loop (too large)" },
  { seed: 1006229792, what: "values held from before loops of 64, compared in them (too large)" },
  { seed: -732858071, what: "a loop of 64 around a loop of 6 with a conditional map update, and a switch (too large)" },
  { seed: -1609964067, what: "histogram records in a loop of 64 around a loop of 20 that may break (too large)" },
  { seed: 948837343, what: "a value held from before a loop, equal to a constant on one path and compared again there (too large when the comparison tested a copy)" },
  { seed: 1465120274, what: "a histogram record in a function inlined into an event's literal, while its ring buffer record is reserved (reference leak)" },
];

for (const r of REGRESSIONS) {
  test(`fuzz regression (program seed ${r.seed}): ${r.what}`, async () => {
    const k = await kernel();
    const p = generateProgram(new Random(r.seed), { scale: "full" });
    const o = await checkProgram(`fuzz-regression-${r.seed}`, p.text, k.ok ? await Kernel.open() : undefined);
    assert.ok(o.status === "rejected" || o.status === "accepted", `${o.status}: ${o.problem ?? ""}`);
    if (o.kernel) assert.ok(["loaded", "unsupported", "not-found"].includes(o.kernel.status), `${o.kernel.status}: ${o.kernel.message ?? ""}`);
  });
}

test.run();
