// runtime/kernel/elf.ts and libs.ts: symbol file offsets checked against readelf and against libc as mapped in
// this very process; symbol choice rules on a hand-built ELF; ld.so.cache parsing; program and library lookup.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, isAbsolute, join } from "node:path";
import {
  ElfError, ElfType, Machine, PF_R, PF_W, PF_X, SymbolBind, SymbolType, parseElf, parseSymbolSpec, readElf,
  symbolOffset, uprobeOffset, type ElfFile,
} from "../../runtime/kernel/elf.ts";
import {
  LibraryNotFoundError, findOnPath, ldCacheEntriesForHost, ldCacheFlags, matchLibrary, parseLdCache, readLdCache,
  resolveBinary,
} from "../../runtime/kernel/libs.ts";
import { skip as skipTest } from "../support/skip.ts";

const HOST_MACHINE: Record<string, number> = { x64: Machine.X86_64, arm64: Machine.AArch64 };

const has = (cmd: string) => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
const run = (cmd: string, args: string[]) => {
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed: ${r.stderr}`);
  return r.stdout;
};
const skip = (name: string, why: string): void => skipTest(`${name}: ${why}`);

/** Calls `fn`, which must throw an ElfError; returns it. */
function elfError(fn: () => unknown): ElfError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ElfError) return e;
    throw e;
  }
  throw new assert.Assertion({ message: "expected an ElfError", operator: "throws", expects: "ElfError", actual: "no error" });
}

let libcPath: string | undefined, libcFile: ElfFile | undefined;
const libc = () => (libcPath ??= resolveBinary("libc"));
const libcElf = () => (libcFile ??= readElf(libc()));

// readelf's view, parsed from its text: the independent oracle where binutils are installed.
interface ReadelfSym { value: bigint; size: bigint; type: string; bind: string; ndx: string; name: string; version: string; hidden: boolean }
function readelfDynsyms(path: string): ReadelfSym[] {
  const out: ReadelfSym[] = [];
  for (const line of run("readelf", ["-W", "--dyn-syms", path]).split("\n")) {
    const m = /^\s*\d+:\s+([0-9a-f]+)\s+(0x[0-9a-f]+|\d+)\s+(\w+)\s+(\w+)\s+\w+\s+(\w+)\s+(\S+)/.exec(line);
    if (!m) continue;
    const full = m[6]!;
    const at = full.indexOf("@");
    out.push({
      value: BigInt("0x" + m[1]!), size: BigInt(m[2]!), type: m[3]!, bind: m[4]!, ndx: m[5]!,
      name: at < 0 ? full : full.slice(0, at), version: at < 0 ? "" : full.slice(at).replace(/^@@?/, ""),
      hidden: at >= 0 && !full.startsWith("@@", at),
    });
  }
  return out;
}
function readelfLoads(path: string): { offset: bigint; vaddr: bigint; filesz: bigint; memsz: bigint; flags: string }[] {
  const out = [];
  for (const line of run("readelf", ["-W", "-l", path]).split("\n")) {
    const m = /^\s*LOAD\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+0x[0-9a-f]+\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+([RWE ]+?)\s+0x/.exec(line);
    if (m) out.push({ offset: BigInt(m[1]!), vaddr: BigInt(m[2]!), filesz: BigInt(m[3]!), memsz: BigInt(m[4]!), flags: m[5]!.replace(/ /g, "") });
  }
  return out;
}

test("libc resolves to an existing 64-bit ELF shared library named libc.so.N", () => {
  const p = libc();
  assert.ok(isAbsolute(p), p);
  assert.ok(statSync(p).isFile(), p);
  assert.match(basename(p), /^libc\.so\.\d+$/);
  const f = libcElf();
  assert.is(f.type, ElfType.Dyn);
  const machine = HOST_MACHINE[process.arch];
  if (machine !== undefined) assert.is(f.machine, machine);
  assert.ok(f.loadSegments.some((s) => (s.flags & PF_X) !== 0), "an executable PT_LOAD");
});

test("getpid's file offset and the PT_LOAD segments agree with readelf", () => {
  if (!has("readelf")) return skip("readelf cross-check", "readelf is not installed (the /proc/self/mem test still checks the offset)");
  const f = libcElf();
  const loads = readelfLoads(libc());
  assert.equal(
    f.loadSegments.map((s) => [s.offset, s.vaddr, s.filesz, s.memsz, (s.flags & PF_R ? "R" : "") + (s.flags & PF_W ? "W" : "") + (s.flags & PF_X ? "E" : "")]),
    loads.map((s) => [s.offset, s.vaddr, s.filesz, s.memsz, s.flags]),
  );
  const ref = readelfDynsyms(libc()).find((s) => s.name === "getpid" && s.ndx !== "UND" && !s.hidden);
  assert.ok(ref, "readelf lists getpid");
  const seg = loads.find((s) => s.flags.includes("E") && ref.value >= s.vaddr && ref.value < s.vaddr + s.memsz);
  assert.ok(seg, "getpid lies in an executable segment");
  const loc = symbolOffset(f, "getpid");
  assert.is(loc.symbol.value, ref.value);
  assert.is(loc.size, ref.size);
  assert.is(loc.address, ref.value);
  assert.is(loc.offset, ref.value - seg.vaddr + seg.offset);
  assert.is(loc.symbol.type, SymbolType.Func);
});

test("getpid's code at the computed file offset is the code mapped at load bias + st_value in this process", () => {
  const f = libcElf();
  const loc = symbolOffset(f, "getpid");
  // Node links libc dynamically, so the same file is mapped here: find its mappings by inode.
  const { ino } = statSync(libc());
  const maps = readFileSync("/proc/self/maps", "utf8").split("\n").flatMap((line) => {
    const m = /^([0-9a-f]+)-[0-9a-f]+\s+\S+\s+([0-9a-f]+)\s+\S+\s+(\d+)\s+(\S.*)$/.exec(line);
    return m && Number(m[3]) === ino ? [{ start: BigInt("0x" + m[1]), offset: BigInt("0x" + m[2]) }] : [];
  });
  if (maps.length === 0) return skip("mapped-code check", `${libc()} is not mapped in this process`);
  // The load bias: where the mapping of file offset 0 starts, less the page of the first PT_LOAD's address.
  const first = maps.find((m) => m.offset === 0n);
  assert.ok(first, "libc's first page is mapped");
  const bias = first.start - (f.loadSegments[0]!.vaddr & ~0xfffn);
  const inMemory = Buffer.alloc(16);
  let fd: number;
  try {
    fd = openSync("/proc/self/mem", "r");
  } catch (e) {
    return skip("mapped-code check", `/proc/self/mem cannot be opened: ${(e as Error).message}`);
  }
  try {
    assert.is(readSync(fd, inMemory, 0, 16, Number(bias + loc.symbol.value)), 16);
  } finally {
    closeSync(fd);
  }
  const inFile = f.read(loc.offset, 16);
  assert.equal([...inFile], [...inMemory]);
  // And a wrong offset would not pass: the neighbouring bytes differ.
  assert.not.equal([...f.read(loc.offset + 16n, 16)], [...inMemory]);
});

test("a versioned name picks that version; a bare name picks the default (@@) one, as readelf shows them", () => {
  const f = libcElf();
  if (!has("readelf")) return skip("symbol version cross-check", "readelf is not installed");
  const syms = readelfDynsyms(libc()).filter((s) => s.ndx !== "UND" && s.type === "FUNC");
  const byName = new Map<string, ReadelfSym[]>();
  for (const s of syms) byName.set(s.name, [...(byName.get(s.name) ?? []), s]);
  const pair = [...byName.values()].find((l) => l.some((s) => !s.hidden) && l.some((s) => s.hidden && s.value !== l.find((d) => !d.hidden)!.value));
  if (!pair) return skip("symbol version cross-check", "this libc has no function whose versions differ in address");
  const def = pair.find((s) => !s.hidden)!, old = pair.find((s) => s.hidden && s.value !== def.value)!;
  assert.is(symbolOffset(f, def.name).symbol.value, def.value);
  assert.is(symbolOffset(f, `${def.name}@@${def.version}`).symbol.value, def.value);
  assert.is(symbolOffset(f, `${old.name}@${old.version}`).symbol.value, old.value);
  assert.equal(symbolOffset(f, `${old.name}@${old.version}`).symbol.version, { name: old.version, hidden: true });
  // A version nobody carries is stripped, as documented: the name alone decides.
  assert.is(symbolOffset(f, `${def.name}@NO_SUCH_VERSION`).symbol.value, def.value);
});

test("a misspelled symbol names the file and suggests the closest function names", () => {
  const e = elfError(() => symbolOffset(libcElf(), "getaddrinf"));
  assert.ok(e.message.startsWith(`symbol "getaddrinf" not found in ${libc()}; did you mean getaddrinfo`), e.message);
  assert.is(e.suggestions[0], "getaddrinfo");
  assert.ok(e.suggestions.length <= 3);
  // What was typed may be the start of the name rather than a typo.
  assert.is(elfError(() => symbolOffset(libcElf(), "getaddr")).suggestions[0], "getaddrinfo");
  const none = elfError(() => symbolOffset(libcElf(), "zzqqxxjjwwvv_nothing_like_it"));
  assert.not.match(none.message, /did you mean/);
});

test("files that are not 64-bit little-endian ELF are rejected with a clear message", () => {
  const dir = mkdtempSync(join(tmpdir(), "tsbpf-elf-"));
  try {
    const text = join(dir, "notes.txt");
    writeFileSync(text, "hello, not an ELF\n");
    assert.match(elfError(() => readElf(text)).message, `${text} is not an ELF file`);
    assert.match(elfError(() => readElf(join(dir, "missing"))).message, /missing: no such file/);
    assert.match(elfError(() => readElf(dir)).message, /is a directory/);
    const ident = (cls: number, data: number) => Uint8Array.from([0x7f, 0x45, 0x4c, 0x46, cls, data, 1, ...new Array(57).fill(0)]);
    assert.match(elfError(() => parseElf(ident(1, 1), "elf32")).message, "elf32 is not a 64-bit little-endian ELF (it is 32-bit little-endian)");
    assert.match(elfError(() => parseElf(ident(2, 2), "be64")).message, "be64 is not a 64-bit little-endian ELF (it is 64-bit big-endian)");
    assert.match(elfError(() => parseElf(ident(2, 1).subarray(0, 40), "short")).message, /malformed.*truncated/);
    // A valid header whose section table lies past the end of the file.
    const bad = Buffer.from(buildElf([]));
    bad.writeBigUInt64LE(BigInt(bad.length), 40);
    assert.match(elfError(() => parseElf(bad, "cut")).message, /cut is a malformed ELF file: the section header table lies past the end/);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test("a stripped file is searched through .dynsym (libc's getaddrinfo with .symtab removed)", () => {
  // Turn every SHT_SYMTAB into SHT_NULL in a copy, so the lookup can only succeed through .dynsym even on a
  // distribution whose libc keeps its full symbol table.
  const bytes = Buffer.from(readFileSync(libc()));
  const shoff = Number(bytes.readBigUInt64LE(40)), shentsize = bytes.readUInt16LE(58), shnum = bytes.readUInt16LE(60);
  for (let i = 0; i < shnum; i++) if (bytes.readUInt32LE(shoff + i * shentsize + 4) === 2) bytes.writeUInt32LE(0, shoff + i * shentsize + 4);
  const stripped = parseElf(bytes, libc());
  assert.not.ok(stripped.hasSymtab);
  const loc = symbolOffset(stripped, "getaddrinfo");
  assert.is(loc.symbol.table, "dynsym");
  assert.is(loc.symbol.type, SymbolType.Func);
  assert.is(loc.symbol.bind, SymbolBind.Global);
  assert.is(loc.offset, symbolOffset(libcElf(), "getaddrinfo").offset);
  if (has("readelf")) {
    const ref = readelfDynsyms(libc()).find((s) => s.name === "getaddrinfo" && s.ndx !== "UND" && !s.hidden);
    assert.is(loc.symbol.value, ref?.value);
  }
  assert.match(elfError(() => symbolOffset(stripped, "no_such_function_here")).hint ?? "", /stripped \(no \.symtab\)/);
});

test("the ld.so.cache has libc.so.6 for this machine, and every entry's file exists", () => {
  const all = readLdCache();
  const here = ldCacheEntriesForHost(all);
  if (process.arch === "x64") assert.is(ldCacheFlags(), 0x0303);
  if (process.arch === "arm64") assert.is(ldCacheFlags(), 0x0a03);
  const libc6 = here.filter((e) => e.name === "libc.so.6");
  assert.ok(libc6.length >= 1, "an entry for libc.so.6");
  for (const e of all) assert.ok(statSync(e.path).isFile(), `${e.name} => ${e.path} exists`);
  // ldconfig -p prints the same table; where it is installed, the libc.so.6 lines must agree.
  if (has("ldconfig")) {
    const listed = run("ldconfig", ["-p"]).split("\n").filter((l) => /^\s*libc\.so\.6 \(/.test(l)).map((l) => l.split("=> ")[1]!.trim());
    assert.equal(new Set(listed), new Set(all.filter((e) => e.name === "libc.so.6").map((e) => e.path)));
  }
});

test("the ld.so.cache parser reads the new table after an old-format prefix, with offsets from the new header", () => {
  const bytes = buildLdCache([
    { flags: 0x0303, name: "libfoo.so.1", path: "/opt/x86/libfoo.so.1" },
    { flags: 0x0a03, name: "libfoo.so.1", path: "/opt/arm/libfoo.so.1" },
  ], true);
  const entries = parseLdCache(bytes, "test-cache");
  assert.equal(entries.map((e) => [e.flags, e.name, e.path]), [
    [0x0303, "libfoo.so.1", "/opt/x86/libfoo.so.1"],
    [0x0a03, "libfoo.so.1", "/opt/arm/libfoo.so.1"],
  ]);
  assert.equal(ldCacheEntriesForHost(entries, "arm64").map((e) => e.path), ["/opt/arm/libfoo.so.1"]);
  assert.equal(parseLdCache(buildLdCache([{ flags: 0x0303, name: "a.so", path: "/a.so" }], false)).map((e) => e.path), ["/a.so"]);
  assert.match(elfError(() => parseLdCache(Buffer.from("garbage garbage garbage"), "junk")).message, /junk is not a usable glibc ld.so.cache/);
});

test("library names match sonames the way bpftrace users write them", () => {
  assert.equal(matchLibrary("libc", "libc.so.6"), [6]);
  assert.equal(matchLibrary("libc.so", "libc.so.6"), [6]);
  assert.ok(matchLibrary("libc.so.6", "libc.so.6")!.length === 1);
  assert.is(matchLibrary("libc", "libcap.so.2"), undefined);
  assert.is(matchLibrary("libc.so.6", "libc.so.7"), undefined);
  assert.is(matchLibrary("libc", "libc.so.6.bak"), undefined);
  assert.equal(matchLibrary("libstdc++", "libstdc++.so.6.0.33"), [6, 0, 33]);
  const dirs = { ldCache: "/nonexistent/ld.so.cache" } as const;
  // Without the cache, the directory search must skip the `libc.so` linker script and find the real library.
  assert.match(basename(resolveBinary("libc", dirs)), /^libc\.so\.\d+$/);
  assert.is(resolveBinary("libc.so.6"), resolveBinary("libc"));
  assert.match(basename(resolveBinary("libpthread")), /^libpthread\.so\.\d+$/);
});

test("library lookup: newest soname in the cache, baseline over hwcaps, then directories with ELF files only", () => {
  const dir = mkdtempSync(join(tmpdir(), "tsbpf-libs-"));
  try {
    const machine = HOST_MACHINE[process.arch] ?? Machine.X86_64;
    const elf = buildElf([], machine);
    const file = (name: string, bytes: Uint8Array | string) => (writeFileSync(join(dir, name), bytes), join(dir, name));
    const v1 = file("libfoo.so.1", elf), v2 = file("libfoo.so.2", elf), v2h = file("libfoo.so.2-hwcaps", elf);
    const cache = file("ld.so.cache", buildLdCache([
      { flags: ldCacheFlags() ?? 0x0303, name: "libfoo.so.1", path: v1 },
      { flags: ldCacheFlags() ?? 0x0303, name: "libfoo.so.2", path: v2h, hwcap: 1n << 62n },
      { flags: ldCacheFlags() ?? 0x0303, name: "libfoo.so.2", path: v2 },
      { flags: 0x0b03, name: "libfoo.so.3", path: v1 }, // another ABI: ignored
    ], false));
    // No directories: only the cache can answer.
    const opts = { ldCache: cache, libraryDirs: [] } as const;
    assert.is(resolveBinary("libfoo", opts), v2);
    assert.is(resolveBinary("libfoo.so.1", opts), v1);
    assert.throws(() => resolveBinary("libfoo.so.3", opts), (e: unknown) => e instanceof LibraryNotFoundError);
    // Directory search: the `.so` linker script and a newer 32-bit build are not libraries this process loads.
    file("libbar.so", "/* GNU ld script */ GROUP ( libbar.so.1 )\n");
    const bar1 = file("libbar.so.1", elf);
    const elf32 = Buffer.from(elf);
    elf32[4] = 1;
    file("libbar.so.2", elf32);
    const noCache = { ldCache: join(dir, "missing-cache"), libraryDirs: [dir] } as const;
    assert.is(resolveBinary("libbar.so", noCache), bar1);
    assert.is(resolveBinary("libbar", noCache), bar1);
    assert.match(elfError(() => resolveBinary("libbaz", noCache)).message, /missing-cache \(unreadable/);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test("bash resolves like the shell's PATH lookup; unknown names say what was searched", () => {
  const r = spawnSync("sh", ["-c", "command -v bash"], { encoding: "utf8" });
  const expected = r.status === 0 ? r.stdout.trim() : undefined;
  if (expected) {
    assert.is(resolveBinary("bash"), expected);
    assert.is(findOnPath("bash"), expected);
  } else {
    assert.throws(() => resolveBinary("bash"), (e: unknown) => e instanceof LibraryNotFoundError);
  }
  assert.is(resolveBinary("./package.json"), join(process.cwd(), "package.json"));
  const e = elfError(() => resolveBinary("libdefinitely_not_here"));
  assert.ok(e instanceof LibraryNotFoundError);
  assert.match(e.message, /cannot find "libdefinitely_not_here"; searched \/etc\/ld\.so\.cache/);
  assert.match(e.hint ?? "", /ldconfig -p/);
  assert.match(elfError(() => resolveBinary("/no/such/binary")).message, "/no/such/binary: no such file");
  assert.match(elfError(() => resolveBinary("program_that_does_not_exist_1", { path: "/nonexistent" })).hint ?? "", /command -v/);
});

test("with a pid, a library resolves to the file that process maps", () => {
  const p = resolveBinary("libc", { pid: process.pid });
  const mapped = readFileSync("/proc/self/maps", "utf8").split("\n").some((l) => l.endsWith(` ${p}`) || l.endsWith(`/root${p}`));
  assert.ok(mapped, `${p} is mapped by this process`);
  assert.is(statSync(p).ino, statSync(libc()).ino);
  assert.match(elfError(() => resolveBinary("libc", { pid: 0x3fffffff })).message, /process 1073741823 does not exist/);
});

test("symbol choice: defined over imported, FUNC over OBJECT, non-zero, GLOBAL > WEAK > LOCAL, default version", () => {
  const TEXT = 0x401000n, TEXT_OFF = 0x200n;
  const f = parseElf(buildElf([
    { name: "dup", value: 0x401010, type: SymbolType.Func, bind: SymbolBind.Local },
    { name: "dup", value: 0x401020, type: SymbolType.Func, bind: SymbolBind.Weak },
    { name: "dup", value: 0x401030, size: 16, type: SymbolType.Func, bind: SymbolBind.Global },
    { name: "mixed", value: 0x401040, type: SymbolType.Object, bind: SymbolBind.Global },
    { name: "mixed", value: 0x401050, type: SymbolType.Func, bind: SymbolBind.Local },
    { name: "zero", value: 0, type: SymbolType.Func, bind: SymbolBind.Global },
    { name: "zero", value: 0x401060, type: SymbolType.Func, bind: SymbolBind.Weak },
    { name: "imported", value: 0, type: SymbolType.Func, bind: SymbolBind.Global, shndx: 0 },
    { name: "ver@V1", value: 0x401070, type: SymbolType.Func, bind: SymbolBind.Global },
    { name: "ver@@V2", value: 0x401080, type: SymbolType.Func, bind: SymbolBind.Global },
    { name: "inbss", value: 0x402080, type: SymbolType.Object, bind: SymbolBind.Global },
    { name: "wl", value: 0x4010a0, type: SymbolType.Func, bind: SymbolBind.Local },
    { name: "wl", value: 0x401090, type: SymbolType.Func, bind: SymbolBind.Weak },
  ]), "fixture");
  assert.is(f.type, ElfType.Exec);
  const off = (name: string) => symbolOffset(f, name).offset;
  // The executable segment maps file offset 0x200 at 0x401000, so offset = value - 0x401000 + 0x200 (and not
  // the read-only alias segment listed before it, nor the address itself).
  assert.is(off("dup"), 0x401030n - TEXT + TEXT_OFF);
  assert.is(off("mixed"), 0x401050n - TEXT + TEXT_OFF);
  assert.is(off("zero"), 0x401060n - TEXT + TEXT_OFF);
  assert.is(off("wl"), 0x401090n - TEXT + TEXT_OFF);
  assert.is(off("ver"), 0x401080n - TEXT + TEXT_OFF);
  assert.is(off("ver@@V2"), 0x401080n - TEXT + TEXT_OFF);
  assert.is(off("ver@V1"), 0x401070n - TEXT + TEXT_OFF);
  assert.is(off("ver@V7"), 0x401080n - TEXT + TEXT_OFF);
  // The bytes there are what the fixture wrote at that place of .text (byte i of .text is i & 0xff).
  assert.equal([...f.read(off("dup"), 2)], [0x30, 0x31]);
  // name+offset
  const plus = uprobeOffset(f, "dup+0x4");
  assert.is(plus.offset, 0x401034n - TEXT + TEXT_OFF);
  assert.is(plus.address, 0x401034n);
  assert.is(uprobeOffset(f, "ver@V1+2").offset, 0x401072n - TEXT + TEXT_OFF);
  assert.match(elfError(() => uprobeOffset(f, "dup+16")).message, /offset 0x10 is outside dup in fixture, which is 16 bytes long/);
  const imported = elfError(() => symbolOffset(f, "imported"));
  assert.match(imported.message, /symbol "imported" is not defined in fixture: the file imports it/);
  assert.match(elfError(() => symbolOffset(f, "inbss")).message, /zero-filled memory/);
  assert.equal(elfError(() => symbolOffset(f, "dupp")).suggestions, ["dup"]);
});

test("symbol specs split into name, version and offset", () => {
  assert.equal(parseSymbolSpec("getpid"), { name: "getpid", addend: 0n });
  assert.equal(parseSymbolSpec("fmemopen@GLIBC_2.2.5"), { name: "fmemopen", version: "GLIBC_2.2.5", addend: 0n });
  assert.equal(parseSymbolSpec("memcpy@@GLIBC_2.14+0x10"), { name: "memcpy", version: "GLIBC_2.14", addend: 16n });
  assert.equal(parseSymbolSpec("f+12"), { name: "f", addend: 12n });
});

// ---------------------------------------------------------------------------------------------------------------
// Fixtures written byte by byte from the ELF64 and ld.so.cache layouts.

interface FixtureSym { name: string; value: number; size?: number; type: SymbolType; bind: SymbolBind; shndx?: number }

/**
 * An ET_EXEC file for `machine` with four PT_LOADs — R at 0x400000 (offset 0); a read-only alias of the text
 * range, R at 0x401000 from offset 0, which only the PF_X rule tells apart; R+X at 0x401000 (offset 0x200,
 * 0x100 bytes, .text); RW at 0x402000 (offset 0x300, 0x10 bytes in the file, 0x100 in memory) — and a .symtab.
 */
function buildElf(syms: readonly FixtureSym[], machine: number = Machine.X86_64): Uint8Array {
  const strtab = [0];
  const nameOff = syms.map((s) => {
    const o = strtab.length;
    strtab.push(...Buffer.from(s.name), 0);
    return o;
  });
  const shstrNames = ["", ".text", ".symtab", ".strtab", ".shstrtab"];
  const shstr: number[] = [];
  const shName = shstrNames.map((n) => {
    const o = shstr.length;
    shstr.push(...Buffer.from(n), 0);
    return o;
  });
  const symtabOff = 0x400, symtabSize = (syms.length + 1) * 24;
  const strtabOff = symtabOff + symtabSize, shstrOff = strtabOff + strtab.length;
  const shoff = (shstrOff + shstr.length + 7) & ~7;
  const b = Buffer.alloc(shoff + 5 * 64);
  b.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1], 0);
  b.writeUInt16LE(2, 16); // ET_EXEC
  b.writeUInt16LE(machine, 18);
  b.writeUInt32LE(1, 20);
  b.writeBigUInt64LE(0x401000n, 24);
  b.writeBigUInt64LE(64n, 32); // e_phoff
  b.writeBigUInt64LE(BigInt(shoff), 40);
  b.writeUInt16LE(64, 52);
  b.writeUInt16LE(56, 54);
  b.writeUInt16LE(4, 56);
  b.writeUInt16LE(64, 58);
  b.writeUInt16LE(5, 60);
  b.writeUInt16LE(4, 62);
  const phdr = (i: number, flags: number, offset: number, vaddr: number, filesz: number, memsz: number) => {
    const o = 64 + i * 56;
    b.writeUInt32LE(1, o);
    b.writeUInt32LE(flags, o + 4);
    b.writeBigUInt64LE(BigInt(offset), o + 8);
    b.writeBigUInt64LE(BigInt(vaddr), o + 16);
    b.writeBigUInt64LE(BigInt(vaddr), o + 24);
    b.writeBigUInt64LE(BigInt(filesz), o + 32);
    b.writeBigUInt64LE(BigInt(memsz), o + 40);
    b.writeBigUInt64LE(0x1000n, o + 48);
  };
  phdr(0, PF_R, 0, 0x400000, 0x200, 0x200);
  phdr(1, PF_R, 0, 0x401000, 0x100, 0x100);
  phdr(2, PF_R | PF_X, 0x200, 0x401000, 0x100, 0x100);
  phdr(3, PF_R | PF_W, 0x300, 0x402000, 0x10, 0x100);
  for (let i = 0; i < 0x100; i++) b[0x200 + i] = i;
  syms.forEach((s, i) => {
    const o = symtabOff + (i + 1) * 24;
    b.writeUInt32LE(nameOff[i]!, o);
    b[o + 4] = (s.bind << 4) | s.type;
    b.writeUInt16LE(s.shndx ?? 1, o + 6);
    b.writeBigUInt64LE(BigInt(s.value), o + 8);
    b.writeBigUInt64LE(BigInt(s.size ?? 8), o + 16);
  });
  b.set(strtab, strtabOff);
  b.set(shstr, shstrOff);
  const shdr = (i: number, type: number, flags: number, addr: number, offset: number, size: number, link = 0, entsize = 0) => {
    const o = shoff + i * 64;
    b.writeUInt32LE(shName[i]!, o);
    b.writeUInt32LE(type, o + 4);
    b.writeBigUInt64LE(BigInt(flags), o + 8);
    b.writeBigUInt64LE(BigInt(addr), o + 16);
    b.writeBigUInt64LE(BigInt(offset), o + 24);
    b.writeBigUInt64LE(BigInt(size), o + 32);
    b.writeUInt32LE(link, o + 40);
    b.writeBigUInt64LE(BigInt(entsize), o + 56);
  };
  shdr(1, 1, 6, 0x401000, 0x200, 0x100); // .text, SHF_ALLOC | SHF_EXECINSTR
  shdr(2, 2, 0, 0, symtabOff, symtabSize, 3, 24); // .symtab -> .strtab
  shdr(3, 3, 0, 0, strtabOff, strtab.length);
  shdr(4, 3, 0, 0, shstrOff, shstr.length);
  return b;
}

/** A glibc ld.so.cache, optionally behind a one-entry old-format table as glibc < 2.32 wrote it. */
function buildLdCache(entries: readonly { flags: number; name: string; path: string; hwcap?: bigint }[], withOld: boolean): Uint8Array {
  const oldPart = withOld ? (() => {
    const o = Buffer.alloc(16 + 12 + 4); // header, one 12-byte entry, padding to 8
    o.write("ld.so-1.7.0", 0, "latin1");
    o.writeUInt32LE(1, 12);
    return o;
  })() : Buffer.alloc(0);
  const headerAndEntries = 48 + entries.length * 24;
  const strings: number[] = [];
  const at = (s: string) => {
    const o = headerAndEntries + strings.length; // offsets count from the new header
    strings.push(...Buffer.from(s), 0);
    return o;
  };
  const n = Buffer.alloc(headerAndEntries);
  n.write("glibc-ld.so.cache1.1", 0, "latin1");
  n.writeUInt32LE(entries.length, 20);
  entries.forEach((e, i) => {
    const o = 48 + i * 24;
    n.writeInt32LE(e.flags, o);
    n.writeUInt32LE(at(e.name), o + 4);
    n.writeUInt32LE(at(e.path), o + 8);
    n.writeBigUInt64LE(e.hwcap ?? 0n, o + 16);
  });
  n.writeUInt32LE(strings.length, 24);
  n[28] = 2; // little-endian
  return Buffer.concat([oldPart, n, Buffer.from(strings)]);
}

test.run();
