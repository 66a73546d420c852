// Where the kernel's BTF is read from: /sys/kernel/btf/vmlinux, or the file named by `--btf FILE` (the TSBPF_BTF
// environment variable, which the CLI sets), as BTFHub provides for kernels built without CONFIG_DEBUG_INFO_BTF.
// Kernel struct field offsets (CO-RE relocations, at load and in the VM) and compile-time kernel types read it;
// attaching fentry, fexit and tp_btf needs the kernel's own BTF (its type ids), which an external file cannot give.

import { closeSync, openSync, readSync } from "node:fs";
import { release } from "node:os";
import { BTF_MAGIC } from "./types.ts";

export const VMLINUX_BTF = "/sys/kernel/btf/vmlinux";

/** The BTF file that kernel struct offsets come from. */
export function kernelBtfPath(): string {
  return process.env.TSBPF_BTF || VMLINUX_BTF;
}

/** How error messages name that BTF: "Linux 6.18.44's BTF", or the external file. */
export function kernelBtfName(): string {
  const external = process.env.TSBPF_BTF;
  return external ? `the BTF of ${external} (--btf)` : `Linux ${release()}'s BTF`;
}

/** Why `path` cannot serve as `--btf FILE` (unreadable, or not raw BTF), or undefined when it can. */
export function btfFileProblem(path: string): string | undefined {
  // Two bytes say it: a BTF file is megabytes, and a wrong path may name something far larger.
  const head = new Uint8Array(2);
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    if (readSync(fd, head, 0, 2, 0) < 2) head.fill(0);
  } catch (e) {
    const code = (e as { code?: string }).code;
    return code === "ENOENT" ? `${path} does not exist` : code === "EISDIR" ? `${path} is a directory` : `${path} cannot be read (${code ?? (e as Error).message})`;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  if ((head[0]! | (head[1]! << 8)) !== BTF_MAGIC) {
    return `${path} is not a BTF file (raw BTF starts with 0x${BTF_MAGIC.toString(16)}: a vmlinux BTF dump, as BTFHub ships or \`bpftool btf dump file X format raw\` reads)`;
  }
  return undefined;
}
