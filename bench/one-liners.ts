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
import { type Lesson, oneLinerLessons, programOf } from "../test/support/one-liners-doc.ts";
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
  const announce = /^Attaching \d+ probes?\.\.\.$/m;
  /** The two measures: each a tsbpf and a bpftrace command line of the lesson, and the line each is timed to. */
  interface Measure {
    readonly name: string;
    readonly tsbpf: (l: Lesson) => { args: string[]; until: RegExp };
    readonly bpftrace: (l: Lesson) => { args: string[]; until: RegExp };
    /** bpftrace's figure: its "Attaching" line (attached) or the line it prints (running). */
    readonly ref: keyof Startup;
    readonly label: string;
  }
  const MEASURES: readonly Measure[] = [
    {
      name: "attached", ref: "announcedMs", label: 'bpftrace "Attaching"',
      tsbpf: (l) => ({ args: [...l.tsbpf, "--verbose"], until: /^loaded and attached in /m }),
      bpftrace: (l) => ({ args: l.bpftrace, until: announce }),
    },
    {
      name: "running", ref: "attachedMs", label: "bpftrace",
      tsbpf: (l) => withReadyLine(l.tsbpf, '; begin(() => print("ready"))', l),
      bpftrace: (l) => withReadyLine(l.bpftrace, ' BEGIN { printf("ready\\n"); }', l),
    },
  ];
  const sums = new Map(MEASURES.map((m) => [m.name, { cold: [] as number[], cached: [] as number[], ref: [] as number[] }]));
  for (const n of LESSONS) {
    const l = lessons.get(n);
    if (!l) continue;
    const dirs: string[] = [];
    try {
      const runs = new Map(MEASURES.map((m) => [m.name, { cold: [] as Startup[], cached: [] as Startup[], ref: [] as Startup[] }]));
      for (let i = 0; i < RUNS; i++) {
        for (const m of MEASURES) {
          const r = runs.get(m.name)!;
          const dir = mkdtempSync(join(tmpdir(), "tsbpf-bench-oneliner-"));
          dirs.push(dir);
          const env = { ...process.env, TSBPF_CACHE_DIR: dir };
          const ts = m.tsbpf(l);
          const args = [join(ROOT, "bin", "tsbpf.js"), ...ts.args];
          r.cold.push(await startup(process.execPath, args, env, announce, ts.until));
          r.cached.push(await startup(process.execPath, args, env, announce, ts.until));
          if (bpftrace) {
            const bt = m.bpftrace(l);
            r.ref.push(await startup(bpftrace.path, bt.args, process.env, announce, bt.until, true));
          }
        }
      }
      MEASURES.forEach((m, i) => {
        const r = runs.get(m.name)!;
        const sum = sums.get(m.name)!;
        const cold = summarize(r.cold).attachedMs;
        const cached = summarize(r.cached).attachedMs;
        const ref = r.ref.length ? summarize(r.ref)[m.ref] : undefined;
        sum.cold.push(cold);
        sum.cached.push(cached);
        if (typeof ref === "number") sum.ref.push(ref);
        const vs = (x: number) => (typeof ref === "number" ? ` (${ratio(x, ref)})` : "");
        const head = i === 0 ? `${n}. ${l.title}` : "";
        const size = i === 0 ? `   [${programOf(l.tsbpf).length} vs ${programOf(l.bpftrace).length} characters]` : "";
        console.log(`one-liners:   ${head.padEnd(36)} ${`${m.name}:`.padEnd(9)} tsbpf cold ${ms(cold).padStart(7)}${vs(cold)}, cached ${ms(cached).padStart(7)}${vs(cached)}` +
          `${typeof ref === "number" ? `; ${m.label} ${ms(ref).padStart(7)}` : ""}${size}`);
      });
    } catch (e) {
      console.log(`one-liners:   ${n}. failed: ${(e as Error).message}`);
    } finally {
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    }
  }
  for (const m of MEASURES) {
    const sum = sums.get(m.name)!;
    if (!sum.cold.length || sum.ref.length !== sum.cold.length) continue;
    const [cold, cached, ref] = [median(sum.cold), median(sum.cached), median(sum.ref)];
    console.log(`one-liners:   all (median of the medians), ${m.name}: cold ${ms(cold)} = ${ratio(cold, ref)} ${m.label}'s ${ms(ref)}; cached ${ms(cached)} = ${ratio(cached, ref)}`);
  }
}

/**
 * `argv` with a line printed once every probe is attached (a begin handler; bpftrace's BEGIN), and that line. A
 * program that has a BEGIN already (hello world) is timed to its own line: bpftrace takes one BEGIN only.
 */
function withReadyLine(argv: string[], extra: string, l: Lesson): { args: string[]; until: RegExp } {
  const own = /BEGIN \{ printf\("([^"\\]*)\\n"\)/.exec(programOf(l.bpftrace))?.[1];
  if (own) return { args: argv, until: new RegExp(`^${own}$`, "m") };
  return { args: argv.map((w) => (w === programOf(argv) ? `${w}${extra}` : w)), until: /^ready$/m };
}
