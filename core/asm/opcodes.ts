// Opcode constants of the eBPF ISA (RFC 9669 + Linux cpu v4): numbers in, numbers out.
// Names follow the kernel's BPF_* macros so they can be looked up in include/uapi/linux/bpf.h.

/** Instruction classes: the low 3 bits of the opcode. */
export enum Class {
  /** BPF_LD: 64-bit immediate loads (and the legacy packet loads). */
  LD = 0x00,
  /** BPF_LDX: loads into a register. */
  LDX = 0x01,
  /** BPF_ST: stores of an immediate. */
  ST = 0x02,
  /** BPF_STX: stores of a register, and atomics. */
  STX = 0x03,
  /** BPF_ALU: 32-bit arithmetic, zero-extending its result. */
  ALU = 0x04,
  /** BPF_JMP: 64-bit jumps, call, exit. */
  JMP = 0x05,
  /** BPF_JMP32: jumps comparing the low 32 bits (cpu v3, Linux 5.1). */
  JMP32 = 0x06,
  /** BPF_ALU64: 64-bit arithmetic. */
  ALU64 = 0x07,
}

/** The source bit of ALU and JMP opcodes: BPF_K (immediate) or BPF_X (register). */
export enum Source {
  K = 0x00,
  X = 0x08,
}

/** ALU operation codes (bits 4..7 of the opcode, already shifted). */
export enum AluOp {
  Add = 0x00,
  Sub = 0x10,
  Mul = 0x20,
  Div = 0x30,
  Or = 0x40,
  And = 0x50,
  Lsh = 0x60,
  Rsh = 0x70,
  Neg = 0x80,
  Mod = 0x90,
  Xor = 0xa0,
  Mov = 0xb0,
  Arsh = 0xc0,
  /** BPF_END: byte swaps. */
  End = 0xd0,
}

/** Jump operation codes (bits 4..7 of the opcode, already shifted). */
export enum JmpOp {
  Ja = 0x00,
  JEq = 0x10,
  JGt = 0x20,
  JGe = 0x30,
  JSet = 0x40,
  JNe = 0x50,
  JSGt = 0x60,
  JSGe = 0x70,
  Call = 0x80,
  Exit = 0x90,
  JLt = 0xa0,
  JLe = 0xb0,
  JSLt = 0xc0,
  JSLe = 0xd0,
}

/** Load/store size (bits 3..4). */
export enum Size {
  W = 0x00,
  H = 0x08,
  B = 0x10,
  DW = 0x18,
}

/** Load/store mode (bits 5..7). */
export enum Mode {
  IMM = 0x00,
  ABS = 0x20,
  IND = 0x40,
  MEM = 0x60,
  /** BPF_MEMSX: sign-extending loads (cpu v4, Linux 6.6). */
  MEMSX = 0x80,
  ATOMIC = 0xc0,
}

/** Atomic operations, held in imm of 0xc3 / 0xdb. */
export enum AtomicOp {
  Add = 0x00,
  Or = 0x40,
  And = 0x50,
  Xor = 0xa0,
  /** BPF_FETCH: also return the old value in src. */
  Fetch = 0x01,
  Xchg = 0xe1,
  CmpXchg = 0xf1,
}

/** Pseudo source registers of ld_imm64 (0x18): what imm refers to. */
export enum PseudoLd {
  Imm = 0,
  /** BPF_PSEUDO_MAP_FD: imm = map fd. */
  MapFd = 1,
  /** BPF_PSEUDO_MAP_VALUE: imm = map fd, next imm = offset into the value. */
  MapValue = 2,
  /** BPF_PSEUDO_BTF_ID: imm = BTF id of a kernel variable. */
  BtfId = 3,
  /** BPF_PSEUDO_FUNC: imm = relative offset of a subprogram. */
  Func = 4,
  /** BPF_PSEUDO_MAP_IDX: imm = index into fd_array. */
  MapIdx = 5,
  /** BPF_PSEUDO_MAP_IDX_VALUE: index into fd_array, next imm = offset. */
  MapIdxValue = 6,
}

/** Pseudo source registers of call (0x85). */
export enum PseudoCall {
  Helper = 0,
  /** BPF_PSEUDO_CALL: bpf-to-bpf call, imm = relative offset. */
  Local = 1,
  /** BPF_PSEUDO_KFUNC_CALL: imm = BTF id ("call runtime" in bpf_conformance syntax). */
  Kfunc = 2,
}

export const OP_LDDW = 0x18;
export const OP_CALL = 0x85;
export const OP_CALLX = 0x8d;
export const OP_EXIT = 0x95;
export const OP_JA = 0x05;
export const OP_JA32 = 0x06;

/** Registers r0..r10; r10 is the read-only frame pointer. The encoding has room for 16. */
export type Reg = number;
export const R0 = 0, R1 = 1, R2 = 2, R3 = 3, R4 = 4, R5 = 5, R6 = 6, R7 = 7, R8 = 8, R9 = 9, R10 = 10;
export const FP = R10;

export const opClass = (op: number): Class => (op & 0x07) as Class;
export const isAluClass = (cls: number): boolean => cls === Class.ALU || cls === Class.ALU64;
export const isJmpClass = (cls: number): boolean => cls === Class.JMP || cls === Class.JMP32;
export const sizeBytes = (size: number): number => (size === Size.DW ? 8 : size === Size.W ? 4 : size === Size.H ? 2 : 1);
