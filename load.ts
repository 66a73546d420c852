// `load()`, the programmatic API: a tracer's path (a .ts file, a compiled .tsbpf, or a clang-built libbpf object)
// and options in; the tracer compiled (through the compile cache), loaded, attached, with its maps as user-side
// objects, out. Importing this module loads neither the TypeScript compiler nor koffi: load() does, when called (and
// neither a cache hit, a .tsbpf file nor an object loads the compiler).

import { accessSync, closeSync, constants, openSync, readFileSync, readSync, statSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as z from "./core/zod.ts";
import type { Diagnostic } from "./compiler/diagnostics.ts";
import { ArtifactError, decodeArtifact, isArtifactPath } from "./core/object/artifact.ts";
import { isElf } from "./core/object/elf/read.ts";
import type { ParamValue } from "./core/object/params.ts";
import type { CollectionSpec } from "./core/object/spec.ts";
import { Tracer } from "./runtime/user/tracer.ts";
import type { AnyMap, TracerMaps } from "./stdlib-types/index.js";

const Options = z.strictObject({
  params: z.optional(z.record(z.string(), z.union([z.number(), z.bigint(), z.boolean()]))),
  cache: z.optional(z.boolean()),
  attach: z.optional(z.boolean()),
  /** Count only this process (all its threads; uprobes attach to it), as `tsbpf run -p` does. */
  pid: z.optional(z.number().check(z.int(), z.positive())),
});

export type LoadOptions = z.infer<typeof Options>;

/** The tracer did not compile: `diagnostics` says why, and the message shows them with code frames. */
export class CompileError extends Error {
  override readonly name = "CompileError";
  constructor(message: string, readonly diagnostics: readonly Diagnostic[]) {
    super(message);
  }
}

/** A loaded tracer whose exported maps have the types the module M declares them with. */
export type LoadedTracer<M> = Omit<Tracer, "maps"> & { readonly maps: TracerMaps<M> & Readonly<Record<string, AnyMap>> };

/**
 * Compiles (cached), loads and attaches the tracer at `path`; its maps are user-side objects on the handle, typed
 * with the module: `load<typeof import("./tool.ts")>("./tool.ts")`. A relative path is resolved against the working
 * directory (as `fs` does); to name a file beside the calling module, pass a URL:
 * `load(new URL("./tool.ts", import.meta.url))`. A compiled tracer (`tsbpf build tool.ts -o tool.tsbpf`) is loaded
 * without the compiler: `load<typeof import("./tool.ts")>("./tool.tsbpf")`. A clang-built libbpf object (`clang -O2 -g
 * -target bpf -c x.bpf.c`, any file starting with the ELF magic) is loaded with its CO-RE relocations resolved
 * against the running kernel: `load("./x.bpf.o")`, its maps by their C names.
 */
export async function load<M = Record<string, unknown>>(path: string | { readonly href: string }, options: LoadOptions = {}): Promise<LoadedTracer<M>> {
  const o = Options.safeParse(options);
  if (!o.success) throw new TypeError(`load(): ${o.error.issues.map((i) => `${i.path.join(".") || "options"}: ${i.message}`).join("; ")}`);
  const file = typeof path === "string" ? resolve(path) : fileURLToPath(path.href);
  checkFile(file, typeof path === "string" && !isAbsolute(path));
  let spec = isArtifactPath(file) ? readArtifact(file) : isElfFile(file) ? await readObject(file) : await compiled(file, o.data.cache !== false);
  if (o.data.params) {
    const { setParams } = await import("./core/object/params.ts");
    spec = setParams(spec, o.data.params as Record<string, ParamValue>);
  }
  if (o.data.pid !== undefined) {
    const { targetProcess } = await import("./core/object/target.ts");
    spec = targetProcess(spec, o.data.pid);
  }
  return (await Tracer.open(spec, { attach: o.data.attach !== false })) as unknown as LoadedTracer<M>;
}

/** A compiled tracer (.tsbpf): read and checked, without the compiler. */
function readArtifact(file: string): CollectionSpec {
  try {
    return decodeArtifact(readFileSync(file), file).spec;
  } catch (e) {
    if (e instanceof ArtifactError) throw new TypeError(`load(): ${e.message}`);
    throw e;
  }
}

/** Whether the file starts with the ELF magic (a clang-built BPF object, whatever it is called). */
function isElfFile(file: string): boolean {
  const fd = openSync(file, "r");
  try {
    const head = Buffer.alloc(4);
    return readSync(fd, head, 0, 4, 0) === 4 && isElf(head);
  } finally {
    closeSync(fd);
  }
}

/** A clang-built libbpf object, relocated for the running kernel (runtime/kernel/libbpf-object.ts). */
async function readObject(file: string): Promise<CollectionSpec> {
  const { libbpfObject, LibbpfObjectError } = await import("./runtime/kernel/libbpf-object.ts");
  try {
    return libbpfObject(readFileSync(file), file);
  } catch (e) {
    if (e instanceof LibbpfObjectError) throw new TypeError(`load(): ${e.message}${e.hint ? ` (${e.hint})` : ""}`);
    throw e;
  }
}

/** A TypeScript tracer compiled (through the cache), or a CompileError with its diagnostics. */
async function compiled(file: string, cache: boolean): Promise<CollectionSpec> {
  const { compileCached } = await import("./compiler/cache.ts");
  const c = await compileCached(file, { cache });
  if (!c.spec) {
    const { formatDiagnostics } = await import("./compiler/diagnostics.ts");
    throw new CompileError(`${file} does not compile:\n${formatDiagnostics(c.diagnostics, c.sources, false)}`, c.diagnostics);
  }
  return c.spec;
}

/** The tracer's file is a readable file, or a TypeError naming it says what is wrong (not a raw ENOENT from the compiler). */
function checkFile(file: string, relativeToCwd: boolean): void {
  let problem: string | undefined;
  try {
    if (statSync(file).isDirectory()) problem = "is a directory, not a tracer file";
    else accessSync(file, constants.R_OK);
  } catch (e) {
    const code = e instanceof Error && "code" in e ? String(e.code) : "";
    problem = code === "ENOENT" ? "no such file" : code === "ENOTDIR" ? "a part of the path is not a directory"
      : code === "EACCES" || code === "EPERM" ? "cannot be read: permission denied" : `cannot be read (${code || String(e)})`;
  }
  if (!problem) return;
  const hint = relativeToCwd && problem === "no such file"
    ? ` (a relative path is resolved against the working directory, ${process.cwd()}; for a file beside your module, pass new URL("./name.ts", import.meta.url))`
    : "";
  throw new TypeError(`load(): ${file}: ${problem}${hint}`);
}

export { Tracer };
