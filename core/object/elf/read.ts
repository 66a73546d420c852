// A relocatable ELF64 little-endian object (what `clang -target bpf -c` writes) in; its sections with their
// contents, its symbol table by index (section symbols included) and each section's REL relocations out. Only what
// a BPF object uses: no program headers, dynamic symbols or versions (runtime/kernel/elf.ts reads executables for
// uprobes). Pure: the bytes are given. Anything malformed is an ElfObjectError saying what.

/** A file that is not a BPF relocatable object, or one whose tables do not fit in it. */
export class ElfObjectError extends Error {
  override readonly name = "ElfObjectError";
}

/** The first four bytes of every ELF file. */
export const ELF_MAGIC = Uint8Array.of(0x7f, 0x45, 0x4c, 0x46);

/** Whether `bytes` start with the ELF magic (whatever the file is called). */
export function isElf(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && ELF_MAGIC.every((b, i) => bytes[i] === b);
}

export const SHT_PROGBITS = 1, SHT_SYMTAB = 2, SHT_NOBITS = 8, SHT_REL = 9;
export const SHF_WRITE = 1, SHF_ALLOC = 2, SHF_EXECINSTR = 4;
export const STT_OBJECT = 1, STT_FUNC = 2, STT_SECTION = 3;
export const STB_LOCAL = 0;
const EM_BPF = 247, ET_REL = 1;
/** The largest .bss a loader could create (a map value is at most KMALLOC_MAX_SIZE, a few MB; this is generous). */
const MAX_NOBITS = 1 << 28;

export interface ObjectSection {
  readonly index: number;
  readonly name: string;
  readonly type: number;
  readonly flags: number;
  readonly size: number;
  /** The section's bytes (zeros for SHT_NOBITS, .bss). */
  readonly data: Uint8Array;
  readonly link: number;
  readonly info: number;
}

export interface ObjectSymbol {
  readonly index: number;
  readonly name: string;
  readonly value: number;
  readonly size: number;
  /** STT_*. */
  readonly type: number;
  /** STB_*. */
  readonly bind: number;
  /** The section it is defined in; 0 for an undefined (extern) symbol. */
  readonly shndx: number;
}

/** One REL entry: at byte `offset` of the section it applies to, a reference to `symbol` of relocation `type`. */
export interface ObjectReloc {
  readonly offset: number;
  readonly type: number;
  readonly symbol: ObjectSymbol;
}

export interface ElfObject {
  readonly sections: readonly ObjectSection[];
  readonly symbols: readonly ObjectSymbol[];
  /** The REL entries that apply to each section, by the section's index. */
  readonly relocations: ReadonlyMap<number, readonly ObjectReloc[]>;
  section(name: string): ObjectSection | undefined;
}

/** Parses a BPF relocatable object; `what` names it in errors. */
export function readElfObject(bytes: Uint8Array, what: string): ElfObject {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (why: string) => new ElfObjectError(`${what}: ${why}`);
  if (!isElf(bytes)) throw fail("not an ELF file");
  if (bytes.length < 64) throw fail(`starts as an ELF file but is ${bytes.length} bytes long, shorter than an ELF header (truncated?)`);
  if (bytes[4] !== 2 || bytes[5] !== 1) throw fail("not a 64-bit little-endian ELF file");
  const type = view.getUint16(16, true), machine = view.getUint16(18, true);
  if (machine !== EM_BPF) throw fail(`an ELF file for machine ${machine}, not BPF (247): not a clang -target bpf object`);
  if (type !== ET_REL) throw fail(`an ELF file of type ${type}, not a relocatable object (clang -c output)`);
  const shoff = Number(view.getBigUint64(40, true));
  const shentsize = view.getUint16(58, true), shnum = view.getUint16(60, true), shstrndx = view.getUint16(62, true);
  if (shentsize < 64 || shoff + shnum * shentsize > bytes.length) throw fail("the section header table lies past the end of the file");
  const raw = Array.from({ length: shnum }, (_, i) => {
    const at = shoff + i * shentsize;
    const offset = Number(view.getBigUint64(at + 24, true)), size = Number(view.getBigUint64(at + 32, true));
    const t = view.getUint32(at + 4, true);
    if (t !== SHT_NOBITS && offset + size > bytes.length) throw fail(`section ${i} lies past the end of the file`);
    // .bss is zeros made here: a size no BPF map value can have is a corrupt header, not an allocation to make.
    if (t === SHT_NOBITS && size > MAX_NOBITS) throw fail(`section ${i} claims ${size} bytes of zeros, more than a BPF object holds`);
    return {
      nameOff: view.getUint32(at, true), type: t, flags: Number(view.getBigUint64(at + 8, true)), offset, size,
      link: view.getUint32(at + 40, true), info: view.getUint32(at + 44, true),
    };
  });
  const strs = raw[shstrndx];
  const cstring = (table: Uint8Array, off: number) => {
    if (off >= table.length) throw fail(`a name at offset ${off} lies past its string table`);
    const end = table.indexOf(0, off);
    return new TextDecoder().decode(table.subarray(off, end < 0 ? table.length : end));
  };
  const names = strs ? bytes.subarray(strs.offset, strs.offset + strs.size) : new Uint8Array(1);
  const sections: ObjectSection[] = raw.map((s, index) => ({
    index, name: cstring(names, s.nameOff), type: s.type, flags: s.flags, size: s.size, link: s.link, info: s.info,
    data: s.type === SHT_NOBITS ? new Uint8Array(s.size) : bytes.subarray(s.offset, s.offset + s.size),
  }));
  const symtab = sections.find((s) => s.type === SHT_SYMTAB);
  const symbols: ObjectSymbol[] = [];
  if (symtab) {
    const strtab = sections[symtab.link]?.data ?? new Uint8Array(1);
    const sv = new DataView(symtab.data.buffer, symtab.data.byteOffset, symtab.data.byteLength);
    for (let i = 0; (i + 1) * 24 <= symtab.size; i++) {
      const o = i * 24, info = sv.getUint8(o + 4);
      symbols.push({
        index: i, name: cstring(strtab, sv.getUint32(o, true)), value: Number(sv.getBigUint64(o + 8, true)),
        size: Number(sv.getBigUint64(o + 16, true)), type: info & 0xf, bind: info >> 4, shndx: sv.getUint16(o + 6, true),
      });
    }
  }
  const relocations = new Map<number, ObjectReloc[]>();
  for (const s of sections) {
    if (s.type !== SHT_REL) continue;
    const rv = new DataView(s.data.buffer, s.data.byteOffset, s.data.byteLength);
    const list: ObjectReloc[] = [];
    for (let o = 0; o + 16 <= s.size; o += 16) {
      const info = rv.getBigUint64(o + 8, true);
      const symbol = symbols[Number(info >> 32n)];
      if (!symbol) throw fail(`a relocation in ${s.name} names symbol ${info >> 32n}, which the symbol table lacks`);
      list.push({ offset: Number(rv.getBigUint64(o, true)), type: Number(info & 0xffffffffn), symbol });
    }
    relocations.set(s.info, list);
  }
  return { sections, symbols, relocations, section: (name) => sections.find((s) => s.name === name) };
}
