// The C fixtures of test/fixtures/clang/ built as a libbpf user builds them: vmlinux.h dumped from the running
// kernel's BTF by bpftool into a temporary directory, then `clang -O2 -g -target bpf -D__TARGET_ARCH_x86 -c` for
// each (built objects are never committed). Built once per process; the directory is removed at exit.

import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const FIXTURES = join(root, "test/fixtures/clang");

/** Built objects by fixture name (`getppid-count`), or why they cannot be built here. */
export type ClangObjects = { readonly ok: true; readonly dir: string; object(name: string): string } | { readonly ok: false; readonly reason: string };

/** The fixtures, by name (test/fixtures/clang/<name>.bpf.c). */
export const CLANG_FIXTURES = ["getppid-count", "core-parent", "globals", "core-missing", "execsnoop", "exitsnoop"] as const;

let built: ClangObjects | undefined;

const which = (cmd: string) => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;

/** clang's -target bpf does not search the multiarch include directory that has <asm/types.h>. */
function multiarchInclude(): string[] {
  const arch = process.arch === "arm64" ? "aarch64-linux-gnu" : "x86_64-linux-gnu";
  return existsSync(`/usr/include/${arch}`) ? ["-I", `/usr/include/${arch}`] : [];
}

/** Compiles C source `text` (or fixture `name`.bpf.c) into `dir`/`name`.bpf.o; throws with clang's error. */
export function compileBpf(dir: string, name: string, text?: string): string {
  const src = text === undefined ? join(FIXTURES, `${name}.bpf.c`) : join(dir, `${name}.bpf.c`);
  if (text !== undefined) writeFileSync(src, text);
  const obj = join(dir, `${name}.bpf.o`);
  const arch = process.arch === "arm64" ? "arm64" : "x86";
  const cc = spawnSync("clang", ["-O2", "-g", "-target", "bpf", `-D__TARGET_ARCH_${arch}`, "-I", dir, ...multiarchInclude(), "-c", src, "-o", obj], { encoding: "utf8" });
  if (cc.status !== 0) throw new Error(`clang ${name}.bpf.c failed:\n${cc.stderr}`);
  return obj;
}

/** Builds every fixture (once per process). */
export function clangObjects(): ClangObjects {
  if (built) return built;
  if (!which("clang")) return (built = { ok: false, reason: "clang is not installed" });
  if (!which("bpftool")) return (built = { ok: false, reason: "bpftool is not installed (it writes vmlinux.h)" });
  if (!existsSync("/usr/include/bpf/bpf_helpers.h")) return (built = { ok: false, reason: "libbpf-dev is not installed (<bpf/bpf_helpers.h>)" });
  if (!existsSync("/sys/kernel/btf/vmlinux")) return (built = { ok: false, reason: "this kernel has no BTF (/sys/kernel/btf/vmlinux) to write vmlinux.h from" });
  const dir = mkdtempSync(join(tmpdir(), "tsbpf-clang-"));
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  const h = spawnSync("bpftool", ["btf", "dump", "file", "/sys/kernel/btf/vmlinux", "format", "c"], { encoding: "utf8", maxBuffer: 64 << 20 });
  if (h.status !== 0) throw new Error(`bpftool btf dump failed: ${h.stderr}`);
  writeFileSync(join(dir, "vmlinux.h"), h.stdout);
  for (const name of CLANG_FIXTURES) compileBpf(dir, name);
  return (built = { ok: true, dir, object: (name) => join(dir, `${name}.bpf.o`) });
}
