// Left-deep arithmetic chains are lowered without recursion and are not nesting (compiler/frontend/depth.ts): a
// 5,000-term sum compiles, in the VM it computes the sum, and chains of && / || / ?? / , lower as they did.

import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { compile } from "../../compiler/index.ts";
import { simulate } from "../../testing.ts";
import { generate } from "../support/scale-gen.ts";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";

const errors = (r: ReturnType<typeof compile>) => r.diagnostics.filter((d) => d.severity === "error").map((d) => `${d.code} ${d.span?.line}: ${d.message}`);

test("a 5,000-term sum compiles: one add per term, no nesting diagnostic", () => {
  const r = compile(join(process.cwd(), "chain.ts"), { text: generate("terms", 5000) });
  assert.equal(errors(r), []);
  assert.ok(r.spec);
});

test("long mixed chains compute what JavaScript computes (VM, runtime values)", async () => {
  const n = 1200;
  // x0 + x1 * 3n - x2 ^ ... over probe arguments, mixing precedence levels inside the chain.
  const ops = ["+", "-", "^", "|", "+"];
  const expr = Array.from({ length: n }, (_, i) => (i === 0 ? "a" : `${ops[i % ops.length]} (b + ${i}n)`)).join(" ");
  const cond = Array.from({ length: 200 }, (_, i) => (i % 2 ? `a > ${i}n` : `b !== ${i}n`)).join(" && ");
  const orc = Array.from({ length: 200 }, (_, i) => `a === ${i + 1000}n`).join(" || ");
  const dir = mkdtempSync(join(tmpdir(), "tsbpf-chains-"));
  try {
    const file = join(dir, "chains.ts");
    writeFileSync(file, `import { RingBuffer, kprobe, type u64 } from "tsbpf";
interface R { sum: u64; all: u64; any: u64; seq: u64 }
export const out = new RingBuffer<R>(4096);
kprobe("f", (ctx) => {
  const a: u64 = ctx.arg0();
  const b: u64 = ctx.arg1();
  let s = 0n;
  const seq = (s = a, s = s + b, s * 2n);
  out.emit({ sum: ${expr}, all: ${cond} ? 1n : 0n, any: ${orc} ? 1n : 0n, seq });
});
`);
    const sim = await simulate(file, { cpus: 1 });
    for (const [a, b] of [[5000n, 7n], [1100n, 3n], [1n, 0n]] as const) {
      // JavaScript's own precedence and left-to-right order; + - ^ | agree with 64-bit wrapping when reduced at the end.
      const sum = BigInt.asUintN(64, new Function("a", "b", `return ${expr};`)(a, b) as bigint);
      let all = true;
      for (let i = 0; i < 200; i++) all &&= i % 2 ? a > BigInt(i) : b !== BigInt(i);
      const any = a >= 1000n && a < 1200n;
      const ev = sim.fire("kprobe:f", { args: [a, b] }).events.map((e) => e.event);
      assert.equal(ev, [{ sum, all: all ? 1n : 0n, any: any ? 1n : 0n, seq: (a + b) * 2n }], `${a}, ${b}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
