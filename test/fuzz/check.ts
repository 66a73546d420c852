// The properties of one generated tracer: its text in, an Outcome out. The compiler must not throw and must locate
// every diagnostic; what it accepts must load in the VM and, when the kernel is here, pass the kernel's verifier
// (loaded with attach: false). A load failure is classified: the verifier refused, this kernel lacks the feature,
// the attach point is not here, or another error (by errno).

import { join } from "node:path";
import { compile } from "../../compiler/index.ts";
import type { CollectionSpec } from "../../core/object/spec.ts";
import { SimCollection } from "../../runtime/interp/index.ts";
import { Collection } from "../../runtime/kernel/collection.ts";
import { BpfError, NotFoundError, UnsupportedFeatureError } from "../../runtime/kernel/errors.ts";
import type { Kernel } from "../../runtime/kernel/kernel.ts";
import { ElfError } from "../../runtime/kernel/elf.ts";
import { VerifierError } from "../../runtime/kernel/verifier.ts";

export type CompileStatus =
  /** Compiled to a spec. */
  | "accepted"
  /** Refused with diagnostics, each located. */
  | "rejected"
  /** compile() threw. */
  | "crash"
  /** A TSB9xxx internal error diagnostic. */
  | "internal"
  /** A diagnostic without a source location. */
  | "unlocated"
  /** The worker did not answer in time (set by the pool). */
  | "timeout";

export type LoadStatus = "loaded" | "verifier" | "unsupported" | "not-found" | "error" | "runtime-crash";

export interface LoadOutcome {
  readonly status: LoadStatus;
  /** For a failure: a class key (the verifier's message with numbers as N, or the errno) and the message. */
  readonly key?: string;
  readonly message?: string;
}

export interface Outcome {
  readonly status: CompileStatus;
  readonly ms: number;
  /** Diagnostic codes, in order. */
  readonly codes: readonly string[];
  /** For crash/internal/unlocated: what went wrong (message and the top of the stack). */
  readonly problem?: string;
  /** The accepted program in the VM: loaded, or refused at load with the reason. */
  readonly vm?: LoadOutcome;
  /** The accepted program in the kernel (attach: false). */
  readonly kernel?: LoadOutcome;
}

/** Where a generated program pretends to live: inside the repository, so `tsbpf` resolves as for the samples. */
export const FUZZ_DIR = join(import.meta.dirname, "..", "..");

/** `compiled` is told when compilation ends, so that a stall in loading is told from a stall in the compiler. */
export async function checkProgram(name: string, text: string, kernel: Kernel | undefined, compiled?: (ms: number) => void): Promise<Outcome> {
  const path = join(FUZZ_DIR, `${name}.ts`);
  const t0 = performance.now();
  let result: ReturnType<typeof compile>;
  try {
    result = compile(path, { text });
  } catch (e) {
    return { status: "crash", ms: performance.now() - t0, codes: [], problem: describe(e) };
  }
  const ms = performance.now() - t0;
  compiled?.(ms);
  const codes = result.diagnostics.map((d) => d.code);
  const internal = result.diagnostics.find((d) => d.code.startsWith("TSB9"));
  if (internal) return { status: "internal", ms, codes, problem: `${internal.code} ${internal.message}${internal.span ? ` at line ${internal.span.line}` : " (no location)"}` };
  const unlocated = result.diagnostics.find((d) => !d.span || !(d.span.line >= 1));
  if (unlocated) return { status: "unlocated", ms, codes, problem: `${unlocated.code} ${unlocated.message}` };
  if (!result.spec) {
    if (codes.length === 0) return { status: "unlocated", ms, codes, problem: "no spec and no diagnostic" };
    return { status: "rejected", ms, codes };
  }
  const spec = withoutPins(result.spec);
  const vm = loadVm(spec);
  const k = kernel ? await loadKernel(spec, kernel) : undefined;
  return { status: "accepted", ms, codes, vm, ...(k ? { kernel: k } : {}) };
}

/** Pinned maps would land in the machine's shared bpffs: the fuzzer loads them unpinned. */
function withoutPins(spec: CollectionSpec): CollectionSpec {
  return { ...spec, maps: spec.maps.map(({ pinning: _pinning, ...m }) => m) };
}

function loadVm(spec: CollectionSpec): LoadOutcome {
  try {
    new SimCollection(spec);
    return { status: "loaded" };
  } catch (e) {
    const message = (e as Error).message ?? String(e);
    // a kernel struct or field that the BTF lacks: refused at load in the VM as in the kernel, by design
    if (e instanceof Error && e.name === "FieldRelocationError") return { status: "not-found", key: e.name, message };
    return { status: e instanceof Error && e.name === "VmError" ? "verifier" : "runtime-crash", key: normalise(message), message: describe(e) };
  }
}

async function loadKernel(spec: CollectionSpec, kernel: Kernel): Promise<LoadOutcome> {
  let c: Collection | undefined;
  try {
    c = await Collection.load(spec, { kernel, attach: false, track: false });
    return { status: "loaded" };
  } catch (e) {
    if (e instanceof VerifierError) {
      const last = e.tail.split("\n").map((l) => l.trim()).filter((l) => l && !/^(processed|verification time|stack depth)/.test(l)).pop() ?? e.message;
      return { status: "verifier", key: normalise(last), message: `${e.span ? `line ${e.span.line}: ` : ""}${e.message}\n${e.explanation}\n${e.tail}` };
    }
    if (e instanceof UnsupportedFeatureError) return { status: "unsupported", key: e.feature, message: e.message };
    // every probe of the tracer needs what this kernel lacks (a tracer of kprobes only, here): said at load, by design
    if (e instanceof BpfError && /^none of the probes exists here: /.test(e.message)) return { status: "unsupported", key: "no probe of the tracer exists here", message: e.message };
    // a kernel struct or field named in bpf.readKernelField that this kernel's BTF lacks: found at load, by design
    const missingBtf = e instanceof BpfError && /BTF has no struct |has no field \S+ in (Linux \S+'s BTF|the BTF of )/.test(e.message);
    if (e instanceof NotFoundError || e instanceof ElfError || missingBtf) return { status: "not-found", key: (e as Error).name, message: (e as Error).message };
    if (e instanceof BpfError) return { status: "error", key: `${e.operation.replace(/\s\S+$/, "")}: ${e.code ?? e.name}`, message: e.describe() };
    return { status: "runtime-crash", key: (e as Error).name ?? "throw", message: describe(e) };
  } finally {
    c?.dispose();
  }
}

/** A class key for a message: numbers, registers and names turned into placeholders, so that instances group. */
export function normalise(message: string): string {
  return message.replace(/\b[rR]\d+\b/g, "R").replace(/0x[0-9a-f]+/gi, "N").replace(/-?\d+/g, "N").replace(/\s+/g, " ").slice(0, 160);
}

function describe(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  return `${e.name}: ${e.message}\n${(e.stack ?? "").split("\n").slice(1, 6).join("\n")}`;
}
