// A fuzz worker, as a child process: jobs (a program's name and text) in over IPC, Outcomes out. The pool kills
// a worker that does not answer in time, so a compiler that stalls on one program does not stall the run.

import { Kernel } from "../../runtime/kernel/kernel.ts";
import { checkProgram } from "./check.ts";

export interface Job {
  readonly id: number;
  readonly name: string;
  readonly text: string;
}

const kernel = process.env.TSBPF_FUZZ_KERNEL === "1" ? await Kernel.open() : undefined;

process.on("message", (job: Job) => {
  void checkProgram(job.name, job.text, kernel, (ms) => process.send!({ id: job.id, compiledMs: ms })).then(
    (outcome) => process.send!({ id: job.id, outcome }),
    (e: unknown) => process.send!({ id: job.id, outcome: { status: "crash", ms: 0, codes: [], problem: `checker: ${String((e as Error)?.stack ?? e)}` } }),
  );
});
process.send!({ ready: true });
