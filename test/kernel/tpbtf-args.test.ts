// tpBtf handlers doing arithmetic, bit operations and comparisons on their arguments load, attach and read the
// right values on the running kernel. The kernel types a BTF tracepoint's arguments from BTF: a pointer argument
// (sched_switch's tasks, sys_enter's registers) is a trusted pointer there, on which arithmetic is refused, so the
// compiler reads it as a number; an integer argument (sys_enter's id, sched_switch's prev_state) stays a context load.

import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { compile } from "../../compiler/index.ts";
import { Collection } from "../../runtime/kernel/collection.ts";
import { Kernel } from "../../runtime/kernel/kernel.ts";
import type { Count } from "../../runtime/user/aggregations.ts";
import { objectsFromSpec } from "../../runtime/user/bind.ts";
import { kernelBackends } from "../../runtime/user/kernel-backends.ts";
import { kernelTest } from "../support/kernel.ts";
import { waitFor } from "../support/wait.ts";

const arm = process.arch === "arm64";
/** getppid's syscall number, and where pt_regs keeps a syscall's number (x86_64: orig_ax; arm64: syscallno). */
const GETPPID = arm ? 173 : 110;
const NR_FIELD = arm ? `bpf.readKernelField<i32>(regs, "pt_regs", "syscallno")` : `bpf.readKernelField<u64>(regs, "pt_regs", "orig_ax")`;

const tracer = (pid: number) => `
import { tpBtf, Count, bpf, type u32, type i32, type u64 } from "tsbpf";
export const seen = new Count<u32>();

tpBtf("sys_enter", (ctx) => {
  if (bpf.pid() !== ${pid} || ctx.arg(1) !== ${GETPPID}n) return;
  const regs = ctx.arg(0);
  seen.increment(1);
  // The registers' address is a number: read through, masked, shifted, compared.
  if (BigInt(${NR_FIELD}) === ${GETPPID}n) seen.increment(2);
  if ((regs & 7n) === 0n) seen.increment(3);
  if (regs >> 48n === 0xffffn) seen.increment(4);
  if (regs + 8n - regs === 8n) seen.increment(5);
});

tpBtf("sched_switch", (ctx) => {
  const prev = ctx.arg(1);
  const next = ctx.arg(2);
  seen.increment(10);
  // Each check that fails counts under its key. sched_switch runs in the task switched out: prev is the current
  // task; the two tasks differ; task_structs are cache-line aligned; prev_state is an unsigned int.
  if (prev !== bpf.currentTask()) seen.increment(11);
  if ((prev ^ next) === 0n) seen.increment(12);
  if ((prev & 63n) !== 0n || (next % 64n) !== 0n) seen.increment(13);
  if (ctx.arg(3) > 0xffffffffn) seen.increment(14);
  if (prev - next + next === prev && prev === bpf.currentTask()) seen.increment(15);
});
`;

kernelTest(test, "tp_btf: pointer and integer arguments in arithmetic, bit operations and comparisons load, attach and read right", async (sys) => {
  const here = dirname(fileURLToPath(import.meta.url));
  const r = compile(join(here, "tpbtf-args.tracer.ts"), { text: tracer(process.pid) });
  if (!r.spec) throw new Error(r.diagnostics.map((d) => `${d.code} ${d.span?.line}: ${d.message}`).join("\n"));
  await using c = await Collection.load(r.spec, { kernel: new Kernel(sys) });
  assert.equal(c.links.length, 2);
  const seen = objectsFromSpec(r.spec, kernelBackends(c)).get("seen") as Count;
  const calls = 5;
  for (let i = 0; i < calls; i++) void process.ppid;
  await waitFor(() => seen.get(10) >= 20n, "20 context switches");
  // Our getppid() calls, exactly: each typed, its registers' address usable as a number.
  for (const k of [1, 2, 3, 4, 5]) assert.is(seen.get(k), BigInt(calls), `sys_enter check ${k}`);
  // Every context switch seen passed every check (failures count under 11..14), and the pointers compared equal.
  for (const k of [11, 12, 13, 14]) assert.is(seen.get(k), 0n, `sched_switch check ${k} failed`);
  assert.ok(seen.get(15) >= 20n, `prev is the current task, ${seen.get(15)} times`);
});

test.run();
