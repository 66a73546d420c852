// The USDT workload (test/fixtures/usdt/*.c) built with gcc and <sys/sdt.h> (Debian's systemtap-sdt-dev) into a
// directory: the program and its library's paths out, or the reason it cannot be built here (for skip()).

import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const SOURCES = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "usdt");

export interface UsdtApp {
  /** The program: probes app:tick, app:consts, app:guarded (with a semaphore). */
  readonly app: string;
  /** The shared library the program links: probe lib:fire. */
  readonly lib: string;
}

/** Builds the workload into `dir`, or says why it cannot. */
export function buildUsdtApp(dir: string, name = "tsbpf-usdt-app"): UsdtApp | { readonly reason: string } {
  const lib = join(dir, "libusdt-lib.so");
  const app = join(dir, name);
  const steps = [
    ["-O2", "-shared", "-fPIC", "-o", lib, join(SOURCES, "lib.c")],
    ["-O0", "-o", app, join(SOURCES, "app.c"), join(SOURCES, "sema.c"), lib, `-Wl,-rpath,${dir}`],
  ];
  for (const args of steps) {
    const r = spawnSync("gcc", args, { encoding: "utf8" });
    if (r.error) return { reason: `gcc is not installed (${r.error.message})` };
    if (r.status !== 0) {
      const missing = /sys\/sdt\.h/.test(r.stderr) ? " (<sys/sdt.h> is missing: install systemtap-sdt-dev)" : "";
      return { reason: `gcc failed${missing}: ${r.stderr.trim().split("\n").slice(-3).join(" ")}` };
    }
  }
  return { app, lib };
}
