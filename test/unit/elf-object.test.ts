// The libbpf object writer (core/object/elf/write-bpf.ts) read back: ELF header, one section per attach point with
// libbpf's names, FUNC symbols covering each program, map symbols at their .maps DATASEC offsets, every map reference
// a relocation against the right symbol with the instruction as libbpf expects it, .rodata with the parameters'
// defaults, BTF map definitions and .BTF.ext records that round-trip through the BTF reader, CO-RE access strings that
// reach, by name, the same kernel field (and offset) as tsbpf's own relocation, callbacks in .text, and the refusals.

import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { compile } from "../../compiler/index.ts";
import { OP_CALL, OP_LDDW, PseudoCall, PseudoLd, decode, slotIndex } from "../../core/asm/index.ts";
import { Btf, BtfBuilder, type BtfType, CoreReloKind, IntEncoding, parseBtf, parseBtfExt } from "../../core/object/btf/index.ts";
import { BpfObjectError, type BpfObjectOptions, writeBpfObject } from "../../core/object/elf/write-bpf.ts";
import { EM_BPF, ET_REL, R_BPF_64_32, R_BPF_64_64, SHT_REL, STB_GLOBAL, STB_LOCAL, STT_FUNC, STT_OBJECT, STT_SECTION } from "../../core/object/elf/write.ts";
import { MAP_KINDS } from "../../core/maps.ts";
import { fieldOffset } from "../../core/object/relocate.ts";
import type { CollectionSpec } from "../../core/object/spec.ts";
import { parseElf } from "../../runtime/kernel/elf.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");

/** A kernel with task_struct's tgid inside an anonymous union, real_parent further on, and an embedded struct. */
function kernelBtf(): Btf {
  const b = new BtfBuilder();
  const int = b.add({ kind: "int", name: "int", size: 4, encoding: IntEncoding.Signed, bitOffset: 0, bits: 32 });
  const u64 = b.add({ kind: "int", name: "long long unsigned int", size: 8, encoding: IntEncoding.None, bitOffset: 0, bits: 64 });
  const pid = b.add({ kind: "typedef", name: "pid_t", type: int });
  const m = (name: string, type: number, byte: number) => ({ name, type, bitOffset: byte * 8, bitfieldSize: 0 });
  const se = b.add({ kind: "struct", name: "sched_entity", size: 24, members: [m("load", u64, 0), m("vruntime", u64, 8), m("sum_exec_runtime", u64, 16)] });
  const anon = b.add({ kind: "union", name: "", size: 4, members: [m("tgid", pid, 0), m("tgid_alias", int, 0)] });
  // typedef struct { int counter; } atomic_t;
  b.add({ kind: "typedef", name: "atomic_t", type: b.add({ kind: "struct", name: "", size: 4, members: [m("counter", int, 0)] }) });
  const task = b.reserve();
  const taskPtr = b.add({ kind: "ptr", name: "", type: task });
  b.define(task, { kind: "struct", name: "task_struct", size: 96, members: [m("state", int, 0), m("", anon, 4), m("se", se, 16), m("real_parent", taskPtr, 48)] });
  return parseBtf(b.encode());
}

const kernel = kernelBtf();
const spec = (file: string): CollectionSpec => {
  const r = compile(join(root, file));
  assert.ok(r.spec, `${file} does not compile`);
  return r.spec!;
};
const tool = spec("test/fixtures/elf/tool.ts");
const options: BpfObjectOptions = { kernelBtf: () => kernel };

/** The object read back: sections, symbols by index, relocations by section name, BTF and .BTF.ext. */
function read(bytes: Uint8Array) {
  const elf = parseElf(Buffer.from(bytes));
  const data = (name: string) => {
    const s = elf.section(name);
    assert.ok(s, `no section ${name}`);
    return bytes.subarray(Number(s!.offset), Number(s!.offset + s!.size));
  };
  const strtab = data(".strtab");
  const str = (off: number) => Buffer.from(strtab.subarray(off, strtab.indexOf(0, off))).toString();
  const symtab = data(".symtab");
  const sv = new DataView(symtab.buffer, symtab.byteOffset, symtab.byteLength);
  const symbols = Array.from({ length: symtab.length / 24 }, (_, i) => ({
    name: str(sv.getUint32(i * 24, true)), bind: sv.getUint8(i * 24 + 4) >> 4, type: sv.getUint8(i * 24 + 4) & 0xf,
    shndx: sv.getUint16(i * 24 + 6, true), value: Number(sv.getBigUint64(i * 24 + 8, true)), size: Number(sv.getBigUint64(i * 24 + 16, true)),
  }));
  const relocs = new Map<string, { offset: number; symbol: (typeof symbols)[number]; type: number }[]>();
  for (const s of elf.sections.filter((x) => x.type === SHT_REL)) {
    const d = data(s.name);
    const v = new DataView(d.buffer, d.byteOffset, d.byteLength);
    relocs.set(elf.sections[s.info]!.name, Array.from({ length: d.length / 16 }, (_, i) => {
      const info = v.getBigUint64(i * 16 + 8, true);
      return { offset: Number(v.getBigUint64(i * 16, true)), symbol: symbols[Number(info >> 32n)]!, type: Number(info & 0xffffffffn) };
    }));
  }
  const btf = parseBtf(data(".BTF"));
  const ext = parseBtfExt(data(".BTF.ext"), btf);
  return { elf, data, symbols, relocs, btf, ext };
}

const object = writeBpfObject(tool, options);
const o = read(object.bytes);

test("an ELF64 little-endian relocatable object for EM_BPF", () => {
  assert.equal([...object.bytes.subarray(0, 6)], [0x7f, 0x45, 0x4c, 0x46, 2, 1]);
  assert.is(o.elf.type, ET_REL);
  assert.is(o.elf.machine, EM_BPF);
  assert.is(Buffer.from(o.data("license")).toString(), "GPL\0");
  // Locals first: .symtab's sh_info is the first global.
  const firstGlobal = o.elf.section(".symtab")!.info;
  assert.ok(o.symbols.slice(1, firstGlobal).every((s) => s.bind === STB_LOCAL));
  assert.ok(o.symbols.slice(firstGlobal).every((s) => s.bind === STB_GLOBAL));
});

test("one section per attach point, libbpf's names, a global FUNC symbol over each program", () => {
  const names = o.elf.sections.map((s) => s.name);
  for (const sec of ["tracepoint/sched/sched_process_exec", "tracepoint/sched/sched_switch", "perf_event", ".text", ".maps", ".rodata", ".BTF", ".BTF.ext"]) {
    assert.ok(names.includes(sec), `${sec} in ${names.join(", ")}`);
  }
  // profile and interval share "perf_event", one after the other.
  const perf = o.symbols.filter((s) => s.type === STT_FUNC && o.elf.sections[s.shndx]!.name === "perf_event").sort((a, b) => a.value - b.value);
  assert.equal(perf.map((s) => s.name), ["profile_99", "interval_1000"]);
  assert.is(perf[1]!.value, perf[0]!.size);
  assert.is(perf[0]!.size + perf[1]!.size, Number(o.elf.section("perf_event")!.size));
  for (const p of tool.programs) {
    const sym = o.symbols.find((s) => s.name === p.name);
    assert.ok(sym, p.name);
    assert.is(sym!.type, STT_FUNC);
    assert.is(sym!.bind, STB_GLOBAL);
  }
  assert.ok(object.notes.some((n) => n.includes('"perf_event"')), object.notes.join("\n"));
});

test("maps: a symbol per map at its .maps DATASEC offset, and BTF definitions libbpf reads", () => {
  const datasec = o.btf.findByName(".maps", "datasec")[0];
  assert.ok(datasec && datasec.kind === "datasec");
  const maps = tool.maps.filter((m) => m.name !== tool.paramMap);
  assert.is(datasec.vars.length, maps.length);
  const field = (def: BtfType, name: string) => {
    assert.ok(def.kind === "struct");
    const m = def.members.find((x) => x.name === name);
    return m ? o.btf.resolve(m.type) : undefined;
  };
  const number = (def: BtfType, name: string) => {
    const p = field(def, name);
    if (!p) return undefined;
    assert.ok(p.kind === "ptr");
    const arr = o.btf.typeById(p.type);
    assert.ok(arr.kind === "array");
    return arr.nelems;
  };
  for (const [i, m] of maps.entries()) {
    const v = datasec.vars[i]!;
    const variable = o.btf.typeById(v.type);
    assert.ok(variable.kind === "var");
    const sym = o.symbols.find((s) => s.name === variable.name);
    assert.ok(sym, variable.name);
    assert.is(sym!.type, STT_OBJECT);
    assert.is(o.elf.sections[sym!.shndx]!.name, ".maps");
    assert.is(sym!.value, v.offset);
    const def = o.btf.typeById(variable.type);
    assert.is(number(def, "type"), MAP_KINDS[m.type].id, m.name);
    assert.is(number(def, "max_entries"), m.maxEntries, m.name);
    const key = field(def, "key");
    if (key) {
      assert.ok(key.kind === "ptr");
      assert.is(o.btf.sizeOf(key.type), m.keySize, m.name);
    } else assert.is(number(def, "key_size") ?? 0, m.keySize, m.name);
    const value = field(def, "value");
    if (value) {
      assert.ok(value.kind === "ptr");
      assert.is(o.btf.sizeOf(value.type), m.valueSize, m.name);
    } else assert.is(number(def, "value_size") ?? 0, m.valueSize, m.name);
  }
  // C names: the ring buffer's drop counter is events.lost in tsbpf.
  assert.ok(o.symbols.some((s) => s.name === "events_lost"));
  const events = o.btf.typeById(datasec.vars[maps.findIndex((m) => m.name === "events")]!.type);
  assert.ok(events.kind === "var");
  assert.is(field(o.btf.typeById(events.type), "key"), undefined, "a ring buffer has no key type");
});

test("parameters: .rodata holds the defaults, with a VAR and a symbol per parameter", () => {
  const rodata = o.data(".rodata");
  const map = tool.maps.find((m) => m.name === tool.paramMap)!;
  assert.is(Buffer.from(rodata).toString("hex"), map.initialValue);
  const datasec = o.btf.findByName(".rodata", "datasec")[0];
  assert.ok(datasec && datasec.kind === "datasec");
  for (const p of tool.params!) {
    const v = datasec.vars.find((x) => o.btf.typeById(x.type).name === p.name);
    assert.ok(v, p.name);
    assert.is(v!.offset, p.offset);
    const sym = o.symbols.find((s) => s.name === p.name)!;
    assert.is(o.elf.sections[sym.shndx]!.name, ".rodata");
    assert.is(sym.value, p.offset);
  }
  const enabled = o.btf.typeById(datasec.vars[0]!.type);
  assert.ok(enabled.kind === "var");
  assert.is(o.btf.typeName(enabled.type), "_Bool");
});

test("every map reference is an R_BPF_64_64 relocation at its ld_imm64, which holds what libbpf expects", () => {
  for (const p of tool.programs) {
    const secName = o.elf.sections[o.symbols.find((s) => s.name === p.name)!.shndx]!.name;
    const base = o.symbols.find((s) => s.name === p.name)!.value;
    const code = decode(o.data(secName));
    const codeSlots = slotIndex(code);
    const slots = slotIndex(p.instructions);
    const relocs = o.relocs.get(secName) ?? [];
    const refs = p.instructions.map((ins, i) => ({ ins, slot: slots[i]! })).filter(({ ins }) => ins.map !== undefined);
    assert.ok(refs.length > 0, p.name);
    for (const { ins, slot } of refs) {
      const offset = base + slot * 8;
      const r = relocs.find((x) => x.offset === offset);
      assert.ok(r, `${p.name}: no relocation at ${offset} for ${ins.map}`);
      assert.is(r!.type, R_BPF_64_64);
      const written = code[codeSlots.indexOf(offset / 8)]!;
      assert.is(written.op, OP_LDDW);
      assert.is(written.src, 0);
      if (ins.src === PseudoLd.MapValue) {
        assert.is(r!.symbol.type, STT_SECTION);
        assert.is(o.elf.sections[r!.symbol.shndx]!.name, ".rodata");
        assert.is(written.imm, ins.imm2 ?? 0, "the offset in the value goes in imm");
      } else {
        assert.is(r!.symbol.name, ins.map!.replace(/^\.+/, "").replace(/[^A-Za-z0-9_]/g, "_"));
        assert.is(written.imm, 0);
      }
    }
  }
});

test("a global data reference keeps its offset in the value: imm of the ld_imm64, against .rodata's section symbol", () => {
  // The compiler addresses parameters at offset 0 and reads them with the load's offset; give one a value offset.
  const p = tool.programs.find((x) => x.name === "sched_process_exec")!;
  const at = p.instructions.findIndex((ins) => ins.op === OP_LDDW && ins.src === PseudoLd.MapValue);
  assert.ok(at >= 0);
  const moved: CollectionSpec = {
    ...tool,
    programs: tool.programs.map((x) => (x !== p ? x : { ...x, instructions: x.instructions.map((ins, i) => (i === at ? { ...ins, imm2: 4 } : ins)) })),
  };
  const x = read(writeBpfObject(moved, options).bytes);
  const sec = "tracepoint/sched/sched_process_exec";
  const code = decode(x.data(sec));
  const offset = slotIndex(p.instructions)[at]! * 8;
  assert.is(code[slotIndex(code).indexOf(offset / 8)]!.imm, 4);
  assert.is(x.relocs.get(sec)!.find((r) => r.offset === offset)!.symbol.type, STT_SECTION);
});

test("a bpf_loop callback is a static function in .text, reached through .text's section symbol", () => {
  const sub = o.symbols.find((s) => s.name === "sched_switch_sub1");
  assert.ok(sub);
  assert.is(sub!.bind, STB_LOCAL);
  assert.is(o.elf.sections[sub!.shndx]!.name, ".text");
  const sec = o.elf.sections[o.symbols.find((s) => s.name === "sched_switch")!.shndx]!.name;
  const code = decode(o.data(sec));
  const slots = slotIndex(code);
  const loads = code.map((ins, i) => ({ ins, offset: slots[i]! * 8 })).filter(({ ins }) => (ins.op === OP_LDDW && ins.src === PseudoLd.Func) || (ins.op === OP_CALL && ins.src === PseudoCall.Local));
  assert.ok(loads.length > 0, "the callback's address is loaded");
  for (const { ins, offset } of loads) {
    const r = o.relocs.get(sec)!.find((x) => x.offset === offset)!;
    assert.ok(r, `relocation at ${offset}`);
    assert.is(r.symbol.type, STT_SECTION);
    assert.is(o.elf.sections[r.symbol.shndx]!.name, ".text");
    assert.is(r.type, ins.op === OP_CALL ? R_BPF_64_32 : R_BPF_64_64);
    // libbpf: a function address is the byte offset in .text; a call's imm + 1 is the slot.
    assert.is(ins.op === OP_CALL ? (ins.imm + 1) * 8 : ins.imm, sub!.value);
  }
  const funcs = o.ext.funcInfo!.find((s) => s.section === ".text")!.records;
  assert.equal(funcs.map((f) => [f.insnOff * 8, o.btf.typeById(f.typeId).name]), [[sub!.value, "sched_switch_sub1"]]);
});

test(".BTF.ext: func_info names each program's FUNC at its offset; line_info starts every function", () => {
  for (const p of tool.programs) {
    const sym = o.symbols.find((s) => s.name === p.name)!;
    const sec = o.elf.sections[sym.shndx]!.name;
    const funcs = o.ext.funcInfo!.find((s) => s.section === sec)!.records;
    const f = funcs.find((x) => x.insnOff * 8 === sym.value);
    assert.ok(f, `${p.name}: func_info at ${sym.value}`);
    const func = o.btf.typeById(f!.typeId);
    assert.is(func.kind, "func");
    assert.is(func.name, p.name);
    const lines = o.ext.lineInfo!.find((s) => s.section === sec)!.records;
    assert.ok(lines.some((l) => l.insnOff * 8 === sym.value), `${p.name}: line_info at its start`);
    const own = lines.filter((l) => l.insnOff * 8 >= sym.value && l.insnOff * 8 < sym.value + sym.size);
    assert.ok(own.some((l) => l.line > 0 && o.btf.stringAt(l.fileNameOff).endsWith("elf/tool.ts")), `${p.name}: its source lines`);
  }
});

test("CO-RE: each kernel field read is a byte-offset relocation whose access string reaches the field by name", () => {
  const p = tool.programs.find((x) => x.name === "sched_process_exec")!;
  const sec = "tracepoint/sched/sched_process_exec";
  const records = o.ext.coreRelos!.find((s) => s.section === sec)!.records;
  const fields = p.relocations!.filter((r) => r.kind === "btf_field");
  assert.is(records.length, fields.length);
  const code = decode(o.data(sec));
  const codeSlots = slotIndex(code);
  const slots = slotIndex(p.instructions);
  for (const r of fields) {
    const rec = records.find((x) => x.insnOff === slots[r.insn]);
    assert.ok(rec, `${r.field}: a record at its instruction`);
    assert.is(rec!.kind, CoreReloKind.FieldByteOffset);
    const local = o.btf.typeById(rec!.typeId);
    assert.is(local.name, r.struct);
    // Walk the access string through the local types, as libbpf does: names and the offset the instruction holds.
    const access = o.btf.stringAt(rec!.accessStrOff).split(":").map(Number);
    assert.is(access[0], 0);
    let t: BtfType = local;
    let offset = 0;
    const names: string[] = [];
    for (const i of access.slice(1)) {
      assert.ok(t.kind === "struct" || t.kind === "union");
      const m = t.members[i]!;
      names.push(m.name);
      offset += m.bitOffset / 8;
      t = o.btf.resolve(m.type);
    }
    assert.is(names.join("."), r.field);
    assert.is(code[codeSlots.indexOf(slots[r.insn]!)]!.imm, offset, `${r.field}: imm is the local offset`);
    // libbpf compares kinds: the local member's kind is the kernel member's.
    const target = fieldOffset(kernel, r.struct, r.field);
    let kt = kernel.findByName(r.struct, "struct")[0]!.id;
    for (const n of r.field.split(".")) kt = kernel.resolve(kernel.member(kt, n)!.type).id;
    assert.is(t.kind, kernel.typeById(kt).kind, r.field);
    assert.ok(target.offset >= 0);
  }
});

test("CO-RE: a struct the kernel names by a typedef (atomic_t) is a typedef locally too, which libbpf matches", () => {
  const p = tool.programs.find((x) => x.name === "sched_process_exec")!;
  const retyped: CollectionSpec = {
    ...tool,
    programs: tool.programs.map((x) => (x !== p ? x : {
      ...x, relocations: x.relocations!.map((r) => (r.kind === "btf_field" && r.field === "tgid" ? { ...r, struct: "atomic_t", field: "counter" } : r)),
    })),
  };
  const x = read(writeBpfObject(retyped, options).bytes);
  const at = slotIndex(p.instructions)[p.relocations!.find((r) => r.kind === "btf_field" && r.field === "tgid")!.insn]!;
  const rec = x.ext.coreRelos!.find((s) => s.section === "tracepoint/sched/sched_process_exec")!.records.find((r) => r.insnOff === at)!;
  const local = x.btf.typeById(rec.typeId);
  assert.is(local.kind, "typedef");
  assert.is(local.name, "atomic_t");
  const body = x.btf.resolve(rec.typeId);
  assert.ok(body.kind === "struct" && body.name === "" && body.members[0]!.name === "counter");
  assert.is(x.btf.stringAt(rec.accessStrOff), "0:0");
});

test("tracepoint field offsets are resolved from the given formats, or noted", () => {
  const p = tool.programs.find((x) => x.name === "sched_process_exec")!;
  const r = p.relocations!.find((x) => x.kind === "tracepoint_field")!;
  assert.ok(r && r.kind === "tracepoint_field");
  const sec = "tracepoint/sched/sched_process_exec";
  const offAt = (bytes: Uint8Array) => {
    const x = read(bytes);
    const code = decode(x.data(sec));
    return code[slotIndex(code).indexOf(slotIndex(p.instructions)[r.insn]!)]!.off;
  };
  const moved = writeBpfObject(tool, { ...options, tracepointField: (tp, f) => (tp === r.tracepoint && f === r.field ? r.offset + 8 : undefined) });
  assert.is(offAt(moved.bytes), p.instructions[r.insn]!.off + 8);
  assert.ok(!moved.notes.some((n) => n.includes("sched/sched_process_exec")), moved.notes.join("\n"));
  assert.is(offAt(object.bytes), p.instructions[r.insn]!.off);
  assert.ok(object.notes.some((n) => n.includes("tracepoint field offsets of sched/sched_process_exec")), object.notes.join("\n"));
});

test("the same spec gives the same bytes", () => {
  assert.equal(writeBpfObject(tool, options).bytes, object.bytes);
});

test("refused: USDT handlers, kernel fields without the kernel's BTF, names that collide in C", () => {
  const usdt = spec("test/golden/programs/usdt-args.ts");
  assert.throws(() => writeBpfObject(usdt, options), (e: unknown) => e instanceof BpfObjectError && /USDT/.test(e.message));
  assert.throws(() => writeBpfObject(tool, {}), (e: unknown) => e instanceof BpfObjectError && /kernel BTF/.test(e.message));
  // events.lost (the ring buffer's drop counter) is events_lost in C: a map of that name would be the same symbol.
  const clash: CollectionSpec = { ...tool, maps: [...tool.maps, { ...tool.maps.find((m) => m.name === "byPid")!, name: "events_lost" }] };
  assert.throws(() => writeBpfObject(clash, options), (e: unknown) => e instanceof BpfObjectError && /events\.lost and events_lost/.test(e.message));
});

test.run();
