// A clang-built libbpf object's bytes in (`tsbpf run x.bpf.o`, `load("x.bpf.o")`); its CollectionSpec out, with its
// CO-RE relocations resolved against the running kernel's BTF, read here, just before the loader creates and loads
// what the spec describes (core/object/elf/read-object.ts does the conversion, without syscalls).

import { readFileSync } from "node:fs";
import { release } from "node:os";
import { type Btf, parseBtf } from "../../core/object/btf/index.ts";
import { libbpfObjectSpec } from "../../core/object/elf/read-object.ts";
import type { CollectionSpec } from "../../core/object/spec.ts";
import { BpfError } from "./errors.ts";
import { VMLINUX_BTF } from "./kernel.ts";

export { LibbpfObjectError } from "../../core/object/elf/read-object.ts";
export { isElf } from "../../core/object/elf/read.ts";

/** The running kernel's BTF, or a BpfError saying that CO-RE relocations need it. */
function runningKernelBtf(): Btf {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(VMLINUX_BTF);
  } catch {
    throw new BpfError(`this kernel has no BTF (${VMLINUX_BTF} is missing), which the object's CO-RE relocations are resolved against`,
      "relocate the object", "run it on a kernel built with CONFIG_DEBUG_INFO_BTF (5.4+)");
  }
  return parseBtf(bytes);
}

/**
 * The spec of the libbpf object `bytes` (read from `file`), relocated for the running kernel (`btf` overrides its BTF).
 * Throws LibbpfObjectError for what the object holds that cannot be loaded.
 */
export function libbpfObject(bytes: Uint8Array, file: string, btf?: Btf): CollectionSpec {
  return libbpfObjectSpec(bytes, { file, kernelBtf: btf ?? runningKernelBtf, kernel: release() });
}
