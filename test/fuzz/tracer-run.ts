// A fuzz run over generated tracers: count, seed and options in; every program checked (test/fuzz/check.ts) on a
// pool of workers; a summary out (programs, accepted, rejected with diagnostics, compiler crashes, verifier
// rejections of accepted programs, load failures by cause, time), and each failing program written to a directory.

import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { CompileStatus, Outcome } from "./check.ts";
import { type Family, type GeneratedProgram, generateProgram } from "./hostile.ts";
import { Pool } from "./pool.ts";
import { Random, programSeed } from "./random.ts";

export interface TracerRunOptions {
  readonly count: number;
  readonly seed: number;
  readonly workers: number;
  readonly timeoutMs: number;
  /** Load accepted programs into the kernel (root and bpf() needed). */
  readonly kernel: boolean;
  readonly scale: "test" | "full";
  /** Where failing programs are written (none if undefined). */
  readonly out?: string;
  /** Stop starting programs after this many ms (the summary then covers the programs checked). */
  readonly deadlineMs?: number;
  /** Progress lines. */
  readonly log?: (line: string) => void;
}

/** A broken property: what, which program, and a key that groups instances of one cause. */
export interface Failure {
  readonly kind: "crash" | "internal" | "unlocated" | "timeout" | "verifier" | "vm" | "load-error" | "runtime-crash" | "vm-kernel";
  readonly key: string;
  readonly n: number;
  readonly seed: number;
  readonly family: Family;
  readonly detail: string;
  readonly message: string;
  readonly text: string;
}

export interface Timing {
  readonly n: number;
  readonly family: Family;
  readonly detail: string;
  readonly statements: number;
  readonly bytes: number;
  readonly ms: number;
  readonly status: CompileStatus;
}

export interface TracerRunSummary {
  readonly programs: number;
  readonly families: Record<string, number>;
  readonly compile: Record<CompileStatus, number>;
  /** Accepted programs in the kernel, by status; `unsupported`/`not-found` are this kernel, not the compiler. */
  readonly kernel: Record<string, number>;
  readonly vm: Record<string, number>;
  /** Load failures by cause (status: key). */
  readonly loadCauses: Record<string, number>;
  readonly failures: readonly Failure[];
  readonly timings: readonly Timing[];
  readonly wallMs: number;
}

export async function runTracerFuzz(opts: TracerRunOptions): Promise<TracerRunSummary> {
  const t0 = performance.now();
  const pool = new Pool({ workers: opts.workers, timeoutMs: opts.timeoutMs, kernel: opts.kernel });
  const summary = {
    programs: 0, families: {} as Record<string, number>,
    compile: { accepted: 0, rejected: 0, crash: 0, internal: 0, unlocated: 0, timeout: 0 } as Record<CompileStatus, number>,
    kernel: {} as Record<string, number>, vm: {} as Record<string, number>, loadCauses: {} as Record<string, number>,
    failures: [] as Failure[], timings: [] as Timing[], wallMs: 0,
  };
  const bump = (o: Record<string, number>, k: string) => (o[k] = (o[k] ?? 0) + 1);
  let next = 0;
  const one = async (): Promise<void> => {
    while (next < opts.count && !(opts.deadlineMs !== undefined && performance.now() - t0 > opts.deadlineMs)) {
      const n = next++;
      const seed = programSeed(opts.seed, n);
      const program = generateProgram(new Random(seed), { scale: opts.scale });
      const outcome = await pool.run({ id: n, name: `fuzz-${opts.seed}-${n}`, text: program.text });
      record(n, seed, program, outcome);
      if (opts.log && (n + 1) % 100 === 0) opts.log(progress(n + 1));
    }
  };
  const fail = (kind: Failure["kind"], key: string, message: string, n: number, seed: number, p: GeneratedProgram) => {
    const f: Failure = { kind, key, n, seed, family: p.family, detail: p.detail, message, text: p.text };
    summary.failures.push(f);
    if (opts.out) {
      mkdirSync(opts.out, { recursive: true });
      const header = [`// tsbpf fuzz: ${kind}: ${key}`, `// program ${n} of seed ${opts.seed} (program seed ${seed}), ${p.family}: ${p.detail}`,
        ...message.split("\n").slice(0, 30).map((l) => `// ${l}`), ""].join("\n");
      writeFileSync(join(opts.out, `${kind}-${n}.ts`), header + p.text);
    }
  };
  const record = (n: number, seed: number, p: GeneratedProgram, o: Outcome) => {
    summary.programs++;
    bump(summary.families, p.family);
    summary.compile[o.status]++;
    summary.timings.push({ n, family: p.family, detail: p.detail, statements: p.statements, bytes: p.text.length, ms: o.ms, status: o.status });
    switch (o.status) {
      case "crash": case "internal": case "unlocated": case "timeout":
        fail(o.status, firstLine(o.problem ?? o.status), o.problem ?? "", n, seed, p);
        return;
      case "rejected":
        return;
      case "accepted":
        break;
    }
    const vm = o.vm!;
    bump(summary.vm, vm.status);
    if (o.kernel) {
      const k = o.kernel;
      bump(summary.kernel, k.status);
      if (k.status !== "loaded") bump(summary.loadCauses, `${k.status}: ${k.key}`);
      if (k.status === "verifier") fail("verifier", k.key ?? "", k.message ?? "", n, seed, p);
      else if (k.status === "error") fail("load-error", k.key ?? "", k.message ?? "", n, seed, p);
      else if (k.status === "runtime-crash") fail("runtime-crash", k.key ?? "", k.message ?? "", n, seed, p);
      if (vm.status !== "loaded" && k.status === "loaded") fail("vm-kernel", `VM refuses what the kernel loads: ${vm.key}`, vm.message ?? "", n, seed, p);
    } else if (vm.status !== "loaded") {
      fail("vm", vm.key ?? "", vm.message ?? "", n, seed, p);
    }
  };
  const progress = (done: number) => {
    const c = summary.compile;
    return `${done}/${opts.count}: accepted ${c.accepted}, rejected ${c.rejected}, crash ${c.crash + c.internal}, unlocated ${c.unlocated}, timeout ${c.timeout}, ` +
      `verifier ${summary.kernel.verifier ?? 0}, ${((performance.now() - t0) / 1000).toFixed(0)} s`;
  };
  try {
    await Promise.all(Array.from({ length: opts.workers }, one));
  } finally {
    pool.close();
  }
  summary.wallMs = performance.now() - t0;
  return summary;
}

const firstLine = (s: string) => s.split("\n")[0]!.slice(0, 200);

/** The summary as text: counts, load failures by cause, failures grouped by kind and key, compile time by size. */
export function formatSummary(s: TracerRunSummary, opts: { seed: number; out?: string }): string {
  const lines: string[] = [];
  const c = s.compile;
  const k = s.kernel;
  lines.push(`tsbpf fuzz (tracers), seed ${opts.seed}: ${s.programs} programs in ${(s.wallMs / 1000).toFixed(1)} s`);
  lines.push(`  families: ${Object.entries(s.families).map(([f, n]) => `${f} ${n}`).join(", ")}`);
  lines.push(`  compiler: accepted ${c.accepted}, rejected with diagnostics ${c.rejected}, crashes ${c.crash}, internal errors ${c.internal}, ` +
    `diagnostics without location ${c.unlocated}, timeouts ${c.timeout}`);
  if (Object.keys(k).length) {
    lines.push(`  kernel (accepted programs, attach: false): loaded ${k.loaded ?? 0}, verifier rejections ${k.verifier ?? 0}, ` +
      `kernel lacks the feature ${(k.unsupported ?? 0) + (k["not-found"] ?? 0)}, other load errors ${k.error ?? 0}, runtime crashes ${k["runtime-crash"] ?? 0}`);
  } else {
    lines.push("  kernel: not loaded (not root, bpf() unavailable, or --no-kernel)");
  }
  lines.push(`  VM (accepted programs): ${Object.entries(s.vm).map(([st, n]) => `${st} ${n}`).join(", ") || "none"}`);
  if (Object.keys(s.loadCauses).length) {
    lines.push("  load failures by cause:");
    for (const [cause, n] of Object.entries(s.loadCauses).sort((a, b) => b[1] - a[1])) lines.push(`    ${String(n).padStart(5)}  ${cause}`);
  }
  const groups = new Map<string, Failure[]>();
  for (const f of s.failures) {
    const key = `${f.kind}: ${f.key}`;
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  if (groups.size) {
    lines.push(`  failures: ${s.failures.length} in ${groups.size} classes${opts.out ? ` (programs in ${opts.out})` : ""}`);
    for (const [key, fs] of [...groups].sort((a, b) => b[1].length - a[1].length)) {
      const details = [...new Set(fs.map((f) => f.detail))].slice(0, 4).join("; ");
      lines.push(`    ${String(fs.length).padStart(5)}  ${key}  [e.g. #${fs[0]!.n} ${fs[0]!.family}: ${details.slice(0, 140)}]`);
    }
  } else {
    lines.push("  failures: none");
  }
  lines.push(...timingReport(s.timings));
  return lines.join("\n");
}

/** Compile time: median overall, by size for the huge and deep programs, and the outliers (ms per statement). */
function timingReport(ts: readonly Timing[]): string[] {
  if (ts.length === 0) return [];
  const ms = ts.filter((t) => t.status !== "timeout").map((t) => t.ms).sort((a, b) => a - b);
  const median = ms[Math.floor(ms.length / 2)] ?? 0;
  const lines = [`  compile time: median ${median.toFixed(0)} ms, p99 ${(ms[Math.floor(ms.length * 0.99)] ?? 0).toFixed(0)} ms, max ${(ms[ms.length - 1] ?? 0).toFixed(0)} ms`];
  const sized = ts.filter((t) => t.statements > 0);
  if (sized.length) {
    const byDetail = new Map<string, Timing[]>();
    for (const t of sized) byDetail.set(t.detail, [...(byDetail.get(t.detail) ?? []), t]);
    lines.push("  compile time by size (huge and deep programs; mean of each shape):");
    for (const [detail, g] of [...byDetail].sort((a, b) => a[0].localeCompare(b[0], "en", { numeric: true }))) {
      const mean = g.reduce((a, t) => a + t.ms, 0) / g.length;
      const statuses = [...new Set(g.map((t) => t.status))].join("/");
      lines.push(`    ${detail.padEnd(22)} ${String(g.length).padStart(3)}x  ${(mean / 1000).toFixed(2).padStart(7)} s  ${(mean / g[0]!.statements).toFixed(2).padStart(7)} ms/stmt  ${statuses}`);
    }
  }
  const slow = ts.filter((t) => t.statements === 0 && t.ms > Math.max(10 * median, 5000)).sort((a, b) => b.ms - a.ms).slice(0, 5);
  if (slow.length) lines.push(`  outliers (small programs over 10x the median): ${slow.map((t) => `#${t.n} ${t.family} ${(t.ms / 1000).toFixed(1)} s`).join(", ")}`);
  return lines;
}
