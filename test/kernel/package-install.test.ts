// The package as a user gets it: `npm pack`, the tarball installed into a fresh project outside the repository (from
// the npm cache where it can), and used from there: what the tarball holds (no tests, benches or CI scripts; a
// LICENSE), the installed command starting from the shipped bundle, `tsbpf build` of a tracer, its unit test through
// `tsbpf/testing` under `node --test`, the editor's type check with the documented tsconfig, and (as root) `tsbpf run`.

import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { bundleIsFresh } from "../../bin/fresh.js";
import { kernelTest } from "../support/kernel.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const work = mkdtempSync(join(tmpdir(), "tsbpf-pack-"));
const project = join(work, "project");
const env: NodeJS.ProcessEnv = { ...process.env, TSBPF_CACHE_DIR: join(work, "cache"), NO_COLOR: "1", npm_config_update_notifier: "false" };
delete env.TSBPF_NO_BUNDLE;
delete env.FORCE_COLOR;

function sh(cmd: string, args: readonly string[], cwd: string, timeout = 180_000) {
  const r = spawnSync(cmd, args, { cwd, env, encoding: "utf8", timeout });
  return { status: r.status, out: `${r.stdout ?? ""}${r.stderr ?? ""}${r.error ? String(r.error) : ""}` };
}

let tarball = "";

test("npm pack ships the sources, the bundle, samples, docs and a LICENSE, and no tests, benches or CI scripts", () => {
  // --ignore-scripts: the bundle in dist/ is the one `npm install` built; rebuilding it here would race the other
  // test files that start bin/tsbpf.js meanwhile.
  const r = sh("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", work], root);
  assert.is(r.status, 0, r.out);
  const info = JSON.parse(r.out.slice(r.out.indexOf("["))) as { filename: string; files: { path: string }[] }[];
  tarball = join(work, info[0]!.filename);
  const paths = info[0]!.files.map((f) => f.path);
  for (const p of ["LICENSE", "README.md", "package.json", "bin/tsbpf.js", "dist/index.mjs", "dist/index.cjs", "dist/testing.mjs", "dist/testing.cjs", "stdlib-types/index.d.ts", "samples/syscount.ts"]) {
    assert.ok(paths.includes(p), `${p} is not in the tarball`);
  }
  const extra = paths.filter((p) => /^(test|bench|\.ci|scratch)\//.test(p) || p === "tsconfig.json");
  assert.equal(extra, [], "files users do not need");
});

test("installed into a fresh project, the command starts from the bundle and builds a tracer", () => {
  assert.ok(tarball, "no tarball (the pack test failed)");
  rmSync(project, { recursive: true, force: true });
  spawnSync("mkdir", ["-p", project]);
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "uses-tsbpf", version: "1.0.0", type: "module", private: true }));
  const i = sh("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", tarball], project);
  assert.is(i.status, 0, i.out);
  const installed = join(project, "node_modules", "tsbpf");
  // The shipped bundle is judged by content (npm gave the files new mtimes): fresh wherever the checkout's was.
  if (bundleIsFresh(root)) assert.ok(bundleIsFresh(installed), "the installed package would run its sources through tsx");
  writeFileSync(join(project, "count.ts"), [
    'import { Count, tracepoint, type u32 } from "tsbpf";',
    "export const calls = new Count<u32>();",
    'tracepoint("raw_syscalls/sys_enter", (ctx) => { calls.increment(Number(ctx.id)); });',
    "",
  ].join("\n"));
  const b = sh(join(project, "node_modules", ".bin", "tsbpf"), ["build", "count.ts"], project);
  assert.is(b.status, 0, b.out);
  assert.match(b.out, "program sys_enter: tracepoint");
});

test("the tracer's unit test runs there under node --test, through tsbpf/testing", () => {
  writeFileSync(join(project, "count.test.mjs"), [
    'import { test } from "node:test";',
    'import assert from "node:assert";',
    'import { simulate } from "tsbpf/testing";',
    'test("counts each syscall id", async () => {',
    '  const sim = await simulate(new URL("./count.ts", import.meta.url).pathname);',
    '  sim.fire("raw_syscalls/sys_enter", { id: 257 });',
    '  sim.fire("raw_syscalls/sys_enter", { id: 257 });',
    "  assert.equal(sim.maps.calls.get(257), 2n);",
    "});",
    "",
  ].join("\n"));
  const t = sh(process.execPath, ["--test", "count.test.mjs"], project);
  assert.is(t.status, 0, t.out);
  assert.match(t.out, /# pass 1/);
});

test("the project type-checks with 0 errors: with the documented tsconfig, and with plain nodenext settings", () => {
  // As the editor does: a test in TypeScript that imports tsbpf/testing (whose types are the shipped .d.ts files, not
  // the package's sources, whose `.ts` import paths a plain nodenext project refuses: TS5097) and the tracer,
  // checked with the TypeScript the package installs (ts-morph's).
  writeFileSync(join(project, "count.check.ts"), [
    'import { simulate } from "tsbpf/testing";',
    'const sim = await simulate<typeof import("./count.js")>("count.ts");',
    'sim.fire("raw_syscalls/sys_enter", { id: 1 });',
    "const n: bigint | undefined = sim.maps.calls.get(1);",
    "export { n };",
    "",
  ].join("\n"));
  writeFileSync(join(project, "check.mjs"), [
    'import { Project, ts } from "ts-morph";',
    "const d = new Project({ tsConfigFilePath: process.argv[2] }).getPreEmitDiagnostics();",
    'for (const x of d) console.log(`${x.getSourceFile()?.getFilePath()}:${x.getLineNumber()} TS${x.getCode()} ${ts.flattenDiagnosticMessageText(x.getMessageText(), " ")}`);',
    "console.log(`${d.length} errors`);",
    "",
  ].join("\n"));
  const configs = {
    "tsconfig.json": { extends: "tsbpf/tsconfig.bpf.json", include: ["*.ts"] },
    "tsconfig.nodenext.json": {
      compilerOptions: { module: "nodenext", moduleResolution: "nodenext", target: "es2022", strict: true, skipLibCheck: true, noEmit: true },
      include: ["*.ts"],
    },
  };
  for (const [name, config] of Object.entries(configs)) {
    writeFileSync(join(project, name), JSON.stringify(config));
    const c = sh(process.execPath, ["check.mjs", name], project);
    assert.is(c.status, 0, c.out);
    assert.match(c.out, /^0 errors$/m, `${name}:\n${c.out.slice(-3000)}`);
  }
});

kernelTest(test, "and, as root, tsbpf run attaches it and prints its counts", () => {
  const r = sh(join(project, "node_modules", ".bin", "tsbpf"), ["run", "count.ts", "--duration", "1"], project, 120_000);
  assert.is(r.status, 0, r.out);
  assert.match(r.out, /@calls\[\d+\]: \d+/);
});

test.after(() => {
  rmSync(work, { recursive: true, force: true });
  for (const f of readdirSync(root)) if (/^tsbpf-.*\.tgz$/.test(f)) rmSync(join(root, f));
});

test.run();
