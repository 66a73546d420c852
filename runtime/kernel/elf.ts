// ELF64 little-endian reader for uprobes: a file (path or bytes) in; its type, machine, PT_LOAD segments, sections
// and .symtab/.dynsym symbols out, and the file offset a uprobe on a symbol attaches at (`symbolOffset`).
//
// The file is read once into a Buffer. Headers are decoded eagerly (they are small); symbols, symbol versions and
// the name index are decoded on first use, so opening libc (~2 MB, ~3,000 dynamic symbols) costs a read and a few
// hundred small objects.

import { readFileSync } from "node:fs";
import { BpfError } from "./errors.ts";

/** An unreadable, malformed or unsuitable ELF file, or a symbol that is not in it. The message says what to do. */
export class ElfError extends BpfError {
  override name = "ElfError";
  constructor(
    message: string,
    /** The file concerned. */
    readonly path: string,
    hint?: string,
    /** Close names, for a symbol that was not found. */
    readonly suggestions: readonly string[] = [],
  ) {
    super(message, `read ${path}`, hint);
  }
}

/** A symbol the file does not define (absent, imported from a library, or no symbol table to look in). */
export class SymbolNotFoundError extends ElfError {
  override name = "SymbolNotFoundError";
}

/** e_type. */
export enum ElfType {
  /** ET_REL: an object file; symbol values are offsets into their section. */
  Rel = 1,
  /** ET_EXEC: a position-dependent executable; symbol values are absolute addresses. */
  Exec = 2,
  /** ET_DYN: a shared library or a position-independent executable. */
  Dyn = 3,
  /** ET_CORE. */
  Core = 4,
}

/** e_machine values of the 64-bit architectures that run eBPF. */
export enum Machine {
  /** EM_PPC64 */
  PPC64 = 21,
  /** EM_S390 */
  S390 = 22,
  /** EM_X86_64 */
  X86_64 = 62,
  /** EM_AARCH64 */
  AArch64 = 183,
  /** EM_BPF */
  BPF = 247,
  /** EM_RISCV */
  RiscV = 243,
  /** EM_LOONGARCH */
  LoongArch = 258,
}

/** p_type of a loadable segment. */
export const PT_LOAD = 1;
/** p_flags bits. */
export const PF_X = 1, PF_W = 2, PF_R = 4;

/** sh_type values the reader uses. */
export enum SectionType {
  Null = 0,
  Progbits = 1,
  /** SHT_SYMTAB: the full symbol table, removed by `strip`. */
  Symtab = 2,
  Strtab = 3,
  /** SHT_NOBITS: occupies no file space (.bss). */
  Nobits = 8,
  /** SHT_DYNSYM: the exported and imported symbols; survives `strip`. */
  Dynsym = 11,
  /** SHT_GNU_verdef: the versions this file defines. */
  GnuVerdef = 0x6ffffffd,
  /** SHT_GNU_verneed: the versions this file needs, per library. */
  GnuVerneed = 0x6ffffffe,
  /** SHT_GNU_versym: one version index per .dynsym entry. */
  GnuVersym = 0x6fffffff,
}

/** STT_* (the low nibble of st_info). */
export enum SymbolType {
  NoType = 0,
  Object = 1,
  Func = 2,
  Section = 3,
  File = 4,
  Common = 5,
  Tls = 6,
  /** STT_GNU_IFUNC: the symbol's code is a resolver that returns the implementation's address; a uprobe on it
   * fires when the dynamic linker resolves the symbol, not on every call. */
  GnuIfunc = 10,
}

/** STB_* (the high nibble of st_info). */
export enum SymbolBind {
  Local = 0,
  Global = 1,
  Weak = 2,
  /** STB_GNU_UNIQUE: a global the dynamic linker keeps unique process-wide. */
  GnuUnique = 10,
}

/** Special section indices. */
export const SHN_UNDEF = 0, SHN_ABS = 0xfff1, SHN_COMMON = 0xfff2, SHN_XINDEX = 0xffff;

export interface ProgramHeader {
  readonly type: number;
  /** PF_R | PF_W | PF_X. */
  readonly flags: number;
  readonly offset: bigint;
  readonly vaddr: bigint;
  readonly filesz: bigint;
  readonly memsz: bigint;
  readonly align: bigint;
}

export interface SectionHeader {
  readonly index: number;
  readonly name: string;
  readonly type: number;
  /** SHF_WRITE 1, SHF_ALLOC 2, SHF_EXECINSTR 4, ... */
  readonly flags: bigint;
  readonly addr: bigint;
  readonly offset: bigint;
  readonly size: bigint;
  readonly link: number;
  readonly info: number;
  readonly entsize: bigint;
}

/** A GNU symbol version: `name@VERSION` (hidden, an older ABI kept for old binaries) or `name@@VERSION`
 * (the default, what a program linked today binds to). */
export interface SymbolVersion {
  readonly name: string;
  readonly hidden: boolean;
  /** For an imported symbol, the library that must provide the version (from .gnu.version_r): "libc.so.6". */
  readonly file?: string;
}

export interface ElfSymbol {
  /** Without any `@VERSION` suffix; see `version`. */
  readonly name: string;
  readonly value: bigint;
  readonly size: bigint;
  readonly type: SymbolType;
  readonly bind: SymbolBind;
  /** STV_DEFAULT 0, STV_INTERNAL 1, STV_HIDDEN 2, STV_PROTECTED 3. */
  readonly visibility: number;
  /** Section index; SHN_UNDEF (0) for a symbol this file imports. */
  readonly shndx: number;
  readonly table: "symtab" | "dynsym";
  readonly version?: SymbolVersion;
}

/** Where a uprobe on a symbol attaches. */
export interface SymbolLocation {
  /** The offset in the file: what perf_event_open's uprobe `probe_offset` (and uprobe_multi's offsets) take. */
  readonly offset: bigint;
  /** The virtual address in the file's own address space (st_value plus the addend). */
  readonly address: bigint;
  /** The symbol's st_size (0 when unknown). */
  readonly size: bigint;
  readonly symbol: ElfSymbol;
}

/** A parsed ELF64 little-endian file. Symbols are decoded on first access. */
export class ElfFile {
  readonly type: ElfType;
  readonly machine: number;
  readonly entry: bigint;
  readonly programHeaders: readonly ProgramHeader[];
  readonly sections: readonly SectionHeader[];
  #tables: readonly SymbolTable[] | undefined;
  #symbols: readonly ElfSymbol[] | undefined;
  #byName: Map<string, ElfSymbol[]> | undefined;

  /** Use `readElf` or `parseElf`. */
  constructor(readonly path: string, readonly bytes: Buffer) {
    checkIdent(bytes, path);
    const ehdr = new Reader(bytes, path, "ELF header");
    this.type = ehdr.u16(16);
    this.machine = ehdr.u16(18);
    this.entry = ehdr.u64(24);
    const phoff = ehdr.u64(32), shoff = ehdr.u64(40);
    const phentsize = ehdr.u16(54), shentsize = ehdr.u16(58);
    let phnum = ehdr.u16(56), shnum = ehdr.u16(60), shstrndx = ehdr.u16(62);
    // Extended numbering (more than 0xfff0 sections or 0xffff segments): the real counts live in section 0.
    if (shoff !== 0n && (shnum === 0 || shstrndx === SHN_XINDEX || phnum === 0xffff)) {
      const s0 = new Reader(bytes, path, "section header 0").at(shoff, 64n);
      if (shnum === 0) shnum = Number(s0.u64(32));
      if (shstrndx === SHN_XINDEX) shstrndx = s0.u32(40);
      if (phnum === 0xffff) phnum = s0.u32(44);
    }
    if (phnum > 0 && phentsize < 56) throw malformed(path, `e_phentsize ${phentsize} is smaller than an Elf64_Phdr`);
    if (shnum > 0 && shentsize < 64) throw malformed(path, `e_shentsize ${shentsize} is smaller than an Elf64_Shdr`);
    // Check the tables as a whole before allocating one record per entry a corrupt header may claim.
    const size = BigInt(bytes.length);
    if (phoff + BigInt(phnum * phentsize) > size) throw malformed(path, "the program header table lies past the end of the file");
    if (shoff !== 0n && shoff + BigInt(shnum) * BigInt(shentsize) > size) {
      throw malformed(path, "the section header table lies past the end of the file");
    }
    this.programHeaders = Array.from({ length: phnum }, (_, i) => {
      const r = new Reader(bytes, path, `program header ${i}`).at(phoff + BigInt(i * phentsize), 56n);
      return {
        type: r.u32(0), flags: r.u32(4), offset: r.u64(8), vaddr: r.u64(16),
        filesz: r.u64(32), memsz: r.u64(40), align: r.u64(48),
      };
    });
    const raw = Array.from({ length: shoff === 0n ? 0 : shnum }, (_, i) => {
      const r = new Reader(bytes, path, `section header ${i}`).at(shoff + BigInt(i * shentsize), 64n);
      return {
        index: i, nameOff: r.u32(0), type: r.u32(4), flags: r.u64(8), addr: r.u64(16), offset: r.u64(24),
        size: r.u64(32), link: r.u32(40), info: r.u32(44), entsize: r.u64(56),
      };
    });
    const shstr = raw[shstrndx];
    const names = shstr && shstr.type !== SectionType.Nobits ? contents(bytes, path, shstr.offset, shstr.size, "section names") : undefined;
    this.sections = raw.map(({ nameOff, ...s }) => ({ ...s, name: names ? cstring(names, nameOff) : "" }));
  }

  /** The PT_LOAD segments, in file order. */
  get loadSegments(): readonly ProgramHeader[] {
    return this.programHeaders.filter((p) => p.type === PT_LOAD);
  }

  /** The first section with this name (".text", ".dynsym"). */
  section(name: string): SectionHeader | undefined {
    return this.sections.find((s) => s.name === name);
  }

  /** True when the file still has its full symbol table (.symtab); a stripped file has only .dynsym. */
  get hasSymtab(): boolean {
    return this.sections.some((s) => s.type === SectionType.Symtab);
  }

  /** Every symbol of .symtab and .dynsym (imported ones included, null entries excluded), in file order. */
  get symbols(): readonly ElfSymbol[] {
    if (!this.#symbols) {
      const out: ElfSymbol[] = [];
      for (const t of this.symbolTables) {
        for (let i = 1; i < t.count; i++) {
          const sym = decodeSymbol(t, i);
          if (sym) out.push(sym);
        }
      }
      this.#symbols = out;
    }
    return this.#symbols;
  }

  /** The symbols with this name (no version suffix), defined or not, from both tables. */
  symbolsNamed(name: string): readonly ElfSymbol[] {
    if (this.#symbols && !this.#byName) {
      const index = new Map<string, ElfSymbol[]>();
      for (const s of this.#symbols) {
        const list = index.get(s.name);
        if (list) list.push(s);
        else index.set(s.name, [s]);
      }
      this.#byName = index;
    }
    if (this.#byName) return this.#byName.get(name) ?? [];
    // One lookup need not decode every symbol: compare name bytes in place and decode only the matches. On a
    // binary with 200,000 symbols this takes milliseconds where decoding them all takes a third of a second.
    const target = Buffer.from(name, "utf8");
    const len = target.length, first = target[0];
    const out: ElfSymbol[] = [];
    if (len === 0) return out;
    for (const t of this.symbolTables) {
      const { data, strings, entsize } = t;
      for (let i = 1; i < t.count; i++) {
        const so = data.readUInt32LE(i * entsize);
        if (strings[so] !== first) continue;
        const end = strings[so + len];
        // .symtab may spell a versioned alias `name@VERSION`.
        if (end !== 0 && !(end === 0x40 && t.kind === "symtab")) continue;
        if (target.compare(strings, so, so + len) !== 0) continue;
        const sym = decodeSymbol(t, i);
        if (sym?.name === name) out.push(sym);
      }
    }
    return out;
  }

  /** The raw .symtab and .dynsym tables, located on first use. */
  get symbolTables(): readonly SymbolTable[] {
    this.#tables ??= locateSymbolTables(this);
    return this.#tables;
  }

  /** `length` bytes of the file from `offset` (a view, not a copy). */
  read(offset: bigint, length: number): Buffer {
    return contents(this.bytes, this.path, offset, BigInt(length), "read");
  }
}

/** Reads and parses an ELF64 little-endian file. */
export function readElf(path: string): ElfFile {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw fileError(path, e);
  }
  return new ElfFile(path, bytes);
}

/** Parses ELF64 little-endian bytes; `path` only names the file in errors. */
export function parseElf(bytes: Uint8Array, path = "<memory>"): ElfFile {
  return new ElfFile(path, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

/** The parts of a uprobe target spec `name[@VERSION|@@VERSION][+offset]`. */
export interface SymbolSpec {
  readonly name: string;
  readonly version?: string;
  /** Bytes past the symbol's start (`+0x10`, `+16`); 0 when absent. */
  readonly addend: bigint;
}

/** Splits `getpid`, `fmemopen@GLIBC_2.2.5`, `memcpy@@GLIBC_2.14+0x10` into name, version and addend. */
export function parseSymbolSpec(spec: string): SymbolSpec {
  let rest = spec.trim();
  let addend = 0n;
  const plus = /\+(0[xX][0-9a-fA-F]+|[0-9]+)$/.exec(rest);
  if (plus && plus.index > 0) {
    addend = BigInt(plus[1]!);
    rest = rest.slice(0, plus.index);
  }
  const [name, version] = splitVersion(rest);
  return version ? { name, version, addend } : { name, addend };
}

/** `name@V` and `name@@V` → [name, V]; a name without a version → [name, undefined]. */
function splitVersion(s: string): [string, string | undefined] {
  const at = s.indexOf("@");
  if (at <= 0) return [s, undefined];
  return [s.slice(0, at), s.slice(at).replace(/^@@?/, "") || undefined];
}

/**
 * The file offset a uprobe on `name` attaches at, and the symbol chosen.
 *
 * The offset is `st_value - p_vaddr + p_offset` for the executable PT_LOAD segment that contains st_value (what
 * cilium/ebpf computes; libbpf's `st_value - sh_addr + sh_offset` gives the same number). For an object file
 * (ET_REL) st_value is already relative to its section.
 *
 * `name` may carry a GNU version, `name@VERSION` or `name@@VERSION` (as readelf prints it): .dynsym names have no
 * suffix, so the version is stripped from the name and only used to choose among same-named symbols (libc keeps
 * e.g. `fmemopen@GLIBC_2.2.5` and `fmemopen@@GLIBC_2.22` at different addresses). When no symbol carries that
 * version, the name alone decides. Without a version, the default (`@@`) version wins over hidden ones.
 *
 * Among several symbols of one name: defined ones only; FUNC/IFUNC with a non-zero value first; then the default
 * version; then GLOBAL (or GNU_UNIQUE) over WEAK over LOCAL; then file order.
 *
 * `addend` moves the probe into the function (`name+0x10`); it must stay inside st_size when the size is known.
 * An IFUNC symbol's code is its resolver: a probe there fires when the symbol is bound, not on each call.
 */
export function symbolOffset(file: ElfFile, name: string, options: { addend?: bigint | number } = {}): SymbolLocation {
  const [bare, version] = splitVersion(name.trim());
  const addend = BigInt(options.addend ?? 0);
  const symbol = pickSymbol(file, bare, version);
  const label = version ? `${bare}@${version}` : bare;
  if (symbol.shndx === SHN_ABS) {
    throw new ElfError(`symbol "${label}" in ${file.path} is an absolute symbol (value 0x${symbol.value.toString(16)}), not code`, file.path);
  }
  if (symbol.type === SymbolType.Tls) {
    throw new ElfError(`symbol "${label}" in ${file.path} is a thread-local variable, not code`, file.path);
  }
  if (addend < 0n || (symbol.size > 0n && addend >= symbol.size)) {
    throw new ElfError(
      `offset 0x${addend.toString(16)} is outside ${label} in ${file.path}, which is ${symbol.size} bytes long`,
      file.path,
      "a uprobe offset must point inside the function, at an instruction boundary",
    );
  }
  const address = symbol.value + addend;
  return { offset: fileOffset(file, address, symbol, label), address, size: symbol.size, symbol };
}

/** `symbolOffset` for a full spec `name[@VERSION][+offset]`, as written after `uprobe:/path:`. */
export function uprobeOffset(file: ElfFile, spec: string): SymbolLocation {
  const { name, version, addend } = parseSymbolSpec(spec);
  return symbolOffset(file, version ? `${name}@${version}` : name, { addend });
}

/** Up to `limit` function names close to `wanted`, closest first: by edit distance, for names of similar length
 * or starting with it. Names are filtered on their raw length and first byte before being decoded, which keeps
 * this fast on tables of hundreds of thousands of names. */
export function suggestSymbols(file: ElfFile, wanted: string, limit = 3): string[] {
  const w = wanted.toLowerCase();
  const max = Math.min(5, Math.max(2, Math.floor(w.length / 4)));
  const head = w.charCodeAt(0);
  const candidates = rawFunctionNames(file, (len, firstByte) =>
    Math.abs(len - w.length) <= max || (w.length >= 4 && len > w.length && (firstByte | 0x20) === head),
  );
  const scored: { d: number; name: string }[] = [];
  for (const name of candidates) {
    const n = name.toLowerCase();
    // A name that starts with what was typed is as likely as a one-letter typo (`getaddr` → getaddrinfo).
    const prefix = w.length >= 4 && n.startsWith(w);
    if (!prefix && Math.abs(n.length - w.length) > max) continue;
    const d = editDistance(w, n, max);
    if (prefix) scored.push({ d: Math.min(d, 1), name });
    else if (d <= max) scored.push({ d, name });
  }
  scored.sort((a, b) => a.d - b.d || a.name.length - b.name.length || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return scored.slice(0, limit).map((s) => s.name);
}

/** Distinct names of defined FUNC/IFUNC symbols whose raw (byte) length and first byte pass `keep`. */
function rawFunctionNames(file: ElfFile, keep: (length: number, firstByte: number) => boolean): Set<string> {
  const names = new Set<string>();
  for (const t of file.symbolTables) {
    const { data, strings, entsize } = t;
    for (let i = 1; i < t.count; i++) {
      const o = i * entsize;
      const type = data[o + 4]! & 0xf;
      if ((type !== SymbolType.Func && type !== SymbolType.GnuIfunc) || data.readUInt16LE(o + 6) === SHN_UNDEF) continue;
      const so = data.readUInt32LE(o);
      let end = strings.indexOf(0, so);
      if (end < 0) end = strings.length;
      if (end === so || !keep(end - so, strings[so]!)) continue;
      const sym = decodeSymbol(t, i);
      if (sym) names.add(sym.name);
    }
  }
  return names;
}

// ---------------------------------------------------------------------------------------------------------------

function isCode(s: ElfSymbol): boolean {
  return s.type === SymbolType.Func || s.type === SymbolType.GnuIfunc;
}

function bindRank(b: SymbolBind): number {
  return b === SymbolBind.Global || b === SymbolBind.GnuUnique ? 0 : b === SymbolBind.Weak ? 1 : 2;
}

function pickSymbol(file: ElfFile, name: string, version: string | undefined): ElfSymbol {
  const all = file.symbolsNamed(name);
  let pool = all.filter((s) => s.shndx !== SHN_UNDEF);
  if (pool.length === 0) throw notFound(file, name, version, all);
  if (version !== undefined) {
    const exact = pool.filter((s) => s.version?.name === version);
    if (exact.length) pool = exact;
  }
  const rank = (s: ElfSymbol) => [isCode(s) && s.value !== 0n ? 0 : 1, s.version?.hidden ? 1 : 0, bindRank(s.bind)];
  let best = pool[0]!, bestRank = rank(best);
  for (const s of pool.slice(1)) {
    const r = rank(s);
    const i = r.findIndex((v, k) => v !== bestRank[k]);
    if (i >= 0 && r[i]! < bestRank[i]!) (best = s), (bestRank = r);
  }
  return best;
}

function notFound(file: ElfFile, name: string, version: string | undefined, undefinedHere: readonly ElfSymbol[]): SymbolNotFoundError {
  const label = version ? `${name}@${version}` : name;
  const imported = undefinedHere[0];
  if (imported) {
    // The usual mistake: probing a program for a function it calls from a library (bash's malloc is libc's).
    const from = imported.version?.file;
    return new SymbolNotFoundError(
      `symbol "${label}" is not defined in ${file.path}: the file imports it${from ? ` from ${from}` : " from a shared library"}`,
      file.path,
      `attach the uprobe to ${from ?? "the library that defines it"} instead`,
    );
  }
  const tables = file.sections.filter((s) => s.type === SectionType.Symtab || s.type === SectionType.Dynsym);
  if (tables.length === 0) {
    return new SymbolNotFoundError(
      `${file.path} has no symbol table (.symtab or .dynsym), so "${label}" cannot be found by name`,
      file.path,
      "install the file's debug symbols, or probe a raw file offset",
    );
  }
  const suggestions = suggestSymbols(file, name);
  const stripped = file.hasSymtab ? undefined : `${file.path} is stripped (no .symtab), so only its exported functions are visible; static functions need its debug symbols`;
  const mean = suggestions.length
    ? `; did you mean ${suggestions.length === 1 ? suggestions[0] : `${suggestions.slice(0, -1).join(", ")} or ${suggestions.at(-1)}`}?`
    : "";
  return new SymbolNotFoundError(`symbol "${label}" not found in ${file.path}${mean}`, file.path, stripped, suggestions);
}

function fileOffset(file: ElfFile, address: bigint, symbol: ElfSymbol, label: string): bigint {
  if (file.type === ElfType.Rel) {
    // In an object file st_value is relative to the symbol's section, which is not yet placed anywhere.
    const sec = file.sections[symbol.shndx];
    if (sec && sec.type !== SectionType.Nobits) return sec.offset + address;
  } else {
    const inside = (p: ProgramHeader) => p.type === PT_LOAD && address >= p.vaddr && address < p.vaddr + p.memsz;
    // Prefer the executable segment: a symbol can lie in two overlapping PT_LOADs only in odd linker output, and
    // the code is what a uprobe needs.
    const seg = file.programHeaders.find((p) => inside(p) && (p.flags & PF_X) !== 0) ?? file.programHeaders.find(inside);
    if (seg) {
      if (address >= seg.vaddr + seg.filesz) {
        throw new ElfError(`symbol "${label}" in ${file.path} lies in zero-filled memory (.bss), not in the file`, file.path);
      }
      return address - seg.vaddr + seg.offset;
    }
    // No program headers (a separate debug file has sections only): fall back to the section, as libbpf does.
    const sec = file.sections[symbol.shndx];
    if (sec && sec.type !== SectionType.Nobits && address >= sec.addr && address < sec.addr + sec.size) {
      return address - sec.addr + sec.offset;
    }
  }
  throw new ElfError(
    `symbol "${label}" in ${file.path} has address 0x${address.toString(16)}, which no loadable segment or section contains`,
    file.path,
  );
}

/** A symbol table section with its string table, as byte views. */
export interface SymbolTable {
  readonly kind: "symtab" | "dynsym";
  readonly data: Buffer;
  readonly strings: Buffer;
  readonly entsize: number;
  /** Entries, including the null entry 0. */
  readonly count: number;
  readonly versions: ((index: number) => SymbolVersion | undefined) | undefined;
}

function locateSymbolTables(file: ElfFile): SymbolTable[] {
  const { bytes, path, sections } = file;
  const out: SymbolTable[] = [];
  for (const sec of sections) {
    if (sec.type !== SectionType.Symtab && sec.type !== SectionType.Dynsym) continue;
    const kind = sec.type === SectionType.Symtab ? "symtab" : "dynsym";
    const strSec = sections[sec.link];
    if (!strSec) throw malformed(path, `${sec.name} links to missing string table ${sec.link}`);
    const strings = contents(bytes, path, strSec.offset, strSec.size, `${sec.name} strings`);
    const data = contents(bytes, path, sec.offset, sec.size, sec.name);
    const entsize = Number(sec.entsize) || 24;
    if (entsize < 24) throw malformed(path, `${sec.name} entries of ${entsize} bytes are smaller than an Elf64_Sym`);
    const versions = kind === "dynsym" ? symbolVersions(file, sec) : undefined;
    out.push({ kind, data, strings, entsize, count: Math.floor(data.length / entsize), versions });
  }
  return out;
}

/** Decodes entry `i` of a table (Elf64_Sym { st_name: u32; st_info, st_other: u8; st_shndx: u16; st_value,
 * st_size: u64 }); undefined for a nameless entry. */
function decodeSymbol(t: SymbolTable, i: number): ElfSymbol | undefined {
  const { data } = t, o = i * t.entsize;
  let name = cstring(t.strings, data.readUInt32LE(o));
  if (!name) return undefined;
  let version = t.versions?.(i);
  // In .symtab, versioned aliases keep the assembler's `name@VERSION` / `name@@VERSION` spelling.
  const at = t.kind === "symtab" ? name.indexOf("@") : -1;
  if (at > 0) {
    version = { name: name.slice(at).replace(/^@@?/, ""), hidden: !name.startsWith("@@", at) };
    name = name.slice(0, at);
  }
  const info = data[o + 4]!;
  const sym: { -readonly [K in keyof ElfSymbol]: ElfSymbol[K] } = {
    name,
    value: data.readBigUInt64LE(o + 8),
    size: data.readBigUInt64LE(o + 16),
    type: info & 0xf,
    bind: info >> 4,
    visibility: data[o + 5]! & 3,
    shndx: data.readUInt16LE(o + 6),
    table: t.kind,
  };
  if (version) sym.version = version;
  return sym;
}

/** Decodes .gnu.version (+ _d and _r) for a .dynsym section: symbol index in, version out. */
function symbolVersions(file: ElfFile, dynsym: SectionHeader): ((i: number) => SymbolVersion | undefined) | undefined {
  const { bytes, path, sections } = file;
  const versym = sections.find((s) => s.type === SectionType.GnuVersym && sections[s.link] === dynsym);
  if (!versym) return undefined;
  const indices = contents(bytes, path, versym.offset, versym.size, ".gnu.version");
  const names = new Map<number, { name: string; file?: string }>();
  for (const s of sections) {
    if (s.type !== SectionType.GnuVerdef && s.type !== SectionType.GnuVerneed) continue;
    const strSec = sections[s.link];
    if (!strSec) continue;
    const strings = contents(bytes, path, strSec.offset, strSec.size, `${s.name} strings`);
    const data = contents(bytes, path, s.offset, s.size, s.name);
    // Both are linked lists with byte offsets; sh_info counts the entries, which also bounds a corrupt cycle.
    let o = 0;
    for (let n = 0; n < s.info && o + 16 <= data.length; n++) {
      if (s.type === SectionType.GnuVerdef) {
        // Elf64_Verdef { vd_version, vd_flags, vd_ndx, vd_cnt: u16; vd_hash, vd_aux, vd_next: u32 }
        const flags = data.readUInt16LE(o + 2), ndx = data.readUInt16LE(o + 4);
        const aux = o + data.readUInt32LE(o + 12);
        // VER_FLG_BASE names the file itself (its soname), not a version symbols carry.
        if ((flags & 1) === 0 && aux + 8 <= data.length) names.set(ndx, { name: cstring(strings, data.readUInt32LE(aux)) });
        const next = data.readUInt32LE(o + 16);
        if (next === 0) break;
        o += next;
      } else {
        // Elf64_Verneed { vn_version, vn_cnt: u16; vn_file, vn_aux, vn_next: u32 }
        const cnt = data.readUInt16LE(o + 2);
        const lib = cstring(strings, data.readUInt32LE(o + 4));
        let a = o + data.readUInt32LE(o + 8);
        // Elf64_Vernaux { vna_hash: u32; vna_flags, vna_other: u16; vna_name, vna_next: u32 }
        for (let k = 0; k < cnt && a + 16 <= data.length; k++) {
          names.set(data.readUInt16LE(a + 6), { name: cstring(strings, data.readUInt32LE(a + 8)), file: lib });
          const next = data.readUInt32LE(a + 12);
          if (next === 0) break;
          a += next;
        }
        const next = data.readUInt32LE(o + 12);
        if (next === 0) break;
        o += next;
      }
    }
  }
  return (i) => {
    if (2 * i + 2 > indices.length) return undefined;
    const v = indices.readUInt16LE(2 * i);
    // 0 is VER_NDX_LOCAL and 1 VER_NDX_GLOBAL: unversioned. Bit 15 hides the version from new links (`@`).
    const known = names.get(v & 0x7fff);
    if (!known) return undefined;
    const out: { -readonly [K in keyof SymbolVersion]: SymbolVersion[K] } = { name: known.name, hidden: (v & 0x8000) !== 0 };
    if (known.file !== undefined) out.file = known.file;
    return out;
  };
}

function checkIdent(bytes: Buffer, path: string): void {
  if (bytes.length < 4 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) {
    const script = bytes.subarray(0, 64).toString("latin1").includes("GNU ld script");
    throw new ElfError(
      `${path} is not an ELF file`,
      path,
      script
        ? "it is a linker script for the development link; probe the shared library it names (e.g. libc.so.6)"
        : "a uprobe needs an executable or a shared library",
    );
  }
  const cls = bytes[4], data = bytes[5];
  if (cls !== 2 || data !== 1) {
    const what = `${cls === 1 ? "32-bit" : cls === 2 ? "64-bit" : `class ${cls}`} ${data === 2 ? "big-endian" : data === 1 ? "little-endian" : `data ${data}`}`;
    throw new ElfError(`${path} is not a 64-bit little-endian ELF (it is ${what})`, path, "tsbpf reads only 64-bit little-endian ELF files");
  }
  if (bytes.length < 64) throw malformed(path, "the ELF header is truncated");
}

/** Bounds-checked little-endian reads inside a record of the file. */
class Reader {
  private base = 0;
  constructor(private readonly bytes: Buffer, private readonly path: string, private readonly what: string) {}
  at(offset: bigint, size: bigint): this {
    if (offset + size > BigInt(this.bytes.length)) throw malformed(this.path, `${this.what} lies past the end of the file`);
    this.base = Number(offset);
    return this;
  }
  u16(o: number): number {
    return this.bytes.readUInt16LE(this.base + o);
  }
  u32(o: number): number {
    return this.bytes.readUInt32LE(this.base + o);
  }
  u64(o: number): bigint {
    return this.bytes.readBigUInt64LE(this.base + o);
  }
}

function contents(bytes: Buffer, path: string, offset: bigint, size: bigint, what: string): Buffer {
  if (offset < 0n || size < 0n || offset + size > BigInt(bytes.length)) throw malformed(path, `${what} lies past the end of the file`);
  return bytes.subarray(Number(offset), Number(offset + size));
}

function cstring(strings: Buffer, offset: number): string {
  if (offset >= strings.length) return "";
  const end = strings.indexOf(0, offset);
  return strings.toString("utf8", offset, end < 0 ? strings.length : end);
}

function malformed(path: string, detail: string): ElfError {
  return new ElfError(`${path} is a malformed ELF file: ${detail}`, path, "the file may be truncated or still being written");
}

function fileError(path: string, e: unknown): ElfError {
  const code = (e as { code?: string }).code;
  if (code === "ENOENT") return new ElfError(`${path}: no such file`, path, "check the path, or give a program or library name to look up");
  if (code === "EACCES" || code === "EPERM") return new ElfError(`${path}: permission denied`, path, "run as a user that can read the file");
  if (code === "EISDIR") return new ElfError(`${path} is a directory, not an ELF file`, path);
  return new ElfError(`cannot read ${path}: ${(e as Error).message}`, path);
}

/** Levenshtein distance, abandoning (returning max + 1) as soon as every cell of a row exceeds `max`. */
function editDistance(a: string, b: string, max: number): number {
  let prev = new Uint32Array(b.length + 1), cur = new Uint32Array(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      const v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    [prev, cur] = [cur, prev];
  }
  return prev[b.length]!;
}
