// core/helpers: the helper table against the kernel's ids (hard-coded from the reference), the committed
// stdlib-types/helpers.d.ts against the generator, signatures that parse, and declarations that type-check.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Project, ts } from "ts-morph";
import { generateHelperDeclarations } from "../../core/helpers/declarations.ts";
import { HELPERS, HELPER_NAMES, helperByName, probesOf } from "../../core/helpers/table.ts";
import { PROBE_KINDS, PROBES_OF_PROGRAM_TYPE, TRACING_PROGRAM_TYPES } from "../../core/probes.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const stdlib = join(root, "stdlib-types");

// shared/reference/kernel-abi.md §8 (ids from bpf.h's ___BPF_FUNC_MAPPER, versions from isovalent/ebpf-docs), copied
// by hand so that a typo in the table cannot also be a typo in its check.
const REFERENCE: Record<string, { id: number; since: string }> = {
  bpf_ktime_get_ns: { id: 5, since: "4.1" },
  bpf_trace_printk: { id: 6, since: "4.1" },
  bpf_get_smp_processor_id: { id: 8, since: "4.1" },
  bpf_get_current_pid_tgid: { id: 14, since: "4.2" },
  bpf_get_current_uid_gid: { id: 15, since: "4.2" },
  bpf_get_current_comm: { id: 16, since: "4.2" },
  bpf_get_current_task: { id: 35, since: "4.8" },
  bpf_get_stackid: { id: 27, since: "4.6" },
  bpf_get_stack: { id: 67, since: "4.18" },
  bpf_get_current_cgroup_id: { id: 80, since: "4.18" },
  bpf_send_signal: { id: 109, since: "5.3" },
  bpf_probe_read_user: { id: 112, since: "5.5" },
  bpf_probe_read_kernel: { id: 113, since: "5.5" },
  bpf_probe_read_user_str: { id: 114, since: "5.5" },
  bpf_probe_read_kernel_str: { id: 115, since: "5.5" },
  bpf_ktime_get_boot_ns: { id: 125, since: "5.8" },
  bpf_ktime_get_coarse_ns: { id: 160, since: "5.11" },
  bpf_get_func_ip: { id: 173, since: "5.15" },
  bpf_get_attach_cookie: { id: 174, since: "5.15" },
  bpf_loop: { id: 181, since: "5.17" },
};
// Helpers §8 does not list: libbpf's include/uapi/linux/bpf.h (f7081a6baf3f) and ebpf-docs' feature tags.
const BEYOND_REFERENCE: Record<string, { id: number; since: string }> = {
  bpf_get_prandom_u32: { id: 7, since: "4.17" },
  bpf_get_numa_node_id: { id: 42, since: "4.10" },
  bpf_jiffies64: { id: 118, since: "5.6" },
  bpf_ktime_get_tai_ns: { id: 208, since: "6.1" },
};

test("the committed stdlib-types/helpers.d.ts is what the table generates", () => {
  const committed = readFileSync(join(stdlib, "helpers.d.ts"), "utf8");
  assert.ok(committed === generateHelperDeclarations(), "stdlib-types/helpers.d.ts is stale: run npm run gen:helpers");
});

test("generation is deterministic and independent of the table's order", () => {
  assert.is(generateHelperDeclarations([...HELPERS].reverse()), generateHelperDeclarations());
  const text = generateHelperDeclarations();
  const names = [...text.matchAll(/^ {2}function (\w+)/gm)].map((m) => m[1]);
  assert.equal(names, [...HELPER_NAMES].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
});

test("names are unique, camelCase, and found by helperByName", () => {
  assert.is(new Set(HELPER_NAMES).size, HELPER_NAMES.length, "duplicate helper names");
  for (const h of HELPERS) {
    assert.ok(/^[a-z][A-Za-z0-9]*$/.test(h.name), `${h.name} is not camelCase`);
    assert.is(helperByName(h.name), h);
  }
  assert.is(helperByName("nope"), undefined);
  assert.equal(HELPER_NAMES, HELPERS.map((h) => h.name));
});

test("entries sharing a kernel helper agree on its id, version and license", () => {
  const seen = new Map<string, (typeof HELPERS)[number]>();
  const byId = new Map<number, string>();
  for (const h of HELPERS) {
    const first = seen.get(h.kernelName);
    if (first) {
      assert.is(h.id, first.id, `${h.name} and ${first.name} give ${h.kernelName} different ids`);
      assert.is(h.since, first.since, `${h.name} and ${first.name} give ${h.kernelName} different versions`);
      assert.is(h.gplOnly, first.gplOnly, `${h.name} and ${first.name} disagree on ${h.kernelName}'s license`);
    } else seen.set(h.kernelName, h);
    const other = byId.get(h.id);
    assert.ok(other === undefined || other === h.kernelName, `id ${h.id} is both ${other} and ${h.kernelName}`);
    byId.set(h.id, h.kernelName);
  }
});

test("ids and versions match kernel-abi.md §8 and, beyond it, bpf.h and ebpf-docs", () => {
  const expected = { ...REFERENCE, ...BEYOND_REFERENCE };
  for (const h of HELPERS) {
    const want = expected[h.kernelName];
    assert.ok(want, `${h.name}: ${h.kernelName} has no expected id here; add it from the reference`);
    assert.is(h.id, want!.id, `${h.name}: ${h.kernelName} is helper ${want!.id}`);
    assert.is(h.since, want!.since, `${h.name}: ${h.kernelName} needs Linux ${want!.since}`);
  }
  // Every kernel helper the reference lists for these is used by some entry (no stale expectation).
  const used = new Set(HELPERS.map((h) => h.kernelName));
  for (const name of Object.keys(expected)) assert.ok(used.has(name), `${name} is expected but no helper uses it`);
});

test("licenses and program types follow the kernel's func_proto tables", () => {
  // gpl_only = true in the kernel's bpf_func_proto for exactly these (send_signal is false).
  const gpl = new Set(["bpf_probe_read_user", "bpf_probe_read_kernel", "bpf_probe_read_user_str", "bpf_probe_read_kernel_str", "bpf_trace_printk", "bpf_get_current_task", "bpf_get_func_ip", "bpf_get_stackid", "bpf_get_stack"]);
  for (const h of HELPERS) assert.is(h.gplOnly, gpl.has(h.kernelName), `${h.name}: gplOnly`);
  assert.equal(helperByName("funcIp")?.programTypes, ["kprobe", "tracing"]);
  // Every tracing type since raw tracepoints got attach cookies (6.10): loaded from each in test/kernel/guard-verifier.test.ts.
  assert.equal(helperByName("attachCookie")?.programTypes, "all");
  assert.equal(helperByName("tracepointString")?.programTypes, ["tracepoint"]);
  for (const h of HELPERS) {
    assert.ok(h.programTypes === "all" || h.programTypes.length > 0, `${h.name}: empty programTypes`);
    assert.ok(/^\d+\.\d+$/.test(h.since), `${h.name}: since ${h.since}`);
    assert.ok(h.doc.length > 0 && !h.doc.includes("*/"), `${h.name}: doc`);
  }
});

test("each doc comment says what the helper does, its minimum kernel and who may call it", () => {
  const text = generateHelperDeclarations();
  const comments = new Map([...text.matchAll(/\/\*\*\n([\s\S]*?)\*\/\n {2}function (\w+)/g)].map((m) => [m[2]!, m[1]!.replace(/\n\s*\* ?/g, " ")]));
  for (const h of HELPERS) {
    const doc = comments.get(h.name);
    assert.ok(doc, `${h.name} has no doc comment`);
    assert.ok(doc!.includes(h.doc.split(" ").slice(0, 4).join(" ")), `${h.name}: the doc does not start with what it does`);
    assert.ok(doc!.includes(`Minimum kernel: Linux ${h.since} (\`${h.kernelName}\`, helper ${h.id})`), `${h.name}: minimum kernel`);
    assert.match(doc!, /Program types: [^;]+; probes: /, `${h.name}: program types`);
    assert.is(doc!.includes("GPL-only"), h.gplOnly, `${h.name}: GPL-only`);
  }
  // Spot checks of the exact wording an editor shows.
  assert.match(comments.get("ktimeGetNs")!, /Program types: all tracing types \(kprobe, tracepoint, raw_tracepoint, tracing, perf_event\); probes: every probe\./);
  assert.match(comments.get("tracepointString")!, /Program types: tracepoint; probes: tracepoint\./);
  assert.match(comments.get("funcIp")!, /Program types: kprobe, tracing; probes: kprobe, kretprobe, uprobe, uretprobe, fentry, fexit\./);
});

test("probes follow the program types, and an override only narrows them", () => {
  const every = TRACING_PROGRAM_TYPES.flatMap((t) => PROBES_OF_PROGRAM_TYPE[t]);
  assert.is(new Set(every).size, Object.keys(PROBE_KINDS).length, "each declarator has exactly one program type");
  assert.equal(probesOf(helperByName("ktimeGetNs")!), every);
  assert.equal(probesOf(helperByName("tracepointString")!), ["tracepoint"]);
  for (const h of HELPERS) {
    if (!h.probes) continue;
    const allowed = new Set((h.programTypes === "all" ? TRACING_PROGRAM_TYPES : h.programTypes).flatMap((t) => PROBES_OF_PROGRAM_TYPE[t]));
    for (const p of h.probes) assert.ok(allowed.has(p), `${h.name}: probe ${p} is not of its program types`);
    assert.ok(h.probes.length < allowed.size, `${h.name}: probes does not narrow anything; drop it`);
  }
  // bpf_get_func_ip needs a trampoline among tracing programs (check_get_func_ip): never tp_btf.
  assert.not.ok(probesOf(helperByName("funcIp")!).includes("tpBtf"));
});

test("every signature parses as TypeScript", () => {
  const project = new Project({ useInMemoryFileSystem: true });
  const program = () => project.getProgram().compilerObject;
  for (const h of HELPERS) {
    const file = project.createSourceFile(`${h.name}.ts`, `declare function f${h.signature};`);
    const errors = program().getSyntacticDiagnostics(file.compilerNode);
    const text = errors.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n")).join("; ");
    assert.is(errors.length, 0, `${h.name}${h.signature}: ${text}`);
    // One declaration, nothing trailing: a signature that swallowed extra text would show up here.
    assert.is(file.getStatements().length, 1, `${h.name}: "${h.signature}" is not a single signature`);
  }
});

test("the declarations type-check with stdlib-types/index.d.ts and give bpf.* their types", () => {
  // A temporary copy: the real folder may lack tracepoints.d.ts (generated separately), and a stub must not land there.
  const dir = mkdtempSync(join(tmpdir(), "tsbpf-helpers-"));
  try {
    cpSync(stdlib, dir, { recursive: true });
    writeFileSync(join(dir, "helpers.d.ts"), generateHelperDeclarations());
    if (!existsSync(join(dir, "tracepoints.d.ts"))) {
      writeFileSync(
        join(dir, "tracepoints.d.ts"),
        "export interface Tracepoints {}\nexport type TracepointName = keyof Tracepoints;\nexport type TracepointContext<N extends TracepointName> = Tracepoints[N];\n",
      );
    }
    const project = new Project({
      compilerOptions: { strict: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, noEmit: true, skipLibCheck: false, types: [], lib: ["lib.es2022.d.ts", "lib.esnext.disposable.d.ts"] },
    });
    project.addSourceFilesAtPaths(join(dir, "*.d.ts"));
    const entry = join(dir, "index.js");
    const good = project.createSourceFile(
      join(dir, "user.ts"),
      `import { bpf } from ${JSON.stringify(entry)};\n` +
        "const p: number = bpf.pid();\nconst c: string = bpf.comm();\nconst t: bigint = bpf.ktimeGetNs();\n" +
        "const s: string = bpf.probeReadUserStr(bpf.currentTask(), 64);\nconst n: number = bpf.loop(10, (i) => i > 3);\n" +
        "bpf.tracePrintk('%d %d', p, t);\nexport { c, s, n };\n",
    );
    const bad = project.createSourceFile(join(dir, "bad.ts"), `import { bpf } from ${JSON.stringify(entry)};\nbpf.nope();\n`);
    const format = (ds: ReturnType<Project["getPreEmitDiagnostics"]>) => project.formatDiagnosticsWithColorAndContext(ds);
    const all = project.getPreEmitDiagnostics();
    const elsewhere = all.filter((d) => d.getSourceFile() !== bad);
    assert.is(elsewhere.length, 0, format(elsewhere));
    const badErrors = bad.getPreEmitDiagnostics();
    assert.ok(badErrors.some((d) => d.getCode() === 2339), `bpf.nope() should be "Property 'nope' does not exist": ${format(badErrors)}`);
    assert.ok(good.getPreEmitDiagnostics().length === 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
