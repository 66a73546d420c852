// Lowerings that a mutation run (test/mutation/run.ts) could break without any other fast test noticing: each
// check here kills such mutants of compiler/lower/. Run in the VM on runtime values (probe arguments).

import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { simulate } from "../../testing.ts";

const fixture = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "vm", "mutation-lowering.ts");
const sim = await simulate(fixture, { cpus: 1 });
const u = (v: bigint) => BigInt.asUintN(64, v);

test("signed >> of a negative runtime value is arithmetic; signed / and % truncate toward zero (64 and 32 bits)", () => {
  const cases: [bigint, bigint, bigint][] = [[-16n, 2n, 2n], [-7n, 2n, 1n], [7n, -2n, 3n], [-7n, -2n, 0n], [7n, 2n, 1n], [-1n, 3n, 63n]];
  for (const [a, b, s] of cases) {
    const r = sim.fire("kprobe:arith", { args: [u(a), u(b), s] });
    const t = (x: bigint) => BigInt.asIntN(32, x);
    const div = (x: bigint, y: bigint) => x / y; // BigInt division truncates toward zero, as C does
    assert.equal(r.events.map((e) => e.event), [{
      shr64: a >> s, shr32: Number(t(a) >> (s & 31n)),
      div64: div(a, b), mod64: a % b, div32: Number(div(t(a), t(b))), mod32: Number(t(a) % t(b)),
    }], `${a}, ${b}, ${s}`);
  }
});

test("bpf.loop: a callback reads and writes back several captured variables, each in its own slot", () => {
  assert.equal(sim.fire("kprobe:loop", { args: [3n, 10n] }).events.map((e) => e.event), [{ sum: 12n, count: 4n, last: 3n }]);
  assert.equal(sim.fire("kprobe:loop", { args: [5n, 1000n] }).events.map((e) => e.event), [{ sum: 50n, count: 10n, last: 9n }]);
});

test("a scalar compared with undefined: === is false, !== is true", () => {
  assert.equal(sim.fire("kprobe:undef", { args: [0n] }).events.map((e) => e.event), [{ eq: 0n, ne: 1n }]);
});

test("array elements assigned by constant and variable index (out of range: nothing written); a struct compared and reassigned whole", () => {
  const run = (i: bigint, x: bigint) => sim.fire("kprobe:arrays", { args: [i, x] }).events.map((e) => e.event);
  assert.equal(run(3n, 1n), [{ a: [1, 20, 3, 99], p: { x: 1, y: 2 }, same: 1 }]);
  assert.equal(run(0n, 7n), [{ a: [99, 20, 3, 4], p: { x: 7, y: 2 }, same: 0 }]);
  assert.equal(run(4n, 5n), [{ a: [1, 20, 3, 4], p: { x: 5, y: 2 }, same: 0 }]);
});

test("for loops with steps other than 1, counting up and down, run exactly their trips (unrolled and bounded); for-of visits every element", () => {
  assert.equal(sim.fire("kprobe:trips", { args: [2n] }).events.map((e) => e.event), [{ up: 36, down: 44, le: 10, ge: 10, long: 30, of: 20 }]);
});

test.run();
