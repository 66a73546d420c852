// Test programs for the symbolizer's tests: C sources in, binaries built with gcc in a scratch directory out (an
// executable, PIE or not, and a shared library it links), each printing the addresses of its own functions.

import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The library: `lib_spin` loops forever in `spin_inner`; `lib_inner_address` gives `spin_inner`'s address. */
const LIB_C = `
static volatile unsigned long counter;
static void __attribute__((noinline)) spin_inner(void) { for (;;) counter++; }
void lib_spin(void) { spin_inner(); }
void *lib_inner_address(void) { return (void *)&spin_inner; }
`;

/** The program prints `main local_fn spin_inner` addresses on one line, then spins in the library (or in itself). */
const MAIN_C = `
#include <stdio.h>
extern void lib_spin(void);
extern void *lib_inner_address(void);
static volatile unsigned long n;
static void __attribute__((noinline)) local_fn(void) { for (;;) n++; }
int main(int argc, char **argv) {
  printf("%p %p %p\\n", (void *)&main, (void *)&local_fn, lib_inner_address());
  fflush(stdout);
  if (argc > 1) local_fn();
  lib_spin();
  return 0;
}
`;

export interface Built {
  readonly dir: string;
  /** The program, linked against `lib`, found at run time through its rpath. */
  readonly exe: string;
  readonly lib: string;
}

/** Whether gcc is here (tests skip, saying so, where it is not). */
export const hasGcc = (): boolean => spawnSync("sh", ["-c", "command -v gcc"]).status === 0;

function gcc(args: string[]): void {
  const r = spawnSync("gcc", args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`gcc ${args.join(" ")}: ${r.stderr}`);
}

/** Builds the library and the program, with -O0 -g, as a PIE or not. */
export function buildProgram(options: { pie: boolean; dir?: string }): Built {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), "tsbpf-symbols-"));
  writeFileSync(join(dir, "lib.c"), LIB_C);
  writeFileSync(join(dir, "main.c"), MAIN_C);
  const lib = join(dir, "libspin.so"), exe = join(dir, options.pie ? "spin-pie" : "spin-nopie");
  gcc(["-O0", "-g", "-fPIC", "-shared", "-o", lib, join(dir, "lib.c")]);
  gcc(["-O0", "-g", options.pie ? "-fPIE" : "-fno-PIE", options.pie ? "-pie" : "-no-pie", "-o", exe, join(dir, "main.c"),
    `-L${dir}`, "-lspin", `-Wl,-rpath,${dir}`]);
  return { dir, exe, lib };
}
