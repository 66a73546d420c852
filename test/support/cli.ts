// The command line as the unit tests run it: the built CLI (bin/tsbpf.js) spawned with arguments, an environment
// and a directory, its exit status and output collected; and a way to run many such cases a few at a time.

import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `tsbpf <args>` in `cwd` with `env`; resolves when it has exited and its output is read. */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv, cwd = root): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [join(root, "bin/tsbpf.js"), ...args], { cwd, env });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d: Buffer) => (stdout += d));
    p.stderr.on("data", (d: Buffer) => (stderr += d));
    p.on("error", reject);
    p.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

/** `run` over `items`, `width` at a time (each case is a Node process; the machine is shared), results in order. */
export async function inBatches<T, R>(items: readonly T[], run: (item: T) => Promise<R>, width = 4): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await run(items[i]!);
    }
  }));
  return out;
}

/** A stack frame in a program's output: what a CLI must never print. */
export const STACK_FRAME = /^ {4}at /m;
