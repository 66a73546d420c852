// The kernel's syscall numbers as its uapi headers define them: an architecture in, number → name out, read from the
// headers installed on this machine through the C preprocessor (so that the header's own conditionals decide, as for
// a C program built for that architecture). Used by `npm run gen:syscalls` (generate.ts) and by the test that checks
// the committed table against the headers; nothing at run time reads headers.
//
// x86_64 numbers its syscalls in asm/unistd_64.h (generated from arch/x86/entry/syscalls/syscall_64.tbl). arm64 has
// no table of its own: its asm/unistd.h defines which optional calls it wants (`__ARCH_WANT_RENAMEAT`, ...) and
// includes asm-generic/unistd.h, whose numbers every newer architecture shares; `__NR_fstat` and the other calls that
// differ between 32 and 64 bits are aliases of `__NR3264_*` there. On another architecture, its headers come from the
// cross package (Debian: linux-libc-dev-arm64-cross, linux-libc-dev-amd64-cross).

import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** An architecture whose table is generated: its header, and where Debian installs it natively and for cross builds. */
export interface SyscallArch {
  /** The kernel's name for it (`uname -m` says aarch64 for arm64). */
  readonly name: string;
  /** Node's process.arch. */
  readonly node: string;
  /** The header, relative to an include directory. */
  readonly header: string;
  /** The multiarch triplet: /usr/include/<triplet> natively, /usr/<triplet>/include for the cross package. */
  readonly triplet: string;
  /** The Debian package that installs the headers on another architecture. */
  readonly crossPackage: string;
}

export const SYSCALL_ARCHES: readonly SyscallArch[] = [
  { name: "x86_64", node: "x64", header: "asm/unistd_64.h", triplet: "x86_64-linux-gnu", crossPackage: "linux-libc-dev-amd64-cross" },
  { name: "arm64", node: "arm64", header: "asm/unistd.h", triplet: "aarch64-linux-gnu", crossPackage: "linux-libc-dev-arm64-cross" },
];

/**
 * Macros named `__NR_*` that are not syscalls: asm-generic's count of syscall numbers, and the first number it leaves
 * to an architecture's own calls (arm64 has none there).
 */
const NOT_SYSCALLS = new Set(["syscalls", "arch_specific_syscall"]);

/** A table read from headers, or why it could not be. */
export type HeaderTable =
  | { readonly names: ReadonlyMap<number, string>; readonly header: string; readonly linux: string }
  | { readonly missing: string };

/** The include directories holding `arch`'s headers on this machine (native first), or undefined when none does. */
export function includeDirs(arch: SyscallArch, root = "/usr"): string[] | undefined {
  const native = [join(root, "include", arch.triplet), join(root, "include")];
  if (existsSync(join(native[0]!, arch.header))) return native;
  const cross = [join(root, arch.triplet, "include")];
  if (existsSync(join(cross[0]!, arch.header))) return cross;
  return undefined;
}

/** `arch`'s syscall numbers from the headers installed on this machine, or what is missing to read them. */
export function readHeaderTable(arch: SyscallArch): HeaderTable {
  const dirs = includeDirs(arch);
  if (!dirs) {
    return { missing: `no ${arch.header} for ${arch.name} under /usr/include/${arch.triplet} or /usr/${arch.triplet}/include (install linux-libc-dev on ${arch.name}, ${arch.crossPackage} elsewhere)` };
  }
  const header = join(dirs[0]!, arch.header);
  let macros: string;
  try {
    // -dM: the macros defined at the end, instead of the preprocessed text; -nostdinc: only this architecture's headers.
    macros = execFileSync("cpp", ["-dM", "-nostdinc", ...dirs.flatMap((d) => ["-I", d]), header], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string };
    if (err.code === "ENOENT") return { missing: "no C preprocessor (cpp) to read the headers with (install cpp or gcc)" };
    throw new Error(`cpp could not read ${header}: ${String(err.stderr ?? err.message).trim()}`);
  }
  return { names: syscallMacros(macros, header), header, linux: linuxVersion(dirs) };
}

/** The kernel version of the headers (`6.1`), from linux/version.h beside them; "?" when there is none. */
function linuxVersion(dirs: readonly string[]): string {
  for (const d of dirs) {
    const file = join(d, "linux", "version.h");
    if (!existsSync(file)) continue;
    const code = /^#define LINUX_VERSION_CODE (\d+)$/m.exec(readFileSync(file, "utf8"))?.[1];
    if (code !== undefined) return `${Number(code) >> 16}.${(Number(code) >> 8) & 0xff}`;
  }
  return "?";
}

/**
 * The syscalls among `#define` lines (cpp -dM's output): each `__NR_<name>` whose value is a number or, through other
 * macros, resolves to one. Two names for one number, or a value that is no number, mean the header is not what this
 * reader expects: an error rather than a table that might be wrong.
 */
export function syscallMacros(defines: string, from: string): Map<number, string> {
  const macros = new Map<string, string>();
  for (const m of defines.matchAll(/^#define (\w+) (.*)$/gm)) macros.set(m[1]!, m[2]!.trim());
  const resolve = (value: string, seen: number): number | undefined => {
    if (/^\d+$/.test(value)) return Number(value);
    const next = macros.get(value);
    return next !== undefined && seen < 16 ? resolve(next, seen + 1) : undefined;
  };
  const names = new Map<number, string>();
  for (const [macro, value] of macros) {
    const name = /^__NR_(\w+)$/.exec(macro)?.[1];
    if (name === undefined || NOT_SYSCALLS.has(name)) continue;
    const nr = resolve(value, 0);
    if (nr === undefined) throw new Error(`${from}: ${macro} is ${value}, not a number`);
    const other = names.get(nr);
    if (other !== undefined) throw new Error(`${from}: ${other} and ${name} are both syscall ${nr}`);
    names.set(nr, name);
  }
  return new Map([...names].sort(([a], [b]) => a - b));
}
