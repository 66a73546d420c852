// ELF64 little-endian relocatable object writer: sections, symbols and REL relocations in, the bytes of an ET_REL
// file out (the container a libbpf object is: EM_BPF, one .strtab shared by section and symbol names, .symtab with
// the local symbols first, a `.rel<section>` per section with relocations). Knows nothing about BPF beyond e_machine.

/** Section types (SHT_*). */
export const SHT_PROGBITS = 1, SHT_SYMTAB = 2, SHT_STRTAB = 3, SHT_NOBITS = 8, SHT_REL = 9;
/** Section flags (SHF_*). */
export const SHF_WRITE = 0x1, SHF_ALLOC = 0x2, SHF_EXECINSTR = 0x4;
/** Symbol binding (STB_*) and type (STT_*). */
export const STB_LOCAL = 0, STB_GLOBAL = 1;
export const STT_NOTYPE = 0, STT_OBJECT = 1, STT_FUNC = 2, STT_SECTION = 3;
/** e_type ET_REL, e_machine EM_BPF. */
export const ET_REL = 1, EM_BPF = 247;
/** BPF relocation types: R_BPF_64_64 (an ld_imm64's two immediates), R_BPF_64_32 (a call's immediate). */
export const R_BPF_64_64 = 1, R_BPF_64_32 = 10;

const EHDR_SIZE = 64, SHDR_SIZE = 64, SYM_SIZE = 24, REL_SIZE = 16;

export interface ElfSectionInput {
  readonly name: string;
  readonly type: number;
  readonly flags: number;
  readonly data: Uint8Array;
  readonly align: number;
}

export interface ElfSymbolInput {
  readonly name: string;
  readonly type: number;
  readonly bind: number;
  /** The section index `section()` returned. */
  readonly section: number;
  readonly value: number;
  readonly size: number;
}

/** A symbol's handle: its final index is known only when the table is sorted (locals first). */
export interface ElfSymbolRef {
  readonly ref: number;
}

export interface ElfRelocation {
  /** Byte offset in the target section. */
  readonly offset: number;
  readonly symbol: ElfSymbolRef;
  readonly type: number;
}

/** Collects sections, symbols and relocations; `encode()` lays them out. Section indices start at 1. */
export class ElfWriter {
  readonly #sections: ElfSectionInput[] = [];
  readonly #symbols: ElfSymbolInput[] = [];
  readonly #relocs = new Map<number, ElfRelocation[]>();
  readonly #sectionSymbols = new Map<number, ElfSymbolRef>();

  /** Adds a section and returns its index. */
  section(s: ElfSectionInput): number {
    this.#sections.push(s);
    return this.#sections.length;
  }

  symbol(s: ElfSymbolInput): ElfSymbolRef {
    this.#symbols.push(s);
    return { ref: this.#symbols.length - 1 };
  }

  /** The STT_SECTION symbol of a section (one, made on first use). */
  sectionSymbol(section: number): ElfSymbolRef {
    let ref = this.#sectionSymbols.get(section);
    if (!ref) {
      ref = this.symbol({ name: "", type: STT_SECTION, bind: STB_LOCAL, section, value: 0, size: 0 });
      this.#sectionSymbols.set(section, ref);
    }
    return ref;
  }

  /** Adds relocations to section `target` (written as `.rel<name>` after every section added with `section()`). */
  relocate(target: number, relocations: readonly ElfRelocation[]): void {
    if (!relocations.length) return;
    const list = this.#relocs.get(target) ?? [];
    list.push(...relocations);
    this.#relocs.set(target, list);
  }

  encode(): Uint8Array {
    const strings = new StringTable();
    // Locals first, as the ELF specification wants (sh_info of .symtab is the first global's index).
    const order = this.#symbols.map((s, i) => ({ s, i })).sort((a, b) => (a.s.bind === STB_LOCAL ? 0 : 1) - (b.s.bind === STB_LOCAL ? 0 : 1) || a.i - b.i);
    const indexOf = new Map(order.map((o, k) => [o.i, k + 1]));
    const firstGlobal = 1 + order.filter((o) => o.s.bind === STB_LOCAL).length;

    const count = this.#sections.length;
    const relTargets = [...this.#relocs.keys()].sort((a, b) => a - b);
    const symtabIndex = count + relTargets.length + 1;
    const strtabIndex = symtabIndex + 1;

    const symtab = new Uint8Array(SYM_SIZE * (order.length + 1));
    const sv = new DataView(symtab.buffer);
    order.forEach(({ s }, k) => {
      const at = (k + 1) * SYM_SIZE;
      sv.setUint32(at, s.name ? strings.add(s.name) : 0, true);
      sv.setUint8(at + 4, (s.bind << 4) | s.type);
      sv.setUint8(at + 5, 0);
      sv.setUint16(at + 6, s.section, true);
      sv.setBigUint64(at + 8, BigInt(s.value), true);
      sv.setBigUint64(at + 16, BigInt(s.size), true);
    });

    interface Out { name: number; type: number; flags: number; data: Uint8Array; align: number; link: number; info: number; entsize: number }
    const out: Out[] = this.#sections.map((s) => ({ name: strings.add(s.name), type: s.type, flags: s.flags, data: s.data, align: s.align, link: 0, info: 0, entsize: 0 }));
    for (const target of relTargets) {
      const rels = this.#relocs.get(target)!;
      const data = new Uint8Array(REL_SIZE * rels.length);
      const v = new DataView(data.buffer);
      rels.forEach((r, k) => {
        v.setBigUint64(k * REL_SIZE, BigInt(r.offset), true);
        v.setBigUint64(k * REL_SIZE + 8, (BigInt(indexOf.get(r.symbol.ref)!) << 32n) | BigInt(r.type), true);
      });
      out.push({ name: strings.add(`.rel${this.#sections[target - 1]!.name}`), type: SHT_REL, flags: 0, data, align: 8, link: symtabIndex, info: target, entsize: REL_SIZE });
    }
    out.push({ name: strings.add(".symtab"), type: SHT_SYMTAB, flags: 0, data: symtab, align: 8, link: strtabIndex, info: firstGlobal, entsize: SYM_SIZE });
    const strtabName = strings.add(".strtab");
    out.push({ name: strtabName, type: SHT_STRTAB, flags: 0, data: strings.bytes(), align: 1, link: 0, info: 0, entsize: 0 });

    // Layout: header, each section's bytes at its alignment (SHT_NOBITS takes none), then the section headers.
    let at = EHDR_SIZE;
    const offsets = out.map((s) => {
      at = alignUp(at, Math.max(1, s.align));
      const o = at;
      if (s.type !== SHT_NOBITS) at += s.data.length;
      return o;
    });
    const shoff = alignUp(at, 8);
    const bytes = new Uint8Array(shoff + SHDR_SIZE * (out.length + 1));
    const v = new DataView(bytes.buffer);
    bytes.set([0x7f, 0x45, 0x4c, 0x46, 2 /* ELFCLASS64 */, 1 /* ELFDATA2LSB */, 1 /* EV_CURRENT */], 0);
    v.setUint16(16, ET_REL, true);
    v.setUint16(18, EM_BPF, true);
    v.setUint32(20, 1, true);
    v.setBigUint64(40, BigInt(shoff), true);
    v.setUint16(52, EHDR_SIZE, true);
    v.setUint16(58, SHDR_SIZE, true);
    v.setUint16(60, out.length + 1, true);
    v.setUint16(62, strtabIndex, true);
    out.forEach((s, k) => {
      if (s.type !== SHT_NOBITS) bytes.set(s.data, offsets[k]!);
      const h = shoff + SHDR_SIZE * (k + 1);
      v.setUint32(h, s.name, true);
      v.setUint32(h + 4, s.type, true);
      v.setBigUint64(h + 8, BigInt(s.flags), true);
      v.setBigUint64(h + 24, BigInt(offsets[k]!), true);
      v.setBigUint64(h + 32, BigInt(s.data.length), true);
      v.setUint32(h + 40, s.link, true);
      v.setUint32(h + 44, s.info, true);
      v.setBigUint64(h + 48, BigInt(s.align), true);
      v.setBigUint64(h + 56, BigInt(s.entsize), true);
    });
    return bytes;
  }
}

const alignUp = (n: number, a: number) => Math.ceil(n / a) * a;

/** A NUL-separated string table starting with "" at offset 0; each string is stored once. */
class StringTable {
  readonly #offsets = new Map<string, number>([["", 0]]);
  readonly #chunks: Uint8Array[] = [new Uint8Array(1)];
  #length = 1;

  add(s: string): number {
    const known = this.#offsets.get(s);
    if (known !== undefined) return known;
    const b = new TextEncoder().encode(s);
    const off = this.#length;
    this.#offsets.set(s, off);
    this.#chunks.push(b, new Uint8Array(1));
    this.#length += b.length + 1;
    return off;
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.#length);
    let at = 0;
    for (const c of this.#chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}
