// Stacks in the language, without the kernel: bpf.kstack()/bpf.ustack() compiled (their stack trace maps, one per
// kind and depth, and the flags), run in the VM against a simulated task's stacks, and printed as `tsbpf run`
// prints them (bpftrace's frames inside `@[...]`, NDJSON keys and fields); the errors of bad options.

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { compile } from "../../compiler/index.ts";
import { disassemble } from "../../core/asm/index.ts";
import { stackMapName } from "../../core/object/names.ts";
import { readAggregation } from "../../runtime/output/read.ts";
import { aggregationJson, serialize } from "../../runtime/output/json.ts";
import { StackFrames } from "../../runtime/output/stacks.ts";
import { eventColumns, formatEventLine } from "../../runtime/output/events.ts";
import { displayOf } from "../../runtime/output/display.ts";
import { formatAggregation } from "../../runtime/output/text.ts";
import { simulate } from "../../testing.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const fixture = join(root, "test/fixtures/stacks/stacks.ts");
const scratch = mkdtempSync(join(tmpdir(), "tsbpf-stacks-"));
let sources = 0;

/** Compiles `text` as a tracer file of its own. */
function compileSource(text: string) {
  const file = join(scratch, `t${sources++}.ts`);
  writeFileSync(file, text);
  return compile(file, { arch: "x86_64" });
}

test("one stack trace map per kind and depth, and bpf_get_stackid's flags: skip, user stack", () => {
  const r = compile(fixture, { arch: "x86_64" });
  assert.ok(r.spec, r.diagnostics.map((d) => d.message).join("\n"));
  const stackMaps = r.spec!.maps.filter((m) => m.type === "stack_trace").map((m) => [m.name, m.valueSize, m.maxEntries]);
  assert.equal(stackMaps.sort(), [
    [stackMapName("kstack", 127), 127 * 8, 32768], [stackMapName("kstack", 3), 24, 32768],
    [stackMapName("ustack", 127), 127 * 8, 32768], [stackMapName("ustack", 8), 64, 32768],
  ].sort());
  const key = r.spec!.maps.find((m) => m.name === "samples")!.aggregation!.key!;
  assert.equal(key.kind === "struct" && key.fields.map((f) => f.type), [
    { kind: "string", capacity: 16 }, { kind: "int", size: 8, signed: false, display: "kstack", depth: 127 },
    { kind: "int", size: 8, signed: false, display: "ustack", depth: 127 },
  ]);
  const text = disassemble(r.spec!.programs.find((p) => p.name.startsWith("profile"))!.instructions);
  // r3 = flags before each call: 0 (kernel), 256 (BPF_F_USER_STACK), 1 (skip one frame)
  const flags = [...text.matchAll(/mov %r3, (\d+)\n[^\n]*call bpf_get_stackid/g)].map((m) => Number(m[1]));
  assert.equal(flags, [0, 256, 1]);
});

test("the VM stores the simulated stacks; print() shows them as bpftrace does, innermost frame first", async () => {
  const sim = await simulate(fixture);
  sim.env.comm = "worker";
  sim.setStacks({ kernel: ["clear_page_erms", "do_anonymous_page", "handle_mm_fault", "exc_page_fault"], user: ["fill", "main", "__libc_start_main"] });
  sim.fire("profile");
  sim.fire("profile");
  sim.setStacks({ kernel: ["schedule", "do_nanosleep"], user: [] });
  sim.fire("profile");
  assert.is(sim.print("samples"), [
    "@samples[worker, ",
    "    schedule+16",
    "    do_nanosleep+16",
    ", ]: 1",
    "@samples[worker, ",
    "    clear_page_erms+16",
    "    do_anonymous_page+16",
    "    handle_mm_fault+16",
    "    exc_page_fault+16",
    ", ",
    "    fill+16",
    "    main+16",
    "    __libc_start_main+16",
    "]: 2",
    "",
  ].join("\n"));
  // depth 3, one frame skipped: two keys, cut and shifted
  assert.is(sim.print("shallow"), [
    "@shallow[", "    do_nanosleep+16", "]: 1",
    "@shallow[", "    do_anonymous_page+16", "    handle_mm_fault+16", "    exc_page_fault+16", "]: 2", "",
  ].join("\n"));
  // The user-side object (a tool's main() has the same) prints its stacks the same way.
  assert.is((sim.maps as unknown as Record<string, { print(): string }>)["shallow"]!.print(), sim.print("shallow"));
});

test("a user stack carries its process; an event's stack field symbolizes through the same map", async () => {
  const sim = await simulate(fixture, { env: { pid: 4321, tid: 4321 } });
  sim.setStacks({ user: ["open64", "cat_file", "main"], kernel: ["perf_syscall_enter", "syscall_trace_enter", "do_syscall_64", "entry_SYSCALL_64", "x"] });
  const r = sim.fire("syscalls/sys_enter_openat", {});
  const e = r.events[0]!.event as { pid: number; stack: bigint; kernel: { pid: number; size: bigint; frames: bigint[] } };
  assert.is(Number(e.stack >> 32n), 4321);
  const s = sim.stack(e.stack, { stack: "ustack", depth: 8 });
  assert.is(s.pid, 4321);
  assert.equal(s.frames.map((f) => f.symbol), ["open64", "cat_file", "main"]);
  // A text column prints it on one line, innermost first; without a resolver it is the number.
  const type = sim.spec.maps.find((m) => m.name === "opens")!.events!.type;
  const frames = new StackFrames(sim.symbols, { frames: (map, id) => sim.collection.stackMaps.get(map)?.frames(id) });
  // bpf.kframes({ depth: 4, skip: 1 }): four frames copied after the first, 32 bytes.
  assert.equal([e.kernel.pid, e.kernel.size], [4321, 32n]);
  assert.is(formatEventLine(eventColumns(type, { stacks: frames }), e),
    "   4321 open64+16←cat_file+16←main+16 syscall_trace_enter+16←do_syscall_64+16←entry_SYSCALL_64+16←x+16");
  assert.match(formatEventLine(eventColumns(type), e), new RegExp(`^   4321 ${e.stack} +4321 +32 `));
  assert.is(serialize(displayOf(type, { stacks: frames }, "string")!(e)),
    '{"pid":4321,"stack":["open64+16","cat_file+16","main+16"],"kernel":["syscall_trace_enter+16","do_syscall_64+16","entry_SYSCALL_64+16","x+16"]}');
  // Copying fails as the kernel's does: a stack shorter than the frames to skip is -EFAULT, printed empty.
  sim.setStacks({ kernel: [] });
  const empty = (sim.fire("syscalls/sys_enter_openat", {}).events[0]!.event as typeof e).kernel;
  assert.equal([empty.size, empty.frames.every((f) => f === 0n)], [-14n, true]);
});

test("a stack the kernel could not store prints why; NDJSON has frames as strings", async () => {
  const sim = await simulate(fixture);
  sim.setStacks({ kernel: ["a", "b"], user: ["u"] });
  sim.fire("profile");
  const spec = sim.spec.maps.find((m) => m.name === "shallow")!;
  const data = readAggregation(sim.collection.map("shallow"), spec);
  // A made-up -EEXIST (17) entry beside the real one.
  const withLost = { ...data, entries: [...data.entries, { key: BigInt.asUintN(64, -17n) & 0xffffffffn, value: 3n }] };
  const frames = new StackFrames(sim.symbols, { frames: (map, id) => sim.collection.stackMaps.get(map)?.frames(id) });
  assert.match(formatAggregation(withLost, { stacks: frames }), "@shallow[\n    [lost: EEXIST: another stack took its slot in the stack map (hash collision)]\n]: 3");
  const json = aggregationJson(withLost, { stacks: frames })!;
  assert.is(serialize(json.data), '{"@shallow":{"b+16":1,"[lost: EEXIST]":3}}');
  // Without a resolver (the user side's own entries()), a stack is the number it is.
  assert.match(formatAggregation(data), /^@shallow\[\d+\]: 1\n$/);
});

test("bad options: depth out of range, a non-constant option; a depth mismatch is a type error", () => {
  const errors = (body: string) => compileSource(`import { Count, bpf, profile, type KStack } from "tsbpf";\n${body}`).diagnostics.map((d) => `${d.code}: ${d.message}`);
  assert.match(errors(`export const c = new Count<KStack<200>>();\nprofile(99, () => { c.increment(bpf.kstack({ depth: 200 })); });`).join("\n"), /TSB2059: 200 does not fit a stack depth \(1\.\.127\)/);
  assert.match(errors(`export const c = new Count<KStack>();\nprofile(99, () => { c.increment(bpf.kstack({ skip: 300 })); });`).join("\n"), /TSB2059: 300 does not fit bpf\.kstack\(\)'s skip \(0\.\.255\)/);
  assert.match(errors(`export const c = new Count<KStack>();\nprofile(99, () => { const n = bpf.cpu(); c.increment(bpf.kstack({ skip: n })); });`).join("\n"), /TSB1016/);
  assert.match(errors(`export const c = new Count<KStack>();\nprofile(99, () => { c.increment(bpf.kstack({ depth: 5 })); });`).join("\n"), /TS2345/);
});

test.run();
