// Kernel struct field relocations (CO-RE style): a program compiled with placeholder offsets and a kernel's BTF in,
// the program with each `add reg, imm` of a `btf_field` relocation set to that field's offset in that kernel out.
// Shared by the kernel loader and the VM, so both run the same bytes. Pure: the BTF is given.

import { type Btf, type TypeId, kernelBtfName } from "./btf/index.ts";
import type { BtfFieldRelocation, ProgramSpec } from "./spec.ts";

/** A field the running kernel does not have (or has with another size): the message says which and what to do. */
export class FieldRelocationError extends Error {
  override readonly name = "FieldRelocationError";
}

/** The byte offset and size of `field` (a dotted path through embedded structs) in struct or union `struct`. */
export function fieldOffset(btf: Btf, struct: string, field: string): { offset: number; size: number } {
  const types = [...btf.findByName(struct, "struct"), ...btf.findByName(struct, "union")];
  // A typedef of an anonymous struct (`atomic_t`) names it too.
  for (const t of btf.findByName(struct, "typedef")) {
    const r = btf.resolve(t.id);
    if (r.kind === "struct" || r.kind === "union") types.push(r);
  }
  const outer = types.find((t) => "members" in t && t.members.length > 0) ?? types[0];
  if (!outer) throw new FieldRelocationError(`${kernelBtfName()} has no struct ${struct}`);
  let id: TypeId = outer.id;
  let offset = 0;
  let where = struct;
  for (const part of field.split(".")) {
    const m = btf.member(id, part);
    if (!m) throw new FieldRelocationError(`struct ${where} has no field ${part} in ${kernelBtfName()}`);
    if (m.bitfieldSize !== 0 || m.bitOffset % 8 !== 0) throw new FieldRelocationError(`${where}.${part} is a bitfield: it cannot be read by offset`);
    offset += m.bitOffset / 8;
    id = m.type;
    where = `${where}.${part}`;
  }
  return { offset, size: btf.sizeOf(id) };
}

function apply(btf: Btf, spec: ProgramSpec, r: BtfFieldRelocation): number {
  const { offset, size } = fieldOffset(btf, r.struct, r.field);
  if (r.size !== undefined && size !== r.size) {
    throw new FieldRelocationError(`${r.struct}.${r.field} is ${size} bytes in ${kernelBtfName()}; program ${spec.name} reads it as ${r.size}`);
  }
  return offset;
}

/** `spec` with its btf_field relocations applied from `btf` (the same spec when it has none). */
export function relocateFields(spec: ProgramSpec, btf: Btf | (() => Btf)): ProgramSpec {
  const rs = spec.relocations?.filter((r): r is BtfFieldRelocation => r.kind === "btf_field") ?? [];
  if (!rs.length) return spec;
  const b = typeof btf === "function" ? btf() : btf;
  const insns = [...spec.instructions];
  // The instruction is `add reg, imm` (compiled with imm 0): the field's offset goes in the immediate.
  for (const r of rs) insns[r.insn] = Object.freeze({ ...insns[r.insn]!, imm: apply(b, spec, r) });
  return { ...spec, instructions: insns };
}
