// Clang-built libbpf objects (test/fixtures/clang/, built by test/support/clang-objects.ts) run as users run them:
// `tsbpf run x.bpf.o` while this process makes a known number of getppid() calls (the printed count for this process
// equals them; with -p only this process is counted), a ring buffer's events as lines, a CO-RE read of the parent's
// tgid equal to process.ppid, load() with a .rodata parameter, the maps, a ring buffer's typed events and a
// bpf_loop callback's counts, the C CO-RE equivalents of execsnoop and exitsnoop reporting a known exec and exit,
// and a poisoned CO-RE relocation refused by the verifier with the field and the kernel named.

import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { release, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { load } from "../../load.ts";
import type { HashMap, RingBuffer } from "../../stdlib-types/index.js";
import { clangObjects } from "../support/clang-objects.ts";
import { kernelTest } from "../support/kernel.ts";
import { skip } from "../support/skip.ts";
import { waitFor } from "../support/wait.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const env = { ...process.env, TSBPF_CACHE_DIR: mkdtempSync(join(tmpdir(), "tsbpf-cache-")), NO_COLOR: "1" };

/** getppid() calls by this process: the fixtures' tracepoint. */
const calls = (n: number) => {
  for (let i = 0; i < n; i++) void process.ppid;
};

/** A kernel test over the built objects; skipped (saying why) where they cannot be built. */
function withObjects(name: string, fn: (object: (n: string) => string) => unknown): void {
  kernelTest(test, name, async () => {
    const o = clangObjects();
    if (!o.ok) return skip(`${name}: ${o.reason}`);
    await fn(o.object);
  });
}

/** `tsbpf run --verbose <args>` until SIGINT: resolves `attached` once the probes are, then its exit and output. */
function run(args: string[]): { child: ChildProcess; out: { stdout: string; stderr: string }; attached: Promise<void>; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [join(root, "bin/tsbpf.js"), "run", "--verbose", ...args], { cwd: root, env });
  const out = { stdout: "", stderr: "" };
  const attached = new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (d: Buffer) => (out.stdout += d));
    child.stderr!.on("data", (d: Buffer) => {
      out.stderr += d;
      if (/^loaded and attached in /m.test(out.stderr)) resolve();
    });
    child.on("exit", (c) => reject(new Error(`tsbpf run exited (${c}) before attaching:\n${out.stderr}`)));
  });
  attached.catch(() => {});
  return { child, out, attached, exit: new Promise((resolve) => child.on("exit", (c) => resolve(c))) };
}

withObjects("tsbpf run x.bpf.o: the BTF-defined hash map printed at the end counts this process's getppid() calls", async (object) => {
  const r = run([object("getppid-count")]);
  await r.attached;
  calls(7);
  r.child.kill("SIGINT");
  assert.is(await r.exit, 0, r.out.stderr);
  assert.match(r.out.stdout, new RegExp(`^@calls\\[${process.pid}\\]: 7$`, "m"));
  assert.match(r.out.stderr, /^read the BPF object .*getppid-count\.bpf\.o \(1 programs, 1 maps\)/m);
});

withObjects("tsbpf run -p PID x.bpf.o: only that process is counted", async (object) => {
  const r = run(["-p", String(process.pid), object("getppid-count")]);
  await r.attached;
  calls(5);
  // Another process's calls, which the filter must leave out.
  spawn("sh", ["-c", "python3 -c 'import os; os.getppid()' 2>/dev/null; cat /proc/self/stat >/dev/null"]);
  await new Promise((resolve) => setTimeout(resolve, 300));
  r.child.kill("SIGINT");
  assert.is(await r.exit, 0, r.out.stderr);
  assert.equal(r.out.stdout.split("\n").filter((l) => l.startsWith("@calls")), [`@calls[${process.pid}]: 5`]);
});

withObjects("tsbpf run: a CO-RE read through a ___flavor struct gives the parent's tgid (process.ppid); field_exists 0 and field_size 4", async (object) => {
  const r = run([object("core-parent")]);
  await r.attached;
  calls(1);
  r.child.kill("SIGINT");
  assert.is(await r.exit, 0, r.out.stderr);
  assert.match(r.out.stdout, new RegExp(`^@parents\\[${process.pid}\\]: \\{ \\.ppid = ${process.ppid}, \\.missing_exists = 0, \\.tgid_size = 4, \\.comm = node \\}$`, "m"), r.out.stdout);
});

withObjects("tsbpf run x.bpf.o: a ring buffer's records printed as lines, columns from struct event; the run ends cleanly", async (object) => {
  const r = run([object("globals")]);
  await r.attached;
  calls(3);
  const mine = () => r.out.stdout.split("\n").filter((l) => new RegExp(`^\\s*${process.pid}\\s+\\d+ node$`).test(l));
  await waitFor(() => mine().length >= 3, "3 event lines");
  r.child.kill("SIGINT");
  assert.is(await r.exit, 0, r.out.stderr);
  assert.match(r.out.stdout.split("\n")[0]!, /^\s+PID\s+SEQ COMM$/);
  assert.is(mine().length, 3, r.out.stdout);
  assert.not.match(r.out.stderr, /error/i);
});

withObjects("load(x.bpf.o, { params }): a .rodata const volatile set before load; its maps by their C names, a ring buffer's events typed by struct event, .bss readable", async (object) => {
  const t = await load(object("globals"), { params: { filter_pid: process.pid } });
  try {
    assert.equal(Object.keys(t.maps), ["events"]);
    calls(4);
    const events = t.maps.events as unknown as RingBuffer<{ pid: number; seq: number; comm: string }>;
    const got: { pid: number; seq: number; comm: string }[] = [];
    for await (const e of events) {
      got.push(e);
      if (got.length === 4) break;
    }
    // Only this process passes the filter: seq counts its calls.
    assert.equal(got, [1, 2, 3, 4].map((seq) => ({ pid: process.pid, seq, comm: "node" })));
    await t.stop(); // detached: the counters are read at rest
    const bss = t.collection.map<number, { total: bigint; seen_by_filter: bigint; looped: bigint }>(".bss").get(0)!;
    const text = JSON.stringify(bss, (_k, v) => (typeof v === "bigint" ? `${v}` : v));
    // bpf_loop ran its callback twice per call that passed the filter.
    assert.ok(bss.total >= 4n && bss.seen_by_filter === 4n && bss.looped === 8n, text);
  } finally {
    await t.close();
  }
  const counts = await load(object("getppid-count"));
  try {
    calls(3);
    assert.is((counts.maps.calls as unknown as HashMap<number, bigint>).get(process.pid), 3n);
  } finally {
    await counts.close();
  }
});

withObjects("the C CO-RE equivalents of execsnoop and exitsnoop: an exec's arguments and parent, an exit's code and parent", async (object) => {
  type Exec = { pid: number; ppid: number; comm: string; ret: number; argc: number; argv: string[] };
  type Exit = { pid: number; ppid: number; code: number; signal: number; comm: string };
  const exec = await load(object("execsnoop"));
  const exit = await load(object("exitsnoop"));
  try {
    const child = spawn("/bin/sh", ["-c", "exit 3"]);
    const echo = spawn("/bin/echo", ["one", "two"]);
    await Promise.all([new Promise((r) => child.on("exit", r)), new Promise((r) => echo.on("exit", r))]);
    let exited: Exit | undefined;
    for await (const e of exit.maps.exits as unknown as RingBuffer<Exit>) {
      if (e.pid !== child.pid) continue;
      exited = e;
      break;
    }
    assert.equal([exited!.ppid, exited!.code, exited!.signal, exited!.comm], [process.pid, 3, 0, "sh"]);
    let execed: Exec | undefined;
    for await (const e of exec.maps.events as unknown as RingBuffer<Exec>) {
      if (e.pid !== echo.pid) continue;
      execed = e;
      break;
    }
    assert.equal([execed!.ppid, execed!.ret, execed!.comm, execed!.argv.slice(0, execed!.argc)], [process.pid, 0, "echo", ["/bin/echo", "one", "two"]]);
  } finally {
    await exec.close();
    await exit.close();
  }
});

withObjects("a CO-RE read of a field this kernel lacks, unchecked: the verifier's refusal names the field and the kernel", async (object) => {
  try {
    const t = await load(object("core-missing"));
    await t.close();
    assert.unreachable("it loaded");
  } catch (e) {
    assert.is((e as Error).name, "VerifierError", String(e));
    const v = e as Error & { explanation: string; hint?: string };
    assert.is(v.explanation, `CO-RE: struct task_struct___mine.no_such_field_in_any_kernel is not in Linux ${release()}`);
    assert.match(v.message, /program read_missing/);
    assert.match(v.hint ?? "", /bpf_core_field_exists/);
  }
});

test.run();
