// Kernel struct field relocations (CO-RE style): a program compiled with placeholder immediates and a kernel's BTF
// in, the program with each `add reg, imm` of a `btf_field` relocation set from that kernel out: the field's byte
// offset, whether the field exists at all, or where a bitfield's bits are. Shared by the kernel loader and the VM,
// so both run the same bytes. Pure: the BTF is given.

import { type Btf, type StructType, type TypeId, type UnionType, kernelBtfName } from "./btf/index.ts";
import { poisonInstruction } from "./elf/read-core.ts";
import type { BtfFieldRelocation, ProgramSpec } from "./spec.ts";

/** A field the running kernel does not have (or has with another size): the message says which and what to do. */
export class FieldRelocationError extends Error {
  override readonly name = "FieldRelocationError";
}

/** Where a field is: its first bit (from the start of the struct), its width in bits, and its type's size in bytes. */
interface FieldBits {
  readonly bitOffset: number;
  readonly bits: number;
  readonly size: number;
  readonly bitfield: boolean;
}

/**
 * The struct or union a relocation names: by its tag (one with members before a forward-like empty one), else a
 * typedef of an anonymous struct (`atomic_t`), which names it too; `typedef` says which it was.
 */
export function namedStruct(btf: Btf, name: string): { readonly type: StructType | UnionType; readonly typedef: boolean } | undefined {
  const tagged = [...btf.findByName(name, "struct"), ...btf.findByName(name, "union")];
  const outer = tagged.find((t) => t.members.length > 0) ?? tagged[0];
  if (outer) return { type: outer, typedef: false };
  for (const t of btf.findByName(name, "typedef")) {
    const r = btf.resolve(t.id);
    if (r.kind === "struct" || r.kind === "union") return { type: r, typedef: true };
  }
  return undefined;
}

/** The position of `field` (a dotted path through embedded structs) in struct, union or typedef'd struct `struct`. */
function fieldBits(btf: Btf, struct: string, field: string): FieldBits {
  const outer = namedStruct(btf, struct)?.type;
  if (!outer) throw new FieldRelocationError(`${kernelBtfName()} has no struct ${struct}`);
  let id: TypeId = outer.id;
  let bitOffset = 0;
  let where = struct;
  const parts = field.split(".");
  for (const [i, part] of parts.entries()) {
    const m = btf.member(id, part);
    if (!m) throw new FieldRelocationError(`struct ${where} has no field ${part} in ${kernelBtfName()}`);
    const inner = btf.resolve(m.type);
    // Older BTF encodes a bitfield as an INT narrower than its size, at a bit offset of its own.
    const intBits = inner.kind === "int" && (inner.bitOffset !== 0 || inner.bits !== inner.size * 8) ? inner : undefined;
    const bitfield = m.bitfieldSize !== 0 || m.bitOffset % 8 !== 0 || intBits !== undefined;
    if (bitfield && i < parts.length - 1) throw new FieldRelocationError(`${where}.${part} is a bitfield: it has no fields`);
    const size = btf.sizeOf(m.type);
    bitOffset += m.bitOffset + (intBits?.bitOffset ?? 0);
    if (i === parts.length - 1) {
      const bits = m.bitfieldSize || intBits?.bits || size * 8;
      return { bitOffset, bits, size, bitfield };
    }
    id = m.type;
    where = `${where}.${part}`;
  }
  throw new FieldRelocationError(`an empty field name in struct ${struct}`);
}

/** The byte offset and size of `field` (a dotted path through embedded structs) in struct or union `struct`. */
export function fieldOffset(btf: Btf, struct: string, field: string): { offset: number; size: number } {
  const f = fieldBits(btf, struct, field);
  if (f.bitfield) throw new FieldRelocationError(`${struct}.${field} is a bitfield in ${kernelBtfName()}: it cannot be read by offset`);
  return { offset: f.bitOffset / 8, size: f.size };
}

/** The immediate relocation `r` gives in `btf`. */
function apply(btf: Btf, spec: ProgramSpec, r: BtfFieldRelocation): number {
  if (r.part === "exists") {
    try {
      fieldBits(btf, r.struct, r.field);
      return 1;
    } catch (e) {
      if (e instanceof FieldRelocationError) return 0;
      throw e;
    }
  }
  if (r.part) {
    // A bitfield (or any integer field) as 8 bytes read from the byte of its first bit, little endian: shifted left
    // to drop the bits above it, then right to drop the bits below it (sign-extending a signed one).
    const f = fieldBits(btf, r.struct, r.field);
    const first = f.bitOffset % 8;
    if (first + f.bits > 64) throw new FieldRelocationError(`${r.struct}.${r.field} spans more than 8 bytes in ${kernelBtfName()}: it cannot be read as a bitfield`);
    if (r.part === "bit_offset") return Math.floor(f.bitOffset / 8);
    if (r.part === "lshift") return 64 - (first + f.bits);
    return 64 - f.bits;
  }
  const { offset, size } = fieldOffset(btf, r.struct, r.field);
  if (r.size !== undefined && size !== r.size) {
    throw new FieldRelocationError(`${r.struct}.${r.field} is ${size} bytes in ${kernelBtfName()}; program ${spec.name} reads it as ${r.size}`);
  }
  return offset;
}

/**
 * `spec` with its btf_field relocations applied from `btf` (the same spec when it has none). A field the kernel
 * lacks is an error, unless the program tests fields with `fieldExists()`: then the read is poisoned as libbpf
 * poisons it (a call of helper 0xbad2310), and the verifier refuses it only where no test rules it out.
 */
export function relocateFields(spec: ProgramSpec, btf: Btf | (() => Btf)): ProgramSpec {
  const rs = spec.relocations?.filter((r): r is BtfFieldRelocation => r.kind === "btf_field") ?? [];
  if (!rs.length) return spec;
  const b = typeof btf === "function" ? btf() : btf;
  // A program that tests fields may read one only where a test allows (`fieldExists(t.__state) ? t.__state : old.state`).
  const tests = rs.some((r) => r.part === "exists");
  const insns = [...spec.instructions];
  // The instruction is `add reg, imm` (compiled with imm 0): the field's offset goes in the immediate.
  for (const r of rs) {
    try {
      insns[r.insn] = Object.freeze({ ...insns[r.insn]!, imm: apply(b, spec, r) });
    } catch (e) {
      if (!(e instanceof FieldRelocationError) || !tests) throw e;
      insns[r.insn] = poisonInstruction(insns[r.insn]!, (e as Error).message);
    }
  }
  return { ...spec, instructions: insns };
}
