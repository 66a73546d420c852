// `npm run fuzz -- [tracers|vm] --count N --seed S [--jobs J] [--timeout MS] [--minutes M] [--out DIR] [--no-kernel]
//   [--scale test|full]`
//   tracers (default): generated tracers, valid and hostile, through the compiler, the VM and (as root) the kernel's
//     verifier; failing programs are written to DIR (default: a directory under the system's temp dir).
//   sizes: compile time of handlers of --sizes N,M,... statements (default 1000,5000,20000).
//   vm: generated eBPF programs through the VM, the reference interpreter and (as root) the kernel, plus the
//     structural cases the verifier refuses, which the VM must refuse too.
//   verify FILE...: compiles each tracer and loads each of its programs alone (as root), printing its instructions
//     and the instructions the verifier processed (its `verified_insns`), or the refusal: how far a program is from
//     the verifier's 1,000,000.
// Exit code 1 when a property failed.

import { existsSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { compile } from "../../compiler/index.ts";
import { Collection } from "../../runtime/kernel/collection.ts";
import { Kernel } from "../../runtime/kernel/kernel.ts";
import { VerifierError } from "../../runtime/kernel/verifier.ts";
import { join } from "node:path";
import { kernel } from "../support/kernel.ts";
import { formatSummary, runTracerFuzz } from "./tracer-run.ts";
import { formatVmSummary, runVmFuzz } from "./vm-run.ts";
import { handlerOfSize } from "./hostile.ts";
import { Pool } from "./pool.ts";

const args = process.argv.slice(2);
const mode = args[0] && !args[0].startsWith("--") ? args.shift()! : "tracers";
const firstFlag = args.findIndex((a) => a.startsWith("--"));
const files = mode === "verify" ? args.splice(0, firstFlag < 0 ? args.length : firstFlag) : [];
const flag = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const num = (name: string, dflt: number): number => {
  const v = flag(name);
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n)) {
    console.error(`error: --${name} takes an integer, got ${JSON.stringify(v)}`);
    process.exit(2);
  }
  return n;
};
const known = new Set(["count", "seed", "jobs", "timeout", "out", "scale", "minutes", "no-kernel", "sizes"]);
for (const a of args) {
  if (a.startsWith("--") && !known.has(a.slice(2))) {
    console.error(`error: unknown option ${a} (options: ${[...known].map((k) => `--${k}`).join(", ")})`);
    process.exit(2);
  }
}

const seed = num("seed", 1);
const count = num("count", mode === "vm" ? 20000 : 1000);
const k = args.includes("--no-kernel") ? undefined : await kernel();
const useKernel = k?.ok === true;
if (k && !k.ok) console.log(`kernel: not used (${k.reason})`);

if (mode === "tracers") {
  const scale = flag("scale") === "test" ? "test" : "full";
  const out = flag("out") ?? join(tmpdir(), `tsbpf-fuzz-${seed}`);
  const summary = await runTracerFuzz({
    count, seed, scale, out, kernel: useKernel,
    workers: num("jobs", 2), timeoutMs: num("timeout", 300_000),
    ...(flag("minutes") !== undefined ? { deadlineMs: num("minutes", 0) * 60_000 } : {}),
    log: (l) => console.log(l),
  });
  console.log(formatSummary(summary, { seed, out }));
  process.exitCode = summary.failures.length ? 1 : 0;
} else if (mode === "vm") {
  const summary = await runVmFuzz({ count, seed, sys: k?.ok ? k.sys : undefined, log: (l) => console.log(l) });
  console.log(formatVmSummary(summary, seed));
  process.exitCode = summary.failures.length ? 1 : 0;
} else if (mode === "sizes") {
  // compile time against handler size: one handler of N statements per size, in a worker (killed after --timeout)
  const sizes = (flag("sizes") ?? "1000,5000,20000").split(",").map(Number);
  const pool = new Pool({ workers: 1, timeoutMs: num("timeout", 600_000), kernel: false });
  try {
    for (const shape of ["statements", "if-body"] as const) {
      for (const n of sizes) {
        const o = await pool.run({ id: n, name: `fuzz-size-${shape}-${n}`, text: handlerOfSize(n, shape) });
        console.log(`${shape.padEnd(10)} ${String(n).padStart(6)} statements: ${o.status.padEnd(8)} ${(o.ms / 1000).toFixed(1).padStart(7)} s  ${(o.ms / n).toFixed(2)} ms/statement${o.problem ? `  (${o.problem.split("\n")[0]})` : ""}`);
      }
    }
  } finally {
    pool.close();
  }
} else if (mode === "verify") {
  if (!files.length) {
    console.error("error: verify takes the tracer files to load");
    process.exitCode = 2;
  } else if (!k?.ok) {
    console.error("error: verify loads programs into the kernel: it needs root and bpf()");
    process.exitCode = 2;
  }
  const kernelHere = k?.ok ? new Kernel(k.sys) : undefined;
  for (const file of kernelHere ? files : []) {
    if (!existsSync(file) || !statSync(file).isFile()) {
      console.log(`${file}: no such file`);
      process.exitCode = 2;
      continue;
    }
    const r = compile(file);
    if (!r.spec) {
      console.log(`${file}: compile errors: ${r.diagnostics.filter((d) => d.severity === "error").map((d) => `${d.code} line ${d.span?.line}`).join(", ")}`);
      process.exitCode = 1;
      continue;
    }
    for (const p of r.spec.programs) {
      let c: Collection | undefined;
      try {
        c = await Collection.load({ ...r.spec, programs: [p] }, { kernel: kernelHere!, attach: false, track: false });
        const info = c.program(p.name).info();
        console.log(`${file}: ${p.name}: ${p.instructions.length} instructions, verifier processed ${info.verifiedInsns}`);
      } catch (e) {
        const what = e instanceof VerifierError ? `refused${e.span ? ` at line ${e.span.line}` : ""}: ${e.message.split("\n")[0]}` : `not loaded: ${(e as Error).message.split("\n")[0]}`;
        console.log(`${file}: ${p.name}: ${p.instructions.length} instructions, ${what}`);
        if (e instanceof VerifierError) process.exitCode = 1;
      } finally {
        c?.dispose();
      }
    }
  }
} else {
  console.error(`error: unknown fuzz mode ${JSON.stringify(mode)} (tracers, vm, sizes or verify)`);
  process.exitCode = 2;
}
