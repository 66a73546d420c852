// Bad input on the command line, as a user types it: every command given a missing file, a directory, a binary or
// huge file, an unknown option or a bad value exits 2 with one line on stderr naming the problem, and never a stack
// trace; --help prints the command's usage and exits 0. Source errors (a syntax error in main(), in a helper module,
// a tool module that throws while imported) exit 1 with file:line:col. Nothing here loads BPF: every case fails
// before anything reaches the kernel.

import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { userFrame } from "../../cli/report.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const dir = mkdtempSync(join(tmpdir(), "tsbpf-cli-input-"));
const env: NodeJS.ProcessEnv = { ...process.env, TSBPF_CACHE_DIR: join(dir, "cache"), NO_COLOR: "1" };
delete env.TSBPF_DEBUG;

// The files the commands are given.
const missing = join(dir, "missing.ts");
const binary = join(dir, "binary.ts");
writeFileSync(binary, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 3]));
const huge = join(dir, "huge.ts");
writeFileSync(huge, `// ${"x".repeat(4 * 1024 * 1024)}\n`);
const notUtf8 = join(dir, "latin1.s");
writeFileSync(notUtf8, Buffer.from("mov %r0, 0\n# caf\xe9\nexit\n", "latin1"));
const asm = join(dir, "ok.s");
writeFileSync(asm, "mov %r0, 7\nexit\n");
const tracer = join(dir, "flag.ts");
writeFileSync(tracer, `import { tracepoint, Count, param, bpf, type u32 } from "tsbpf";
const failed = param("failed", false);
export const calls = new Count<u32>();
tracepoint("syscalls/sys_enter_getppid", () => {
  if (failed) calls.increment(bpf.pid());
});
`);
const badMain = join(dir, "bad-main.ts");
writeFileSync(badMain, `import { tracepoint, Count, bpf, type u32 } from "tsbpf";
export const calls = new Count<u32>();
tracepoint("syscalls/sys_enter_getppid", () => {
  calls.increment(bpf.pid());
});
export async function main(args: string[]): Promise<number> {
  if (args.length > 0 {
    return 1;
  }
  return 0;
}
`);
const helper = join(dir, "helper.ts");
writeFileSync(helper, `export function describe(n: number): string {\n  if (n > 1 { return "many"; }\n  return "few";\n}\n`);
const usesHelper = join(dir, "uses-helper.ts");
writeFileSync(usesHelper, `import { tracepoint, Count, bpf, type u32 } from "tsbpf";
import { describe } from "./helper.ts";
export const calls = new Count<u32>();
tracepoint("syscalls/sys_enter_getppid", () => {
  calls.increment(bpf.pid());
});
export function main(args: string[]): number {
  return describe(args.length).length;
}
`);
// A tool in a project of its own (tsbpf in its node_modules), whose module throws while `run` imports it.
const project = join(dir, "project");
mkdirSync(join(project, "node_modules"), { recursive: true });
symlinkSync(root, join(project, "node_modules", "tsbpf"));
writeFileSync(join(project, "package.json"), '{ "type": "module" }\n');
const throws = join(project, "throws.ts");
writeFileSync(throws, `import { tracepoint, Count, bpf, type u32 } from "tsbpf";
export const calls = new Count<u32>();
tracepoint("syscalls/sys_enter_getppid", () => {
  calls.increment(bpf.pid());
});
if (calls) throw new Error("the tool refuses to start");
export function main(): number {
  return 0;
}
`);

interface Result {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function tsbpf(args: readonly string[], cwd = root): Promise<Result> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [join(root, "bin/tsbpf.js"), ...args], { cwd, env });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d: Buffer) => (stdout += d));
    p.stderr.on("data", (d: Buffer) => (stderr += d));
    p.on("error", reject);
    p.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

/** Runs the cases a few at a time (each is a Node process; the machine is shared). */
async function all<T, R>(items: readonly T[], run: (item: T) => Promise<R>, width = 4): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await run(items[i]!);
    }
  }));
  return out;
}

const STACK_FRAME = /^ {4}at /m;

/** [arguments, text the one line must contain] */
const BAD_INPUT: readonly (readonly [readonly string[], string])[] = [
  [["run", missing], `${missing}: no such file`],
  [["run", dir], `${dir} is a directory; expected a TypeScript tracer`],
  [["run", binary], `${binary} is a binary file, not a TypeScript tracer`],
  [["run", huge], "MB, more than a TypeScript tracer (.ts) can be (at most 4.0 MB)"],
  [["run", "--bogus", tracer], "tsbpf run: unknown option --bogus; see tsbpf run --help"],
  [["run"], "tsbpf run: no tracer file given"],
  [["run", tracer, "--format", "xml"], 'unknown output format "xml"'],
  [["run", tracer, "--duration"], "tsbpf run: --duration needs a value"],
  [["run", tracer, "--param", "failed=maybe"], 'parameter failed: expected true or false (or 1 or 0), not "maybe"'],
  [["run", tracer, "--param", "fail=1"], "unknown parameter fail (parameters: failed)"],
  [["build", missing], `tsbpf build: ${missing}: no such file`],
  [["build", dir], "is a directory"],
  [["build", binary], "is a binary file"],
  [["build", "--bogus", tracer], "tsbpf build: unknown option --bogus; see tsbpf build --help"],
  [["build", tracer, "--emit", "wat"], "tsbpf build: --emit: "],
  [["build", tracer, tracer], "unexpected argument"],
  [["build", tracer, "-o", join(dir, "no", "such", "dir", "out.s")], "its directory does not exist"],
  [["asm", missing.replace(/\.ts$/, ".s")], "no such file"],
  [["asm", dir], `${dir} is a directory; expected eBPF assembly text`],
  [["asm", binary], "is a binary file, not eBPF assembly text"],
  [["asm", notUtf8], "is a binary file"],
  [["asm", "--bogus", asm], "tsbpf asm: unknown option --bogus"],
  [["asm", asm, "-o", dir], `cannot write ${dir}`],
  [["disasm", missing], "tsbpf disasm: "],
  [["disasm", dir], "is a directory; expected eBPF bytecode"],
  [["disasm", "--words", asm], "tsbpf disasm: unknown option --words"],
  [["vm", asm, "--budget", "x"], 'tsbpf vm: --budget must be an integer of at least 1, not "x"'],
  [["vm", asm, "--budget", "0"], "--budget must be an integer of at least 1"],
  [["vm", asm, "--mem", "zz"], '--mem must be hex bytes (e.g. 0a0b0c0d), not "zz"'],
  [["vm", dir], "is a directory"],
  [["vm", missing], "no such file"],
  [["vm", "--bogus", asm], "tsbpf vm: unknown option --bogus"],
  [["vm"], "tsbpf vm: missing file"],
  [["types", "--bogus"], "tsbpf types: unknown option --bogus"],
  [["types", "extra"], "tsbpf types: unexpected argument extra"],
  [["types", "--btf", "--out", dir], `${dir} is a directory; with --btf, --out names the file to write`],
  [["frobnicate"], "tsbpf: unknown command 'frobnicate'"],
];

test("bad input on every command: exit 2, one line on stderr naming the problem, no stack trace", async () => {
  const results = await all(BAD_INPUT, ([args]) => tsbpf(args));
  const problems: string[] = [];
  BAD_INPUT.forEach(([args, text], i) => {
    const r = results[i]!;
    const lines = r.stderr.trimEnd().split("\n");
    const what = `tsbpf ${args.join(" ")}`;
    if (r.status !== 2) problems.push(`${what}: exit ${r.status}, expected 2\n${r.stderr}`);
    if (lines.length !== 1) problems.push(`${what}: ${lines.length} lines on stderr, expected 1:\n${r.stderr}`);
    if (!r.stderr.includes(text)) problems.push(`${what}: stderr does not say ${JSON.stringify(text)}:\n${r.stderr}`);
    if (STACK_FRAME.test(r.stderr)) problems.push(`${what}: a stack trace:\n${r.stderr}`);
  });
  assert.equal(problems, []);
});

test("--help on every command: its usage on stdout, exit 0", async () => {
  const commands = ["run", "build", "asm", "disasm", "vm", "types"];
  const results = await all(commands, (c) => tsbpf([c, "--help"]));
  commands.forEach((c, i) => {
    const r = results[i]!;
    assert.is(r.status, 0, `${c} --help: ${r.stderr}`);
    assert.match(r.stdout, new RegExp(`^usage: tsbpf ${c} `), c);
    assert.is(r.stderr, "", c);
  });
  const top = await tsbpf(["--help"]);
  assert.is(top.status, 0);
  assert.match(top.stdout, /^usage: tsbpf <command>/);
});

test("source errors in user-side code: exit 1, TypeScript's error at file:line:col, no stack trace", async () => {
  const [main, imported] = await all([["run", badMain], ["build", usesHelper]], (args) => tsbpf(args));
  assert.is(main!.status, 1, main!.stderr);
  assert.match(main!.stderr, `${badMain}:7:23 - error TS1005: ')' expected.`);
  assert.not.match(main!.stderr, STACK_FRAME);
  assert.is(imported!.status, 1, imported!.stderr);
  assert.match(imported!.stderr, `${helper}:2:13 - error TS1005: ')' expected.`);
  assert.not.match(imported!.stderr, STACK_FRAME);
});

test("a tool module that throws while `run` imports it: the error at the tool's line, exit 1, no stack trace", async () => {
  const r = await tsbpf(["run", "throws.ts"], project);
  assert.is(r.status, 1, r.stderr);
  assert.match(r.stderr, `${throws}:6:18 - error: the tool refuses to start`);
  assert.match(r.stderr, "- error: the tool refuses to start");
  assert.not.match(r.stderr, STACK_FRAME);
  assert.not.match(r.stderr, "internal error");
});

test("tsbpf's own frames are not the tool's", () => {
  const own = new Error("bug");
  own.stack = `Error: bug\n    at f (${join(root, "cli/run.ts")}:10:5)\n    at g (/p/tool.ts:3:1)`;
  assert.is(userFrame(own), undefined);
  const tool = new Error("boom");
  tool.stack = `Error: boom\n    at file:///p/tool.ts:6:17\n    at ModuleJob.run (node:internal/modules/esm/module_job:234:25)\n    at f (${join(root, "cli/run.ts")}:10:5)`;
  assert.is(userFrame(tool), "/p/tool.ts:6:17");
});

test.run();
