// core/object/btf: exact bytes of a hand-checked blob, writer → reader round trips of every kind, reader
// queries, malformed blobs, func_info/line_info/.BTF.ext encoding, split BTF, and the running kernel's vmlinux
// (cross-checked against bpftool when it is installed).

import { test } from "uvu";
import * as assert from "uvu/assert";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type Btf, BtfBuilder, BtfError, type BtfType, type BtfTypeInput, CoreReloKind, FuncLinkage, IntEncoding,
  VarLinkage, encodeBtfExt, encodeFuncInfo, encodeLineInfo, lineCol, parseBtf, parseBtfExt,
} from "../../core/object/btf/index.ts";
import { lacksVmlinuxBtf, skip as skipTest } from "../support/skip.ts";

const VMLINUX = "/sys/kernel/btf/vmlinux";

/** The little-endian u32 words of a blob whose length is a multiple of 4. */
function words(bytes: Uint8Array): number[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: bytes.length / 4 }, (_, i) => v.getUint32(i * 4, true));
}

function throwsBtf(fn: () => unknown, message: RegExp): void {
  try {
    fn();
  } catch (e) {
    assert.instance(e, BtfError);
    assert.match((e as Error).message, message);
    return;
  }
  assert.unreachable(`expected a BtfError matching ${message}`);
}

const skip = (name: string, reason: string): void => skipTest(`${name}: ${reason}`);

/** The path of bpftool, or undefined when it is not installed. */
function bpftool(): string | undefined {
  try {
    return execFileSync("which", ["bpftool"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim() || undefined;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The writer's bytes, checked against the format by hand (kernel-abi.md §4.2's minimal func_info BTF).

test("writer: the minimal func_info blob has exactly the bytes the format prescribes", () => {
  const b = new BtfBuilder();
  const int = b.add({ kind: "int", name: "int", size: 4, encoding: IntEncoding.Signed, bitOffset: 0, bits: 32 });
  const ptr = b.add({ kind: "ptr", name: "", type: 0 });
  const proto = b.add({ kind: "func_proto", name: "", returnType: int, params: [{ name: "ctx", type: ptr }], variadic: false });
  const func = b.add({ kind: "func", name: "answer", type: proto, linkage: FuncLinkage.Global });
  assert.equal([int, ptr, proto, func], [1, 2, 3, 4]);
  const blob = b.encode();
  assert.equal(blob.length, 24 + 60 + 16);
  assert.equal(words(blob.subarray(0, 84)), [
    0x0001eb9f, 24, 0, 60, 60, 16, // magic 0xeb9f, version 1, flags 0; hdr_len; type_off/len; str_off/len
    1, 0x01000000, 4, 0x01000020, // [1] INT 'int' size 4, SIGNED << 24 | 32 bits
    0, 0x02000000, 0, // [2] PTR -> void
    0, 0x0d000001, 1, 5, 2, // [3] FUNC_PROTO vlen 1 ret [1], ('ctx' at 5, [2])
    9, 0x0c000001, 3, // [4] FUNC 'answer' linkage 1 (vlen) -> [3]
  ]);
  assert.equal(new TextDecoder().decode(blob.subarray(84)), "\0int\0ctx\0answer\0");
});

test("writer: strings are deduplicated, \"\" is offset 0, and names share them", () => {
  const b = new BtfBuilder();
  assert.is(b.addString(""), 0);
  const a = b.addString("demo.ts");
  assert.is(a, 1);
  assert.is(b.addString("demo.ts"), a);
  assert.is(b.addString("x"), 9);
  const id = b.add({ kind: "typedef", name: "demo.ts", type: 0 });
  const blob = b.encode();
  assert.equal(words(blob.subarray(24, 36)), [a, 0x08000000, 0]);
  assert.is(new DataView(blob.buffer).getUint32(20, true), 11); // "\0demo.ts\0x\0"
  assert.is(parseBtf(blob).typeById(id).name, "demo.ts");
});

// ---------------------------------------------------------------------------------------------------------------
// Every kind through the writer and back through the reader.

/** Builds a blob with every kind and returns the inputs by id. */
function everyKind() {
  const b = new BtfBuilder();
  const inputs = new Map<number, BtfTypeInput>();
  const add = (t: BtfTypeInput) => {
    const id = b.add(t);
    inputs.set(id, t);
    return id;
  };
  const int = add({ kind: "int", name: "int", size: 4, encoding: IntEncoding.Signed, bitOffset: 0, bits: 32 });
  const uint = add({ kind: "int", name: "unsigned int", size: 4, encoding: IntEncoding.None, bitOffset: 0, bits: 32 });
  const char = add({ kind: "int", name: "char", size: 1, encoding: IntEncoding.Char, bitOffset: 0, bits: 8 });
  const bool = add({ kind: "int", name: "_Bool", size: 1, encoding: IntEncoding.Bool, bitOffset: 0, bits: 1 });
  const oldBitfield = add({ kind: "int", name: "old_bits", size: 4, encoding: IntEncoding.None, bitOffset: 3, bits: 5 });
  const u128 = add({ kind: "int", name: "unsigned __int128", size: 16, encoding: IntEncoding.None, bitOffset: 0, bits: 128 });
  const u64 = add({ kind: "typedef", name: "u64", type: add({ kind: "int", name: "unsigned long long", size: 8, encoding: IntEncoding.None, bitOffset: 0, bits: 64 }) });
  const comm = add({ kind: "array", name: "", elemType: char, indexType: int, nelems: 16 });
  // A struct that points to itself needs its id before it is defined.
  const node = b.reserve();
  const nodePtr = add({ kind: "ptr", name: "", type: node });
  const anonUnion = add({
    kind: "union", name: "", size: 8, members: [
      { name: "as_u64", type: u64, bitOffset: 0, bitfieldSize: 0 },
      { name: "as_int", type: int, bitOffset: 0, bitfieldSize: 0 },
    ],
  });
  const nodeType: BtfTypeInput = {
    kind: "struct", name: "node", size: 48, members: [
      { name: "next", type: nodePtr, bitOffset: 0, bitfieldSize: 0 },
      { name: "flags", type: uint, bitOffset: 64, bitfieldSize: 3 },
      { name: "state", type: uint, bitOffset: 67, bitfieldSize: 29 },
      { name: "", type: anonUnion, bitOffset: 128, bitfieldSize: 0 },
      { name: "comm", type: comm, bitOffset: 192, bitfieldSize: 0 },
      { name: "big", type: u128, bitOffset: 320, bitfieldSize: 0 },
    ],
  };
  b.define(node, nodeType);
  inputs.set(node, nodeType);
  const signedEnum = add({ kind: "enum", name: "sign", size: 4, signed: true, values: [{ name: "NEG", value: -2 }, { name: "POS", value: 2147483647 }] });
  const unsignedEnum = add({ kind: "enum", name: "flags8", size: 1, signed: false, values: [{ name: "ALL", value: 0xffffffff }, { name: "NONE", value: 0 }] });
  const enum64 = add({
    kind: "enum64", name: "wide", size: 8, signed: false,
    values: [{ name: "MAX", value: 0xffffffffffffffffn }, { name: "HI", value: 0x123456789abcdef0n }],
  });
  const enum64s = add({ kind: "enum64", name: "swide", size: 8, signed: true, values: [{ name: "MIN", value: -(2n ** 63n) }, { name: "M1", value: -1n }] });
  const fwdStruct = add({ kind: "fwd", name: "task_struct", union: false });
  const fwdUnion = add({ kind: "fwd", name: "later", union: true });
  const volatileInt = add({ kind: "volatile", name: "", type: int });
  const constChar = add({ kind: "const", name: "", type: char });
  const constCharPtr = add({ kind: "ptr", name: "", type: constChar });
  const restrictPtr = add({ kind: "restrict", name: "", type: constCharPtr });
  const printkProto = add({
    kind: "func_proto", name: "", returnType: int, variadic: true,
    params: [{ name: "fmt", type: restrictPtr }, { name: "", type: u64 }],
  });
  const printk = add({ kind: "func", name: "printk", type: printkProto, linkage: FuncLinkage.Extern });
  const cb = add({ kind: "func", name: "callback", type: add({ kind: "func_proto", name: "", returnType: 0, params: [], variadic: false }), linkage: FuncLinkage.Static });
  const counter = add({ kind: "var", name: "counter", type: u64, linkage: VarLinkage.GlobalAllocated });
  const hidden = add({ kind: "var", name: "hidden", type: volatileInt, linkage: VarLinkage.Static });
  const data = add({ kind: "datasec", name: ".data", size: 12, vars: [{ type: counter, offset: 0, size: 8 }, { type: hidden, offset: 8, size: 4 }] });
  const dbl = add({ kind: "float", name: "double", size: 8 });
  const tagOnMember = add({ kind: "decl_tag", name: "member_tag", type: node, componentIdx: 1, attribute: false });
  const tagOnFunc = add({ kind: "decl_tag", name: "noinline", type: printk, componentIdx: -1, attribute: true });
  const userTag = add({ kind: "type_tag", name: "user", type: char, attribute: false });
  const userPtr = add({ kind: "ptr", name: "", type: userTag });
  const fnPtr = add({ kind: "ptr", name: "", type: printkProto });
  const arrPtr = add({ kind: "ptr", name: "", type: comm });
  const constPtr = add({ kind: "const", name: "", type: add({ kind: "ptr", name: "", type: char }) });
  const ids = {
    int, uint, char, bool, oldBitfield, u64, comm, node, nodePtr, anonUnion, signedEnum, unsignedEnum, enum64, enum64s,
    fwdStruct, fwdUnion, volatileInt, constChar, constCharPtr, restrictPtr, printkProto, printk, cb, counter, hidden,
    data, dbl, tagOnMember, tagOnFunc, userTag, userPtr, fnPtr, arrPtr, constPtr,
  };
  return { blob: b.encode(), inputs, ids };
}

test("every kind round-trips field by field through encode and parseBtf", () => {
  const { blob, inputs } = everyKind();
  const btf = parseBtf(blob);
  assert.is(btf.count, inputs.size);
  assert.is(btf.firstId, 1);
  const kinds = new Set<string>();
  for (const [id, input] of inputs) {
    assert.equal(btf.typeById(id), { id, ...input }, `type ${id} (${input.kind} ${input.name})`);
    kinds.add(input.kind);
  }
  assert.is(kinds.size, 19, "all 19 kinds are in the blob");
  assert.equal([...btf.types()].map((t) => t.id), [...inputs.keys()].sort((a, b) => a - b));
  assert.equal(btf.typeById(0), { kind: "void", id: 0, name: "" });
  assert.equal(btf.header, { magic: 0xeb9f, version: 1, flags: 0, hdrLen: 24, typeOff: 0, typeLen: btf.header.typeLen, strOff: btf.header.typeLen, strLen: btf.header.strLen });
  assert.is(blob.length, 24 + btf.header.typeLen + btf.header.strLen);
});

test("writer: kind_flag and the bitfield word are set only for structs with bitfields; varargs is a {0, 0} param", () => {
  const { blob, ids } = everyKind();
  const btf = parseBtf(blob);
  const v = new DataView(blob.buffer);
  // Find each record's byte offset by walking the type section with the sizes the format gives.
  const recordAt = (id: number): number => {
    let at = 24;
    for (let i = 1; i < id; i++) {
      const info = v.getUint32(at + 4, true);
      const kind = (info >>> 24) & 0x1f;
      const vlen = info & 0xffff;
      at += 12 + ([0, 4, 0, 12, 12 * vlen, 12 * vlen, 8 * vlen, 0, 0, 0, 0, 0, 0, 8 * vlen, 4, 12 * vlen, 0, 4, 0, 12 * vlen][kind] ?? NaN);
    }
    return at;
  };
  const node = recordAt(ids.node);
  assert.is(v.getUint32(node + 4, true), (1 << 31 | 4 << 24 | 6) >>> 0, "STRUCT, kind_flag, vlen 6");
  assert.is(v.getUint32(node + 12 + 12 + 8, true), (3 << 24 | 64) >>> 0, "flags: bitfield_size 3 << 24 | bit 64");
  assert.is(v.getUint32(node + 12 + 24 + 8, true), (29 << 24 | 67) >>> 0);
  const union = recordAt(ids.anonUnion);
  assert.is(v.getUint32(union + 4, true), (5 << 24 | 2) >>> 0, "UNION without kind_flag");
  const proto = recordAt(ids.printkProto);
  assert.is(v.getUint32(proto + 4, true), (13 << 24 | 3) >>> 0, "FUNC_PROTO vlen 3 (2 params + varargs)");
  assert.equal([v.getUint32(proto + 12 + 16, true), v.getUint32(proto + 12 + 20, true)], [0, 0]);
  // ENUM64 values are {name_off, lo32, hi32}.
  const wide = words(blob.subarray(recordAt(ids.enum64), recordAt(ids.enum64) + 36));
  assert.equal([wide[1], wide[2], wide[4], wide[5], wide[7], wide[8]], [19 << 24 | 2, 8, 0xffffffff, 0xffffffff, 0x9abcdef0, 0x12345678]);
  assert.is(btf.stringAt(wide[3]!), "MAX");
  const swide = recordAt(ids.enum64s);
  assert.is(v.getUint32(swide + 4, true), (1 << 31 | 19 << 24 | 2) >>> 0, "signed ENUM64 has kind_flag");
  const sign = recordAt(ids.signedEnum);
  assert.is(v.getInt32(sign + 16, true), -2);
  const fwd = recordAt(ids.fwdUnion);
  assert.is(v.getUint32(fwd + 4, true), (1 << 31 | 7 << 24) >>> 0, "FWD union has kind_flag");
  const tag = recordAt(ids.tagOnFunc);
  assert.equal([v.getUint32(tag + 4, true), v.getInt32(tag + 12, true)], [(1 << 31 | 17 << 24) >>> 0, -1]);
  const ds = recordAt(ids.data);
  assert.equal(words(blob.subarray(ds + 4, ds + 36)), [15 << 24 | 2, 12, ids.counter, 0, 8, ids.hidden, 8, 4]);
  const varRec = recordAt(ids.counter);
  assert.equal(words(blob.subarray(varRec + 4, varRec + 16)), [14 << 24, ids.u64, 1]);
});

test("reader: resolve, sizeOf, member and typeName", () => {
  const { blob, ids } = everyKind();
  const btf = parseBtf(blob);
  assert.is(btf.resolve(ids.u64).name, "unsigned long long");
  assert.is(btf.resolve(ids.restrictPtr).kind, "ptr");
  assert.is(btf.resolve(ids.userTag).id, ids.char);
  assert.is(btf.resolve(ids.int).id, ids.int);
  assert.is(btf.sizeOf(ids.u64), 8);
  assert.is(btf.sizeOf(ids.comm), 16);
  assert.is(btf.sizeOf(ids.node), 48);
  assert.is(btf.sizeOf(ids.nodePtr), 8);
  assert.is(btf.sizeOf(ids.counter), 8, "a VAR has its type's size");
  assert.is(btf.sizeOf(ids.volatileInt), 4);
  throwsBtf(() => btf.sizeOf(ids.fwdStruct), /struct task_struct \(type \d+, fwd\) has no size/);
  throwsBtf(() => btf.sizeOf(0), /void .* has no size/);

  assert.equal(btf.member(ids.node, "state"), { name: "state", type: ids.uint, bitOffset: 67, bitfieldSize: 29, path: [2] });
  // Through the anonymous union at bit 128: the offsets add up and the path records both levels.
  assert.equal(btf.member(ids.node, "as_int"), { name: "as_int", type: ids.int, bitOffset: 128, bitfieldSize: 0, path: [3, 1] });
  assert.is(btf.member(ids.node, "missing"), undefined);
  throwsBtf(() => btf.member(ids.int, "x"), /int \(type 1, int\) is not a struct or union/);

  const names: [number, string][] = [
    [ids.int, "int"], [ids.u64, "u64"], [ids.comm, "char[16]"], [ids.nodePtr, "struct node *"],
    [ids.anonUnion, "union {...}"], [ids.signedEnum, "enum sign"], [ids.enum64, "enum wide"],
    [ids.fwdStruct, "struct task_struct"], [ids.fwdUnion, "union later"], [ids.volatileInt, "volatile int"],
    [ids.constCharPtr, "const char *"], [ids.restrictPtr, "const char *restrict"], [ids.constPtr, "char *const"],
    [ids.printkProto, "int(const char *restrict, u64, ...)"], [ids.fnPtr, "int (*)(const char *restrict, u64, ...)"],
    [ids.printk, "int printk(const char *restrict, u64, ...)"], [ids.cb, "void callback(void)"],
    [ids.arrPtr, "char (*)[16]"], [ids.counter, "u64 counter"], [ids.dbl, "double"], [0, "void"],
    [ids.userPtr, "__attribute__((btf_type_tag(\"user\"))) char *"], [ids.data, "SEC(\".data\")"],
  ];
  for (const [id, text] of names) assert.is(btf.typeName(id), text, `typeName(${id})`);
  const declarations: [number, string][] = [
    [ids.int, "int x"], [ids.comm, "char x[16]"], [ids.nodePtr, "struct node *x"], [ids.constPtr, "char *const x"],
    [ids.volatileInt, "volatile int x"], [ids.fnPtr, "int (*x)(const char *restrict, u64, ...)"], [ids.arrPtr, "char (*x)[16]"],
    [ids.anonUnion, "union {...} x"],
  ];
  for (const [id, text] of declarations) assert.is(btf.declaration(id, "x"), text, `declaration(${id}, "x")`);

  assert.equal(btf.findByName("node").map((t) => t.id), [ids.node]);
  assert.equal(btf.findByName("int", "int").map((t) => t.id), [ids.int]);
  assert.equal(btf.findByName("int", "struct"), []);
  assert.equal(btf.findByName("no such name"), []);
  assert.equal(btf.findByName("task_struct", "fwd").map((t) => t.union), [false]);
  assert.is(btf.stringAt(0), "");
});

test("reader: findByName returns every match in id order, and non-ASCII names survive", () => {
  const b = new BtfBuilder();
  const a = b.add({ kind: "struct", name: "dup", size: 0, members: [] });
  const t = b.add({ kind: "typedef", name: "dup", type: a });
  const c = b.add({ kind: "fwd", name: "dup", union: false });
  const u = b.add({ kind: "typedef", name: "größe_µ", type: a });
  const btf = parseBtf(b.encode());
  assert.equal(btf.findByName("dup").map((x) => x.id), [a, t, c]);
  assert.equal(btf.findByName("dup", "typedef").map((x) => x.id), [t]);
  assert.equal(btf.findByName("größe_µ").map((x) => x.id), [u]);
  assert.is(btf.typeById(u).name, "größe_µ");
});

test("reader: malformed blobs are BtfErrors that say what is wrong", () => {
  const { blob } = everyKind();
  throwsBtf(() => parseBtf(new Uint8Array(4)), /truncated: 4 bytes/);
  const badMagic = blob.slice();
  badMagic[0] = 0x7f;
  throwsBtf(() => parseBtf(badMagic), /bad BTF magic 0xeb7f, expected 0xeb9f/);
  const bigEndian = blob.slice();
  bigEndian[0] = 0xeb;
  bigEndian[1] = 0x9f;
  throwsBtf(() => parseBtf(bigEndian), /big-endian/);
  const badVersion = blob.slice();
  badVersion[2] = 2;
  throwsBtf(() => parseBtf(badVersion), /unsupported BTF version 2/);
  throwsBtf(() => parseBtf(blob.subarray(0, 20)), /truncated: 20 bytes, hdr_len is 24/);
  throwsBtf(() => parseBtf(blob.subarray(0, blob.length - 1)), /truncated: the string section ends at/);
  // Shorten type_len so that the last record is cut in half.
  const v = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);
  const cut = blob.slice();
  v(cut).setUint32(12, v(blob).getUint32(12, true) - 6, true);
  throwsBtf(() => parseBtf(cut), /type section is truncated: type \d+ .*6 of its 12 header bytes|needs \d+ bytes, \d+ remain/);
  const cutTail = blob.slice();
  v(cutTail).setUint32(12, 3 * 16 + 14, true); // three 16-byte INTs, then 14 of the fourth's 16 bytes
  throwsBtf(() => parseBtf(cutTail), /type 4 \(int\) needs 16 bytes, 14 remain/);
  const unknownKind = blob.slice();
  unknownKind[24 + 7] = 25; // the kind byte of [1]
  throwsBtf(() => parseBtf(unknownKind), /type 1 at byte 0 of the type section has unknown kind 25/);
  const noNul = blob.slice();
  noNul[noNul.length - 1] = 0x41;
  throwsBtf(() => parseBtf(noNul), /does not end with a NUL/);
  const btf = parseBtf(blob);
  throwsBtf(() => btf.typeById(btf.count + 1), new RegExp(`type id ${btf.count + 1} is out of range \\(the last id is ${btf.count}\\)`));
  const badName = blob.slice();
  v(badName).setUint32(24, 1 << 20, true); // name_off of [1] far outside the strings
  throwsBtf(() => parseBtf(badName).typeById(1), /string offset 1048576 is outside the string section/);
});

test("writer: impossible types are BtfErrors", () => {
  const b = new BtfBuilder();
  throwsBtf(() => b.add({ kind: "struct", name: "s", size: 4, members: [{ name: "x", type: 0, bitOffset: 0, bitfieldSize: 256 }] }), /bitfield size of x 256 does not fit in 8/);
  throwsBtf(() => b.add({ kind: "struct", name: "s", size: 4, members: [{ name: "x", type: 0, bitOffset: 1 << 24, bitfieldSize: 1 }] }), /bit offset of x 16777216 does not fit in 24/);
  throwsBtf(() => b.add({ kind: "enum", name: "e", size: 4, signed: false, values: [{ name: "A", value: -1 }] }), /A = -1 does not fit an unsigned 32-bit enum/);
  throwsBtf(() => b.add({ kind: "enum64", name: "e", size: 8, signed: false, values: [{ name: "A", value: 2n ** 64n }] }), /does not fit in 64 bits/);
  throwsBtf(() => b.add({ kind: "int", name: "c", size: 1, encoding: IntEncoding.Char | IntEncoding.Signed, bitOffset: 0, bits: 8 }), /at most one of SIGNED/);
  throwsBtf(() => b.addString("a\0b"), /contains a NUL/);
  const dangling = new BtfBuilder();
  dangling.add({ kind: "ptr", name: "", type: 7 });
  throwsBtf(() => dangling.encode(), /type 1: the target refers to type 7, which does not exist \(last id 1\)/);
  const reserved = new BtfBuilder();
  reserved.reserve();
  throwsBtf(() => reserved.encode(), /type id 1 was reserved but never defined/);
  throwsBtf(() => reserved.define(2, { kind: "float", name: "f", size: 4 }), /was not reserved/);
});

// ---------------------------------------------------------------------------------------------------------------
// func_info, line_info and .BTF.ext.

test("func_info and line_info records for PROG_LOAD count slots", () => {
  assert.equal(words(encodeFuncInfo([{ insnOff: 0, typeId: 4 }, { insnOff: 12, typeId: 9 }])), [0, 4, 12, 9]);
  const li = encodeLineInfo([
    { insnOff: 0, fileNameOff: 1, lineOff: 9, line: 1, column: 1 },
    { insnOff: 3, fileNameOff: 1, lineOff: 23, line: 2, column: 5000 },
  ]);
  assert.is(li.length, 32);
  assert.equal(words(li), [0, 1, 9, 1 << 10 | 1, 3, 1, 23, 2 << 10 | 0x3ff]);
  assert.is(lineCol(4, 1), 4097);
  assert.is(lineCol(0x3fffff, 0x3ff), 0xffffffff);
  throwsBtf(() => lineCol(0x400000, 0), /line 4194304 does not fit/);
});

test(".BTF.ext: byte offsets, section names in the .BTF strings, and parseBtfExt reads it back", () => {
  const b = new BtfBuilder();
  const file = b.addString("probe.ts");
  const l1 = b.addString("const x = 40;");
  const l2 = b.addString("return x + 2;");
  const access = b.addString("0:1");
  const ext = {
    funcInfo: [{ section: "tracepoint/sched/sched_switch", records: [{ insnOff: 0, typeId: 4 }, { insnOff: 7, typeId: 6 }] }, { section: ".text", records: [] }],
    lineInfo: [{ section: "tracepoint/sched/sched_switch", records: [
      { insnOff: 0, fileNameOff: file, lineOff: l1, line: 1, column: 1 },
      { insnOff: 2, fileNameOff: file, lineOff: l2, line: 2, column: 3 },
    ] }],
  };
  const bytes = encodeBtfExt(ext, b);
  const sec = b.addString("tracepoint/sched/sched_switch"); // already there: same offset
  assert.equal(words(bytes), [
    0x0001eb9f, 24, 0, 4 + 8 + 16, 28, 4 + 8 + 32, // header: func_info at 0 (28 bytes), line_info at 28 (44 bytes)
    8, sec, 2, 0, 4, 56, 6, // rec_size 8; one section; insn_off 7 slots = 56 bytes. The empty .text is left out.
    16, sec, 2, 0, file, l1, 1 << 10 | 1, 16, file, l2, 2 << 10 | 3,
  ]);
  const btf = parseBtf(b.encode());
  assert.equal(parseBtfExt(bytes, btf), { funcInfo: [ext.funcInfo[0]!], lineInfo: ext.lineInfo });

  const withCore = encodeBtfExt({ coreRelos: [{ section: ".text", records: [{ insnOff: 10, typeId: 24, accessStrOff: access, kind: CoreReloKind.FieldByteOffset }] }] }, b);
  const text = b.addString(".text");
  assert.equal(words(withCore), [0x0001eb9f, 32, 0, 0, 0, 0, 0, 28, 16, text, 1, 80, 24, access, 0]);
  assert.equal(parseBtfExt(withCore, parseBtf(b.encode())), {
    coreRelos: [{ section: ".text", records: [{ insnOff: 10, typeId: 24, accessStrOff: access, kind: 0 }] }],
  });
  assert.equal(words(encodeBtfExt({}, b)), [0x0001eb9f, 24, 0, 0, 0, 0]);
});

// ---------------------------------------------------------------------------------------------------------------
// Split BTF.

test("split BTF: ids continue after the base, string offsets after its string section", () => {
  const baseBuilder = new BtfBuilder();
  const int = baseBuilder.add({ kind: "int", name: "int", size: 4, encoding: IntEncoding.Signed, bitOffset: 0, bits: 32 });
  const baseStruct = baseBuilder.add({ kind: "struct", name: "shared", size: 4, members: [{ name: "v", type: int, bitOffset: 0, bitfieldSize: 0 }] });
  const sharedName = baseBuilder.addString("shared");
  const base = parseBtf(baseBuilder.encode());

  const split = new BtfBuilder({ base });
  const ptr = split.add({ kind: "ptr", name: "", type: baseStruct });
  const mod = split.add({
    kind: "struct", name: "module_thing", size: 16, members: [
      { name: "p", type: ptr, bitOffset: 0, bitfieldSize: 0 },
      { name: "count", type: int, bitOffset: 64, bitfieldSize: 0 },
    ],
  });
  const alias = split.add({ kind: "typedef", name: "placeholder", type: baseStruct });
  assert.equal([ptr, mod, alias], [3, 4, 5]);
  const blob = split.encode();
  // Point the typedef's name at the base's "shared", as module BTF does for names the base already has.
  const aliasRecord = 24 + 12 + (12 + 24);
  new DataView(blob.buffer).setUint32(aliasRecord, sharedName, true);

  const btf = parseBtf(blob, base);
  assert.is(btf.base, base);
  assert.is(btf.firstId, base.count + 1);
  assert.is(btf.count, base.count + 3);
  assert.is(btf.stringsEnd, base.stringsEnd + btf.header.strLen);
  const thing = btf.typeById(mod);
  assert.is(thing.name, "module_thing");
  assert.is(words(blob.subarray(24 + 12 + 0, 24 + 12 + 4))[0]! >= base.stringsEnd, true, "own names are past the base's strings");
  assert.is(btf.typeById(int), base.typeById(int), "base ids are the base's own objects");
  assert.is(btf.typeName(btf.member(mod, "p")!.type), "struct shared *");
  assert.is(btf.resolve(btf.member(mod, "count")!.type).name, "int");
  assert.is(btf.typeById(alias).name, "shared");
  assert.equal(btf.findByName("shared").map((t) => t.id), [baseStruct, alias], "base matches first, then the split's");
  assert.equal([...btf.types()].map((t) => t.id), [3, 4, 5]);
  assert.is(btf.sizeOf(mod), 16);
});

// ---------------------------------------------------------------------------------------------------------------
// The running kernel.

/** vmlinux, parsed once when this file loads: cold, before any other BTF code ran, so the timing is honest. */
const vmlinux: { btf: Btf; size: number; parseMs: number; findMs: number; task: BtfType | undefined } | undefined = existsSync(VMLINUX)
  ? (() => {
    const bytes = readFileSync(VMLINUX);
    const t0 = performance.now();
    const btf = parseBtf(bytes);
    const t1 = performance.now();
    const [task] = btf.findByName("task_struct", "struct");
    const t2 = performance.now();
    return { btf, size: bytes.length, parseMs: t1 - t0, findMs: t2 - t1, task };
  })()
  : undefined;

test("vmlinux: parses quickly and task_struct's pid/tgid/comm have their kernel types", () => {
  if (!vmlinux) return void lacksVmlinuxBtf();
  const { btf, size, parseMs, findMs, task } = vmlinux;
  console.log(`\n  vmlinux: ${(size / 1e6).toFixed(1)} MB, ${btf.count} types; parse ${parseMs.toFixed(1)} ms, first findByName("task_struct") ${findMs.toFixed(1)} ms`);
  // Lazy decoding, checked as a ratio rather than a time (a loaded machine slows both alike): parsing and one lookup
  // cost a fraction of decoding every type, which is what they would cost if parsing decoded eagerly (~15x here).
  const t0 = performance.now();
  for (let id = 1; id <= btf.count; id++) btf.typeById(id);
  const allMs = performance.now() - t0;
  assert.ok((parseMs + findMs) * 3 < allMs, `parse + find took ${(parseMs + findMs).toFixed(0)} ms, decoding all ${btf.count} types ${allMs.toFixed(0)} ms`);
  assert.ok(btf.count > 10_000);
  assert.ok(task?.kind === "struct", "struct task_struct exists");
  assert.equal(btf.findByName("task_struct", "struct").map((t) => t.id), [task.id], "exactly one struct task_struct");

  const pid = btf.member(task.id, "pid");
  const tgid = btf.member(task.id, "tgid");
  assert.ok(pid && tgid);
  assert.is(btf.typeName(pid.type), "pid_t");
  assert.is(btf.typeName(tgid.type), "pid_t");
  const pidT = btf.resolve(pid.type);
  assert.is(pidT.kind, "int");
  assert.ok(pidT.kind === "int" && (pidT.encoding & IntEncoding.Signed) !== 0, "pid_t is signed");
  assert.is(btf.sizeOf(pid.type), 4);
  assert.is(tgid.bitOffset, pid.bitOffset + 32);
  assert.is(pid.bitOffset % 32, 0);

  const comm = btf.member(task.id, "comm");
  assert.ok(comm);
  assert.is(btf.typeName(comm.type), "char[16]");
  assert.is(btf.sizeOf(comm.type), 16);
  assert.is(btf.typeName(btf.member(task.id, "real_parent")!.type), "struct task_struct *");
  assert.ok(btf.sizeOf(task.id) === task.size && task.size > 1000);

  const [u64, ...moreU64] = btf.findByName("u64", "typedef");
  assert.ok(u64);
  assert.equal(moreU64, []);
  const u64Int = btf.resolve(u64.id);
  assert.equal(u64Int.kind === "int" && [u64Int.size, u64Int.encoding & IntEncoding.Signed, u64Int.bits], [8, 0, 64]);
});

test("vmlinux: btf_trace_sched_switch is a typedef of a pointer to a prototype taking void * first", () => {
  if (!vmlinux) return void lacksVmlinuxBtf();
  const { btf } = vmlinux;
  const [td] = btf.findByName("btf_trace_sched_switch");
  assert.ok(td);
  assert.is(td.kind, "typedef");
  const ptr = btf.typeById((td as { type: number }).type);
  assert.is(ptr.kind, "ptr");
  const proto = btf.typeById((ptr as { type: number }).type);
  assert.ok(proto.kind === "func_proto", `pointee is ${proto.kind}`);
  assert.ok(proto.params.length >= 1);
  assert.is(btf.typeName(proto.params[0]!.type), "void *");
  assert.match(btf.typeName(td.id), /^btf_trace_sched_switch$/);
  assert.match(btf.typeName(ptr.id), /^void \(\*\)\(void \*, /);
});

test("vmlinux: every type decodes, every reference is in range, and writer → reader reproduces all of them", () => {
  if (!vmlinux) return void lacksVmlinuxBtf();
  const { btf } = vmlinux;
  const b = new BtfBuilder();
  const kinds = new Map<string, number>();
  for (const t of btf.types()) {
    kinds.set(t.kind, (kinds.get(t.kind) ?? 0) + 1);
    if (t.kind === "void") throw new Error("void is never a record");
    const { id, ...input } = t;
    assert.is(b.add(input as BtfTypeInput), id);
  }
  // encode() checks that every referenced id exists.
  const again = parseBtf(b.encode());
  assert.is(again.count, btf.count);
  for (let id = 1; id <= btf.count; id++) {
    const a = btf.typeById(id);
    const c = again.typeById(id);
    if (a.kind !== c.kind || a.name !== c.name || JSON.stringify(a, bigints) !== JSON.stringify(c, bigints)) {
      assert.equal(c, a, `type ${id}`);
    }
  }
  assert.ok((kinds.get("struct") ?? 0) > 1000 && (kinds.get("func") ?? 0) > 1000);
});

const bigints = (_key: string, value: unknown) => (typeof value === "bigint" ? `${value}n` : value);

test("vmlinux: task_struct (tgid, bitfields and all) matches `bpftool btf dump ... format raw`", () => {
  if (!vmlinux) return void lacksVmlinuxBtf();
  const tool = bpftool();
  if (!tool) return skip("bpftool vmlinux cross-check", "bpftool is not installed");
  const raw = execFileSync(tool, ["btf", "dump", "file", VMLINUX, "format", "raw"], { encoding: "utf8", maxBuffer: 1 << 30 });
  const header = /^\[(\d+)\] STRUCT 'task_struct' size=(\d+) vlen=(\d+)$/m.exec(raw);
  assert.ok(header, "bpftool lists STRUCT 'task_struct'");
  const after = raw.slice(header.index + header[0].length + 1);
  const memberLines = after.slice(0, after.search(/^\[/m)).trimEnd().split("\n");
  const { btf } = vmlinux;
  const task = btf.typeById(Number(header[1]));
  assert.ok(task.kind === "struct" && task.name === "task_struct");
  assert.equal([task.size, task.members.length], [Number(header[2]), Number(header[3])]);
  const ours = task.members.map((m) =>
    `\t'${m.name || "(anon)"}' type_id=${m.type} bits_offset=${m.bitOffset}${m.bitfieldSize ? ` bitfield_size=${m.bitfieldSize}` : ""}`);
  assert.equal(ours, memberLines);
  assert.ok(task.members.some((m) => m.bitfieldSize > 0), "task_struct has bitfields to compare");
  const tgid = btf.member(task.id, "tgid")!;
  assert.ok(memberLines.includes(`\t'tgid' type_id=${tgid.type} bits_offset=${tgid.bitOffset}`));
  const lastId = [...raw.matchAll(/^\[(\d+)\]/gm)].at(-1)?.[1];
  assert.is(Number(lastId), btf.count, "same number of types");
});

test("writer: bpftool (libbpf) reads the every-kind blob the way we wrote it", () => {
  const tool = bpftool();
  if (!tool) return skip("bpftool writer cross-check", "bpftool is not installed");
  const { blob, ids } = everyKind();
  const dir = mkdtempSync(join(tmpdir(), "tsbpf-btf-"));
  let raw: string;
  try {
    writeFileSync(join(dir, "every.btf"), blob);
    raw = execFileSync(tool, ["btf", "dump", "file", join(dir, "every.btf"), "format", "raw"], { encoding: "utf8" });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const lines = raw.split("\n");
  const expect = (line: string) => assert.ok(lines.includes(line), `bpftool printed ${JSON.stringify(line)}`);
  expect(`[${ids.int}] INT 'int' size=4 bits_offset=0 nr_bits=32 encoding=SIGNED`);
  expect(`[${ids.oldBitfield}] INT 'old_bits' size=4 bits_offset=3 nr_bits=5 encoding=(none)`);
  expect(`[${ids.comm}] ARRAY '(anon)' type_id=${ids.char} index_type_id=${ids.int} nr_elems=16`);
  expect(`[${ids.node}] STRUCT 'node' size=48 vlen=6`);
  expect(`\t'flags' type_id=${ids.uint} bits_offset=64 bitfield_size=3`);
  expect(`\t'state' type_id=${ids.uint} bits_offset=67 bitfield_size=29`);
  expect(`\t'(anon)' type_id=${ids.anonUnion} bits_offset=128`);
  expect(`[${ids.anonUnion}] UNION '(anon)' size=8 vlen=2`);
  expect(`\t'NEG' val=-2`);
  expect(`\t'ALL' val=4294967295`);
  expect(`\t'MAX' val=18446744073709551615ULL`);
  expect(`\t'HI' val=1311768467463790320ULL`);
  expect(`\t'MIN' val=-9223372036854775808LL`);
  expect(`[${ids.fwdUnion}] FWD 'later' fwd_kind=union`);
  expect(`[${ids.printkProto}] FUNC_PROTO '(anon)' ret_type_id=${ids.int} vlen=3`);
  expect(`\t'(anon)' type_id=0`);
  expect(`[${ids.printk}] FUNC 'printk' type_id=${ids.printkProto} linkage=extern`);
  expect(`[${ids.cb}] FUNC 'callback' type_id=${ids.cb - 1} linkage=static`);
  expect(`[${ids.counter}] VAR 'counter' type_id=${ids.u64}, linkage=global`);
  expect(`[${ids.data}] DATASEC '.data' size=12 vlen=2`);
  expect(`\ttype_id=${ids.hidden} offset=8 size=4 (VAR 'hidden')`);
  expect(`[${ids.dbl}] FLOAT 'double' size=8`);
  expect(`[${ids.tagOnMember}] DECL_TAG 'member_tag' type_id=${ids.node} component_idx=1`);
  expect(`[${ids.tagOnFunc}] DECL_TAG 'noinline' type_id=${ids.printk} component_idx=-1`);
  expect(`[${ids.userTag}] TYPE_TAG 'user' type_id=${ids.char}`);
  assert.is(lines.filter((l) => l.startsWith("[")).length, parseBtf(blob).count);
});

/**
 * A module's BTF: the first one in /sys/kernel/btf, or, where no module is loaded (as here), one written with our
 * builder on this vmlinux as its base: a struct whose members are a vmlinux struct pointer and a vmlinux int.
 */
function moduleBtf(base: Btf): { name: string; blob: Uint8Array } {
  const name = readdirSync("/sys/kernel/btf").filter((f) => f !== "vmlinux").sort()[0];
  if (name !== undefined) return { name, blob: readFileSync(`/sys/kernel/btf/${name}`) };
  const task = base.findByName("task_struct", "struct")[0]!;
  const int = base.findByName("int", "int")[0]!;
  const mod = new BtfBuilder({ base });
  const ptr = mod.add({ kind: "ptr", name: "", type: task.id });
  mod.add({
    kind: "struct", name: "tsbpf_test_module_state", size: 16, members: [
      { name: "owner", type: ptr, bitOffset: 0, bitfieldSize: 0 },
      { name: "refs", type: int.id, bitOffset: 64, bitfieldSize: 0 },
    ],
  });
  return { name: "a module written on vmlinux (none is loaded)", blob: mod.encode() };
}

test("module BTF: split on vmlinux, its member types resolve into the base", () => {
  if (!vmlinux) return void lacksVmlinuxBtf();
  const base = vmlinux.btf;
  const { name, blob } = moduleBtf(base);
  const btf = parseBtf(blob, base);
  assert.is(btf.firstId, base.count + 1);
  assert.ok(btf.count >= btf.firstId, `${name} has types`);
  let checked = 0;
  for (const t of btf.types()) {
    assert.ok(t.id > base.count);
    if (t.kind !== "struct" && t.kind !== "union") continue;
    for (const m of t.members) {
      if (m.type === 0 || m.type > base.count) continue;
      const inBase = btf.typeById(m.type);
      assert.is(inBase, base.typeById(m.type), `${name}: ${t.name}.${m.name}`);
      assert.is(btf.typeName(m.type), base.typeName(m.type));
      checked++;
    }
  }
  assert.ok(checked > 0, `${name} has a struct member of a vmlinux type`);
  console.log(`\n  module BTF ${name}: ${btf.count - base.count} types, ${checked} members of vmlinux types checked`);
});

test.run();
