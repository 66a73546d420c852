// runtime/symbols/perf-map.ts and format.ts: perf map lines (Node's formats, old and new) taken apart, overlapping
// entries, a script's source map (esbuild's, inline and in a file) leading back to its TypeScript, and frames printed
// as bpftrace and folded stacks print them.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildSync } from "esbuild";
import { PerfMap, SourceMaps, parseJitName } from "../../runtime/symbols/perf-map.ts";
import { foldedFrame, formatFrame } from "../../runtime/symbols/format.ts";
import { createSymbolizer } from "../../runtime/symbols/index.ts";

test("V8's names: the function and its script location, from Node 20's and older formats", () => {
  assert.equal(parseJitName("JS:*fib /tmp/app.js:3:13"), { name: "fib", location: { file: "/tmp/app.js", line: 3, column: 13 } });
  assert.equal(parseJitName("LazyCompile:~fib /tmp/app.js:3:13"), { name: "fib", location: { file: "/tmp/app.js", line: 3, column: 13 } });
  assert.equal(parseJitName("JS:^work file:///srv/app/main.mjs:10:2"), { name: "work", location: { file: "/srv/app/main.mjs", line: 10, column: 2 } });
  assert.equal(parseJitName("JS:~ /tmp/app.js:1:1").name, "(anonymous)");
  assert.equal(parseJitName("JS:*get size /tmp/a.js:2:3").name, "get size");
  assert.equal(parseJitName("JS:~emit node:events:487:44"), { name: "emit", location: { file: "node:events", line: 487, column: 44 } });
  // Not JavaScript: kept as written.
  assert.equal(parseJitName("Builtin:ArgumentsAdaptorTrampoline"), { name: "Builtin:ArgumentsAdaptorTrampoline" });
  assert.equal(parseJitName("Ljava/lang/String;::hashCode"), { name: "Ljava/lang/String;::hashCode" });
});

test("perf map lookups: inside an entry, past its end, and the newest of overlapping entries", () => {
  const m = new PerfMap("1000 100 JS:*old /a.js:1:1\n2000 10 JS:*b /a.js:2:1\n1000 80 JS:*new /a.js:3:1\nbad line\n");
  assert.is(m.size, 3);
  assert.is(m.lookup(0x1010)?.raw, "JS:*new /a.js:3:1");
  assert.is(m.lookup(0x1090)?.raw, "JS:*old /a.js:1:1");
  assert.is(m.lookup(0x200f)?.start, 0x2000); // sizes are hex too
  assert.is(m.lookup(0x2010), undefined);
  assert.is(m.lookup(0x0fff), undefined);
});

test("source maps: a JS line and column back to the TypeScript file and line, inline and in a .map file", () => {
  const dir = mkdtempSync(join(tmpdir(), "tsbpf-sourcemap-"));
  try {
    const ts = join(dir, "app.ts");
    writeFileSync(ts, "interface P { n: number }\n\nexport function fib(p: P): number {\n  return p.n < 2 ? p.n : fib({ n: p.n - 1 }) + fib({ n: p.n - 2 });\n}\n");
    for (const sourcemap of ["inline", "external"] as const) {
      const js = join(dir, `app-${sourcemap}.js`);
      buildSync({ entryPoints: [ts], outfile: js, sourcemap, format: "esm", logLevel: "silent" });
      const sources = new SourceMaps();
      // The generated line holding `function fib(` (V8 reports the position of its parameter list).
      const lines = (buildSync({ entryPoints: [ts], write: false, format: "esm", logLevel: "silent" }).outputFiles[0]!.text).split("\n");
      const line = lines.findIndex((l) => l.includes("function fib(")) + 1;
      const column = lines[line - 1]!.indexOf("(") + 1;
      const where = sources.original(js, line, column);
      assert.equal(where && [where.file, where.line], [ts, 3], sourcemap);
    }
    // A script without a source map has no original location.
    const plain = join(dir, "plain.js");
    writeFileSync(plain, "function f() {}\n");
    assert.is(new SourceMaps().original(plain, 1, 11), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("frames printed as bpftrace prints them, and folded", () => {
  const k = { address: 0xffffffff81003010n, symbol: "vfs_read", offset: 16n, origin: "kernel" as const };
  const u = { address: 0x7f0012345678n, symbol: "std::vector<int>::push_back(int const&)", offset: 4n, module: "/usr/lib/libx.so", origin: "user" as const };
  const unknown = { address: 0x7f00deadbeefn, module: "/usr/lib/x86_64-linux-gnu/libc.so.6", origin: "user" as const };
  const bare = { address: 0x1234n, origin: "user" as const };
  const jit = { address: 0x3129b6309f00n, symbol: "fib", offset: 2n, module: "[jit]", origin: "jit" as const, source: { file: "/srv/app.ts", line: 3 } };
  assert.equal([k, u, unknown, bare, jit].map((f) => formatFrame(f)), ["vfs_read+16", "std::vector<int>::push_back(int const&)+4", "0x7f00deadbeef", "0x1234", "fib+2"]);
  assert.equal([k, unknown, jit].map((f) => formatFrame(f, { modules: true, offsets: false })), ["vfs_read", "0x7f00deadbeef (/usr/lib/x86_64-linux-gnu/libc.so.6)", "fib (/srv/app.ts:3)"]);
  assert.equal([k, u, unknown, bare, jit].map(foldedFrame), ["vfs_read_[k]", "std::vector<int>::push_back(int const&)", "[libc.so.6]", "[unknown]", "fib_[j]"]);
  assert.is(foldedFrame({ address: 1n, symbol: "Ljava/lang/String;::hashCode", origin: "jit" }), "Ljava/lang/String:::hashCode_[j]");
});

test("forgetExited: past `keep` processes, what was read of the exited ones goes, and the live ones stay", () => {
  const proc = mkdtempSync(join(tmpdir(), "tsbpf-proc-"));
  try {
    // Two processes in containers (NSpid), each with a perf map in its own root.
    for (const [pid, name] of [[101, "alive"], [102, "gone"]] as const) {
      mkdirSync(join(proc, String(pid), "root", "tmp"), { recursive: true });
      writeFileSync(join(proc, String(pid), "status"), `Name:\tnode\nNSpid:\t${pid}\t7\n`);
      writeFileSync(join(proc, String(pid), "maps"), "");
      writeFileSync(join(proc, String(pid), "root", "tmp", "perf-7.map"), `1000 100 JS:*${name} /app.js:1:1\n`);
    }
    const s = createSymbolizer({ proc });
    assert.is(s.user(101, [0x1010n])[0]!.symbol, "alive");
    assert.is(s.user(102, [0x1010n])[0]!.symbol, "gone");
    rmSync(join(proc, "102"), { recursive: true });
    // Remembered while held: the exited process still symbolizes.
    s.forgetExited!(2);
    assert.is(s.user(102, [0x1010n])[0]!.symbol, "gone");
    s.forgetExited!(1);
    assert.is(s.user(102, [0x1010n])[0]!.symbol, undefined);
    assert.is(s.user(101, [0x1010n])[0]!.symbol, "alive");
  } finally {
    rmSync(proc, { recursive: true, force: true });
  }
});

test.run();
