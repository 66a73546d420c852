// The symbolizer on real processes (root: /proc/PID/map_files): a C program and its shared library built here,
// symbolized from the addresses it prints of its own functions; the same after its binary is deleted and replaced,
// and after it exits (remembered); Node with --perf-basic-prof, a JS function and a TypeScript one through its
// source map; a kernel function from /proc/kallsyms.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { type ChildProcess, spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildSync } from "esbuild";
import { createSymbolizer } from "../../runtime/symbols/index.ts";
import { kernelTest } from "../support/kernel.ts";
import { skip } from "../support/skip.ts";
import { buildProgram, hasGcc } from "../support/symbols-build.ts";
import { waitFor } from "../support/wait.ts";

/** Starts `cmd`, returns it and its first line of output (the addresses it prints). */
async function started(cmd: string, args: string[]): Promise<{ child: ChildProcess; line: string }> {
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  await waitFor(() => out.includes("\n"), `${cmd} to print its addresses`);
  return { child, line: out.split("\n")[0]! };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGKILL");
  await exited;
}

const addresses = (line: string) => line.trim().split(" ").map((a) => BigInt(a));

kernelTest(test, "a running PIE and its shared library: main, a static function, the library's static function", async () => {
  if (!hasGcc()) return skip("gcc is not installed");
  const b = buildProgram({ pie: true });
  const { child, line } = await started(b.exe, []);
  try {
    const [main, local, inner] = addresses(line);
    const frames = createSymbolizer().user(child.pid!, [main! + 4n, local!, inner! + 3n]);
    assert.equal(frames.map((f) => [f.symbol, f.offset, f.module]), [["main", 4n, b.exe], ["local_fn", 0n, b.exe], ["spin_inner", 3n, b.lib]]);
  } finally {
    await stop(child);
    rmSync(b.dir, { recursive: true, force: true });
  }
});

kernelTest(test, "a binary deleted and replaced while running: the mapped file is read, not the new one", async () => {
  if (!hasGcc()) return skip("gcc is not installed");
  const b = buildProgram({ pie: true });
  const exe = join(b.dir, "copy");
  copyFileSync(b.exe, exe);
  const { child, line } = await started(exe, ["local"]);
  try {
    rmSync(exe);
    writeFileSync(`${exe}.new`, readFileSync("/bin/true"));
    renameSync(`${exe}.new`, exe);
    const [main] = addresses(line);
    const [f] = createSymbolizer().user(child.pid!, [main! + 1n]);
    assert.equal([f!.symbol, f!.offset, f!.module], ["main", 1n, exe]);
  } finally {
    await stop(child);
    rmSync(b.dir, { recursive: true, force: true });
  }
});

kernelTest(test, "a process that exited: symbolized after remember(), unknown without", async () => {
  if (!hasGcc()) return skip("gcc is not installed");
  const b = buildProgram({ pie: true });
  const { child, line } = await started(b.exe, []);
  const remembered = createSymbolizer(), forgetful = createSymbolizer();
  remembered.remember(child.pid!);
  await stop(child);
  try {
    const [main, , inner] = addresses(line);
    assert.equal(remembered.user(child.pid!, [main!, inner!]).map((f) => f.symbol), ["main", "spin_inner"]);
    assert.equal(forgetful.user(child.pid!, [main!, inner!]).map((f) => f.symbol), [undefined, undefined]);
  } finally {
    rmSync(b.dir, { recursive: true, force: true });
  }
});

/** Runs a Node script with --perf-basic-prof until its perf map names `fn`; returns the entry's address. */
async function nodeJit(script: string, fn: string): Promise<{ child: ChildProcess; address: bigint; map: string }> {
  const { child } = await started(process.execPath, ["--perf-basic-prof", script]);
  const map = `/tmp/perf-${child.pid}.map`;
  let entry: string | undefined;
  await waitFor(() => {
    try {
      entry = readFileSync(map, "utf8").split("\n").find((l) => new RegExp(`^\\S+ \\S+ JS:\\*${fn} `).test(l));
    } catch {
      entry = undefined;
    }
    return entry !== undefined;
  }, `V8 to optimise ${fn} and name it in ${map}`, 30_000);
  return { child, address: BigInt(`0x${entry!.split(" ")[0]}`) + 2n, map };
}

const BUSY = (fn: string) => `function ${fn}(n: number): number { return n < 2 ? n : ${fn}(n - 1) + ${fn}(n - 2); }
console.log(process.pid);
let x = 0;
setInterval(() => { x += ${fn}(18); }, 1);
`;

kernelTest(test, "Node with --perf-basic-prof: a JS function's optimised code named from the perf map", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tsbpf-jit-"));
  const script = join(dir, "busy.js");
  writeFileSync(script, BUSY("busyFib").replace(/: number/g, ""));
  const { child, address, map } = await nodeJit(script, "busyFib");
  try {
    const [f] = createSymbolizer().user(child.pid!, [address]);
    assert.equal([f!.symbol, f!.offset, f!.module, f!.origin, f!.source?.file, f!.source?.line], ["busyFib", 2n, "[jit]", "jit", script, 1]);
  } finally {
    await stop(child);
    rmSync(map, { force: true });
    rmSync(dir, { recursive: true, force: true });
  }
});

kernelTest(test, "Node running esbuild's output of a TypeScript file: the frame's source is the .ts file and line", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tsbpf-jit-ts-"));
  const ts = join(dir, "busy.ts"), js = join(dir, "busy.js");
  writeFileSync(ts, `// a comment that shifts lines\n\ninterface Unused { a: number }\n${BUSY("tsFib")}`);
  buildSync({ entryPoints: [ts], outfile: js, sourcemap: true, logLevel: "silent" });
  const { child, address, map } = await nodeJit(js, "tsFib");
  try {
    const s = createSymbolizer();
    s.remember(child.pid!);
    await stop(child);
    const [f] = s.user(child.pid!, [address]);
    assert.equal([f!.symbol, f!.origin, f!.source?.file, f!.source?.line], ["tsFib", "jit", ts, 4]);
  } finally {
    await stop(child);
    rmSync(map, { force: true });
    rmSync(dir, { recursive: true, force: true });
  }
});

kernelTest(test, "a kernel function's address from /proc/kallsyms resolves back to it, with an offset", () => {
  const line = readFileSync("/proc/kallsyms", "utf8").split("\n").find((l) => / [Tt] vfs_read$/.test(l));
  if (!line) return skip("vfs_read is not in /proc/kallsyms");
  const address = BigInt(`0x${line.split(" ")[0]}`);
  assert.ok(address !== 0n, "kallsyms addresses are hidden (kptr_restrict)");
  const [f, g] = createSymbolizer().kernel([address + 5n, address]);
  assert.equal([f!.symbol, f!.offset, f!.module, f!.origin], ["vfs_read", 5n, undefined, "kernel"]);
  assert.equal([g!.symbol, g!.offset], ["vfs_read", 0n]);
});

test.run();
