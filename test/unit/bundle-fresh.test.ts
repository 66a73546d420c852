// bin/fresh.js: the bundle in dist/ is used while it matches the sources: the same paths, sizes and mtimes (a checkout
// that built it), or else the same contents (an installed package, whose files npm gave new mtimes); a changed source
// makes it stale.

import { mkdirSync, mkdtempSync, readdirSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { bundleIsFresh, contentFingerprint, sourceFingerprint } from "../../bin/fresh.js";

function packageRoot(): string {
  const root = mkdtempSync(join(tmpdir(), "tsbpf-fresh-"));
  for (const d of ["cli", "compiler", "core", "runtime", "dist"]) mkdirSync(join(root, d));
  writeFileSync(join(root, "cli", "main.ts"), "export const a = 1;\n");
  writeFileSync(join(root, "index.ts"), "export * from './cli/main.ts';\n");
  writeFileSync(join(root, "dist", "fingerprint.json"), JSON.stringify({ sources: sourceFingerprint(root), content: contentFingerprint(root) }));
  return root;
}

test("fresh as built; fresh after the files get new mtimes with the same contents; stale once a source changes", () => {
  delete process.env.TSBPF_NO_BUNDLE;
  const root = packageRoot();
  assert.ok(bundleIsFresh(root));
  const later = new Date(Date.now() + 3_600_000);
  utimesSync(join(root, "cli", "main.ts"), later, later);
  assert.ok(bundleIsFresh(root), "new mtimes, same contents: the bundle still matches");
  writeFileSync(join(root, "cli", "main.ts"), "export const a = 2;\n");
  assert.not.ok(bundleIsFresh(root), "a changed source: the bundle is stale");
});

test("a content match is remembered (dist/.verified-*) until a file changes again, even to the same size", () => {
  delete process.env.TSBPF_NO_BUNDLE;
  const root = packageRoot();
  const later = new Date(Date.now() + 3_600_000);
  utimesSync(join(root, "cli", "main.ts"), later, later);
  assert.ok(bundleIsFresh(root));
  const stamps = () => readdirSync(join(root, "dist")).filter((f) => f.startsWith(".verified-"));
  assert.is(stamps().length, 1, "the match left a stamp");
  assert.ok(bundleIsFresh(root), "the stamp stands for the same paths, sizes and mtimes");
  // Same size, other content, other mtime: the stamp does not apply, the contents decide.
  writeFileSync(join(root, "cli", "main.ts"), "export const b = 1;\n");
  assert.not.ok(bundleIsFresh(root));
  assert.is(stamps().length, 1, "a mismatch leaves no stamp");
});

test("a fingerprint from before contents were recorded is judged by mtimes only", () => {
  const root = packageRoot();
  writeFileSync(join(root, "dist", "fingerprint.json"), JSON.stringify({ sources: sourceFingerprint(root) }));
  assert.ok(bundleIsFresh(root));
  const later = new Date(Date.now() + 3_600_000);
  utimesSync(join(root, "index.ts"), later, later);
  assert.not.ok(bundleIsFresh(root));
});

test.run();
