// The BTF type model (include/uapi/linux/btf.h): kind numbers and plain readonly type values, plus the func_info,
// line_info and CO-RE records, in and out of the reader and the writer. Type ids are numbers; 0 is `void`, the
// n-th record of a blob has id n (plus the base's last id for split BTF).

/** A BTF type id. 0 is `void`; ids are 1-based and implicit (the position of the record). */
export type TypeId = number;

/** BTF_MAGIC: the first two bytes of a blob, read little endian. */
export const BTF_MAGIC = 0xeb9f;
/** BTF_VERSION: the only version there is. */
export const BTF_VERSION = 1;
/**
 * The header length we write. The 2026 UAPI grew `struct btf_header` to 32 bytes (layout_off/layout_len); no
 * kernel before that accepts the longer header, and every kernel accepts 24, so 24 it is.
 */
export const BTF_HEADER_LEN = 24;
/** BTF_MAX_TYPE: the largest type id. */
export const BTF_MAX_TYPE = 0x000fffff;
/** BTF_MAX_NAME_OFFSET: the largest string offset a name_off may hold. */
export const BTF_MAX_NAME_OFFSET = 0x00ffffff;
/** BTF_MAX_VLEN: vlen is 16 bits wide in the kernel's checks (btf_type_vlen masks 16 bits). */
export const BTF_MAX_VLEN = 0xffff;

/** BTF_KIND_*: the kind numbers (bits 24-28 of `info`), each with the kernel that first accepts it. */
export enum BtfKind {
  /** BTF_KIND_INT, Linux 4.18. */
  Int = 1,
  /** BTF_KIND_PTR, Linux 4.18. */
  Ptr = 2,
  /** BTF_KIND_ARRAY, Linux 4.18. */
  Array = 3,
  /** BTF_KIND_STRUCT, Linux 4.18 (kind_flag bitfield encoding: 5.1). */
  Struct = 4,
  /** BTF_KIND_UNION, Linux 4.18 (kind_flag bitfield encoding: 5.1). */
  Union = 5,
  /** BTF_KIND_ENUM, Linux 4.18 (kind_flag = signed: 6.0). */
  Enum = 6,
  /** BTF_KIND_FWD, Linux 4.18 (kind_flag = union: 5.1). */
  Fwd = 7,
  /** BTF_KIND_TYPEDEF, Linux 4.18. */
  Typedef = 8,
  /** BTF_KIND_VOLATILE, Linux 4.18. */
  Volatile = 9,
  /** BTF_KIND_CONST, Linux 4.18. */
  Const = 10,
  /** BTF_KIND_RESTRICT, Linux 4.18. */
  Restrict = 11,
  /** BTF_KIND_FUNC, Linux 5.0 (linkage in vlen: 5.6; before that vlen must be 0). */
  Func = 12,
  /** BTF_KIND_FUNC_PROTO, Linux 5.0. */
  FuncProto = 13,
  /** BTF_KIND_VAR, Linux 5.2. */
  Var = 14,
  /** BTF_KIND_DATASEC, Linux 5.2. */
  Datasec = 15,
  /** BTF_KIND_FLOAT, Linux 5.13. */
  Float = 16,
  /** BTF_KIND_DECL_TAG, Linux 5.16. */
  DeclTag = 17,
  /** BTF_KIND_TYPE_TAG, Linux 5.17. */
  TypeTag = 18,
  /** BTF_KIND_ENUM64, Linux 6.0. */
  Enum64 = 19,
}

/** The `kind` tag of each type value. */
export type KindName =
  | "int" | "ptr" | "array" | "struct" | "union" | "enum" | "fwd" | "typedef" | "volatile" | "const" | "restrict"
  | "func" | "func_proto" | "var" | "datasec" | "float" | "decl_tag" | "type_tag" | "enum64";

/** Kind number → kind tag. Index 0 (BTF_KIND_UNKN) is undefined. */
export const KIND_NAMES: readonly (KindName | undefined)[] = [
  undefined, "int", "ptr", "array", "struct", "union", "enum", "fwd", "typedef", "volatile", "const", "restrict",
  "func", "func_proto", "var", "datasec", "float", "decl_tag", "type_tag", "enum64",
];

/** Kind tag → kind number. */
export const KIND_NUMBERS: Readonly<Record<KindName, BtfKind>> = {
  int: BtfKind.Int, ptr: BtfKind.Ptr, array: BtfKind.Array, struct: BtfKind.Struct, union: BtfKind.Union,
  enum: BtfKind.Enum, fwd: BtfKind.Fwd, typedef: BtfKind.Typedef, volatile: BtfKind.Volatile, const: BtfKind.Const,
  restrict: BtfKind.Restrict, func: BtfKind.Func, func_proto: BtfKind.FuncProto, var: BtfKind.Var,
  datasec: BtfKind.Datasec, float: BtfKind.Float, decl_tag: BtfKind.DeclTag, type_tag: BtfKind.TypeTag,
  enum64: BtfKind.Enum64,
};

/**
 * The first kernel that accepts each kind in a loaded blob. A loader for an older kernel has to rewrite the kind
 * away (libbpf's bpf_object__sanitize_btf turns DATASEC into STRUCT, VAR into INT, FLOAT into an empty STRUCT...).
 */
export const KIND_MIN_KERNEL: Readonly<Record<KindName, string>> = {
  int: "4.18", ptr: "4.18", array: "4.18", struct: "4.18", union: "4.18", enum: "4.18", fwd: "4.18",
  typedef: "4.18", volatile: "4.18", const: "4.18", restrict: "4.18", func: "5.0", func_proto: "5.0",
  var: "5.2", datasec: "5.2", float: "5.13", decl_tag: "5.16", type_tag: "5.17", enum64: "6.0",
};

/** BTF_INT_SIGNED / BTF_INT_CHAR / BTF_INT_BOOL: the encoding bits of an INT (at most one is set). */
export enum IntEncoding {
  None = 0,
  Signed = 1 << 0,
  Char = 1 << 1,
  Bool = 1 << 2,
}

/** BTF_FUNC_STATIC / GLOBAL / EXTERN, kept in a FUNC's vlen (Linux 5.6; 5.0-5.5 want 0 there). */
export enum FuncLinkage {
  Static = 0,
  Global = 1,
  Extern = 2,
}

/** BTF_VAR_STATIC / BTF_VAR_GLOBAL_ALLOCATED / BTF_VAR_GLOBAL_EXTERN. libbpf wants GLOBAL_ALLOCATED for maps. */
export enum VarLinkage {
  Static = 0,
  GlobalAllocated = 1,
  Extern = 2,
}

interface Named {
  readonly id: TypeId;
  /** The name; "" for anonymous types and for kinds that never have one (PTR, ARRAY, qualifiers). */
  readonly name: string;
}

/** Type id 0. It has no record; `typeById(0)` returns this so that callers need no special case. */
export interface VoidType {
  readonly kind: "void";
  readonly id: 0;
  readonly name: "";
}

/** INT: an integer of `size` bytes; `bits` significant bits starting at `bitOffset` (both 0-128). */
export interface IntType extends Named {
  readonly kind: "int";
  readonly size: number;
  /** IntEncoding bits: signed, char or bool (or none: unsigned). */
  readonly encoding: IntEncoding;
  /** BTF_INT_OFFSET: non-zero only in old-style bitfields; modern compilers emit 0. */
  readonly bitOffset: number;
  /** BTF_INT_BITS. */
  readonly bits: number;
}

/** PTR to `type`. */
export interface PtrType extends Named {
  readonly kind: "ptr";
  readonly type: TypeId;
}

/** ARRAY of `nelems` × `elemType`, indexed by `indexType` (any INT; the kernel ignores it beyond checking it). */
export interface ArrayType extends Named {
  readonly kind: "array";
  readonly elemType: TypeId;
  readonly indexType: TypeId;
  readonly nelems: number;
}

/** A STRUCT or UNION member. */
export interface Member {
  /** "" for an anonymous struct or union member, whose own members are reachable from the parent. */
  readonly name: string;
  readonly type: TypeId;
  /** Offset from the start of the struct, in bits. */
  readonly bitOffset: number;
  /**
   * Width of a bitfield in bits, 0 when the member is not a bitfield. A non-zero size needs the struct's
   * kind_flag (Linux 5.1); the writer sets kind_flag whenever one member has a bitfield size.
   */
  readonly bitfieldSize: number;
}

/** STRUCT: `size` bytes with named (or anonymous) members. */
export interface StructType extends Named {
  readonly kind: "struct";
  readonly size: number;
  readonly members: readonly Member[];
}

/** UNION: like a struct, all members usually at offset 0. */
export interface UnionType extends Named {
  readonly kind: "union";
  readonly size: number;
  readonly members: readonly Member[];
}

/** An ENUM enumerator. */
export interface EnumValue {
  readonly name: string;
  readonly value: number;
}

/**
 * ENUM of 1, 2, 4 or 8 bytes with 32-bit values. `signed` is kind_flag (Linux 6.0); older encoders leave it 0
 * even for negative values, so an unsigned enum's value is read as u32 and -1 shows as 4294967295.
 */
export interface EnumType extends Named {
  readonly kind: "enum";
  readonly size: number;
  readonly signed: boolean;
  readonly values: readonly EnumValue[];
}

/** An ENUM64 enumerator: the value is a u64, or an s64 when the enum is signed. */
export interface Enum64Value {
  readonly name: string;
  readonly value: bigint;
}

/** ENUM64 (Linux 6.0): an enum with 64-bit values, stored as lo32/hi32 pairs. */
export interface Enum64Type extends Named {
  readonly kind: "enum64";
  readonly size: number;
  readonly signed: boolean;
  readonly values: readonly Enum64Value[];
}

/** FWD: a forward declaration `struct name;` (or `union name;` when `union`, which is kind_flag). */
export interface FwdType extends Named {
  readonly kind: "fwd";
  readonly union: boolean;
}

/** TYPEDEF `name` for `type`. */
export interface TypedefType extends Named {
  readonly kind: "typedef";
  readonly type: TypeId;
}

/** VOLATILE / CONST / RESTRICT qualifiers of `type`. */
export interface QualifierType extends Named {
  readonly kind: "volatile" | "const" | "restrict";
  readonly type: TypeId;
}

/** FUNC `name`: `type` is its FUNC_PROTO. func_info type_ids name these. */
export interface FuncType extends Named {
  readonly kind: "func";
  readonly type: TypeId;
  readonly linkage: FuncLinkage;
}

/** A FUNC_PROTO parameter. Names are optional in C; the kernel wants them for global functions' BTF args. */
export interface Param {
  readonly name: string;
  readonly type: TypeId;
}

/**
 * FUNC_PROTO: a function signature. A C `...` is encoded as a last parameter `{ name_off: 0, type: 0 }`; here it
 * is `variadic: true` and the sentinel is not in `params`.
 */
export interface FuncProtoType extends Named {
  readonly kind: "func_proto";
  readonly returnType: TypeId;
  readonly params: readonly Param[];
  readonly variadic: boolean;
}

/** VAR (Linux 5.2): a global variable `name` of `type`, listed by a DATASEC. */
export interface VarType extends Named {
  readonly kind: "var";
  readonly type: TypeId;
  readonly linkage: VarLinkage;
}

/** One variable of a DATASEC: a VAR (or a FUNC, for ksyms), its offset and size in the section, in bytes. */
export interface VarSecinfo {
  readonly type: TypeId;
  readonly offset: number;
  readonly size: number;
}

/** DATASEC (Linux 5.2): an ELF data section (`.data`, `.rodata`, `.bss`, `.maps`) of `size` bytes. */
export interface DatasecType extends Named {
  readonly kind: "datasec";
  readonly size: number;
  readonly vars: readonly VarSecinfo[];
}

/** FLOAT (Linux 5.13): a floating-point type of 2, 4, 8, 12 or 16 bytes. */
export interface FloatType extends Named {
  readonly kind: "float";
  readonly size: number;
}

/**
 * DECL_TAG (Linux 5.16): `__attribute__((btf_decl_tag("name")))` on `type` itself (componentIdx = -1), or on
 * its member or parameter number `componentIdx`. `attribute` is kind_flag: the tag is an arbitrary
 * `__attribute__` spelled out in the name (a 2025 kernel addition; older kernels reject the flag).
 */
export interface DeclTagType extends Named {
  readonly kind: "decl_tag";
  readonly type: TypeId;
  readonly componentIdx: number;
  readonly attribute: boolean;
}

/** TYPE_TAG (Linux 5.17): `__attribute__((btf_type_tag("name")))` on `type` (`__user`, `__rcu`, `__percpu`). */
export interface TypeTagType extends Named {
  readonly kind: "type_tag";
  readonly type: TypeId;
  /** kind_flag, as for DECL_TAG. */
  readonly attribute: boolean;
}

/** Every BTF type. `kind` discriminates. */
export type BtfType =
  | VoidType | IntType | PtrType | ArrayType | StructType | UnionType | EnumType | Enum64Type | FwdType
  | TypedefType | QualifierType | FuncType | FuncProtoType | VarType | DatasecType | FloatType | DeclTagType
  | TypeTagType;

/** The `kind` tags a type can have, `void` included. */
export type BtfTypeKind = BtfType["kind"];

/** A type as given to the writer: any type but void, without its id (the writer assigns it). */
export type BtfTypeInput = BtfType extends infer T ? (T extends { kind: "void" } ? never : Omit<T, "id">) : never;

/** The kinds whose record points at one other type and that `resolve` looks through. */
export const MODIFIER_KINDS: ReadonlySet<BtfTypeKind> = new Set(["typedef", "volatile", "const", "restrict", "type_tag"]);

// ---------------------------------------------------------------------------------------------------------------
// func_info, line_info and CO-RE relocation records (PROG_LOAD and .BTF.ext).

/** sizeof(struct bpf_func_info): func_info_rec_size in PROG_LOAD and rec_size in .BTF.ext. */
export const FUNC_INFO_SIZE = 8;
/** sizeof(struct bpf_line_info). */
export const LINE_INFO_SIZE = 16;
/** sizeof(struct bpf_core_relo). */
export const CORE_RELO_SIZE = 16;

/**
 * One function of a program: `insnOff` is the subprogram's first instruction, counted in 8-byte slots (an lddw
 * takes two), and `typeId` its FUNC. The kernel wants exactly one per subprogram, in order, the first at 0.
 */
export interface FuncInfo {
  readonly insnOff: number;
  readonly typeId: TypeId;
}

/**
 * One source position: from instruction `insnOff` (in slots) on, the code comes from `line`:`column` of the file
 * whose name is at string offset `fileNameOff`; `lineOff` is the offset of the line's text, which the verifier
 * log prints. Both offsets must be in the BTF loaded with the program.
 */
export interface LineInfo {
  readonly insnOff: number;
  readonly fileNameOff: number;
  readonly lineOff: number;
  /** 1-based. */
  readonly line: number;
  /** 1-based; 0 means unknown. */
  readonly column: number;
}

/** enum bpf_core_relo_kind (include/uapi/linux/bpf.h). */
export enum CoreReloKind {
  FieldByteOffset = 0,
  FieldByteSize = 1,
  FieldExists = 2,
  FieldSigned = 3,
  FieldLshiftU64 = 4,
  FieldRshiftU64 = 5,
  TypeIdLocal = 6,
  TypeIdTarget = 7,
  TypeExists = 8,
  TypeSize = 9,
  EnumvalExists = 10,
  EnumvalValue = 11,
  TypeMatches = 12,
}

/**
 * A CO-RE relocation: instruction `insnOff` (slots) accesses `accessStrOff` (a string such as "0:1:0") into the
 * local type `typeId`. Passed in PROG_LOAD as core_relos (kernel-side CO-RE, Linux 5.17) or in .BTF.ext.
 */
export interface CoreRelo {
  readonly insnOff: number;
  readonly typeId: TypeId;
  readonly accessStrOff: number;
  readonly kind: CoreReloKind;
}

/** The records of one ELF code section (`.text`, `tracepoint/sched/sched_switch`), offsets from its start. */
export interface ExtSection<R> {
  readonly section: string;
  readonly records: readonly R[];
}

/** The content of a .BTF.ext section. Record `insnOff`s are in slots here too; the encoder turns them into bytes. */
export interface BtfExt {
  readonly funcInfo?: readonly ExtSection<FuncInfo>[];
  readonly lineInfo?: readonly ExtSection<LineInfo>[];
  readonly coreRelos?: readonly ExtSection<CoreRelo>[];
}

/** A malformed BTF blob, an unknown id, or a type that cannot be encoded. */
export class BtfError extends Error {
  override readonly name = "BtfError";
}
