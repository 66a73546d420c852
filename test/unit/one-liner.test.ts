// One-liners (cli/one-liner.ts): the module a program becomes (its text unchanged on the first lines, the `$name`
// maps it uses declared, the tsbpf names it uses imported), and its diagnostics as the person who typed it sees
// them (named -e, at its own line and column, or at its end); and `tsbpf -e` with a mistake, which needs no root.

import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { oneLinerDiagnostics, oneLinerModule, tsbpfExports } from "../../cli/one-liner.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");

test("the module: the program first, then its $name maps and the tsbpf names it uses", () => {
  const program = 'tracepoint("raw_syscalls/sys_enter", () => $.count(bpf.comm())); interval(1000, () => { print(`${time()}`); $n.hist(1) })';
  const text = oneLinerModule(program);
  const lines = text.split("\n");
  assert.is(lines[0], program);
  assert.ok(lines.includes("declare const $: AdHocMap;") && lines.includes("declare const $n: AdHocMap;"), text);
  assert.ok(lines.includes('import { AdHocMap, bpf, interval, print, time, tracepoint } from "tsbpf";'), text);
  assert.not.ok(text.includes("HashMap"), "only what the program names");
  assert.is(oneLinerModule("begin(() => 0)").split("\n").filter(Boolean).at(-1), 'import { begin } from "tsbpf";');
  // The names come from the declarations: every probe declarator, map class and builtin of the API is one.
  for (const n of ["tracepoint", "begin", "end", "print", "time", "clear", "exit", "probe", "Count", "HashMap", "Str", "u32", "bpf", "AdHocMap"]) {
    assert.ok(tsbpfExports().has(n), n);
  }
});

test("diagnostics: named -e at the program's line and column; past its end (an open call), at its end", () => {
  const file = "/x/one.ts";
  const d = (line: number, column: number) => ({ code: "TS1005", severity: "error" as const, message: "')' expected.", span: { file, line, column } });
  const other = { ...d(1, 1), span: { file: "/x/other.ts", line: 1, column: 1 } };
  assert.equal(oneLinerDiagnostics([d(1, 5), d(3, 1), other], file, "tracepoint(\n"), [
    { ...d(1, 5), span: { file: "-e", line: 1, column: 5 } },
    { ...d(3, 1), message: "')' expected. (at the end of the program)", span: { file: "-e", line: 1, column: 12 } },
    other,
  ]);
});

test("tsbpf -e with a mistake: TypeScript's error at -e:line:col, exit 1, before anything is loaded", () => {
  const env = { ...process.env, TSBPF_CACHE_DIR: mkdtempSync(join(tmpdir(), "tsbpf-cache-")), NO_COLOR: "1" };
  const r = spawnSync(process.execPath, [join(root, "bin/tsbpf.js"), "-e", 'tracepoint("syscalls/sys_exit_read", (c) => $b.hist(c.rett))'], { env, encoding: "utf8" });
  assert.is(r.status, 1, r.stderr);
  assert.match(r.stderr, /^-e:1:55 - error TS2551: Property 'rett' does not exist/m);
  assert.not.match(r.stderr, /one-liners|\.ts:/, "the cache file is never named");
  const two = spawnSync(process.execPath, [join(root, "bin/tsbpf.js"), "-e", "begin(() => { $x.count(); $x.hist(1) })"], { env, encoding: "utf8" });
  assert.is(two.status, 1, two.stderr);
  assert.match(two.stderr, /^-e:1:27 - error TSB2093: \$x is used for hist\(\) here, but for count\(\) on line 1/m);
});

test.run();
