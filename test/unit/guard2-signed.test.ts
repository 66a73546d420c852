// A signed type declared by a cast (`x as i64`, `<i64>x`, `x satisfies i64`, through a type alias), a parameter or
// a return type reaches the arithmetic, the comparisons and the stores, also in unannotated locals, ternaries,
// map values and struct fields. Run in the VM on runtime values (probe arguments).

import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { simulate } from "../../testing.ts";

const fixture = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "vm", "guard2-signed.ts");
const sim = await simulate(fixture, { cpus: 1 });
const u = (v: bigint) => BigInt.asUintN(64, v);

test("a cast's signed type is kept: >>, /, % and < of negative runtime values are signed", () => {
  const cases: [bigint, bigint, bigint][] = [[-16n, 3n, 0n], [-16n, 3n, 1n], [-7n, -2n, 0n], [1000n, -3n, 1n], [-1n, 5n, 0n], [40n, 7n, 1n]];
  for (const [a, b, pick] of cases) {
    const r = sim.fire("kprobe:signed", { args: [u(a), u(b), pick] });
    const n = BigInt.asIntN(32, a);
    assert.equal(r.events.map((e) => e.event), [{
      shr: a >> 2n, div: a / b, mod: a % b, lt: a < b ? 1 : 0,
      angle: a >> 3n, let_: a >> 1n, param: a >> 2n, ret: a >> 4n,
      ternary: (pick === 0n ? a : b) >> 1n, mapped: a >> 2n, field: a >> 2n, alias: a / 4n, sat: a >> 2n,
      n32: Number(n >> 1n), lt32: n < 0n ? 1 : 0,
    }], `${a}, ${b}, ${pick}`);
  }
});

test.run();
