// Profiles on real workloads: samples/profile.ts with a flame graph of a C program built here (its hottest user
// function on top, the kernel functions of its reads named, the SVG rendered in headless Chromium), a Node.js
// program run with --perf-basic-prof whose JavaScript functions are named (and the TypeScript file they came from,
// by its source map), offcputime.ts charging sleeps to the function that slept, stackcount.ts counting the stacks
// that reach openat, and bpftrace's `profile:hz:99 { @[ustack] = count(); }` on the same process at the same time
// naming the same top function.

import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { runCli } from "../support/cli.ts";
import { findChromium, runChromium } from "../support/chromium.ts";
import { kernelTest } from "../support/kernel.ts";
import { skip } from "../support/skip.ts";
import { waitFor } from "../support/wait.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const scratch = mkdtempSync(join(tmpdir(), "tsbpf-profile-"));
const env = { ...process.env, TSBPF_CACHE_DIR: join(scratch, "cache"), NO_COLOR: "1" };
const sample = (name: string) => join(root, "samples", name);

/** The C workload, built once with frame pointers; undefined (after a skip) without a C compiler. */
function stackwork(): string | undefined {
  const bin = join(scratch, "stackwork");
  if (existsSync(bin)) return bin;
  const cc = spawnSync("cc", ["-O1", "-fno-omit-frame-pointer", "-fno-optimize-sibling-calls", "-o", bin, join(root, "test/fixtures/stacks/stackwork.c")], { encoding: "utf8" });
  if (cc.error || cc.status !== 0) {
    skip(`no C compiler to build the workload (cc: ${cc.error?.message ?? cc.stderr}): install gcc`);
    return undefined;
  }
  return bin;
}

/** Folded lines (`a;b;c 12`) as [frames, count]. */
function folded(text: string): [string[], number][] {
  return text.split("\n").filter(Boolean).map((l) => {
    const at = l.lastIndexOf(" ");
    return [l.slice(0, at).split(";"), Number(l.slice(at + 1))];
  });
}

/** Samples by leaf frame (the last of each line), largest first. */
function leaves(lines: [string[], number][]): [string, number][] {
  const by = new Map<string, number>();
  for (const [frames, n] of lines) by.set(frames.at(-1)!, (by.get(frames.at(-1)!) ?? 0) + n);
  return [...by].sort((a, b) => b[1] - a[1]);
}

kernelTest(test, "profile.ts -c: the workload's hottest function on top, its kernel reads named, the flame graph rendered", async () => {
  const bin = stackwork();
  if (!bin) return;
  const svg = join(scratch, "profile.svg");
  const r = await runCli(["run", sample("profile.ts"), "-c", `${bin} 2000000000 30000 0`, "--format", "folded", "--flamegraph", svg], env);
  assert.is(r.status, 0, r.stderr);
  const lines = folded(r.stdout).filter(([f]) => f[0] === "stackwork");
  const total = lines.reduce((s, [, n]) => s + n, 0);
  assert.ok(total > 50, `${total} samples of the workload:\n${r.stdout.slice(0, 2000)}`);
  // User side: crunch_numbers is where the user time goes, called from main.
  const userLeaves = leaves(lines.filter(([f]) => !f.at(-1)!.endsWith("_[k]")));
  assert.is(userLeaves[0]?.[0], "crunch_numbers", JSON.stringify(userLeaves.slice(0, 5)));
  assert.ok(lines.some(([f]) => f.join(";").includes("main;crunch_numbers")), "main calls crunch_numbers");
  // Kernel side: the reads of /dev/zero, named from kallsyms, under main (libc's read() keeps no frame pointer, so
  // the unwinder goes from it to main, past read_zeroes, as it does for perf and bpftrace).
  const reads = lines.filter(([f]) => f.includes("main") && f.includes("vfs_read_[k]") && f.some((x) => /^read_(zero|iter_zero)_\[k\]$/.test(x)));
  assert.ok(reads.reduce((s, [, n]) => s + n, 0) >= 10, `samples in main → vfs_read → read_zero:\n${lines.slice(0, 8).map(([f, n]) => `${f.join(";")} ${n}`).join("\n")}`);
  assert.match(r.stderr, /wrote the flame graph of @samples to .*profile\.svg: \d+ stacks, \d+ samples/);

  const chromium = findChromium();
  if (!chromium) return skip("no chromium on PATH (Debian's chromium package): the flame graph's rendering is not checked");
  const page = join(scratch, "profile.html");
  writeFileSync(page, `<!DOCTYPE html><html><body>${readFileSync(svg, "utf8")}<script>
    var out = {};
    Array.prototype.forEach.call(document.querySelectorAll("svg g.f"), function (g) {
      var tip = g.querySelector("title").textContent, name = tip.slice(0, tip.lastIndexOf(" ("));
      out[name] = Math.max(out[name] || 0, g.querySelector("rect").getBBox().width);
    });
    out.__all = document.querySelector("svg").getBBox().width;
    var pre = document.createElement("pre"); pre.id = "widths"; pre.textContent = JSON.stringify(out); document.body.appendChild(pre);
  </script></body></html>`);
  const run = await runChromium(chromium, ["--dump-dom", `file://${page}`]);
  const m = /<pre id="widths">([^<]*)<\/pre>/.exec(run.stdout);
  assert.ok(m, `no widths from chromium (exit ${run.code}): ${run.stderr.slice(-1500)}`);
  const widths = JSON.parse(m![1]!.replace(/&quot;/g, '"').replace(/&amp;/g, "&")) as Record<string, number>;
  const userTotal = lines.filter(([f]) => f.at(-1) === "crunch_numbers").reduce((s, [, n]) => s + n, 0);
  // crunch_numbers is drawn, and as wide as its share of the samples.
  assert.ok((widths["crunch_numbers"] ?? 0) > 0, JSON.stringify(widths));
  assert.ok((widths["crunch_numbers"]! / widths["stackwork"]!) > (userTotal / total) * 0.9, `${widths["crunch_numbers"]} of ${widths["stackwork"]}`);
  assert.ok((widths["vfs_read"] ?? 0) > 0, "a kernel frame is drawn");
});

kernelTest(test, "a Node.js profile names the JavaScript functions, and the TypeScript file they were compiled from", async () => {
  const js = join(scratch, "fib.js");
  await build({ entryPoints: [join(root, "test/fixtures/stacks/fib.ts")], outfile: js, sourcemap: true, platform: "node", format: "esm", logLevel: "silent" });
  const r = await runCli(["run", sample("profile.ts"), "-c", `${process.execPath} --perf-basic-prof ${js} 1500`], env);
  assert.is(r.status, 0, r.stderr);
  const blocks = r.stdout.split("@samples[").slice(1);
  const withFib = blocks.filter((b) => /^ {4}fibonacciWork\+\d+ \(.*fib\.ts:\d+\)$/m.test(b));
  const counts = (bs: string[]) => bs.reduce((s, b) => s + Number(/\]: (\d+)\s*$/.exec(b)?.[1] ?? 0), 0);
  const node = blocks.filter((b) => b.startsWith("node,"));
  assert.ok(counts(withFib) > counts(node) / 2, `fibonacciWork in ${counts(withFib)} of ${counts(node)} samples of node:\n${r.stdout.slice(0, 3000)}`);
});

kernelTest(test, "offcputime.ts charges the workload's sleeps to nap_between and the kernel's nanosleep", async () => {
  const bin = stackwork();
  if (!bin) return;
  // The whole machine: a task's time off the CPU ends when another task switches it in, so -p (which runs the
  // programs only in the target's own context) would see it leave and never come back.
  const run = runCli(["run", sample("offcputime.ts"), "-d", "3", "--format", "folded"], env);
  await new Promise((r) => setTimeout(r, 1500));
  const work = spawnSync(bin, ["0", "0", "20"]);
  assert.is(work.status, 0);
  const r = await run;
  assert.is(r.status, 0, r.stderr);
  const naps = folded(r.stdout).filter(([f]) => f[0] === "stackwork" && f.includes("main") && f.some((x) => /nanosleep_\[k\]$/.test(x)));
  const us = naps.reduce((s, [, n]) => s + n, 0);
  // 20 naps of 50 ms: about a second off the CPU there.
  assert.ok(us >= 900_000 && us < 3_000_000, `${us} us in main → nanosleep:\n${folded(r.stdout).filter(([f]) => f[0] === "stackwork").map(([f, n]) => `${f.join(";")} ${n}`).join("\n")}`);
});

kernelTest(test, "stackcount.ts counts the stacks that reach openat under the probe that saw them", async () => {
  const bin = stackwork();
  if (!bin) return;
  const r = await runCli(["run", sample("stackcount.ts"), "-c", `${bin} 1000000000 10 0`, "--format", "folded"], env);
  assert.is(r.status, 0, r.stderr);
  const opens = folded(r.stdout).filter(([f]) => f[0] === "tracepoint:syscalls:sys_enter_openat" && f[1] === "stackwork");
  // read_zeroes opens /dev/zero through libc's open64 (named from libc's symbols), then the kernel's way to the
  // tracepoint; the dynamic loader opens the libraries (in ld.so).
  const open64 = opens.filter(([f]) => f.some((x) => /^(__)?open64$/.test(x)) && f.includes("do_syscall_64_[k]"));
  assert.ok(open64.length >= 1, r.stdout.slice(0, 3000));
  assert.ok(folded(r.stdout).some(([f]) => f[0] === "uprobe:libc:malloc"), "malloc's stacks are counted too");
});

kernelTest(test, "bpf.uframes()/bpf.kframes(): each event carries its own stacks, symbolized in its JSON record", async () => {
  const bin = stackwork();
  if (!bin) return;
  const r = await runCli(["run", join(root, "test/fixtures/stacks/opens-frames.ts"), "-c", `${bin} 1000000000 10 0`, "-f", "json"], env);
  assert.is(r.status, 0, r.stderr);
  const events = r.stdout.split("\n").filter((l) => l.includes('"type":"event"')).map((l) => JSON.parse(l).data as { comm: string; user: string[]; kernel: string[] });
  const ours = events.filter((e) => e.comm === "stackwork");
  assert.ok(ours.length >= 2, r.stdout.slice(0, 2000));
  // read_zeroes's open of /dev/zero: libc's open64, then the kernel's way to the tracepoint.
  assert.ok(ours.some((e) => e.user.some((f) => /^(__)?open64\+\d+$/.test(f)) && e.kernel.some((f) => f.startsWith("do_syscall_64+"))), JSON.stringify(ours.slice(0, 4)));
});

kernelTest(test, "bpftrace's profile of the same process at the same time has the same top function", async () => {
  const bin = stackwork();
  if (!bin) return;
  if (spawnSync("sh", ["-c", "command -v bpftrace"]).status !== 0) return skip("bpftrace is not installed: the profile is not compared with bpftrace's");
  const work = spawn(bin, ["8000000000", "0", "0"], { stdio: "ignore" });
  try {
    const pid = work.pid!;
    const bt = spawn("bpftrace", ["-e", `profile:hz:99 /pid == ${pid}/ { @[ustack] = count(); }`], { stdio: ["ignore", "pipe", "pipe"] });
    let btOut = "";
    let btErr = "";
    bt.stdout.on("data", (b: Buffer) => (btOut += b.toString()));
    bt.stderr.on("data", (b: Buffer) => (btErr += b.toString()));
    await waitFor(() => (btOut + btErr).includes("Attaching"), "bpftrace attaching", 20_000);
    const ours = runCli(["run", sample("profile.ts"), "-p", String(pid), "-d", "2", "--format", "folded"], env);
    const r = await ours;
    bt.kill("SIGINT");
    await new Promise((res) => bt.on("close", res));
    assert.is(r.status, 0, r.stderr);
    const tsbpfTop = leaves(folded(r.stdout))[0]?.[0];
    const btLeaves = new Map<string, number>();
    for (const m of btOut.matchAll(/@\[\n {4}([^\n+]+)[^\n]*\n(?:[^\]]*)\]: (\d+)/g)) btLeaves.set(m[1]!, (btLeaves.get(m[1]!) ?? 0) + Number(m[2]));
    const btTop = [...btLeaves].sort((a, b) => b[1] - a[1])[0]?.[0];
    assert.is(tsbpfTop, "crunch_numbers", r.stdout.slice(0, 1000));
    assert.is(btTop, tsbpfTop, `bpftrace:\n${btOut.slice(0, 1500)}${btErr}`);
  } finally {
    work.kill("SIGKILL");
  }
});

test.run();
