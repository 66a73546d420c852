// One-liners against bpftrace: the lessons of docs/one-liners.md, each spawned as `tsbpf -e '<program>'` (the bundled
// CLI) — cold (an empty TSBPF_CACHE_DIR: the compiler runs) and cached (the same directory again) — and as `bpftrace
// -e '<program>'`, in interleaved rounds; medians, ratios and the raw figures. Two measures: to "attached" (tsbpf's
// --verbose line; bpftrace's "Attaching N probes...", printed before it attaches: a lower bound), and to "running",
// like for like: each program with a begin handler added that prints a line (bpftrace runs BEGIN once every probe is
// attached, tsbpf its begin handlers too), timed to that line. Needs root.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { oneLinerLessons, programOf } from "../test/support/one-liners-doc.ts";
import { type Startup, bpftraceInfo, rebuildBundle, startup, summarize } from "./compiled.ts";
import { median, ratio } from "./util.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const RUNS = 5;
/** Lessons that start and wait (no workload needed): counts, a print per event, a pattern over 26 tracepoints. */
const LESSONS = [2, 4, 3, 8];
const ms = (x: number) => `${x.toFixed(0)} ms`;

export async function benchOneLiners(): Promise<void> {
  console.log(`one-liners: time to attached and to running, median of ${RUNS} interleaved rounds: \`node bin/tsbpf.js -e <program> --verbose\` until ` +
    "\"loaded and attached\" (cold: empty TSBPF_CACHE_DIR; cached: the same directory again) against `bpftrace -e <program>` until " +
    "\"Attaching N probes...\" (printed before bpftrace attaches: its figure is a lower bound); running: the program with a begin " +
    "handler (bpftrace: BEGIN) printing a line, until that line (both run it once every probe is attached)");
  if (process.getuid?.() !== 0) {
    console.log("one-liners:   skipped (needs root)");
    return;
  }
  console.log(`one-liners:   tsbpf: the bundled CLI in dist/ (${rebuildBundle()})`);
  const bpftrace = bpftraceInfo();
  if (!bpftrace) console.log("one-liners:   reference skipped (bpftrace is not installed)");
  const lessons = oneLinerLessons();
  const sums = { cold: [] as number[], cached: [] as number[], ref: [] as number[], coldRun: [] as number[], cachedRun: [] as number[], refRun: [] as number[] };
  const announce = /^Attaching \d+ probes?\.\.\.$/m;
  const attached = /^loaded and attached in /m;
  for (const n of LESSONS) {
    const l = lessons.get(n);
    if (!l) continue;
    const runs = { cold: [] as Startup[], cached: [] as Startup[], ref: [] as Startup[], coldRun: [] as Startup[], cachedRun: [] as Startup[], refRun: [] as Startup[] };
    // A program with a BEGIN already (hello world) is timed to its own line: bpftrace takes one BEGIN only.
    const own = /BEGIN \{ printf\("([^"\\]*)\\n"\)/.exec(programOf(l.bpftrace))?.[1];
    const ready = own ? new RegExp(`^${own}$`, "m") : /^ready$/m;
    const withBegin = (argv: string[], extra: string) => (own ? argv : argv.map((w) => (w === programOf(argv) ? `${w}${extra}` : w)));
    const tsReady = withBegin(l.tsbpf, '; begin(() => print("ready"))');
    const btReady = withBegin(l.bpftrace, ' BEGIN { printf("ready\\n"); }');
    const dirs: string[] = [];
    try {
      for (let i = 0; i < RUNS; i++) {
        const dir = mkdtempSync(join(tmpdir(), "tsbpf-bench-oneliner-"));
        dirs.push(dir);
        const env = { ...process.env, TSBPF_CACHE_DIR: dir };
        const args = [join(ROOT, "bin", "tsbpf.js"), ...l.tsbpf, "--verbose"];
        runs.cold.push(await startup(process.execPath, args, env, announce, attached));
        runs.cached.push(await startup(process.execPath, args, env, announce, attached));
        if (bpftrace) runs.ref.push(await startup(bpftrace.path, l.bpftrace, process.env, announce, announce, true));
        const dir2 = mkdtempSync(join(tmpdir(), "tsbpf-bench-oneliner-"));
        dirs.push(dir2);
        const args2 = [join(ROOT, "bin", "tsbpf.js"), ...tsReady];
        runs.coldRun.push(await startup(process.execPath, args2, { ...process.env, TSBPF_CACHE_DIR: dir2 }, announce, ready));
        runs.cachedRun.push(await startup(process.execPath, args2, { ...process.env, TSBPF_CACHE_DIR: dir2 }, announce, ready));
        if (bpftrace) runs.refRun.push(await startup(bpftrace.path, btReady, process.env, announce, ready, true));
      }
      const coldRun = summarize(runs.coldRun).attachedMs;
      const cachedRun = summarize(runs.cachedRun).attachedMs;
      const refRun = runs.refRun.length ? summarize(runs.refRun).attachedMs : undefined;
      sums.coldRun.push(coldRun);
      sums.cachedRun.push(cachedRun);
      if (refRun !== undefined) sums.refRun.push(refRun);
      const cold = summarize(runs.cold).attachedMs;
      const cached = summarize(runs.cached).attachedMs;
      const ref = runs.ref.length ? summarize(runs.ref).announcedMs : undefined;
      sums.cold.push(cold);
      sums.cached.push(cached);
      if (ref !== undefined) sums.ref.push(ref);
      const vs = (x: number) => (ref === undefined ? "" : ` (${ratio(x, ref)})`);
      const vsRun = (x: number) => (refRun === undefined ? "" : ` (${ratio(x, refRun)})`);
      console.log(`one-liners:   ${`${n}. ${l.title}`.padEnd(36)} attached: tsbpf cold ${ms(cold).padStart(7)}${vs(cold)}, cached ${ms(cached).padStart(7)}${vs(cached)}` +
        `${ref === undefined ? "" : `; bpftrace "Attaching" ${ms(ref).padStart(7)}`}   [${programOf(l.tsbpf).length} vs ${programOf(l.bpftrace).length} characters]`);
      console.log(`one-liners:   ${"".padEnd(36)} running:  tsbpf cold ${ms(coldRun).padStart(7)}${vsRun(coldRun)}, cached ${ms(cachedRun).padStart(7)}${vsRun(cachedRun)}` +
        `${refRun === undefined ? "" : `; bpftrace ${ms(refRun).padStart(7)}`}`);
    } catch (e) {
      console.log(`one-liners:   ${n}. failed: ${(e as Error).message}`);
    } finally {
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    }
  }
  if (sums.cold.length && sums.ref.length === sums.cold.length) {
    const [cold, cached, ref] = [median(sums.cold), median(sums.cached), median(sums.ref)];
    console.log(`one-liners:   all (median of the medians), attached: cold ${ms(cold)} = ${ratio(cold, ref)} bpftrace's "Attaching" ${ms(ref)}; cached ${ms(cached)} = ${ratio(cached, ref)}`);
  }
  if (sums.coldRun.length && sums.refRun.length === sums.coldRun.length) {
    const [cold, cached, ref] = [median(sums.coldRun), median(sums.cachedRun), median(sums.refRun)];
    console.log(`one-liners:   all (median of the medians), running (begin line printed): cold ${ms(cold)} = ${ratio(cold, ref)} bpftrace's ${ms(ref)}; cached ${ms(cached)} = ${ratio(cached, ref)}`);
  }
}
