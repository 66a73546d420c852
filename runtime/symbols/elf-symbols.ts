// The functions of a mapped ELF file: an ElfFile (runtime/kernel/elf.ts) in, a compact sorted table of its
// function symbols out (.symtab and .dynsym, or a separate debug file's .symtab when the file is stripped), plus the
// translation from a file offset to the file's own virtual addresses through its PT_LOAD segments.
//
// The table keeps numbers and names only, so the file's bytes (100 MB for node) are freed once it is built.

import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { type ElfFile, type ProgramHeader, PT_LOAD, SHN_UNDEF, SymbolBind, SymbolType, readElf } from "../kernel/elf.ts";

/** A function symbol found for an address. */
export interface FunctionHit {
  /** The raw (mangled) name. */
  readonly name: string;
  /** Bytes past the symbol's start. */
  readonly offset: number;
}

/** Function symbols sorted by start address (the file's virtual addresses). */
export class FunctionTable {
  constructor(
    readonly starts: Float64Array,
    /** start + st_size; for a symbol of unknown size (0), the next symbol's start. */
    readonly ends: Float64Array,
    readonly names: readonly string[],
  ) {}

  get size(): number {
    return this.starts.length;
  }

  /** The innermost function containing `vaddr`, or undefined. */
  lookup(vaddr: number): FunctionHit | undefined {
    const s = this.starts;
    let lo = 0, hi = s.length - 1, found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (s[mid]! <= vaddr) (found = mid), (lo = mid + 1);
      else hi = mid - 1;
    }
    // A symbol with a nearer start may not contain the address (a sized label inside a function ended before it):
    // look back a little for the closest one that does.
    for (let i = found, n = 0; i >= 0 && n < 32; i--, n++) {
      if (vaddr < this.ends[i]!) return { name: this.names[i]!, offset: vaddr - s[i]! };
    }
    return undefined;
  }
}

/** Builds the table of the defined FUNC and IFUNC symbols of `files` (a binary and its debug file share addresses). */
export function functionTable(files: readonly ElfFile[]): FunctionTable {
  const rows: { start: number; size: number; name: string; rank: number }[] = [];
  for (const file of files) {
    for (const t of file.symbolTables) {
      const { data, strings, entsize } = t;
      for (let i = 1; i < t.count; i++) {
        const o = i * entsize;
        const info = data[o + 4]!, type = info & 0xf;
        if ((type !== SymbolType.Func && type !== SymbolType.GnuIfunc) || data.readUInt16LE(o + 6) === SHN_UNDEF) continue;
        const start = Number(data.readBigUInt64LE(o + 8));
        if (start === 0) continue;
        const so = data.readUInt32LE(o);
        let end = strings.indexOf(0, so);
        if (end < 0) end = strings.length;
        if (end === so) continue;
        let name = strings.toString("utf8", so, end);
        // .symtab spells versioned aliases `memcpy@@GLIBC_2.14`.
        const at = name.indexOf("@", 1);
        if (at > 0) name = name.slice(0, at);
        const size = Number(data.readBigUInt64LE(o + 16));
        const bind = info >> 4;
        // Of several names for one address: a sized one, then a global one, then .symtab's over .dynsym's.
        const rank = (size > 0 ? 0 : 4) + (bind === SymbolBind.Global ? 0 : bind === SymbolBind.Weak ? 1 : 2);
        rows.push({ start, size, name, rank });
      }
    }
  }
  rows.sort((a, b) => a.start - b.start || a.rank - b.rank);
  const kept = rows.filter((r, i) => i === 0 || rows[i - 1]!.start !== r.start);
  const starts = new Float64Array(kept.length), ends = new Float64Array(kept.length);
  const names = new Array<string>(kept.length);
  kept.forEach((r, i) => {
    starts[i] = r.start;
    ends[i] = r.size > 0 ? r.start + r.size : (kept[i + 1]?.start ?? r.start + 1);
    names[i] = r.name;
  });
  return new FunctionTable(starts, ends, names);
}

/** The loadable segments' file offset to virtual address mapping, kept without the file's bytes. */
export interface LoadSegment {
  readonly offset: number;
  readonly filesz: number;
  readonly vaddr: number;
}

export function loadSegments(file: ElfFile): LoadSegment[] {
  return file.programHeaders
    .filter((p: ProgramHeader) => p.type === PT_LOAD)
    .map((p) => ({ offset: Number(p.offset), filesz: Number(p.filesz), vaddr: Number(p.vaddr) }));
}

/** The file's virtual address of a file offset (what the symbol values are in), or undefined outside every segment. */
export function virtualAddress(segments: readonly LoadSegment[], fileOffset: number): number | undefined {
  for (const s of segments) {
    if (fileOffset >= s.offset && fileOffset < s.offset + s.filesz) return fileOffset - s.offset + s.vaddr;
  }
  return undefined;
}

/** The GNU build-id (NT_GNU_BUILD_ID note), as lowercase hex, or undefined. */
export function buildId(file: ElfFile): string | undefined {
  // Notes are in SHT_NOTE sections; a file without section headers still has its PT_NOTE segments.
  const places = file.sections.length
    ? file.sections.filter((s) => s.type === 7).map((s) => ({ offset: s.offset, size: s.size }))
    : file.programHeaders.filter((p) => p.type === 4).map((p) => ({ offset: p.offset, size: p.filesz }));
  for (const place of places) {
    let notes: Buffer;
    try {
      notes = file.read(place.offset, Number(place.size));
    } catch {
      continue;
    }
    // Elf64_Nhdr { n_namesz, n_descsz, n_type: u32 }, then name and desc, each padded to 4 bytes.
    for (let o = 0; o + 12 <= notes.length; ) {
      const namesz = notes.readUInt32LE(o), descsz = notes.readUInt32LE(o + 4), type = notes.readUInt32LE(o + 8);
      const name = o + 12, desc = name + ((namesz + 3) & ~3);
      if (desc + descsz > notes.length) break;
      if (type === 3 && namesz === 4 && notes.toString("latin1", name, name + 3) === "GNU") {
        return notes.toString("hex", desc, desc + descsz);
      }
      o = desc + ((descsz + 3) & ~3);
    }
  }
  return undefined;
}

/** The file name `.gnu_debuglink` names, or undefined. */
export function debugLink(file: ElfFile): string | undefined {
  const s = file.section(".gnu_debuglink");
  if (!s || s.size === 0n) return undefined;
  try {
    const b = file.read(s.offset, Number(s.size));
    const end = b.indexOf(0);
    const name = b.toString("utf8", 0, end < 0 ? b.length : end);
    return name && !name.includes("/") ? name : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The separate debug file of a stripped `file`, as gdb looks for it: by build-id under each debug directory
 * (`<dir>/.build-id/ab/cdef....debug`), then by `.gnu_debuglink` beside the file, in its `.debug/` and under each
 * debug directory followed by the file's directory. `path` is the file's path as the process sees it; `reach` turns
 * a path into one this process can read (a container's root prefixed). A candidate whose build-id differs is skipped.
 */
export function findDebugFile(
  file: ElfFile,
  path: string,
  debugDirs: readonly string[],
  reach: (p: string) => string[] = (p) => [p],
): ElfFile | undefined {
  const id = buildId(file);
  const candidates: string[] = [];
  if (id && id.length > 2) for (const d of debugDirs) candidates.push(join(d, ".build-id", id.slice(0, 2), `${id.slice(2)}.debug`));
  const link = debugLink(file);
  if (link) {
    const dir = dirname(path);
    candidates.push(join(dir, link), join(dir, ".debug", link));
    for (const d of debugDirs) candidates.push(join(d, dir, link));
  }
  for (const c of candidates) {
    for (const p of reach(c)) {
      if (!existsSync(p)) continue;
      try {
        const debug = readElf(p);
        if ((id && buildId(debug) !== id) || !debug.hasSymtab) continue;
        return debug;
      } catch {
        // An unreadable or malformed candidate: try the next.
      }
    }
  }
  return undefined;
}
