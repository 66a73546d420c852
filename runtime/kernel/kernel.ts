// The kernel context passed to everything that touches the running kernel: the syscall seam plus lazily found
// tracefs, lazily parsed vmlinux BTF, and cached feature probes. One per process is typical; no module state.

import { readFileSync } from "node:fs";
import { type Btf, VMLINUX_BTF, kernelBtfPath, parseBtf } from "../../core/object/btf/index.ts";
import { BpfError } from "./errors.ts";
import { type Sys, linuxSys } from "./sys.ts";
import { Tracefs } from "./tracefs.ts";

export { VMLINUX_BTF };

/** Replacements for what is otherwise read from the running system (tests use fakes). */
export interface KernelOptions {
  readonly tracefs?: Tracefs;
  readonly btf?: Btf;
  readonly eventSourceRoot?: string;
}

export class Kernel {
  private tracefsValue: Tracefs | undefined;
  private btfValue: Btf | undefined;
  private externalBtf: { readonly file: string; readonly btf: Btf } | undefined;
  private readonly features = new Map<string, unknown>();
  private counter = 0;

  constructor(readonly sys: Sys, private readonly options: KernelOptions = {}) {
    this.tracefsValue = options.tracefs;
    this.btfValue = options.btf;
  }

  /** Where dynamic PMUs are described (kprobe, uprobe): /sys/bus/event_source/devices. */
  get eventSourceRoot(): string {
    return this.options.eventSourceRoot ?? "/sys/bus/event_source/devices";
  }

  static async open(): Promise<Kernel> {
    return new Kernel(await linuxSys());
  }

  /** tracefs, mounted on first use if the process may (root) and it is not. */
  get tracefs(): Tracefs {
    this.tracefsValue ??= Tracefs.locate(this.sys.mount ? (target) => this.sys.mount!("nodev", target, "tracefs") : undefined);
    return this.tracefsValue;
  }

  /** The running kernel's BTF (/sys/kernel/btf/vmlinux, 5.4+ with CONFIG_DEBUG_INFO_BTF). */
  get btf(): Btf {
    if (!this.btfValue) {
      let bytes: Uint8Array;
      try {
        bytes = readFileSync(VMLINUX_BTF);
      } catch {
        throw new BpfError(`this kernel has no BTF (${VMLINUX_BTF} is missing)`, "read kernel BTF",
          "tp_btf, fentry and fexit need a kernel built with CONFIG_DEBUG_INFO_BTF (5.4+); use tracepoint or raw_tracepoint probes instead");
      }
      this.btfValue = parseBtf(bytes);
    }
    return this.btfValue;
  }

  /**
   * The BTF kernel struct offsets come from (CO-RE): the kernel's, or the file `--btf FILE` names (TSBPF_BTF) for a
   * kernel built without BTF.
   */
  get relocationBtf(): Btf {
    const file = kernelBtfPath();
    if (file === VMLINUX_BTF) return this.btf;
    if (!this.externalBtf || this.externalBtf.file !== file) {
      let bytes: Uint8Array;
      try {
        bytes = readFileSync(file);
      } catch (e) {
        throw new BpfError(`cannot read ${file} (--btf): ${(e as Error).message}`, "read kernel BTF", "give --btf a readable BTF file of this kernel");
      }
      this.externalBtf = { file, btf: parseBtf(bytes) };
    }
    return this.externalBtf.btf;
  }

  /** A name unique in this process, for tracefs probe events: `<prefix><pid>_<n>`. */
  uniqueName(prefix: string): string {
    return `${prefix}${process.pid}_${++this.counter}`;
  }

  /** Runs `probe` once and caches its result (feature probes). */
  feature<T>(name: string, probe: () => T): T {
    if (!this.features.has(name)) this.features.set(name, probe());
    return this.features.get(name) as T;
  }
}
