// compiler/v8-cache.ts: CommonJS modules required while the code cache is installed are compiled from V8's cached
// code when an entry matches, work as Node's own loader would make them work, and anything wrong with an entry
// (changed module, corrupt entry, unwritable directory) only means compiling from source. Each run is a fresh process,
// as a cold start is.

import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const dir = mkdtempSync(join(tmpdir(), "tsbpf-v8-cache-"));
const pkg = join(dir, "node_modules", "fake");
const entries = join(dir, "entries");
mkdirSync(join(pkg, "lib"), { recursive: true });
writeFileSync(join(pkg, "package.json"), JSON.stringify({ name: "fake", main: "index.js" }));
writeFileSync(join(pkg, "index.js"), [
  "'use strict';",
  "const helper = require('./lib/helper');",
  "exports.answer = () => helper.double(21);",
  "exports.where = () => [__filename, __dirname, require.resolve('./lib/helper'), module.id === __filename];",
  "",
].join("\n"));
writeFileSync(join(pkg, "lib", "helper.js"), "exports.double = (x) => x * 2;\n");
// A module whose text is not its bytes (a non-ASCII character): its length cannot tell a changed file apart.
writeFileSync(join(pkg, "lib", "text.js"), "exports.s = 'é';\n");

interface Run {
  readonly answer: number;
  readonly where: [string, string, string, boolean];
  readonly hits: number;
  readonly misses: number;
}

/** A fresh process that installs the cache, requires the fake package, runs it and writes the entries. */
function run(writeDir = entries, readDirs: string[] = [writeDir]): Run {
  const script = `
    import { createRequire } from "node:module";
    const { installCodeCache } = await import(${JSON.stringify(pathToFileURL(join(root, "compiler", "v8-cache.ts")).href)});
    const c = installCodeCache(${JSON.stringify(writeDir)}, ${JSON.stringify(readDirs)});
    const fake = createRequire(${JSON.stringify(join(dir, "x.js"))})("fake");
    createRequire(${JSON.stringify(join(pkg, "index.js"))})("./lib/text.js");
    c.uninstall();
    const out = { answer: fake.answer(), where: fake.where(), hits: c.hits(), misses: c.misses() };
    c.flush();
    console.log(JSON.stringify(out));`;
  const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd: root, encoding: "utf8", timeout: 60_000 });
  assert.is(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Run;
}

test("the first process writes an entry per module, the next compiles them from it, and they work the same", () => {
  const first = run();
  assert.is(first.answer, 42);
  assert.equal(first.where, [join(pkg, "index.js"), pkg, join(pkg, "lib", "helper.js"), true]);
  assert.is(first.hits, 0);
  assert.is(first.misses, 2, "index.js and lib/helper.js (not lib/text.js: its length is not its size)");
  assert.is(readdirSync(entries).length, 2);
  const second = run();
  assert.equal(second, { ...first, hits: 2, misses: 0 });
});

test("a changed module is compiled from source and its entry rewritten", () => {
  run();
  const later = new Date(Date.now() + 5_000);
  utimesSync(join(pkg, "lib", "helper.js"), later, later);
  const changed = run();
  assert.is(changed.answer, 42);
  assert.is(changed.hits, 1);
  assert.is(changed.misses, 1);
  assert.is(run().hits, 2);
});

test("a corrupt entry is rejected by V8 and replaced; an unwritable directory only means no entries", () => {
  run();
  for (const f of readdirSync(entries)) writeFileSync(join(entries, f), "not V8's code cache");
  const corrupt = run();
  assert.is(corrupt.answer, 42);
  assert.is(corrupt.hits, 0);
  assert.is(run().hits, 2, "the rejected entries were rewritten");
  // Entries read from a second directory (what `npm install` filled), written to the first.
  const own = join(dir, "own");
  const fromInstall = run(own, [own, entries]);
  assert.is(fromInstall.hits, 2);
  if (process.getuid?.() !== 0) {
    const readOnly = join(dir, "read-only");
    mkdirSync(readOnly);
    chmodSync(readOnly, 0o500);
    assert.is(run(join(readOnly, "v8")).answer, 42);
  }
  // A file where the directory should be: nothing written, nothing thrown.
  const blocked = join(dir, "blocked");
  writeFileSync(blocked, "");
  assert.is(run(join(blocked, "v8")).answer, 42);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
