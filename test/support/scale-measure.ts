// Compile time against input size: `tsx test/support/scale-measure.ts <shape> <n>...` compiles each generated
// tracer (test/support/scale-gen.ts) in this process and prints, per size, the outcome (instructions or the
// diagnostics' codes and first location) and the time of each phase. Measures, never asserts.

import { performance } from "node:perf_hooks";
import { argv } from "node:process";
import { join } from "node:path";
import { compile } from "../../compiler/index.ts";
import { type Shape, SHAPES, generate } from "./scale-gen.ts";

const [shape, ...sizes] = argv.slice(2);
if (!shape || !(shape in SHAPES) || !sizes.length) {
  console.error(`usage: scale-measure.ts <${Object.keys(SHAPES).join("|")}> <n>...`);
  process.exit(2);
}
for (const n of sizes.map(Number)) {
  const text = generate(shape as Shape, n);
  const t0 = performance.now();
  let outcome: string;
  try {
    const r = compile(join(process.cwd(), `scale-${shape}-${n}.ts`), { text });
    const errors = r.diagnostics.filter((d) => d.severity === "error");
    outcome = r.spec
      ? `ok, ${r.spec.programs.reduce((s, p) => s + p.instructions.length, 0)} instructions`
      : `${errors.length} errors: ${[...new Set(errors.map((d) => d.code))].join(",")} first at ${errors[0]?.span ? `${errors[0].span.line}:${errors[0].span.column}` : "-"}: ${errors[0]?.message.slice(0, 120)}`;
  } catch (e) {
    outcome = `THREW ${e instanceof Error ? `${e.name}: ${e.message.slice(0, 120)}` : String(e)}`;
  }
  const ms = performance.now() - t0;
  console.log(`${shape} ${n} (${text.length} bytes): ${(ms / 1000).toFixed(2)} s  ${outcome}`);
}
