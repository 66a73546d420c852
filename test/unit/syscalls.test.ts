// core/syscalls: the committed table against the kernel headers installed on this machine (each architecture whose
// headers are there; a skip saying what to install otherwise), spot values copied by hand from the kernel's tables,
// the lookup, and the generator's reading of cpp's output.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { renderTable, toRuns } from "../../core/syscalls/generate.ts";
import { readHeaderTable, SYSCALL_ARCHES, syscallMacros } from "../../core/syscalls/headers.ts";
import { syscallName, syscallNames } from "../../core/syscalls/index.ts";
import { SYSCALL_TABLES } from "../../core/syscalls/table.ts";
import { skip } from "../support/skip.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** The committed table of one architecture as number → name. */
function committed(arch: string): Map<number, string> {
  const t = SYSCALL_TABLES[arch];
  assert.ok(t, `no table for ${arch}`);
  return new Map(t.runs.flatMap((r) => r.names.map((n, i) => [r.first + i, n] as [number, string])));
}

for (const arch of SYSCALL_ARCHES) {
  test(`the committed ${arch.name} table is what its installed headers define`, () => {
    const read = readHeaderTable(arch);
    if ("missing" in read) return skip(`${arch.name} syscall table not checked: ${read.missing}`);
    const table = committed(arch.name);
    const max = Math.max(...read.names.keys());
    const stale: string[] = [];
    for (const [nr, name] of read.names) if (table.get(nr) !== name) stale.push(`${nr}: headers ${name}, table ${table.get(nr) ?? "none"}`);
    // Headers older than the table lack its newest calls; any other difference is a stale table.
    for (const [nr, name] of table) if (nr <= max && !read.names.has(nr)) stale.push(`${nr}: headers none, table ${name}`);
    assert.equal(stale, [], `core/syscalls/table.ts differs from ${read.header} (Linux ${read.linux}): run npm run gen:syscalls`);
    assert.is(SYSCALL_TABLES[arch.name]!.node, arch.node);
  });
}

test("spot values, from the kernel's syscall_64.tbl and asm-generic/unistd.h", () => {
  const x86 = committed("x86_64");
  assert.is(x86.get(0), "read");
  assert.is(x86.get(1), "write");
  assert.is(x86.get(59), "execve");
  assert.is(x86.get(110), "getppid");
  assert.is(x86.get(257), "openat");
  assert.is(x86.get(321), "bpf");
  assert.is(x86.get(424), "pidfd_send_signal");
  const arm = committed("arm64");
  assert.is(arm.get(56), "openat");
  assert.is(arm.get(63), "read");
  assert.is(arm.get(80), "fstat"); // __NR_fstat is __NR3264_fstat
  assert.is(arm.get(173), "getppid");
  assert.is(arm.get(221), "execve");
  assert.is(arm.get(280), "bpf");
  assert.is(arm.get(244), undefined); // __NR_arch_specific_syscall: no call of arm64's own
  assert.ok(![...arm.values()].includes("open"), "arm64 has openat only");
});

test("lookup by process.arch: numbers and bigints, unknown numbers and architectures", () => {
  assert.is(syscallName(257, "x64"), "openat");
  assert.is(syscallName(257n, "x64"), "openat");
  assert.is(syscallName(56, "arm64"), "openat");
  assert.is(syscallName(56, "x64"), "clone");
  for (const nr of [-1, 335, 423, 100000, 1.5, 2n ** 64n]) assert.is(syscallName(nr, "x64"), undefined, String(nr));
  assert.is(syscallName(0, "mips"), undefined);
  assert.is(syscallNames("mips"), undefined);
  const here = SYSCALL_ARCHES.find((a) => a.node === process.arch);
  if (here) assert.is(syscallName(here.name === "x86_64" ? 257 : 56), "openat");
});

test("cpp's macros: aliases resolved, the two non-syscalls left out, surprises refused", () => {
  const defines = [
    "#define __NR_read 63",
    "#define __NR3264_fstat 80",
    "#define __NR_fstat __NR3264_fstat",
    "#define __NR_arch_specific_syscall 244",
    "#define __NR_syscalls 451",
    "#define __BITS_PER_LONG 64",
  ].join("\n");
  assert.equal([...syscallMacros(defines, "h")], [[63, "read"], [80, "fstat"]]);
  assert.throws(() => syscallMacros("#define __NR_a 1\n#define __NR_b 1\n", "h"), /__NR_a|a and b are both syscall 1/);
  assert.throws(() => syscallMacros("#define __NR_a (__NR_SYSCALL_BASE + 1)\n", "h"), /not a number/);
});

test("the generated file: runs of consecutive numbers, and the committed file is what the renderer writes", () => {
  assert.equal(toRuns(new Map([[3, "c"], [0, "a"], [1, "b"], [7, "d"]])), [[0, ["a", "b"]], [3, ["c"]], [7, ["d"]]]);
  const text = readFileSync(join(root, "core", "syscalls", "table.ts"), "utf8");
  assert.ok(text === renderTable(SYSCALL_TABLES), "core/syscalls/table.ts was edited by hand: run npm run gen:syscalls");
});

test.run();
