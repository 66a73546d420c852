// Every command of the command line, as a user mistypes it: each one given an unknown option, an option without its
// value or with a bad one, a missing file, a directory, a binary, huge or non-UTF-8 file and an extra argument exits 2 with exactly one line on stderr
// (`tsbpf <command>: ...`), nothing on stdout and never a stack trace; `--help` and `-h` print the command's usage on
// stdout and exit 0; `--version` and `-V` print the version; a first word that is a file or one of run's options is
// `tsbpf run`. And whether diagnostics are coloured: by the stream they go to, NO_COLOR and FORCE_COLOR. Nothing here
// loads BPF (test/kernel/cli-run-options.test.ts runs what needs the kernel: -o, -q, `tsbpf file.ts`).

import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { useColor } from "../../cli/report.ts";
import { STACK_FRAME, inBatches as all, runCli } from "../support/cli.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const dir = mkdtempSync(join(tmpdir(), "tsbpf-cli-bad-input-"));
const env: NodeJS.ProcessEnv = { ...process.env, TSBPF_CACHE_DIR: join(dir, "cache"), NO_COLOR: "1" };
delete env.TSBPF_DEBUG;
delete env.FORCE_COLOR;

const missing = join(dir, "missing.ts");
const binary = join(dir, "binary.ts");
writeFileSync(binary, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 3]));
const binaryAsm = join(dir, "binary.s");
writeFileSync(binaryAsm, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 3]));
const asm = join(dir, "ok.s");
writeFileSync(asm, "mov %r0, 7\nexit\n");
const bytecode = join(dir, "ok.bin");
writeFileSync(bytecode, Buffer.from("b700000007000000" + "9500000000000000", "hex"));
const tracer = join(dir, "count.ts");
writeFileSync(tracer, `import { tracepoint, Count, bpf, type u32 } from "tsbpf";
export const calls = new Count<u32>();
tracepoint("syscalls/sys_enter_getppid", () => {
  calls.increment(bpf.pid());
});
`);
const huge = join(dir, "huge.ts");
writeFileSync(huge, `// ${"x".repeat(4 * 1024 * 1024)}\n`);
const notUtf8 = join(dir, "latin1.s");
writeFileSync(notUtf8, Buffer.from("mov %r0, 0\n# caf\xe9\nexit\n", "latin1"));
const flag = join(dir, "flag.ts");
writeFileSync(flag, `import { tracepoint, Count, param, bpf, type u32 } from "tsbpf";
const failed = param("failed", false);
export const calls = new Count<u32>();
tracepoint("syscalls/sys_enter_getppid", () => {
  if (failed) calls.increment(bpf.pid());
});
`);
const webConfig = join(dir, "web.yml");
writeFileSync(webConfig, "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  bogus: 1\n");
const notCompiled = join(dir, "not-compiled.tsbpf");
writeFileSync(notCompiled, "garbage\nand more\n");
const illTyped = join(dir, "ill-typed.ts");
writeFileSync(illTyped, `import { tracepoint } from "tsbpf";
tracepoint("syscalls/sys_enter_getppid", () => {
  const n: number = "one";
});
`);

const tsbpf = (args: readonly string[], extraEnv: NodeJS.ProcessEnv = {}) => runCli(args, { ...env, ...extraEnv }, dir);

/** What each command reads, and the ways to get it wrong that apply to it: [arguments, what the one line says]. */
const BAD_INPUT: readonly (readonly [readonly string[], string | RegExp])[] = [
  // run, and the same without the command word
  [["run", "--bogus", tracer], "tsbpf run: unknown option --bogus; see tsbpf run --help"],
  [["run", tracer, "-x"], "tsbpf run: unknown option -x; see tsbpf run --help"],
  [["run", tracer, "--duration"], "tsbpf run: --duration needs a value"],
  [["run", tracer, "-o"], "tsbpf run: --output needs a value"],
  [["run", tracer, "--quiet=yes"], "tsbpf run: --quiet takes no value"],
  [["run", tracer, "--param", "pid"], 'tsbpf run: --param: expected name=value, not "pid"'],
  [["run", tracer, "-f", "yaml"], 'tsbpf run: --format: unknown output format "yaml"'],
  [["run", missing], `tsbpf run: ${missing}: no such file`],
  [["run", dir], `tsbpf run: ${dir} is a directory`],
  // An ELF file is taken for a clang-built BPF object, whatever its name.
  [["run", binary], `tsbpf run: ${binary}: starts as an ELF file but is 8 bytes long`],
  [["run", huge], "MB, more than a TypeScript tracer (.ts) can be (at most 4.0 MB)"],
  [["run", flag, "--param", "failed=maybe"], 'parameter failed: expected true or false (or 1 or 0), not "maybe"'],
  [["run", flag, "--param", "fail=1"], "unknown parameter fail (parameters: failed)"],
  [["run", tracer, tracer], `tsbpf run: unexpected argument ${tracer}`],
  [["run", tracer, "-o", join(dir, "no", "such", "dir", "out.txt")], "tsbpf run: cannot write "],
  [["run", tracer, "-o", dir], `tsbpf run: cannot write ${dir}: it is a directory`],
  [["run", tracer, "--output", tracer], `tsbpf run: ${tracer} is the tracer being run`],
  [["run", tracer, "--flamegraph"], "tsbpf run: --flamegraph needs a value"],
  [["run", tracer, "--flamegraph", join(dir, "no", "such", "f.svg")], `tsbpf run: --flamegraph: ${join(dir, "no", "such")} is not a directory`],
  [["run", tracer, "--flamegraph", dir], `tsbpf run: --flamegraph: ${dir} is a directory`],
  [["run", tracer, "--flamegraph", tracer], `tsbpf run: --flamegraph: ${tracer} is the tracer being run`],
  [["run", tracer, "--flamegraph", join(dir, "f.svg")], `tsbpf run: --flamegraph: ${tracer} captures no stacks, so there is no flame graph to draw; hint: count bpf.kstack()`],
  [["run"], "tsbpf run: no tracer file given"],
  [[missing], `tsbpf run: ${missing}: no such file`],
  [["-q", missing], `tsbpf run: ${missing}: no such file`],
  [[tracer, "--bogus"], "tsbpf run: unknown option --bogus; see tsbpf run --help"],
  [["-q"], "tsbpf run: no tracer file given"],
  [[`${dir}/`], "is a directory"],
  // build
  [["build", "--bogus", tracer], "tsbpf build: unknown option --bogus; see tsbpf build --help"],
  [["build", tracer, "-o"], "tsbpf build: --out needs a value"],
  [["build", tracer, "--emit", "wat"], "tsbpf build: --emit: "],
  [["build", tracer, "--emit", "object"], "tsbpf build: --emit object writes a binary file: give it with -o"],
  [["build", missing], `tsbpf build: ${missing}: no such file`],
  [["build", dir], `tsbpf build: ${dir} is a directory`],
  [["build", binary], `tsbpf build: ${binary} is a binary file`],
  [["build", tracer, tracer], "tsbpf build: unexpected argument"],
  [["build"], "tsbpf build: no tracer file given"],
  // types (never run without --check or --help: it would write the package's declarations)
  [["types", "--bogus"], "tsbpf types: unknown option --bogus; see tsbpf types --help"],
  [["types", "--check", "--out"], "tsbpf types: --out needs a value"],
  [["types", "--check", "extra"], "tsbpf types: unexpected argument extra"],
  [["types", "--check", "--type", "task_struct"], "tsbpf types: --type names kernel types and needs --btf"],
  [["types", "--check", "--out", binary], `tsbpf types: ${binary} is not a directory`],
  [["types", "--btf", "--out", dir], `${dir} is a directory; with --btf, --out names the file to write`],
  // asm, disasm, vm
  [["asm", "--bogus", asm], "tsbpf asm: unknown option --bogus; see tsbpf asm --help"],
  [["asm", asm, "-o"], "tsbpf asm: --out needs a value"],
  [["asm", missing], `tsbpf asm: ${missing}: no such file`],
  [["asm", dir], `tsbpf asm: ${dir} is a directory`],
  [["asm", binaryAsm], `tsbpf asm: ${binaryAsm} is a binary file`],
  [["asm", asm, asm], "tsbpf asm: unexpected argument"],
  [["asm", notUtf8], `tsbpf asm: ${notUtf8} is a binary file`],
  [["asm", asm, "-o", dir], `cannot write ${dir}`],
  [["asm"], "tsbpf asm: missing file"],
  [["disasm", "--bogus", bytecode], "tsbpf disasm: unknown option --bogus; see tsbpf disasm --help"],
  [["disasm", bytecode, "--mem"], "tsbpf disasm: unknown option --mem"],
  [["disasm", "--words", asm], "tsbpf disasm: unknown option --words"],
  [["disasm", missing], `tsbpf disasm: ${missing}: no such file`],
  [["disasm", dir], `tsbpf disasm: ${dir} is a directory`],
  [["disasm", bytecode, bytecode], "tsbpf disasm: unexpected argument"],
  [["disasm"], "tsbpf disasm: missing file"],
  [["vm", "--bogus", asm], "tsbpf vm: unknown option --bogus; see tsbpf vm --help"],
  [["vm", asm, "--budget"], "tsbpf vm: --budget needs a value"],
  [["vm", asm, "--budget", "x"], 'tsbpf vm: --budget must be an integer of at least 1, not "x"'],
  [["vm", asm, "--budget", "0"], "--budget must be an integer of at least 1"],
  [["vm", asm, "--mem", "zz"], '--mem must be hex bytes (e.g. 0a0b0c0d), not "zz"'],
  [["vm", missing], `tsbpf vm: ${missing}: no such file`],
  [["vm", dir], `tsbpf vm: ${dir} is a directory`],
  [["vm", binaryAsm], `tsbpf vm: ${binaryAsm} is a binary file`],
  [["vm", asm, asm], "tsbpf vm: unexpected argument"],
  [["vm"], "tsbpf vm: missing file"],
  // serve (checked before anything is bound or loaded)
  [["serve", "--bogus", tracer], "tsbpf serve: unknown option --bogus; see tsbpf serve --help"],
  [["serve"], "tsbpf serve: no tracer file given"],
  [["serve", "-e", "tracepoint(\"a/b\", () => {})", tracer], `tsbpf serve: -e takes the program; unexpected argument ${tracer}`],
  [["serve", missing], `tsbpf serve: ${missing}: no such file`],
  [["serve", dir], `tsbpf serve: ${dir} is a directory`],
  [["serve", tracer, tracer], `tsbpf serve: unexpected argument ${tracer}`],
  [["serve", tracer, "--metrics"], "tsbpf serve: --metrics needs a value"],
  [["serve", tracer, "--metrics", "nine"], 'tsbpf serve: --metrics: expected HOST:PORT, :PORT or [IPv6]:PORT'],
  [["serve", tracer, "--metrics", "127.0.0.1:65536"], "tsbpf serve: --metrics: port 65536 is out of range (0 to 65535)"],
  [["serve", tracer, "--otlp", "ftp://collector"], 'tsbpf serve: --otlp: "ftp://collector" is not an http(s) URL'],
  [["serve", tracer, "--otlp", "http://c:4318", "--otlp-interval", "0"], 'tsbpf serve: --otlp-interval takes a number of seconds greater than 0 (such as 10 or 0.5), not "0"'],
  [["serve", tracer, "--otlp", "http://c:4318", "--otlp-header", "x=a\r\nb: c"], "tsbpf serve: --otlp-header: expected name=value (a header name, and a value on one line)"],
  [["serve", tracer, "--otlp", "http://c:4318", "--otlp-protocol", "grpc"], 'tsbpf serve: --otlp-protocol is "grpc": OTLP over gRPC is not supported; a collector\'s OTLP/HTTP port (4318) takes either of the others'],
  [["serve", tracer, "--otlp-protocol", "http/json"], "tsbpf serve: --otlp-protocol is for the OTLP push, and there is none: give --otlp URL too"],
  [["serve", tracer, "--max-series", "0"], 'tsbpf serve: --max-series must be an integer of at least 1, not "0"'],
  [["serve", tracer, "--namespace", "9lives"], 'tsbpf serve: --namespace: "9lives" cannot start a metric name'],
  [["serve", tracer, "--param", "pid"], 'tsbpf serve: --param: expected name=value, not "pid"'],
  [["serve", tracer, "--user", "no-such-user-here"], "tsbpf serve: --user: no user no-such-user-here on this machine"],
  [["serve", tracer, "--user", "0"], "tsbpf serve: --user: uid 0 is root"],
  [["serve", tracer, "--web.config.file", missing], `tsbpf serve: --web.config.file: ${missing}: cannot read the web config file (no such file)`],
  [["serve", tracer, "--web.config.file", webConfig], `tsbpf serve: --web.config.file: ${webConfig}:4:`],
  // What is wrong with the file is said by the command that reads it, on one line.
  [["serve", notCompiled, "--metrics", "127.0.0.1:0"], `tsbpf serve: ${notCompiled}: not a compiled tracer (.tsbpf is JSON: Unexpected token`],
  [["run", notCompiled], `tsbpf run: ${notCompiled}: not a compiled tracer`],
  // the command word itself
  [["frobnicate"], "tsbpf: unknown command 'frobnicate'; see tsbpf --help"],
  [["--bogus"], "tsbpf: unknown option --bogus; see tsbpf --help"],
  [["--version", "extra"], "tsbpf: --version takes no arguments"],
];

test("bad input on every command: exit 2, one line on stderr naming the problem, nothing on stdout, no stack trace", async () => {
  const results = await all(BAD_INPUT, ([args]) => tsbpf(args));
  const problems: string[] = [];
  BAD_INPUT.forEach(([args, text], i) => {
    const r = results[i]!;
    const what = `tsbpf ${args.join(" ")}`;
    const lines = r.stderr.split("\n");
    if (r.status !== 2) problems.push(`${what}: exit ${r.status}, expected 2\n${r.stderr}`);
    if (lines.length !== 2 || lines[1] !== "") problems.push(`${what}: ${lines.length - 1} lines on stderr, expected 1:\n${r.stderr}`);
    if (typeof text === "string" ? !r.stderr.includes(text) : !text.test(r.stderr)) problems.push(`${what}: stderr does not say ${text}:\n${r.stderr}`);
    if (r.stdout !== "") problems.push(`${what}: wrote on stdout:\n${r.stdout}`);
    if (STACK_FRAME.test(r.stderr)) problems.push(`${what}: a stack trace:\n${r.stderr}`);
  });
  assert.equal(problems, []);
});

test("serve on a port another process holds: exit 1, one line naming the address, nothing loaded", async () => {
  const { createServer } = await import("node:net");
  const holder = createServer();
  await new Promise<void>((r) => holder.listen(0, "127.0.0.1", r));
  try {
    const port = (holder.address() as { port: number }).port;
    const r = await tsbpf(["serve", tracer, "--metrics", `127.0.0.1:${port}`]);
    assert.is(r.status, 1, r.stderr);
    assert.is(r.stderr, `tsbpf serve: --metrics: cannot listen on "127.0.0.1:${port}": the address is in use; hint: another process serves this port (ss -ltnp shows which), or choose another\n`);
    assert.is(r.stdout, "");
  } finally {
    holder.close();
  }
});

test("a bad -o path is refused before anything is compiled or written, and the tracer is never emptied", async () => {
  const r = await tsbpf(["run", illTyped, "-o", join(dir, "no", "such", "dir", "out.txt")]);
  // Compiling first would have reported the type error (exit 1) instead.
  assert.is(r.status, 2, r.stderr);
  assert.not.match(r.stderr, "TS2322");
  await tsbpf([tracer, "-o", tracer]);
  assert.match(readFileSync(tracer, "utf8"), "calls.increment(bpf.pid())");
});

test("--help and -h on every command: its usage on stdout, exit 0", async () => {
  const commands = ["run", "serve", "build", "types", "asm", "disasm", "vm"];
  const cases = commands.flatMap((c) => [[c, "--help"], [c, "-h"]]);
  const results = await all(cases, (args) => tsbpf(args));
  cases.forEach((args, i) => {
    const r = results[i]!;
    assert.is(r.status, 0, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stdout, new RegExp(`^usage: tsbpf ${args[0]} `), args.join(" "));
    assert.is(r.stderr, "", args.join(" "));
  });
  for (const args of [["--help"], ["-h"], ["help"], []]) {
    const r = await tsbpf(args);
    assert.is(r.status, 0, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stdout, /^usage: tsbpf <command>/);
    assert.match(r.stdout, /-V, --version/);
    assert.is(r.stderr, "");
  }
});

test("--version and -V print tsbpf's version from package.json", async () => {
  const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string };
  for (const flag of ["--version", "-V"]) {
    const r = await tsbpf([flag]);
    assert.is(r.status, 0, r.stderr);
    assert.is(r.stdout, `tsbpf ${version}\n`);
    assert.is(r.stderr, "");
  }
});

test("a first word that is a file, or one of run's options, is tsbpf run: its --help, its errors", async () => {
  const help = await tsbpf([tracer, "--help"]);
  assert.is(help.status, 0, help.stderr);
  assert.match(help.stdout, /^usage: tsbpf run /);
  const dashed = await tsbpf(["--duration=1", "--help"]);
  assert.is(dashed.status, 0, dashed.stderr);
  assert.match(dashed.stdout, /^usage: tsbpf run /);
});

test("useColor: a terminal gets colours, a pipe or file does not; NO_COLOR wins; FORCE_COLOR forces unless 0 or false", () => {
  const tty = { isTTY: true };
  const pipe = { isTTY: false };
  const file = {};
  assert.is(useColor(tty, {}), true);
  assert.is(useColor(pipe, {}), false);
  assert.is(useColor(file, {}), false);
  assert.is(useColor(tty, { TERM: "dumb" }), false);
  assert.is(useColor(tty, { NO_COLOR: "1" }), false);
  // no-color.org: set and not empty.
  assert.is(useColor(tty, { NO_COLOR: "" }), true);
  assert.is(useColor(pipe, { FORCE_COLOR: "1" }), true);
  assert.is(useColor(pipe, { FORCE_COLOR: "3" }), true);
  assert.is(useColor(tty, { FORCE_COLOR: "0" }), false);
  assert.is(useColor(tty, { FORCE_COLOR: "false" }), false);
  assert.is(useColor(pipe, { FORCE_COLOR: "1", NO_COLOR: "1" }), false);
});

test("diagnostics on stderr: coloured only when forced, never with NO_COLOR", async () => {
  const ESC = "\x1b[";
  const plain = await tsbpf(["build", illTyped], { NO_COLOR: undefined });
  assert.is(plain.status, 1, plain.stderr);
  assert.match(plain.stderr, "error TS2322");
  assert.not.ok(plain.stderr.includes(ESC), "a pipe gets no colours");
  const forced = await tsbpf(["build", illTyped], { NO_COLOR: undefined, FORCE_COLOR: "1" });
  assert.ok(forced.stderr.includes(`${ESC}91merror${ESC}0m`), forced.stderr);
  const both = await tsbpf(["build", illTyped], { FORCE_COLOR: "1", NO_COLOR: "1" });
  assert.match(both.stderr, "error TS2322");
  assert.not.ok(both.stderr.includes(ESC), "NO_COLOR wins over FORCE_COLOR");
});

test.run();
