// Every exit path releases every kernel resource: the kernel's program list and tracefs uprobe_events are the
// same before and after dispose(), an exception, normal exit, SIGINT/SIGTERM, and a SIGINT in the middle of
// attaching.

import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Cmd, listIds } from "../../runtime/kernel/bpf.ts";
import { Collection } from "../../runtime/kernel/collection.ts";
import { Kernel } from "../../runtime/kernel/kernel.ts";
import type { Sys } from "../../runtime/kernel/sys.ts";
import { kernelTest } from "../support/kernel.ts";
import { counterMap, counterProgram } from "../support/programs.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");

/** A snapshot once earlier tests' objects have finished going away (no change for 200 ms, at most 5 s). */
async function quiet(sys: Sys): Promise<ReturnType<typeof snapshot>> {
  let last = JSON.stringify(snapshot(sys));
  for (let stable = 0, i = 0; stable < 4 && i < 100; i++) {
    await new Promise((r) => setTimeout(r, 50));
    const now = JSON.stringify(snapshot(sys));
    stable = now === last ? stable + 1 : 0;
    last = now;
  }
  return JSON.parse(last) as ReturnType<typeof snapshot>;
}

function snapshot(sys: Sys) {
  const k = new Kernel(sys);
  return { progs: listIds(sys, Cmd.ProgGetNextId), maps: listIds(sys, Cmd.MapGetNextId), links: listIds(sys, Cmd.LinkGetNextId), uprobes: k.tracefs.probeEvents("uprobe") };
}

/**
 * The kernel frees programs and maps after an RCU grace period (and maps only once no program holds them), so
 * the lists catch up shortly after the last fd closes: wait for them, up to 5 s.
 */
async function settled(sys: Sys, before: ReturnType<typeof snapshot>): Promise<void> {
  let now = snapshot(sys);
  for (let i = 0; i < 100 && JSON.stringify(now) !== JSON.stringify(before); i++) {
    await new Promise((r) => setTimeout(r, 50));
    now = snapshot(sys);
  }
  assert.equal(now, before);
}

function child(mode: string, count: number, onLine?: (line: string, kill: (s: NodeJS.Signals) => void) => void): Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ["--import", "tsx", join(root, "test/support/lifecycle-child.ts"), mode, String(count)], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let buf = "";
    p.stdout.on("data", (d: Buffer) => {
      out += d;
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        onLine?.(line, (s) => p.kill(s));
      }
    });
    p.stderr.on("data", (d: Buffer) => (out += d));
    p.on("exit", (code, signal) => resolve({ code, signal, out }));
  });
}

kernelTest(test, "dispose() releases programs, maps, links and tracefs entries in the same process", async (sys) => {
  const before = await quiet(sys);
  const c = await Collection.load({
    maps: [counterMap()],
    programs: [
      { name: "lc_a", type: "kprobe", attach: { kind: "uprobe", target: "libc", symbol: "getppid", retprobe: false }, instructions: counterProgram(), license: "GPL" },
      { name: "lc_b", type: "tracepoint", attach: { kind: "tracepoint", category: "syscalls", name: "sys_enter_getppid" }, instructions: counterProgram(), license: "GPL" },
    ],
  }, { kernel: new Kernel(sys), legacyProbes: true });
  const during = snapshot(sys);
  assert.is(during.progs.length, before.progs.length + 2);
  assert.is(during.uprobes.length, before.uprobes.length + 1);
  assert.ok(during.links.length >= before.links.length + 2);
  c.dispose();
  await settled(sys, before);
});

kernelTest(test, "disposeAsync() detaches the probes in parallel and releases the same as dispose(), tracefs entries last", async (sys) => {
  const before = await quiet(sys);
  const c = await Collection.load({
    maps: [counterMap()],
    programs: [
      { name: "lc_d", type: "kprobe", attach: { kind: "uprobe", target: "libc", symbol: "getppid", retprobe: true }, instructions: counterProgram(), license: "GPL" },
      { name: "lc_e", type: "tracepoint", attach: { kind: "tracepoint", category: "syscalls", name: "sys_enter_getppid" }, instructions: counterProgram(), license: "GPL" },
      { name: "lc_f", type: "tracepoint", attach: { kind: "tracepoint", category: "syscalls", name: "sys_exit_getppid" }, instructions: counterProgram(), license: "GPL" },
    ],
  }, { kernel: new Kernel(sys), legacyProbes: true });
  assert.is(snapshot(sys).uprobes.length, before.uprobes.length + 1);
  const closing = c.disposeAsync();
  c.dispose(); // already under way: nothing to do, no double close
  await closing;
  assert.is(c.links.length, 0);
  await settled(sys, before);
});

kernelTest(test, "an exception inside `await using` releases everything", async (sys) => {
  const before = await quiet(sys);
  try {
    await using c = await Collection.load({ maps: [counterMap()], programs: [{ name: "lc_c", type: "kprobe", attach: { kind: "uprobe", target: "libc", symbol: "getppid", retprobe: true }, instructions: counterProgram(), license: "GPL" }] }, { kernel: new Kernel(sys), legacyProbes: true });
    assert.ok(c.links.length === 1);
    throw new Error("on purpose");
  } catch (e) {
    assert.is((e as Error).message, "on purpose");
  }
  await settled(sys, before);
});

kernelTest(test, "a failure half-way through loading releases what was already created", async (sys) => {
  const before = await quiet(sys);
  try {
    await Collection.load({
      maps: [counterMap()],
      programs: [
        { name: "lc_ok", type: "kprobe", attach: { kind: "uprobe", target: "libc", symbol: "getppid", retprobe: false }, instructions: counterProgram(), license: "GPL" },
        { name: "lc_bad", type: "tracepoint", attach: { kind: "tracepoint", category: "syscalls", name: "no_such_tracepoint" }, instructions: counterProgram(), license: "GPL" },
      ],
    }, { kernel: new Kernel(sys), legacyProbes: true });
    assert.unreachable();
  } catch (e) {
    assert.match((e as Error).message, /no tracepoint syscalls\/no_such_tracepoint/);
  }
  await settled(sys, before);
});

for (const [mode, signal] of [["exit", null], ["throw", null], ["wait", "SIGINT"], ["wait", "SIGTERM"]] as const) {
  kernelTest(test, `child process: ${signal ? `${signal} while attached` : mode === "exit" ? "normal exit without dispose" : "uncaught exception"} leaves nothing behind`, async (sys) => {
    const before = await quiet(sys);
    const r = await child(mode, 10, (line, kill) => {
      if (line === "ready" && signal) kill(signal);
    });
    assert.ok(r.out.includes("ready"), r.out);
    if (signal) assert.is(r.signal, signal, r.out);
    else if (mode === "throw") assert.is(r.code, 1, r.out);
    else assert.is(r.code, 0, r.out);
    await settled(sys, before);
  });
}

kernelTest(test, "child process: SIGINT in the middle of attaching leaves nothing behind", async (sys) => {
  const before = await quiet(sys);
  let sent = false;
  const r = await child("interrupt", 60, (line, kill) => {
    if (!sent && line === "attached 15") {
      sent = true;
      kill("SIGINT");
    }
  });
  assert.ok(sent, r.out);
  assert.is(r.signal, "SIGINT", r.out);
  assert.not.ok(r.out.includes("ready"), "the child finished attaching before the signal arrived");
  await settled(sys, before);
});

test.run();
