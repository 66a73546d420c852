// `tsbpf build file.ts [--emit summary|asm|spec|ir|tsbpf|object] [-o out]`: checks and compiles a tracer; prints a
// summary, the disassembly interleaved with the TypeScript lines, the compiled collection as JSON, or the IR; or writes
// the compiled tracer (`-o tool.tsbpf`, core/object/artifact.ts) that `tsbpf run` and load() use without the compiler,
// or a libbpf object (`-o tool.bpf.o`, core/object/elf/write-bpf.ts). Exit 1 on errors.

import { readFileSync, writeFileSync } from "node:fs";
import { arch, release } from "node:os";
import { basename, isAbsolute, relative, resolve, sep } from "node:path";
import * as z from "../core/zod.ts";
import { type Instruction, disassemble } from "../core/asm/index.ts";
import { encodeArtifact, isArtifactPath } from "../core/object/artifact.ts";
import { type Btf, kernelBtfPath, parseBtf } from "../core/object/btf/index.ts";
import { BpfObjectError, writeBpfObject } from "../core/object/elf/write-bpf.ts";
import type { CollectionSpec } from "../core/object/spec.ts";
import { PACKAGE_VERSION } from "../compiler/paths.ts";
import { storeCompiled } from "../compiler/cache.ts";
import { formatDiagnostics } from "../compiler/diagnostics.ts";
import { resolveBinary } from "../runtime/kernel/libs.ts";
import { Tracefs } from "../runtime/kernel/tracefs.ts";
import { CliError, parseCommandArgs, usageHint } from "./args.ts";
import { checkTracerFile, fileProblem } from "./input.ts";
import { useColor } from "./report.ts";

const Options = z.object({
  emit: z.optional(z.enum(["summary", "asm", "spec", "ir", "tsbpf", "object"])),
  out: z.optional(z.string()),
});

const USAGE = `usage: tsbpf build <file.ts> [--emit summary|asm|spec|ir|tsbpf|object] [-o out]

Checks and compiles a tracer without loading it.
  --emit     what to print: a summary (default), the disassembly with the TypeScript lines (asm), the compiled
             collection as JSON (spec), the IR, the compiled tracer (tsbpf: the default for -o x.tsbpf), or a
             libbpf ELF object (object: the default for -o x.o, and only with -o)
  -o, --out  write it to this file instead of standard output

A compiled tracer runs without the TypeScript compiler, on this machine or another (docs/tsbpf-format.md):
  tsbpf build tool.ts -o tool.tsbpf && tsbpf run tool.tsbpf
An object is for libbpf tools: bpftool prog loadall, bpftool gen skeleton (docs/elf-objects.md):
  tsbpf build tool.ts -o tool.bpf.o
`;

export async function buildCommand(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs("build", argv, { emit: { type: "string" }, out: { type: "string", short: "o" } }, USAGE);
  if (typeof parsed === "number") return parsed;
  const { help: _, ...values } = parsed.values;
  const opts = Options.safeParse(values);
  if (!opts.success) {
    const issue = opts.error.issues[0]!;
    throw new CliError("build", `--${issue.path.join(".")}: ${issue.message}; ${usageHint("build")}`);
  }
  const [file, extra] = parsed.positionals;
  if (!file) throw new CliError("build", `no tracer file given; ${usageHint("build")}`);
  if (extra !== undefined) throw new CliError("build", `unexpected argument ${extra}; ${usageHint("build")}`);
  checkTracerFile("build", file);
  const emit = opts.data.emit ?? (opts.data.out && isArtifactPath(opts.data.out) ? "tsbpf" : opts.data.out?.endsWith(".o") ? "object" : "summary");
  if (emit === "object" && !opts.data.out) throw new CliError("build", `--emit object writes a binary file: give it with -o tool.bpf.o; ${usageHint("build")}`);
  const { compile } = await import("../compiler/index.ts");
  const t0 = performance.now();
  const r = compile(file);
  const ms = performance.now() - t0;
  if (r.diagnostics.length) process.stderr.write(formatDiagnostics(r.diagnostics, r.sources, useColor(process.stderr)));
  if (!r.spec) return 1;
  // The next `tsbpf run` (or load()) of this file starts from the cache instead of compiling again.
  storeCompiled(file, r.spec);
  let text: string | Uint8Array;
  switch (emit) {
    case "object":
      text = objectOf(r.spec);
      break;
    case "tsbpf":
      text = await artifactOf(file, r.spec);
      break;
    case "spec":
      text = JSON.stringify(r.spec, null, 2) + "\n";
      break;
    case "asm":
      text = renderAsm(r.spec, process.cwd());
      break;
    case "ir": {
      const { printFunc } = await import("../compiler/ir/print.ts");
      text = r.programs.flatMap((p) => p.funcs.map(printFunc)).join("\n\n") + "\n";
      break;
    }
    default:
      text = [
        `compiled ${file} in ${ms.toFixed(0)} ms`,
        ...r.spec.programs.map((p) => `  program ${p.name}: ${p.type}, ${p.instructions.length} instructions`),
        ...r.spec.maps.map((m) => `  map ${m.name}: ${m.type}, key ${m.keySize} B, value ${m.valueSize} B, ${m.maxEntries} entries${m.exported ? ", exported" : ""}`),
      ].join("\n") + "\n";
  }
  if (opts.data.out) {
    try {
      writeFileSync(opts.data.out, text);
    } catch (e) {
      throw new CliError("build", fileProblem(opts.data.out, e, "write"));
    }
  } else process.stdout.write(text);
  return 0;
}

/** The compiled tracer file of `file`: its spec, and its user side bundled when the module exports main or format. */
async function artifactOf(file: string, spec: CollectionSpec): Promise<string> {
  let userSide: { module: string } | undefined;
  if (spec.userSide) {
    const { bundleUserSide, UserSideError } = await import("../compiler/user-bundle.ts");
    try {
      userSide = { module: await bundleUserSide(resolve(file)) };
    } catch (e) {
      if (!(e instanceof UserSideError)) throw e;
      throw new CliError("build", `the user side of ${file} (main, format and what they import) cannot be bundled:\n${e.message}`, 1);
    }
  }
  return encodeArtifact({ producer: `tsbpf ${PACKAGE_VERSION}`, source: basename(file), builtOn: { kernel: release(), arch: arch() }, spec, ...(userSide ? { userSide } : {}) });
}

/** The libbpf object of `spec`; what it cannot carry is noted on stderr, what it cannot express refused. */
function objectOf(spec: CollectionSpec): Uint8Array {
  let tracefs: Tracefs | null | undefined;
  let btf: Btf | undefined;
  try {
    const { bytes, notes } = writeBpfObject(spec, {
      tracepointField: (tracepoint, field) => {
        if (tracefs === null) return undefined;
        try {
          tracefs ??= Tracefs.locate();
          const [category, name] = tracepoint.split("/");
          return tracefs.format(category!, name!).fields.find((f) => f.name === field)?.offset;
        } catch {
          tracefs = null;
          return undefined;
        }
      },
      // A library by its file name (libc.so.6), which libbpf finds in the library directories on any machine; a
      // program by its path here.
      uprobeTarget: (target) => {
        try {
          const path = resolveBinary(target);
          return basename(path).includes(".so") ? basename(path) : path;
        } catch {
          return undefined;
        }
      },
      kernelBtf: () => {
        try {
          return (btf ??= parseBtf(readFileSync(kernelBtfPath())));
        } catch {
          return undefined;
        }
      },
    });
    for (const n of notes) process.stderr.write(`tsbpf build: note: ${n}\n`);
    return bytes;
  } catch (e) {
    if (e instanceof BpfObjectError) throw new CliError("build", `cannot write a libbpf object: ${e.message}`);
    throw e;
  }
}

/**
 * What `--emit asm` prints: each program's disassembly with slot indices and `; <source>  (file:line)` lines. A
 * source file inside `root` is named relative to it (as tsc names files under the working directory), one outside
 * by its absolute path. The golden snapshots (test/compiler/golden.test.ts) are this text with the repository as root.
 */
export function renderAsm(spec: CollectionSpec, root: string): string {
  const header = (p: CollectionSpec["programs"][number]) => `; program ${p.name} (${p.type}, ${p.instructions.length} instructions)`;
  return spec.programs.map((p) => `${header(p)}\n${disassemble(p.instructions.map((i) => relativeSpan(i, root)), { indices: true })}`).join("\n");
}

/** The instruction with its span's file named relative to `root` when it lies inside it. */
function relativeSpan(ins: Instruction, root: string): Instruction {
  const span = ins.meta?.span;
  if (!span) return ins;
  const rel = relative(root, span.file);
  if (rel === "" || rel === ".." || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return ins;
  return { ...ins, meta: { ...ins.meta, span: { ...span, file: rel.split(sep).join("/") } } };
}
