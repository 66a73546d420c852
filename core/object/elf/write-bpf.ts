// A compiled collection in, a libbpf-compatible ELF object out (`tsbpf build tool.ts -o tool.bpf.o`, docs/elf-objects.md):
// one section per attach point with libbpf's SEC() names, a global FUNC symbol per program, bpf_loop callbacks as
// static functions in .text, `.maps` with BTF map definitions and a symbol per map, the load-time parameters as
// `.rodata` with a DATASEC, `license`, `.BTF`, and `.BTF.ext` with func_info, line_info and CO-RE relocations.
// Map references are R_BPF_64_64 relocations (against the map's symbol, or .rodata's section symbol with the offset
// in the instruction's imm, as clang writes them). What an object cannot hold is refused (BpfObjectError) or noted.

import { type Instruction, OP_CALL, OP_LDDW, PseudoCall, PseudoLd, encode, slotIndex } from "../../asm/index.ts";
import type { Btf, CoreRelo, ExtSection, FuncInfo, LineInfo } from "../btf/index.ts";
import { CoreReloKind, VarLinkage, encodeBtfExt } from "../btf/index.ts";
import { MAP_KINDS } from "../../maps.ts";
import { type AttachSpec, formatAttach } from "../../probes.ts";
import { addProgramBtf, cName, subprogramStarts } from "../program-btf.ts";
import { layoutOf } from "../layout.ts";
import type { CollectionSpec, MapSpec } from "../spec.ts";
import {
  ElfWriter, R_BPF_64_32, R_BPF_64_64, SHF_ALLOC, SHF_EXECINSTR, SHF_WRITE, SHT_PROGBITS, STB_GLOBAL, STB_LOCAL, STT_FUNC,
  STT_OBJECT, type ElfRelocation, type ElfSymbolRef,
} from "./write.ts";
import { CoreLocals, FieldTypeError, type LocalAccess, ObjectBtf, cIdent, readKey } from "./write-btf.ts";

/** What the collection has that an object cannot hold; the message names it and says what to do instead. */
export class BpfObjectError extends Error {
  override readonly name = "BpfObjectError";
}

export interface BpfObjectOptions {
  /**
   * A tracepoint field's offset in this machine's tracefs (undefined when it cannot be read): tracepoint field
   * offsets, which tsbpf patches at load, are written resolved, since libbpf has no such relocation.
   */
  readonly tracepointField?: (tracepoint: string, field: string) => number | undefined;
  /** The kernel's BTF, for the types of the kernel struct members programs read (their CO-RE local types). */
  readonly kernelBtf?: () => Btf | undefined;
  /**
   * What a uprobe's target given by name (`libc`, `bash`) is called in the section, which libbpf resolves as a path,
   * a library file name (`libc.so.6`, searched in the library directories) or a program on PATH; undefined: as given.
   */
  readonly uprobeTarget?: (target: string) => string | undefined;
}

export interface BpfObject {
  readonly bytes: Uint8Array;
  /** What the object does not carry, one line each (the tool prints them on stderr). */
  readonly notes: readonly string[];
}

/** libbpf's BTF map definition keys for a map's key and value types: only kinds whose kernel maps take BTF. */
const BTF_KEYED = new Set(["hash", "array", "percpu_hash", "percpu_array", "lru_hash", "lru_percpu_hash"]);
/** LIBBPF_PIN_BY_NAME. */
const PIN_BY_NAME = 1;

/** The libbpf SEC() name of an attach point, or a BpfObjectError for one a libbpf object cannot name. */
export function sectionName(a: AttachSpec, notes: string[], uprobeTarget?: (target: string) => string | undefined): string {
  switch (a.kind) {
    case "tracepoint":
      return `tracepoint/${a.category}/${a.name}`;
    case "raw_tracepoint":
      return `raw_tp/${a.name}`;
    case "tp_btf":
      return `tp_btf/${a.name}`;
    case "kprobe":
      return `${a.retprobe ? "kretprobe" : "kprobe"}/${a.function}${a.offset ? `+0x${a.offset.toString(16)}` : ""}`;
    case "uprobe": {
      if (a.pid !== undefined) notes.push(`${formatAttach(a)}: only in process ${a.pid} with tsbpf; the object's section attaches in every process`);
      let target = a.target;
      if (!target.includes("/")) {
        const named = uprobeTarget?.(target);
        if (named === undefined) notes.push(`uprobe target "${target}" is written as given; libbpf looks for it on PATH when it attaches`);
        else if (named !== target) notes.push(`uprobe target "${target}" is written as "${named}" (found on this machine)`);
        target = named ?? target;
      }
      const at = a.symbol !== undefined ? `${a.symbol}${a.offset ? `+0x${a.offset.toString(16)}` : ""}` : `0x${(a.offset ?? 0).toString(16)}`;
      return `${a.retprobe ? "uretprobe" : "uprobe"}/${target}:${at}`;
    }
    case "fentry": case "fexit":
      return `${a.kind}/${a.function}`;
    case "profile": case "interval": case "perf_event":
      notes.push(`${formatAttach(a)}: section "perf_event" is attached by the loader (bpf_program__attach_perf_event), which opens the event`);
      return "perf_event";
    case "begin": case "end":
      notes.push(`${a.kind}: section "raw_tp" is not attached; run it once with bpf_prog_test_run_opts, as tsbpf does`);
      return "raw_tp";
    case "usdt":
      throw new BpfObjectError(`${formatAttach(a)}: a USDT handler reads its arguments through tsbpf's own spec map, which tsbpf fills when it attaches (libbpf's usdt.bpf.h uses another); build a .tsbpf instead`);
    case "none":
      throw new BpfObjectError("a program with no attach point cannot be written to an object");
  }
}

/** Where an instruction of a program lands: a section (index into `code`) and a slot in it. */
interface Place {
  readonly code: number;
  readonly slot: number;
}

/** A code section being built: its name, its instructions (slot-placed) and its relocations. */
interface Code {
  readonly name: string;
  readonly insns: Instruction[];
  slots: number;
  readonly relocs: { slot: number; symbol: "text" | { map: string } | { data: string }; type: number }[];
  readonly funcs: FuncInfo[];
  readonly lines: LineInfo[];
  readonly core: CoreRelo[];
  readonly symbols: { name: string; slot: number; slots: number; global: boolean }[];
}

/** Writes `spec` as a libbpf object. */
export function writeBpfObject(spec: CollectionSpec, options: BpfObjectOptions = {}): BpfObject {
  const notes: string[] = [];
  const btf = new ObjectBtf();
  const dataMaps = new Map(spec.maps.filter((m) => m.name === spec.paramMap || m.initialValue !== undefined).map((m) => [m.name, dataSection(m)]));
  const mapNames = uniqueNames(spec.maps.filter((m) => !dataMaps.has(m.name)).map((m) => m.name), cIdent, "map");
  uniqueNames(spec.programs.map((p) => p.name), cName, "program");

  const license = spec.programs[0]?.license ?? "GPL";
  if (spec.programs.some((p) => p.license !== license)) throw new BpfObjectError("the programs have different licenses; an object has one license section");

  // Kernel struct reads: local types from the kernel's BTF, one access per read. A bitfield's read (its shifts set at
  // load, by tsbpf's own relocation) has no libbpf equivalent in this form.
  const bits = spec.programs.find((p) => p.relocations?.some((r) => r.kind === "btf_field" && r.part !== undefined && r.part !== "exists"));
  if (bits) throw new BpfObjectError(`program ${bits.name} reads a bitfield of a kernel struct (Bits<T>), which an object cannot express yet; run the tracer with tsbpf run, or read the whole word`);
  const reads = spec.programs.flatMap((p) => (p.relocations ?? []).flatMap((r) => (r.kind === "btf_field" ? [{ struct: r.struct, path: r.field.split(".") }] : [])));
  let access = new Map<string, LocalAccess>();
  if (reads.length) {
    const kernel = options.kernelBtf?.();
    if (!kernel) throw new BpfObjectError("reading kernel struct fields needs this machine's kernel BTF (/sys/kernel/btf/vmlinux) to write their CO-RE relocations");
    const locals = new CoreLocals(kernel);
    try {
      for (const r of reads) locals.add(r);
    } catch (e) {
      if (e instanceof FieldTypeError) throw new BpfObjectError(e.message);
      throw e;
    }
    access = locals.build(btf);
  }

  const code: Code[] = [];
  const codeOf = (name: string) => {
    let i = code.findIndex((c) => c.name === name);
    if (i < 0) i = code.push({ name, insns: [], slots: 0, relocs: [], funcs: [], lines: [], core: [], symbols: [] }) - 1;
    return i;
  };
  const tpNotes = new Set<string>();

  for (const p of spec.programs) {
    const sec = codeOf(sectionName(p.attach, notes, options.uprobeTarget));
    const slots = slotIndex(p.instructions);
    const total = p.instructions.length ? slots[slots.length - 1]! + (p.instructions[p.instructions.length - 1]!.op === OP_LDDW ? 2 : 1) : 0;
    const subs = subprogramStarts(p.instructions).map((s) => s.slot);
    const bounds = [0, ...subs, total];
    // Each function's place: the entry in its section, bpf_loop callbacks in .text (libbpf looks for them only there).
    const starts = bounds.slice(0, -1).map((start, k) => {
      const c = k === 0 ? sec : codeOf(".text");
      const base = code[c]!.slots;
      const len = bounds[k + 1]! - start;
      code[c]!.slots += len;
      code[c]!.symbols.push({ name: k === 0 ? cName(p.name) : `${cName(p.name)}_sub${k}`, slot: base, slots: len, global: k === 0 });
      return { code: c, base, start };
    });
    const placeOf = (slot: number): Place => {
      let k = starts.length - 1;
      while (starts[k]!.start > slot) k--;
      return { code: starts[k]!.code, slot: starts[k]!.base + slot - starts[k]!.start };
    };

    const { funcs, lines } = addProgramBtf(btf.b, p.name, p.instructions);
    for (const f of funcs) {
      const at = placeOf(f.insnOff);
      code[at.code]!.funcs.push({ ...f, insnOff: at.slot });
    }
    for (const l of lines) {
      const at = placeOf(l.insnOff);
      code[at.code]!.lines.push({ ...l, insnOff: at.slot });
    }

    const insns = p.instructions.map((ins) => stripped(ins));
    for (const r of p.relocations ?? []) {
      const ins = insns[r.insn]!;
      if (r.kind === "btf_field") {
        const a = access.get(readKey({ struct: r.struct, path: r.field.split(".") }))!;
        // fieldExists(): 1 here (the local type has the field); libbpf sets it from the kernel's BTF.
        insns[r.insn] = { ...ins, imm: r.part === "exists" ? 1 : a.offset };
        const at = placeOf(slots[r.insn]!);
        const kind = r.part === "exists" ? CoreReloKind.FieldExists : CoreReloKind.FieldByteOffset;
        code[at.code]!.core.push({ insnOff: at.slot, typeId: a.typeId, accessStrOff: btf.b.addString(a.access), kind });
      } else {
        const offset = options.tracepointField?.(r.tracepoint, r.field);
        if (offset === undefined) tpNotes.add(r.tracepoint);
        else insns[r.insn] = { ...ins, off: ins.off + offset - r.offset };
      }
    }

    insns.forEach((ins, i) => {
      const here = placeOf(slots[i]!);
      const c = code[here.code]!;
      if (ins.op === OP_LDDW && ins.src === PseudoLd.MapFd && ins.map !== undefined) {
        if (dataMaps.has(ins.map)) throw new BpfObjectError(`program ${p.name} uses the data map ${ins.map} as a map`);
        insns[i] = { ...ins, src: 0, imm: 0, imm2: 0 };
        c.relocs.push({ slot: here.slot, symbol: { map: ins.map }, type: R_BPF_64_64 });
      } else if (ins.op === OP_LDDW && ins.src === PseudoLd.MapValue && ins.map !== undefined) {
        if (!dataMaps.has(ins.map)) throw new BpfObjectError(`program ${p.name} addresses the value of map ${ins.map} directly, which libbpf allows only for global data`);
        insns[i] = { ...ins, src: 0, imm: ins.imm2 ?? 0, imm2: 0 };
        c.relocs.push({ slot: here.slot, symbol: { data: ins.map }, type: R_BPF_64_64 });
      } else if ((ins.op === OP_CALL && ins.src === PseudoCall.Local) || (ins.op === OP_LDDW && ins.src === PseudoLd.Func)) {
        const target = placeOf(slots[i]! + 1 + ins.imm);
        if (code[target.code]!.name !== ".text") throw new BpfObjectError(`program ${p.name} calls its own entry, which an object cannot express`);
        // Against .text's section symbol: a call's imm is the target slot - 1, a function address's is its byte offset.
        insns[i] = ins.op === OP_CALL ? { ...ins, imm: target.slot - 1 } : { ...ins, imm: target.slot * 8, imm2: 0 };
        c.relocs.push({ slot: here.slot, symbol: "text", type: ins.op === OP_CALL ? R_BPF_64_32 : R_BPF_64_64 });
      } else if (ins.op === OP_CALL && ins.src === PseudoCall.Kfunc) {
        throw new BpfObjectError(`program ${p.name} calls a kernel function by BTF id, which an object names by extern symbol; not supported yet`);
      } else if (ins.op === OP_LDDW && ins.src !== PseudoLd.Imm) {
        throw new BpfObjectError(`program ${p.name} has an ld_imm64 of kind ${ins.src}, which the object writer does not support`);
      }
    });
    // Instructions go to their places in order: the entry's, then each callback's.
    insns.forEach((ins, i) => {
      const at = placeOf(slots[i]!);
      code[at.code]!.insns[at.slot] = ins;
    });
  }
  if (tpNotes.size) {
    notes.push(`tracepoint field offsets of ${[...tpNotes].join(", ")} are tsbpf's compiled ones (this machine's tracefs could not be read)`);
  }
  if (spec.actions) {
    notes.push(`print(), exit() and clear() in handlers send records to ring buffer ${cIdent(spec.actions.map)}, which only tsbpf decodes and carries out`);
  }
  if (spec.userSide?.main || spec.userSide?.format) {
    notes.push("the module's user side (main, format) is not in the object; build a .tsbpf to keep it");
  }

  // ELF: code sections, then the data ones; symbols and relocations.
  const elf = new ElfWriter();
  const sectionIndex = code.map((c) => elf.section({ name: c.name, type: SHT_PROGBITS, flags: SHF_ALLOC | SHF_EXECINSTR, data: encode(c.insns.filter(Boolean)), align: 8 }));
  elf.section({ name: "license", type: SHT_PROGBITS, flags: SHF_ALLOC | SHF_WRITE, data: new TextEncoder().encode(`${license}\0`), align: 1 });

  const mapSymbols = new Map<string, ElfSymbolRef>();
  const maps = spec.maps.filter((m) => !dataMaps.has(m.name));
  if (maps.length) {
    const defs = maps.map((m) => mapDefinition(btf, m));
    let offset = 0;
    const vars = defs.map((d, i) => {
      const v = { type: btf.b.add({ kind: "var", name: mapNames[i]!, type: d.id, linkage: VarLinkage.GlobalAllocated }), offset, size: d.size };
      offset += d.size;
      return v;
    });
    const idx = elf.section({ name: ".maps", type: SHT_PROGBITS, flags: SHF_ALLOC | SHF_WRITE, data: new Uint8Array(offset), align: 8 });
    maps.forEach((m, i) => {
      mapSymbols.set(m.name, elf.symbol({ name: mapNames[i]!, type: STT_OBJECT, bind: STB_GLOBAL, section: idx, value: vars[i]!.offset, size: vars[i]!.size }));
    });
    btf.b.add({ kind: "datasec", name: ".maps", size: offset, vars });
  }

  const dataSymbols = new Map<string, ElfSymbolRef>();
  for (const [name, section] of dataMaps) {
    const m = spec.maps.find((x) => x.name === name)!;
    const bytes = new Uint8Array(m.valueSize);
    if (m.initialValue) bytes.set(Buffer.from(m.initialValue, "hex").subarray(0, m.valueSize));
    const writable = section !== ".rodata" && !section.startsWith(".rodata.");
    const idx = elf.section({ name: section, type: SHT_PROGBITS, flags: SHF_ALLOC | (writable ? SHF_WRITE : 0), data: bytes, align: 8 });
    dataSymbols.set(name, elf.sectionSymbol(idx));
    const params = name === spec.paramMap ? spec.params ?? [] : [];
    const varNames = uniqueNames(params.map((q) => q.name), cIdent, "parameter");
    const vars = params.map((q, i) => {
      const size = layoutOf(q.type).size;
      elf.symbol({ name: varNames[i]!, type: STT_OBJECT, bind: STB_GLOBAL, section: idx, value: q.offset, size });
      return { type: btf.b.add({ kind: "var", name: varNames[i]!, type: btf.desc(q.type), linkage: VarLinkage.GlobalAllocated }), offset: q.offset, size };
    });
    btf.b.add({ kind: "datasec", name: section, size: bytes.length, vars });
  }

  let textSymbol: ElfSymbolRef | undefined;
  code.forEach((c, k) => {
    const idx = sectionIndex[k]!;
    if (c.name === ".text") textSymbol = elf.sectionSymbol(idx);
    for (const s of c.symbols) {
      elf.symbol({ name: s.name, type: STT_FUNC, bind: s.global ? STB_GLOBAL : STB_LOCAL, section: idx, value: s.slot * 8, size: s.slots * 8 });
    }
  });
  code.forEach((c, k) => {
    const relocs: ElfRelocation[] = c.relocs.map((r) => ({
      offset: r.slot * 8,
      type: r.type,
      symbol: r.symbol === "text" ? textSymbol! : "map" in r.symbol ? mapSymbols.get(r.symbol.map)! : dataSymbols.get(r.symbol.data)!,
    }));
    if (relocs.some((r) => !r.symbol)) throw new BpfObjectError("an instruction refers to a map the collection does not declare");
    elf.relocate(sectionIndex[k]!, relocs);
  });

  const ext = (pick: (c: Code) => readonly unknown[]) => code.map((c) => ({ section: c.name, records: pick(c) }));
  const btfExt = encodeBtfExt({
    funcInfo: ext((c) => c.funcs) as ExtSection<FuncInfo>[],
    lineInfo: ext((c) => c.lines) as ExtSection<LineInfo>[],
    coreRelos: ext((c) => c.core) as ExtSection<CoreRelo>[],
  }, btf.b);
  elf.section({ name: ".BTF", type: SHT_PROGBITS, flags: 0, data: btf.b.encode(), align: 4 });
  elf.section({ name: ".BTF.ext", type: SHT_PROGBITS, flags: 0, data: btfExt, align: 4 });
  return { bytes: elf.encode(), notes: [...new Set(notes)] };
}

/** An instruction as the object holds it: no symbolic fields, no metadata (line_info carries the source). */
function stripped(ins: Instruction): Instruction {
  const out: { -readonly [K in keyof Instruction]: Instruction[K] } = { op: ins.op, dst: ins.dst, src: ins.src, off: ins.off, imm: ins.imm };
  if (ins.op === OP_LDDW) out.imm2 = ins.imm2 ?? 0;
  if (ins.map !== undefined) out.map = ins.map;
  return out;
}

/** The ELF section of a global data map: `.rodata` (frozen) or `.data`, or the map's own name when it is one. */
function dataSection(m: MapSpec): string {
  if (/^\.(rodata|data)(\.[A-Za-z0-9_.]+)?$/.test(m.name)) return m.name;
  return m.freeze ? ".rodata" : ".data";
}

/** A map's BTF definition in `.maps`: key and value as types where the kernel takes BTF for them, sizes otherwise. */
function mapDefinition(btf: ObjectBtf, m: MapSpec): { id: number; size: number } {
  const fields: { name: string; number?: number; type?: number }[] = [{ name: "type", number: MAP_KINDS[m.type].id }, { name: "max_entries", number: m.maxEntries }];
  const typed = BTF_KEYED.has(m.type);
  if (typed && m.key && layoutOf(m.key).size === m.keySize) fields.push({ name: "key", type: btf.desc(m.key) });
  else if (m.keySize) fields.push({ name: "key_size", number: m.keySize });
  if (typed && m.value && layoutOf(m.value).size === m.valueSize) fields.push({ name: "value", type: btf.desc(m.value) });
  else if (m.valueSize) fields.push({ name: "value_size", number: m.valueSize });
  if (m.flags) fields.push({ name: "map_flags", number: m.flags });
  if (m.pinning === "by-name") fields.push({ name: "pinning", number: PIN_BY_NAME });
  return btf.mapDef(fields);
}

/** The C names of `names` (by `toC`); two that would be the same are an error, as the object could not tell them apart. */
function uniqueNames(names: readonly string[], toC: (s: string) => string, what: string): string[] {
  const seen = new Map<string, string>();
  return names.map((n) => {
    const c = toC(n);
    const other = seen.get(c);
    if (other !== undefined) throw new BpfObjectError(`${what}s ${other} and ${n} would both be named ${c} in the object; rename one`);
    seen.set(c, n);
    return c;
  });
}
