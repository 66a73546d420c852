// tsbpf/testing's Simulation: what fire() returns (r0, the events of that run decoded by channel, its printk lines),
// events() and lost() per channel, and faults reported at the TypeScript line, from hand-assembled collections and
// from a compiled tracer.

import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  Add, Atomic, Call, Exit, JEq, JNe, Ja, LdImm64, LdMapFd, Ldx, Mov, OP_EXIT, R0, R1, R2, R3, R4, R5, R6, R7, R10, St, Stx,
  label, resolve, withMeta, type AsmItem,
} from "../../core/asm/index.ts";
import { type TypeDesc, u32, u64 } from "../../core/object/layout.ts";
import type { CollectionSpec, MapSpec } from "../../core/object/spec.ts";
import { SimCollection, Simulation, VmError, simulate } from "../../testing.ts";

const eventType: TypeDesc = { kind: "struct", name: "event", fields: [{ name: "pid", type: u32 }, { name: "kind", type: u32 }, { name: "value", type: u64 }] };
const sampleType: TypeDesc = { kind: "struct", name: "sample", fields: [{ name: "x", type: u64 }] };
const lostSpec = (name: string): MapSpec => ({ name, type: "percpu_array", keySize: 4, valueSize: 8, maxEntries: 1, key: u32, value: u64 });

function collection(instructions: readonly AsmItem[]): Simulation {
  const spec: CollectionSpec = {
    maps: [
      { name: "events", type: "ringbuf", keySize: 0, valueSize: 0, maxEntries: 4096, events: { type: eventType, lostMap: "events.lost" } },
      lostSpec("events.lost"),
      { name: "perf", type: "perf_event_array", keySize: 4, valueSize: 4, maxEntries: 0, events: { type: sampleType, lostMap: "perf.lost", pages: 1 } },
      lostSpec("perf.lost"),
    ],
    programs: [{ name: "emit", type: "raw_tracepoint", attach: { kind: "none" }, instructions: resolve(instructions), license: "GPL" }],
  };
  return new Simulation(spec, new SimCollection(spec, { cpus: 2 }));
}

/** events.lost[cpu] += 1, then on to `back`. */
const countLost = (name: string, back: string): AsmItem[] => [
  label(name), St.w(R10, -40, 0), LdMapFd(R1, "events.lost"), Mov.reg(R2, R10), Add.imm(R2, -40), Call.helper(1), JEq.imm(R0, 0, back),
  Mov.imm(R1, 1), Atomic.dw.add(R0, 0, R1), Ja(back),
];

/**
 * With v = args[0]: printk("n=%d\n", v); events gets { pid 1234, kind 1, value v } built in a reserved record and
 * { pid 1234, kind 2, value 2v } copied from the stack; perf gets { x: v + 1 }. Returns -1.
 */
const EMIT: AsmItem[] = [
  Mov.reg(R6, R1), Ldx.dw(R7, R1, 0),
  LdImm64(R1, 0x0a64253d6en), Stx.dw(R10, -8, R1), Mov.reg(R1, R10), Add.imm(R1, -8), Mov.imm(R2, 6), Mov.reg(R3, R7), Call.helper(6),
  LdMapFd(R1, "events"), Mov.imm(R2, 16), Mov.imm(R3, 0), Call.helper(131), JEq.imm(R0, 0, "lost1"),
  St.w(R0, 0, 1234), St.w(R0, 4, 1), Stx.dw(R0, 8, R7), Mov.reg(R1, R0), Mov.imm(R2, 0), Call.helper(132),
  label("second"),
  St.w(R10, -24, 1234), St.w(R10, -20, 2), Mov.reg(R1, R7), Add.reg(R1, R7), Stx.dw(R10, -16, R1),
  LdMapFd(R1, "events"), Mov.reg(R2, R10), Add.imm(R2, -24), Mov.imm(R3, 16), Mov.imm(R4, 0), Call.helper(130), JNe.imm(R0, 0, "lost2"),
  label("perf"),
  Mov.reg(R1, R7), Add.imm(R1, 1), Stx.dw(R10, -32, R1),
  Mov.reg(R1, R6), LdMapFd(R2, "perf"), LdImm64(R3, 0xffffffffn), Mov.reg(R4, R10), Add.imm(R4, -32), Mov.imm(R5, 8), Call.helper(25),
  Mov.imm(R0, -1), Exit(),
  ...countLost("lost1", "second"),
  ...countLost("lost2", "perf"),
];

test("fire() returns r0, the events this run sent (decoded, by channel, in commit order) and its printk lines", () => {
  const sim = collection(EMIT);
  const straight = resolve(EMIT).findIndex((i) => i.op === OP_EXIT) + 1; // every instruction up to the exit, once
  assert.equal(sim.fire("emit", { args: [5n] }), {
    value: 0xffffffffffffffffn, ret: -1,
    events: [
      { channel: "events", event: { pid: 1234, kind: 1, value: 5n } },
      { channel: "events", event: { pid: 1234, kind: 2, value: 10n } },
      { channel: "perf", event: { x: 6n } },
    ],
    actions: [], printk: ["n=5"], instructions: straight,
  });
  const second = sim.fire("emit", { args: [7n] });
  assert.equal(second.events.map((e) => e.event), [{ pid: 1234, kind: 1, value: 7n }, { pid: 1234, kind: 2, value: 14n }, { x: 8n }]);
  assert.equal(second.printk, ["n=7"]);
  assert.equal(sim.env.printk, ["n=5", "n=7"]);
  // fire() consumed nothing: events() takes everything not taken yet, once.
  assert.equal(sim.events("events"), [
    { pid: 1234, kind: 1, value: 5n }, { pid: 1234, kind: 2, value: 10n }, { pid: 1234, kind: 1, value: 7n }, { pid: 1234, kind: 2, value: 14n },
  ]);
  assert.equal(sim.events("events"), []);
  assert.equal(sim.events("perf"), [{ x: 6n }, { x: 8n }]);
  assert.equal(sim.lost("events"), 0n);
  assert.throws(() => sim.events("nope"), /no event channel nope \(channels: events, perf\)/);
});

test("a full ring: the run reports only what got through, and lost() is what the program counted", () => {
  const sim = collection(EMIT);
  // Each run puts two 24-byte records in the 4096-byte ring: 85 runs fill 4080 bytes, the most it holds.
  for (let i = 0; i < 85; i++) assert.is(sim.fire("emit", { args: [BigInt(i)] }).events.length, 3);
  const full = sim.fire("emit", { args: [100n] });
  assert.equal(full.events, [{ channel: "perf", event: { x: 101n } }]);
  assert.is(full.ret, -1);
  assert.is(sim.lost("events"), 2n);
  assert.is(sim.channel("events").lost(), 2n);
  assert.is(sim.lost("perf"), 0n);
  const events = sim.events<{ pid: number; kind: number; value: bigint }>("events");
  assert.is(events.length, 170);
  assert.equal(events[169], { pid: 1234, kind: 2, value: 168n });
  assert.is(sim.fire("emit", { args: [200n] }).events.length, 3);
  sim.env.cpu = 1;
  assert.is(sim.fire("emit", { args: [300n] }).events.length, 3);
  assert.is(sim.lost("events"), 2n); // summed over CPUs; nothing more was lost
  assert.equal(sim.events("perf").length, 88);
});

test("a fault during fire() is a VmError whose message starts with the TypeScript file:line:column", () => {
  const at = (line: number, source: string) => ({ span: { file: "tracer.ts", line, column: 3 }, source });
  const sim = collection([
    withMeta(LdMapFd(R1, "events"), at(10, "const e = events.reserve();")), Mov.imm(R2, 16), Mov.imm(R3, 0),
    withMeta(Call.helper(131), at(10, "const e = events.reserve();")), JEq.imm(R0, 0, "out"), Mov.reg(R6, R0),
    Mov.reg(R1, R6), Mov.imm(R2, 0), withMeta(Call.helper(132), at(11, "events.submit(e);")),
    withMeta(St.w(R6, 0, 1), at(12, "e.pid = 1;")),
    label("out"), Mov.imm(R0, 0), Exit(),
  ]);
  assert.throws(() => sim.fire("emit"), (e: unknown) => e instanceof VmError && e.kind === "write" && e.insn === 9 && e.cause instanceof VmError &&
    e.message === "tracer.ts:12:3: use after release: write of 4 bytes at ringbuf record events+0 (bpf_ringbuf_submit at instruction 8 gave it to user space)" +
      " at instruction 9 (stw [%r6], 1) in tracer.ts:12:3: e.pid = 1;");
  const leak = collection([
    LdMapFd(R1, "events"), Mov.imm(R2, 16), Mov.imm(R3, 0), withMeta(Call.helper(131), at(10, "const e = events.reserve();")), Mov.imm(R0, 0), Exit(),
  ]);
  assert.throws(() => leak.fire("emit"), (e: unknown) => e instanceof VmError && e.kind === "reference" &&
    e.message.startsWith("tracer.ts:10:3: the program exited holding the ring buffer record of events (bpf_ringbuf_reserve) it acquired"));
});

test("a compiled tracer whose bpf.loop outruns the instruction budget faults at the callback's line", async () => {
  const sim = await simulate("test/fixtures/vm/runaway-loop.ts");
  assert.throws(() => sim.fire("raw_syscalls/sys_enter", { id: 1n }), (e: unknown) => e instanceof VmError && e.kind === "budget" &&
    /^test\/fixtures\/vm\/runaway-loop\.ts:9:\d+: instruction budget exhausted \(1,000,000 by default\)/.test(e.message));
});

test.run();
