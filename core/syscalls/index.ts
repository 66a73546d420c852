// Syscall names: a syscall number and an architecture (the running one by default) in, the kernel's name for it out
// (`openat` for 257 on x86_64, for 56 on arm64), from the table generated from the kernel's headers (table.ts).
// runtime/output prints the values a tracer declares as `Syscall` through it.

import { SYSCALL_TABLES } from "./table.ts";

/** Each architecture's names indexed by number, by process.arch; built on first use. */
const byNodeArch = new Map<string, readonly (string | undefined)[] | undefined>();

/** The names of `arch`'s syscalls indexed by number (holes where there is none), or undefined for an architecture without a table. */
export function syscallNames(arch: string = process.arch): readonly (string | undefined)[] | undefined {
  if (byNodeArch.has(arch)) return byNodeArch.get(arch);
  const table = Object.values(SYSCALL_TABLES).find((t) => t.node === arch);
  let names: (string | undefined)[] | undefined;
  if (table) {
    names = [];
    for (const run of table.runs) run.names.forEach((n, i) => (names![run.first + i] = n));
  }
  byNodeArch.set(arch, names);
  return names;
}

/** The name of syscall `nr` on `arch` (process.arch by default), or undefined when it has none there. */
export function syscallName(nr: number | bigint, arch: string = process.arch): string | undefined {
  const n = typeof nr === "bigint" ? (nr >= 0n && nr < 1n << 20n ? Number(nr) : -1) : nr;
  return Number.isInteger(n) && n >= 0 ? syscallNames(arch)?.[n] : undefined;
}
