// A small kernel BTF blob built with the BTF writer, for the tests of `tsbpf types --btf` and of the editor.

import { BtfBuilder, IntEncoding } from "../../core/object/btf/index.ts";

/**
 * A small kernel: task_struct with a typedef chain, a char array, an anonymous union holding an anonymous struct,
 * bitfields and unnamed padding, pointers (to a struct, a forward declaration, a function), a volatile typedef of
 * an anonymous struct, an inline anonymous struct, arrays of structs, of arrays and of bytes, a bool, an anonymous
 * signed enum, a const char array, __int128, a double, an enum64, names TypeScript reserves (`struct class`,
 * `enum string`), a typedef sharing a struct's tag name, and a flexible array.
 */
export function btfFixture(): Uint8Array {
  const b = new BtfBuilder();
  const int = (name: string, size: number, encoding = IntEncoding.None) => b.add({ kind: "int", name, size, encoding, bitOffset: 0, bits: size * 8 });
  const m = (name: string, type: number, byte: number, bitfieldSize = 0, bit = 0) => ({ name, type, bitOffset: byte * 8 + bit, bitfieldSize });
  const i32 = int("int", 4, IntEncoding.Signed);
  const u32 = int("unsigned int", 4);
  const u64 = int("long long unsigned int", 8);
  const char = int("char", 1);
  const uchar = int("unsigned char", 1);
  const bool = int("_Bool", 1, IntEncoding.Bool);
  const i128 = int("__int128", 16, IntEncoding.Signed);
  const dbl = b.add({ kind: "float", name: "double", size: 8 });
  const kpid = b.add({ kind: "typedef", name: "__kernel_pid_t", type: i32 });
  const pid = b.add({ kind: "typedef", name: "pid_t", type: kpid });
  const u8t = b.add({ kind: "typedef", name: "u8", type: uchar });
  const comm = b.add({ kind: "array", name: "", elemType: char, indexType: u32, nelems: 16 });
  const mac = b.add({ kind: "array", name: "", elemType: u8t, indexType: u32, nelems: 6 });
  const flex = b.add({ kind: "array", name: "", elemType: u64, indexType: u32, nelems: 0 });
  const constChar = b.add({ kind: "const", name: "", type: char });
  const name = b.add({ kind: "array", name: "", elemType: constChar, indexType: u32, nelems: 8 });
  // typedef struct { int counter; } atomic_t;
  const atomicBody = b.add({ kind: "struct", name: "", size: 4, members: [m("counter", i32, 0)] });
  const atomic = b.add({ kind: "typedef", name: "atomic_t", type: atomicBody });
  const volatileAtomic = b.add({ kind: "volatile", name: "", type: atomic });
  // struct list_head { struct list_head *next, *prev; };
  const list = b.reserve();
  const listPtr = b.add({ kind: "ptr", name: "", type: list });
  b.define(list, { kind: "struct", name: "list_head", size: 16, members: [m("next", listPtr, 0), m("prev", listPtr, 8)] });
  const lists = b.add({ kind: "array", name: "", elemType: list, indexType: u32, nelems: 2 });
  const row = b.add({ kind: "array", name: "", elemType: u32, indexType: u32, nelems: 3 });
  const grid = b.add({ kind: "array", name: "", elemType: row, indexType: u32, nelems: 2 });
  // Only pointed to, so never declared.
  const mm = b.add({ kind: "struct", name: "mm_struct", size: 8, members: [m("users", u64, 0)] });
  const mmPtr = b.add({ kind: "ptr", name: "", type: mm });
  const filePtr = b.add({ kind: "ptr", name: "", type: b.add({ kind: "fwd", name: "file", union: false }) });
  const proto = b.add({ kind: "func_proto", name: "", returnType: i32, params: [{ name: "", type: filePtr }], variadic: false });
  const fnPtr = b.add({ kind: "ptr", name: "", type: proto });
  const state = b.add({ kind: "enum", name: "task_state", size: 4, signed: false, values: [{ name: "TASK_RUNNING", value: 0 }, { name: "TASK_DEAD", value: 128 }] });
  const sign = b.add({ kind: "enum", name: "", size: 4, signed: true, values: [{ name: "NEG", value: -1 }] });
  const wide = b.add({ kind: "enum64", name: "wide", size: 8, signed: false, values: [{ name: "BIG", value: 1n << 40n }] });
  const klass = b.add({ kind: "struct", name: "class", size: 4, members: [m("default", u32, 0)] });
  const stringEnum = b.add({ kind: "enum", name: "string", size: 1, signed: false, values: [] });
  const sameTag = b.add({ kind: "typedef", name: "list_head", type: b.add({ kind: "struct", name: "", size: 4, members: [m("x", u32, 0)] }) });
  const halves = b.add({ kind: "struct", name: "", size: 8, members: [m("hash", u32, 0), m("len", u32, 4)] });
  const anonUnion = b.add({ kind: "union", name: "", size: 8, members: [m("hash_len", u64, 0), m("", halves, 0)] });
  const split = b.add({ kind: "struct", name: "", size: 8, members: [m("lo", u32, 0), m("hi", u32, 4)] });
  b.add({
    kind: "struct", name: "task_struct", size: 160, members: [
      m("state", state, 0), m("pid", pid, 4), m("comm", comm, 8), m("", anonUnion, 24),
      m("flags", u32, 32, 3), m("in_execve", u32, 32, 1, 3), m("", u32, 32, 4, 4),
      m("mm", mmPtr, 40), m("fn", fnPtr, 48), m("usage", volatileAtomic, 56), m("split", split, 64),
      m("tasks", lists, 72), m("grid", grid, 104), m("mac", mac, 128), m("on_cpu", bool, 134), m("sign", sign, 136),
      m("name", name, 140), m("big", i128, 0), m("ratio", dbl, 0), m("wide", wide, 0), m("k", klass, 0),
      m("s", stringEnum, 0), m("d", sameTag, 0), m("tail", flex, 160),
    ],
  });
  return b.encode();
}
