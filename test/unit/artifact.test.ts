// The compiled tracer file (core/object/artifact.ts): what `tsbpf build -o x.tsbpf` writes reads back as the same
// spec for every sample; its user side imports without the source (format() works on an event); and a damaged,
// foreign or future file is refused in one line that names the file and the place, by the reader and by `tsbpf run`.

import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { compile } from "../../compiler/index.ts";
import { bundleUserSide } from "../../compiler/user-bundle.ts";
import { ArtifactError, USER_SIDE_REQUIRE, decodeArtifact, encodeArtifact, looksLikeArtifact } from "../../core/object/artifact.ts";
import type { CollectionSpec } from "../../core/object/spec.ts";
import { syscallName } from "../../core/syscalls/index.ts";
import { importUserSide } from "../../runtime/user/module.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const dir = mkdtempSync(join(tmpdir(), "tsbpf-artifact-"));
const env = { ...process.env, TSBPF_CACHE_DIR: join(dir, "cache"), NO_COLOR: "1" };
const tsbpf = (args: string[]) => spawnSync(process.execPath, [join(root, "bin/tsbpf.js"), ...args], { cwd: dir, env, encoding: "utf8", timeout: 120_000 });

const builtOn = { kernel: "6.1.0-test", arch: "x64" };
const encode = (spec: CollectionSpec, userSide?: { module: string }) => encodeArtifact({ producer: "tsbpf test", source: "t.ts", builtOn, spec, ...(userSide ? { userSide } : {}) });
const bytes = (s: string) => Buffer.from(s);

const samples = readdirSync(join(root, "samples")).filter((f) => f.endsWith(".ts")).sort();
let syscount: CollectionSpec | undefined;

test("every sample reads back as the spec it was compiled to", () => {
  for (const s of samples) {
    const r = compile(join(root, "samples", s));
    assert.ok(r.spec, `${s} does not compile`);
    if (s === "syscount.ts") syscount = r.spec;
    const text = encode(r.spec!, r.spec!.userSide ? { module: "export {};" } : undefined);
    assert.ok(looksLikeArtifact(bytes(text)));
    const a = decodeArtifact(bytes(text), s);
    assert.equal(a.spec, JSON.parse(JSON.stringify(r.spec)), s);
    assert.is(a.version, 4);
    assert.equal(a.builtOn, builtOn);
    // pidpersec prints from its handlers: the actions are in the file
    if (s === "pidpersec.ts") assert.equal(a.spec.actions?.list.map((x) => x.kind), ["print", "print"]);
  }
  // Version 1, 2 and 3 files (no actions: written before print(); no stacks; no kernel struct reads by property) read
  // as they did.
  for (const v of [1, 2, 3]) {
    const old = encode(syscount!).replace('"version":4', `"version":${v}`);
    assert.is(decodeArtifact(bytes(old), "old.tsbpf").version, v);
  }
});

/** `edit` applied to a copy of syscount's artifact; the reader's message. */
function refusal(edit: (a: any) => void): string {
  const a = JSON.parse(encode(syscount!));
  edit(a);
  try {
    decodeArtifact(bytes(JSON.stringify(a)), "bad.tsbpf");
  } catch (e) {
    assert.instance(e, ArtifactError);
    const m = (e as Error).message;
    assert.not.match(m, /\n/, "one line");
    assert.match(m, /^bad\.tsbpf: /);
    return m;
  }
  assert.unreachable("accepted");
  return "";
}

test("a damaged file is refused at the place it is wrong", () => {
  assert.match(refusal((a) => (a.spec.programs[0].instructions[2].op = 300)), /spec\.programs\[0\]\.instructions\[2\]\.op: .*255/);
  assert.match(refusal((a) => (a.spec.programs[0].instructions[0].dst = -1)), /instructions\[0\]\.dst/);
  assert.match(refusal((a) => (a.spec.maps[0].type = "bogus")), /spec\.maps\[0\]\.type/);
  assert.match(refusal((a) => (a.spec.maps[0].keySize = "4")), /spec\.maps\[0\]\.keySize/);
  assert.match(refusal((a) => (a.spec.programs[0].attach = { kind: "teleport" })), /spec\.programs\[0\]\.attach/);
  assert.match(refusal((a) => delete a.spec.programs), /spec\.programs/);
  assert.match(refusal((a) => (a.spec.programs[0].instructions.find((i: any) => i.map).map = "nope")), /map nope is not a map of the file/);
  assert.match(refusal((a) => a.spec.programs[0].relocations?.push({ insn: 1e6, kind: "tracepoint_field", tracepoint: "x/y", field: "z", offset: 8 }) ?? (a.spec.programs[0].relocations = [{ insn: 1e6, kind: "tracepoint_field", tracepoint: "x/y", field: "z", offset: 8 }])), /relocation names instruction 1000000/);
  assert.match(refusal((a) => (a.spec.userSide = { format: true })), /user side is missing/);
  const syscalls = (a: any) => a.spec.maps.find((m: any) => m.name === "syscalls");
  assert.match(refusal((a) => (syscalls(a).aggregation.key.display = "errno")), /spec\.maps\[\d+\]\.aggregation\.key\.display/);
  assert.match(refusal((a) => (syscalls(a).aggregation.top = 0)), /spec\.maps\[\d+\]\.aggregation\.top/);
});

test("a foreign file, or one of another version, says what it is and what to do", () => {
  const check = (text: string, re: RegExp) => {
    try {
      decodeArtifact(bytes(text), "x.tsbpf");
      assert.unreachable("accepted");
    } catch (e) {
      assert.instance(e, ArtifactError);
      assert.match((e as Error).message, re);
    }
  };
  check("\x7fELF\x02\x01", /^x\.tsbpf: not a compiled tracer \(\.tsbpf is JSON/);
  check("[1,2]", /not a compiled tracer \(no "format": "tsbpf"\)/);
  check('{"format":"tsbpf","version":5,"producer":"tsbpf 9.0.0"}', /format version 5 \(written by tsbpf 9\.0\.0\); this tsbpf reads versions 1, 2, 3 and 4/);
  assert.not.ok(looksLikeArtifact(bytes('{"maps":[]}')));
});

test("the bundled user side imports without its source and without the compiler: format() works", async () => {
  const code = await bundleUserSide(join(root, "samples", "exitsnoop.ts"));
  assert.not.match(code, /from "tsbpf"/, "tsbpf is left to the loader");
  const mod = await importUserSide<{ format: (e: unknown) => string; header: string }>(code, join(dir, "exitsnoop.tsbpf"));
  assert.match(mod.header, /^PCOMM/);
  const line = mod.format({ comm: "sleep", pid: 42, ppid: 1, tid: 42, age: 1_500_000_000n, code: 0, signal: 9, core: false });
  assert.match(line, /^sleep\s+42\s+1\s+42\s+1\.50\s+signal 9 \(KILL\)/);
});

test("a user side with CommonJS packages gets a require(), loaded from the cache or, where it cannot be written, a data: URL", async () => {
  const project = join(dir, "cjs-project");
  mkdirSync(join(project, "node_modules", "cjsdep"), { recursive: true });
  writeFileSync(join(project, "node_modules", "cjsdep", "index.js"), 'module.exports = { platform: require("node:os").platform() };\n');
  writeFileSync(join(project, "tool.ts"), 'import dep from "cjsdep";\nexport function format(): string { return `on ${dep.platform}`; }\n');
  const code = await bundleUserSide(join(project, "tool.ts"));
  assert.ok(code.startsWith(USER_SIDE_REQUIRE), "the bundle begins with the require() it needs");
  const saved = process.env.TSBPF_CACHE_DIR;
  try {
    for (const cache of [join(dir, "user-cache"), "/proc/tsbpf-cannot-write-here"]) {
      process.env.TSBPF_CACHE_DIR = cache;
      const mod = await importUserSide<{ format: () => string }>(code, join(project, "tool.tsbpf"));
      assert.is(mod.format(), `on ${process.platform}`, cache);
    }
  } finally {
    process.env.TSBPF_CACHE_DIR = saved;
  }
  assert.is(readdirSync(join(dir, "user-cache", "user-side")).length, 1, "the first import was from the cache");
});

test("tsbpf build -o x.tsbpf writes it; tsbpf run refuses a damaged one in one line, exit 2", () => {
  const out = join(dir, "exitsnoop.tsbpf");
  const b = tsbpf(["build", join(root, "samples", "exitsnoop.ts"), "-o", out]);
  assert.is(b.status, 0, b.stderr);
  const a = decodeArtifact(readFileSync(out), out);
  assert.ok(a.userSide?.module.includes("function format"), "the user side is in the file");
  assert.is(a.source, "exitsnoop.ts");
  const broken = join(dir, "broken.tsbpf");
  writeFileSync(broken, readFileSync(out, "utf8").replace('"license":"GPL"', '"license":7'));
  const r = tsbpf(["run", broken, "--duration", "1"]);
  assert.is(r.status, 2, r.stderr);
  assert.match(r.stderr, /^tsbpf run: .*broken\.tsbpf: damaged compiled tracer: spec\.programs\[0\]\.license: .*; rebuild it with tsbpf build\n$/);
  const garbage = join(dir, "garbage.tsbpf");
  writeFileSync(garbage, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 3]));
  const g = tsbpf(["run", garbage]);
  assert.is(g.status, 2, g.stderr);
  assert.match(g.stderr, /^tsbpf run: .*garbage\.tsbpf: not a compiled tracer/);
  assert.is(g.stderr.trim().split("\n").length, 1, g.stderr);
});

test("simulate() runs a compiled tracer in the VM as it runs the source", async () => {
  const file = join(dir, "syscount-vm.tsbpf");
  writeFileSync(file, encode(syscount!));
  const { simulate } = await import("../../testing.ts");
  const sim = await simulate(file, { env: { comm: "artifact" } });
  sim.fire("raw_syscalls/sys_enter", { id: 257 });
  sim.fire("raw_syscalls/sys_enter", { id: 257 });
  // The key's display hint and the top option came through the file: a name, where the running machine has one.
  assert.equal(syscount!.maps.find((m) => m.name === "syscalls")?.aggregation, { kind: "count", keyed: true, key: { kind: "int", size: 4, signed: false, display: "syscall" }, top: 10 });
  assert.match(sim.print("syscalls"), new RegExp(`^@syscalls\\[${syscallName(257) ?? 257}\\]: 2\n$`));
  assert.match(sim.print("processes"), /@processes\[artifact\]: 2/);
});

test.run();
