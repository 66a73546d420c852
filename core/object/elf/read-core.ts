// CO-RE relocations of a clang-built object (the .BTF.ext core_relo records) applied as libbpf applies them: one
// record, the object's BTF (local) and a kernel's BTF (target) in; the value the instruction must hold on that
// kernel (a field's byte offset, size, signedness, bitfield shifts, existence; a type's id, size, existence; an
// enumerator's existence or value) and the patched instruction out. Candidates in the target are the types of the
// same kind whose name equals the local one with any "___flavor" suffix removed; every candidate that matches must
// agree. A relocation no candidate satisfies is not an error here: the caller poisons the instruction (libbpf's
// `call 0xbad2310`), which the verifier refuses only when the instruction is reachable. Pure: both BTFs are given.

import { Class, type Instruction, OP_LDDW, Size, insn, opClass, sizeBytes } from "../../asm/index.ts";
import { type Btf, type BtfType, CoreReloKind, type CoreRelo, type TypeId } from "../btf/index.ts";

/** The helper id libbpf calls in place of an instruction whose relocation failed: the verifier names it. */
export const POISON_HELPER = 0xbad2310;

/** The relocation kinds by libbpf's names, for messages. */
const KIND_NAME: Readonly<Record<number, string>> = {
  [CoreReloKind.FieldByteOffset]: "byte_off", [CoreReloKind.FieldByteSize]: "byte_sz", [CoreReloKind.FieldExists]: "field_exists",
  [CoreReloKind.FieldSigned]: "signed", [CoreReloKind.FieldLshiftU64]: "lshift_u64", [CoreReloKind.FieldRshiftU64]: "rshift_u64",
  [CoreReloKind.TypeIdLocal]: "local_type_id", [CoreReloKind.TypeIdTarget]: "target_type_id", [CoreReloKind.TypeExists]: "type_exists",
  [CoreReloKind.TypeSize]: "type_size", [CoreReloKind.EnumvalExists]: "enumval_exists", [CoreReloKind.EnumvalValue]: "enumval_value",
  [CoreReloKind.TypeMatches]: "type_matches",
};

/** A relocation this code cannot apply at all (a malformed record, a kind it does not know): the load fails. */
export class CoreRelocationError extends Error {
  override readonly name = "CoreRelocationError";
}

/**
 * What a relocation resolved to: the value (for a field relocation, also the field's byte size in the target and in
 * the object, for a load whose size must follow), or why no candidate in the target satisfies it (the access, in C).
 */
export type CoreResult = { readonly value: bigint; readonly size?: { readonly local: number; readonly target: number } } | { readonly missing: string };

/** A type name without libbpf's "___flavor" suffix (`task_struct___old` is `task_struct`). */
export const essentialName = (name: string): string => {
  const at = name.indexOf("___");
  return at > 0 ? name.slice(0, at) : name;
};

const isComposite = (t: BtfType) => t.kind === "struct" || t.kind === "union";
const isEnum = (t: BtfType) => t.kind === "enum" || t.kind === "enum64";

/** C text for the relocation's access: `struct task_struct.real_parent`, `enum pid_type::PIDTYPE_TGID`. */
export function describeAccess(local: Btf, r: CoreRelo): string {
  const root = local.typeById(r.typeId);
  const spelled = `${root.kind === "fwd" ? "struct" : root.kind === "enum64" ? "enum" : root.kind} ${root.name || "(anonymous)"}`;
  const access = local.stringAt(r.accessStrOff).split(":").map(Number);
  if (r.kind >= CoreReloKind.TypeIdLocal && r.kind <= CoreReloKind.TypeMatches && r.kind !== CoreReloKind.EnumvalExists && r.kind !== CoreReloKind.EnumvalValue) return spelled;
  const resolved = local.resolve(r.typeId);
  if (isEnum(resolved)) return `${spelled}::${(resolved as { values: readonly { name: string }[] }).values[access[0]!]?.name ?? `#${access[0]}`}`;
  let id = r.typeId;
  let text = spelled;
  for (const a of access.slice(1)) {
    const t = local.resolve(id);
    if (isComposite(t)) {
      const m = (t as { members: readonly { name: string; type: TypeId }[] }).members[a]!;
      if (m.name) text += `.${m.name}`;
      id = m.type;
    } else if (t.kind === "array") {
      text += `[${a}]`;
      id = t.elemType;
    }
  }
  return text;
}

/** One step of an access: a member by name (anonymous ones are looked into), or an array element. */
type Step = { readonly member: string; readonly local: TypeId } | { readonly index: number };

/** The local access as steps from the root type, with the first index (the root taken as an array) apart. */
function localSteps(local: Btf, r: CoreRelo): { first: number; steps: Step[] } {
  const access = local.stringAt(r.accessStrOff).split(":").map((s) => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 0) throw new CoreRelocationError(`CO-RE access string "${local.stringAt(r.accessStrOff)}" is malformed`);
    return n;
  });
  const steps: Step[] = [];
  let id = r.typeId;
  for (const a of access.slice(1)) {
    const t = local.resolve(id);
    if (isComposite(t)) {
      const m = (t as { members: readonly { name: string; type: TypeId }[] }).members[a];
      if (!m) throw new CoreRelocationError(`CO-RE access ${a} is past the members of ${local.typeName(id)}`);
      // An anonymous member is only a container: the target is searched by the names inside it.
      if (m.name) steps.push({ member: m.name, local: m.type });
      id = m.type;
    } else if (t.kind === "array") {
      steps.push({ index: a });
      id = t.elemType;
    } else {
      throw new CoreRelocationError(`CO-RE access "${local.stringAt(r.accessStrOff)}" goes into ${local.typeName(id)}, which has no members`);
    }
  }
  return { first: access[0] ?? 0, steps };
}

/** libbpf's bpf_core_fields_are_compat: whether a local field's type can be read as the target's. */
function fieldsCompatible(local: Btf, l: TypeId, target: Btf, t: TypeId, depth = 0): boolean {
  const a = local.resolve(l), b = target.resolve(t);
  if (isComposite(a) && isComposite(b)) return true;
  if (isEnum(a) && isEnum(b)) return true;
  if ((a.kind === "enum" || a.kind === "enum64" || a.kind === "int") && (b.kind === "int" || isEnum(b))) return true;
  if (a.kind !== b.kind) return a.kind === "fwd" && isComposite(b) || b.kind === "fwd" && isComposite(a);
  if (a.kind === "array" && b.kind === "array" && depth < 8) return fieldsCompatible(local, a.elemType, target, b.elemType, depth + 1);
  return a.kind === "ptr" || a.kind === "float" || a.kind === "fwd";
}

interface FieldMatch {
  readonly bitOffset: number;
  readonly type: TypeId;
  readonly bitfieldSize: number;
}

/** The field at the end of `steps` in target type `root`, or undefined when this candidate lacks it. */
function matchField(local: Btf, target: Btf, root: TypeId, first: number, steps: readonly Step[]): FieldMatch | undefined {
  let id = root;
  let bitOffset = first ? first * 8 * target.sizeOf(root) : 0;
  let bitfieldSize = 0;
  for (const s of steps) {
    const t = target.resolve(id);
    if ("member" in s) {
      if (!isComposite(t)) return undefined;
      const m = target.member(id, s.member);
      if (!m || !fieldsCompatible(local, s.local, target, m.type)) return undefined;
      bitOffset += m.bitOffset;
      bitfieldSize = m.bitfieldSize;
      id = m.type;
    } else {
      if (t.kind !== "array") return undefined;
      if (s.index >= t.nelems && t.nelems !== 0) return undefined;
      bitOffset += s.index * 8 * target.sizeOf(t.elemType);
      bitfieldSize = 0;
      id = t.elemType;
    }
  }
  return { bitOffset, type: id, bitfieldSize };
}

/** libbpf's bpf_core_calc_field_relo: the value of a field relocation of `kind` for a matched field. */
function fieldValue(btf: Btf, f: FieldMatch, kind: CoreReloKind): bigint {
  let byteSize: number, byteOffset: number, bitSize: number;
  if (f.bitfieldSize === 0) {
    byteSize = btf.sizeOf(f.type);
    byteOffset = f.bitOffset / 8;
    bitSize = byteSize * 8;
  } else {
    bitSize = f.bitfieldSize;
    byteSize = btf.sizeOf(f.type);
    byteOffset = Math.floor(f.bitOffset / 8 / byteSize) * byteSize;
    while (f.bitOffset + bitSize - byteOffset * 8 > byteSize * 8) {
      if (byteSize >= 8) throw new CoreRelocationError(`a bitfield at bit ${f.bitOffset} spans more than 8 bytes`);
      byteSize *= 2;
      byteOffset = Math.floor(f.bitOffset / 8 / byteSize) * byteSize;
    }
  }
  switch (kind) {
    case CoreReloKind.FieldByteOffset: return BigInt(byteOffset);
    case CoreReloKind.FieldByteSize: return BigInt(byteSize);
    case CoreReloKind.FieldExists: return 1n;
    case CoreReloKind.FieldSigned: {
      const t = btf.resolve(f.type);
      return BigInt(t.kind === "int" ? (t.encoding & 1) : isEnum(t) ? Number((t as { signed: boolean }).signed) : 0);
    }
    case CoreReloKind.FieldLshiftU64: return BigInt(64 - (f.bitOffset + bitSize - byteOffset * 8));
    case CoreReloKind.FieldRshiftU64: return BigInt(64 - bitSize);
    default: throw new CoreRelocationError(`relocation kind ${kind} is not a field relocation`);
  }
}

/** The target types that may stand for local type `id`: same kind (struct or union; enum or enum64), same essential name. */
function candidates(local: Btf, target: Btf, id: TypeId): BtfType[] {
  const t = local.typeById(id);
  const name = essentialName(t.name);
  if (!name) throw new CoreRelocationError(`CO-RE relocation against anonymous ${t.kind} ${local.typeName(id)}`);
  const kinds: BtfType["kind"][] = isComposite(t) || t.kind === "fwd" ? ["struct", "union"] : isEnum(t) ? ["enum", "enum64"] : [t.kind];
  return kinds.flatMap((k) => target.findByName(name, k));
}

/** Resolves relocation `r` of the object whose BTF is `local` against `target` (a kernel's BTF). */
export function resolveCoreRelo(local: Btf, target: Btf, r: CoreRelo): CoreResult {
  const kind = r.kind;
  if (kind === CoreReloKind.TypeIdLocal) return { value: BigInt(r.typeId) };
  if (!(kind in KIND_NAME) || kind === CoreReloKind.TypeMatches) {
    throw new CoreRelocationError(`CO-RE relocation kind ${KIND_NAME[kind] ?? kind} is not supported`);
  }
  const found: bigint[] = [];
  let size: { local: number; target: number } | undefined;
  const cands = candidates(local, target, r.typeId);
  for (const c of cands) {
    if (kind <= CoreReloKind.FieldRshiftU64) {
      const { first, steps } = localSteps(local, r);
      const f = matchField(local, target, c.id, first, steps);
      if (!f) continue;
      found.push(fieldValue(target, f, kind));
      const own = matchField(local, local, r.typeId, first, steps);
      if (own) size = { local: Number(fieldValue(local, own, CoreReloKind.FieldByteSize)), target: Number(fieldValue(target, f, CoreReloKind.FieldByteSize)) };
    } else if (kind === CoreReloKind.EnumvalExists || kind === CoreReloKind.EnumvalValue) {
      const l = local.resolve(r.typeId) as { values: readonly { name: string }[] };
      const index = Number(local.stringAt(r.accessStrOff));
      const want = l.values[index];
      if (!want) throw new CoreRelocationError(`CO-RE enumerator ${index} is past the values of ${local.typeName(r.typeId)}`);
      const v = (c as { values: readonly { name: string; value: number | bigint }[] }).values.find((x) => essentialName(x.name) === essentialName(want.name));
      if (v) found.push(kind === CoreReloKind.EnumvalExists ? 1n : BigInt(v.value));
    } else {
      found.push(kind === CoreReloKind.TypeIdTarget ? BigInt(c.id) : kind === CoreReloKind.TypeSize ? BigInt(target.sizeOf(c.id)) : 1n);
    }
  }
  if (found.length === 0) {
    // Existence checks are answered, not failed: the program tests them to run on kernels that differ.
    if (kind === CoreReloKind.FieldExists || kind === CoreReloKind.TypeExists || kind === CoreReloKind.EnumvalExists) return { value: 0n };
    if (kind === CoreReloKind.TypeIdTarget) return { value: 0n };
    return { missing: cands.length ? describeAccess(local, r) : `${describeAccess(local, r)} (no ${essentialName(local.typeById(r.typeId).name)} at all)` };
  }
  if (found.some((v) => v !== found[0])) {
    throw new CoreRelocationError(`${describeAccess(local, r)} (${KIND_NAME[kind]}) is ambiguous in this kernel: candidates give ${[...new Set(found)].join(", ")}`);
  }
  return { value: found[0]!, ...(size ? { size } : {}) };
}

/**
 * `ins` with the relocated value in place, as libbpf's bpf_core_patch_insn: an ALU immediate (`r1 = 1280`, `r1 += 8`)
 * takes it as its imm, a load or store from memory as its offset (a load's size follows the field's, for a byte
 * size that changed), an lddw as its 64-bit constant.
 */
export function patchInstruction(ins: Instruction, value: bigint, kind: CoreReloKind, size?: { readonly local: number; readonly target: number }): Instruction {
  const cls = opClass(ins.op);
  if (cls === Class.ALU || cls === Class.ALU64) {
    if ((ins.op & 0x08) !== 0) throw new CoreRelocationError(`a CO-RE relocation on an ALU instruction with a register source (op 0x${ins.op.toString(16)})`);
    if (value > 0x7fffffffn || value < -0x80000000n) throw new CoreRelocationError(`CO-RE value ${value} does not fit a 32-bit immediate`);
    return { ...ins, imm: Number(value) };
  }
  if (cls === Class.LDX || cls === Class.ST || cls === Class.STX) {
    if (kind !== CoreReloKind.FieldByteOffset) throw new CoreRelocationError(`a ${KIND_NAME[kind]} relocation on a memory access`);
    if (value > 0x7fffn) throw new CoreRelocationError(`CO-RE offset ${value} does not fit a 16-bit offset`);
    let op = ins.op;
    // A load of the whole field (as the object's type has it) loads the whole field in the target too.
    if (size && cls === Class.LDX && size.local !== size.target && sizeBytes(op & 0x18) === size.local) {
      const code = size.target === 8 ? Size.DW : size.target === 4 ? Size.W : size.target === 2 ? Size.H : size.target === 1 ? Size.B : undefined;
      if (code === undefined) throw new CoreRelocationError(`a load of a field of ${size.target} bytes`);
      op = (op & ~0x18) | code;
    }
    return { ...ins, op, off: Number(value) };
  }
  if (ins.op === OP_LDDW && ins.src === 0) {
    const v = BigInt.asUintN(64, value);
    return { ...ins, imm: Number(BigInt.asIntN(32, v & 0xffffffffn)), imm2: Number(BigInt.asIntN(32, v >> 32n)) };
  }
  throw new CoreRelocationError(`a CO-RE relocation on instruction op 0x${ins.op.toString(16)}, which holds no immediate or offset`);
}

/** libbpf's poison: `call 0xbad2310`, which the verifier refuses if the program can reach it. */
export function poisonInstruction(ins: Instruction, comment: string): Instruction {
  return insn({ op: 0x85, dst: 0, src: 0, off: 0, imm: POISON_HELPER, meta: { ...ins.meta, comment } });
}
