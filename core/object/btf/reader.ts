// BTF reader: raw blob bytes (vmlinux, a module's split BTF, a .BTF section) in, a lazily decoded `Btf` out; and
// a .BTF.ext section in, its records out. One pass indexes where each type starts; a type decodes on first access.

import {
  BTF_MAGIC, BTF_VERSION, type BtfExt, BtfError, BtfKind, type BtfType, type BtfTypeKind, CORE_RELO_SIZE, type CoreRelo,
  type ExtSection, FUNC_INFO_SIZE, type FuncInfo, type FuncProtoType, IntEncoding, KIND_NAMES, LINE_INFO_SIZE,
  type LineInfo, MODIFIER_KINDS, type Member, type Param, type TypeId,
} from "./types.ts";

/** The fields of `struct btf_header`. Offsets are relative to the end of the header, as in the blob. */
export interface BtfHeader {
  readonly magic: number;
  readonly version: number;
  readonly flags: number;
  readonly hdrLen: number;
  readonly typeOff: number;
  readonly typeLen: number;
  readonly strOff: number;
  readonly strLen: number;
}

/** The result of `member()`: a member found directly or through anonymous struct/union members. */
export interface MemberRef {
  readonly name: string;
  readonly type: TypeId;
  /** Offset from the start of the outer struct, in bits: the anonymous members' offsets are added in. */
  readonly bitOffset: number;
  readonly bitfieldSize: number;
  /** Member indices from the outer struct down, one per level: the tail of a CO-RE access string ("0:1:0"). */
  readonly path: readonly number[];
}

const VOID: BtfType = Object.freeze({ kind: "void", id: 0, name: "" } as const);

/** How deep `resolve`, `sizeOf` and `typeName` follow references before calling the blob cyclic. */
const MAX_DEPTH = 64;

/** Bytes of the kind-specific tail after the 12-byte `struct btf_type`; -1 for a kind we do not know. */
function tailSize(kind: number, vlen: number): number {
  switch (kind) {
    case BtfKind.Int: return 4;
    case BtfKind.Ptr: case BtfKind.Fwd: case BtfKind.Typedef: case BtfKind.Volatile: case BtfKind.Const:
    case BtfKind.Restrict: case BtfKind.Func: case BtfKind.Float: case BtfKind.TypeTag:
      return 0;
    case BtfKind.Array: return 12;
    case BtfKind.Struct: case BtfKind.Union: case BtfKind.Datasec: case BtfKind.Enum64: return 12 * vlen;
    case BtfKind.Enum: case BtfKind.FuncProto: return 8 * vlen;
    case BtfKind.Var: case BtfKind.DeclTag: return 4;
    default: return -1;
  }
}

/** The name index: `heads[hash & mask]` and `next[i]` hold a record index + 1, 0 ending the chain. */
interface NameIndex {
  readonly heads: Int32Array;
  readonly next: Int32Array;
  readonly mask: number;
}

/** 32-bit FNV-1a over bytes: cheap, and good enough to spread C identifiers. */
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
function fnv1a(bytes: Uint8Array, start: number, end: number): number {
  let h = FNV_OFFSET;
  for (let p = start; p < end; p++) h = Math.imul(h ^ bytes[p]!, FNV_PRIME);
  return h >>> 0;
}

const utf8Encoder = new TextEncoder();

/** A little-endian u32; a plain function rather than a closure per decoded type. */
function u32(v: DataView, at: number): number {
  return v.getUint32(at, true);
}

/** Reads a NUL-terminated string. Names are almost always short ASCII, which is quicker to build by hand. */
const utf8 = new TextDecoder("utf-8", { fatal: false });
function decodeString(bytes: Uint8Array, start: number, end: number): string {
  if (end - start <= 64) {
    let s = "";
    for (let i = start; i < end; i++) {
      const c = bytes[i]!;
      if (c >= 0x80) return utf8.decode(bytes.subarray(start, end));
      s += String.fromCharCode(c);
    }
    return s;
  }
  return utf8.decode(bytes.subarray(start, end));
}

/**
 * A parsed BTF blob. Ids run from `firstId` to `count`; with a base (split BTF), ids below `firstId` and string
 * offsets below `base.stringsEnd` belong to the base, and every query looks through to it.
 */
export class Btf {
  /** The base BTF of a split blob (vmlinux for a module), or undefined. */
  readonly base: Btf | undefined;
  readonly header: BtfHeader;
  /** The id of this blob's first record: 1, or the base's `count + 1`. */
  readonly firstId: TypeId;
  /** The last valid type id (base types included), so valid ids are 1..count. */
  readonly count: number;
  /** One past the last string offset: where a split blob built on this one starts its string offsets. */
  readonly stringsEnd: number;

  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  readonly #strStart: number;
  readonly #strLen: number;
  /** Absolute byte offset of each record, indexed by id - firstId. */
  readonly #offsets: Uint32Array;
  readonly #cache: (BtfType | undefined)[];
  #names: NameIndex | undefined;
  #pointerSize: number | undefined;

  /** Use `parseBtf`. */
  constructor(bytes: Uint8Array, header: BtfHeader, offsets: Uint32Array, base: Btf | undefined) {
    this.base = base;
    this.header = header;
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#strStart = header.hdrLen + header.strOff;
    this.#strLen = header.strLen;
    this.#offsets = offsets;
    this.#cache = new Array<BtfType | undefined>(offsets.length);
    this.firstId = (base?.count ?? 0) + 1;
    this.count = this.firstId - 1 + offsets.length;
    this.stringsEnd = (base?.stringsEnd ?? 0) + header.strLen;
  }

  /** The string at `offset` in the string section (offsets continue after the base's for split BTF). */
  stringAt(offset: number): string {
    const { bytes, start, end } = this.#locate(offset);
    return decodeString(bytes, start, end);
  }

  /** The type with this id; 0 is void. An id past `count` is a BtfError (a dangling reference in the blob). */
  typeById(id: TypeId): BtfType {
    if (id === 0) return VOID;
    if (id < this.firstId) {
      if (this.base && id > 0) return this.base.typeById(id);
      throw new BtfError(`type id ${id} is not a valid id`);
    }
    const index = id - this.firstId;
    if (index >= this.#offsets.length || !Number.isInteger(id)) {
      throw new BtfError(`type id ${id} is out of range (the last id is ${this.count})`);
    }
    return this.#cache[index] ?? (this.#cache[index] = this.#decode(id, this.#offsets[index]!));
  }

  /** This blob's own types, in id order (not the base's). */
  *types(): IterableIterator<BtfType> {
    for (let id = this.firstId; id <= this.count; id++) yield this.typeById(id);
  }

  /** Every type with this name (and kind, if given), base types first, in id order. */
  findByName<K extends BtfTypeKind>(name: string, kind: K): Extract<BtfType, { kind: K }>[];
  findByName(name: string, kind?: BtfTypeKind): BtfType[];
  findByName(name: string, kind?: BtfTypeKind): BtfType[] {
    const found = this.base ? this.base.findByName(name, kind) : [];
    if (name === "") return found; // anonymous types are not indexed
    const query = utf8Encoder.encode(name);
    const { heads, next, mask } = this.#nameIndex();
    for (let i = heads[fnv1a(query, 0, query.length) & mask]! - 1; i >= 0; i = next[i]! - 1) {
      if (!this.#nameEquals(this.#view.getUint32(this.#offsets[i]!, true), query)) continue;
      const t = this.typeById(this.firstId + i);
      if (kind === undefined || t.kind === kind) found.push(t);
    }
    return found;
  }

  /**
   * The distinct names of every type of `kind` (base types first), for "did you mean" suggestions. Decodes only
   * names, selecting records by the kind bits of their header word; expect tens of ms for vmlinux's functions.
   */
  namesOfKind(kind: BtfTypeKind): string[] {
    const names = new Set(this.base ? this.base.namesOfKind(kind) : []);
    if (kind === "void") return [...names];
    const number = KIND_NAMES.indexOf(kind);
    for (let i = 0; i < this.#offsets.length; i++) {
      const at = this.#offsets[i]!;
      if (((this.#view.getUint32(at + 4, true) >>> 24) & 0x1f) !== number) continue;
      const nameOff = this.#view.getUint32(at, true);
      if (nameOff !== 0) names.add(this.stringAt(nameOff));
    }
    return [...names];
  }

  /** Follows typedef, const, volatile, restrict and type_tag to the type underneath. */
  resolve(id: TypeId): BtfType {
    let t = this.typeById(id);
    for (let depth = 0; MODIFIER_KINDS.has(t.kind); depth++) {
      if (depth > MAX_DEPTH) throw new BtfError(`type ${id} is a cycle of typedefs or qualifiers`);
      t = this.typeById((t as { readonly type: TypeId }).type);
    }
    return t;
  }

  /**
   * The size in bytes of a value of this type. Pointers take the size of the blob's `long` (8 on 64-bit
   * kernels). void, forward declarations, functions and tags have no size: BtfError.
   */
  sizeOf(id: TypeId): number {
    return this.#sizeOf(id, 0);
  }

  #sizeOf(id: TypeId, depth: number): number {
    if (depth > MAX_DEPTH) throw new BtfError(`type ${id} nests too deeply to have a size`);
    const t = this.resolve(id);
    switch (t.kind) {
      case "int": case "enum": case "enum64": case "float": case "struct": case "union": case "datasec":
        return t.size;
      case "ptr":
        return this.#ptrSize();
      case "array":
        return t.nelems * this.#sizeOf(t.elemType, depth + 1);
      case "var":
        return this.#sizeOf(t.type, depth + 1);
      case "void": case "fwd": case "func": case "func_proto": case "decl_tag":
        throw new BtfError(`${this.typeName(id)} (type ${id}, ${t.kind}) has no size`);
      case "typedef": case "const": case "volatile": case "restrict": case "type_tag":
        throw new BtfError(`type ${id} did not resolve`); // resolve() never stops on a modifier
    }
  }

  /** libbpf's determine_ptr_size: the size of `long` tells a 32-bit kernel's BTF from a 64-bit one. */
  #ptrSize(): number {
    if (this.base) return this.base.#ptrSize();
    if (this.#pointerSize !== undefined) return this.#pointerSize;
    let size = 8;
    const longs = new Set(["long", "long int", "unsigned long", "long unsigned int"]);
    for (let i = 0; i < this.#offsets.length; i++) {
      // Only INT records can be `long`; the kind is in the header word, so nothing else gets decoded.
      if (((this.#view.getUint32(this.#offsets[i]! + 4, true) >>> 24) & 0x1f) !== BtfKind.Int) continue;
      const t = this.typeById(this.firstId + i);
      if (t.kind === "int" && longs.has(t.name) && (t.size === 4 || t.size === 8)) {
        size = t.size;
        break;
      }
    }
    return (this.#pointerSize = size);
  }

  /**
   * The member `name` of a struct or union (or a typedef of one), looking inside anonymous struct and union
   * members as C does. undefined when there is no such member; BtfError when the type is not a struct or union.
   */
  member(structId: TypeId, name: string): MemberRef | undefined {
    const t = this.resolve(structId);
    if (t.kind !== "struct" && t.kind !== "union") {
      throw new BtfError(`${this.typeName(structId)} (type ${structId}, ${t.kind}) is not a struct or union`);
    }
    return this.#findMember(t.members, name, 0, [], 0);
  }

  #findMember(members: readonly Member[], name: string, bitOffset: number, path: readonly number[], depth: number): MemberRef | undefined {
    if (depth > MAX_DEPTH) throw new BtfError(`anonymous members nest more than ${MAX_DEPTH} deep`);
    for (let i = 0; i < members.length; i++) {
      const m = members[i]!;
      if (m.name === name) {
        return { name, type: m.type, bitOffset: bitOffset + m.bitOffset, bitfieldSize: m.bitfieldSize, path: [...path, i] };
      }
      if (m.name === "") {
        const inner = this.resolve(m.type);
        if (inner.kind === "struct" || inner.kind === "union") {
          const found = this.#findMember(inner.members, name, bitOffset + m.bitOffset, [...path, i], depth + 1);
          if (found) return found;
        }
      }
    }
    return undefined;
  }

  /**
   * C-like text for a type: `struct task_struct *`, `unsigned int`, `char[16]`, `const char *`, `char *const`,
   * `int (*)(void *, ...)`. Anonymous aggregates print as `struct {...}`.
   */
  typeName(id: TypeId): string {
    return this.#declare(id, "", 0);
  }

  /** C-like text declaring `name` of this type: `char comm[16]`, `struct mm_struct *mm`, `void (*fn)(int)`. */
  declaration(id: TypeId, name: string): string {
    return this.#declare(id, name, 0);
  }

  /** The classic declarator walk: `inner` is what is already wrapped around the name (stars, suffixes). */
  #declare(id: TypeId, inner: string, depth: number): string {
    if (depth > MAX_DEPTH) return "...";
    const t = this.typeById(id);
    switch (t.kind) {
      case "void": return attach("void", inner);
      case "int": case "float": case "typedef": return attach(t.name, inner);
      case "struct": case "union": return attach(t.name ? `${t.kind} ${t.name}` : `${t.kind} {...}`, inner);
      case "enum": case "enum64": return attach(t.name ? `enum ${t.name}` : "enum {...}", inner);
      case "fwd": return attach(`${t.union ? "union" : "struct"} ${t.name}`, inner);
      case "ptr": return this.#declare(t.type, "*" + inner, depth + 1);
      case "array": return this.#declare(t.elemType, `${parenthesize(inner)}[${t.nelems}]`, depth + 1);
      case "func_proto": {
        const params = t.params.map((p) => this.#declare(p.type, "", depth + 1));
        if (t.variadic) params.push("...");
        return this.#declare(t.returnType, `${parenthesize(inner)}(${params.length ? params.join(", ") : "void"})`, depth + 1);
      }
      case "func": return this.#declare(t.type, t.name + inner, depth + 1);
      case "var": return this.#declare(t.type, t.name + inner, depth + 1);
      case "datasec": return attach(`SEC("${t.name}")`, inner);
      case "decl_tag": return attach(`__attribute__((btf_decl_tag("${t.name}")))`, inner);
      case "const": case "volatile": case "restrict": case "type_tag": {
        const word = t.kind === "type_tag" ? `__attribute__((btf_type_tag("${t.name}")))` : t.kind;
        // A qualifier on a pointer goes after its star (`char *const`); on anything else, in front.
        const target = this.typeById(t.type);
        if (target.kind === "ptr") return this.#declare(target.type, `*${word}${inner ? " " + inner : ""}`, depth + 1);
        return `${word} ${this.#declare(t.type, inner, depth + 1)}`;
      }
    }
  }

  /**
   * The name index, built on first use: a hash table over the names' bytes, chained through `next`. Hashing
   * bytes in place instead of decoding >100k names into strings keeps the first lookup in vmlinux at ~10 ms.
   */
  #nameIndex(): NameIndex {
    if (this.#names) return this.#names;
    const n = this.#offsets.length;
    let size = 1024;
    while (size < n * 2) size *= 2;
    const heads = new Int32Array(size);
    const next = new Int32Array(n);
    const mask = size - 1;
    // Walk backwards so that each chain lists ids in ascending order.
    for (let i = n - 1; i >= 0; i--) {
      const nameOff = this.#view.getUint32(this.#offsets[i]!, true);
      if (nameOff === 0) continue;
      const bucket = this.#hashName(nameOff) & mask;
      next[i] = heads[bucket]!;
      heads[bucket] = i + 1;
    }
    return (this.#names = { heads, next, mask });
  }

  /** Where the NUL-terminated string at `offset` starts and ends in whichever blob (base or split) holds it. */
  #locate(offset: number): { bytes: Uint8Array; start: number; end: number } {
    const base = this.base;
    if (base && offset < base.stringsEnd) return base.#locate(offset);
    const local = offset - (base?.stringsEnd ?? 0);
    if (local < 0 || local >= this.#strLen) {
      throw new BtfError(`string offset ${offset} is outside the string section (${this.stringsEnd} bytes)`);
    }
    const start = this.#strStart + local;
    const end = this.#bytes.indexOf(0, start);
    if (end < 0 || end >= this.#strStart + this.#strLen) throw new BtfError(`string at offset ${offset} is not NUL-terminated`);
    return { bytes: this.#bytes, start, end };
  }

  #hashName(offset: number): number {
    const base = this.base;
    if (base && offset < base.stringsEnd) return base.#hashName(offset);
    const local = offset - (base?.stringsEnd ?? 0);
    if (local < 0 || local >= this.#strLen) {
      throw new BtfError(`string offset ${offset} is outside the string section (${this.stringsEnd} bytes)`);
    }
    // The section ends with a NUL (checked by parseBtf), so this loop stops inside it.
    const bytes = this.#bytes;
    let h = FNV_OFFSET;
    for (let p = this.#strStart + local, c = bytes[p]!; c !== 0; c = bytes[++p]!) h = Math.imul(h ^ c, FNV_PRIME);
    return h >>> 0;
  }

  #nameEquals(offset: number, query: Uint8Array): boolean {
    const { bytes, start, end } = this.#locate(offset);
    if (end - start !== query.length) return false;
    for (let i = 0; i < query.length; i++) if (bytes[start + i] !== query[i]) return false;
    return true;
  }

  #decode(id: TypeId, at: number): BtfType {
    const v = this.#view;
    const name = this.stringAt(u32(v, at));
    const info = u32(v, at + 4);
    const vlen = info & 0xffff;
    const kindFlag = info >>> 31 === 1;
    const sizeOrType = u32(v, at + 8);
    const tail = at + 12;
    const kind = KIND_NAMES[(info >>> 24) & 0x1f];
    switch (kind) {
      case "int": {
        const word = u32(v, tail);
        return Object.freeze({
          kind, id, name, size: sizeOrType, encoding: ((word >>> 24) & 0x0f) as IntEncoding, bitOffset: (word >>> 16) & 0xff,
          bits: word & 0xff,
        });
      }
      case "ptr": case "typedef":
        return Object.freeze({ kind, id, name, type: sizeOrType });
      case "volatile": case "const": case "restrict":
        return Object.freeze({ kind, id, name, type: sizeOrType });
      case "array":
        return Object.freeze({ kind, id, name, elemType: u32(v, tail), indexType: u32(v, tail + 4), nelems: u32(v, tail + 8) });
      case "struct": case "union": {
        const members: Member[] = [];
        for (let i = 0, p = tail; i < vlen; i++, p += 12) {
          const offset = u32(v, p + 8);
          members.push(Object.freeze({
            name: this.stringAt(u32(v, p)), type: u32(v, p + 4),
            // With kind_flag (Linux 5.1) the top 8 bits are the bitfield size; without it the whole word is the offset.
            bitOffset: kindFlag ? offset & 0xffffff : offset, bitfieldSize: kindFlag ? offset >>> 24 : 0,
          }));
        }
        return Object.freeze({ kind, id, name, size: sizeOrType, members: Object.freeze(members) });
      }
      case "enum": {
        const values = [];
        for (let i = 0, p = tail; i < vlen; i++, p += 8) {
          values.push(Object.freeze({ name: this.stringAt(u32(v, p)), value: kindFlag ? v.getInt32(p + 4, true) : u32(v, p + 4) }));
        }
        return Object.freeze({ kind, id, name, size: sizeOrType, signed: kindFlag, values: Object.freeze(values) });
      }
      case "enum64": {
        const values = [];
        for (let i = 0, p = tail; i < vlen; i++, p += 12) {
          const raw = (BigInt(u32(v, p + 8)) << 32n) | BigInt(u32(v, p + 4));
          values.push(Object.freeze({ name: this.stringAt(u32(v, p)), value: kindFlag ? BigInt.asIntN(64, raw) : raw }));
        }
        return Object.freeze({ kind, id, name, size: sizeOrType, signed: kindFlag, values: Object.freeze(values) });
      }
      case "fwd":
        return Object.freeze({ kind, id, name, union: kindFlag });
      case "func":
        return Object.freeze({ kind, id, name, type: sizeOrType, linkage: vlen });
      case "func_proto": {
        const params: Param[] = [];
        let variadic = false;
        for (let i = 0, p = tail; i < vlen; i++, p += 8) {
          const nameOff = u32(v, p);
          const type = u32(v, p + 4);
          // `...` is a last parameter with neither name nor type.
          if (i === vlen - 1 && nameOff === 0 && type === 0) variadic = true;
          else params.push(Object.freeze({ name: this.stringAt(nameOff), type }));
        }
        const proto: FuncProtoType = { kind, id, name, returnType: sizeOrType, params: Object.freeze(params), variadic };
        return Object.freeze(proto);
      }
      case "var":
        return Object.freeze({ kind, id, name, type: sizeOrType, linkage: u32(v, tail) });
      case "datasec": {
        const vars = [];
        for (let i = 0, p = tail; i < vlen; i++, p += 12) {
          vars.push(Object.freeze({ type: u32(v, p), offset: u32(v, p + 4), size: u32(v, p + 8) }));
        }
        return Object.freeze({ kind, id, name, size: sizeOrType, vars: Object.freeze(vars) });
      }
      case "float":
        return Object.freeze({ kind, id, name, size: sizeOrType });
      case "decl_tag":
        return Object.freeze({ kind, id, name, type: sizeOrType, componentIdx: v.getInt32(tail, true), attribute: kindFlag });
      case "type_tag":
        return Object.freeze({ kind, id, name, type: sizeOrType, attribute: kindFlag });
      case undefined:
        // parseBtf checked every kind, so this is a bug rather than a bad blob.
        throw new BtfError(`type ${id} has unknown kind ${(info >>> 24) & 0x1f}`);
    }
  }
}

/** Puts a base type in front of its declarator: `char *`, `char[16]`, `int (*)(void)`, `int(void)`. */
function attach(text: string, inner: string): string {
  if (inner === "") return text;
  const suffixOnly = inner.startsWith("[") || (inner.startsWith("(") && !inner.startsWith("(*"));
  return suffixOnly ? text + inner : `${text} ${inner}`;
}

/** Wraps an array or function suffix around a pointer declarator: `(*)[16]`, `(*)(int)`. */
function parenthesize(inner: string): string {
  return inner.startsWith("*") ? `(${inner})` : inner;
}

/** Reads and checks `struct btf_header`. */
function readHeader(bytes: Uint8Array, view: DataView): BtfHeader {
  if (bytes.length < 8) throw new BtfError(`BTF blob is truncated: ${bytes.length} bytes, shorter than a header`);
  const magic = view.getUint16(0, true);
  if (magic !== BTF_MAGIC) {
    const hint = magic === 0x9feb ? " (a big-endian blob; only little-endian BTF is supported)" : "";
    throw new BtfError(`bad BTF magic 0x${magic.toString(16).padStart(4, "0")}, expected 0xeb9f${hint}`);
  }
  const version = view.getUint8(2);
  if (version !== BTF_VERSION) throw new BtfError(`unsupported BTF version ${version}, expected ${BTF_VERSION}`);
  const hdrLen = view.getUint32(4, true);
  // A 32-byte header (2026 UAPI) adds a layout section we do not need: the kinds we know have fixed sizes.
  if (hdrLen < 24) throw new BtfError(`BTF hdr_len ${hdrLen} is shorter than the 24-byte header`);
  if (bytes.length < hdrLen) throw new BtfError(`BTF blob is truncated: ${bytes.length} bytes, hdr_len is ${hdrLen}`);
  const header: BtfHeader = {
    magic, version, flags: view.getUint8(3), hdrLen,
    typeOff: view.getUint32(8, true), typeLen: view.getUint32(12, true),
    strOff: view.getUint32(16, true), strLen: view.getUint32(20, true),
  };
  const body = bytes.length - hdrLen;
  if (header.typeOff + header.typeLen > body) {
    throw new BtfError(`BTF blob is truncated: the type section ends at ${header.typeOff + header.typeLen}, past the ${body} bytes after the header`);
  }
  if (header.strOff + header.strLen > body) {
    throw new BtfError(`BTF blob is truncated: the string section ends at ${header.strOff + header.strLen}, past the ${body} bytes after the header`);
  }
  if (header.typeOff % 4 !== 0) throw new BtfError(`BTF type section offset ${header.typeOff} is not 4-byte aligned`);
  return header;
}

/**
 * Parses a raw BTF blob. With `base`, the blob is split BTF (a kernel module's /sys/kernel/btf/<module>): its
 * first type has id `base.count + 1` and its string offsets start at `base.stringsEnd`.
 * Indexes every record in one pass and checks that each fits in the type section; types decode lazily, so the
 * returned Btf keeps `bytes` (do not modify them) and a bad string or id inside a record surfaces on access.
 */
export function parseBtf(bytes: Uint8Array, base?: Btf): Btf {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const header = readHeader(bytes, view);
  const start = header.hdrLen + header.typeOff;
  const end = start + header.typeLen;
  // Only the base's string section must start with "\0" (offset 0 = ""); a split blob's offset 0 is the base's.
  const strStart = header.hdrLen + header.strOff;
  if (!base && (header.strLen === 0 || bytes[strStart] !== 0)) {
    throw new BtfError(`BTF string section must start with a NUL byte (offset 0 is the empty name)`);
  }
  if (header.strLen > 0 && bytes[strStart + header.strLen - 1] !== 0) {
    throw new BtfError(`BTF string section does not end with a NUL byte`);
  }
  const offsets = new Uint32Array(Math.floor(header.typeLen / 12));
  let n = 0;
  for (let at = start; at < end; n++) {
    if (at + 12 > end) throw new BtfError(`BTF type section is truncated: type ${(base?.count ?? 0) + n + 1} at byte ${at - start} has ${end - at} of its 12 header bytes`);
    const info = view.getUint32(at + 4, true);
    const kind = (info >>> 24) & 0x1f;
    const size = tailSize(kind, info & 0xffff);
    if (size < 0) throw new BtfError(`type ${(base?.count ?? 0) + n + 1} at byte ${at - start} of the type section has unknown kind ${kind}`);
    if (at + 12 + size > end) {
      throw new BtfError(`BTF type section is truncated: type ${(base?.count ?? 0) + n + 1} (${KIND_NAMES[kind]}) needs ${12 + size} bytes, ${end - at} remain`);
    }
    offsets[n] = at;
    at += 12 + size;
  }
  return new Btf(bytes, header, offsets.slice(0, n), base);
}

/**
 * Parses a .BTF.ext section; `btf` is the object's .BTF, which holds the section names. Offsets come back in
 * slots (the file's byte offsets / 8), like the records `encodeBtfExt` takes. Records longer than the ones we
 * know (a newer rec_size) are read by their known prefix, as libbpf does.
 */
export function parseBtfExt(bytes: Uint8Array, btf: Btf): BtfExt {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 8) throw new BtfError(`.BTF.ext is truncated: ${bytes.length} bytes`);
  const magic = view.getUint16(0, true);
  if (magic !== BTF_MAGIC) throw new BtfError(`bad .BTF.ext magic 0x${magic.toString(16).padStart(4, "0")}, expected 0xeb9f`);
  const hdrLen = view.getUint32(4, true);
  if (hdrLen < 24 || hdrLen > bytes.length) throw new BtfError(`.BTF.ext hdr_len ${hdrLen} is invalid for a ${bytes.length}-byte section`);
  const slots = (off: number, what: string) => {
    if (off % 8 !== 0) throw new BtfError(`.BTF.ext ${what} insn_off ${off} is not a multiple of 8 bytes`);
    return off / 8;
  };
  function sub<R>(field: number, what: string, minSize: number, read: (at: number) => R): ExtSection<R>[] | undefined {
    if (field + 8 > hdrLen) return undefined;
    const off = view.getUint32(field, true);
    const len = view.getUint32(field + 4, true);
    if (len === 0) return undefined;
    const start = hdrLen + off;
    const end = start + len;
    if (end > bytes.length || len < 4) throw new BtfError(`.BTF.ext ${what} subsection (off ${off}, len ${len}) is truncated`);
    const size = view.getUint32(start, true);
    if (size < minSize || size % 4 !== 0) throw new BtfError(`.BTF.ext ${what} record size ${size} is invalid (at least ${minSize})`);
    const sections: ExtSection<R>[] = [];
    for (let at = start + 4; at < end;) {
      if (at + 8 > end) throw new BtfError(`.BTF.ext ${what}: a section header is truncated`);
      const section = btf.stringAt(view.getUint32(at, true));
      const n = view.getUint32(at + 4, true);
      at += 8;
      if (at + n * size > end) throw new BtfError(`.BTF.ext ${what} for ${section}: ${n} records overrun the subsection`);
      const records: R[] = [];
      for (let i = 0; i < n; i++, at += size) records.push(read(at));
      sections.push({ section, records });
    }
    return sections;
  }
  const u32 = (at: number) => view.getUint32(at, true);
  const funcInfo = sub<FuncInfo>(8, "func_info", FUNC_INFO_SIZE, (at) => ({ insnOff: slots(u32(at), "func_info"), typeId: u32(at + 4) }));
  const lineInfo = sub<LineInfo>(16, "line_info", LINE_INFO_SIZE, (at) => ({
    insnOff: slots(u32(at), "line_info"), fileNameOff: u32(at + 4), lineOff: u32(at + 8),
    line: u32(at + 12) >>> 10, column: u32(at + 12) & 0x3ff,
  }));
  const coreRelos = sub<CoreRelo>(24, "core_relo", CORE_RELO_SIZE, (at) => ({
    insnOff: slots(u32(at), "core_relo"), typeId: u32(at + 4), accessStrOff: u32(at + 8), kind: u32(at + 12),
  }));
  return {
    ...(funcInfo ? { funcInfo } : {}),
    ...(lineInfo ? { lineInfo } : {}),
    ...(coreRelos ? { coreRelos } : {}),
  };
}
