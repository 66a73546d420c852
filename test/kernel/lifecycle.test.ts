// Every exit path releases every kernel resource: no program, map or link of the test's and no tracefs uprobe entry
// of its process is left after dispose(), an exception, normal exit, SIGINT/SIGTERM, and a SIGINT in the middle of
// attaching.

import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Cmd, getFdById, listIds, objGetInfo } from "../../runtime/kernel/bpf.ts";
import { Collection } from "../../runtime/kernel/collection.ts";
import { Kernel } from "../../runtime/kernel/kernel.ts";
import type { Sys } from "../../runtime/kernel/sys.ts";
import type { ProgramSpec } from "../../core/object/spec.ts";
import { kernelTest } from "../support/kernel.ts";
import { counterMap, counterProgram } from "../support/programs.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");

// Other processes on the machine load and free BPF objects while these tests run, so they compare only their own:
// programs and maps carry a name unique to the test, links are those of its programs, tracefs entries those of the
// process that made them.

let serial = 0;
/** A name prefix no other test or process uses: "lc", this process's pid, a serial number. */
const freshTag = (): string => `lc${process.pid.toString(36)}${(serial++).toString(36)}`;

/** The name (bpf_prog_info.name at 64, bpf_map_info.name at 24) of object `id`, or undefined if it is gone. */
function nameOf(sys: Sys, kind: "prog" | "map", id: number): string | undefined {
  let fd: number;
  try {
    fd = getFdById(sys, kind === "prog" ? Cmd.ProgGetFdById : Cmd.MapGetFdById, id);
  } catch {
    return undefined; // freed between the listing and now
  }
  try {
    const info = objGetInfo(sys, fd, kind === "prog" ? 232 : 104);
    const at = kind === "prog" ? 64 : 24;
    const bytes = info.subarray(at, at + 16);
    const end = bytes.indexOf(0);
    return new TextDecoder().decode(bytes.subarray(0, end < 0 ? 16 : end));
  } finally {
    sys.close(fd);
  }
}

/** The program a link holds (bpf_link_info.prog_id at 8), or undefined if the link is gone. */
function progOfLink(sys: Sys, id: number): number | undefined {
  let fd: number;
  try {
    fd = getFdById(sys, Cmd.LinkGetFdById, id);
  } catch {
    return undefined;
  }
  try {
    return new DataView(objGetInfo(sys, fd, 16).buffer).getUint32(8, true);
  } finally {
    sys.close(fd);
  }
}

/** This test's objects: programs and maps named with `tag`, links of those programs, uprobe entries of process `pid`. */
function snapshot(sys: Sys, tag: string, pid = process.pid) {
  const progs = listIds(sys, Cmd.ProgGetNextId).filter((id) => nameOf(sys, "prog", id)?.startsWith(tag));
  const maps = listIds(sys, Cmd.MapGetNextId).filter((id) => nameOf(sys, "map", id)?.startsWith(tag));
  const links = listIds(sys, Cmd.LinkGetNextId).filter((id) => progs.includes(progOfLink(sys, id) ?? -1));
  const uprobes = new Kernel(sys).tracefs.probeEvents("uprobe").filter((e) => e.includes(`tsbpf_${pid}/`));
  return { progs, maps, links, uprobes };
}

/**
 * The kernel frees programs and maps after an RCU grace period (and maps only once no program holds them), so
 * they disappear shortly after the last fd closes: wait until nothing of the test's is left, up to 5 s.
 */
async function settled(sys: Sys, tag: string, pid = process.pid): Promise<void> {
  const none = { progs: [], maps: [], links: [], uprobes: [] };
  let now = snapshot(sys, tag, pid);
  for (let i = 0; i < 100 && JSON.stringify(now) !== JSON.stringify(none); i++) {
    await new Promise((r) => setTimeout(r, 50));
    now = snapshot(sys, tag, pid);
  }
  assert.equal(now, none);
}

function child(mode: string, count: number, tag: string, onLine?: (line: string, kill: (s: NodeJS.Signals) => void, pid: number) => void): Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; pid: number }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ["--import", "tsx", join(root, "test/support/lifecycle-child.ts"), mode, String(count), tag], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let buf = "";
    p.stdout.on("data", (d: Buffer) => {
      out += d;
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        onLine?.(line, (s) => p.kill(s), p.pid!);
      }
    });
    p.stderr.on("data", (d: Buffer) => (out += d));
    p.on("exit", (code, signal) => resolve({ code, signal, out, pid: p.pid! }));
  });
}

/** A uprobe, tracepoint or other program of the test's, named `${tag}_${suffix}`, counting into map `${tag}m`. */
const prog = (tag: string, suffix: string, attach: ProgramSpec["attach"], type: ProgramSpec["type"] = "kprobe"): ProgramSpec =>
  ({ name: `${tag}_${suffix}`, type, attach, instructions: counterProgram(`${tag}m`), license: "GPL" });
const getppid = (retprobe: boolean): ProgramSpec["attach"] => ({ kind: "uprobe", target: "libc", symbol: "getppid", retprobe });
const tracepoint = (name: string): ProgramSpec["attach"] => ({ kind: "tracepoint", category: "syscalls", name });

kernelTest(test, "dispose() releases programs, maps, links and tracefs entries in the same process", async (sys) => {
  const tag = freshTag();
  const c = await Collection.load({
    maps: [counterMap(`${tag}m`)],
    programs: [prog(tag, "a", getppid(false)), prog(tag, "b", tracepoint("sys_enter_getppid"), "tracepoint")],
  }, { kernel: new Kernel(sys), legacyProbes: true });
  const during = snapshot(sys, tag);
  assert.is(during.progs.length, 2);
  assert.is(during.maps.length, 1);
  assert.is(during.uprobes.length, 1);
  assert.is(during.links.length, 2);
  c.dispose();
  await settled(sys, tag);
});

kernelTest(test, "disposeAsync() detaches the probes in parallel and releases the same as dispose(), tracefs entries last", async (sys) => {
  const tag = freshTag();
  const c = await Collection.load({
    maps: [counterMap(`${tag}m`)],
    programs: [
      prog(tag, "d", getppid(true)),
      prog(tag, "e", tracepoint("sys_enter_getppid"), "tracepoint"),
      prog(tag, "f", tracepoint("sys_exit_getppid"), "tracepoint"),
    ],
  }, { kernel: new Kernel(sys), legacyProbes: true });
  assert.is(snapshot(sys, tag).uprobes.length, 1);
  const closing = c.disposeAsync();
  c.dispose(); // already under way: nothing to do, no double close
  await closing;
  assert.is(c.links.length, 0);
  await settled(sys, tag);
});

kernelTest(test, "an exception inside `await using` releases everything", async (sys) => {
  const tag = freshTag();
  try {
    await using c = await Collection.load({ maps: [counterMap(`${tag}m`)], programs: [prog(tag, "c", getppid(true))] }, { kernel: new Kernel(sys), legacyProbes: true });
    assert.ok(c.links.length === 1);
    assert.is(snapshot(sys, tag).progs.length, 1);
    throw new Error("on purpose");
  } catch (e) {
    assert.is((e as Error).message, "on purpose");
  }
  await settled(sys, tag);
});

kernelTest(test, "a failure half-way through loading releases what was already created", async (sys) => {
  const tag = freshTag();
  try {
    await Collection.load({
      maps: [counterMap(`${tag}m`)],
      programs: [prog(tag, "ok", getppid(false)), prog(tag, "bad", tracepoint("no_such_tracepoint"), "tracepoint")],
    }, { kernel: new Kernel(sys), legacyProbes: true });
    assert.unreachable();
  } catch (e) {
    assert.match((e as Error).message, /no tracepoint syscalls\/no_such_tracepoint/);
  }
  await settled(sys, tag);
});

for (const [mode, signal] of [["exit", null], ["throw", null], ["wait", "SIGINT"], ["wait", "SIGTERM"]] as const) {
  kernelTest(test, `child process: ${signal ? `${signal} while attached` : mode === "exit" ? "normal exit without dispose" : "uncaught exception"} leaves nothing behind`, async (sys) => {
    const tag = freshTag();
    let during: ReturnType<typeof snapshot> | undefined;
    const r = await child(mode, 10, tag, (line, kill, pid) => {
      if (line !== "ready") return;
      during = snapshot(sys, tag, pid);
      if (signal) kill(signal);
    });
    assert.ok(r.out.includes("ready"), r.out);
    if (signal) assert.is(r.signal, signal, r.out);
    else if (mode === "throw") assert.is(r.code, 1, r.out);
    else assert.is(r.code, 0, r.out);
    // What the child had while attached (the exit and throw modes may be gone before the snapshot: then it is empty).
    if (signal) {
      assert.is(during?.progs.length, 11, JSON.stringify(during));
      assert.is(during?.uprobes.length, 10, JSON.stringify(during));
    }
    await settled(sys, tag, r.pid);
  });
}

kernelTest(test, "child process: SIGINT in the middle of attaching leaves nothing behind", async (sys) => {
  const tag = freshTag();
  let sent = false;
  const r = await child("interrupt", 60, tag, (line, kill) => {
    if (!sent && line === "attached 15") {
      sent = true;
      kill("SIGINT");
    }
  });
  assert.ok(sent, r.out);
  assert.is(r.signal, "SIGINT", r.out);
  assert.not.ok(r.out.includes("ready"), "the child finished attaching before the signal arrived");
  await settled(sys, tag, r.pid);
});

test.run();
