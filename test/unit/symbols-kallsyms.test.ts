// runtime/symbols/kallsyms.ts and the symbolizer's kernel side, from a fixture kallsyms text: text symbols only,
// offsets from the symbol's start, modules named, the ends of modules and of the text respected.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { KallsymsTable, parseModules } from "../../runtime/symbols/kallsyms.ts";
import { createSymbolizer, formatFrame } from "../../runtime/symbols/index.ts";

const KALLSYMS = [
  "ffffffff81000000 T _stext",
  "ffffffff81000000 T startup_64",
  "ffffffff81001000 t do_one_initcall",
  "ffffffff81002000 W arch_cpu_idle",
  "ffffffff81003000 T vfs_read",
  "ffffffff81003400 T _etext",
  "ffffffff82000000 D init_task",
  "ffffffff82001000 R __start_rodata",
  // Modules, listed after the kernel and in no particular order.
  "ffffffffc0a02000 t ext4_fill_super\t[ext4]",
  "ffffffffc0a01000 T ext4_read_inode\t[ext4]",
  "ffffffffc0b00000 t bpf_prog_6deef7357e7b4530_handler\t[bpf]",
  "",
].join("\n");
const MODULES = "ext4 12288 3 - Live 0xffffffffc0a01000\n";

const look = (t: KallsymsTable, a: bigint) => {
  const s = t.lookup(a);
  return s && [s.name, s.offset, s.module];
};

test("text symbols: the containing one, with its offset; the first listed of several at one address", () => {
  const t = new KallsymsTable(KALLSYMS, parseModules(MODULES));
  assert.equal(look(t, 0xffffffff81000000n), ["_stext", 0n, undefined]);
  assert.equal(look(t, 0xffffffff81001234n), ["do_one_initcall", 0x234n, undefined]);
  assert.equal(look(t, 0xffffffff81002010n), ["arch_cpu_idle", 0x10n, undefined]);
  assert.equal(look(t, 0xffffffff81003010n), ["vfs_read", 16n, undefined]);
});

test("no symbol: below the first, inside data, in a module past its end", () => {
  const t = new KallsymsTable(KALLSYMS, parseModules(MODULES));
  assert.is(t.lookup(0xffffffff80000000n), undefined);
  assert.is(t.lookup(0xffffffff82000010n), undefined);
  assert.is(t.lookup(0xffffffff82001010n), undefined);
  // ext4 spans [0xffffffffc0a01000, +12288): 0xffffffffc0a04000 is past it.
  assert.is(t.lookup(0xffffffffc0a04000n), undefined);
});

test("modules: sorted in among the rest and named", () => {
  const t = new KallsymsTable(KALLSYMS, parseModules(MODULES));
  assert.equal(look(t, 0xffffffffc0a01008n), ["ext4_read_inode", 8n, "ext4"]);
  assert.equal(look(t, 0xffffffffc0a02100n), ["ext4_fill_super", 0x100n, "ext4"]);
  assert.equal(look(t, 0xffffffffc0b00040n), ["bpf_prog_6deef7357e7b4530_handler", 0x40n, "bpf"]);
});

test("addresses hidden by kptr_restrict (all 0) give an empty table, not one symbol for everything", () => {
  const t = new KallsymsTable("0000000000000000 T _stext\n0000000000000000 T vfs_read\n");
  assert.is(t.size, 0);
  assert.is(t.lookup(0xffffffff81003010n), undefined);
});

test("the symbolizer's kernel frames, printed as bpftrace prints them", () => {
  const s = createSymbolizer({ kallsyms: { text: KALLSYMS }, modules: { text: MODULES } });
  const frames = s.kernel([0xffffffff81003010n, 0xffffffffc0a01008n, 0xffffffff82000010n]);
  assert.equal(frames.map((f) => formatFrame(f)), ["vfs_read+16", "ext4_read_inode+8", "0xffffffff82000010"]);
  assert.equal(frames.map((f) => formatFrame(f, { modules: true, offsets: false })), ["vfs_read", "ext4_read_inode (ext4)", "0xffffffff82000010"]);
  assert.ok(frames.every((f) => f.origin === "kernel"));
});

test.run();
