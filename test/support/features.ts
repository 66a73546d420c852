// Kernel feature probes for tests that need root and bpf(): a feature name in, why it is missing (or undefined) out.
// They load the smallest program that needs the feature straight through Program.load, not through Collection,
// whose explanations are what the tests check.

import { Exit, Mov, R0 } from "../../core/asm/index.ts";
import { ATTACH_TYPES } from "../../core/object/spec.ts";
import { Kernel } from "../../runtime/kernel/kernel.ts";
import { Program } from "../../runtime/kernel/programs.ts";
import { SysError } from "../../runtime/kernel/sys.ts";
import { BpfError } from "../../runtime/kernel/errors.ts";
import { kernel } from "./kernel.ts";

/** fentry needs BPF trampolines: a TRACING program against a kernel function loads only where the kernel can build one. */
export async function probeFentry(): Promise<string | undefined> {
  const k = await kernel();
  if (!k.ok) return `cannot probe without bpf(): ${k.reason}`;
  const kern = new Kernel(k.sys);
  const fn = kern.btf.findByName("do_sys_openat2", "func")[0];
  if (!fn) return "vmlinux BTF has no do_sys_openat2 to probe with";
  try {
    const p = Program.load(k.sys, {
      name: "probe_fentry", type: "tracing", expectedAttachType: ATTACH_TYPES.trace_fentry,
      attach: { kind: "fentry", function: "do_sys_openat2" }, instructions: [Mov.imm(R0, 0), Exit()], license: "GPL",
    }, { mapFd: () => undefined, attachBtfId: fn.id });
    p.close();
    return undefined;
  } catch (e) {
    if (e instanceof BpfError || e instanceof SysError) return `loading an fentry program fails: ${(e as Error).message}`;
    throw e;
  }
}
