// The package as a user gets it: `npm pack`, the tarball installed into a fresh project outside the repository (from
// the npm cache where it can), and used from there: what the tarball holds (no tests, benches or CI scripts; a
// LICENSE), what installing it brings (its size; none of the development dependencies), the installed command
// starting from the shipped bundle, `tsbpf build` of a tracer, its unit test through `tsbpf/testing` as an ES module
// and as CommonJS under `node --test` and in TypeScript under `uvu -r tsx`, the editor's type check with the
// documented tsconfig, (as root) `tsbpf run`, and last what a stale bundle says.

import { spawn, spawnSync } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { bundleMatchesSources } from "../../bin/fresh.js";
import { kernelTest } from "../support/kernel.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const work = mkdtempSync(join(tmpdir(), "tsbpf-pack-"));
const project = join(work, "project");
const installed = join(project, "node_modules", "tsbpf");
const env: NodeJS.ProcessEnv = { ...process.env, TSBPF_CACHE_DIR: join(work, "cache"), NO_COLOR: "1", npm_config_update_notifier: "false" };
delete env.TSBPF_NO_BUNDLE;
delete env.FORCE_COLOR;
delete env.NODE_OPTIONS;
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };

function sh(cmd: string, args: readonly string[], cwd: string, timeout = 180_000) {
  const r = spawnSync(cmd, args, { cwd, env, encoding: "utf8", timeout });
  return { status: r.status, out: `${r.stdout ?? ""}${r.stderr ?? ""}${r.error ? String(r.error) : ""}` };
}

/** What `du -sh` says of a folder, in MB. */
const megabytes = (dir: string) => Number(sh("du", ["-sk", dir], dir).out.split("\t")[0]) / 1024;

let tarball = "";

test.before(() => {
  // `npm test` rebuilds a stale dist/ first; a test file run on its own does it here. The tarball must carry a bundle
  // that matches its sources: its entries refuse to run otherwise.
  if (bundleMatchesSources(root)) return;
  const r = sh(process.execPath, ["--import", "tsx", "cli/bundle.ts"], root, 300_000);
  assert.is(r.status, 0, `npm run build: ${r.out}`);
});

test("npm pack ships the sources, the bundle, samples, docs and a LICENSE, and no tests, benches or CI scripts", () => {
  // --ignore-scripts: the bundle in dist/ is the one `npm install` (or `npm test`) built; rebuilding it here would
  // race the other test files that start bin/tsbpf.js meanwhile.
  const r = sh("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", work], root);
  assert.is(r.status, 0, r.out);
  const info = JSON.parse(r.out.slice(r.out.indexOf("["))) as { filename: string; files: { path: string }[] }[];
  tarball = join(work, info[0]!.filename);
  const paths = info[0]!.files.map((f) => f.path);
  for (const p of ["LICENSE", "README.md", "package.json", "bin/tsbpf.js", "dist/index.mjs", "dist/index.cjs", "dist/testing.mjs", "dist/testing.cjs", "dist/types/testing.d.ts", "stdlib-types/index.d.ts", "samples/syscount.ts"]) {
    assert.ok(paths.includes(p), `${p} is not in the tarball`);
  }
  const extra = paths.filter((p) => /^(test|bench|\.ci|scratch)\//.test(p) || p === "tsconfig.json" || /^dist\.(tmp|old)-/.test(p));
  assert.equal(extra, [], "files users do not need");
});

test("installed into a fresh project: only the dependencies come with it, and the command starts from the bundle and builds a tracer", () => {
  assert.ok(tarball, "no tarball (the pack test failed)");
  rmSync(project, { recursive: true, force: true });
  mkdirSync(project, { recursive: true });
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "uses-tsbpf", version: "1.0.0", type: "module", private: true }));
  const i = sh("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", tarball], project);
  assert.is(i.status, 0, i.out);
  console.log(`  installed: node_modules ${megabytes(join(project, "node_modules")).toFixed(1)} MB, of which tsbpf ${megabytes(installed).toFixed(1)} MB`);
  // The development dependencies (types, the test runner, zod, which the bundle has built in) stay out.
  const brought = Object.keys(pkg.devDependencies).filter((d) => !(d in pkg.dependencies) && existsSync(join(project, "node_modules", d)));
  assert.equal(brought, [], "development dependencies installed with the package");
  // The shipped bundle is judged by content (npm gave the files new mtimes).
  assert.ok(bundleMatchesSources(installed), "the installed bundle does not match the installed sources");
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

/** A unit test of count.ts: `head` (the imports), the same body for every kind of module, and `foot`. */
const unitTest = (head: string[], foot: string[] = []) => [
  ...head,
  'test("counts each syscall id", async () => {',
  '  const sim = await simulate("count.ts");',
  '  sim.fire("raw_syscalls/sys_enter", { id: 257 });',
  '  sim.fire("raw_syscalls/sys_enter", { id: 257 });',
  "  assert.equal(sim.maps.calls.get(257), 2n);",
  '  assert.equal(typeof HashMap, "function");',
  "});",
  ...foot,
  "",
].join("\n");

test("the tracer's unit test runs there under node --test, through tsbpf/testing, as an ES module", () => {
  writeFileSync(join(project, "count.test.mjs"), unitTest([
    'import { test } from "node:test";',
    'import assert from "node:assert";',
    'import { HashMap } from "tsbpf";',
    'import { simulate } from "tsbpf/testing";',
  ]));
  const t = sh(process.execPath, ["--test", "count.test.mjs"], project);
  assert.is(t.status, 0, t.out);
  assert.match(t.out, /# pass 1/);
});

test("and as CommonJS (require): the ES modules where Node can require them, the CommonJS bundle where not (Node < 20.19, Jest)", () => {
  writeFileSync(join(project, "count.test.cjs"), unitTest([
    'const { test } = require("node:test");',
    'const assert = require("node:assert");',
    'const { HashMap } = require("tsbpf");',
    'const { simulate } = require("tsbpf/testing");',
  ]));
  for (const flags of [[], ["--no-experimental-require-module"]]) {
    const t = sh(process.execPath, [...flags, "--test", "count.test.cjs"], project);
    assert.is(t.status, 0, `${flags.join(" ")}\n${t.out}`);
    assert.match(t.out, /# pass 1/);
  }
});

test("the project type-checks with 0 errors: with plain nodenext settings, and with the documented tsconfig", () => {
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
  const check = (name: string, config: object) => {
    writeFileSync(join(project, name), JSON.stringify(config));
    const c = sh(process.execPath, ["check.mjs", name], project);
    assert.is(c.status, 0, c.out);
    assert.match(c.out, /^0 errors$/m, `${name}:\n${c.out.slice(-3000)}`);
  };
  // First with no @types package in the project: the shipped declarations need none of Node's.
  assert.not.ok(existsSync(join(project, "node_modules", "@types", "node")), "@types/node came with the package");
  check("tsconfig.nodenext.json", {
    compilerOptions: { module: "nodenext", moduleResolution: "nodenext", target: "es2022", strict: true, skipLibCheck: true, noEmit: true },
    include: ["*.ts"],
  });
  // The documented tsconfig names Node's types (for main() and tests): the project installs them (docs/ide.md). From a
  // tarball of the repository's own copy: offline, npm resolves a version range only with the registry's metadata in
  // its cache, which a fresh machine does not have.
  const packed = (dir: string) => {
    const p = sh("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", work, dir], work);
    assert.is(p.status, 0, `npm pack of ${dir}:\n${p.out}`);
    return join(work, (JSON.parse(p.out.slice(p.out.indexOf("["))) as { filename: string }[])[0]!.filename);
  };
  const typesDir = join(root, "node_modules", "@types", "node");
  const typesDeps = Object.keys((JSON.parse(readFileSync(join(typesDir, "package.json"), "utf8")) as { dependencies?: object }).dependencies ?? {});
  const tarballs = [typesDir, ...typesDeps.map((d) => join(root, "node_modules", d))].map(packed);
  const i = sh("npm", ["install", "--offline", "--no-audit", "--no-fund", "--save-dev", ...tarballs], project);
  assert.is(i.status, 0, `npm install --save-dev @types/node, offline:\n${i.out}`);
  check("tsconfig.json", { extends: "tsbpf/tsconfig.bpf.json", include: ["*.ts"] });
});

test("the unit test in TypeScript runs under uvu -r tsx", () => {
  // uvu and tsx as the project's devDependencies, from the npm cache (never the network). Where the cache lacks uvu,
  // the checkout's own copy stands in (as in test/unit/readme.test.ts): the runner is not what is tested here.
  // Every install first, then the stand-ins: an npm install removes what it did not install (a stand-in too).
  const tools = { uvu: pkg.devDependencies.uvu!, tsx: pkg.dependencies.tsx ?? pkg.devDependencies.tsx! };
  const uncached: string[] = [];
  for (const [name, range] of Object.entries(tools)) {
    if (existsSync(join(project, "node_modules", name))) continue;
    const i = sh("npm", ["install", "--offline", "--no-audit", "--no-fund", "--save-dev", `${name}@${range}`], project);
    if (i.status === 0) continue;
    assert.match(i.out, /ENOTCACHED/, `npm install --offline ${name}:\n${i.out}`);
    uncached.push(name);
  }
  for (const name of uncached) {
    console.log(`  ${name} is not in the npm cache: the checkout's copy stands in`);
    symlinkSync(join(root, "node_modules", name), join(project, "node_modules", name), "dir");
  }
  mkdirSync(join(project, "test"), { recursive: true });
  writeFileSync(join(project, "test", "count.test.ts"), unitTest([
    'import { test } from "uvu";',
    'import * as assert from "uvu/assert";',
    'import { HashMap } from "tsbpf";',
    'import { simulate } from "tsbpf/testing";',
  ], ["test.run();"]));
  const t = sh(process.execPath, [join(project, "node_modules", "uvu", "bin.js"), "-r", "tsx", "test"], project);
  assert.is(t.status, 0, t.out);
  assert.match(t.out, /Passed:\s+1/);
});

kernelTest(test, "and, as root, tsbpf run attaches it and prints its counts", () => {
  const r = sh(join(project, "node_modules", ".bin", "tsbpf"), ["run", "count.ts", "--duration", "1"], project, 120_000);
  assert.is(r.status, 0, r.out);
  assert.match(r.out, /@calls\[\d+\]: \d+/);
});

kernelTest(test, "and tsbpf serve of the compiled tracer serves its counts, with a web config and an OTLP push (what the bundle carries)", async () => {
  const bin = join(project, "node_modules", ".bin", "tsbpf");
  const b = sh(bin, ["build", "count.ts", "-o", "count.tsbpf"], project);
  assert.is(b.status, 0, b.out);
  // A password the daemon checks with the bundled bcrypt, in a YAML file the bundled parser reads.
  writeFileSync(join(project, "web.yml"), "basic_auth_users:\n  scraper: $2b$04$Oxktj/bzAFhECDA1akb60.Er8tqlJhN8LEUppYRdmPhQAfKfrfM9q\n");
  const child = spawn(bin, ["serve", "count.tsbpf", "--metrics", "127.0.0.1:0", "--web.config.file", "web.yml", "--otlp", "http://127.0.0.1:9/", "--otlp-interval", "0.2"], { cwd: project, env, stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  child.stderr.on("data", (d: Buffer) => (err += d));
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  try {
    const until = Date.now() + 60_000;
    while (!/serving metrics of count.tsbpf at (http\S+)\/metrics/.test(err) && Date.now() < until && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
    const url = /at (http\S+)\/metrics/.exec(err)?.[1];
    assert.ok(url, err);
    assert.is((await fetch(`${url}/metrics`)).status, 401);
    const auth = { authorization: `Basic ${Buffer.from("scraper:secret").toString("base64")}` };
    let body = "";
    while (!/^count_calls_total\{key="\d+"\} \d+$/m.test(body) && Date.now() < until) body = await (await fetch(`${url}/metrics`, { headers: auth })).text();
    assert.match(body, /^count_calls_total\{key="\d+"\} \d+$/m);
    // Nothing listens at the OTLP address: the push fails, in one line, and serving goes on.
    while (!/OTLP push to http:\/\/127.0.0.1:9\/v1\/metrics failed/.test(err) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    assert.match(err, /OTLP push to http:\/\/127.0.0.1:9\/v1\/metrics failed: ECONNREFUSED/);
    child.kill("SIGTERM");
    assert.is(await exited, 0, err);
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
  }
});

test("once a source of the installed package changes, its entries and its command refuse, in one line saying what to do", () => {
  appendFileSync(join(installed, "index.ts"), "\n// edited\n");
  const i = sh(process.execPath, ["--input-type=module", "-e", 'try { await import("tsbpf"); } catch (e) { console.log(e.message); process.exitCode = 3; }'], project);
  assert.is(i.status, 3, i.out);
  assert.match(i.out, /^tsbpf: .*dist was built from other sources than .*: run `npm run build` there/);
  // The command would run the sources instead, which need the development dependencies an installed package lacks.
  const b = sh(join(project, "node_modules", ".bin", "tsbpf"), ["build", "count.ts"], project);
  assert.is(b.status, 1, b.out);
  assert.match(b.out, /^tsbpf: .*dist does not match the sources, and running them needs tsbpf's development dependencies \(missing: .*zod.*\): in a checkout, run `npm install` there/);
  assert.is(b.out.trim().split("\n").length, 1, b.out);
});

test.after(() => {
  rmSync(work, { recursive: true, force: true });
  for (const f of readdirSync(root)) if (/^tsbpf-.*\.tgz$/.test(f)) rmSync(join(root, f));
});

test.run();
