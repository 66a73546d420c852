// BTF for an ELF object, on one BtfBuilder: layout types (TypeDesc) in, C-like BTF types out (map keys and values,
// global variables); a map's BTF definition as libbpf reads `.maps` (`int (*type)[T]`, `K *key`...); and the local
// types of CO-RE field relocations: for each kernel struct a program reads, a struct of that name holding only the
// members it reads (named as in the kernel, typed with the kernel member's BTF kind, which libbpf matches), laid out
// here, with the access string ("0:1:0") of each read.

import { type Btf, BtfBuilder, type BtfType, IntEncoding, type TypeId } from "../btf/index.ts";
import { type TypeDesc, layoutOf } from "../layout.ts";
import { namedStruct } from "../relocate.ts";

/** A kernel struct field that cannot be described (absent from the kernel's BTF, a bitfield, an unknown kind). */
export class FieldTypeError extends Error {
  override readonly name = "FieldTypeError";
}

const INT_NAMES: Record<number, [string, string]> = {
  1: ["unsigned char", "signed char"], 2: ["unsigned short", "short"], 4: ["unsigned int", "int"], 8: ["unsigned long long", "long long"],
};

/** Adds BTF types to one builder, sharing the ones it has already added. */
export class ObjectBtf {
  readonly b = new BtfBuilder();
  readonly #ints = new Map<string, TypeId>();
  readonly #descs = new Map<string, TypeId>();
  readonly #structNames = new Set<string>();
  readonly #ptrArrays = new Map<number, TypeId>();

  /** An INT by C name. */
  int(size: number, signed: boolean, name = INT_NAMES[size]![signed ? 1 : 0], encoding = signed ? IntEncoding.Signed : IntEncoding.None): TypeId {
    const key = `${name}/${size}/${encoding}`;
    let id = this.#ints.get(key);
    if (id === undefined) {
      id = this.b.add({ kind: "int", name, size, encoding, bitOffset: 0, bits: size * 8 });
      this.#ints.set(key, id);
    }
    return id;
  }

  /** The index type clang gives arrays. */
  #index(): TypeId {
    return this.int(4, false, "__ARRAY_SIZE_TYPE__");
  }

  array(elem: TypeId, n: number): TypeId {
    return this.b.add({ kind: "array", name: "", elemType: elem, indexType: this.#index(), nelems: n });
  }

  /** The type of a layout: integers by their C names, bool as _Bool, strings as char[N], structs by name. */
  desc(t: TypeDesc): TypeId {
    const key = JSON.stringify(t);
    const known = this.#descs.get(key);
    if (known !== undefined) return known;
    let id: TypeId;
    switch (t.kind) {
      case "int":
        id = this.int(t.size, t.signed);
        break;
      case "bool":
        id = this.int(1, false, "_Bool", IntEncoding.Bool);
        break;
      case "pointer":
        // An address held as a number (tsbpf never dereferences it as a pointer), so an integer.
        id = this.int(8, false);
        break;
      case "string":
        id = this.array(this.int(1, true, "char"), t.capacity);
        break;
      case "bytes":
        id = this.array(this.int(1, false), t.length);
        break;
      case "array":
        id = this.array(this.desc(t.element), t.length);
        break;
      case "struct": {
        const l = layoutOf(t);
        const members = l.fields!.map((f) => ({ name: cIdent(f.name), type: this.desc(f.type), bitOffset: f.offset * 8, bitfieldSize: 0 }));
        id = this.b.add({ kind: "struct", name: this.#structName(t.name), size: l.size, members });
        break;
      }
    }
    this.#descs.set(key, id);
    return id;
  }

  /** A struct's C tag: its name as an identifier, made unique (two layouts may carry one name). */
  #structName(name: string | undefined): string {
    if (!name) return "";
    const base = cIdent(name);
    let n = base;
    for (let i = 2; this.#structNames.has(n); i++) n = `${base}__${i}`;
    this.#structNames.add(n);
    return n;
  }

  /** `int (*)[n]`: how a BTF map definition writes a number (libbpf's `__uint(name, n)`). */
  ptrArray(n: number): TypeId {
    let id = this.#ptrArrays.get(n);
    if (id === undefined) {
      id = this.b.add({ kind: "ptr", name: "", type: this.array(this.int(4, true), n) });
      this.#ptrArrays.set(n, id);
    }
    return id;
  }

  /** A map definition struct: numbers as `int (*name)[n]`, types as `T *name`. Returns the struct and its size. */
  mapDef(fields: readonly { name: string; number?: number; type?: TypeId }[]): { id: TypeId; size: number } {
    const members = fields.map((f, i) => ({
      name: f.name,
      type: f.type !== undefined ? this.b.add({ kind: "ptr", name: "", type: f.type }) : this.ptrArray(f.number!),
      bitOffset: i * 64,
      bitfieldSize: 0,
    }));
    return { id: this.b.add({ kind: "struct", name: "", size: 8 * fields.length, members }), size: 8 * fields.length };
  }
}

/** A C identifier from a tsbpf name: `events.lost` → `events_lost`, `.scratch.x` → `scratch_x`. */
export function cIdent(s: string): string {
  return s.replace(/^\.+/, "").replace(/[^A-Za-z0-9_]/g, "_").replace(/^([0-9])/, "_$1") || "_";
}

// ---------------------------------------------------------------------------------------------------------------
// CO-RE local types.

/** A member's local type: what libbpf compares with the kernel member's (the kind, and an enum's name). */
type Leaf =
  | { readonly kind: "ptr" }
  | { readonly kind: "int"; readonly size: number; readonly signed: boolean }
  | { readonly kind: "float"; readonly size: number }
  | { readonly kind: "enum"; readonly name: string; readonly size: number }
  | { readonly kind: "array"; readonly elem: Leaf; readonly length: number }
  | { readonly kind: "composite"; readonly name: string; readonly union: boolean; readonly size: number };

/** A local struct: the members read through it, in the order first read. */
interface LocalStruct {
  readonly name: string;
  readonly union: boolean;
  /** The kernel names it by a typedef of an anonymous struct (`atomic_t`): so does the local type. */
  readonly typedef?: boolean;
  readonly members: Map<string, { leaf?: Leaf; inner?: LocalStruct }>;
}

/** A read: the root struct and the member names down to the field. */
export interface FieldRead {
  readonly struct: string;
  readonly path: readonly string[];
}

/** Where a read lands in the local types: the root's id, the access string and the byte offset the program uses. */
export interface LocalAccess {
  readonly typeId: TypeId;
  readonly access: string;
  readonly offset: number;
}

/**
 * Collects the kernel struct fields programs read (`add(...)`, with the kernel's BTF for the members' kinds), then
 * `build()` adds the local structs to the object's BTF and gives each read its local offset and access string.
 */
export class CoreLocals {
  readonly #roots = new Map<string, LocalStruct>();
  readonly #kernel: Btf;

  constructor(kernel: Btf) {
    this.#kernel = kernel;
  }

  add(read: FieldRead): void {
    const k = this.#kernel;
    // Found as the loader finds it (core/object/relocate.ts).
    const named = namedStruct(k, read.struct);
    if (!named) throw new FieldTypeError(`the kernel's BTF has no struct ${read.struct}`);
    const { type: outer, typedef } = named;
    let root = this.#roots.get(read.struct);
    if (!root) {
      root = { name: read.struct, union: outer.kind === "union", typedef, members: new Map() };
      this.#roots.set(read.struct, root);
    }
    let node = root;
    let id: TypeId = outer.id;
    let where = read.struct;
    read.path.forEach((part, i) => {
      const m = k.member(id, part);
      if (!m) throw new FieldTypeError(`struct ${where} has no field ${part} in this machine's kernel BTF`);
      if (m.bitfieldSize !== 0 || m.bitOffset % 8 !== 0) throw new FieldTypeError(`${where}.${part} is a bitfield`);
      const t = k.resolve(m.type);
      const slot = node.members.get(part) ?? {};
      node.members.set(part, slot);
      if (i === read.path.length - 1) {
        slot.leaf ??= leafOf(k, t, `${where}.${part}`);
      } else {
        if (t.kind !== "struct" && t.kind !== "union") throw new FieldTypeError(`${where}.${part} is not a struct: ${read.path.slice(i + 1).join(".")} cannot be read through it`);
        slot.inner ??= { name: t.name, union: t.kind === "union", members: new Map() };
        node = slot.inner;
        id = t.id;
      }
      where = `${where}.${part}`;
    });
  }

  /** Adds the local structs to `btf` and returns the local access of each read, keyed by `readKey`. */
  build(btf: ObjectBtf): Map<string, LocalAccess> {
    const out = new Map<string, LocalAccess>();
    for (const [name, root] of this.#roots) {
      const built = buildStruct(btf, root);
      const walk = (node: LocalStruct, b: BuiltStruct, path: string[], access: number[], offset: number) => {
        [...node.members.entries()].forEach(([member, slot], i) => {
          const at = offset + b.offsets[i]!;
          const p = [...path, member];
          const a = [...access, i];
          if (slot.leaf) out.set(readKey({ struct: name, path: p }), { typeId: built.id, access: ["0", ...a].join(":"), offset: at });
          if (slot.inner) walk(slot.inner, b.inner[i]!, p, a, at);
        });
      };
      walk(root, built, [], [], 0);
    }
    return out;
  }
}

/** The key of a read in `CoreLocals.build`'s result. */
export const readKey = (r: FieldRead): string => `${r.struct}:${r.path.join(".")}`;

interface BuiltStruct {
  readonly id: TypeId;
  readonly size: number;
  readonly align: number;
  readonly offsets: readonly number[];
  readonly inner: readonly (BuiltStruct | undefined)[];
}

/** A local struct laid out in C order (a union: every member at 0); a member read whole and through keeps both. */
function buildStruct(btf: ObjectBtf, s: LocalStruct): BuiltStruct {
  const members: { name: string; type: TypeId; bitOffset: number; bitfieldSize: number }[] = [];
  const offsets: number[] = [];
  const inner: (BuiltStruct | undefined)[] = [];
  let end = 0;
  let align = 1;
  for (const [name, slot] of s.members) {
    const sub = slot.inner ? buildStruct(btf, slot.inner) : undefined;
    const leaf = slot.leaf ? leafType(btf, slot.leaf) : undefined;
    // Read whole and through: the through-struct, at least as large as the whole read.
    const size = Math.max(sub?.size ?? 0, leaf?.size ?? 0);
    const a = Math.max(sub?.align ?? 1, leaf?.align ?? 1);
    const type = sub ? sub.id : leaf!.id;
    const off = s.union ? 0 : Math.ceil(end / a) * a;
    members.push({ name, type, bitOffset: off * 8, bitfieldSize: 0 });
    offsets.push(off);
    inner.push(sub);
    end = s.union ? Math.max(end, size) : off + size;
    align = Math.max(align, a);
  }
  const size = Math.ceil(end / align) * align;
  const body = btf.b.add({ kind: s.union ? "union" : "struct", name: s.typedef ? "" : s.name, size, members });
  const id = s.typedef ? btf.b.add({ kind: "typedef", name: s.name, type: body }) : body;
  return { id, size, align, offsets, inner };
}

function leafType(btf: ObjectBtf, l: Leaf): { id: TypeId; size: number; align: number } {
  switch (l.kind) {
    case "ptr":
      return { id: btf.b.add({ kind: "ptr", name: "", type: 0 }), size: 8, align: 8 };
    case "int":
      return { id: btf.int(l.size, l.signed, INT_NAMES[l.size]?.[l.signed ? 1 : 0] ?? `__int${l.size * 8}`), size: l.size, align: Math.min(l.size, 8) };
    case "float":
      return { id: btf.b.add({ kind: "float", name: l.size === 4 ? "float" : "double", size: l.size }), size: l.size, align: Math.min(l.size, 8) };
    case "enum":
      return { id: btf.b.add({ kind: "enum", name: l.name, size: l.size, signed: false, values: [] }), size: l.size, align: l.size };
    case "array": {
      const e = leafType(btf, l.elem);
      return { id: btf.array(e.id, l.length), size: e.size * l.length, align: e.align };
    }
    case "composite":
      return { id: btf.b.add({ kind: l.union ? "union" : "struct", name: l.name, size: l.size, members: [] }), size: l.size, align: 1 };
  }
}

/** The local type that stands for a kernel member's type `t`. */
function leafOf(k: Btf, t: BtfType, where: string): Leaf {
  switch (t.kind) {
    case "ptr":
      return { kind: "ptr" };
    case "int":
      return { kind: "int", size: t.size, signed: (t.encoding & IntEncoding.Signed) !== 0 };
    case "float":
      return { kind: "float", size: t.size };
    case "enum": case "enum64":
      return { kind: "enum", name: t.name, size: t.size };
    case "array":
      return { kind: "array", elem: leafOf(k, k.resolve(t.elemType), where), length: t.nelems };
    case "struct": case "union":
      return { kind: "composite", name: t.name, union: t.kind === "union", size: t.size };
    default:
      throw new FieldTypeError(`${where} is a ${t.kind}, which a CO-RE field read cannot describe`);
  }
}
