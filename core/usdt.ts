// USDT probes (SystemTap's `<sys/sdt.h>`, DTrace-style static probes in user programs): an ELF file's bytes in; its
// probes out, from the `.note.stapsdt` notes (provider, name, where the probe is as an address and as a file
// offset, the semaphore, the argument string), and each argument spec ("-4@%eax", "8@-20(%rbp)", "4@$5") decoded
// into where the value is read from (a constant, a register of pt_regs, or memory at a register plus an offset),
// its size and signedness. Also the layout of the spec records the loader (and the VM) writes into the
// `.usdt_specs` map, which the kernel-side code of `ctx.arg(i)` reads.
// Pure: the compiler checks probes with it, the runtime attaches with it, `tsbpf list` lists with it.
//
// As libbpf's usdt.c (the rules, not the code): a note's address is moved by `.stapsdt.base`'s address minus the
// base the note recorded (prelink may have moved the file after the notes were written), then mapped to a file
// offset through the executable PT_LOAD segment containing it; a semaphore's address (not moved) through the
// non-executable segment containing it.

/** The most arguments a USDT probe has (sys/sdt.h's STAP_PROBE12) and `ctx.arg(i)` reads. */
export const USDT_MAX_ARGS = 12;

/** Where an argument's value is: a constant, a register, or memory at a register plus an offset. */
export type UsdtArgKind = "const" | "reg" | "reg_deref";

/** One decoded argument spec. */
export interface UsdtArg {
  /** The spec as the note writes it: "-4@%eax". */
  readonly spec: string;
  readonly kind: UsdtArgKind;
  /** The register's name as written ("eax", "x0", "sp"); absent for a constant. */
  readonly register?: string;
  /** The register's byte offset in the probed architecture's pt_regs (0 for a constant). */
  readonly regOffset: number;
  /** The constant (const), or the offset added to the register before reading memory (reg_deref). */
  readonly offset: bigint;
  /** The value's size in bytes. */
  readonly size: 1 | 2 | 4 | 8;
  readonly signed: boolean;
}

/** One probe site: a `.note.stapsdt` note, with its address and semaphore mapped to file offsets. */
export interface UsdtProbe {
  readonly provider: string;
  readonly name: string;
  /** The probe's address, moved by `.stapsdt.base` as libbpf does (prelinked files). */
  readonly address: bigint;
  /** Its offset in the file: what a uprobe attaches at. */
  readonly offset: bigint;
  /** The semaphore's address (0 when the probe has none). */
  readonly semaphore: bigint;
  /** The semaphore's offset in the file (0 when none): the uprobe's reference counter offset. */
  readonly semaphoreOffset: bigint;
  /** The arguments as the note writes them: "-4@%esi 8@%rdx". */
  readonly args: string;
}

/** The architectures whose argument syntax is decoded. */
export type UsdtArch = "x86_64" | "aarch64";

/** A file or argument spec USDT cannot use; `hint` says what to do. Callers word it as their layer does. */
export class UsdtError extends Error {
  override name = "UsdtError";
  constructor(message: string, readonly hint?: string) {
    super(message);
  }
}

// ---- notes ----------------------------------------------------------------------------------------------------

const SHT_NOTE = 7;
const PT_LOAD = 1;
const PF_X = 1;
const ET_EXEC = 2, ET_DYN = 3;
/** NT_STAPSDT, with owner "stapsdt". */
const NT_STAPSDT = 3;

interface Segment {
  readonly vaddr: bigint;
  readonly memsz: bigint;
  readonly offset: bigint;
  readonly exec: boolean;
}

/**
 * The USDT probes of an ELF64 little-endian executable or shared library (`path` only names it in errors), in note
 * order; an empty list when it has no `.note.stapsdt` section. Throws a UsdtError for a file that is not such an ELF
 * or whose notes are malformed.
 */
export function usdtProbes(bytes: Uint8Array, path = "<memory>"): UsdtProbe[] {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length < 64 || b.readUInt32BE(0) !== 0x7f454c46) throw new UsdtError(`${path} is not an ELF file`, "USDT probes live in executables and shared libraries");
  if (b[4] !== 2 || b[5] !== 1) throw new UsdtError(`${path} is not a 64-bit little-endian ELF file`);
  const type = b.readUInt16LE(16);
  if (type !== ET_EXEC && type !== ET_DYN) throw new UsdtError(`${path} is neither an executable nor a shared library (ELF type ${type})`);
  const bad = (what: string) => new UsdtError(`${path} is a malformed ELF file: ${what}`, "the file may be truncated or still being written");
  const phoff = Number(b.readBigUInt64LE(32)), shoff = Number(b.readBigUInt64LE(40));
  const phentsize = b.readUInt16LE(54), phnum = b.readUInt16LE(56);
  const shentsize = b.readUInt16LE(58), shnum = b.readUInt16LE(60), shstrndx = b.readUInt16LE(62);
  if (phoff + phnum * phentsize > b.length || (shoff !== 0 && shoff + shnum * shentsize > b.length)) throw bad("its header tables lie past the end of the file");
  const segments: Segment[] = [];
  for (let i = 0; i < phnum; i++) {
    const o = phoff + i * phentsize;
    if (b.readUInt32LE(o) !== PT_LOAD) continue;
    segments.push({ vaddr: b.readBigUInt64LE(o + 16), memsz: b.readBigUInt64LE(o + 40), offset: b.readBigUInt64LE(o + 8), exec: (b.readUInt32LE(o + 4) & PF_X) !== 0 });
  }
  const sections = Array.from({ length: shoff === 0 ? 0 : shnum }, (_, i) => {
    const o = shoff + i * shentsize;
    return { nameOff: b.readUInt32LE(o), type: b.readUInt32LE(o + 4), addr: b.readBigUInt64LE(o + 16), offset: Number(b.readBigUInt64LE(o + 24)), size: Number(b.readBigUInt64LE(o + 32)) };
  });
  const strtab = sections[shstrndx];
  const nameOf = (off: number) => (strtab ? cstring(b, strtab.offset + off, strtab.offset + strtab.size) : "");
  const named = (n: string) => sections.find((s) => nameOf(s.nameOff) === n);
  const notes = named(".note.stapsdt");
  if (!notes || notes.type !== SHT_NOTE) return [];
  if (notes.offset + notes.size > b.length) throw bad(".note.stapsdt lies past the end of the file");
  const base = named(".stapsdt.base")?.addr;
  const out: UsdtProbe[] = [];
  const end = notes.offset + notes.size;
  for (let o = notes.offset; o + 12 <= end;) {
    const namesz = b.readUInt32LE(o), descsz = b.readUInt32LE(o + 4), ntype = b.readUInt32LE(o + 8);
    const nameAt = o + 12, descAt = nameAt + align4(namesz), next = descAt + align4(descsz);
    if (next > end) throw bad("a note of .note.stapsdt runs past the section");
    o = next;
    if (ntype !== NT_STAPSDT || cstring(b, nameAt, nameAt + namesz) !== "stapsdt") continue;
    if (descsz < 24 + 3) throw bad("a stapsdt note is too short");
    const descEnd = descAt + descsz;
    const pc = b.readBigUInt64LE(descAt), noteBase = b.readBigUInt64LE(descAt + 8), semaphore = b.readBigUInt64LE(descAt + 16);
    const provider = cstring(b, descAt + 24, descEnd);
    const nameStart = descAt + 24 + Buffer.byteLength(provider) + 1;
    const name = cstring(b, nameStart, descEnd);
    const args = cstring(b, nameStart + Buffer.byteLength(name) + 1, descEnd);
    const address = base !== undefined && base !== 0n ? BigInt.asUintN(64, pc + base - noteBase) : pc;
    const label = `${provider}:${name}`;
    const code = segments.find((s) => address >= s.vaddr && address < s.vaddr + s.memsz);
    if (!code || !code.exec) {
      throw new UsdtError(`USDT probe ${label} in ${path} is at 0x${address.toString(16)}, in no executable segment`, "the file may have been prelinked or stripped inconsistently");
    }
    let semaphoreOffset = 0n;
    if (semaphore !== 0n) {
      const data = segments.find((s) => semaphore >= s.vaddr && semaphore < s.vaddr + s.memsz);
      if (!data || data.exec) throw new UsdtError(`the semaphore of USDT probe ${label} in ${path} (0x${semaphore.toString(16)}) is in no data segment`);
      semaphoreOffset = semaphore - data.vaddr + data.offset;
    }
    out.push({ provider, name, address, offset: address - code.vaddr + code.offset, semaphore, semaphoreOffset, args });
  }
  return out;
}

const align4 = (n: number) => (n + 3) & ~3;

function cstring(b: Buffer, from: number, limit: number): string {
  const end = b.indexOf(0, from);
  return b.toString("utf8", from, end < 0 || end > limit ? limit : end);
}

// ---- argument specs -------------------------------------------------------------------------------------------

/** struct pt_regs (x86_64, asm/ptrace.h) offsets of each 64-bit register, by every name of it and its low parts. */
const X86_64_REGS: Readonly<Record<string, number>> = (() => {
  const regs: [number, string[]][] = [
    [0, ["r15", "r15d", "r15w", "r15b"]], [8, ["r14", "r14d", "r14w", "r14b"]], [16, ["r13", "r13d", "r13w", "r13b"]],
    [24, ["r12", "r12d", "r12w", "r12b"]], [32, ["rbp", "ebp", "bp", "bpl"]], [40, ["rbx", "ebx", "bx", "bl"]],
    [48, ["r11", "r11d", "r11w", "r11b"]], [56, ["r10", "r10d", "r10w", "r10b"]], [64, ["r9", "r9d", "r9w", "r9b"]],
    [72, ["r8", "r8d", "r8w", "r8b"]], [80, ["rax", "eax", "ax", "al"]], [88, ["rcx", "ecx", "cx", "cl"]],
    [96, ["rdx", "edx", "dx", "dl"]], [104, ["rsi", "esi", "si", "sil"]], [112, ["rdi", "edi", "di", "dil"]],
    [128, ["rip", "eip"]], [152, ["rsp", "esp", "sp", "spl"]],
  ];
  return Object.fromEntries(regs.flatMap(([off, names]) => names.map((n) => [n, off])));
})();

/** arm64 user_pt_regs: x0..x30 then sp. */
function arm64Reg(name: string): number | undefined {
  if (name === "sp") return 248;
  const m = /^x([0-9]|[12][0-9]|30)$/.exec(name);
  return m ? Number(m[1]) * 8 : undefined;
}

const NUM = "(-?(?:0x[0-9a-fA-F]+|[0-9]+))";

/** The arguments of a note's argument string (specs separated by spaces), decoded. */
export function parseUsdtArgs(args: string, arch: UsdtArch = "x86_64"): UsdtArg[] {
  const specs = args.trim() ? args.trim().split(/\s+/) : [];
  if (specs.length > USDT_MAX_ARGS) throw new UsdtError(`${specs.length} USDT arguments ("${args}"): at most ${USDT_MAX_ARGS} are supported`);
  return specs.map((s) => parseUsdtArg(s, arch));
}

/**
 * One argument spec: `[-]SIZE@OPERAND`, a negative size meaning signed. x86_64 operands in AT&T syntax: `%reg`,
 * `$const`, `off(%reg)`, `(%reg)`; arm64: `xN`/`sp`, `const`, `[reg, off]`, `[reg]`. Sub-registers (`%eax`, `%ax`,
 * `%al`) read the full register: the size keeps the low bytes.
 */
export function parseUsdtArg(spec: string, arch: UsdtArch = "x86_64"): UsdtArg {
  const m = /^(-?)(\d+)@(.+)$/.exec(spec);
  if (!m) throw new UsdtError(`USDT argument "${spec}" is not SIZE@OPERAND`, 'an argument spec looks like "-4@%eax" or "8@-16(%rbp)"');
  const size = Number(m[2]);
  if (size !== 1 && size !== 2 && size !== 4 && size !== 8) throw new UsdtError(`USDT argument "${spec}" has size ${size}: sizes are 1, 2, 4 or 8 bytes`);
  const signed = m[1] === "-";
  const operand = m[3]!;
  const base = { spec, size: size as 1 | 2 | 4 | 8, signed };
  const reg = (name: string): number => {
    const off = arch === "x86_64" ? X86_64_REGS[name] : arm64Reg(name);
    if (off === undefined) {
      throw new UsdtError(`USDT argument "${spec}" uses register ${name}, which cannot be read from pt_regs`,
        arch === "x86_64" ? "readable: the general registers, their 32/16/8-bit low parts, rip and rsp (not %ah..%dh, nor vector registers)" : "readable: x0..x30 and sp");
    }
    return off;
  };
  let r: RegExpExecArray | null;
  if (arch === "x86_64") {
    if ((r = new RegExp(`^\\$${NUM}$`).exec(operand))) return { ...base, kind: "const", regOffset: 0, offset: BigInt(r[1]!) };
    if ((r = /^%([a-z0-9]+)$/.exec(operand))) return { ...base, kind: "reg", register: r[1]!, regOffset: reg(r[1]!), offset: 0n };
    if ((r = new RegExp(`^${NUM}?\\(%([a-z0-9]+)\\)$`).exec(operand))) {
      return { ...base, kind: "reg_deref", register: r[2]!, regOffset: reg(r[2]!), offset: BigInt(r[1] ?? 0) };
    }
    const why = /,/.test(operand) ? "an indexed address (base, index, scale)" : /^[A-Za-z_.]/.test(operand) ? "a symbol's address" : "this operand";
    throw new UsdtError(`USDT argument "${spec}": ${why} is not supported`, "supported operands: %reg, $constant, offset(%reg)");
  }
  if ((r = new RegExp(`^${NUM}$`).exec(operand))) return { ...base, kind: "const", regOffset: 0, offset: BigInt(r[1]!) };
  if ((r = /^([a-z0-9]+)$/.exec(operand))) return { ...base, kind: "reg", register: r[1]!, regOffset: reg(r[1]!), offset: 0n };
  if ((r = new RegExp(`^\\[\\s*([a-z0-9]+)\\s*(?:,\\s*#?${NUM}\\s*)?\\]$`).exec(operand))) {
    return { ...base, kind: "reg_deref", register: r[1]!, regOffset: reg(r[1]!), offset: BigInt(r[2] ?? 0) };
  }
  throw new UsdtError(`USDT argument "${spec}": this operand is not supported`, "supported operands: xN or sp, a constant, [reg, offset]");
}

// ---- the spec records of the `.usdt_specs` map ----------------------------------------------------------------

/** The array map the loader fills with one spec record per attached probe site, indexed by the attachment's cookie. */
export const USDT_SPEC_MAP = ".usdt_specs";
/** Probe sites one tracer can attach (libbpf's default is 256 too). */
export const USDT_MAX_SITES = 256;

/**
 * A spec record: per argument 16 bytes { u64 offset; u32 kind; u16 regOffset; u8 signed; u8 shift } (shift = 64 -
 * 8 * size: the value is shifted left then right by it, arithmetically when signed, to keep `size` low bytes and
 * extend them), then the argument count (u32) at `argCount`.
 */
export const USDT_SPEC = {
  argSize: 16,
  offset: 0,
  kind: 8,
  regOffset: 12,
  signed: 14,
  shift: 15,
  argCount: 16 * USDT_MAX_ARGS,
  size: 16 * USDT_MAX_ARGS + 8,
} as const;

/** The kind numbers the spec record holds. */
export const USDT_KIND: Readonly<Record<UsdtArgKind, number>> = { const: 0, reg: 1, reg_deref: 2 };

/** The spec record of one probe site's arguments. */
export function encodeUsdtSpec(args: readonly UsdtArg[]): Uint8Array {
  const bytes = new Uint8Array(USDT_SPEC.size);
  const v = new DataView(bytes.buffer);
  args.forEach((a, i) => {
    const o = i * USDT_SPEC.argSize;
    v.setBigUint64(o + USDT_SPEC.offset, BigInt.asUintN(64, a.offset), true);
    v.setUint32(o + USDT_SPEC.kind, USDT_KIND[a.kind], true);
    v.setUint16(o + USDT_SPEC.regOffset, a.regOffset, true);
    v.setUint8(o + USDT_SPEC.signed, a.signed ? 1 : 0);
    v.setUint8(o + USDT_SPEC.shift, 64 - 8 * a.size);
  });
  v.setUint32(USDT_SPEC.argCount, args.length, true);
  return bytes;
}

/** `provider:name` and its arguments, as `tsbpf list -v` and messages print a probe: "app:request (-4@%edi 8@%rsi)". */
export function describeUsdtProbe(p: UsdtProbe): string {
  return `${p.provider}:${p.name}${p.args ? ` (${p.args})` : ""}`;
}
