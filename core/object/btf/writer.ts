// BTF writer: types and strings in, a raw BTF blob out (24-byte header, types, then strings); plus the PROG_LOAD
// func_info / line_info / core_relo records and the `.BTF.ext` section of an ELF object.

import {
  BTF_HEADER_LEN, BTF_MAGIC, BTF_MAX_NAME_OFFSET, BTF_MAX_TYPE, BTF_MAX_VLEN, BTF_VERSION, type BtfExt, BtfError,
  type BtfTypeInput, CORE_RELO_SIZE, type CoreRelo, type ExtSection, FUNC_INFO_SIZE, type FuncInfo, IntEncoding, KIND_NUMBERS,
  LINE_INFO_SIZE, type LineInfo, type TypeId,
} from "./types.ts";

/** What a split blob needs to know about its base: its last type id and the end of its string offsets. */
export interface BtfBase {
  readonly count: number;
  readonly stringsEnd: number;
}

export interface BtfBuilderOptions {
  /**
   * Build split BTF on top of `base` (a `Btf` from the reader, say vmlinux): ids start at `base.count + 1` and
   * string offsets at `base.stringsEnd`. The base's types can be referred to by their ids.
   */
  readonly base?: BtfBase;
}

const utf8 = new TextEncoder();

/** Checks that `value` fits an unsigned field of `bits` bits; a failure is a compiler bug. */
function checkUnsigned(value: number, bits: number, what: string, of?: string): number {
  if (!Number.isInteger(value) || value < 0 || value >= 2 ** bits) {
    throw new BtfError(`${what}${of === undefined ? "" : ` of ${of}`} ${value} does not fit in ${bits} unsigned bits`);
  }
  return value;
}

function checkVlen(t: BtfTypeInput, n: number): void {
  if (n > BTF_MAX_VLEN) throw new BtfError(`${t.kind} ${JSON.stringify(t.name)} has ${n} entries, more than vlen allows (${BTF_MAX_VLEN})`);
}

/**
 * Builds a BTF blob. Ids are handed out in order from 1 (0 is void); strings are deduplicated and offset 0 is "".
 * Types are checked when added (field ranges) and when encoded (every referenced id exists).
 * Compiling the same program twice adds the same types in the same order and so gives the same bytes.
 */
export class BtfBuilder {
  /** The id the first added type gets: 1, or the base's `count + 1`. */
  readonly firstId: TypeId;
  readonly #stringBase: number;
  readonly #strings = new Map<string, number>([["", 0]]);
  readonly #stringBytes: Uint8Array[] = [new Uint8Array(1)];
  #stringLen = 1;
  readonly #types: (BtfTypeInput | undefined)[] = [];

  constructor(options: BtfBuilderOptions = {}) {
    this.firstId = (options.base?.count ?? 0) + 1;
    // A split blob's offsets start after the base's strings; its own section still starts with "\0", as
    // pahole's module BTF does, although only offset 0 (the base's "") is ever used for the empty name.
    this.#stringBase = options.base?.stringsEnd ?? 0;
  }

  /** The last id handed out (base ids included), so that valid ids are 1..count. */
  get count(): number {
    return this.firstId - 1 + this.#types.length;
  }

  /** The id the next `add` or `reserve` will return. */
  get nextId(): TypeId {
    return this.count + 1;
  }

  /** Adds a string (once) and returns its offset; "" is always 0. line_info file and line texts go here too. */
  addString(s: string): number {
    const known = this.#strings.get(s);
    if (known !== undefined) return known;
    const bytes = utf8.encode(s);
    if (bytes.includes(0)) throw new BtfError(`BTF string ${JSON.stringify(s)} contains a NUL character`);
    const offset = this.#stringBase + this.#stringLen;
    // Only names are limited to 24 bits (name_off); line texts may lie beyond, but a blob that large is a bug.
    checkUnsigned(offset, 32, "string offset");
    this.#strings.set(s, offset);
    this.#stringBytes.push(bytes, new Uint8Array(1));
    this.#stringLen += bytes.length + 1;
    return offset;
  }

  /** Adds a type and returns its id. Its names are added to the string table now. */
  add(type: BtfTypeInput): TypeId {
    this.#check(type);
    this.#types.push(type);
    return this.count;
  }

  /** Hands out an id for a type to be given later with `define` (for a struct that points to itself). */
  reserve(): TypeId {
    this.#types.push(undefined);
    return this.count;
  }

  /** Gives the type of a reserved id. */
  define(id: TypeId, type: BtfTypeInput): void {
    const index = id - this.firstId;
    if (index < 0 || index >= this.#types.length || this.#types[index] !== undefined) {
      throw new BtfError(`type id ${id} was not reserved, or is already defined`);
    }
    this.#check(type);
    this.#types[index] = type;
  }

  /** The type added under `id` (not the base's), or undefined. */
  get(id: TypeId): BtfTypeInput | undefined {
    return this.#types[id - this.firstId];
  }

  /** Interns a name; names live in 24 bits of name_off. */
  #name(s: string, what: string): void {
    const off = this.addString(s);
    if (off > BTF_MAX_NAME_OFFSET) throw new BtfError(`name of ${what} ${JSON.stringify(s)} lands at string offset ${off}, past the 24-bit name_off limit`);
  }

  /** Checks field ranges and interns every name. */
  #check(t: BtfTypeInput): void {
    if (this.count + 1 > BTF_MAX_TYPE) throw new BtfError(`more than ${BTF_MAX_TYPE} BTF types`);
    this.#name(t.name, t.kind);
    switch (t.kind) {
      case "int":
        checkUnsigned(t.size, 32, "int size");
        // btf_int_check_meta: SIGNED, CHAR and BOOL exclude each other; the kernel rejects a combination.
        if (![IntEncoding.None, IntEncoding.Signed, IntEncoding.Char, IntEncoding.Bool].includes(t.encoding)) {
          throw new BtfError(`int ${JSON.stringify(t.name)} has encoding ${t.encoding}; at most one of SIGNED (1), CHAR (2), BOOL (4) may be set`);
        }
        checkUnsigned(t.bitOffset, 8, "int bit offset");
        checkUnsigned(t.bits, 8, "int bits");
        break;
      case "struct": case "union": {
        checkVlen(t, t.members.length);
        checkUnsigned(t.size, 32, "size", t.kind);
        const bitfields = t.members.some((m) => m.bitfieldSize !== 0);
        for (const m of t.members) {
          this.#name(m.name, "member");
          checkUnsigned(m.bitfieldSize, 8, "bitfield size", m.name);
          // With kind_flag the offset shares its word with the bitfield size.
          checkUnsigned(m.bitOffset, bitfields ? 24 : 32, "bit offset", m.name);
        }
        break;
      }
      case "enum":
        checkVlen(t, t.values.length);
        checkUnsigned(t.size, 32, "enum size");
        for (const v of t.values) {
          this.#name(v.name, "enumerator");
          const ok = Number.isInteger(v.value) && (t.signed ? v.value >= -(2 ** 31) && v.value < 2 ** 31 : v.value >= 0 && v.value < 2 ** 32);
          if (!ok) throw new BtfError(`enumerator ${v.name} = ${v.value} does not fit ${t.signed ? "a signed" : "an unsigned"} 32-bit enum; use enum64`);
        }
        break;
      case "enum64":
        checkVlen(t, t.values.length);
        checkUnsigned(t.size, 32, "enum64 size");
        for (const v of t.values) {
          this.#name(v.name, "enumerator");
          if (BigInt.asIntN(64, v.value) !== v.value && BigInt.asUintN(64, v.value) !== v.value) {
            throw new BtfError(`enumerator ${v.name} = ${v.value} does not fit in 64 bits`);
          }
        }
        break;
      case "array":
        checkUnsigned(t.nelems, 32, "array length");
        break;
      case "func":
        checkUnsigned(t.linkage, 16, "func linkage");
        break;
      case "func_proto":
        checkVlen(t, t.params.length + (t.variadic ? 1 : 0));
        for (const p of t.params) this.#name(p.name, "parameter");
        break;
      case "var":
        checkUnsigned(t.linkage, 32, "var linkage");
        break;
      case "datasec":
        checkVlen(t, t.vars.length);
        checkUnsigned(t.size, 32, "datasec size");
        for (const v of t.vars) {
          checkUnsigned(v.offset, 32, "datasec var offset");
          checkUnsigned(v.size, 32, "datasec var size");
        }
        break;
      case "float":
        checkUnsigned(t.size, 32, "float size");
        break;
      case "decl_tag":
        if (!Number.isInteger(t.componentIdx) || t.componentIdx < -1 || t.componentIdx >= 2 ** 31) {
          throw new BtfError(`decl_tag component index ${t.componentIdx} must be -1 or a member/parameter index`);
        }
        break;
      case "ptr": case "fwd": case "typedef": case "volatile": case "const": case "restrict": case "type_tag":
        break;
    }
  }

  /** Encodes the blob: header (hdr_len 24), the type section at type_off 0, then the string section. */
  encode(): Uint8Array {
    const typeLen = this.#types.reduce((n, t, i) => n + 12 + this.#tailSize(t, this.firstId + i), 0);
    const out = new Uint8Array(BTF_HEADER_LEN + typeLen + this.#stringLen);
    const v = new DataView(out.buffer);
    v.setUint16(0, BTF_MAGIC, true);
    v.setUint8(2, BTF_VERSION);
    v.setUint8(3, 0);
    v.setUint32(4, BTF_HEADER_LEN, true);
    v.setUint32(8, 0, true);
    v.setUint32(12, typeLen, true);
    v.setUint32(16, typeLen, true);
    v.setUint32(20, this.#stringLen, true);

    let at = BTF_HEADER_LEN;
    const put = (x: number) => {
      v.setUint32(at, x, true);
      at += 4;
    };
    const str = (s: string) => this.#strings.get(s)!; // interned by #check
    const last = this.count;
    const ref = (id: TypeId, self: TypeId, what: string) => {
      if (!Number.isInteger(id) || id < 0 || id > last) throw new BtfError(`type ${self}: ${what} refers to type ${id}, which does not exist (last id ${last})`);
      return id;
    };
    const head = (name: string, kind: keyof typeof KIND_NUMBERS, vlen: number, kindFlag: boolean, sizeOrType: number) => {
      put(str(name));
      put(((kindFlag ? 1 : 0) << 31 | KIND_NUMBERS[kind] << 24 | vlen) >>> 0);
      put(sizeOrType);
    };

    this.#types.forEach((t, i) => {
      const id = this.firstId + i;
      if (!t) throw new BtfError(`type id ${id} was reserved but never defined`);
      switch (t.kind) {
        case "int":
          head(t.name, t.kind, 0, false, t.size);
          put((t.encoding << 24 | t.bitOffset << 16 | t.bits) >>> 0);
          break;
        case "ptr": case "typedef": case "volatile": case "const": case "restrict":
          head(t.name, t.kind, 0, false, ref(t.type, id, "the target"));
          break;
        case "type_tag":
          head(t.name, t.kind, 0, t.attribute, ref(t.type, id, "the tagged type"));
          break;
        case "array":
          head(t.name, t.kind, 0, false, 0);
          put(ref(t.elemType, id, "the element type"));
          put(ref(t.indexType, id, "the index type"));
          put(t.nelems);
          break;
        case "struct": case "union": {
          // kind_flag (Linux 5.1) only when needed, so that blobs without bitfields load on 4.18-5.0 too.
          const kindFlag = t.members.some((m) => m.bitfieldSize !== 0);
          head(t.name, t.kind, t.members.length, kindFlag, t.size);
          for (const m of t.members) {
            put(str(m.name));
            put(ref(m.type, id, `member ${m.name}`));
            put(kindFlag ? (m.bitfieldSize << 24 | m.bitOffset) >>> 0 : m.bitOffset);
          }
          break;
        }
        case "enum":
          head(t.name, t.kind, t.values.length, t.signed, t.size);
          for (const e of t.values) {
            put(str(e.name));
            put(e.value >>> 0);
          }
          break;
        case "enum64":
          head(t.name, t.kind, t.values.length, t.signed, t.size);
          for (const e of t.values) {
            const raw = BigInt.asUintN(64, e.value);
            put(str(e.name));
            put(Number(raw & 0xffffffffn));
            put(Number(raw >> 32n));
          }
          break;
        case "fwd":
          head(t.name, t.kind, 0, t.union, 0);
          break;
        case "func":
          head(t.name, t.kind, t.linkage, false, ref(t.type, id, "the prototype"));
          break;
        case "func_proto":
          head(t.name, t.kind, t.params.length + (t.variadic ? 1 : 0), false, ref(t.returnType, id, "the return type"));
          for (const p of t.params) {
            put(str(p.name));
            put(ref(p.type, id, `parameter ${p.name || "(unnamed)"}`));
          }
          if (t.variadic) {
            put(0);
            put(0);
          }
          break;
        case "var":
          head(t.name, t.kind, 0, false, ref(t.type, id, "the variable's type"));
          put(t.linkage);
          break;
        case "datasec":
          head(t.name, t.kind, t.vars.length, false, t.size);
          for (const s of t.vars) {
            put(ref(s.type, id, "a section variable"));
            put(s.offset);
            put(s.size);
          }
          break;
        case "float":
          head(t.name, t.kind, 0, false, t.size);
          break;
        case "decl_tag":
          head(t.name, t.kind, 0, t.attribute, ref(t.type, id, "the tagged declaration"));
          put(t.componentIdx >>> 0);
          break;
      }
    });

    for (const chunk of this.#stringBytes) {
      out.set(chunk, at);
      at += chunk.length;
    }
    return out;
  }

  #tailSize(t: BtfTypeInput | undefined, id: TypeId): number {
    if (!t) throw new BtfError(`type id ${id} was reserved but never defined`);
    switch (t.kind) {
      case "int": case "var": case "decl_tag": return 4;
      case "array": return 12;
      case "struct": case "union": return 12 * t.members.length;
      case "enum": return 8 * t.values.length;
      case "enum64": return 12 * t.values.length;
      case "func_proto": return 8 * (t.params.length + (t.variadic ? 1 : 0));
      case "datasec": return 12 * t.vars.length;
      case "ptr": case "fwd": case "typedef": case "volatile": case "const": case "restrict": case "func":
      case "float": case "type_tag":
        return 0;
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// func_info, line_info and CO-RE relocation records.

/** BPF_LINE_INFO_LINE_NUM / _LINE_COL: the line in the top 22 bits, the column in the low 10. */
export const LINE_COL_MAX_COLUMN = 0x3ff;
export const LINE_COL_MAX_LINE = 0x3fffff;

/**
 * Packs `line << 10 | column`. A column past 1023 (long lines in generated code) is clamped: the verifier only
 * prints it, and a wrong column is better than a wrong line. A line past 2^22 - 1 cannot be encoded: BtfError.
 */
export function lineCol(line: number, column: number): number {
  if (!Number.isInteger(line) || line < 0 || line > LINE_COL_MAX_LINE) throw new BtfError(`line ${line} does not fit the 22 bits of line_col`);
  const col = Math.max(0, Math.min(Math.trunc(column), LINE_COL_MAX_COLUMN));
  return ((line << 10) | col) >>> 0;
}

/** Encodes `records` with `write(view, at, record)` into `size`-byte slots. */
function encodeRecords<R>(records: readonly R[], size: number, write: (v: DataView, at: number, r: R) => void): Uint8Array {
  const out = new Uint8Array(records.length * size);
  const v = new DataView(out.buffer);
  records.forEach((r, i) => write(v, i * size, r));
  return out;
}

/** Writes one record; `unit` is 1 for PROG_LOAD (slots) and 8 for .BTF.ext (bytes). */
const writeFuncInfo = (unit: number) => (v: DataView, at: number, r: FuncInfo) => {
  v.setUint32(at, checkUnsigned(r.insnOff * unit, 32, "func_info insn_off"), true);
  v.setUint32(at + 4, checkUnsigned(r.typeId, 32, "func_info type_id"), true);
};
const writeLineInfo = (unit: number) => (v: DataView, at: number, r: LineInfo) => {
  v.setUint32(at, checkUnsigned(r.insnOff * unit, 32, "line_info insn_off"), true);
  v.setUint32(at + 4, checkUnsigned(r.fileNameOff, 32, "line_info file_name_off"), true);
  v.setUint32(at + 8, checkUnsigned(r.lineOff, 32, "line_info line_off"), true);
  v.setUint32(at + 12, lineCol(r.line, r.column), true);
};
const writeCoreRelo = (unit: number) => (v: DataView, at: number, r: CoreRelo) => {
  v.setUint32(at, checkUnsigned(r.insnOff * unit, 32, "core_relo insn_off"), true);
  v.setUint32(at + 4, checkUnsigned(r.typeId, 32, "core_relo type_id"), true);
  v.setUint32(at + 8, checkUnsigned(r.accessStrOff, 32, "core_relo access_str_off"), true);
  v.setUint32(at + 12, checkUnsigned(r.kind, 32, "core_relo kind"), true);
};

/** The `func_info` array of PROG_LOAD (func_info_rec_size = 8); insn_off in slots. */
export function encodeFuncInfo(records: readonly FuncInfo[]): Uint8Array {
  return encodeRecords(records, FUNC_INFO_SIZE, writeFuncInfo(1));
}

/** The `line_info` array of PROG_LOAD (line_info_rec_size = 16); insn_off in slots. */
export function encodeLineInfo(records: readonly LineInfo[]): Uint8Array {
  return encodeRecords(records, LINE_INFO_SIZE, writeLineInfo(1));
}

/** The `core_relos` array of PROG_LOAD (core_relo_rec_size = 16, Linux 5.17); insn_off in slots. */
export function encodeCoreRelos(records: readonly CoreRelo[]): Uint8Array {
  return encodeRecords(records, CORE_RELO_SIZE, writeCoreRelo(1));
}

// ---------------------------------------------------------------------------------------------------------------
// .BTF.ext

/**
 * Encodes a .BTF.ext section (struct btf_ext_header; hdr_len 24, or 32 when there are CO-RE relocations).
 * Section names go into the .BTF string table through `strings` (a BtfBuilder): call this **before** encoding
 * the builder. `insnOff` is given in slots and written in bytes (× 8), as .BTF.ext counts bytes where PROG_LOAD
 * counts slots. Sections without records are left out and an empty subsection has length 0: libbpf rejects a
 * subsection that has a record size but no records, and a section whose num_info is 0.
 */
export function encodeBtfExt(ext: BtfExt, strings: { addString(s: string): number }): Uint8Array {
  const sub = <R>(sections: readonly ExtSection<R>[] | undefined, size: number, write: (v: DataView, at: number, r: R) => void) => {
    const used = (sections ?? []).filter((s) => s.records.length > 0);
    if (used.length === 0) return new Uint8Array(0);
    const len = 4 + used.reduce((n, s) => n + 8 + s.records.length * size, 0);
    const out = new Uint8Array(len);
    const v = new DataView(out.buffer);
    v.setUint32(0, size, true);
    let at = 4;
    for (const s of used) {
      v.setUint32(at, strings.addString(s.section), true);
      v.setUint32(at + 4, s.records.length, true);
      at += 8;
      for (const r of s.records) {
        write(v, at, r);
        at += size;
      }
    }
    return out;
  };
  const func = sub(ext.funcInfo, FUNC_INFO_SIZE, writeFuncInfo(8));
  const line = sub(ext.lineInfo, LINE_INFO_SIZE, writeLineInfo(8));
  const core = sub(ext.coreRelos, CORE_RELO_SIZE, writeCoreRelo(8));
  const hdrLen = core.length > 0 ? 32 : 24;
  const out = new Uint8Array(hdrLen + func.length + line.length + core.length);
  const v = new DataView(out.buffer);
  v.setUint16(0, BTF_MAGIC, true);
  v.setUint8(2, BTF_VERSION);
  v.setUint8(3, 0);
  v.setUint32(4, hdrLen, true);
  v.setUint32(8, 0, true);
  v.setUint32(12, func.length, true);
  v.setUint32(16, func.length, true);
  v.setUint32(20, line.length, true);
  if (hdrLen === 32) {
    v.setUint32(24, func.length + line.length, true);
    v.setUint32(28, core.length, true);
  }
  out.set(func, hdrLen);
  out.set(line, hdrLen + func.length);
  out.set(core, hdrLen + func.length + line.length);
  return out;
}
