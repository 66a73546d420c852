// The package as Node imports it: `tsbpf` and `tsbpf/testing` resolve (package.json exports) to plain JavaScript
// entries (index.js, testing.js) that use the bundle in dist/ or the TypeScript sources through tsx. Their export
// lists must be the TypeScript modules' exports, and a Node program without any TypeScript loader can use them.

import { spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");

/** The names a shim re-exports: its `export const { ... } = m;` list. */
function shimExports(file: string): string[] {
  const m = /export const \{([^}]*)\} = m;/.exec(readFileSync(join(root, file), "utf8"));
  assert.ok(m, `${file} has no export list`);
  return m[1]!.split(",").map((s) => s.trim()).filter(Boolean).sort();
}

test("index.js re-exports exactly what index.ts exports", async () => {
  assert.equal(shimExports("index.js"), Object.keys(await import("../../index.ts")).sort());
});

test("testing.js re-exports exactly what testing.ts exports", async () => {
  assert.equal(shimExports("testing.js"), Object.keys(await import("../../testing.ts")).sort());
});

test("a plain Node program (no TypeScript loader) imports tsbpf and finds load() and the map classes", () => {
  const dir = mkdtempSync(join(tmpdir(), "tsbpf-entry-"));
  try {
    mkdirSync(join(dir, "node_modules"));
    symlinkSync(root, join(dir, "node_modules", "tsbpf"), "dir");
    writeFileSync(join(dir, "main.mjs"), 'import { load, HashMap, Histogram, param } from "tsbpf";\n' +
      'console.log([typeof load, typeof HashMap, typeof Histogram, param("x", 5)].join(" "));\n');
    const r = spawnSync(process.execPath, [join(dir, "main.mjs")], { cwd: dir, encoding: "utf8", timeout: 60_000 });
    assert.is(r.status, 0, r.stderr);
    assert.is(r.stdout.trim(), "function function function 5");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
