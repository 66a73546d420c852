// docs/one-liners.md, run: each lesson's `tsbpf` line next to its `bpftrace` line, on the same workload at the same
// time, their output compared (the same lines, the same map text, the same counts where the workload decides them),
// and the tsbpf line at most 1.5 times as long. Without bpftrace, the tsbpf lines are checked against what the
// workload did (and the test says that bpftrace was not compared).

import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { kernelTest } from "../support/kernel.ts";
import { type Lesson, oneLinerLessons, programOf } from "../support/one-liners-doc.ts";
import { skip } from "../support/skip.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const work = mkdtempSync(join(tmpdir(), "tsbpf-one-liners-"));
const env = { ...process.env, TSBPF_CACHE_DIR: join(work, "cache"), NO_COLOR: "1" };
const haveBpftrace = spawnSync("bpftrace", ["--version"], { encoding: "utf8" }).status === 0;

// Workload programs under names no other process has: their comm tells their lines and keys apart.
const OLDD = join(work, "oldd");
const OLCAT = join(work, "olcat");
copyFileSync("/bin/dd", OLDD);
copyFileSync("/bin/cat", OLCAT);
spawnSync("chmod", ["+x", OLDD, OLCAT]);

const LESSONS = oneLinerLessons();

function lesson(n: number, pid?: number): Lesson {
  const l = LESSONS.get(n);
  if (!l) throw new Error(`docs/one-liners.md has no lesson ${n} with a bpftrace and a tsbpf line`);
  const sub = (a: string[]) => a.map((w) => (pid === undefined ? w : w.replaceAll("18644", String(pid))));
  return { ...l, bpftrace: sub(l.bpftrace), tsbpf: sub(l.tsbpf) };
}

interface Tool {
  readonly child: ChildProcess;
  stdout: string;
  stderr: string;
  readonly done: Promise<number | null>;
}

function start(cmd: string, args: string[]): Tool {
  const child = spawn(cmd, args, { cwd: work, env, stdio: ["ignore", "pipe", "pipe"] });
  const t: Tool = { child, stdout: "", stderr: "", done: new Promise((r) => child.on("close", (code) => r(code))) };
  child.stdout!.on("data", (d) => (t.stdout += d));
  child.stderr!.on("data", (d) => (t.stderr += d));
  return t;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, f: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/**
 * Runs the lesson's tsbpf line (and its bpftrace line, where bpftrace exists) until both are attached, then the
 * workload, then stops both with SIGINT (unless they end by themselves): their stdout.
 */
async function together(l: Lesson, workload: () => Promise<void>, opts: { selfEnding?: boolean } = {}): Promise<{ ts: string; bt?: string }> {
  const ts = start(process.execPath, [join(root, "bin/tsbpf.js"), ...l.tsbpf.slice(0), "-v"]);
  const bt = haveBpftrace ? start("bpftrace", l.bpftrace) : undefined;
  try {
    await until(`tsbpf to attach (stderr: ${ts.stderr})`, () => /loaded and attached/.test(ts.stderr) || ts.child.exitCode !== null);
    assert.is(ts.child.exitCode, null, `tsbpf ended early: ${ts.stderr}`);
    if (bt) {
      await until(`bpftrace to attach (stderr: ${bt.stderr})`, () => /Attaching/.test(bt.stdout) || bt.child.exitCode !== null);
      // bpftrace prints its line before attaching: give it time to attach.
      await sleep(1500);
    }
    await workload();
    await sleep(300);
    if (!opts.selfEnding) {
      ts.child.kill("SIGINT");
      bt?.child.kill("SIGINT");
    }
    // bpftrace 0.17 sometimes misses a SIGINT that arrives just before it blocks in epoll_wait, and then never exits
    // (bench/compiled.ts sees it too): it is sent again every second, until a deadline.
    const again = setInterval(() => {
      if (!opts.selfEnding && bt && bt.child.exitCode === null) bt.child.kill("SIGINT");
    }, 1000);
    const deadline = new Promise<"late">((r) => setTimeout(() => r("late"), 30_000).unref());
    let ended: [number | null, number | null | undefined] | "late";
    try {
      ended = await Promise.race([Promise.all([ts.done, bt?.done]), deadline]);
    } finally {
      clearInterval(again);
    }
    assert.ok(ended !== "late", `still running 30 s after the stop: tsbpf ${ts.child.exitCode}, bpftrace ${bt?.child.exitCode}`);
    const [tsCode, btCode] = ended as [number | null, number | null | undefined];
    assert.is(tsCode, 0, `tsbpf: ${ts.stderr}`);
    if (bt) assert.is(btCode, 0, `bpftrace: ${bt.stderr}`);
    return { ts: ts.stdout, ...(bt ? { bt: bt.stdout } : {}) };
  } finally {
    ts.child.kill("SIGKILL");
    bt?.child.kill("SIGKILL");
  }
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const c = spawn(cmd, args, { cwd: work, stdio: "ignore" });
    c.on("error", reject);
    c.on("close", () => resolve());
  });
}

/**
 * The text of map `name` as printed (its header line and the lines up to the next map or the end). bpftrace 0.17
 * ends a histogram's header with a space that current bpftrace and tsbpf do not print (test/unit/output.test.ts):
 * lines are compared without trailing spaces.
 */
function mapText(out: string, name: string): string {
  const lines = out.split("\n").map((l) => l.trimEnd());
  const i = lines.findIndex((l) => l === `${name}:` || l.startsWith(`${name}: `) || l.startsWith(`${name}[`));
  if (i < 0) return "";
  const rest = lines.slice(i + 1);
  const j = rest.findIndex((l) => l.startsWith("@") || l === "");
  return [lines[i], ...(j < 0 ? rest : rest.slice(0, j))].join("\n");
}

/** A histogram's bucket counts by label ("[1K, 2K)"). */
function buckets(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of text.matchAll(/^(\[[^\n\])]*[\])]|\([^\n)]*\))\s+(\d+) \|/gm)) out.set(m[1]!, Number(m[2]));
  return out;
}

const total = (b: Map<string, number>) => [...b.values()].reduce((a, x) => a + x, 0);

function comparedOrSkipped(): void {
  if (!haveBpftrace) skip("bpftrace is not installed: tsbpf's output is checked against the workload, not compared with bpftrace's");
}

test("every tsbpf one-liner of the tutorial is at most 1.5 times bpftrace's length (the struct lesson: until kernel types are properties)", () => {
  const ns = [...LESSONS.keys()].sort((a, b) => a - b);
  assert.equal(ns, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  for (const l of LESSONS.values()) {
    const ratio = programOf(l.tsbpf).length / programOf(l.bpftrace).length;
    assert.ok(ratio <= (l.n === 12 ? 2.2 : 1.5), `lesson ${l.n}: ${ratio.toFixed(2)}x`);
  }
});

kernelTest(test, "1. listing probes: the syscalls entry tracepoints, as bpftrace lists them", () => {
  const l = lesson(1);
  const ts = spawnSync(process.execPath, [join(root, "bin/tsbpf.js"), ...l.tsbpf], { env, encoding: "utf8", maxBuffer: 16 << 20 });
  assert.is(ts.status, 0, ts.stderr);
  const ours = ts.stdout.split("\n").filter(Boolean);
  assert.ok(ours.includes("tracepoint:syscalls/sys_enter_openat"));
  assert.ok(ours.length > 100 && ours.every((x) => x.startsWith("tracepoint:syscalls/sys_enter_")), ts.stdout);
  if (!haveBpftrace) return comparedOrSkipped();
  // The union of three reads: a read of available_events can skip an event while other tests add or remove theirs.
  const theirs = new Set<string>();
  for (let i = 0; i < 3; i++) {
    const bt = spawnSync("bpftrace", l.bpftrace, { encoding: "utf8", maxBuffer: 16 << 20 });
    for (const x of bt.stdout.split("\n").filter(Boolean)) theirs.add(x.replace(/^tracepoint:syscalls:/, "tracepoint:syscalls/"));
  }
  assert.equal(ours, [...theirs].sort());
});

kernelTest(test, "2. hello world: the same line", async () => {
  const r = await together(lesson(2), async () => {});
  assert.ok(r.ts.split("\n").includes("hello world"), r.ts);
  if (r.bt === undefined) return comparedOrSkipped();
  assert.ok(r.bt.split("\n").includes("hello world"), r.bt);
});

kernelTest(test, "3. file opens: the workload's lines, the same in both", async () => {
  const r = await together(lesson(3), () => run(OLCAT, ["/etc/hostname", "/etc/os-release"]));
  const mine = (out: string) => out.split("\n").filter((x) => x.startsWith("olcat "));
  assert.ok(mine(r.ts).includes("olcat /etc/hostname") && mine(r.ts).includes("olcat /etc/os-release"), r.ts);
  if (r.bt === undefined) return comparedOrSkipped();
  assert.equal(mine(r.ts), mine(r.bt));
});

kernelTest(test, "4. syscall counts by process: the workload's count, the same in both", async () => {
  const r = await together(lesson(4), () => run(OLDD, ["if=/dev/zero", "of=/dev/null", "bs=1", "count=2000"]));
  const line = (out: string) => out.split("\n").find((x) => x.startsWith("@[oldd]: "));
  const count = Number(line(r.ts)?.slice("@[oldd]: ".length));
  assert.ok(count >= 4000, `${line(r.ts)}: dd made 2000 reads and 2000 writes`);
  if (r.bt === undefined) return comparedOrSkipped();
  assert.is(line(r.ts), line(r.bt));
});

kernelTest(test, "5. read sizes of one pid: the same histogram", async () => {
  // The process exists (and so has its pid) before the tracers start; it reads once they are attached.
  const w = spawn("/bin/sh", ["-c", `read x; exec ${OLDD} if=/dev/zero of=/dev/null bs=1000 count=300`], { stdio: ["pipe", "ignore", "ignore"] });
  const exited = new Promise((r) => w.on("close", r));
  const r = await together(lesson(5, w.pid), async () => {
    w.stdin!.end("go\n");
    await exited;
  });
  const hist = mapText(r.ts, "@bytes");
  assert.ok((buckets(hist).get("[512, 1K)") ?? 0) >= 300, hist);
  if (r.bt === undefined) return comparedOrSkipped();
  assert.is(hist, mapText(r.bt, "@bytes"));
});

kernelTest(test, "6. read sizes, linear: the same buckets, the workload's in both", async () => {
  const r = await together(lesson(6), () => run(OLDD, ["if=/dev/zero", "of=/dev/null", "bs=1000", "count=20000"]));
  const ours = buckets(mapText(r.ts, "@bytes"));
  assert.ok((ours.get("[1000, 1200)") ?? 0) >= 20000, mapText(r.ts, "@bytes"));
  if (r.bt === undefined) return comparedOrSkipped();
  const theirs = buckets(mapText(r.bt, "@bytes"));
  // System-wide: other processes read too; the workload's bucket dominates both, and the labels are bpftrace's.
  assert.ok([...ours.keys()].every((k) => theirs.has(k) || !k.includes(",")), `${[...ours.keys()]} vs ${[...theirs.keys()]}`);
  assert.ok((theirs.get("[1000, 1200)") ?? 0) >= 20000);
});

kernelTest(test, "7. read latency by process: as many reads timed for the workload in both", async () => {
  const r = await together(lesson(7), () => run(OLDD, ["if=/dev/zero", "of=/dev/null", "bs=100", "count=500"]));
  const ours = total(buckets(mapText(r.ts, "@ns[oldd]")));
  assert.ok(ours >= 500, mapText(r.ts, "@ns[oldd]"));
  if (r.bt === undefined) return comparedOrSkipped();
  assert.is(ours, total(buckets(mapText(r.bt, "@ns[oldd]"))));
});

kernelTest(test, "8. sched tracepoints by probe name, ending after 5 s: the same names", async () => {
  const t0 = Date.now();
  const r = await together(lesson(8), async () => {
    for (let i = 0; i < 20; i++) await run("/bin/true", []);
  }, { selfEnding: true });
  assert.ok(Date.now() - t0 < 20_000);
  const keys = (out: string) => new Map([...out.matchAll(/^@\[(tracepoint:sched:\w+)\]: (\d+)$/gm)].map((m) => [m[1]!, Number(m[2])]));
  const ours = keys(r.ts);
  assert.ok((ours.get("tracepoint:sched:sched_process_fork") ?? 0) >= 20, r.ts);
  assert.ok(ours.has("tracepoint:sched:sched_switch"), r.ts);
  if (r.bt === undefined) return comparedOrSkipped();
  const theirs = keys(r.bt);
  for (const k of ["sched_process_fork", "sched_process_exec", "sched_process_exit", "sched_switch", "sched_wakeup"]) {
    assert.ok(ours.has(`tracepoint:sched:${k}`) && theirs.has(`tracepoint:sched:${k}`), k);
  }
});

/** The stacks of a `@[kstack]` map as bpftrace prints it: each stack's frame lines and its count. */
function stacks(out: string): { frames: string[]; count: number }[] {
  return [...out.matchAll(/^@\[\n((?: {4}\S[^\n]*\n)*)\]: (\d+)$/gm)].map((m) => ({ frames: m[1]!.trimEnd().split("\n").map((l) => l.trim()), count: Number(m[2]) }));
}

kernelTest(test, "9. on-CPU kernel stacks: the workload's reads, with the same frames in both", async () => {
  const r = await together(lesson(9), () => run(OLDD, ["if=/dev/zero", "of=/dev/null", "bs=1M", "count=3000"]));
  const ours = stacks(r.ts);
  for (const s of ours) for (const f of s.frames) assert.match(f, /^([\w.]+\+\d+|0x[0-9a-f]+)$/, f);
  // The caller frames of the reads (return addresses: the same text in any sample of the same path).
  const callers = (list: typeof ours) => new Set(list.filter((s) => s.frames.some((f) => f.startsWith("vfs_read+"))).flatMap((s) => s.frames.slice(1)));
  const ourCallers = callers(ours);
  assert.ok([...ourCallers].some((f) => f.startsWith("ksys_read+")), r.ts.slice(0, 3000));
  if (r.bt === undefined) return comparedOrSkipped();
  const same = [...callers(stacks(r.bt))].filter((f) => ourCallers.has(f));
  assert.ok(same.some((f) => f.startsWith("ksys_read+")) && same.some((f) => f.startsWith("vfs_read+")), `shared caller frames: ${same.join(", ")}`);
});

kernelTest(test, "10. kernel stacks at sched_switch: bpftrace's most frequent stacks, frame for frame, in both", async () => {
  const r = await together(lesson(10), async () => {
    for (let i = 0; i < 20; i++) await run("/bin/true", []);
  });
  const ours = stacks(r.ts);
  assert.ok(ours.some((s) => s.frames.some((f) => f.startsWith("__schedule+"))), r.ts.slice(0, 3000));
  if (r.bt === undefined) return comparedOrSkipped();
  const text = new Set(ours.map((s) => s.frames.join("\n")));
  const top = stacks(r.bt).sort((a, b) => b.count - a.count).slice(0, 3);
  const found = top.filter((s) => text.has(s.frames.join("\n")));
  assert.ok(found.length >= 2, `of bpftrace's top stacks, tsbpf has ${found.length}:\n${top.map((s) => s.frames.join("\n")).join("\n--\n")}`);
});

kernelTest(test, "11. block I/O sizes: the workload's 64 KiB requests in both", async () => {
  // Written beside the checkout, which is on a disk: the temporary directory may be a tmpfs, with no block requests.
  const file = join(root, `.one-liners-blockio-${process.pid}`);
  let r: Awaited<ReturnType<typeof together>>;
  try {
    r = await together(lesson(11), () => run("/bin/dd", ["if=/dev/zero", `of=${file}`, "bs=64k", "count=64", "oflag=direct"]));
  } finally {
    rmSync(file, { force: true });
  }
  const at64k = (out: string) => buckets(mapText(out, "@")).get("[64K, 128K)") ?? 0;
  if (at64k(r.ts) === 0 && !/@:/.test(r.ts)) return skip(`no block request was issued for direct writes to ${root} (a file system without a block device?)`);
  assert.ok(at64k(r.ts) >= 64, r.ts);
  if (r.bt === undefined) return comparedOrSkipped();
  assert.ok(at64k(r.bt) >= 64, r.bt);
});

kernelTest(test, "12. kernel structs: the workload's parent, the same line in both", async () => {
  const r = await together(lesson(12), () => run(OLCAT, ["/dev/null"]));
  const line = `olcat parent ${process.pid}`;
  assert.ok(r.ts.split("\n").includes(line), r.ts);
  if (r.bt === undefined) return comparedOrSkipped();
  assert.ok(r.bt.split("\n").includes(line), r.bt);
});

test.after(() => rmSync(work, { recursive: true, force: true }));

test.run();
