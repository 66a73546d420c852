// `tsbpf list` without root: patterns read in every form (globs, bpftrace's and tsbpf's), kernel functions from BTF,
// a library's functions, perf events (core/perf-events.ts, checked against the running kernel's enums), the exit
// codes, a reader that closes the pipe early, and that listing loads neither TypeScript nor koffi. Tracepoints need
// root: test/kernel/list.test.ts.

import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { CliError } from "../../cli/args.ts";
import { type Query, globRegExp, parsePattern } from "../../cli/list.ts";
import { parseBtf } from "../../core/object/btf/index.ts";
import { HARDWARE_EVENTS, PERF_TYPE, SOFTWARE_EVENTS } from "../../core/perf-events.ts";
import { cpuPmu } from "../../runtime/kernel/pmu.ts";
import { lacksVmlinuxBtf } from "../support/skip.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const dir = mkdtempSync(join(tmpdir(), "tsbpf-list-"));
const env = { ...process.env, TSBPF_CACHE_DIR: join(dir, "cache"), NO_COLOR: "1" };
const cli = join(root, "bin/tsbpf.js");
const tsbpf = (args: string[], extraEnv: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, [cli, ...args], { cwd: dir, env: { ...env, ...extraEnv }, encoding: "utf8", timeout: 60_000, maxBuffer: 64 << 20 });
const lines = (out: string) => out.split("\n").filter(Boolean);

test("globs: * and ? within a name, [...] sets and ranges, [!...] negated, the rest literal", () => {
  assert.ok(globRegExp("*open*").test("sys_enter_openat"));
  assert.not.ok(globRegExp("*open*").test("sys_enter_close"));
  assert.ok(globRegExp("vfs_rea?").test("vfs_read"));
  assert.not.ok(globRegExp("vfs_rea?").test("vfs_readv"));
  assert.ok(globRegExp("sys_[ex]*").test("sys_exit_read"));
  assert.not.ok(globRegExp("sys_[ex]*").test("sys_open"));
  assert.ok(globRegExp("[a-c]x").test("bx"));
  assert.not.ok(globRegExp("[!a-c]x").test("bx"));
  assert.ok(globRegExp("[!a-c]x").test("dx"));
  // Regular-expression characters mean themselves, and an unclosed [ is a character.
  assert.ok(globRegExp("a.b+c").test("a.b+c"));
  assert.not.ok(globRegExp("a.b").test("axb"));
  assert.ok(globRegExp("a[b").test("a[b"));
});

/** What a query matches among `names`. */
const matches = (q: Query, names: readonly string[]) => names.filter((n) => q.match(n));
const TRACEPOINTS = ["syscalls/sys_enter_openat", "syscalls/sys_enter_close", "sched/sched_switch", "fs/do_sys_open"];
const categories = () => ["syscalls", "sched", "fs"];

test("tracepoint patterns: tsbpf's form, bpftrace's, with and without the kind, give the same query", () => {
  for (const p of ["tracepoint:syscalls/*open*", "tracepoint:syscalls:*open*", "t:syscalls:*open*", "syscalls:*open*", "syscalls/*open*"]) {
    const qs = parsePattern(p, categories);
    assert.is(qs.length, 1, p);
    assert.is(qs[0]!.kind, "tracepoint", p);
    assert.equal(matches(qs[0]!, TRACEPOINTS), ["syscalls/sys_enter_openat"], p);
  }
  // `*` does not cross the slash between category and event; without a category it matches either name.
  assert.equal(matches(parsePattern("tracepoint:s*", categories)[0]!, TRACEPOINTS), ["syscalls/sys_enter_openat", "syscalls/sys_enter_close", "sched/sched_switch"]);
  assert.equal(matches(parsePattern("tracepoint:sched_switch", categories)[0]!, TRACEPOINTS), ["sched/sched_switch"]);
  assert.equal(matches(parsePattern("tracepoint", categories)[0]!, TRACEPOINTS), TRACEPOINTS);
});

test("kinds by tsbpf's and bpftrace's names; a bare glob is every kernel-side kind, never uprobes", () => {
  const kinds = (p: string) => parsePattern(p, categories).map((q) => q.kind);
  assert.equal(kinds("rt:sched_*"), ["rawTracepoint"]);
  assert.equal(kinds("rawtracepoint:x"), ["rawTracepoint"]);
  assert.equal(kinds("tp_btf:x"), ["tpBtf"]);
  assert.equal(kinds("k:vfs_*"), ["kprobe"]);
  assert.equal(kinds("kr:vfs_*"), ["kretprobe"]);
  assert.equal(kinds("kfunc:vfs_*"), ["fentry"]);
  assert.equal(kinds("kretfunc:vfs_*"), ["fexit"]);
  assert.equal(kinds("s:*"), ["software"]);
  assert.equal(kinds("hardware"), ["hardware"]);
  assert.equal(kinds("*open*"), ["tracepoint", "rawTracepoint", "kprobe", "software", "hardware"]);
  // A short form alone is a name like any other.
  assert.equal(kinds("t"), ["tracepoint", "rawTracepoint", "kprobe", "software", "hardware"]);
  const [bare] = parsePattern("*open*", categories);
  assert.equal(matches(bare!, TRACEPOINTS), ["syscalls/sys_enter_openat", "fs/do_sys_open"]);
});

test("uprobe patterns: a target and a symbol glob (all symbols without one); the target is one file, not a pattern", () => {
  const [q] = parsePattern("uprobe:/bin/bash:read*", categories);
  assert.ok(q?.kind === "uprobe" && q.target === "/bin/bash");
  assert.equal(matches(q, ["readline", "rl_read", "read"]), ["readline", "read"]);
  const [all] = parsePattern("u:libc", categories);
  assert.ok(all?.kind === "uprobe" && all.target === "libc" && all.match("anything"));
  const [ur] = parsePattern("uretprobe:libc:malloc", categories);
  assert.ok(ur?.kind === "uretprobe" && ur.target === "libc");
  for (const bad of ["uprobe:", "uprobe:*:malloc", "uprobe:/usr/lib/*/libc.so.6:malloc"]) {
    assert.throws(() => parsePattern(bad, categories), (e: unknown) => e instanceof CliError && e.exitCode === 2, bad);
  }
});

test("a word before ':' that is neither a kind nor a category is bad input, saying which kinds there are", () => {
  let error: unknown;
  try {
    parsePattern("foo:*", categories);
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof CliError && error.exitCode === 2);
  assert.match(error.message, /'foo' is neither a probe kind nor a tracepoint category \(kinds: tracepoint, rawTracepoint/);
  // A category glob that matches a category is a tracepoint pattern.
  assert.is(parsePattern("sch*:*", categories)[0]!.kind, "tracepoint");
});

test("the perf event table is the running kernel's enum perf_sw_ids and perf_hw_id, every one of them", () => {
  if (lacksVmlinuxBtf()) return;
  const btf = parseBtf(readFileSync("/sys/kernel/btf/vmlinux"));
  const kernelEnum = (name: string) => {
    const [e] = btf.findByName(name, "enum");
    assert.ok(e?.kind === "enum", name);
    return new Map(e.values.filter((v) => !v.name.endsWith("_MAX")).map((v) => [v.name, v.value]));
  };
  for (const [events, name] of [[SOFTWARE_EVENTS, "perf_sw_ids"], [HARDWARE_EVENTS, "perf_hw_id"]] as const) {
    const kernel = kernelEnum(name);
    assert.equal(new Map(events.map((e) => [e.constant, e.config])), kernel, name);
  }
  const types = kernelEnum("perf_type_id");
  assert.is(types.get("PERF_TYPE_SOFTWARE"), PERF_TYPE.software);
  assert.is(types.get("PERF_TYPE_HARDWARE"), PERF_TYPE.hardware);
});

test("tsbpf list software:* and -l hardware:* print every event of the table, sorted; -v gives their numbers", () => {
  const sw = tsbpf(["list", "software:*"]);
  assert.is(sw.status, 0, sw.stderr);
  assert.equal(lines(sw.stdout), SOFTWARE_EVENTS.map((e) => `software:${e.name}`).sort());
  const hw = tsbpf(["-l", "h:*"]);
  assert.is(hw.status, 0, hw.stderr);
  assert.equal(lines(hw.stdout), HARDWARE_EVENTS.map((e) => `hardware:${e.name}`).sort());
  const v = tsbpf(["-lv", "software:page-faults"]);
  assert.is(v.status, 0, v.stderr);
  assert.is(v.stdout, "software:page-faults\n    PERF_COUNT_SW_PAGE_FAULTS (perf type 1, config 2); also faults\n");
  assert.is(tsbpf(["list", "-v", "software:page-faults"]).stdout, v.stdout);
});

test("tsbpf -lv says a hardware event is not available where the machine exposes no CPU PMU", () => {
  const v = tsbpf(["-lv", "hardware:cpu-cycles"]);
  assert.is(v.status, 0, v.stderr);
  assert.is(/not available here: no hardware PMU/.test(v.stdout), cpuPmu() === undefined, v.stdout);
});

test("kernel functions come from BTF: kprobe:vfs_read, with its prototype under -v; fentry: lists the same names", () => {
  if (lacksVmlinuxBtf()) return;
  const r = tsbpf(["-l", "kprobe:vfs_*"]);
  assert.is(r.status, 0, r.stderr);
  const names = lines(r.stdout);
  assert.ok(names.includes("kprobe:vfs_read"), r.stdout);
  assert.ok(names.every((l) => /^kprobe:vfs_/.test(l)), r.stdout);
  assert.equal(names, [...new Set(names)].sort());
  const f = tsbpf(["-l", "fentry:vfs_*"]);
  assert.equal(lines(f.stdout), names.map((l) => l.replace(/^kprobe:/, "fentry:")));
  const v = tsbpf(["-lv", "k:vfs_read"]);
  assert.is(v.stdout, "kprobe:vfs_read\n    arg0: struct file *file\n    arg1: char *buf\n    arg2: size_t count\n    arg3: loff_t *pos\n    returns: ssize_t\n");
});

test("uprobe:libc:*alloc* lists libc's malloc and calloc by the library's path; a missing target is exit 2", () => {
  const r = tsbpf(["-l", "uprobe:libc:*alloc*"]);
  assert.is(r.status, 0, r.stderr);
  const found = lines(r.stdout);
  const path = /^uprobe:(\/[^:]+):/.exec(found[0] ?? "")?.[1];
  assert.ok(path && /libc\.so/.test(path), r.stdout);
  for (const fn of ["malloc", "calloc", "realloc"]) assert.ok(found.includes(`uprobe:${path}:${fn}`), `${fn} in\n${r.stdout}`);
  assert.ok(found.every((l) => l.startsWith(`uprobe:${path}:`) && /alloc/.test(l.slice(l.lastIndexOf(":")))), r.stdout);
  // The path printed is one a tracer can use, and lists the same.
  assert.is(tsbpf(["-l", `uprobe:${path}:*alloc*`]).stdout, r.stdout);
  const missing = tsbpf(["-l", `uprobe:${join(dir, "no-such-binary")}:*`]);
  assert.is(missing.status, 2);
  assert.is(missing.stdout, "");
  assert.match(missing.stderr, /^tsbpf list: uprobe:\S+no-such-binary: .*no such file.*\n$/);
});

test("nothing matched: exit 1 and one line; an empty pattern: exit 2; --help: usage and exit 0", () => {
  const none = tsbpf(["-l", "software:no-such-event"]);
  assert.is(none.status, 1);
  assert.is(none.stdout, "");
  assert.is(none.stderr, "tsbpf list: nothing matches 'software:no-such-event'\n");
  const empty = tsbpf(["list", ""]);
  assert.is(empty.status, 2);
  assert.match(empty.stderr, /^tsbpf list: an empty pattern; [^\n]*\n$/);
  const bad = tsbpf(["list", "--bogus"]);
  assert.is(bad.status, 2);
  assert.is(bad.stderr, "tsbpf list: unknown option --bogus; see tsbpf list --help\n");
  const help = tsbpf(["list", "--help"]);
  assert.is(help.status, 0);
  assert.match(help.stdout, /^usage: tsbpf list \[-v\] \[pattern \.\.\.\]/);
});

test("a reader that closes the pipe early (tsbpf -l | head -1) ends the listing quietly, exit 0", async () => {
  if (lacksVmlinuxBtf()) return;
  // Every kernel function: megabytes, far more than a pipe holds, so writes fail once the reader has gone.
  const p = spawn(process.execPath, [cli, "-l", "kprobe:*"], { cwd: dir, env });
  let err = "";
  p.stderr.on("data", (d: Buffer) => (err += d));
  const first = await new Promise<string>((resolve) => {
    let out = "";
    p.stdout.on("data", (d: Buffer) => {
      out += d;
      if (out.includes("\n")) {
        p.stdout.destroy();
        resolve(out.slice(0, out.indexOf("\n")));
      }
    });
  });
  const code = await new Promise<number | null>((r) => p.on("exit", (c) => r(c)));
  assert.match(first, /^kprobe:/);
  assert.is(code, 0, err);
  assert.is(err, "");
});

test("listing loads neither TypeScript nor koffi (the module log of the process)", () => {
  const log = join(dir, "modules.log");
  // As a user starts it: under npm (npx, npm test) bin/parent.js loads koffi for its prctl, whatever the command.
  const plain: NodeJS.ProcessEnv = { ...env, TSBPF_MODULE_LOG: log };
  delete plain.npm_lifecycle_event;
  const r = spawnSync(process.execPath, ["--import", join(root, "test/support/module-log.mjs"), cli, "-l", "software:*"],
    { cwd: dir, env: plain, encoding: "utf8", timeout: 60_000 });
  assert.is(r.status, 0, r.stderr);
  const modules = readFileSync(log, "utf8").split("\n").filter(Boolean);
  rmSync(log);
  // The log works: it has the command's own module (cli/list.ts, or its chunk in dist/).
  assert.ok(modules.some((m) => /\/(cli\/list\.ts|dist\/list-[\w-]+\.mjs)$/.test(m)), modules.join("\n"));
  assert.equal(modules.filter((m) => /node_modules\/(ts-morph|@ts-morph|typescript|koffi)\//.test(m)), []);
});

test.run();
