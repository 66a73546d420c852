// The editor's view of a tracer project: a temporary project whose tsconfig.json extends "tsbpf/tsconfig.bpf.json"
// and whose node_modules/tsbpf links to this package, read by the TypeScript language service the way tsserver
// reads it (config `extends` and "tsbpf" resolved through package.json "exports"). Completions, documentation,
// string-literal completions of tracepoint names, typed tracepoint contexts, and the errors the config makes early.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { getLibFiles } from "@ts-morph/common";
import { ts } from "ts-morph";
import { generateBtfDeclarations } from "../../compiler/frontend/btf-types.ts";
import { parseBtf } from "../../core/object/btf/index.ts";
import { btfFixture } from "../support/btf-fixture.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

// A sample tracer; a marker `/*@name*/` stands for a position the tests ask about (and is removed from the text).
const TRACER = `import { HashMap, bpf, tracepoint, type u32, type u64 } from "tsbpf";

const starts = new HashMap<u32, u64>(1024);

tracepoint("sched/sched_switch", (ctx) => {
  const now = bpf./*@bpf*/ktimeGetNs();
  starts.set(ctx./*@ctx*/next_pid, now);
  starts.set(/*@badKey*/"x", 1n);
});

tracepoint("/*@name*/sched/sched_wakeup", (ctx) => {
  const parent = bpf.currentTask()./*@task*/real_parent;
  starts.set(parent./*@parent*/tgid, 0n);
  const t0 = starts.get(ctx.pid);
  if (t0 === undefined) return;
  starts.delete(ctx.pid);
});

export function main(): void {
  console.log(process.argv.slice(2).join(" "));
}
`;

/**
 * What the config flags while the user types, one TypeScript code per line: an implicit any (outside the subset), a
 * map value used without the verifier's null check, a switch fall-through and a missing return, a browser global.
 */
const FLAGGED = `import { HashMap, tracepoint, type u32, type u64 } from "tsbpf";

const m = new HashMap<u32, u64>(16);
function untyped(x) { return x; }
tracepoint("sched/sched_switch", (ctx) => {
  const v = m.get(ctx.next_pid);
  m.set(ctx.prev_pid, v + 1n);
  switch (ctx.next_prio) {
    case 1: m.delete(1);
    case 2: m.delete(2); break;
  }
  untyped(document);
});
function half(n: number) { if (n > 0) return n; }
export { half };
`;

// Kernel structs as `tsbpf types --btf` declares them (here from a small blob, so that no kernel is needed).
const KERNEL = `import type { task_struct } from "./vmlinux.ts";

export function describe(task: task_struct): number {
  return task./*@task*/pid;
}
`;

interface Marked {
  readonly text: string;
  readonly at: Readonly<Record<string, number>>;
}

function mark(source: string): Marked {
  const at: Record<string, number> = {};
  let text = source;
  for (let m = /\/\*@(\w+)\*\//.exec(text); m; m = /\/\*@(\w+)\*\//.exec(text)) {
    at[m[1]!] = m.index;
    text = text.slice(0, m.index) + text.slice(m.index + m[0].length);
  }
  return { text, at };
}

interface Workspace {
  readonly dir: string;
  readonly service: ts.LanguageService;
  readonly options: ts.CompilerOptions;
  readonly configErrors: readonly ts.Diagnostic[];
  /** The root files the config selects. */
  readonly fileNames: readonly string[];
  /** The path of a file of the project. */
  path(name: string): string;
  dispose(): void;
}

/**
 * A tracer project as a user has it: tsconfig.json extending tsbpf's, node_modules/tsbpf a link to this package
 * (as `npm install` of a local path or `npm link` makes it), and @types/node installed (a devDependency, here a
 * link to ours). The language service host reads the disk through ts.sys, like tsserver; only TypeScript's own lib
 * files come from memory, because the TypeScript bundled in ts-morph ships them inside its JavaScript.
 */
function workspace(files: Readonly<Record<string, string>>, { nodeTypes = true } = {}): Workspace {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "tsbpf-ls-")));
  mkdirSync(join(dir, "node_modules", "@types"), { recursive: true });
  symlinkSync(root, join(dir, "node_modules", "tsbpf"), "dir");
  if (nodeTypes) symlinkSync(join(root, "node_modules", "@types", "node"), join(dir, "node_modules", "@types", "node"), "dir");
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ extends: "tsbpf/tsconfig.bpf.json", include: ["**/*.ts"] }, null, 2));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }

  const libDir = join(dir, "__typescript_lib__");
  const libs = new Map(getLibFiles().map((f) => [join(libDir, f.fileName), f.text]));
  const read = (path: string) => libs.get(path) ?? ts.sys.readFile(path);
  const exists = (path: string) => libs.has(path) || ts.sys.fileExists(path);

  const configErrors: ts.Diagnostic[] = [];
  const parsed = ts.getParsedCommandLineOfConfigFile(join(dir, "tsconfig.json"), undefined, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => void configErrors.push(d),
  });
  if (!parsed) throw new Error(`tsconfig.json: ${configErrors.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n")).join("; ")}`);
  configErrors.push(...parsed.errors);
  const options = parsed.options;

  const host: ts.LanguageServiceHost = {
    getCompilationSettings: () => options,
    getScriptFileNames: () => parsed.fileNames,
    getScriptVersion: () => "1",
    getScriptSnapshot: (path) => {
      const text = read(path);
      return text === undefined ? undefined : ts.ScriptSnapshot.fromString(text);
    },
    getCurrentDirectory: () => dir,
    getDefaultLibFileName: (o) => join(libDir, ts.getDefaultLibFileName(o)),
    fileExists: exists,
    readFile: read,
    readDirectory: ts.sys.readDirectory,
    directoryExists: (path) => path === libDir || ts.sys.directoryExists(path),
    getDirectories: ts.sys.getDirectories,
    realpath: (path) => (libs.has(path) ? path : ts.sys.realpath!(path)),
  };
  const service = ts.createLanguageService(host, ts.createDocumentRegistry());
  return {
    dir,
    service,
    options,
    configErrors,
    fileNames: parsed.fileNames,
    path: (name) => join(dir, name),
    dispose() {
      service.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const tracer = mark(TRACER);
const kernel = mark(KERNEL);
// fentry and fexit handlers typed by the kernel function's BTF prototype (stdlib-types/kernel-functions.d.ts).
const FUNCTIONS = mark(`import { Count, bpf, fentry, fexit, type u64 } from "tsbpf";

export const sizes = new Count<u64>();

fentry("/*@fn*/vfs_read", (file, buf, count) => {
  sizes.increment(count + bpf.probeReadKernel<u64>(buf));
  const name = bpf.probeReadKernelStr(file./*@file*/f_path.dentry.d_name.name, 32);
  if (name === "x") sizes.increment(0n);
});

fexit("vfs_read", (_file, _buf, _count, _pos, ret) => {
  sizes.increment(/*@ret*/ret as u64);
});
`);
const vmlinux = generateBtfDeclarations(parseBtf(btfFixture()), { types: ["task_struct"], source: "a test blob" }).text;
const samples = readdirSync(join(root, "samples")).filter((f) => f.endsWith(".ts")).sort();
const ws = workspace({
  "tracer.ts": tracer.text, "flagged.ts": FLAGGED, "kernel.ts": kernel.text, "vmlinux.d.ts": vmlinux, "functions.ts": FUNCTIONS.text,
  ...Object.fromEntries(samples.map((f) => [`samples/${f}`, readFileSync(join(root, "samples", f), "utf8")])),
});
const tracerPath = ws.path("tracer.ts");

const flat = (d: ts.Diagnostic) => `TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, " ")}`;
const text = (parts: ts.SymbolDisplayPart[] | undefined) => ts.displayPartsToString(parts);

function completions(path: string, pos: number): ts.CompletionInfo {
  const info = ws.service.getCompletionsAtPosition(path, pos, { includeCompletionsWithInsertText: true });
  assert.ok(info, `no completions at ${pos}`);
  return info!;
}

function entry(info: ts.CompletionInfo, name: string): ts.CompletionEntry {
  const found = info.entries.find((e) => e.name === name);
  assert.ok(found, `completions lack ${name}: ${info.entries.slice(0, 30).map((e) => e.name).join(", ")}…`);
  return found!;
}

function details(path: string, pos: number, e: ts.CompletionEntry): ts.CompletionEntryDetails {
  const d = ws.service.getCompletionEntryDetails(path, pos, e.name, undefined, e.source, undefined, e.data);
  assert.ok(d, `no details for ${e.name}`);
  return d!;
}

test("the project's tsconfig extends tsbpf/tsconfig.bpf.json through package.json exports", () => {
  assert.equal(ws.configErrors.map(flat), []);
  assert.equal([...ws.fileNames].sort(), ["flagged.ts", "functions.ts", "kernel.ts", ...samples.map((f) => `samples/${f}`), "tracer.ts", "vmlinux.d.ts"].map(ws.path).sort());
  const o = ws.options;
  assert.is(o.strict, true);
  assert.is(o.noImplicitReturns, true);
  assert.is(o.noFallthroughCasesInSwitch, true);
  assert.is(o.exactOptionalPropertyTypes, true);
  assert.is(o.moduleResolution, ts.ModuleResolutionKind.Bundler);
  assert.equal(o.types, ["node"]);
  assert.equal(o.lib, ["lib.es2022.d.ts", "lib.esnext.disposable.d.ts"]);
  // "tsbpf" resolves as an editor resolves it: node_modules/tsbpf/package.json, exports ".", condition "types".
  const resolved = ts.resolveModuleName("tsbpf", tracerPath, o, ts.sys).resolvedModule;
  assert.ok(resolved, "tsbpf does not resolve");
  assert.is(realpathSync(resolved!.resolvedFileName), join(root, "stdlib-types", "index.d.ts"));
});

test("the sample tracer, main() with console and process included, has no errors but the wrong key", () => {
  const diagnostics = [...ws.service.getSyntacticDiagnostics(tracerPath), ...ws.service.getSemanticDiagnostics(tracerPath)];
  assert.equal(diagnostics.map((d) => d.start), [tracer.at.badKey], diagnostics.map(flat).join("\n"));
});

test("every sample is clean under tsconfig.bpf.json: the config flags nothing the compiler accepts", () => {
  assert.ok(samples.length >= 5, `samples: ${samples.join(", ")}`);
  for (const f of samples) {
    const path = ws.path(`samples/${f}`);
    const diagnostics = [...ws.service.getSyntacticDiagnostics(path), ...ws.service.getSemanticDiagnostics(path)];
    assert.equal(diagnostics.map(flat), [], f);
  }
});

test("bpf. inside a handler completes ktimeGetNs, with its documentation", () => {
  const pos = tracer.at.bpf!;
  const info = completions(tracerPath, pos);
  assert.ok(info.isMemberCompletion);
  for (const name of ["ktimeGetNs", "pid", "comm", "probeReadKernel", "loop"]) entry(info, name);
  const d = details(tracerPath, pos, entry(info, "ktimeGetNs"));
  assert.is(text(d.displayParts), "function bpf.ktimeGetNs(): u64");
  const doc = text(d.documentation);
  assert.match(doc, /^Nanoseconds since boot, not counting time suspended \(CLOCK_MONOTONIC\)/);
  assert.match(doc, /Minimum kernel: Linux 4\.1 \(`bpf_ktime_get_ns`, helper 5\)/);
  assert.match(doc, /Program types: all tracing types .*; probes: every probe\./);
  const probe = text(details(tracerPath, pos, entry(info, "tracepointString")).documentation);
  assert.match(probe, /Program types: tracepoint; probes: tracepoint\./);
});

test("tracepoint(\"sched/ completes sched_switch: tracepoint names are string-literal completions", () => {
  const pos = tracer.at.name! + "sched/".length;
  const info = completions(tracerPath, pos);
  const e = entry(info, "sched/sched_switch");
  assert.is(e.kind, ts.ScriptElementKind.string);
  entry(info, "sched/sched_wakeup");
  entry(info, "syscalls/sys_enter_openat");
  // The editor replaces the whole literal's text, so typing "sched/" narrows the list to the sched category.
  assert.equal(e.replacementSpan, { start: tracer.at.name!, length: "sched/sched_wakeup".length });
  assert.not.ok(info.entries.some((x) => x.name === "sched/no_such_event"));
});

test("ctx. in a sched_switch handler lists prev_comm and next_pid with their types and C declarations", () => {
  const pos = tracer.at.ctx!;
  const info = completions(tracerPath, pos);
  const names = info.entries.map((e) => e.name);
  for (const name of ["prev_comm", "prev_pid", "prev_prio", "prev_state", "next_comm", "next_pid", "next_prio"]) assert.ok(names.includes(name), name);
  assert.not.ok(names.includes("pid"), "sched_wakeup's pid is not a sched_switch field");
  // Str<N> and i32 are aliases of string and number: TypeScript shows the underlying type, the doc the C one.
  const comm = details(tracerPath, pos, entry(info, "prev_comm"));
  assert.is(text(comm.displayParts), "(property) prev_comm: string");
  assert.match(text(comm.documentation), /^char prev_comm\[16\] — offset 8, 16 bytes$/);
  const pid = details(tracerPath, pos, entry(info, "next_pid"));
  assert.is(text(pid.displayParts), "(property) next_pid: number");
  assert.match(text(pid.documentation), /^pid_t next_pid — offset \d+, 4 bytes$/);
  const state = details(tracerPath, pos, entry(info, "prev_state"));
  assert.is(text(state.displayParts), "(property) prev_state: bigint");
});

test("bpf.currentTask(). completes task_struct's fields, and a pointer field completes the struct it points to", () => {
  const info = completions(tracerPath, tracer.at.task!);
  assert.ok(info.isMemberCompletion);
  for (const name of ["pid", "tgid", "comm", "real_parent", "group_leader", "mm", "start_time", "exit_code"]) entry(info, name);
  const parent = details(tracerPath, tracer.at.task!, entry(info, "real_parent"));
  assert.is(text(parent.displayParts), "(property) task_struct.real_parent: KernelPtr<task_struct>");
  assert.match(text(parent.documentation), /^struct task_struct \*real_parent — offset \d+, 8 bytes$/);
  const mm = details(tracerPath, tracer.at.task!, entry(info, "mm"));
  assert.is(text(mm.displayParts), "(property) task_struct.mm: KernelPtr<mm_struct>");
  // Through the pointer: the parent's fields, with their C declarations.
  const through = completions(tracerPath, tracer.at.parent!);
  const tgid = details(tracerPath, tracer.at.parent!, entry(through, "tgid"));
  assert.is(text(tgid.displayParts), "(property) task_struct.tgid: number");
  assert.match(text(tgid.documentation), /^pid_t tgid — offset \d+, 4 bytes$/);
  const quick = ws.service.getQuickInfoAtPosition(tracerPath, tracer.at.task!)!;
  assert.match(text(quick.documentation), /^struct task_struct \*real_parent/);
});

test("fentry(\"vfs_ completes kernel function names; the handler's parameters are typed by the function's prototype", () => {
  const path = ws.path("functions.ts");
  assert.equal(ws.service.getSemanticDiagnostics(path).map(flat), []);
  const names = completions(path, FUNCTIONS.at.fn! + "vfs_".length);
  for (const name of ["vfs_read", "vfs_write", "vfs_open", "do_sys_openat2"]) entry(names, name);
  const file = completions(path, FUNCTIONS.at.file!);
  for (const name of ["f_path", "f_inode", "f_flags", "f_pos"]) entry(file, name);
  const quick = (at: number) => text(ws.service.getQuickInfoAtPosition(path, at)!.displayParts);
  assert.is(quick(FUNCTIONS.at.ret!), "(parameter) ret: bigint");
  assert.match(quick(FUNCTIONS.text.indexOf("(file, buf") + 1), /^\(parameter\) file: KernelPtr<file>$/);
  // A wrong use of an argument is a type error: count is a u64, not a string.
  const wrong = workspace({ "f.ts": FUNCTIONS.text.replace("count + ", "count.length + ") });
  assert.match(wrong.service.getSemanticDiagnostics(wrong.path("f.ts")).map(flat).join("\n"), /TS2339 Property 'length' does not exist on type 'bigint'/);
});

test("a wrong key type for a HashMap<u32, u64> is a type error on the key", () => {
  const errors = ws.service.getSemanticDiagnostics(tracerPath);
  assert.is(errors.length, 1, errors.map(flat).join("\n"));
  const e = errors[0]!;
  assert.is(e.code, 2345);
  assert.is(e.start, tracer.at.badKey);
  assert.is(e.length, '"x"'.length);
  assert.match(flat(e), /Argument of type 'string' is not assignable to parameter of type 'number'/, flat(e));
  // The position maps to the line and column an editor underlines.
  const { line, character } = e.file!.getLineAndCharacterOfPosition(e.start!);
  assert.equal([line + 1, character + 1], [8, 14]);
});

test("the config flags early what TypeScript can: implicit any, unchecked map values, fall-through, missing returns, DOM", () => {
  const path = ws.path("flagged.ts");
  const source = ws.service.getProgram()!.getSourceFile(path)!;
  const found = ws.service.getSemanticDiagnostics(path).map((d) => `${source.getLineAndCharacterOfPosition(d.start!).line + 1} TS${d.code}`);
  assert.equal(found.sort(), [
    "14 TS7030", // noImplicitReturns: not all code paths return a value
    "4 TS7006", // noImplicitAny: parameter x
    "7 TS18048", // strictNullChecks: a map value may be undefined (the verifier's null check)
    "9 TS7029", // noFallthroughCasesInSwitch
    // no "dom" in lib: browser globals do not exist (Node's do, for main())
    "12 TS2584",
  ].sort());
});

test("kernel structs from tsbpf types --btf complete their fields, with the C declaration, offset and size", () => {
  const path = ws.path("kernel.ts");
  const pos = kernel.at.task!;
  const diagnostics = [...ws.service.getSemanticDiagnostics(path), ...ws.service.getSemanticDiagnostics(ws.path("vmlinux.d.ts"))];
  assert.equal(diagnostics.map(flat), []);
  const info = completions(path, pos);
  for (const name of ["pid", "comm", "mm", "hash", "in_execve", "split", "tasks"]) entry(info, name);
  const pid = details(path, pos, entry(info, "pid"));
  assert.is(text(pid.displayParts), "(property) task_struct.pid: number");
  assert.is(text(pid.documentation), "pid_t pid — offset 4, 4 bytes");
  const mm = details(path, pos, entry(info, "mm"));
  assert.is(text(mm.displayParts), "(property) task_struct.mm: bigint");
  assert.is(text(mm.documentation), "struct mm_struct *mm — offset 40, 8 bytes");
});

test("without @types/node in the project, the editor says what is missing (types are resolved from the project)", () => {
  const bare = workspace({ "tracer.ts": tracer.text }, { nodeTypes: false });
  try {
    const global = bare.service.getCompilerOptionsDiagnostics().map(flat);
    assert.ok(global.some((m) => m.startsWith("TS2688") && m.includes("'node'")), global.join("\n"));
    // tsbpf's own @types/node (a devDependency of this package) must not leak into the user's project.
    const names = bare.service.getSemanticDiagnostics(bare.path("tracer.ts")).map(flat);
    assert.ok(names.some((m) => m.startsWith("TS2591") && m.includes("'process'")), names.join("\n"));
  } finally {
    bare.dispose();
  }
});

test.after(() => ws.dispose());

test.run();
