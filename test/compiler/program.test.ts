// The TypeScript program of a tracer (compiler/frontend/program.ts, sources.ts): compiles in one process in; checks
// out: a second compile of a file gives the same bytecode and diagnostics as the first and parses no declaration
// file again (lib files, stdlib-types), and a declaration file edited between two compiles is read and parsed again.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { compile } from "../../compiler/index.ts";
import { LIB_DIR, parseCounts } from "../../compiler/frontend/sources.ts";
import { loadProgram } from "../../compiler/frontend/program.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const summary = (r: ReturnType<typeof compile>) => JSON.stringify({ spec: r.spec, diagnostics: r.diagnostics });

test("program: a second compile gives the same bytecode and diagnostics, without parsing a declaration file again", () => {
  for (const file of [join(root, "samples", "execsnoop.ts"), join(root, "samples", "tcplife.ts"), join(root, "test", "fixtures", "errors", "type-mismatch.ts")]) {
    const first = compile(file);
    const parsed = parseCounts.declarations;
    const second = compile(file);
    assert.ok(first.diagnostics.length > 0 || first.spec, file);
    assert.is(summary(second), summary(first), file);
    assert.is(parseCounts.declarations, parsed, `${file}: declarations parsed again`);
  }
});

test("program: TypeScript's lib files come from memory, under the same folder as before", () => {
  const loaded = loadProgram(join(root, "samples", "syscount.ts"));
  const libs = loaded.program.getSourceFiles().filter((f) => f.fileName.startsWith(`${LIB_DIR}/`)).map((f) => f.fileName.slice(LIB_DIR.length + 1));
  assert.ok(libs.includes("lib.es2022.d.ts") && libs.includes("lib.es5.d.ts") && libs.includes("lib.esnext.disposable.d.ts"), libs.join(", "));
  assert.is(loaded.diagnostics.length, 0);
});

test("program: a declaration file edited between two compiles is parsed again", () => {
  const dir = mkdtempSync(join(tmpdir(), "tsbpf-program-"));
  try {
    const tracer = join(dir, "tracer.ts");
    writeFileSync(tracer, `import { tracepoint, Count } from "tsbpf";
import { LIMIT } from "./limit.js";

export const hits = new Count();
export const limitIsOne: 1 = LIMIT;
tracepoint("sched/sched_switch", () => { hits.increment(); });
`);
    const decl = join(dir, "limit.d.ts");
    writeFileSync(decl, "export declare const LIMIT: 1;\n");
    const before = compile(tracer);
    assert.equal(before.diagnostics.map((d) => d.code), []);
    const parsed = parseCounts.declarations;
    writeFileSync(decl, "export declare const LIMIT: 2;\n");
    const after = compile(tracer);
    assert.equal(after.diagnostics.map((d) => [d.code, d.span?.line]), [["TS2322", 5]]);
    assert.is(parseCounts.declarations, parsed + 1, "only the edited file is parsed again");
    assert.is(after.sources(decl), "export declare const LIMIT: 2;\n");
    compile(tracer);
    assert.is(parseCounts.declarations, parsed + 1, "an unchanged file is not");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
