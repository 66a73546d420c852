// compiler/cache.ts: `tsbpf build` fills the compile cache that `tsbpf run` and load() read, so the run after a build
// starts without compiling; a changed file misses it.

import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { compileCached } from "../../compiler/cache.ts";
import { localImports } from "../../compiler/local-imports.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const dir = mkdtempSync(join(tmpdir(), "tsbpf-cache-"));
const cache = join(dir, "cache");
process.env.TSBPF_CACHE_DIR = cache;
delete process.env.TSBPF_NO_CACHE;

const build = (file: string, env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, [join(root, "bin/tsbpf.js"), "build", file], { env: { ...process.env, ...env }, encoding: "utf8", timeout: 120_000 });

test("a build leaves what the next run reads: compileCached hits without compiling", async () => {
  const tracer = join(dir, "syscount.ts");
  cpSync(join(root, "samples", "syscount.ts"), tracer);
  const b = build(tracer);
  assert.is(b.status, 0, b.stderr);
  assert.is(readdirSync(cache).filter((f) => f.endsWith(".json")).length, 1);
  const hit = await compileCached(tracer);
  assert.ok(hit.cached, "the run after a build compiled again");
  assert.ok(hit.spec?.programs.length);
  // A changed tracer is compiled again.
  writeFileSync(tracer, readFileSync(tracer, "utf8") + "\n// changed\n");
  const miss = await compileCached(tracer);
  assert.not.ok(miss.cached);
});

test("the cache key covers every local file a tracer imports, however it imports it, transitively, each once", () => {
  const d = mkdtempSync(join(tmpdir(), "tsbpf-local-"));
  writeFileSync(join(d, "main.ts"), 'import { a } from "./a.ts";\nimport "./side.ts";\nexport * from "./b";\nconst c = await import("./c.ts");\nimport { x } from "tsbpf";\n');
  writeFileSync(join(d, "a.ts"), 'export const a = 1;\nexport * from "./d.js";\n');
  writeFileSync(join(d, "side.ts"), "console.log(1);\n");
  writeFileSync(join(d, "b.ts"), 'import "./main.ts";\n');
  writeFileSync(join(d, "c.ts"), "export const c = 3;\n");
  writeFileSync(join(d, "d.ts"), "export const d = 4;\n");
  const files = localImports(join(d, "main.ts")).map((f) => f.path.slice(d.length + 1));
  assert.equal(files.sort(), ["a.ts", "b.ts", "c.ts", "d.ts", "main.ts", "side.ts"]);
});

test("TSBPF_NO_CACHE: a build stores nothing", () => {
  const tracer = join(dir, "runqlat.ts");
  cpSync(join(root, "samples", "runqlat.ts"), tracer);
  const before = readdirSync(cache).length;
  const b = build(tracer, { TSBPF_NO_CACHE: "1" });
  assert.is(b.status, 0, b.stderr);
  assert.is(readdirSync(cache).length, before);
});

test("a cache directory that cannot be made (under /proc, where Node's recursive mkdir never returns): the build still ends, with its result", () => {
  const b = build(join(root, "samples", "syscount.ts"), { TSBPF_CACHE_DIR: "/proc/tsbpf-no-such-dir/cache" });
  assert.is(b.status, 0, `${b.stderr}${b.error ?? ""}`);
  assert.match(b.stdout, "program sys_enter: tracepoint");
});

test.run();
