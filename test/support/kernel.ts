// Whether kernel tests can run here: root and a working bpf(2). Kernel tests run whenever they can; they skip
// (saying why) only where they cannot, and under CI=true a skip is a failure (CI runs as root with BPF).

import { test as uvuTest } from "uvu";
import { mapCreate } from "../../runtime/kernel/bpf.ts";
import { linuxSys, type Sys } from "../../runtime/kernel/sys.ts";
import { inCI, skip } from "./skip.ts";

export type KernelAvailability = { readonly ok: true; readonly sys: Sys } | { readonly ok: false; readonly reason: string };

let availability: Promise<KernelAvailability> | undefined;

export function kernel(): Promise<KernelAvailability> {
  availability ??= (async () => {
    if (process.platform !== "linux") return { ok: false, reason: "not Linux" };
    if (process.getuid?.() !== 0) return { ok: false, reason: "not running as root" };
    let sys: Sys;
    try {
      sys = await linuxSys();
    } catch (e) {
      return { ok: false, reason: `cannot load the syscall layer: ${(e as Error).message}` };
    }
    try {
      sys.close(mapCreate(sys, { type: 2, keySize: 4, valueSize: 4, maxEntries: 1 }));
    } catch (e) {
      return { ok: false, reason: `bpf() does not work here: ${(e as Error).message}` };
    }
    return { ok: true, sys };
  })();
  return availability;
}

export { inCI };

/**
 * Registers a kernel test on a uvu suite: it runs when the kernel is available, and otherwise skips saying why
 * (test/support/skip.ts: counted by npm test, a failure under CI=true).
 */
export function kernelTest(suite: typeof uvuTest, name: string, fn: (sys: Sys) => unknown | Promise<unknown>): void {
  suite(name, async () => {
    const k = await kernel();
    if (k.ok) {
      await fn(k.sys);
      return;
    }
    skip(`${name}: ${k.reason}`);
  });
}
