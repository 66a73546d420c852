// A clang-built libbpf object (`clang -O2 -g -target bpf -c x.bpf.c`) in, with the BTF of the kernel it is to run
// on; the CollectionSpec the loaders take out, as libbpf would have prepared it: maps from the BTF-defined `.maps`
// section (and the legacy `maps` one), global data (.rodata*, .data*, .bss*) as one-element array maps with their
// initial contents (.rodata frozen; its integer and bool variables are load-time parameters, as a tracer's param()
// are), one program per function of every section whose name libbpf knows
// (`tracepoint/syscalls/sys_enter_getppid`, `raw_tp/...`, `kprobe/...`), each with the .text subprograms it calls
// appended, its map loads pointed at maps by name and its CO-RE relocations applied from the kernel's BTF. Map keys
// and values get a TypeDesc from the object's BTF (integers, enums, char arrays as strings, structs, arrays), so the
// printers show them; a ring buffer's records are decoded when the object declares `struct <map>_event` or
// `struct event` (libbpf-tools keep it with `const struct event *unused`). Instructions carry their C line (from
// .BTF.ext line_info) as their source span, so the loader's func_info and line_info name C lines in verifier logs.
// Pure: the bytes and the BTF are given.

import { AsmError, type Instruction, OP_CALL, OP_LDDW, PseudoCall, PseudoLd, type SourceSpan, decode } from "../../asm/index.ts";
import {
  type Btf, BtfError, type BtfType, type CoreRelo, CoreReloKind, type ExtSection, type LineInfo, type TypeId, parseBtf, parseBtfExt,
} from "../btf/index.ts";
import { MAP_KINDS, type MapType } from "../../maps.ts";
import { type AttachSpec, parseAttach } from "../../probes.ts";
import { type FieldDesc, type TypeDesc, codecOf, layoutOf } from "../layout.ts";
import { lostMapName } from "../names.ts";
import { MAP_FLAGS, type CollectionSpec, type MapSpec, type ParamSpec, type ProgramSpec, type ProgramType } from "../spec.ts";
import { CoreRelocationError, describeAccess, patchInstruction, poisonInstruction, resolveCoreRelo } from "./read-core.ts";
import {
  type ElfObject, type ObjectSection, type ObjectSymbol, SHF_ALLOC, SHF_EXECINSTR, SHT_NOBITS, SHT_PROGBITS, STT_FUNC,
  STT_SECTION, readElfObject,
} from "./read.ts";

/** Something in the object that tsbpf cannot load (or that is malformed): the message names the file and what. */
export class LibbpfObjectError extends Error {
  override readonly name = "LibbpfObjectError";
  constructor(message: string, readonly hint?: string) {
    super(message);
  }
}

export interface ObjectOptions {
  /** The file, for messages. */
  readonly file: string;
  /** The BTF of the kernel the programs will run on (read only when the object has CO-RE relocations). */
  readonly kernelBtf: Btf | (() => Btf);
  /** The kernel's release, for messages ("6.1.0-18-amd64"). */
  readonly kernel?: string;
}

const R_BPF_64_64 = 1, R_BPF_64_ABS64 = 2, R_BPF_64_ABS32 = 3, R_BPF_64_NODYLD32 = 4;

/** A libbpf section name (SEC("...")) that attaches by name, as tsbpf's `kind:target` attach text; else undefined. */
function attachText(section: string): string | undefined {
  const slash = section.indexOf("/");
  const prefix = slash < 0 ? section : section.slice(0, slash);
  const rest = slash < 0 ? "" : section.slice(slash + 1);
  if (!rest) return undefined;
  switch (prefix) {
    case "tracepoint": case "tp": return `tracepoint:${rest}`;
    case "raw_tracepoint": case "raw_tp": return `raw_tracepoint:${rest}`;
    case "tp_btf": return `tp_btf:${rest}`;
    case "kprobe": case "kretprobe": case "uprobe": case "uretprobe": case "fentry": case "fexit": return `${prefix}:${rest}`;
    default: return undefined;
  }
}

const PROGRAM_TYPE: Readonly<Record<string, ProgramType>> = {
  tracepoint: "tracepoint", raw_tracepoint: "raw_tracepoint", tp_btf: "tracing", fentry: "tracing", fexit: "tracing",
  kprobe: "kprobe", uprobe: "kprobe",
};

/** What `SEC(...)` names tsbpf attaches, for the hint of a section it does not. */
const KNOWN_SECTIONS = "tracepoint/CAT/NAME, tp/CAT/NAME, raw_tp/NAME, raw_tracepoint/NAME, tp_btf/NAME, kprobe/FN, kretprobe/FN, uprobe/PATH:FN, uretprobe/PATH:FN, fentry/FN, fexit/FN";

/** Map types by BPF_MAP_TYPE_* number. */
const MAP_TYPE_BY_ID = new Map<number, MapType>(Object.entries(MAP_KINDS).map(([name, k]) => [k.id, name as MapType]));

/** Converts the object in `bytes` (read from `options.file`) into a CollectionSpec. */
export function libbpfObjectSpec(bytes: Uint8Array, options: ObjectOptions): CollectionSpec {
  try {
    return convert(bytes, options);
  } catch (e) {
    // A malformed .BTF, .BTF.ext or instruction stream is the object's fault, said in one line like the rest.
    if (e instanceof BtfError || e instanceof AsmError) throw new LibbpfObjectError(`${options.file}: ${e.message}`, "the object is malformed: rebuild it with clang -O2 -g -target bpf -c");
    throw e;
  }
}

function convert(bytes: Uint8Array, options: ObjectOptions): CollectionSpec {
  const file = options.file;
  let elf: ElfObject;
  try {
    elf = readElfObject(bytes, file);
  } catch (e) {
    throw new LibbpfObjectError((e as Error).message, "expected a BPF object built with clang -O2 -g -target bpf -c");
  }
  const btfSection = elf.section(".BTF");
  const btf = btfSection ? parseBtf(btfSection.data) : undefined;
  const extSection = elf.section(".BTF.ext");
  const ext = extSection && btf ? parseBtfExt(extSection.data, btf) : undefined;
  const fail = (why: string, hint?: string) => new LibbpfObjectError(`${file}: ${why}`, hint);

  for (const s of elf.symbols) {
    if (s.shndx === 0 && s.name && s.type !== STT_SECTION && s.index > 0 && isReferenced(elf, s)) {
      throw fail(`uses extern ${s.name} (a .kconfig value or a kernel symbol, __ksym), which tsbpf does not resolve`,
        "remove the extern, or load the object with libbpf (bpftool prog loadall)");
    }
  }
  const license = cString(elf.section("license")?.data) ?? "";

  const maps: MapSpec[] = [];
  const mapOfSymbol = new Map<number, string>(); // symbol index in .maps/maps -> map name
  const dataMaps = new Map<number, string>(); // section index -> global data map name
  const mapsSection = elf.section(".maps");
  if (mapsSection) {
    if (!btf) throw fail("has a .maps section but no .BTF to describe it", "build with -g so that clang writes BTF");
    maps.push(...btfMaps(elf, btf, mapsSection, mapOfSymbol, fail));
  }
  const legacy = elf.section("maps");
  if (legacy) maps.push(...legacyMaps(elf, legacy, mapOfSymbol, fail));
  let params: ParamSpec[] = [];
  for (const s of elf.sections) {
    if (!isDataSection(s)) continue;
    const value = btf ? datasecType(elf, btf, s) : undefined;
    const rodata = s.name.startsWith(".rodata");
    // .rodata's integer and bool variables (`const volatile` settings) are load-time parameters (--param name=value).
    if (s.name === ".rodata" && value?.kind === "struct") params = rodataParams(value, s.data);
    dataMaps.set(s.index, s.name);
    maps.push({
      name: s.name, type: "array", keySize: 4, valueSize: s.size, maxEntries: 1, key: { kind: "int", size: 4, signed: false },
      ...(value ? { value } : {}),
      ...(rodata ? { flags: MAP_FLAGS.rdonlyProg, freeze: true } : {}),
      ...(s.type !== SHT_NOBITS && (s.name === ".rodata" || s.data.some((b) => b !== 0)) ? { initialValue: Buffer.from(s.data).toString("hex") } : {}),
    });
  }
  // Event channels get their record type and a drop counter (which these programs do not increment).
  for (const [i, m] of [...maps.entries()]) {
    if (!MAP_KINDS[m.type].channel || !btf) continue;
    const record = [...btf.findByName(`${m.name}_event`, "struct"), ...btf.findByName("event", "struct")][0];
    if (!record) continue;
    maps[i] = { ...m, exported: true, events: { type: typeDesc(btf, record.id), lostMap: lostMapName(m.name) } };
    maps.push({
      name: lostMapName(m.name), type: "percpu_array", keySize: 4, valueSize: 8, maxEntries: 1,
      key: { kind: "int", size: 4, signed: false }, value: { kind: "int", size: 8, signed: false },
    });
  }

  const kernelBtf = (() => {
    let cached: Btf | undefined;
    return () => (cached ??= typeof options.kernelBtf === "function" ? options.kernelBtf() : options.kernelBtf);
  })();
  const linker = new Linker(elf, btf, ext?.coreRelos, ext?.lineInfo, mapOfSymbol, dataMaps, kernelBtf, options, fail);
  const programs: ProgramSpec[] = [];
  for (const s of elf.sections) {
    if (s.type !== SHT_PROGBITS || !(s.flags & SHF_EXECINSTR) || s.name === ".text" || s.size === 0) continue;
    const text = attachText(s.name);
    const attach: AttachSpec | undefined = text === undefined ? undefined : parseAttach(text);
    if (!attach) {
      throw fail(`section ${s.name}: tsbpf does not attach programs of this section by its name`, `the sections it attaches: ${KNOWN_SECTIONS}`);
    }
    const funcs = elf.symbols.filter((f) => f.shndx === s.index && f.type === STT_FUNC);
    if (!funcs.length) throw fail(`section ${s.name} holds code but no function symbol`);
    for (const f of funcs) {
      programs.push({
        name: f.name, type: PROGRAM_TYPE[attach.kind]!, attach, license, instructions: linker.link(s, f),
      });
    }
  }
  if (!programs.length) throw fail("has no program in a section tsbpf attaches", `the sections it attaches: ${KNOWN_SECTIONS}`);
  return { maps, programs, ...(params.length ? { params, paramMap: ".rodata" } : {}) };
}

/** Whether a relocation of some section names symbol `s`. */
function isReferenced(elf: ElfObject, s: ObjectSymbol): boolean {
  for (const list of elf.relocations.values()) if (list.some((r) => r.symbol.index === s.index)) return true;
  return false;
}

function cString(data: Uint8Array | undefined): string | undefined {
  if (!data) return undefined;
  const end = data.indexOf(0);
  return new TextDecoder().decode(data.subarray(0, end < 0 ? data.length : end));
}

/** Global data: allocated, not code, not the map, license or version sections. */
function isDataSection(s: ObjectSection): boolean {
  if (!(s.flags & SHF_ALLOC) || s.flags & SHF_EXECINSTR || s.size === 0) return false;
  if (s.type !== SHT_PROGBITS && s.type !== SHT_NOBITS) return false;
  return /^\.(rodata|data|bss)(\.|$)/.test(s.name);
}

/** The maps of the BTF-defined `.maps` section: one VAR of an anonymous struct per map (libbpf's __uint, __type). */
function btfMaps(elf: ElfObject, btf: Btf, section: ObjectSection, mapOfSymbol: Map<number, string>, fail: (w: string, h?: string) => Error): MapSpec[] {
  const datasec = btf.findByName(".maps", "datasec")[0];
  if (!datasec) throw fail("its BTF has no DATASEC .maps to describe the .maps section");
  const out: MapSpec[] = [];
  for (const v of datasec.vars) {
    const variable = btf.typeById(v.type);
    if (variable.kind !== "var") continue;
    const name = variable.name;
    const sym = elf.symbols.find((s) => s.shndx === section.index && s.name === name);
    if (!sym) throw fail(`map ${name} is in the .maps BTF but has no symbol`);
    mapOfSymbol.set(sym.index, name);
    const def = btf.resolve(variable.type);
    if (def.kind !== "struct") throw fail(`map ${name}: its definition is a ${def.kind}, not a struct`);
    let typeId = 0, maxEntries = 0, flags = 0, keySize = 0, valueSize = 0, pinning = 0;
    let key: TypeDesc | undefined, value: TypeDesc | undefined;
    // __uint(name, N) is `int (*name)[N]`; __type(name, T) is `T *name`.
    const uint = (m: { type: TypeId }) => {
      const p = btf.resolve(m.type);
      const a = p.kind === "ptr" ? btf.resolve(p.type) : undefined;
      if (a?.kind !== "array") throw fail(`map ${name}: a __uint() member is not a pointer to an array`);
      return a.nelems;
    };
    const pointee = (m: { type: TypeId }) => {
      const p = btf.resolve(m.type);
      if (p.kind !== "ptr") throw fail(`map ${name}: a __type() member is not a pointer`);
      return p.type;
    };
    for (const m of def.members) {
      switch (m.name) {
        case "type": typeId = uint(m); break;
        case "max_entries": maxEntries = uint(m); break;
        case "map_flags": flags = uint(m); break;
        case "key_size": keySize = uint(m); break;
        case "value_size": valueSize = uint(m); break;
        case "pinning": pinning = uint(m); break;
        case "numa_node": break;
        case "key": { const t = pointee(m); keySize = btf.sizeOf(t); key = typeDesc(btf, t); break; }
        case "value": { const t = pointee(m); valueSize = btf.sizeOf(t); value = typeDesc(btf, t); break; }
        default: throw fail(`map ${name}: its definition has member ${m.name}, which tsbpf does not support (map-in-map, ...)`);
      }
    }
    const type = MAP_TYPE_BY_ID.get(typeId);
    if (!type) throw fail(`map ${name} is of BPF_MAP_TYPE ${typeId}, which tsbpf does not create`);
    out.push(mapSpec(name, type, keySize, valueSize, maxEntries, flags, pinning, key, value));
  }
  return out;
}

function mapSpec(name: string, type: MapType, keySize: number, valueSize: number, maxEntries: number, flags: number, pinning: number, key?: TypeDesc, value?: TypeDesc): MapSpec {
  const channel = MAP_KINDS[type].channel;
  return {
    name, type, keySize: channel === "ringbuf" ? 0 : keySize, valueSize: channel === "ringbuf" ? 0 : valueSize, maxEntries,
    ...(flags ? { flags } : {}), ...(pinning === 1 ? { pinning: "by-name" as const } : {}),
    // Sizes without a BTF type (legacy maps, __uint(key_size, N)): unsigned integers where they fit, else bytes.
    ...(channel ? {} : { key: key ?? untyped(keySize), value: value ?? untyped(valueSize) }),
    // The object's own maps are what it counts in: printed at the end, bound by load(). An event channel only once
    // its records have a type (its events are then streamed).
    ...(channel ? {} : { exported: true }),
  };
}

/** The integer and bool variables of .rodata (laid out as `value`), with their initial values as defaults. */
function rodataParams(value: Extract<TypeDesc, { kind: "struct" }>, data: Uint8Array): ParamSpec[] {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  return (layoutOf(value).fields ?? []).flatMap((f) => {
    if ((f.type.kind !== "int" && f.type.kind !== "bool") || f.name.startsWith("__")) return [];
    return [{ name: f.name, offset: f.offset, type: f.type, default: String(codecOf(f.type).decode(view, f.offset)) }];
  });
}

/** A key or value known only by its size. */
function untyped(size: number): TypeDesc {
  return size === 1 || size === 2 || size === 4 || size === 8 ? { kind: "int", size, signed: false } : { kind: "bytes", length: size };
}

/** The legacy `maps` section: a `struct bpf_map_def` (type, key and value size, max_entries, flags) per symbol. */
function legacyMaps(elf: ElfObject, section: ObjectSection, mapOfSymbol: Map<number, string>, fail: (w: string, h?: string) => Error): MapSpec[] {
  const view = new DataView(section.data.buffer, section.data.byteOffset, section.data.byteLength);
  return elf.symbols.filter((s) => s.shndx === section.index && s.type !== STT_SECTION && s.name).map((s) => {
    if (s.value + 20 > section.size) throw fail(`legacy map ${s.name} lies past the end of the maps section`);
    const u = (i: number) => view.getUint32(s.value + i * 4, true);
    const type = MAP_TYPE_BY_ID.get(u(0));
    if (!type) throw fail(`map ${s.name} is of BPF_MAP_TYPE ${u(0)}, which tsbpf does not create`);
    mapOfSymbol.set(s.index, s.name);
    return mapSpec(s.name, type, u(1), u(2), u(3), u(4), 0);
  });
}

/**
 * A global data section's value: a struct of its variables, at the offsets their symbols give (clang leaves the
 * DATASEC's at 0).
 */
function datasecType(elf: ElfObject, btf: Btf, s: ObjectSection): TypeDesc | undefined {
  const datasec = btf.findByName(s.name, "datasec")[0];
  if (!datasec) return undefined;
  const vars = datasec.vars.flatMap((v) => {
    const t = btf.typeById(v.type);
    const sym = t.kind === "var" ? elf.symbols.find((x) => x.shndx === s.index && x.name === t.name) : undefined;
    return t.kind === "var" && sym ? [{ name: t.name, offset: sym.value, bitfield: false, type: typeDesc(btf, t.type) }] : [];
  });
  return laidOut(undefined, vars.sort((a, b) => a.offset - b.offset), s.size);
}

/**
 * A struct of `members` at their byte offsets, `size` bytes long, in layout.ts's terms: explicit padding where C's
 * natural alignment would not put a member; undefined when no padding can make the offsets (a bitfield, overlap).
 */
function laidOut(name: string | undefined, members: readonly { name: string; offset: number; bitfield: boolean; type: TypeDesc }[], size: number): TypeDesc | undefined {
  const fields: FieldDesc[] = [];
  let at = 0;
  for (const [i, m] of members.entries()) {
    if (m.bitfield || m.offset < at) return undefined;
    const l = layoutOf(m.type);
    if (Math.ceil(at / l.align) * l.align !== m.offset) fields.push({ name: `__pad${i}`, type: { kind: "bytes", length: m.offset - at } });
    if (m.offset % l.align !== 0) return undefined;
    fields.push({ name: m.name || `__anon${i}`, type: m.type });
    at = m.offset + l.size;
  }
  const desc: TypeDesc = { kind: "struct", ...(name ? { name } : {}), fields };
  const natural = layoutOf(desc).size;
  if (natural === size) return desc;
  if (at >= size) return undefined;
  const padded: TypeDesc = { ...desc, fields: [...fields, { name: "__tail", type: { kind: "bytes", length: size - at } }] };
  return layoutOf(padded).size === size ? padded : undefined;
}

/**
 * The TypeDesc of a BTF type, laid out as the BTF says: structs get explicit padding where C's natural alignment
 * would not put a field, and what layout.ts cannot express (bitfields, unions, floats) is raw bytes.
 */
export function typeDesc(btf: Btf, id: TypeId, depth = 0): TypeDesc {
  const t: BtfType = btf.resolve(id);
  const bytes = (): TypeDesc => ({ kind: "bytes", length: btf.sizeOf(id) });
  if (depth > 16) return bytes();
  switch (t.kind) {
    case "int": {
      if (t.encoding & 4 && t.size === 1) return { kind: "bool" };
      if (t.size !== 1 && t.size !== 2 && t.size !== 4 && t.size !== 8) return bytes();
      return { kind: "int", size: t.size, signed: (t.encoding & 1) !== 0 };
    }
    case "enum": case "enum64":
      return t.size === 1 || t.size === 2 || t.size === 4 || t.size === 8 ? { kind: "int", size: t.size, signed: t.signed } : bytes();
    case "ptr":
      return { kind: "pointer" };
    case "array": {
      const e = btf.resolve(t.elemType);
      if (e.kind === "int" && e.size === 1 && !(e.encoding & 4)) return { kind: "string", capacity: t.nelems };
      return { kind: "array", element: typeDesc(btf, t.elemType, depth + 1), length: t.nelems };
    }
    case "struct": {
      const members = t.members.map((m, i) => ({
        name: m.name || `__anon${i}`, offset: m.bitOffset / 8, bitfield: m.bitfieldSize !== 0 || m.bitOffset % 8 !== 0,
        type: typeDesc(btf, m.type, depth + 1),
      }));
      return laidOut(t.name || undefined, members, t.size) ?? bytes();
    }
    default:
      return bytes();
  }
}

/** A function's place in its section, in 8-byte slots. */
interface Piece {
  readonly section: ObjectSection;
  readonly start: number;
  readonly length: number;
}

/** Builds each program: its function, then every .text subprogram it reaches, relocated. */
class Linker {
  private readonly decoded = new Map<number, { insns: Instruction[]; slotOf: number[]; indexOfSlot: Map<number, number> }>();
  private readonly lines = new Map<number, LineInfo[]>();

  constructor(
    private readonly elf: ElfObject,
    private readonly btf: Btf | undefined,
    private readonly coreRelos: readonly ExtSection<CoreRelo>[] | undefined,
    private readonly lineInfo: readonly ExtSection<LineInfo>[] | undefined,
    private readonly mapOfSymbol: ReadonlyMap<number, string>,
    private readonly dataMaps: ReadonlyMap<number, string>,
    private readonly kernelBtf: () => Btf,
    private readonly options: ObjectOptions,
    private readonly fail: (w: string, h?: string) => Error,
  ) {}

  /** The section's instructions (lddw as one), with each one's slot and the instruction at each slot. */
  private section(s: ObjectSection) {
    let d = this.decoded.get(s.index);
    if (!d) {
      const insns = decode(s.data);
      const slotOf: number[] = [];
      const indexOfSlot = new Map<number, number>();
      let slot = 0;
      for (const [i, ins] of insns.entries()) {
        slotOf.push(slot);
        indexOfSlot.set(slot, i);
        slot += ins.op === OP_LDDW ? 2 : 1;
      }
      d = { insns, slotOf, indexOfSlot };
      this.decoded.set(s.index, d);
    }
    return d;
  }

  /** The function of section `s` that starts at `slot` (a call's target), as a piece. */
  private functionAt(s: ObjectSection, slot: number, program: string): Piece {
    const f = this.elf.symbols.find((x) => x.shndx === s.index && x.type === STT_FUNC && x.value === slot * 8);
    if (!f) throw this.fail(`program ${program} calls slot ${slot} of ${s.name}, where no function starts`);
    return { section: s, start: slot, length: f.size / 8 };
  }

  link(section: ObjectSection, f: ObjectSymbol): Instruction[] {
    const program = f.name;
    const pieces: Piece[] = [{ section, start: f.value / 8, length: f.size / 8 }];
    const key = (p: { section: ObjectSection; start: number }) => `${p.section.index}:${p.start}`;
    const placed = new Map<string, number>([[key(pieces[0]!), 0]]);
    const out: Instruction[] = [];
    let outSlot = 0;
    // Calls are fixed once every callee has a place: (index in out, its slot, the callee's section and slot, src).
    const calls: { at: number; slot: number; target: { section: ObjectSection; start: number } }[] = [];
    for (let p = 0; p < pieces.length; p++) {
      const piece = pieces[p]!;
      const d = this.section(piece.section);
      const relocs = new Map((this.elf.relocations.get(piece.section.index) ?? []).map((r) => [r.offset / 8, r]));
      const first = d.indexOfSlot.get(piece.start);
      if (first === undefined) throw this.fail(`function at slot ${piece.start} of ${piece.section.name} starts inside an instruction`);
      for (let i = first; i < d.insns.length && d.slotOf[i]! < piece.start + piece.length; i++) {
        const slot = d.slotOf[i]!;
        let ins = d.insns[i]!;
        const r = relocs.get(slot);
        const isCall = ins.op === OP_CALL && ins.src === PseudoCall.Local;
        if (isCall || (ins.op === OP_LDDW && r && isCode(this.elf, r.symbol))) {
          // Where the callee starts: a relocation names its section (and libbpf's offset rule); otherwise it is here.
          let target: { section: ObjectSection; start: number };
          if (r) {
            const s = this.elf.sections[r.symbol.shndx]!;
            target = { section: s, start: isCall ? r.symbol.value / 8 + ins.imm + 1 : (r.symbol.value + ins.imm) / 8 };
          } else {
            target = { section: piece.section, start: slot + ins.imm + 1 };
          }
          if (!placed.has(key(target))) {
            const callee = this.functionAt(target.section, target.start, program);
            placed.set(key(target), -1);
            pieces.push(callee);
          }
          if (!isCall) ins = { ...ins, src: PseudoLd.Func };
          calls.push({ at: out.length, slot: outSlot, target });
        } else if (r && ins.op === OP_LDDW) {
          ins = this.mapLoad(ins, r.symbol, r.type, program);
        } else if (r && r.type !== R_BPF_64_ABS64 && r.type !== R_BPF_64_ABS32 && r.type !== R_BPF_64_NODYLD32) {
          throw this.fail(`program ${program}: relocation type ${r.type} against ${r.symbol.name || "a section"} on instruction ${i} of ${piece.section.name}`);
        }
        ins = this.core(piece.section, slot, ins, program);
        const line = this.lineAt(piece.section, slot);
        out.push(line ? { ...ins, meta: { ...ins.meta, ...line } } : ins);
        outSlot += ins.op === OP_LDDW ? 2 : 1;
      }
      // The next piece starts here.
      const next = pieces[p + 1];
      if (next) placed.set(key(next), outSlot);
    }
    for (const c of calls) {
      const at = placed.get(key(c.target));
      if (at === undefined || at < 0) throw this.fail(`program ${program}: a call target was not placed`);
      out[c.at] = { ...out[c.at]!, imm: at - (c.slot + 1) };
    }
    return out;
  }

  /** An lddw loading a map (a symbol of .maps or maps) or the address of global data (MAP_VALUE, with its offset). */
  private mapLoad(ins: Instruction, sym: ObjectSymbol, type: number, program: string): Instruction {
    if (type !== R_BPF_64_64) throw this.fail(`program ${program}: relocation type ${type} on an lddw`);
    const map = this.mapOfSymbol.get(sym.index);
    if (map !== undefined) return { ...ins, src: PseudoLd.MapFd, imm: 0, imm2: 0, map };
    const data = this.dataMaps.get(sym.shndx);
    if (data !== undefined) {
      // A section symbol's offset is in the instruction; a variable's adds its place in the section.
      const offset = (sym.type === STT_SECTION ? 0 : sym.value) + ins.imm;
      return { ...ins, src: PseudoLd.MapValue, imm: 0, imm2: offset, map: data };
    }
    const where = this.elf.sections[sym.shndx]?.name ?? `section ${sym.shndx}`;
    throw this.fail(`program ${program} loads the address of ${sym.name || where} in ${where}, which is neither a map nor global data`);
  }

  /** The CO-RE relocation of the instruction at `slot` of `section`, applied (or the instruction poisoned). */
  private core(section: ObjectSection, slot: number, ins: Instruction, program: string): Instruction {
    const records = this.coreRelos?.find((c) => c.section === section.name)?.records;
    const r = records?.find((x) => x.insnOff === slot);
    if (!r || !this.btf) return ins;
    const local = this.btf;
    try {
      const res = resolveCoreRelo(local, this.kernelBtf(), r);
      if ("missing" in res) {
        return poisonInstruction(ins, `CO-RE: ${res.missing} is not in ${this.kernelName()}`);
      }
      return patchInstruction(ins, res.value, r.kind, res.size);
    } catch (e) {
      if (!(e instanceof CoreRelocationError)) throw e;
      throw this.fail(`program ${program}: CO-RE relocation of ${describeAccess(local, r)} (${CoreReloKind[r.kind]}) against ${this.kernelName()}: ${e.message}`);
    }
  }

  /**
   * The C line of the instruction at `slot` of `section` (from .BTF.ext line_info), as the source span the loader
   * turns into the program's func_info and line_info: verifier logs and refusals then name the C source line.
   */
  private lineAt(section: ObjectSection, slot: number): { span: SourceSpan; source: string } | undefined {
    let lines = this.lines.get(section.index);
    if (!lines) {
      lines = [...(this.lineInfo?.find((l) => l.section === section.name)?.records ?? [])].sort((a, b) => a.insnOff - b.insnOff);
      this.lines.set(section.index, lines);
    }
    let lo = 0, hi = lines.length - 1, found: LineInfo | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (lines[mid]!.insnOff <= slot) (found = lines[mid], lo = mid + 1);
      else hi = mid - 1;
    }
    if (!found || !this.btf) return undefined;
    return { span: { file: this.btf.stringAt(found.fileNameOff), line: found.line, column: found.column }, source: this.btf.stringAt(found.lineOff) };
  }

  private kernelName(): string {
    return this.options.kernel ? `Linux ${this.options.kernel}` : "this kernel";
  }
}

/** Whether a symbol is in a section of code (a callee, or a callback's address for bpf_loop and the like). */
function isCode(elf: ElfObject, s: ObjectSymbol): boolean {
  return ((elf.sections[s.shndx]?.flags ?? 0) & SHF_EXECINSTR) !== 0;
}
