// Skips in tests: a reason in, a counted skip out. The one way a test says "this cannot be checked here".
//
// How to skip (in any test file, new ones too):
//
//   import { lacks, skip } from "../support/skip.ts";
//
//   test("bpftool cross-check", () => {
//     if (!tool) return skip("bpftool is not installed");   // anything but a missing kernel feature
//     ...
//   });
//   kernelTest(test, "kprobe ...", async (sys) => {
//     if (await lacks("kprobes")) return;                   // the kernel lacks a feature: probed, not assumed
//     ...
//   });
//
// - `skip(reason)` prints `  skip: <reason>` and reports the skip to `npm test` (test/run.ts), which counts it as
//   skipped, not passed, in its last line. Under CI=true it throws instead: CI runs as root on a kernel with BPF, with
//   every tool .ci/run installs, so a skip there is a failure.
// - `lacks(feature)` probes a kernel feature (cached per process). When the kernel lacks it, it records a skip that
//   is allowed under CI=true too (the CI kernel may be built without it) and returns true: the caller returns.
//   When the kernel has it, it returns false and the test runs: a present feature can never be skipped.
//   `has(feature)` is the inverse, for a test of the error a missing feature gives.
// - Never skip by a bare `return` or `console.log("skip...")`, and never with uvu's `test.skip` (it gives no
//   reason; test/run.ts fails it under CI=true).
// - A test that needs root and bpf() uses `kernelTest` (test/support/kernel.ts), which skips through `skip()`.
//
// The report channel: test/run.ts runs each test file in its own process through test/support/run-file.ts, which
// installs a reporter on globalThis (a pipe to the driver, never stdout, so no test output can forge or hide a
// count). A test file run on its own (uvu, tsx) has no reporter: the skip is only printed.

import { closeSync, existsSync, openSync } from "node:fs";

/** Where run-file.ts puts its reporter. */
export const REPORTER = Symbol.for("tsbpf.test.reporter");

export interface SkipRecord {
  readonly reason: string;
  /** A kernel feature the running kernel was probed to lack: allowed under CI=true. */
  readonly feature?: Feature;
}

type Reporter = (r: SkipRecord) => void;

export const inCI = (): boolean => process.env.CI === "true";

function record(r: SkipRecord): void {
  console.log(`\n  skip: ${r.reason}`);
  (globalThis as { [REPORTER]?: Reporter })[REPORTER]?.(r);
}

/** Skips the current test because something other than a kernel feature is missing; a failure under CI=true. */
export function skip(reason: string): void {
  if (inCI()) throw new Error(`skipped under CI=true, where nothing may be missing: ${reason}`);
  record({ reason });
}

/** Kernel features a test may lack on a kernel built without them (each with how it is probed). */
export type Feature = "kprobes" | "fentry" | "vmlinux-btf" | "cpu-pmu";

const FEATURES: Record<Feature, { readonly what: string; readonly probe: () => Promise<string | undefined> }> = {
  kprobes: {
    what: "kprobes (CONFIG_KPROBES)",
    // A kprobe PMU (4.17) or the legacy tracefs kprobe_events: the two ways to create one.
    probe: async () => {
      if (existsSync("/sys/bus/event_source/devices/kprobe/type")) return undefined;
      for (const t of ["/sys/kernel/tracing", "/sys/kernel/debug/tracing"]) if (existsSync(`${t}/kprobe_events`)) return undefined;
      return "no kprobe PMU in /sys/bus/event_source/devices and no tracefs kprobe_events";
    },
  },
  fentry: {
    what: "fentry/fexit (BPF trampolines)",
    probe: async () => (await import("./features.ts")).probeFentry(),
  },
  "vmlinux-btf": {
    what: "vmlinux BTF (CONFIG_DEBUG_INFO_BTF)",
    probe: async () => vmlinuxMissing(),
  },
  // The machine's, not the kernel's: a virtual machine without a virtual PMU has no hardware perf events.
  "cpu-pmu": {
    what: "a CPU PMU (hardware perf events)",
    probe: async () => ((await import("../../runtime/kernel/pmu.ts")).cpuPmu() ? undefined : "no core PMU in /sys/bus/event_source/devices"),
  },
};

export const VMLINUX = "/sys/kernel/btf/vmlinux";

const probed = new Map<Feature, Promise<string | undefined>>();

/** Why the running kernel lacks `f`, or undefined when it has it (probed once per process). */
export function missing(f: Feature): Promise<string | undefined> {
  let p = probed.get(f);
  if (!p) probed.set(f, (p = FEATURES[f].probe()));
  return p;
}

/** True when the running kernel lacks `f`, after recording a skip that says so (allowed under CI=true). */
export async function lacks(f: Feature): Promise<boolean> {
  const why = await missing(f);
  if (why === undefined) return false;
  record({ reason: `this kernel lacks ${FEATURES[f].what}: ${why}`, feature: f });
  return true;
}

/**
 * The inverse, for a test of what happens without `f`: true when the running kernel has it, after recording a skip
 * that says so (allowed under CI=true: the absence cannot be provoked there).
 */
export async function has(f: Feature): Promise<boolean> {
  if ((await missing(f)) !== undefined) return false;
  record({ reason: `this kernel has ${FEATURES[f].what}: the test of its absence does not apply`, feature: f });
  return true;
}

/** Synchronous `lacks("vmlinux-btf")`, for tests that are not async. */
export function lacksVmlinuxBtf(): boolean {
  const why = vmlinuxMissing();
  if (why === undefined) return false;
  record({ reason: `this kernel lacks ${FEATURES["vmlinux-btf"].what}: ${why}`, feature: "vmlinux-btf" });
  return true;
}

function vmlinuxMissing(): string | undefined {
  if (!existsSync(VMLINUX)) return `${VMLINUX} does not exist`;
  try {
    closeSync(openSync(VMLINUX, "r"));
    return undefined;
  } catch (e) {
    return `${VMLINUX} is not readable: ${(e as Error).message}`;
  }
}
