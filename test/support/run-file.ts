// Runs one uvu test file for test/run.ts: a file path in, its counts out as one JSON line on the pipe whose fd is
// $TSBPF_TEST_REPORT_FD (never stdout, so nothing a test prints, a child's output included, can change a count).
// The counts come from uvu's own runners (tests run, passed, uvu skips) plus the skips of test/support/skip.ts.

import { writeSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { REPORTER, type SkipRecord } from "./skip.ts";

export interface FileReport {
  readonly total: number;
  /** Tests that ran to the end without an exception (skips included: run.ts subtracts them). */
  readonly ran: number;
  /** uvu's own skips: `test.skip` and tests left out by `test.only`. */
  readonly uvuSkipped: number;
  readonly skips: readonly SkipRecord[];
  /** An exception while importing the file (before any test ran). */
  readonly loadError?: string;
}

const file = process.argv[2];
const fd = Number(process.env.TSBPF_TEST_REPORT_FD);
// Not for this process's children: a child that is itself a test run gets its own pipe or none.
delete process.env.TSBPF_TEST_REPORT_FD;
if (!file || !Number.isInteger(fd)) {
  console.error("usage: TSBPF_TEST_REPORT_FD=<fd> node --import tsx test/support/run-file.ts <file.test.ts>");
  process.exit(2);
}

type Runner = () => Promise<[string | true, number, number, number]>;
const g = globalThis as unknown as { UVU_DEFER: number; UVU_INDEX: number; UVU_QUEUE: (string | Runner)[][]; [REPORTER]?: (r: SkipRecord) => void };
g.UVU_DEFER = 1; // uvu then queues the file's suites instead of running them on a timer
const uvu = await import("uvu");
g.UVU_INDEX = 0;
g.UVU_QUEUE.push([file]);

const skips: SkipRecord[] = [];
g[REPORTER] = (r) => skips.push(r);
const report: { total: number; ran: number; uvuSkipped: number; skips: SkipRecord[]; loadError?: string } = { total: 0, ran: 0, uvuSkipped: 0, skips };
try {
  await import(pathToFileURL(resolve(file)).href);
  const group = g.UVU_QUEUE[0]!;
  for (let i = 1; i < group.length; i++) {
    const run = group[i] as Runner;
    group[i] = async () => {
      const r = await run();
      report.ran += r[1];
      report.uvuSkipped += r[2];
      report.total += r[3];
      return r;
    };
  }
  await uvu.exec();
} catch (e) {
  report.loadError = e instanceof Error ? (e.stack ?? e.message) : String(e);
  console.error(report.loadError);
}
writeSync(fd, JSON.stringify(report satisfies FileReport) + "\n");
