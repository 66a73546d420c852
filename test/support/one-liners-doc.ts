// The lessons of docs/one-liners.md, for its test (test/kernel/one-liners.test.ts) and its benchmark
// (bench/one-liners.ts): each `### N.` section's `bpftrace` and `tsbpf` command lines, as argv.

import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");

export interface Lesson {
  readonly n: number;
  readonly title: string;
  /** The arguments after `bpftrace`. */
  readonly bpftrace: string[];
  /** The arguments after `tsbpf`. */
  readonly tsbpf: string[];
}

/** `tool 'a b' -c` as argv: single-quoted words and bare words (what the document uses). */
export function words(line: string): string[] {
  return [...line.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}

/** Every lesson with both a bpftrace and a tsbpf line, by number. */
export function oneLinerLessons(): Map<number, Lesson> {
  const doc = readFileSync(join(root, "docs", "one-liners.md"), "utf8");
  const out = new Map<number, Lesson>();
  for (const section of doc.split(/^### /m).slice(1)) {
    const head = /^(\d+)\.\s*(.*)$/m.exec(section);
    const bt = /^bpftrace (.*)$/m.exec(section)?.[1];
    const ts = /^tsbpf (.*)$/m.exec(section)?.[1];
    if (head && bt && ts) out.set(Number(head[1]), { n: Number(head[1]), title: head[2]!, bpftrace: words(bt), tsbpf: words(ts) });
  }
  return out;
}

/** The program of a one-liner's argv: what follows -e (or -l). */
export function programOf(argv: readonly string[]): string {
  const i = argv.indexOf("-e") >= 0 ? argv.indexOf("-e") : argv.indexOf("-l");
  return argv[i + 1] ?? "";
}
