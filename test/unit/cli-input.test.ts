// Bad source on the command line: a syntax error in main(), in a helper module, and a tool module that throws while
// imported exit 1 with file:line:col and no stack trace. (Bad arguments and files, and --help, are
// test/unit/cli-bad-input.test.ts.) Nothing here loads BPF: every case fails before anything reaches the kernel.

import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { userFrame } from "../../cli/report.ts";
import { STACK_FRAME, inBatches as all, runCli } from "../support/cli.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const dir = mkdtempSync(join(tmpdir(), "tsbpf-cli-input-"));
const env: NodeJS.ProcessEnv = { ...process.env, TSBPF_CACHE_DIR: join(dir, "cache"), NO_COLOR: "1" };
delete env.TSBPF_DEBUG;

// The tools, with mistakes in their user side.
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

const tsbpf = (args: readonly string[], cwd = root) => runCli(args, env, cwd);

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
