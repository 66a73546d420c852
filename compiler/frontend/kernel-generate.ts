// `npm run gen:kernel`: the running kernel's BTF in, stdlib-types/kernel.d.ts and kernel-functions.d.ts written out:
// the kernel types tracers read most (KERNEL_TYPES and what they embed), and every kernel function whose prototype
// TypeScript can express, for the editor and the checker (`bpf.currentTask()`'s fields, typed fentry/kprobe
// arguments). Generated, committed files, as tracepoints.d.ts is.

import { readFileSync, writeFileSync } from "node:fs";
import { release } from "node:os";
import { join, relative } from "node:path";
import { parseBtf } from "../../core/object/btf/index.ts";
import { STDLIB_DIR } from "../paths.ts";
import { KERNEL_TYPES, generateBtfDeclarations } from "./btf-types.ts";
import { generateKernelFunctions } from "./kernel-functions.ts";

const btf = parseBtf(readFileSync("/sys/kernel/btf/vmlinux"));
const source = `Linux ${release()}`;
const types = generateBtfDeclarations(btf, { types: KERNEL_TYPES, source, importFrom: "./index.js", command: "npm run gen:kernel" });
if (types.missing.length) console.warn(`this kernel has no ${types.missing.join(", ")}`);
const functions = generateKernelFunctions(btf, types.structs, source);
for (const [name, text, what] of [
  ["kernel.d.ts", types.text, `${types.count} declarations`],
  ["kernel-functions.d.ts", functions.text, `${functions.count} functions; ${functions.skipped} left out`],
] as const) {
  const target = join(STDLIB_DIR, name);
  writeFileSync(target, text);
  console.log(`wrote ${relative(process.cwd(), target)} (${what}, ${(text.length / 1024).toFixed(0)} KiB)`);
}
