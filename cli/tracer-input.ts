// What `tsbpf run` and `tsbpf serve` start from: a tracer file's bytes in; its compiled collection out, and its user
// side (main, format) as one bundled module when it has one. A compiled tracer (.tsbpf) is decoded without loading the
// compiler, an ELF file is read as a clang-built libbpf object, and TypeScript is compiled through the cache, its
// diagnostics printed (a one-liner's named -e).

import { release } from "node:os";
import { resolve } from "node:path";
import { ArtifactError, decodeArtifact, isArtifactPath, looksLikeArtifact } from "../core/object/artifact.ts";
import { isElf } from "../core/object/elf/read.ts";
import type { CollectionSpec } from "../core/object/spec.ts";
import { CliError } from "./args.ts";
import { useColor } from "./report.ts";

/** The user side of the tracer at `origin`, bundled; what esbuild could not resolve or parse is the run's error. */
async function bundled(command: string, file: string, origin: string): Promise<string> {
  const { bundleUserSide, UserSideError } = await import("../compiler/user-bundle.ts");
  try {
    return await bundleUserSide(origin);
  } catch (e) {
    if (!(e instanceof UserSideError)) throw e;
    throw new CliError(command, `the user side of ${file} (main, format and what they import) cannot be bundled:\n${e.message}\n  hint: install what the tracer imports (npm install in its project)`, 1);
  }
}

/** What a run starts from: the compiled collection, and the module's user side when it has one. */
export interface TracerInput {
  readonly spec: CollectionSpec;
  /** The user side as one ES module (runtime/user/module.ts imports it). */
  readonly userSide?: () => Promise<string>;
  /** The file the user side's CommonJS parts resolve from. */
  readonly origin: string;
}

export interface InputOptions {
  /** Use the compile cache (false: --no-cache). */
  readonly cache: boolean;
  readonly log: (s: string) => void;
  /** Say how long reading or compiling took. */
  readonly verbose: boolean;
  /** The one-liner (-e) written to `file`: its diagnostics name it -e. */
  readonly oneLiner?: { readonly file: string; readonly program: string };
}

/**
 * A compiled tracer (.tsbpf, or any file that is one) is read and checked, and nothing of the compiler is
 * loaded; TypeScript is compiled (through the cache) and its user side bundled. An exit code when it does not compile.
 * What is wrong with the file is a CliError of `command`.
 */
export async function tracerInput(command: string, file: string, bytes: Buffer, o: InputOptions): Promise<TracerInput | number> {
  const { cache, log, verbose, oneLiner } = o;
  const origin = resolve(file);
  // An ELF file is a libbpf object, unless its name says it is a compiled tracer (then decoding says what is wrong).
  if (isElf(bytes) && !isArtifactPath(file)) return { spec: await libbpfObjectInput(command, file, bytes, log, verbose), origin };
  if (isArtifactPath(file) || looksLikeArtifact(bytes)) {
    const t0 = performance.now();
    let a;
    try {
      a = decodeArtifact(bytes, file);
    } catch (e) {
      if (e instanceof ArtifactError) throw new CliError(command, e.message);
      throw e;
    }
    if (verbose) log(`read ${file} (compiled from ${a.source} by ${a.producer} on Linux ${a.builtOn.kernel}) in ${(performance.now() - t0).toFixed(0)} ms`);
    if (a.builtOn.kernel !== release() && a.spec.programs.some((p) => p.attach.kind === "tp_btf")) {
      log(`note: ${file} was compiled on Linux ${a.builtOn.kernel}; its tpBtf handlers read their arguments as that kernel declares them (this is ${release()})`);
    }
    const code = a.userSide?.module;
    return { spec: a.spec, ...(code !== undefined ? { userSide: async () => code } : {}), origin };
  }
  const { compileCached } = await import("../compiler/cache.ts");
  const c = await compileCached(file, { cache });
  if (c.diagnostics.length) {
    const { formatDiagnostics } = await import("../compiler/diagnostics.ts");
    const { ONE_LINER_NAME, oneLinerDiagnostics } = await import("./one-liner.ts");
    const abs = resolve(file);
    const named = oneLiner && file === oneLiner.file ? oneLinerDiagnostics(c.diagnostics, file, oneLiner.program) : c.diagnostics;
    process.stderr.write(formatDiagnostics(named, (f) => c.sources(f === ONE_LINER_NAME ? abs : f), useColor(process.stderr)));
  }
  if (!c.spec) return 1;
  if (verbose) log(`compiled in ${c.ms.toFixed(0)} ms${c.cached ? " (cached)" : ""}`);
  return {
    spec: c.spec,
    ...(c.spec.userSide ? { userSide: () => bundled(command, file, origin) } : {}),
    origin,
  };
}

/** A clang-built libbpf object, relocated for this kernel; what it holds that tsbpf cannot load is bad input (exit 2). */
async function libbpfObjectInput(command: string, file: string, bytes: Buffer, log: (s: string) => void, verbose: boolean): Promise<CollectionSpec> {
  const t0 = performance.now();
  const { libbpfObject, LibbpfObjectError } = await import("../runtime/kernel/libbpf-object.ts");
  try {
    const spec = libbpfObject(bytes, file);
    if (verbose) log(`read the BPF object ${file} (${spec.programs.length} programs, ${spec.maps.length} maps) in ${(performance.now() - t0).toFixed(0)} ms`);
    return spec;
  } catch (e) {
    if (e instanceof LibbpfObjectError) throw new CliError(command, `${e.message}${e.hint ? `; hint: ${e.hint}` : ""}`);
    throw e;
  }
}
