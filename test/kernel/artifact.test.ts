// Compiled tracers (`tsbpf build -o x.tsbpf`) run without the compiler: `tsbpf run x.tsbpf` from another directory,
// with its relocations (tracepoint fields, kernel struct fields through BTF) resolved at load and its user side
// (format) working, loads no module of TypeScript, ts-morph, esbuild or the compiler: the process's module log
// (test/support/module-log.mjs) says so, and the same log of a run of the .ts source shows them, so the check can
// fail. load("x.tsbpf") works the same way in a program.

import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { bundleIsFresh } from "../../bin/fresh.js";
import { load } from "../../load.ts";
import { kernelTest } from "../support/kernel.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const dir = mkdtempSync(join(tmpdir(), "tsbpf-artifact-run-"));
const env = { ...process.env, TSBPF_CACHE_DIR: join(dir, "cache"), NO_COLOR: "1" };
const cli = join(root, "bin/tsbpf.js");
const hook = join(root, "test/support/module-log.mjs");

/**
 * What loads TypeScript or compiles: none of it may be in a compiled tracer's run (compiler/paths.ts finds the
 * package root). From the bundle, not even esbuild is loaded; from the sources (a checkout whose dist/ is stale), tsx
 * runs the command line and brings its esbuild.
 */
const COMPILER = bundleIsFresh(root)
  ? /node_modules\/(ts-morph|@ts-morph|typescript|esbuild|tsx)\/|\/compiler\/(?!paths\.ts$)[^/]+/
  : /node_modules\/(ts-morph|@ts-morph|typescript)\/|\/compiler\/(?!paths\.ts$)[^/]+/;

function build(sample: string): string {
  const out = join(dir, `${sample}.tsbpf`);
  const r = spawnSync(process.execPath, [cli, "build", join(root, "samples", `${sample}.ts`), "-o", out], { cwd: dir, env, encoding: "utf8", timeout: 120_000 });
  assert.is(r.status, 0, r.stderr);
  return out;
}

/**
 * `tsbpf run <file> --duration 2 --verbose` from `dir` under the module log; `workload` runs once it has attached.
 * Its output and the modules it loaded.
 */
async function runLogged(file: string, workload: () => void, extra: string[] = []) {
  const log = join(dir, `modules-${Math.random().toString(36).slice(2)}.log`);
  const p = spawn(process.execPath, ["--import", hook, cli, "run", file, "--duration", "2", "--verbose", ...extra], { cwd: dir, env: { ...env, TSBPF_MODULE_LOG: log } });
  let out = "";
  let err = "";
  p.stdout.on("data", (d: Buffer) => (out += d));
  let ran = false;
  p.stderr.on("data", (d: Buffer) => {
    err += d;
    if (!ran && /loaded and attached/.test(err)) {
      ran = true;
      workload();
    }
  });
  const code = await new Promise<number | null>((r) => p.on("exit", (c) => r(c)));
  const modules = readFileSync(log, "utf8").split("\n").filter(Boolean);
  rmSync(log);
  return { code, out, err, modules };
}

const marker = `tsbpf-artifact-${process.pid}`;
const execs = () => {
  for (let i = 0; i < 3; i++) spawnSync("/bin/sh", ["-c", `exit 0`, marker]);
};

kernelTest(test, "tsbpf run x.tsbpf: relocated at load, its format() prints, and nothing of TypeScript or the compiler is loaded", async () => {
  const file = build("execsnoop");
  const r = await runLogged(file, execs);
  assert.is(r.code, 0, r.err);
  // execsnoop's lines: PCOMM PID PPID RET ARGS, the parent read through BTF (task_struct.real_parent.tgid).
  const mine = r.out.split("\n").filter((l) => l.includes(marker));
  assert.ok(mine.length >= 3, `our execs are missing:\n${r.out}\n${r.err}`);
  assert.match(mine[0]!, new RegExp(`^sh\\s+\\d+\\s+${process.pid}\\s+0\\s+/bin/sh -c exit 0 ${marker}`));
  assert.match(r.err, /read .*execsnoop\.tsbpf \(compiled from execsnoop\.ts by tsbpf [\d.]+ on Linux /);
  assert.ok(r.modules.some((m) => /\/runtime\/|\/dist\//.test(m)), `the module log saw nothing of tsbpf:\n${r.modules.join("\n")}`);
  assert.equal(r.modules.filter((m) => COMPILER.test(m)), [], "modules of the compiler were loaded");
});

kernelTest(test, "the same run of the .ts source loads the compiler (what the check above looks for is there to see)", async () => {
  const r = await runLogged(join(root, "samples", "execsnoop.ts"), execs, ["--no-cache"]);
  assert.is(r.code, 0, r.err);
  assert.ok(r.modules.some((m) => /node_modules\/(ts-morph|@ts-morph|typescript)\/.*typescript\.js$/.test(m)), `no TypeScript module in the log:\n${r.modules.join("\n")}`);
});

kernelTest(test, "a compiled tracer takes --param, and load(\"x.tsbpf\") attaches it in a program", async () => {
  const file = build("syscount");
  const r = spawnSync(process.execPath, [cli, "run", file, "--duration", "1", "--json", "--param", `pid=${process.pid}`], { cwd: dir, env, encoding: "utf8", timeout: 60_000 });
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /"type":"attached_probes"/);
  const t = await load(file);
  try {
    for (let i = 0; i < 5; i++) process.ppid;
    spawnSync("/bin/true");
    const processes = t.maps.processes as unknown as { entries(): Iterable<[unknown, unknown]> };
    assert.ok([...processes.entries()].length > 0, "nothing counted");
  } finally {
    await t.close();
  }
});

test.run();
