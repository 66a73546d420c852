// core/probes.ts is the table of probe declarators and attach kinds: checked both ways against the declarations the
// editor sees, the user side's no-op declarators, the kernel runtime's attachers, the compiler (a tracer with every
// declarator) and the VM (fired by every name formatAttach prints, reading each kind's context).

import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { AttachSpec } from "../../core/object/spec.ts";
import {
  ATTACH_KINDS, PROBE_KINDS, PROBES_OF_PROGRAM_TYPE, TRACING_PROGRAM_TYPES, bpftraceProbeName, contextOf, formatAttach, parseAttach,
} from "../../core/probes.ts";
import { ATTACHABLE } from "../../runtime/kernel/links/index.ts";
import * as tsbpf from "../../index.ts";
import { simulate } from "../../testing.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

test("every declarator is declared to the editor and harmless in Node; and no other", () => {
  const dts = readFileSync(join(root, "stdlib-types", "index.d.ts"), "utf8");
  const declared = new Set([...dts.matchAll(/^export declare function (\w+)(?:<[^>]*>)?\([^)]*handler: Handler</gm)].map((m) => m[1]!));
  assert.equal([...declared].sort(), Object.keys(PROBE_KINDS).sort());
  const exported = tsbpf as unknown as Record<string, unknown>;
  for (const d of Object.keys(PROBE_KINDS)) assert.type(exported[d], "function", `the package exports ${d}()`);
});

test("every attach kind has its attacher in runtime/kernel/links", () => {
  assert.equal([...ATTACHABLE].sort(), Object.keys(ATTACH_KINDS).sort());
});

test("each declarator makes an attach point of its program type and context, printed and read back the same", () => {
  const args: Record<string, readonly (string | number)[]> = {
    kprobe: ["vfs_read"], kretprobe: ["vfs_read"], uprobe: ["libc", "getaddrinfo"], uretprobe: ["/bin/bash", "readline"],
    tracepoint: ["sched/sched_switch"], rawTracepoint: ["sched_switch"], fentry: ["vfs_read"], fexit: ["vfs_read"],
    tpBtf: ["sched_switch"], profile: [99], interval: [1000], begin: [], end: [],
    hardware: ["cycles"], software: ["page-faults"],
    usdt: ["./app", "app", "request"],
  };
  const printed = new Set<string>();
  for (const [d, def] of Object.entries(PROBE_KINDS)) {
    assert.is(def.declarator, d);
    assert.is(def.params.length, args[d]!.length, `${d} takes ${def.params.length} arguments`);
    assert.is(def.check?.(args[d]!), undefined, `${d}(${args[d]!.join(", ")}) is valid`);
    const a = def.attach(args[d]!);
    assert.is(contextOf(a), def.context, `${d}: the attach kind's context`);
    const text = formatAttach(a);
    assert.equal(parseAttach(text), a, `${text} reads back`);
    printed.add(text);
  }
  assert.is(printed.size, Object.keys(PROBE_KINDS).length, "every declarator prints differently");
  assert.match(PROBE_KINDS.tracepoint.check!(["sched_switch"])!, /"category\/event"/);
  assert.match(PROBE_KINDS.profile.check!([0])!, /positive/);
  assert.match(PROBE_KINDS.interval.check!(["1s"])!, /positive/);
  assert.match(PROBE_KINDS.hardware.check!(["cyclez"])!, /^the hardware events: cpu-cycles, cycles, instructions, /);
  assert.match(PROBE_KINDS.software.check!(["cycles"])!, /^the software events: cpu-clock, cpu, task-clock, page-faults, faults, /);
  assert.equal(TRACING_PROGRAM_TYPES.flatMap((t) => PROBES_OF_PROGRAM_TYPE[t]).sort(), Object.keys(PROBE_KINDS).sort());
});

test("attach points print as kind:target, with offsets and short forms read back", () => {
  const cases: [AttachSpec, string][] = [
    [{ kind: "tracepoint", category: "syscalls", name: "sys_enter_openat" }, "tracepoint:syscalls/sys_enter_openat"],
    [{ kind: "kprobe", function: "tcp_sendmsg", offset: 16, retprobe: false }, "kprobe:tcp_sendmsg+0x10"],
    [{ kind: "uprobe", target: "/usr/lib/libssl.so.3", offset: 0x1234, retprobe: true }, "uretprobe:/usr/lib/libssl.so.3:0x1234"],
    [{ kind: "profile", frequency: 49 }, "profile:49hz"],
    [{ kind: "interval", periodMs: 250 }, "interval:250ms"],
    [{ kind: "begin" }, "begin"],
    [{ kind: "end" }, "end"],
    [{ kind: "none" }, "none"],
    [{ kind: "perf_event", type: "hardware", event: "cycles", period: 1_000_000 }, "hardware:cycles:1000000"],
    [{ kind: "perf_event", type: "software", event: "page-faults", period: 1 }, "software:page-faults:1"],
    [{ kind: "perf_event", type: "software", event: "cs", frequency: 99 }, "software:cs:99hz"],
    [{ kind: "usdt", target: "/usr/lib/libfoo.so.1", provider: "foo", name: "start" }, "usdt:/usr/lib/libfoo.so.1:foo:start"],
    [{ kind: "usdt", target: "/proc/42/exe", provider: "app", name: "tick", pid: 42 }, "usdt:/proc/42/exe:app:tick"],
  ];
  for (const [a, text] of cases) {
    assert.is(formatAttach(a), text);
    assert.equal(parseAttach(text), a);
  }
  assert.equal(parseAttach("tracepoint:sched:sched_switch"), { kind: "tracepoint", category: "sched", name: "sched_switch" });
  assert.equal(parseAttach("rawTracepoint:sched_switch"), { kind: "raw_tracepoint", name: "sched_switch" });
  assert.equal(PROBE_KINDS.usdt.attach([42, "app", "tick"]), { kind: "usdt", target: "/proc/42/exe", provider: "app", name: "tick", pid: 42 });
  assert.match(PROBE_KINDS.usdt.check!(["", "app", "tick"])!, /usdt\(binary or pid/);
  assert.match(PROBE_KINDS.usdt.check!([0, "app", "tick"])!, /usdt\(binary or pid/);
  for (const bad of ["tracepoint:nocategory", "profile:fast", "kprobe:", "uprobe:libc", "usdt:./app:tick", "nosuchkind:x", "", "hardware:cycles", "software:page-faults:0", "software:faults:1kHz", "software::1"]) {
    assert.is(parseAttach(bad), undefined, `${JSON.stringify(bad)} is not an attach point`);
  }
});

test("hardware() and software() attach with the period or frequency given, else bpftrace's default for the event", () => {
  const cases: [readonly (string | number)[], AttachSpec][] = [
    [["cycles"], { kind: "perf_event", type: "hardware", event: "cycles", period: 1_000_000 }],
    [["branch-misses"], { kind: "perf_event", type: "hardware", event: "branch-misses", period: 100_000 }],
    [["instructions", "frequency", 49], { kind: "perf_event", type: "hardware", event: "instructions", frequency: 49 }],
    [["page-faults"], { kind: "perf_event", type: "software", event: "page-faults", period: 100 }],
    [["cs"], { kind: "perf_event", type: "software", event: "cs", period: 1000 }],
    [["cpu-migrations"], { kind: "perf_event", type: "software", event: "cpu-migrations", period: 1 }],
    [["faults", "period", 1], { kind: "perf_event", type: "software", event: "faults", period: 1 }],
  ];
  for (const [args, a] of cases) {
    const def = args[0] === "cycles" || args[0] === "branch-misses" || args[0] === "instructions" ? PROBE_KINDS.hardware : PROBE_KINDS.software;
    assert.equal(def.attach(args), a, `${def.declarator}(${args.join(", ")})`);
  }
  assert.is(bpftraceProbeName({ kind: "perf_event", type: "software", event: "faults", period: 1 }), "software:faults:1");
});

test("the VM fires every declarator's program by the name formatAttach prints, on its kind's context", async () => {
  const sim = await simulate<typeof import("../fixtures/vm/every-probe.ts")>(join(root, "test", "fixtures", "vm", "every-probe.ts"), { cpus: 1 });
  assert.is(sim.spec.programs.length, Object.keys(PROBE_KINDS).length);
  const ctx: Record<string, Record<string, unknown>> = {
    pt_regs: { args: [11n, 12n, 13n], retval: 21n, ip: 31n },
    perf_event: { ip: 32n, samplePeriod: 33n, addr: 34n },
    args: { args: [41n, 42n, 43n, 44n, 45n] },
    tracepoint: { pid: 51 },
  };
  const expected = new Map<bigint, bigint>();
  for (const [i, p] of sim.spec.programs.entries()) {
    const context = contextOf(p.attach) ?? "args";
    sim.fire(formatAttach(p.attach), ctx[context]);
    assert.is(sim.maps.hits.get(i + 1), 1n, `${formatAttach(p.attach)} ran`);
  }
  // What each handler read from its context: kprobe's first argument (typed: vfs_read's file), kretprobe's return
  // value, uprobe arg1, uretprobe retval, the tracepoint's pid, raw tracepoint arg(1), fentry's third argument
  // (vfs_write's count), fexit's return value (after vfs_write's 4 arguments), tp_btf arg(0), profile and interval ip,
  // hardware's sample period, software's address, usdt arg(2) (through the spec record fire() writes).
  for (const v of [11n, 21n, 12n, 21n, 51n, 42n, 43n, 45n, 41n, 32n, 32n, 33n, 34n, 13n]) expected.set(v, (expected.get(v) ?? 0n) + 1n);
  for (const [v, n] of expected) assert.is(sim.maps.seen.get(v), n, `value ${v} read ${n} times`);
});

test.run();
