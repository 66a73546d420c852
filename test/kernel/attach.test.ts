// Real-kernel attach tests (root): every probe kind fires on a real workload, or (where this kernel lacks it)
// fails with an error that names the missing feature. Each test counts events through a map.

import { execFileSync, spawnSync } from "node:child_process";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { AttachSpec, ProgramSpec, ProgramType } from "../../core/object/spec.ts";
import { Collection } from "../../runtime/kernel/collection.ts";
import { BpfError, NotFoundError, UnsupportedFeatureError } from "../../runtime/kernel/errors.ts";
import { Kernel } from "../../runtime/kernel/kernel.ts";
import { kernelTest } from "../support/kernel.ts";
import { counterMap, counterProgram } from "../support/programs.ts";
import { has, lacks } from "../support/skip.ts";

function counter(name: string, type: ProgramType, attach: AttachSpec): { maps: [ReturnType<typeof counterMap>]; programs: [ProgramSpec] } {
  return { maps: [counterMap()], programs: [{ name, type, attach, instructions: counterProgram(), license: "GPL" }] };
}

async function count(kernel: Kernel, name: string, type: ProgramType, attach: AttachSpec, workload: () => void, opts = {}): Promise<{ n: bigint; mechanism: string }> {
  await using c = await Collection.load(counter(name, type, attach), { kernel, ...opts });
  workload();
  return { n: c.map<number, bigint>("counts").get(0)!, mechanism: c.links[0]!.mechanism };
}

const runTrue = (times: number) => () => {
  for (let i = 0; i < times; i++) spawnSync("/bin/true");
};

kernelTest(test, "tracepoint: syscalls/sys_enter_execve counts every exec", async (sys) => {
  const k = new Kernel(sys);
  const { n, mechanism } = await count(k, "tp_execve", "tracepoint", { kind: "tracepoint", category: "syscalls", name: "sys_enter_execve" }, runTrue(20));
  assert.ok(n >= 20n, `counted ${n}`);
  assert.is(mechanism, "bpf_link");
});

kernelTest(test, "tracepoint: a misspelt name is NotFoundError with the closest names", async (sys) => {
  const k = new Kernel(sys);
  try {
    await Collection.load(counter("tp_bad", "tracepoint", { kind: "tracepoint", category: "syscalls", name: "sys_enter_opnat" }), { kernel: k });
    assert.unreachable("attached to a tracepoint that does not exist");
  } catch (e) {
    assert.ok(e instanceof NotFoundError, String(e));
    assert.match((e as Error).message, /no tracepoint syscalls\/sys_enter_opnat; did you mean syscalls\/sys_enter_openat/);
  }
  try {
    await Collection.load(counter("tp_bad2", "tracepoint", { kind: "tracepoint", category: "schde", name: "sched_switch" }), { kernel: k });
    assert.unreachable();
  } catch (e) {
    assert.match((e as Error).message, /did you mean sched\/sched_switch/);
  }
});

kernelTest(test, "raw_tracepoint: sched_process_exec counts every exec", async (sys) => {
  const { n, mechanism } = await count(new Kernel(sys), "rtp_exec", "raw_tracepoint", { kind: "raw_tracepoint", name: "sched_process_exec" }, runTrue(10));
  assert.ok(n >= 10n, `counted ${n}`);
  assert.is(mechanism, "raw_tracepoint");
});

kernelTest(test, "tp_btf: sched_process_exec counts every exec", async (sys) => {
  const { n, mechanism } = await count(new Kernel(sys), "btf_exec", "tracing", { kind: "tp_btf", name: "sched_process_exec" }, runTrue(10));
  assert.ok(n >= 10n, `counted ${n}`);
  assert.is(mechanism, "bpf_link");
});

kernelTest(test, "tp_btf: an unknown tracepoint is NotFoundError with suggestions", async (sys) => {
  try {
    await Collection.load(counter("btf_bad", "tracing", { kind: "tp_btf", name: "sched_procces_exec" }), { kernel: new Kernel(sys) });
    assert.unreachable();
  } catch (e) {
    assert.ok(e instanceof NotFoundError, String(e));
    assert.match((e as Error).message, /did you mean sched_process_exec/);
  }
});

// getppid() from a child shell builtin would not go through libc; `env` calls execve, so use a tiny C-free route:
// node itself calls libc's getppid through process.ppid.
const callGetppid = (times: number) => () => {
  for (let i = 0; i < times; i++) execFileSync(process.execPath, ["-e", "process.ppid"]);
};

kernelTest(test, "uprobe: libc getppid, by library name, in every process", async (sys) => {
  const { n, mechanism } = await count(new Kernel(sys), "up_getppid", "kprobe", { kind: "uprobe", target: "libc", symbol: "getppid", retprobe: false }, callGetppid(3));
  assert.ok(n >= 3n, `counted ${n}`);
  assert.match(mechanism, /uprobe PMU, bpf_link/);
});

kernelTest(test, "uretprobe: libc getppid, limited to one pid", async (sys) => {
  const k = new Kernel(sys);
  const child = spawnSync("sh", ["-c", "echo $$"], { encoding: "utf8" });
  assert.ok(child.stdout);
  // Only our own process: other processes' calls must not count.
  await using c = await Collection.load(counter("urp_getppid", "kprobe", { kind: "uprobe", target: "libc", symbol: "getppid", retprobe: true, pid: process.pid }), { kernel: k });
  callGetppid(3)();
  assert.is(c.map<number, bigint>("counts").get(0), 0n);
  // Our own 5 calls, and only ours: exactly 5 (process.ppid calls getppid() each time it is read).
  for (let i = 0; i < 5; i++) void process.ppid;
  assert.is(c.map<number, bigint>("counts").get(0), 5n);
});

kernelTest(test, "uprobe through tracefs uprobe_events: entries appear while attached and are removed after", async (sys) => {
  const k = new Kernel(sys);
  // Only this process's entries: other processes on the machine may add and remove their own meanwhile.
  const ours = () => k.tracefs.probeEvents("uprobe").filter((e) => e.includes(`tsbpf_${process.pid}/`));
  const before = ours();
  {
    await using c = await Collection.load(counter("up_legacy", "kprobe", { kind: "uprobe", target: "libc", symbol: "getppid", retprobe: false }), { kernel: k, legacyProbes: true });
    assert.match(c.links[0]!.mechanism, /tracefs uprobe_events tsbpf_/);
    assert.is(ours().length, before.length + 1);
    callGetppid(2)();
    assert.ok(c.map<number, bigint>("counts").get(0)! >= 2n);
  }
  assert.equal(ours(), before);
});

kernelTest(test, "uprobe: a misspelt symbol is an error with suggestions", async (sys) => {
  try {
    await Collection.load(counter("up_bad", "kprobe", { kind: "uprobe", target: "libc", symbol: "getpidd", retprobe: false }), { kernel: new Kernel(sys) });
    assert.unreachable();
  } catch (e) {
    assert.match((e as Error).message, /getpidd.*did you mean.*getpid/s);
  }
});

kernelTest(test, "profile: cpu-clock sampling at 999 Hz on every CPU collects samples", async (sys) => {
  const { n } = await count(new Kernel(sys), "prof", "perf_event", { kind: "profile", frequency: 999 }, () => {
    const end = Date.now() + 300;
    while (Date.now() < end); // keep one CPU busy for 0.3 s: about 300 samples
  });
  assert.ok(n >= 100n, `sampled ${n}`);
});

kernelTest(test, "interval: a 10 ms timer fires about 100 times a second", async (sys) => {
  await using c = await Collection.load(counter("ival", "perf_event", { kind: "interval", periodMs: 10 }), { kernel: new Kernel(sys) });
  const end = Date.now() + 500;
  while (Date.now() < end); // cpu-clock only advances while the CPU runs
  const n = c.map<number, bigint>("counts").get(0)!;
  assert.ok(n >= 5n, `fired ${n}`);
});

// Which branch runs is decided by a feature probe (test/support/skip.ts), not by the outcome: where the kernel has
// the feature, attaching must work and count; where it lacks it, the error must say so, before loading anything.
kernelTest(test, "kprobe: attaches and counts where the kernel has kprobes", async (sys) => {
  if (await lacks("kprobes")) return;
  const { n } = await count(new Kernel(sys), "kp", "kprobe", { kind: "kprobe", function: "do_sys_openat2", retprobe: false }, () => execFileSync("/bin/cat", ["/etc/hostname"]));
  assert.ok(n >= 1n, `counted ${n}`);
});

kernelTest(test, "kprobe: on a kernel without CONFIG_KPROBES the error says so, before loading anything", async (sys) => {
  if (await has("kprobes")) return;
  try {
    await Collection.load(counter("kp", "kprobe", { kind: "kprobe", function: "do_sys_openat2", retprobe: false }), { kernel: new Kernel(sys) });
    assert.unreachable("a kprobe attached on a kernel without kprobes");
  } catch (e) {
    assert.ok(e instanceof UnsupportedFeatureError, String(e));
    assert.match((e as Error).message, /this kernel does not support kprobes \(CONFIG_KPROBES/);
  }
});

kernelTest(test, "fentry/fexit: attach and count where the kernel has BPF trampolines", async (sys) => {
  if (await lacks("fentry")) return;
  for (const kind of ["fentry", "fexit"] as const) {
    const { n } = await count(new Kernel(sys), kind, "tracing", { kind, function: "do_sys_openat2" }, () => execFileSync("/bin/cat", ["/etc/hostname"]));
    assert.ok(n >= 1n, `${kind} counted ${n}`);
  }
});

kernelTest(test, "fentry/fexit: without BPF trampolines, a clear 'does not support' error", async (sys) => {
  if (await has("fentry")) return;
  for (const kind of ["fentry", "fexit"] as const) {
    try {
      await count(new Kernel(sys), kind, "tracing", { kind, function: "do_sys_openat2" }, () => undefined);
      assert.unreachable(`${kind} attached on a kernel whose fentry probe failed`);
    } catch (e) {
      assert.ok(e instanceof UnsupportedFeatureError, String(e));
      assert.match((e as BpfError).message, /this kernel does not support fentry\/fexit \(loading a TRACING program returned EPERM\)/);
    }
  }
});

test.run();
