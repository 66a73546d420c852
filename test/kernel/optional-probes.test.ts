// Optional probes ({ optional: true }): skipped, with the reason, where the attach point does not exist on the
// machine (at load, for a tracepoint whose fields need relocating, or at attach); every other failure still fails,
// and a tracer with nothing left to attach fails. Through load(), through a spec changed by hand (a tracepoint that
// does not exist cannot even be typed), and through `tsbpf run`.

import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { compile } from "../../compiler/index.ts";
import type { CollectionSpec, ProgramSpec } from "../../core/object/spec.ts";
import { load } from "../../load.ts";
import { Collection } from "../../runtime/kernel/collection.ts";
import { NotFoundError } from "../../runtime/kernel/errors.ts";
import { kernelTest } from "../support/kernel.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const fixture = join(root, "test/fixtures/tools/optional.ts");

test("the compiler marks the optional programs, and only those", () => {
  const r = compile(fixture);
  assert.ok(r.spec, JSON.stringify(r.diagnostics));
  assert.equal(r.spec.programs.map((p) => [p.attach.kind, p.optional ?? false]), [
    ["tracepoint", false], ["uprobe", true], ["uprobe", true], ["raw_tracepoint", true],
  ]);
});

kernelTest(test, "load(): the missing library, libc function and raw tracepoint are skipped with their reasons; the rest traces", async () => {
  const t = await load<typeof import("../fixtures/tools/optional.ts")>(fixture, { params: { pid: process.pid } });
  try {
    assert.equal(t.skipped.map((s) => s.attach), ["uprobe:libtsbpf-no-such-library:f", "uretprobe:libc:tsbpf_no_such_function", "raw_tracepoint:tsbpf_no_such_tracepoint"]);
    const [lib, fn, raw] = t.skipped.map((s) => s.reason);
    assert.match(lib!, /libtsbpf-no-such-library/);
    assert.match(fn!, /symbol "tsbpf_no_such_function" not found in \S*libc/);
    assert.match(raw!, /no raw tracepoint tsbpf_no_such_tracepoint/);
    assert.equal(t.programs.map((p) => p.attach), ["tracepoint:syscalls/sys_enter_getppid"]);
    for (let i = 0; i < 3; i++) void process.ppid;
    assert.is(t.maps.calls.get(process.pid), 3n);
  } finally {
    await t.close();
  }
});

/** The fixture's spec with its required tracepoint program changed by `change`. */
function changed(change: (p: ProgramSpec) => ProgramSpec): CollectionSpec {
  const spec = compile(fixture).spec!;
  return { ...spec, programs: spec.programs.map((p) => (p.attach.kind === "tracepoint" ? change(p) : p)) };
}
const nowhere = (p: ProgramSpec): ProgramSpec => ({ ...p, attach: { kind: "tracepoint", category: "syscalls", name: "sys_enter_tsbpf_nothing" } });

kernelTest(test, "a tracepoint that does not exist: an error when required; a tracer with every probe skipped fails", async () => {
  // Required: the load fails, naming the tracepoint.
  try {
    await Collection.load(changed(nowhere));
    assert.unreachable("a required tracepoint that does not exist must fail the load");
  } catch (e) {
    assert.instance(e, NotFoundError);
    assert.match((e as Error).message, /no tracepoint syscalls\/sys_enter_tsbpf_nothing/);
  }
  // Every probe optional and missing: nothing would trace, so the load fails with every reason.
  try {
    await Collection.load(changed((p) => ({ ...nowhere(p), optional: true })));
    assert.unreachable("a tracer whose every probe is skipped must fail");
  } catch (e) {
    assert.match((e as Error).message, /none of the probes exists here: .*tracepoint:syscalls\/sys_enter_tsbpf_nothing \(no tracepoint.*raw_tracepoint:tsbpf_no_such_tracepoint/);
  }
});

kernelTest(test, "opensnoop with its optional open tracepoint renamed to one that does not exist: skipped at load, where its fields are relocated", async () => {
  const spec = compile(join(root, "samples/opensnoop.ts")).spec!;
  const renamed: CollectionSpec = {
    ...spec,
    programs: spec.programs.map((p) => (p.name === "sys_enter_open" ? { ...p, attach: { kind: "tracepoint", category: "syscalls", name: "sys_enter_tsbpf_nothing" } } : p)),
  };
  assert.ok(renamed.programs.find((p) => p.name === "sys_enter_open")!.relocations?.length, "the handler reads tracepoint fields");
  const c = await Collection.load(renamed);
  try {
    assert.equal(c.skipped.map((s) => [s.program, s.attach]), [["sys_enter_open", "tracepoint:syscalls/sys_enter_tsbpf_nothing"]]);
    assert.match(c.skipped[0]!.reason, /^no tracepoint syscalls\/sys_enter_tsbpf_nothing/);
    assert.is(c.programs.has("sys_enter_open"), false);
    assert.is(c.links.length, spec.programs.length - 1);
  } finally {
    c.dispose();
  }
});

kernelTest(test, "an optional probe that fails for another reason (the verifier) still fails the load", async () => {
  // exit with r0 never set: the verifier refuses the program whatever its attach point.
  const broken = changed((p) => ({ ...p, optional: true, relocations: [], instructions: [{ op: 0x95, dst: 0, src: 0, off: 0, imm: 0 }] }));
  try {
    const c = await Collection.load(broken);
    c.dispose();
    assert.unreachable("the verifier's refusal must not be skipped");
  } catch (e) {
    assert.not.instance(e, NotFoundError);
    assert.match((e as Error).message, /R0 !read_ok|verifier|refused/i);
  }
});

kernelTest(test, "tsbpf run says which optional probes it skipped, and why, then traces with the rest", async () => {
  const env = { ...process.env, TSBPF_CACHE_DIR: mkdtempSync(join(tmpdir(), "tsbpf-cache-")), NO_COLOR: "1" };
  const child = spawn(process.execPath, [join(root, "bin/tsbpf.js"), "run", fixture, "--param", `pid=${process.pid}`], { cwd: root, env });
  let [stdout, stderr] = ["", ""];
  child.stdout.on("data", (d: Buffer) => (stdout += d));
  const exit = new Promise<number | null>((r) => child.on("exit", (c) => r(c)));
  await new Promise<void>((resolve, reject) => {
    child.stderr.on("data", (d: Buffer) => {
      stderr += d;
      if (/tsbpf_no_such_tracepoint/.test(stderr)) resolve();
    });
    void exit.then((c) => reject(new Error(`tsbpf run exited (${c}) early:\n${stderr}`)));
  });
  // Counted in the kernel as they happen: nothing to wait for before Ctrl-C.
  for (let i = 0; i < 5; i++) void process.ppid;
  child.kill("SIGINT");
  assert.is(await exit, 0, stderr);
  assert.match(stderr, /^Attaching 4 probes\.\.\.$/m);
  assert.match(stderr, /^skipped optional probe uprobe:libtsbpf-no-such-library:f: .*libtsbpf-no-such-library/m);
  assert.match(stderr, /^skipped optional probe uretprobe:libc:tsbpf_no_such_function: symbol "tsbpf_no_such_function" not found/m);
  assert.match(stderr, /^skipped optional probe raw_tracepoint:tsbpf_no_such_tracepoint: no raw tracepoint/m);
  assert.match(stdout, new RegExp(`^@calls\\[${process.pid}\\]: 5$`, "m"));
});

test.run();
