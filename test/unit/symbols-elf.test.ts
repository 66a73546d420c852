// runtime/symbols user-space lookups without a process: programs built here with gcc (PIE, non-PIE, a shared
// library; stripped, with debug files by build-id and by .gnu_debuglink) seen through a fake /proc/PID/maps that
// loads them at a chosen base, symbolized, and checked against nm's symbol values.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readElf, PF_X } from "../../runtime/kernel/elf.ts";
import { buildId } from "../../runtime/symbols/elf-symbols.ts";
import { createSymbolizer } from "../../runtime/symbols/index.ts";
import { buildProgram, hasGcc, type Built } from "../support/symbols-build.ts";
import { skip } from "../support/skip.ts";

const PID = 4242;
const has = (cmd: string) => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
const run = (cmd: string, args: string[]) => {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
};

/** nm's value of a symbol (the oracle: binutils, not our reader). */
function nmValue(file: string, name: string, dynamic = false): number {
  const line = run("nm", [...(dynamic ? ["-D"] : []), file]).split("\n").find((l) => l.endsWith(` ${name}`));
  if (!line) throw new Error(`nm: no ${name} in ${file}`);
  return parseInt(line.split(" ")[0]!, 16);
}

/** A maps line for `file`'s executable segment loaded with `bias` added to its virtual addresses. */
function mapsLine(file: string, bias: number): string {
  const seg = readElf(file).loadSegments.find((p) => (p.flags & PF_X) !== 0)!;
  const start = bias + (Number(seg.vaddr) & ~0xfff), offset = Number(seg.offset) & ~0xfff;
  const end = start + ((Number(seg.vaddr) - (Number(seg.vaddr) & ~0xfff) + Number(seg.memsz) + 0xfff) & ~0xfff);
  const hex = (n: number) => n.toString(16);
  return `${hex(start)}-${hex(end)} r-xp ${hex(offset).padStart(8, "0")} 08:01 ${statSync(file).ino}    ${file}`;
}

/** A fake /proc with one process mapping `lines`. */
function fakeProc(lines: string[]): string {
  const proc = mkdtempSync(join(tmpdir(), "tsbpf-proc-"));
  mkdirSync(join(proc, String(PID)));
  writeFileSync(join(proc, String(PID), "maps"), lines.join("\n") + "\n");
  return proc;
}

let pie: Built | undefined, nopie: Built | undefined;
const ready = (): boolean => {
  if (!hasGcc() || !has("nm") || !has("objcopy")) {
    skip("gcc, nm or objcopy is not installed");
    return false;
  }
  pie ??= buildProgram({ pie: true });
  nopie ??= buildProgram({ pie: false });
  return true;
};

test.after(() => {
  for (const b of [pie, nopie]) if (b) rmSync(b.dir, { recursive: true, force: true });
});

test("PIE executable and shared library at random bases: each address resolves to its function and offset", () => {
  if (!ready()) return;
  const exeBias = 0x55d0c0a00000, libBias = 0x7f3a12340000;
  const proc = fakeProc([mapsLine(pie!.exe, exeBias), mapsLine(pie!.lib, libBias)]);
  try {
    const s = createSymbolizer({ proc });
    const main = nmValue(pie!.exe, "main"), local = nmValue(pie!.exe, "local_fn");
    const inner = nmValue(pie!.lib, "spin_inner"), spin = nmValue(pie!.lib, "lib_spin", true);
    const frames = s.user(PID, [exeBias + main + 4, exeBias + local, libBias + inner + 7, libBias + spin + 1].map(BigInt));
    assert.equal(frames.map((f) => [f.symbol, f.offset, f.module, f.origin]), [
      ["main", 4n, pie!.exe, "user"],
      ["local_fn", 0n, pie!.exe, "user"],
      ["spin_inner", 7n, pie!.lib, "user"],
      ["lib_spin", 1n, pie!.lib, "user"],
    ]);
    // Outside every mapping: unknown, with no module; inside the mapping but before any function: the file named.
    const [outside] = s.user(PID, [0x1000n]);
    assert.equal([outside!.symbol, outside!.module], [undefined, undefined]);
  } finally {
    rmSync(proc, { recursive: true, force: true });
  }
});

test("non-PIE executable: symbol values are the addresses", () => {
  if (!ready()) return;
  const proc = fakeProc([mapsLine(nopie!.exe, 0)]);
  try {
    const main = nmValue(nopie!.exe, "main");
    const [f] = createSymbolizer({ proc }).user(PID, [BigInt(main + 9)]);
    assert.equal([f!.symbol, f!.offset], ["main", 9n]);
  } finally {
    rmSync(proc, { recursive: true, force: true });
  }
});

test("stripped executable: static functions through the debug file, by .gnu_debuglink and by build-id", () => {
  if (!ready()) return;
  const dir = mkdtempSync(join(tmpdir(), "tsbpf-debug-"));
  try {
    const local = nmValue(pie!.exe, "local_fn");
    const bias = 0x560000000000;
    const debug = join(dir, "spin.debug");
    run("objcopy", ["--only-keep-debug", pie!.exe, debug]);
    // By debuglink: the stripped file names spin.debug, which sits beside it.
    const linked = join(dir, "spin-linked");
    run("objcopy", ["--strip-all", `--add-gnu-debuglink=${debug}`, pie!.exe, linked]);
    // By build-id only: no debuglink, the debug file under <debug dir>/.build-id/.
    const bare = join(dir, "spin-bare");
    run("objcopy", ["--strip-all", pie!.exe, bare]);
    const id = buildId(readElf(bare));
    assert.ok(id && id.length > 8, "gcc gave the program no build-id");
    const look = (file: string, debugDirs: string[]) => {
      const proc = fakeProc([mapsLine(file, bias)]);
      try {
        return createSymbolizer({ proc, debugDirs }).user(PID, [BigInt(bias + local + 2)])[0]!;
      } finally {
        rmSync(proc, { recursive: true, force: true });
      }
    };
    // Without a debug file, a stripped program's static function is unknown (its file is still named).
    const none = look(bare, []);
    assert.equal([none.symbol, none.module], [undefined, bare]);
    const byLink = look(linked, []);
    assert.equal([byLink.symbol, byLink.offset], ["local_fn", 2n]);
    const store = join(dir, "debug-root");
    mkdirSync(join(store, ".build-id", id!.slice(0, 2)), { recursive: true });
    copyFileSync(debug, join(store, ".build-id", id!.slice(0, 2), `${id!.slice(2)}.debug`));
    const byId = look(bare, [store]);
    assert.equal([byId.symbol, byId.offset], ["local_fn", 2n]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a file replaced at its path since it was mapped is not read in its place", () => {
  if (!ready()) return;
  const dir = mkdtempSync(join(tmpdir(), "tsbpf-replaced-"));
  try {
    const exe = join(dir, "spin");
    copyFileSync(pie!.exe, exe);
    const line = mapsLine(exe, 0x560000000000);
    // Another file now at the path (a new inode): the mapping's inode no longer matches, and there is no
    // /proc/PID/map_files in a fake /proc, so the frame is unknown rather than a symbol of the wrong file.
    const before = statSync(exe).ino;
    copyFileSync(nopie!.exe, `${exe}.new`);
    renameSync(`${exe}.new`, exe);
    assert.is.not(statSync(exe).ino, before);
    const proc = fakeProc([line.replace(/ \/.*$/, ` ${exe} (deleted)`)]);
    try {
      const [f] = createSymbolizer({ proc }).user(PID, [BigInt(0x560000000000 + nmValue(pie!.exe, "main"))]);
      assert.equal([f!.symbol, f!.module], [undefined, exe]);
    } finally {
      rmSync(proc, { recursive: true, force: true });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
