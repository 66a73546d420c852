// Uprobe target resolution, as bpftrace does it: what the user wrote (`/opt/app/bin/server`, `bash`, `libc`,
// `libssl.so.3`) and optionally a pid in; the absolute path of the ELF file to attach to out.
//
// Order: a name containing "/" is a path; otherwise, with a pid, the files mapped by that process (so a process in
// a container resolves to its own libc, through /proc/<pid>/root); then $PATH for program names, and the dynamic
// linker's cache /etc/ld.so.cache and the standard library directories for library names.

import { accessSync, closeSync, constants, openSync, readdirSync, readFileSync, readlinkSync, readSync, statSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { ElfError, Machine } from "./elf.ts";

/** A program or library name that matched nothing. `searched` lists every place looked at, in order. */
export class LibraryNotFoundError extends ElfError {
  override name = "LibraryNotFoundError";
  constructor(readonly target: string, readonly searched: readonly string[], hint: string) {
    super(`cannot find "${target}"; searched ${searched.join(", ")}`, target, hint);
  }
}

export interface ResolveOptions {
  /** Resolve as seen by this process: its mapped files first, inside its mount namespace. */
  readonly pid?: number;
  /** The program search path; `process.env.PATH` by default. */
  readonly path?: string;
  /** The dynamic linker cache; /etc/ld.so.cache by default. */
  readonly ldCache?: string;
  /** Directories searched for libraries when the cache has no match; `defaultLibraryDirs()` by default. */
  readonly libraryDirs?: readonly string[];
}

/** One entry of /etc/ld.so.cache: a soname and the file ldconfig found for it. */
export interface LdCacheEntry {
  /** The key, a soname such as "libc.so.6". */
  readonly name: string;
  readonly path: string;
  /** FLAG_ELF_LIBC6 (3) in the low byte, the architecture/ABI (FLAG_X8664_LIB64 0x0300, ...) in the next. */
  readonly flags: number;
  readonly osVersion: number;
  /** Non-zero for entries in a glibc-hwcaps subdirectory (optimised builds for newer CPUs). */
  readonly hwcap: bigint;
}

export const LD_SO_CACHE = "/etc/ld.so.cache";

/** The two magics of the cache file. Since glibc 2.32 ldconfig writes only the new format; before, the new table
 * followed an old-format ("ld.so-1.7.0") one in the same file. */
const MAGIC_OLD = "ld.so-1.7.0";
const MAGIC_NEW = "glibc-ld.so.cache1.1";

/** FLAG_ELF_LIBC6 | the arch's FLAG_*_LIB64 from glibc's sysdeps/generic/ldconfig.h: the flags of the entries
 * the dynamic linker of a 64-bit process accepts (its `_DL_CACHE_DEFAULT_ID`). */
const CACHE_FLAGS: Record<string, number> = {
  x64: 0x0303, // FLAG_X8664_LIB64
  arm64: 0x0a03, // FLAG_AARCH64_LIB64
  s390x: 0x0403, // FLAG_S390_LIB64
  ppc64: 0x0503, // FLAG_POWERPC_LIB64
  riscv64: 0x1003, // FLAG_RISCV_FLOAT_ABI_DOUBLE
  loong64: 0x1203, // FLAG_LARCH_FLOAT_ABI_DOUBLE
};

/** e_machine of each Node architecture, to skip libraries built for another one (multilib directories). */
const MACHINES: Record<string, number> = {
  x64: Machine.X86_64, arm64: Machine.AArch64, s390x: Machine.S390, ppc64: Machine.PPC64,
  riscv64: Machine.RiscV, loong64: Machine.LoongArch,
};

/** Debian's multiarch triplets, for the directories ldconfig searches on Debian and Ubuntu. */
const TRIPLETS: Record<string, string> = {
  x64: "x86_64-linux-gnu", arm64: "aarch64-linux-gnu", s390x: "s390x-linux-gnu", ppc64: "powerpc64le-linux-gnu",
  riscv64: "riscv64-linux-gnu", loong64: "loongarch64-linux-gnu",
};

/** The ld.so.cache flags this machine's dynamic linker accepts, or undefined for an unknown architecture. */
export function ldCacheFlags(arch: string = process.arch): number | undefined {
  return CACHE_FLAGS[arch];
}

/** The standard library directories, the multiarch ones first (the order glibc's ldconfig uses on Debian). */
export function defaultLibraryDirs(arch: string = process.arch): string[] {
  const t = TRIPLETS[arch];
  return [...(t ? [`/lib/${t}`, `/usr/lib/${t}`] : []), "/lib64", "/usr/lib64", "/lib", "/usr/lib"];
}

/**
 * Parses ld.so.cache bytes (`path` only names the file in errors) into all its entries, for every architecture.
 *
 * Layout (glibc elf/dl-cache.h, little-endian here): an optional old-format table ("ld.so-1.7.0", nlibs, 12-byte
 * entries), then, 8-byte aligned, the new header: magic "glibc-ld.so.cache" + version "1.1" (20 bytes), nlibs u32,
 * len_strings u32, flags u8 + 3 padding, extension_offset u32, 3 unused u32 (48 bytes); then nlibs entries of
 * { flags i32, key u32, value u32, osversion u32, hwcap u64 } (24 bytes); then the strings. Key and value are
 * offsets of NUL-terminated strings counted from the start of the new header, not of the string table.
 */
export function parseLdCache(bytes: Uint8Array, path = LD_SO_CACHE): LdCacheEntry[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let base = 0;
  if (buf.toString("latin1", 0, MAGIC_OLD.length) === MAGIC_OLD) {
    // struct cache_file { char magic[11]; unsigned nlibs (at 12, aligned); struct file_entry libs[] (12 bytes) }
    if (buf.length < 16) throw badCache(path, "the old-format header is truncated");
    const oldCount = buf.readUInt32LE(12);
    base = (16 + oldCount * 12 + 7) & ~7;
    // A file written by an old ldconfig may hold only the old format; nothing in it is worth guessing at.
    if (buf.toString("latin1", base, base + MAGIC_NEW.length) !== MAGIC_NEW) {
      const found = buf.indexOf(MAGIC_NEW, 16, "latin1");
      if (found < 0) throw badCache(path, "it has only the pre-2.32 old format, which tsbpf does not read");
      base = found;
    }
  } else if (buf.toString("latin1", 0, MAGIC_NEW.length) !== MAGIC_NEW) {
    throw badCache(path, `it does not start with "${MAGIC_NEW}"`);
  }
  if (base + 48 > buf.length) throw badCache(path, "the header is truncated");
  const count = buf.readUInt32LE(base + 20);
  // flags: 0 unknown (older ldconfig), 1 invalid, 2 little-endian, 3 big-endian.
  const endian = buf[base + 28]!;
  if (endian === 3) throw badCache(path, "it was written for a big-endian machine");
  const entries = base + 48;
  if (entries + count * 24 > buf.length) throw badCache(path, `${count} entries do not fit in ${buf.length} bytes`);
  const str = (off: number) => {
    const start = base + off;
    if (start >= buf.length) throw badCache(path, `string offset ${off} lies past the end of the file`);
    const end = buf.indexOf(0, start);
    return buf.toString("utf8", start, end < 0 ? buf.length : end);
  };
  const out: LdCacheEntry[] = [];
  for (let i = 0; i < count; i++) {
    const o = entries + i * 24;
    out.push({
      flags: buf.readInt32LE(o),
      name: str(buf.readUInt32LE(o + 4)),
      path: str(buf.readUInt32LE(o + 8)),
      osVersion: buf.readUInt32LE(o + 12),
      hwcap: buf.readBigUInt64LE(o + 16),
    });
  }
  return out;
}

/** Reads and parses a cache file (/etc/ld.so.cache by default); throws ElfError when it is missing or corrupt. */
export function readLdCache(path = LD_SO_CACHE): LdCacheEntry[] {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new ElfError(`cannot read ${path}: ${(e as Error).message}`, path, "run ldconfig to create it");
  }
  return parseLdCache(bytes, path);
}

/** The cache entries for this machine's architecture. */
export function ldCacheEntriesForHost(entries: readonly LdCacheEntry[], arch: string = process.arch): LdCacheEntry[] {
  const want = ldCacheFlags(arch);
  return entries.filter((e) => e.flags === want);
}

/** True for a name that looks like a library rather than a program: `libc`, `libssl.so.3`, `ld-linux.so`. */
export function isLibraryName(name: string): boolean {
  return name.startsWith("lib") || /\.so(\.|$)/.test(name);
}

/**
 * Matches a library name against a file name and ranks the match: `libc` and `libc.so` match `libc.so`,
 * `libc.so.6`, `libc.so.6.1`; `libc.so.6` matches itself and `libc.so.6.*`. Returns the version numbers after
 * ".so" (the higher, the newer; an exact match outranks all), or undefined for no match.
 */
export function matchLibrary(wanted: string, fileName: string): number[] | undefined {
  if (fileName === wanted) return [Number.MAX_SAFE_INTEGER];
  const stem = /\.so(\.[0-9.]+)?$/.test(wanted) ? wanted : `${wanted}.so`;
  if (!fileName.startsWith(stem)) return undefined;
  const rest = fileName.slice(stem.length);
  if (rest === "") return [];
  if (!/^(\.[0-9]+)+$/.test(rest)) return undefined;
  return rest.slice(1).split(".").map(Number);
}

/** Compares version arrays: [6] > [5, 9] > [] . */
function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? -1) - (b[i] ?? -1);
    if (d !== 0) return d;
  }
  return 0;
}

/** Looks a program up on a search path like a shell: the first executable regular file, made absolute. */
export function findOnPath(program: string, searchPath: string = process.env.PATH ?? ""): string | undefined {
  for (const dir of searchPath.split(":")) {
    // An empty entry means the current directory, as in sh.
    const candidate = resolve(dir || ".", program);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Resolves a uprobe target to an absolute path.
 *
 * - Containing "/": a path, made absolute; it must exist. With a pid, a path that is not visible here is taken
 *   inside that process's root (/proc/<pid>/root/...).
 * - With a pid: a file mapped by the process whose name is the target (`bash`) or matches it as a library.
 * - A program name is looked up on $PATH; a library name (`lib...` or containing `.so`) in the ld.so.cache and
 *   the standard directories. Each kind falls back to the other's search.
 */
export function resolveBinary(target: string, options: ResolveOptions = {}): string {
  if (target === "") throw new ElfError("empty uprobe target", target, "name a program, a library or a path");
  if (target.includes("/")) return resolveExplicitPath(target, options.pid);
  const searched: string[] = [];
  if (options.pid !== undefined) {
    const mapped = searchMaps(target, options.pid, searched);
    if (mapped) return mapped;
  }
  const searchPath = options.path ?? process.env.PATH ?? "";
  const onPath = () => {
    searched.push(`$PATH (${searchPath})`);
    return findOnPath(target, searchPath);
  };
  const found = isLibraryName(target)
    ? searchLibrary(target, options, searched) ?? onPath()
    : onPath() ?? searchLibrary(target, options, searched);
  if (found) return found;
  throw new LibraryNotFoundError(
    target,
    searched,
    isLibraryName(target)
      ? `give the library's absolute path, or check the name with \`ldconfig -p | grep ${target}\``
      : `give the program's path (use ./${target} for a file in the current directory), or check \`command -v ${target}\``,
  );
}

// ---------------------------------------------------------------------------------------------------------------

/** The cache, then the directories; `options.pid` is not consulted here. */
function searchLibrary(name: string, options: ResolveOptions, searched: string[]): string | undefined {
  const cachePath = options.ldCache ?? LD_SO_CACHE;
  try {
    const entries = ldCacheEntriesForHost(readLdCache(cachePath));
    searched.push(`${cachePath} (${entries.length} entries for ${process.arch})`);
    let best: { path: string; version: number[]; hwcap: bigint } | undefined;
    for (const e of entries) {
      const version = matchLibrary(name, e.name);
      if (!version || !isFile(e.path)) continue;
      // Newest version first; among equal ones, the baseline build (hwcap 0) over a glibc-hwcaps variant,
      // which only CPUs with the newer instructions load.
      const c = best ? compareVersions(version, best.version) : 1;
      if (c > 0 || (c === 0 && best && best.hwcap !== 0n && e.hwcap === 0n)) best = { path: e.path, version, hwcap: e.hwcap };
    }
    if (best) return best.path;
  } catch (e) {
    searched.push(`${cachePath} (unreadable: ${(e as Error).message})`);
  }
  const dirs = options.libraryDirs ?? defaultLibraryDirs();
  searched.push(dirs.join(", "));
  const machine = MACHINES[process.arch];
  // Like the dynamic linker, the first directory with a match wins; inside it, the newest version.
  for (const dir of dirs) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    const matches = names
      .map((n) => ({ n, version: matchLibrary(name, n) }))
      .filter((m): m is { n: string; version: number[] } => m.version !== undefined)
      .sort((a, b) => compareVersions(b.version, a.version));
    for (const m of matches) {
      const p = join(dir, m.n);
      if (isElfFor(p, machine)) return p;
    }
  }
  return undefined;
}

/** Files mapped by `pid` whose name is `target` (a program) or matches it as a library; newest version first. */
function searchMaps(target: string, pid: number, searched: string[]): string | undefined {
  const mapsPath = `/proc/${pid}/maps`;
  let text: string;
  try {
    text = readFileSync(mapsPath, "utf8");
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === "ENOENT" || code === "ESRCH") {
      throw new ElfError(`process ${pid} does not exist (no ${mapsPath})`, mapsPath, "check the pid; the process may have exited");
    }
    searched.push(`${mapsPath} (unreadable: ${code ?? (e as Error).message})`);
    return undefined;
  }
  searched.push(mapsPath);
  let best: { path: string; version: number[] } | undefined;
  for (const line of text.split("\n")) {
    // address perms offset dev inode pathname — the pathname may contain spaces, so split the first five only.
    const m = /^\S+\s+\S+\s+\S+\s+\S+\s+\d+\s+(\/.*)$/.exec(line);
    if (!m) continue;
    const file = m[1]!.replace(/ \(deleted\)$/, "");
    const base = basename(file);
    const version = base === target ? [Number.MAX_SAFE_INTEGER] : matchLibrary(target, base);
    if (version && (!best || compareVersions(version, best.version) > 0)) best = { path: file, version };
  }
  return best ? pathInProcess(best.path, pid) : undefined;
}

function resolveExplicitPath(target: string, pid: number | undefined): string {
  const abs = resolve(target);
  if (pid !== undefined) {
    const inside = pathInProcess(abs, pid);
    if (inside) return inside;
  } else if (isFile(abs)) {
    return abs;
  }
  throw new ElfError(
    `${target}: no such file${pid !== undefined ? ` (here or in the root of process ${pid})` : ""}`,
    target,
    "check the path, or give a program or library name to look up",
  );
}

/**
 * The path under which this process can open `file` as process `pid` sees it. The kernel resolves a uprobe's
 * path in the attaching process's mount namespace, so a file of a container must be named through
 * /proc/<pid>/root; when both namespaces are the same (or we cannot tell), the plain path is used if it exists.
 */
function pathInProcess(file: string, pid: number): string | undefined {
  const viaRoot = `/proc/${pid}/root${file}`;
  if (sameMountNamespace(pid) === false) return isFile(viaRoot) ? viaRoot : undefined;
  if (isFile(file)) return file;
  return isFile(viaRoot) ? viaRoot : undefined;
}

function sameMountNamespace(pid: number): boolean | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/mnt`) === readlinkSync("/proc/self/ns/mnt");
  } catch {
    return undefined;
  }
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

function isExecutableFile(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** True when `p` starts with a 64-bit little-endian ELF header for `machine` (any machine when undefined). */
function isElfFor(p: string, machine: number | undefined): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(p, "r");
    const h = Buffer.alloc(20);
    if (readSync(fd, h, 0, 20, 0) < 20) return false;
    const isElf = h.readUInt32BE(0) === 0x7f454c46 && h[4] === 2 && h[5] === 1;
    return isElf && (machine === undefined || h.readUInt16LE(18) === machine);
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function badCache(path: string, detail: string): ElfError {
  return new ElfError(`${path} is not a usable glibc ld.so.cache: ${detail}`, path, "run ldconfig to rebuild it");
}
