// `npm run gen:kernel`: the running kernel's BTF in, stdlib-types/kernel.d.ts written out: the kernel types tracers
// read most (KERNEL_TYPES and what they embed), declared for the editor and the checker, where `bpf.currentTask()`
// and typed fentry/kprobe arguments get their fields. A generated, committed file, as tracepoints.d.ts is.

import { readFileSync, writeFileSync } from "node:fs";
import { release } from "node:os";
import { join, relative } from "node:path";
import { parseBtf } from "../../core/object/btf/index.ts";
import { STDLIB_DIR } from "../paths.ts";
import { KERNEL_TYPES, generateBtfDeclarations } from "./btf-types.ts";

const target = join(STDLIB_DIR, "kernel.d.ts");
const btf = parseBtf(readFileSync("/sys/kernel/btf/vmlinux"));
const r = generateBtfDeclarations(btf, { types: KERNEL_TYPES, source: `Linux ${release()}`, importFrom: "./index.js", command: "npm run gen:kernel" });
if (r.missing.length) console.warn(`this kernel has no ${r.missing.join(", ")}`);
writeFileSync(target, r.text);
console.log(`wrote ${relative(process.cwd(), target)} (${r.count} declarations)`);
