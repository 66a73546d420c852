// Child processes that check programs in parallel: jobs in, Outcomes out, in order of completion. A job that takes
// longer than the timeout is a "timeout" (its worker is killed and replaced); a worker that dies is a "crash".

import { type ChildProcess, fork } from "node:child_process";
import { join } from "node:path";
import type { Outcome } from "./check.ts";
import type { Job } from "./worker.ts";

export interface PoolOptions {
  readonly workers: number;
  /** Per program, in ms. */
  readonly timeoutMs: number;
  /** Load accepted programs into the kernel. */
  readonly kernel: boolean;
}

interface Slot {
  child: ChildProcess;
  ready: Promise<void>;
  job?: Job | undefined;
  timer?: NodeJS.Timeout | undefined;
  started: number;
  done?: ((o: Outcome) => void) | undefined;
  jobs: number;
  /** Compile time of the current job, once the worker has compiled it (then a stall is in loading). */
  compiledMs?: number | undefined;
}

const WORKER = join(import.meta.dirname, "worker.ts");
/** Restart a worker after this many programs, so that one process's heap growth never decides a result. */
const RECYCLE = 250;

export class Pool {
  private readonly slots: Slot[] = [];

  constructor(private readonly opts: PoolOptions) {
    for (let i = 0; i < opts.workers; i++) this.slots.push(this.spawn());
  }

  private spawn(): Slot {
    const child = fork(WORKER, [], {
      execArgv: ["--import", "tsx"],
      env: { ...process.env, TSBPF_FUZZ_KERNEL: this.opts.kernel ? "1" : "0" },
      stdio: ["ignore", "ignore", "pipe", "ipc"],
    });
    let stderr = "";
    child.stderr?.on("data", (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    const slot: Slot = { child, ready: Promise.resolve(), started: 0, jobs: 0 };
    let ready = () => {};
    slot.ready = new Promise((resolve) => {
      ready = resolve;
      child.on("message", (m: { ready?: boolean; id?: number; outcome?: Outcome; compiledMs?: number }) => {
        if (m.ready) return resolve();
        if (slot.job && m.id === slot.job.id && m.compiledMs !== undefined) slot.compiledMs = m.compiledMs;
        if (slot.job && m.id === slot.job.id && m.outcome) this.finish(slot, m.outcome);
      });
    });
    child.on("exit", (code, signal) => {
      ready();
      if (slot.job && slot.done) this.finish(slot, { status: "crash", ms: performance.now() - slot.started, codes: [], problem: `worker died (${signal ?? `exit ${code}`}): ${stderr.trim().split("\n").slice(-5).join("\n")}` });
    });
    return slot;
  }

  private finish(slot: Slot, outcome: Outcome): void {
    clearTimeout(slot.timer);
    const done = slot.done;
    slot.job = undefined;
    slot.done = undefined;
    slot.compiledMs = undefined;
    done?.(outcome);
  }

  /** Checks one program on a free worker (the caller keeps at most `workers` jobs in flight). */
  async run(job: Job): Promise<Outcome> {
    const index = this.slots.findIndex((s) => !s.job);
    if (index < 0) throw new Error("pool: no free worker");
    let slot = this.slots[index]!;
    if (slot.jobs >= RECYCLE || slot.child.exitCode !== null || slot.child.signalCode !== null) {
      slot.child.kill("SIGKILL");
      slot = this.slots[index] = this.spawn();
    }
    // taken now, before waiting for the worker to be ready, so that no other caller picks the same slot
    slot.job = job;
    slot.jobs++;
    await slot.ready;
    if (slot.child.exitCode !== null || slot.child.signalCode !== null) {
      slot.job = undefined;
      return { status: "crash", ms: 0, codes: [], problem: `worker died before the program was sent (${slot.child.signalCode ?? `exit ${slot.child.exitCode}`})` };
    }
    return new Promise<Outcome>((resolve) => {
      slot.done = resolve;
      slot.started = performance.now();
      slot.timer = setTimeout(() => {
        const where = slot.compiledMs === undefined ? "in the compiler" : `loading (compiled in ${slot.compiledMs.toFixed(0)} ms; the VM or the kernel's verifier)`;
        this.finish(slot, { status: "timeout", ms: slot.compiledMs ?? performance.now() - slot.started, codes: [], problem: `no answer after ${this.opts.timeoutMs} ms: stalled ${where}` });
        slot.child.kill("SIGKILL");
        if (this.slots[index] === slot) this.slots[index] = this.spawn();
      }, this.opts.timeoutMs);
      slot.child.send(job);
    });
  }

  close(): void {
    for (const s of this.slots) s.child.kill("SIGKILL");
  }
}
