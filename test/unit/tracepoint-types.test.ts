// Typed tracepoints: format fields in, TypeScript types out; the declarations generator on a fixture; `tsbpf types`
// over a fake tracefs; and the shipped stdlib-types/tracepoints.{json,d.ts} (content, consistency, type-checking).

import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Project, ts } from "ts-morph";
import { typesCommand } from "../../cli/types.ts";
import {
  type TracepointData, collectTracepoints, formatTracepointJson, generateDeclarations, tracepointTsType,
} from "../../compiler/frontend/tracepoint-types.ts";
import { parseFieldLine } from "../../core/tracefs-format.ts";
import { Tracefs } from "../../runtime/kernel/tracefs.ts";

const STDLIB = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "stdlib-types");

/** The TS type of a field written as a line of a format file, parsed by the runtime's own parser. */
const tsTypeOf = (decl: string, offset: number, size: number, signed: 0 | 1) => {
  const field = parseFieldLine(`\tfield:${decl};\toffset:${offset};\tsize:${size};\tsigned:${signed};`);
  if (!field) throw new Error(`unparsable: ${decl}`);
  return tracepointTsType(field);
};

test("tracepointTsType: integers by size and signedness", () => {
  assert.is(tsTypeOf("unsigned char flags", 8, 1, 0), "u8");
  assert.is(tsTypeOf("s8 level", 8, 1, 1), "i8");
  assert.is(tsTypeOf("unsigned short family", 8, 2, 0), "u16");
  assert.is(tsTypeOf("short delta", 8, 2, 1), "i16");
  assert.is(tsTypeOf("unsigned int cpu", 8, 4, 0), "u32");
  assert.is(tsTypeOf("pid_t pid", 8, 4, 1), "i32");
  assert.is(tsTypeOf("u64 len", 8, 8, 0), "u64");
  assert.is(tsTypeOf("long ret", 8, 8, 1), "i64");
  // Syscall arguments are stored as 8-byte unsigned longs whatever their declared type: the record decides.
  assert.is(tsTypeOf("int dfd", 16, 8, 0), "u64");
  assert.is(tsTypeOf("enum hrtimer_mode mode", 8, 4, 0), "u32");
});

test("tracepointTsType: pointers, bool, __data_loc, odd sizes", () => {
  assert.is(tsTypeOf("const char * filename", 24, 8, 0), "ptr");
  assert.is(tsTypeOf("void * skbaddr", 8, 8, 0), "ptr");
  assert.is(tsTypeOf("const char *const * argv", 8, 8, 0), "ptr");
  assert.is(tsTypeOf("struct sockaddr * uservaddr", 8, 8, 0), "ptr");
  assert.is(tsTypeOf("bool success", 8, 1, 0), "boolean");
  assert.is(tsTypeOf("__data_loc char[] name", 8, 4, 0), "DataLoc");
  assert.is(tracepointTsType({ type: "__data_loc u8[]", size: 4, signed: false }), "DataLoc");
  assert.is(tsTypeOf("struct in6_addr addr", 8, 16, 0), "FixedArray<u8, 16>");
  assert.is(tsTypeOf("u8 odd", 8, 3, 0), "FixedArray<u8, 3>");
});

test("tracepointTsType: char arrays are strings, other arrays are arrays of their element width", () => {
  assert.is(tsTypeOf("char comm[16]", 8, 16, 0), "Str<16>");
  assert.is(tsTypeOf("char comm[16]", 8, 16, 1), "Str<16>");
  assert.is(tsTypeOf("signed char name[8]", 8, 8, 1), "Str<8>");
  assert.is(tsTypeOf("unsigned char name[32]", 8, 32, 0), "Str<32>");
  assert.is(tsTypeOf("const char label[10]", 8, 10, 0), "Str<10>");
  assert.is(tsTypeOf("__u8 saddr[4]", 8, 4, 0), "FixedArray<u8, 4>");
  assert.is(tsTypeOf("u8 saddr_v6[16]", 8, 16, 0), "FixedArray<u8, 16>");
  assert.is(tsTypeOf("s16 deltas[4]", 8, 8, 1), "FixedArray<i16, 4>");
  assert.is(tsTypeOf("u32 words[3]", 8, 12, 0), "FixedArray<u32, 3>");
  assert.is(tsTypeOf("unsigned long args[6]", 16, 48, 0), "FixedArray<u64, 6>");
  assert.is(tsTypeOf("long caller[3]", 8, 24, 1), "FixedArray<i64, 3>");
  // Elements of no integer width (structs): the raw bytes.
  assert.is(tsTypeOf("struct pair items[2]", 8, 6, 0), "FixedArray<u8, 6>");
});

const FIXTURE: TracepointData = {
  version: 1,
  kernel: "6.1.0-test",
  tracepoints: {
    "syscalls/sys_enter_openat": {
      id: 782,
      fields: [
        { name: "__syscall_nr", type: "int", tsType: "i32", offset: 8, size: 4, signed: true },
        { name: "filename", type: "const char *", tsType: "ptr", offset: 24, size: 8, signed: false },
      ],
      printFormat: `"dfd: 0x%08lx, filename: 0x%08lx", ((unsigned long)(REC->dfd)), ((unsigned long)(REC->filename))`,
    },
    "demo/a_event": {
      id: 7,
      fields: [
        { name: "comm", type: "char", tsType: "Str<16>", offset: 8, size: 16, signed: false, arrayLength: 16 },
        { name: "name", type: "__data_loc char[]", tsType: "DataLoc", offset: 24, size: 4, signed: false, dataLoc: true },
        { name: "not-an-identifier", type: "u8", tsType: "u8", offset: 28, size: 1, signed: false },
      ],
      printFormat: `"a /* b */ c %s" ${"x".repeat(300)}`,
    },
    "demo/empty": { id: 8, fields: [], printFormat: `""` },
  },
};

test("generateDeclarations: header, sorted tracepoints, doc comments, quoted names, safe comments", () => {
  const text = generateDeclarations(FIXTURE);
  const shortened = `print fmt: "a /* b *\\/ c %s" ${"x".repeat(200 - `print fmt: "a /* b */ c %s" `.length)}…`;
  assert.fixture(text, [
    "// Tracepoint contexts, generated by `tsbpf types` from Linux 6.1.0-test; regenerate with `sudo npx tsbpf types`.",
    "// Field offsets here document that kernel only: the compiler takes them from the running kernel at load time.",
    "",
    'import type { DataLoc, FixedArray, Str, ptr, u8, u16, u32, u64, i8, i16, i32, i64 } from "./index.js";',
    "",
    '/** Every known tracepoint, "category/name", with the fields of its record (the common_* header excluded). */',
    "export interface Tracepoints {",
    `  /** ${shortened} */`,
    '  "demo/a_event": {',
    "    /** char comm[16] — offset 8, 16 bytes */",
    "    readonly comm: Str<16>;",
    "    /** __data_loc char[] name — offset 24, 4 bytes */",
    "    readonly name: DataLoc;",
    "    /** u8 not-an-identifier — offset 28, 1 byte */",
    '    readonly "not-an-identifier": u8;',
    "  };",
    '  /** print fmt: "" */',
    '  "demo/empty": {};',
    '  /** print fmt: "dfd: 0x%08lx, filename: 0x%08lx", ((unsigned long)(REC->dfd)), ((unsigned long)(REC->filename)) */',
    '  "syscalls/sys_enter_openat": {',
    "    /** int __syscall_nr — offset 8, 4 bytes */",
    "    readonly __syscall_nr: i32;",
    "    /** const char * filename — offset 24, 8 bytes */",
    "    readonly filename: ptr;",
    "  };",
    "}",
    "",
    '/** The name of a tracepoint, "category/name". */',
    "export type TracepointName = keyof Tracepoints;",
    "/** The `ctx` of a tracepoint handler: the fields of the tracepoint's record. */",
    "export type TracepointContext<N extends TracepointName> = Tracepoints[N];",
    "",
  ].join("\n"));
  assert.is(generateDeclarations(FIXTURE), text, "deterministic");
});

test("formatTracepointJson: sorted, stable, and parses back to the same data", () => {
  const text = formatTracepointJson(FIXTURE);
  const parsed = JSON.parse(text) as TracepointData;
  assert.equal(Object.keys(parsed.tracepoints), ["demo/a_event", "demo/empty", "syscalls/sys_enter_openat"]);
  assert.equal(parsed.tracepoints["demo/a_event"], FIXTURE.tracepoints["demo/a_event"]);
  assert.is(formatTracepointJson(parsed), text);
  assert.ok(text.includes(`\n        { "name": "filename", "type": "const char *", "tsType": "ptr", "offset": 24, "size": 8, "signed": false }\n`));
});

// ---- collectTracepoints and `tsbpf types` over a fake tracefs -------------------------------------------------

const COMMON = [
  "\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;",
  "\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;",
  "\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;",
  "\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;",
].join("\n");

function fakeTracefs(events: Record<string, { id: number; fields: string[]; fmt: string }>): string {
  const root = mkdtempSync(join(tmpdir(), "tsbpf-tracefs-"));
  for (const [key, e] of Object.entries(events)) {
    const dir = join(root, "events", key);
    mkdirSync(dir, { recursive: true });
    const name = key.split("/")[1]!;
    writeFileSync(join(dir, "id"), `${e.id}\n`);
    writeFileSync(join(dir, "format"),
      `name: ${name}\nID: ${e.id}\nformat:\n${COMMON}\n\n${e.fields.map((f) => `\t${f}`).join("\n")}\n\nprint fmt: ${e.fmt}\n`);
  }
  return root;
}

const FAKE_EVENTS = {
  "sched/sched_wakeup": {
    id: 300,
    fields: ["field:char comm[16];\toffset:8;\tsize:16;\tsigned:0;", "field:pid_t pid;\toffset:24;\tsize:4;\tsigned:1;"],
    fmt: `"comm=%s pid=%d", REC->comm, REC->pid`,
  },
  "sched/sched_exec": {
    id: 301,
    fields: ["field:__data_loc char[] filename;\toffset:8;\tsize:4;\tsigned:0;", "field:pid_t pid;\toffset:12;\tsize:4;\tsigned:1;"],
    fmt: `"filename=%s pid=%d", __get_str(filename), REC->pid`,
  },
  "irq/softirq_entry": { id: 10, fields: ["field:unsigned int vec;\toffset:8;\tsize:4;\tsigned:0;"], fmt: `"vec=%u", REC->vec` },
};

test("collectTracepoints: reads the categories asked for, drops common_* fields, lists missing categories", () => {
  const root = fakeTracefs(FAKE_EVENTS);
  try {
    const data = collectTracepoints(Tracefs.at(root), ["sched", "nosuch"], "6.9.0-fake");
    assert.equal(data.missing, ["nosuch"]);
    assert.is(data.kernel, "6.9.0-fake");
    assert.equal(Object.keys(data.tracepoints), ["sched/sched_exec", "sched/sched_wakeup"]);
    assert.equal(data.tracepoints["sched/sched_wakeup"], {
      id: 300,
      fields: [
        { name: "comm", type: "char", tsType: "Str<16>", offset: 8, size: 16, signed: false, arrayLength: 16 },
        { name: "pid", type: "pid_t", tsType: "i32", offset: 24, size: 4, signed: true },
      ],
      printFormat: `"comm=%s pid=%d", REC->comm, REC->pid`,
    });
    assert.equal(data.tracepoints["sched/sched_exec"]!.fields[0],
      { name: "filename", type: "__data_loc char[]", tsType: "DataLoc", offset: 8, size: 4, signed: false, dataLoc: true });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("tsbpf types: writes both files, --check passes on them and fails with a summary once they differ", async () => {
  const root = fakeTracefs(FAKE_EVENTS);
  const out = mkdtempSync(join(tmpdir(), "tsbpf-types-"));
  try {
    let stdout = "";
    let stderr = "";
    const env = { tracefs: () => Tracefs.at(root), kernel: "6.9.0-fake", stdout: (s: string) => void (stdout += s), stderr: (s: string) => void (stderr += s) };
    assert.is(await typesCommand(["--categories", "sched,irq,nosuch", "--out", out], env), 0);
    assert.is(stdout, `wrote 3 tracepoints from 2 categories (Linux 6.9.0-fake) to ${out}\n`);
    assert.match(stderr, "no tracepoint category nosuch");
    assert.equal(readdirSync(out).sort(), ["tracepoints.d.ts", "tracepoints.json"]);
    const json = JSON.parse(readFileSync(join(out, "tracepoints.json"), "utf8")) as TracepointData;
    assert.equal(Object.keys(json.tracepoints), ["irq/softirq_entry", "sched/sched_exec", "sched/sched_wakeup"]);
    assert.match(readFileSync(join(out, "tracepoints.d.ts"), "utf8"), '"sched/sched_wakeup": {');

    stdout = stderr = "";
    assert.is(await typesCommand(["--categories", "sched,irq", "--out", out, "--check"], env), 0, stderr);
    assert.match(stdout, "match");

    // A different kernel, one tracepoint gone: --check names both and shows the first differing lines.
    stdout = stderr = "";
    const before = readFileSync(join(out, "tracepoints.d.ts"), "utf8");
    rmSync(join(root, "events", "irq"), { recursive: true });
    const code = await typesCommand(["--categories", "sched,irq", "--out", out, "--check"], { ...env, kernel: "6.10.0-fake" });
    assert.is(code, 1);
    assert.match(stderr, "tracepoints.json and tracepoints.d.ts");
    assert.match(stderr, "kernel: 6.9.0-fake on disk, 6.10.0-fake here");
    assert.match(stderr, "removed (1): irq/softirq_entry");
    assert.match(stderr, /^-.*6\.9\.0-fake/m);
    assert.match(stderr, /^\+.*6\.10\.0-fake/m);
    assert.is(readFileSync(join(out, "tracepoints.d.ts"), "utf8"), before, "--check writes nothing");

    stderr = "";
    assert.is(await typesCommand(["--categories", "nosuch", "--out", out], env), 1);
    assert.match(stderr, "nothing written");
  } finally {
    rmSync(root, { recursive: true, force: true });
    rmSync(out, { recursive: true, force: true });
  }
});

// ---- The shipped stdlib-types/tracepoints.{json,d.ts} ---------------------------------------------------------

const shippedJson = () => JSON.parse(readFileSync(join(STDLIB, "tracepoints.json"), "utf8")) as TracepointData;
const shippedDts = () => readFileSync(join(STDLIB, "tracepoints.d.ts"), "utf8");

test("shipped tracepoints.json has the tracepoints tracers use most, typed as expected", () => {
  const data = shippedJson();
  assert.is(data.version, 1);
  const field = (tp: string, name: string) => {
    const info = data.tracepoints[tp];
    assert.ok(info, `${tp} in tracepoints.json`);
    const f = info.fields.find((x) => x.name === name);
    assert.ok(f, `${tp}.${name} in tracepoints.json`);
    return f;
  };
  assert.is(field("sched/sched_switch", "prev_comm").tsType, "Str<16>");
  assert.is(field("sched/sched_switch", "next_pid").tsType, "i32");
  assert.is(field("syscalls/sys_enter_openat", "filename").tsType, "ptr");
  assert.is(field("syscalls/sys_enter_openat", "filename").offset, 24);
  assert.is(field("raw_syscalls/sys_enter", "id").tsType, "i64");
  assert.is(field("raw_syscalls/sys_enter", "args").tsType, "FixedArray<u64, 6>");
  for (const [key, tp] of Object.entries(data.tracepoints)) {
    assert.ok(tp.fields.every((f) => !f.name.startsWith("common_")), `${key} has no common_* field`);
    for (const f of tp.fields) assert.is(f.tsType, tracepointTsType(f), `${key}.${f.name} typed by the current rules`);
  }
});

test("shipped tracepoints.json and tracepoints.d.ts are what the generator makes of the JSON", () => {
  const data = shippedJson();
  assert.is(formatTracepointJson(data), readFileSync(join(STDLIB, "tracepoints.json"), "utf8"), "JSON in canonical form");
  assert.ok(shippedDts() === generateDeclarations(data), "tracepoints.d.ts is generateDeclarations(tracepoints.json)");
});

/** An in-memory project holding stdlib-types (helpers.d.ts stubbed if it does not exist yet) and one tracer. */
function projectWith(tracer: string): Project {
  const project = new Project({
    useInMemoryFileSystem: true,
    compilerOptions: {
      target: ts.ScriptTarget.ES2022,
      lib: ["lib.es2023.d.ts", "lib.esnext.disposable.d.ts"],
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      strict: true,
      exactOptionalPropertyTypes: true,
      noUncheckedIndexedAccess: true,
      types: [],
    },
  });
  const names = readdirSync(STDLIB).filter((n) => n.endsWith(".d.ts"));
  for (const n of names) project.createSourceFile(`/stdlib-types/${n}`, readFileSync(join(STDLIB, n), "utf8"));
  if (!names.includes("helpers.d.ts")) project.createSourceFile("/stdlib-types/helpers.d.ts", "export {};\n");
  project.createSourceFile("/tracer.ts", tracer);
  return project;
}

const messages = (project: Project) =>
  project.getPreEmitDiagnostics().map((d) => `${d.getSourceFile()?.getFilePath() ?? "?"}:${d.getLineNumber() ?? 0}: ${
    ts.flattenDiagnosticMessageText(d.getMessageText() as string | ts.DiagnosticMessageChain, "\n")}`);

test("shipped tracepoints.d.ts type-checks with index.d.ts and types a tracer's ctx", () => {
  const project = projectWith(`
import { tracepoint, type u64 } from "./stdlib-types/index.js";
tracepoint("sched/sched_switch", (ctx) => {
  const p: number = ctx.next_pid;
  const c: string = ctx.prev_comm;
  return p + c.length;
});
tracepoint("syscalls/sys_enter_openat", (ctx) => {
  const f: bigint = ctx.filename;
  return Number(f & 1n);
});
tracepoint("raw_syscalls/sys_enter", (ctx) => {
  const id: bigint = ctx.id;
  const first: u64 | undefined = ctx.args[0];
  const n: number = ctx.args.length;
  return Number(id + (first ?? 0n)) + n;
});
`);
  assert.equal(messages(project), []);
});

test("shipped tracepoints.d.ts rejects unknown fields, unknown tracepoints and writes", () => {
  const project = projectWith(`
import { tracepoint } from "./stdlib-types/index.js";
tracepoint("sched/sched_switch", (ctx) => {
  return ctx.no_such_field;
});
tracepoint("sched/no_such_tracepoint", () => {});
tracepoint("sched/sched_switch", (ctx) => {
  ctx.next_pid = 1;
});
`);
  const found = messages(project);
  assert.is(found.length, 3, found.join("\n"));
  assert.match(found[0]!, /tracer\.ts:4: Property 'no_such_field' does not exist/);
  assert.match(found[1]!, /tracer\.ts:6: .*"sched\/no_such_tracepoint"/);
  assert.match(found[2]!, /tracer\.ts:8: Cannot assign to 'next_pid' because it is a read-only property/);
});

test("shipped tracepoints.d.ts declares every tracepoint and field of tracepoints.json with its type", () => {
  const data = shippedJson();
  const project = projectWith("export {};\n");
  const tracepoints = project.getSourceFileOrThrow("/stdlib-types/tracepoints.d.ts").getInterfaceOrThrow("Tracepoints");
  const declared = new Map<string, Map<string, string>>();
  for (const property of tracepoints.getProperties()) {
    const fields = new Map<string, string>();
    for (const member of property.getTypeNodeOrThrow().asKindOrThrow(ts.SyntaxKind.TypeLiteral).getProperties()) {
      assert.ok(member.isReadonly(), `${property.getName()}.${member.getName()} is readonly`);
      fields.set(member.getSymbolOrThrow().getName(), member.getTypeNodeOrThrow().getText());
    }
    declared.set(JSON.parse(property.getName()) as string, fields);
  }
  assert.equal([...declared.keys()], Object.keys(data.tracepoints));
  for (const [key, tp] of Object.entries(data.tracepoints)) {
    const fields = declared.get(key)!;
    assert.equal([...fields.keys()], tp.fields.map((f) => f.name), `${key}: field names`);
    for (const f of tp.fields) assert.is(fields.get(f.name), f.tsType, `${key}.${f.name}: type`);
  }
});

test.run();
