// The package as Node loads it: `tsbpf` and `tsbpf/testing` resolve (package.json exports) to the bundle in dist/:
// ES modules for `import` (and for `require` where Node can require them), a CommonJS bundle for `require` elsewhere,
// and the TypeScript sources under the `tsbpf-source` condition. Each entry's exports must be the TypeScript
// module's; a Node program without any TypeScript loader can use them; a stale bundle refuses to run.

import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { assertBundleFresh, bundleMatchesSources, contentFingerprint, sourceFingerprint } from "../../bin/fresh.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const dist = (file: string) => join(root, "dist", file);
const keys = (m: object) => Object.keys(m).sort();

test.before(() => {
  // `npm test` rebuilds a stale dist/ before any test; a test file run on its own does it here.
  if (bundleMatchesSources(root)) return;
  const r = spawnSync(process.execPath, ["--import", "tsx", join(root, "cli/bundle.ts")], { cwd: root, encoding: "utf8", timeout: 300_000 });
  assert.is(r.status, 0, `npm run build: ${r.stdout}${r.stderr}`);
});

/** A scratch project with the checkout installed as node_modules/tsbpf; `files` written into it. */
function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "tsbpf-entry-"));
  mkdirSync(join(dir, "node_modules"));
  symlinkSync(root, join(dir, "node_modules", "tsbpf"), "dir");
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

function node(dir: string, args: readonly string[]) {
  const r = spawnSync(process.execPath, args, { cwd: dir, encoding: "utf8", timeout: 60_000, env: { ...process.env, NODE_OPTIONS: "" } });
  return { status: r.status, stdout: r.stdout.trim(), out: `${r.stdout}${r.stderr}` };
}

test("package.json: each entry's types, sources, ES module and CommonJS bundle", () => {
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { exports: Record<string, unknown> };
  for (const [entry, name, types] of [[".", "index", "./stdlib-types/index.d.ts"], ["./testing", "testing", "./dist/types/testing.d.ts"]] as const) {
    // Order matters: Node takes the first condition it knows; `types` first for TypeScript.
    assert.equal(Object.entries(pkg.exports[entry] as object), [
      ["types", types],
      ["tsbpf-source", `./${name}.ts`],
      ["module-sync", `./dist/${name}.mjs`],
      ["import", `./dist/${name}.mjs`],
      ["require", `./dist/${name}.cjs`],
      ["default", `./dist/${name}.cjs`],
    ], entry);
  }
});

test("dist/index.mjs and dist/index.cjs export exactly what index.ts exports", async () => {
  const expected = keys(await import("../../index.ts"));
  assert.equal(keys(await import(pathToFileURL(dist("index.mjs")).href)), expected);
  assert.equal(keys(createRequire(import.meta.url)(dist("index.cjs")) as object), expected);
});

test("dist/testing.mjs and dist/testing.cjs export exactly what testing.ts exports", async () => {
  const expected = keys(await import("../../testing.ts"));
  assert.equal(keys(await import(pathToFileURL(dist("testing.mjs")).href)), expected);
  assert.equal(keys(createRequire(import.meta.url)(dist("testing.cjs")) as object), expected);
});

test("a plain Node program (no TypeScript loader) imports tsbpf and tsbpf/testing, which share one runtime", () => {
  const dir = project({
    "main.mjs": 'import { load, HashMap, Histogram, param, VmError } from "tsbpf";\n' +
      'import * as testing from "tsbpf/testing";\n' +
      'console.log([typeof load, typeof HashMap, typeof Histogram, param("x", 5), typeof testing.simulate, testing.VmError === VmError].join(" "));\n',
  });
  try {
    const r = node(dir, ["main.mjs"]);
    assert.is(r.status, 0, r.out);
    assert.is(r.stdout, "function function function 5 function true");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a CommonJS program requires tsbpf and tsbpf/testing: the ES modules where Node can require them, else the CommonJS bundle", () => {
  const dir = project({
    "main.cjs": 'const { load, HashMap, VmError } = require("tsbpf");\n' +
      'const testing = require("tsbpf/testing");\n' +
      'const bundle = Object.keys(require.cache).some((f) => f.endsWith("tsbpf.cjs")) ? "cjs" : "esm";\n' +
      'console.log([typeof load, typeof HashMap, typeof testing.simulate, testing.VmError === VmError, bundle].join(" "));\n',
  });
  try {
    const withEsm = node(dir, ["main.cjs"]);
    assert.is(withEsm.status, 0, withEsm.out);
    assert.is(withEsm.stdout, "function function function true esm");
    // As on Node < 20.19, and as Jest resolves (`require` without `module-sync`).
    const cjsOnly = node(dir, ["--no-experimental-require-module", "main.cjs"]);
    assert.is(cjsOnly.status, 0, cjsOnly.out);
    assert.is(cjsOnly.stdout, "function function function true cjs");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the tsbpf-source condition, and bin/tsbpf.js's way to the sources (useSources), resolve tsbpf to the TypeScript", () => {
  const dir = project({
    "main.mjs": 'const { load } = await import("tsbpf");\nconsole.log(typeof load, import.meta.resolve("tsbpf"), import.meta.resolve("tsbpf/testing"));\n',
    "sources.mjs": `import { useSources } from ${JSON.stringify(pathToFileURL(join(root, "bin/sources.js")).href)};\nawait useSources();\nawait import("./main.mjs");\n`,
  });
  const expected = `function ${pathToFileURL(join(root, "index.ts")).href} ${pathToFileURL(join(root, "testing.ts")).href}`;
  try {
    const flag = node(dir, ["--conditions=tsbpf-source", "--import", import.meta.resolve("tsx"), "main.mjs"]);
    assert.is(flag.status, 0, flag.out);
    assert.is(flag.stdout, expected);
    const hook = node(dir, ["sources.mjs"]);
    assert.is(hook.status, 0, hook.out);
    assert.is(hook.stdout, expected);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a bundle built from other sources refuses to run, in one line saying how to rebuild", () => {
  const dir = mkdtempSync(join(tmpdir(), "tsbpf-stale-"));
  try {
    for (const d of ["cli", "compiler", "core", "runtime", "dist"]) mkdirSync(join(dir, d));
    writeFileSync(join(dir, "index.ts"), "export const a = 1;\n");
    writeFileSync(join(dir, "dist", "fingerprint.json"), JSON.stringify({ sources: sourceFingerprint(dir), content: contentFingerprint(dir) }));
    assertBundleFresh(dir);
    writeFileSync(join(dir, "index.ts"), "export const a = 2;\n");
    try {
      assertBundleFresh(dir);
      assert.unreachable("a stale bundle ran");
    } catch (e) {
      assert.is((e as { code?: string }).code, "TSBPF_STALE_BUNDLE");
      assert.match((e as Error).message, /^tsbpf: .*\/dist was built from other sources than .*: run `npm run build` there/);
      assert.not.match((e as Error).message, "\n");
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
