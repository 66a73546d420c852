// The README's unit-test example is a real test: extracted from README.md and run as a user would run it, from a
// project that has tsbpf and uvu installed, with no root.

import { spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");

test("the README's unit test passes as written", () => {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const block = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!).find((b) => b.includes('from "tsbpf/testing"'));
  assert.ok(block, "README.md has a ts block importing tsbpf/testing");
  assert.ok(block.trim().split("\n").length <= 16, "short enough for a README");
  const dir = mkdtempSync(join(tmpdir(), "tsbpf-readme-"));
  try {
    mkdirSync(join(dir, "node_modules"));
    symlinkSync(root, join(dir, "node_modules", "tsbpf"), "dir");
    symlinkSync(join(root, "node_modules", "uvu"), join(dir, "node_modules", "uvu"), "dir");
    // An ES module project, as most that use tsbpf are (its entries serve require() too: test/unit/package-entry.test.ts).
    writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n');
    writeFileSync(join(dir, "readme.test.ts"), block);
    // As the README's tests are run from the project root (samples/ is relative to it).
    const r = spawnSync(process.execPath, ["--import", "tsx", join(dir, "readme.test.ts")], { cwd: root, encoding: "utf8", timeout: 120_000, env: { ...process.env, NO_COLOR: "1" } });
    assert.is(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /Passed:\s+1/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
