// `npm run bench -- xlated`: the instructions the kernel keeps (BPF_OBJ_GET_INFO_BY_FD's xlated_prog_len / 8,
// after the verifier removed dead code and rewrote helpers) of each program of samples/execsnoop.ts and
// samples/exitsnoop.ts, next to their C CO-RE equivalents (test/fixtures/clang/*.bpf.c, clang -O2 -g) loaded by
// tsbpf's object loader and by libbpf (bpftool prog loadall), programs not attached. Printed, never asserted.

import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync, rmSync } from "node:fs";
import { release } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { encode } from "../core/asm/index.ts";
import type { CollectionSpec } from "../core/object/spec.ts";
import { Collection } from "../runtime/kernel/collection.ts";
import { Kernel } from "../runtime/kernel/kernel.ts";
import { libbpfObject } from "../runtime/kernel/libbpf-object.ts";
import { clangObjects } from "../test/support/clang-objects.ts";
import { kernel } from "../test/support/kernel.ts";
import { firstLine, ratio, which } from "./util.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const SAMPLES = ["execsnoop", "exitsnoop"] as const;

/** Per program name: instruction slots emitted (lddw = 2) and kept by the kernel. */
type Counts = Map<string, { readonly emitted: number; readonly loaded: number }>;

async function loadSpec(k: Kernel, spec: CollectionSpec): Promise<Counts> {
  const out: Counts = new Map();
  const c = await Collection.load(spec, { kernel: k, attach: false });
  try {
    for (const p of spec.programs) out.set(p.name, { emitted: encode(p.instructions).length / 8, loaded: c.program(p.name).info().xlatedLength / 8 });
  } finally {
    c.dispose();
  }
  return out;
}

/** The object loaded by libbpf (bpftool prog loadall pins each program under its function name), unpinned after. */
function loadLibbpf(object: string, sample: string): Map<string, number> {
  const pins = `/sys/fs/bpf/tsbpf_xlated_${sample}`;
  rmSync(pins, { recursive: true, force: true });
  const out = new Map<string, number>();
  try {
    const load = spawnSync("bpftool", ["prog", "loadall", object, pins], { encoding: "utf8" });
    if (load.status !== 0) throw new Error(`bpftool prog loadall failed: ${`${load.stdout}${load.stderr}`.trim().slice(-800)}`);
    for (const name of readdirSync(pins)) {
      const show = spawnSync("bpftool", ["-j", "prog", "show", "pinned", join(pins, name)], { encoding: "utf8" });
      if (show.status !== 0) throw new Error(`bpftool prog show failed: ${show.stderr.trim()}`);
      out.set(name, (JSON.parse(show.stdout) as { bytes_xlated: number }).bytes_xlated / 8);
    }
  } finally {
    rmSync(pins, { recursive: true, force: true });
  }
  return out;
}

export async function benchXlated(): Promise<void> {
  console.log(`xlated: instructions kept by the kernel (xlated_prog_len / 8; "emitted": slots produced, lddw = 2), programs not attached; Linux ${release()}`);
  const k0 = await kernel();
  if (!k0.ok) return void console.log(`xlated:   skipped (${k0.reason})`);
  const objects = clangObjects();
  if (!objects.ok) return void console.log(`xlated:   skipped (${objects.reason})`);
  const libbpf = which("bpftool") !== undefined;
  console.log(`xlated:   C: ${firstLine("clang", ["--version"])}, clang -O2 -g -target bpf; libbpf: ${libbpf ? firstLine("bpftool", ["version"]) : "bpftool not installed"}`);
  const k = new Kernel(k0.sys);
  const { compile } = await import("../compiler/index.ts");
  const row = (cells: readonly (string | number)[]) => console.log(`xlated:   ${cells.map((c, i) => (i < 2 ? String(c).padEnd(18) : String(c).padStart(12))).join(" ")}`);
  row(["sample", "program", "tsbpf emitted", "tsbpf loaded", "C emitted", "C loaded", "C by libbpf", "tsbpf/C"]);
  for (const s of SAMPLES) {
    const c = await compile(join(ROOT, "samples", `${s}.ts`));
    if (!c.spec) throw new Error(`samples/${s}.ts does not compile`);
    const ours = await loadSpec(k, c.spec);
    const object = objects.object(s);
    const theirs = await loadSpec(k, libbpfObject(readFileSync(object), object, k.btf));
    const reference = libbpf ? loadLibbpf(object, s) : new Map<string, number>();
    for (const [name, o] of ours) {
      const t = theirs.get(name);
      row([s, name, o.emitted, o.loaded, t?.emitted ?? "-", t?.loaded ?? "-", reference.get(name) ?? "-", t ? ratio(o.loaded, t.loaded) : "-"]);
    }
  }
}
