// The layering docs/architecture.md promises, checked on every import (static, dynamic and `import("...")` types):
// core/ stands on nothing of the project's; compiler/ and runtime/ stand on core/ side by side and never import each
// other; below lowering (ir/, passes/, codegen/) and outside the compiler nothing sees the TypeScript compiler.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts"))
    .map((e) => relative(root, join(e.parentPath, e.name)));
}

/** What a file imports: project files as paths from the root, packages by name. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(root, file), "utf8");
  const specs = [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)"([^"]+)"/gm)].map((m) => m[1]!);
  return specs.map((s) => (s.startsWith(".") ? relative(root, resolve(dirname(join(root, file)), s)) : s));
}

function violations(dirs: readonly string[], forbidden: (target: string) => boolean): string[] {
  return dirs.flatMap(sources).flatMap((f) => importsOf(f).filter(forbidden).map((t) => `${f} imports ${t}`));
}

const inside = (dir: string) => (t: string) => t === dir || t.startsWith(`${dir}/`);
const isTypeScriptCompiler = (t: string) => t === "ts-morph" || t === "typescript" || t.startsWith("typescript/");

test("the import scanner sees static, dynamic and type imports", () => {
  assert.ok(importsOf("cli/tracer-input.ts").includes("compiler/cache.ts"), "dynamic imports");
  const found = importsOf("cli/run.ts");
  assert.ok(found.includes("cli/tracer-input.ts"), "static");
  assert.ok(found.includes("runtime/user/tracer.ts"), "import(...) in types and dynamic imports");
});

test("core/ imports nothing of the compiler, the runtime or the command line", () => {
  assert.equal(violations(["core"], (t) => ["compiler", "runtime", "cli"].some((d) => inside(d)(t))), []);
});

test("compiler/ and runtime/ import nothing from each other", () => {
  assert.equal(violations(["compiler"], inside("runtime")), []);
  assert.equal(violations(["runtime"], inside("compiler")), []);
});

test("the TypeScript compiler is seen by the frontend and lowering only", () => {
  assert.equal(violations(["core", "runtime", "compiler/ir", "compiler/passes", "compiler/codegen"], isTypeScriptCompiler), []);
});

test.run();
