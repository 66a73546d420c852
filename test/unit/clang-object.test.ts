// Clang-built libbpf objects (test/fixtures/clang/, built by test/support/clang-objects.ts) converted into a
// CollectionSpec without loading anything: maps from `.maps` BTF with key and value layouts, global data maps,
// programs by section name, bpf-to-bpf calls placed and fixed, CO-RE relocations resolved against this kernel's BTF
// (a flavoured local struct whose offsets differ from the kernel's), a bpf_loop callback's address, C lines from
// .BTF.ext, a relocation no kernel satisfies poisoned, what
// tsbpf does not support refused in one line; and `tsbpf run` of a binary that is no BPF object: one line, exit 2.

import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { OP_CALL, OP_LDDW, PseudoCall, PseudoLd, disassemble } from "../../core/asm/index.ts";
import { type Btf, parseBtf } from "../../core/object/btf/index.ts";
import { POISON_HELPER } from "../../core/object/elf/read-core.ts";
import { LibbpfObjectError, libbpfObjectSpec } from "../../core/object/elf/read-object.ts";
import { fieldOffset } from "../../core/object/relocate.ts";
import { MAP_FLAGS } from "../../core/object/spec.ts";
import { clangObjects, compileBpf } from "../support/clang-objects.ts";
import { STACK_FRAME, runCli } from "../support/cli.ts";
import { skip } from "../support/skip.ts";

let kernelBtf: Btf | undefined;
const btf = () => (kernelBtf ??= parseBtf(readFileSync("/sys/kernel/btf/vmlinux")));

/** A test over the built fixtures; skipped (saying why) where clang, bpftool or libbpf-dev are missing. */
function withObjects(name: string, fn: (object: (n: string) => string, dir: string) => unknown): void {
  test(name, async () => {
    const o = clangObjects();
    if (!o.ok) return skip(`${name}: ${o.reason}`);
    await fn(o.object, o.dir);
  });
}

const spec = (path: string) => libbpfObjectSpec(readFileSync(path), { file: path, kernelBtf: btf, kernel: "test" });

withObjects("a BTF-defined hash map and a tracepoint program: sizes, layouts, exported, map loads by name", (object) => {
  const s = spec(object("getppid-count"));
  assert.equal(s.maps, [{
    name: "calls", type: "hash", keySize: 4, valueSize: 8, maxEntries: 1024, exported: true,
    key: { kind: "int", size: 4, signed: false }, value: { kind: "int", size: 8, signed: false },
  }]);
  assert.is(s.programs.length, 1);
  const p = s.programs[0]!;
  assert.equal([p.name, p.type, p.attach, p.license], ["count_getppid", "tracepoint", { kind: "tracepoint", category: "syscalls", name: "sys_enter_getppid" }, "GPL"]);
  const loads = p.instructions.filter((i) => i.op === OP_LDDW);
  assert.ok(loads.length >= 1 && loads.every((i) => i.src === PseudoLd.MapFd && i.map === "calls"), disassemble(p.instructions));
});

withObjects("CO-RE: a ___flavor struct's fields are read at the kernel's offsets; exists and size answered; the subprogram is appended and called", (object) => {
  const s = spec(object("core-parent"));
  const p = s.programs[0]!;
  const text = disassemble(p.instructions);
  // The object's own struct puts real_parent at 8 and tgid at 0; the kernel's task_struct does not.
  const parent = fieldOffset(btf(), "task_struct", "real_parent").offset;
  const tgid = fieldOffset(btf(), "task_struct", "tgid").offset;
  assert.ok(parent !== 8 && tgid !== 0, "the kernel's offsets differ from the object's");
  const immediates = p.instructions.filter((i) => (i.op & 0x07) === 0x07 && (i.op & 0x08) === 0).map((i) => i.imm);
  assert.ok(immediates.includes(parent), `real_parent's offset ${parent} in:\n${text}`);
  assert.ok(immediates.includes(tgid), `tgid's offset ${tgid} in:\n${text}`);
  const call = p.instructions.findIndex((i) => i.op === OP_CALL && i.src === PseudoCall.Local);
  assert.ok(call >= 0, text);
  // The callee starts right after the program's exit, where the call's offset leads.
  const exit = p.instructions.findIndex((i) => i.op === 0x95);
  const slots = (n: number) => p.instructions.slice(0, n).reduce((a, i) => a + (i.op === OP_LDDW ? 2 : 1), 0);
  assert.is(slots(call) + 1 + p.instructions[call]!.imm, slots(exit + 1), text);
  assert.equal(s.maps[0]!.value, {
    kind: "struct", name: "parent", fields: [
      { name: "ppid", type: { kind: "int", size: 4, signed: false } }, { name: "missing_exists", type: { kind: "int", size: 4, signed: false } },
      { name: "tgid_size", type: { kind: "int", size: 4, signed: false } }, { name: "comm", type: { kind: "string", capacity: 16 } },
    ],
  });
});

withObjects("global data: .rodata frozen and read-only for programs, .bss as a struct of its variables, loads with their offsets; a ring buffer's records typed by struct event", (object) => {
  const s = spec(object("globals"));
  const rodata = s.maps.find((m) => m.name === ".rodata")!;
  assert.equal([rodata.type, rodata.valueSize, rodata.freeze, rodata.flags, rodata.exported], ["array", 4, true, MAP_FLAGS.rdonlyProg, undefined]);
  // .rodata's variables are load-time parameters (tsbpf run --param filter_pid=N, load()'s params).
  assert.equal([s.paramMap, s.params], [".rodata", [{ name: "filter_pid", offset: 0, type: { kind: "int", size: 4, signed: false }, default: "0" }]]);
  assert.is(rodata.initialValue, "00000000");
  const bss = s.maps.find((m) => m.name === ".bss")!;
  // At the offsets of their symbols (clang places them in definition order), not the DATASEC's zeros.
  assert.equal(bss.value, { kind: "struct", fields: [
    { name: "total", type: { kind: "int", size: 8, signed: false } }, { name: "seen_by_filter", type: { kind: "int", size: 8, signed: false } },
    { name: "looped", type: { kind: "int", size: 8, signed: false } }, { name: "unused_event", type: { kind: "pointer" } },
  ] });
  const values = s.programs[0]!.instructions.filter((i) => i.op === OP_LDDW && i.src === PseudoLd.MapValue).map((i) => `${i.map}+${i.imm2}`);
  assert.ok(values.includes(".rodata+0"), values.join(" "));
  assert.ok(values.filter((v) => v.startsWith(".bss+")).length >= 2, values.join(" "));
  // bpf_loop's callback: its address loaded (BPF_PSEUDO_FUNC), pointing at the subprogram appended after the exit.
  const insns = s.programs[0]!.instructions;
  const fn = insns.findIndex((i) => i.op === OP_LDDW && i.src === PseudoLd.Func);
  const slots = (n: number) => insns.slice(0, n).reduce((a, i) => a + (i.op === OP_LDDW ? 2 : 1), 0);
  assert.ok(fn >= 0, disassemble(insns));
  assert.is(slots(fn) + 1 + insns[fn]!.imm, slots(insns.findIndex((i) => i.op === 0x95) + 1), disassemble(insns));
  // Every instruction carries its C line (.BTF.ext line_info), for func_info, line_info and verifier messages.
  assert.ok(insns.every((i) => i.meta?.span?.file.endsWith("globals.bpf.c")), "C lines");
  assert.ok(insns.some((i) => i.meta?.source?.includes("bpf_loop(2, add_one, NULL, 0)")), "the line's text");
  const events = s.maps.find((m) => m.name === "events")!;
  assert.equal([events.keySize, events.valueSize, events.exported], [0, 0, true]);
  assert.equal(events.events?.type, { kind: "struct", name: "event", fields: [
    { name: "pid", type: { kind: "int", size: 4, signed: false } }, { name: "seq", type: { kind: "int", size: 4, signed: false } },
    { name: "comm", type: { kind: "string", capacity: 16 } },
  ] });
  // Its drop counter, which `tsbpf run` reads at the end (by a u32 key: it must have the layout).
  const lost = s.maps.find((m) => m.name === events.events?.lostMap)!;
  assert.equal([lost.type, lost.key, lost.value], ["percpu_array", { kind: "int", size: 4, signed: false }, { kind: "int", size: 8, signed: false }]);
});

withObjects("a CO-RE relocation no kernel satisfies is poisoned as libbpf does, naming the struct, the field and the kernel", (object) => {
  const p = spec(object("core-missing")).programs[0]!;
  const poison = p.instructions.find((i) => i.op === OP_CALL && i.imm === POISON_HELPER);
  assert.ok(poison, disassemble(p.instructions));
  assert.is(poison.meta?.comment, "CO-RE: struct task_struct___mine.no_such_field_in_any_kernel is not in Linux test");
});

withObjects("a legacy map (struct bpf_map_def in SEC(\"maps\")): created from its definition, loaded by name", (_object, dir) => {
  const legacy = compileBpf(dir, "legacy", `#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
struct bpf_map_def { unsigned int type, key_size, value_size, max_entries, map_flags; };
struct bpf_map_def SEC("maps") counts = { .type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = 8, .max_entries = 3 };
SEC("raw_tp/sys_enter") int f(void *ctx) { __u32 k = 1; __u64 *v = bpf_map_lookup_elem(&counts, &k); if (v) *v += 1; return 0; }
char LICENSE[] SEC("license") = "GPL";
`);
  const s = spec(legacy);
  // No BTF type: integers of the sizes, so that the printers and load() can read it.
  assert.equal(s.maps, [{
    name: "counts", type: "array", keySize: 4, valueSize: 8, maxEntries: 3, exported: true,
    key: { kind: "int", size: 4, signed: false }, value: { kind: "int", size: 8, signed: false },
  }]);
  assert.equal(s.programs[0]!.attach, { kind: "raw_tracepoint", name: "sys_enter" });
  assert.ok(s.programs[0]!.instructions.some((i) => i.op === OP_LDDW && i.map === "counts"));
});

withObjects("what tsbpf does not load is one error naming it: a section it does not attach, a .kconfig extern, a file that is no BPF object", (_object, dir) => {
  const head = '#include "vmlinux.h"\n#include <bpf/bpf_helpers.h>\n';
  const socket = compileBpf(dir, "socket", `${head}SEC("socket") int f(void *ctx) { return 0; }\nchar LICENSE[] SEC("license") = "GPL";\n`);
  assert.throws(() => spec(socket), (e: unknown) => e instanceof LibbpfObjectError && /section socket: tsbpf does not attach programs of this section/.test(e.message) && /tracepoint\/CAT\/NAME/.test(e.hint ?? ""));
  const kconfig = compileBpf(dir, "kconfig", `${head}extern int LINUX_KERNEL_VERSION __kconfig;\nSEC("tp/syscalls/sys_enter_getppid") int f(void *ctx) { return LINUX_KERNEL_VERSION; }\nchar LICENSE[] SEC("license") = "GPL";\n`);
  assert.throws(() => spec(kconfig), (e: unknown) => e instanceof LibbpfObjectError && /uses extern LINUX_KERNEL_VERSION/.test(e.message));
  const notBpf = join(dir, "true.bpf.o");
  copyFileSync("/bin/true", notBpf);
  assert.throws(() => spec(notBpf), (e: unknown) => e instanceof LibbpfObjectError && /not a clang -target bpf object/.test(e.message));
});

test("tsbpf run of a binary that is no BPF object: one line, exit 2, no dump", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tsbpf-clang-cli-"));
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  const env = { ...process.env, TSBPF_CACHE_DIR: join(dir, "cache"), NO_COLOR: "1" };
  const random = join(dir, "some-random.bin");
  writeFileSync(random, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256)));
  const elf = join(dir, "true.o");
  copyFileSync("/bin/true", elf);
  for (const [file, message] of [[random, /is a binary file, not a TypeScript tracer/], [elf, /not a relocatable object|not a clang -target bpf object/]] as const) {
    const r = await runCli(["run", file], env);
    assert.is(r.status, 2, r.stderr);
    assert.is(r.stdout, "");
    assert.is(r.stderr.trimEnd().split("\n").length, 1, r.stderr);
    assert.match(r.stderr, message);
    assert.not.match(r.stderr, STACK_FRAME);
  }
});

test.run();
