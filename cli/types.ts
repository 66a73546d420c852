// `tsbpf types`: the running kernel's tracepoint formats in, stdlib-types/tracepoints.json and tracepoints.d.ts out
// (or, with --check, a summary of how they differ from the files on disk and exit code 1). `tsbpf types --btf`: the
// kernel's BTF in, declarations of kernel structs out, into the tracer's project (vmlinux.d.ts by default).

import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { release } from "node:os";
import { isAbsolute, join, relative, resolve } from "node:path";
import { STDLIB_DIR } from "../compiler/paths.ts";
import { DEFAULT_BTF_TYPES, generateBtfDeclarations } from "../compiler/frontend/btf-types.ts";
import { parseBtf } from "../core/object/btf/index.ts";
import {
  DEFAULT_CATEGORIES, type TracepointData, collectTracepoints, formatTracepointJson, generateDeclarations,
} from "../compiler/frontend/tracepoint-types.ts";
import { BpfError } from "../runtime/kernel/errors.ts";
import { Kernel } from "../runtime/kernel/kernel.ts";
import { linuxSys } from "../runtime/kernel/sys.ts";
import { Tracefs } from "../runtime/kernel/tracefs.ts";
import { parseCommandArgs, usageHint } from "./args.ts";
import { fileProblem } from "./input.ts";

/** The package's stdlib-types/, next to cli/. */
const DEFAULT_OUT = STDLIB_DIR;

/** Where the kernel's BTF is: world-readable, so `--btf` needs no root (unlike tracefs). */
const VMLINUX = "/sys/kernel/btf/vmlinux";

/** `--btf` writes into the tracer's project, not into the package: the declarations are of this machine's kernel. */
const DEFAULT_BTF_OUT = "vmlinux.d.ts";

const USAGE = `usage: tsbpf types [--categories a,b,c] [--out DIR] [--check]
       tsbpf types --btf [--type a,b,c] [--out FILE] [--check]

Reads the running kernel's tracepoint formats from tracefs (as root) and writes DIR/tracepoints.json and
DIR/tracepoints.d.ts, the types of tracepoint handlers' ctx.
  --categories   tracepoint categories to read (default: ${DEFAULT_CATEGORIES.join(",")})
  --out          where to write (default: the package's stdlib-types/)
  --check        write nothing; exit 1 if the files on disk differ from what this kernel gives

With --btf, reads the kernel's BTF (${VMLINUX}, readable without root) and writes TypeScript
declarations of kernel structs, unions and enums for the editor: the named types and every type they embed
(pointers are ptr). A tracer imports them with \`import type { task_struct } from "./vmlinux.ts"\`.
  --type         types to declare (default: ${DEFAULT_BTF_TYPES.join(",")})
  --out          the file to write (default: ./${DEFAULT_BTF_OUT}; - for standard output)
  --check        write nothing; exit 1 if FILE differs from what this kernel gives
`;

/** What the command reads from the system and where it prints; tests replace them. */
export interface TypesEnvironment {
  readonly tracefs?: () => Tracefs | Promise<Tracefs>;
  /** `uname -r`. */
  readonly kernel?: string;
  readonly stdout?: (text: string) => void;
  readonly stderr?: (text: string) => void;
  /** The raw BTF of the running kernel (default: read ${VMLINUX}). */
  readonly btf?: () => Uint8Array;
}

const NEEDS_ROOT = "tracepoint formats are readable by root only: run sudo npx tsbpf types";

/** tracefs of the running kernel, mounted when missing (root only); errors say what to do. */
async function openTracefs(): Promise<Tracefs> {
  if (process.getuid?.() === 0) return new Kernel(await linuxSys()).tracefs;
  try {
    return Tracefs.locate();
  } catch (e) {
    // As a user, tracefs is usually mounted but mode 0700, so it looks absent: say that, not "not mounted".
    if (e instanceof BpfError) throw new BpfError(`cannot read tracefs as a user (${e.message})`, "read tracepoint formats", NEEDS_ROOT);
    throw e;
  }
}

export async function typesCommand(argv: string[], env: TypesEnvironment = {}): Promise<number> {
  const out = env.stdout ?? ((text: string) => void process.stdout.write(text));
  const err = env.stderr ?? ((text: string) => void process.stderr.write(text));
  const parsed = parseCommandArgs("types", argv, {
    categories: { type: "string" },
    out: { type: "string", short: "o" },
    check: { type: "boolean" },
    btf: { type: "boolean" },
    type: { type: "string", short: "t" },
  }, USAGE, { stdout: out, stderr: err });
  if (typeof parsed === "number") return parsed;
  const values = parsed.values as TypesOptions;
  if (parsed.positionals.length) {
    err(`tsbpf types: unexpected argument ${parsed.positionals[0]}; ${usageHint("types")}\n`);
    return 2;
  }
  if (values.btf) return btfTypes(values, env, out, err);
  if (values.type !== undefined) {
    err(`tsbpf types: --type names kernel types and needs --btf; ${usageHint("types")}\n`);
    return 2;
  }
  const categories = values.categories !== undefined
    ? values.categories.split(",").map((c) => c.trim()).filter((c) => c)
    : DEFAULT_CATEGORIES;
  if (categories.length === 0) {
    err("tsbpf types: --categories names no category\n");
    return 2;
  }
  const dir = resolve(values.out ?? DEFAULT_OUT);
  if (existsSync(dir) && !statSync(dir).isDirectory()) {
    err(`tsbpf types: ${values.out} is not a directory; --out names the folder of tracepoints.json and tracepoints.d.ts\n`);
    return 2;
  }
  const kernel = env.kernel ?? release();

  let data: ReturnType<typeof collectTracepoints>;
  try {
    const tracefs = await (env.tracefs ?? openTracefs)();
    data = collectTracepoints(tracefs, categories, kernel);
  } catch (e) {
    if (e instanceof BpfError) err(`tsbpf types: ${e.describe()}\n`);
    else if (isPermissionError(e)) err(`tsbpf types: cannot read tracefs: ${(e as Error).message}\n  hint: ${NEEDS_ROOT}\n`);
    else throw e;
    return 1;
  }
  if (data.missing.length) err(`tsbpf types: this kernel has no tracepoint categor${data.missing.length === 1 ? "y" : "ies"} ${data.missing.join(", ")}; skipped\n`);
  const found = new Set(categories).size - data.missing.length;
  if (found === 0) {
    err("tsbpf types: no tracepoints read; nothing written\n");
    return 1;
  }

  const files = [
    { name: "tracepoints.json", text: formatTracepointJson(data) },
    { name: "tracepoints.d.ts", text: generateDeclarations(data) },
  ];
  const count = Object.keys(data.tracepoints).length;
  const summary = `${count} tracepoint${count === 1 ? "" : "s"} from ${found} categor${found === 1 ? "y" : "ies"} (Linux ${kernel})`;

  if (values.check) {
    const stale = files.filter((f) => readOrUndefined(join(dir, f.name)) !== f.text);
    if (stale.length === 0) {
      out(`${summary} match ${dir}\n`);
      return 0;
    }
    const report = [`tsbpf types --check: ${stale.map((f) => f.name).join(" and ")} in ${dir} differ from Linux ${kernel}`];
    const onDisk = readOrUndefined(join(dir, "tracepoints.json"));
    report.push(...modelDifferences(parseData(onDisk), data));
    for (const f of stale) report.push(...lineDifferences(f.name, readOrUndefined(join(dir, f.name)), f.text));
    const options = [values.categories !== undefined ? ` --categories ${categories.join(",")}` : "", values.out !== undefined ? ` --out ${values.out}` : ""];
    report.push(`regenerate with: sudo npx tsbpf types${options.join("")}`);
    err(`${report.join("\n")}\n`);
    return 1;
  }

  try {
    mkdirSync(dir, { recursive: true });
    for (const f of files) writeFileSync(join(dir, f.name), f.text);
  } catch (e) {
    err(`tsbpf types: ${fileProblem(dir, e, "write")}\n`);
    return 1;
  }
  out(`wrote ${summary} to ${dir}\n`);
  return 0;
}

interface TypesOptions {
  categories?: string | undefined;
  out?: string | undefined;
  check?: boolean | undefined;
  btf?: boolean | undefined;
  type?: string | undefined;
}

/** `tsbpf types --btf`: declarations of kernel types from the running kernel's BTF. */
function btfTypes(values: TypesOptions, env: TypesEnvironment, out: (text: string) => void, err: (text: string) => void): number {
  if (values.categories !== undefined) {
    err(`tsbpf types: --categories selects tracepoints and does not go with --btf; ${usageHint("types")}\n`);
    return 2;
  }
  const types = values.type !== undefined ? values.type.split(",").map((t) => t.trim()).filter((t) => t) : DEFAULT_BTF_TYPES;
  if (types.length === 0) {
    err("tsbpf types: --type names no type\n");
    return 2;
  }
  const kernel = env.kernel ?? release();
  let bytes: Uint8Array;
  try {
    bytes = (env.btf ?? (() => readFileSync(VMLINUX)))();
  } catch (e) {
    const code = e instanceof Error && "code" in e ? e.code : undefined;
    const why = code === "ENOENT" ? `${VMLINUX} does not exist: this kernel was built without BTF (CONFIG_DEBUG_INFO_BTF)` : `cannot read ${VMLINUX}: ${(e as Error).message}`;
    err(`tsbpf types: ${why}\n`);
    return 1;
  }
  // A malformed blob is a BtfError naming what is wrong; let it surface as such.
  const result = generateBtfDeclarations(parseBtf(bytes), { types, source: `Linux ${kernel}` });
  if (result.missing.length) {
    err(`tsbpf types: this kernel's BTF has no struct, union, enum or typedef named ${result.missing.join(", ")}; skipped\n`);
  }
  if (result.missing.length === new Set(types).size) {
    err("tsbpf types: no type found; nothing written\n");
    return 1;
  }
  const summary = `${result.count} declaration${result.count === 1 ? "" : "s"} of Linux ${kernel}`;
  if (values.out === "-") {
    out(result.text);
    return 0;
  }
  const file = resolve(values.out ?? DEFAULT_BTF_OUT);
  if (existsSync(file) && statSync(file).isDirectory()) {
    err(`tsbpf types: ${values.out ?? DEFAULT_BTF_OUT} is a directory; with --btf, --out names the file to write\n`);
    return 2;
  }
  const rel = relative(process.cwd(), file);
  const shown = rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel : file;
  if (values.check) {
    const before = readOrUndefined(file);
    if (before === result.text) {
      out(`${summary} match ${shown}\n`);
      return 0;
    }
    const report = [`tsbpf types --btf --check: ${shown} differs from Linux ${kernel}`, ...lineDifferences(shown, before, result.text)];
    report.push(`regenerate with: npx tsbpf types --btf${values.type !== undefined ? ` --type ${types.join(",")}` : ""}${values.out !== undefined ? ` --out ${values.out}` : ""}`);
    err(`${report.join("\n")}\n`);
    return 1;
  }
  try {
    writeFileSync(file, result.text);
  } catch (e) {
    err(`tsbpf types: ${fileProblem(file, e, "write")}\n`);
    return 1;
  }
  out(`wrote ${summary} to ${shown}\n`);
  return 0;
}

function isPermissionError(e: unknown): boolean {
  return e instanceof Error && "code" in e && (e.code === "EACCES" || e.code === "EPERM");
}

function readOrUndefined(file: string): string | undefined {
  return existsSync(file) ? readFileSync(file, "utf8") : undefined;
}

function parseData(text: string | undefined): TracepointData | undefined {
  if (text === undefined) return undefined;
  try {
    const data = JSON.parse(text) as TracepointData;
    return data && typeof data.tracepoints === "object" ? data : undefined;
  } catch {
    return undefined;
  }
}

/** What changed in terms a reader cares about: kernel, tracepoints added or removed, fields changed. */
function modelDifferences(old: TracepointData | undefined, now: TracepointData): string[] {
  if (!old) return ["  tracepoints.json on disk is missing or unreadable"];
  const lines: string[] = [];
  if (old.kernel !== now.kernel) lines.push(`  kernel: ${old.kernel} on disk, ${now.kernel} here`);
  const before = Object.keys(old.tracepoints);
  const after = Object.keys(now.tracepoints);
  const added = after.filter((k) => !(k in old.tracepoints));
  const removed = before.filter((k) => !(k in now.tracepoints));
  const changed = after.filter((k) => k in old.tracepoints
    && JSON.stringify(old.tracepoints[k]!.fields) !== JSON.stringify(now.tracepoints[k]!.fields));
  const renumbered = after.filter((k) => k in old.tracepoints && old.tracepoints[k]!.id !== now.tracepoints[k]!.id);
  const list = (what: string, keys: string[]) => {
    if (keys.length) lines.push(`  ${what} (${keys.length}): ${keys.slice(0, 8).join(", ")}${keys.length > 8 ? ", …" : ""}`);
  };
  list("added", added);
  list("removed", removed);
  list("fields changed", changed);
  // Ids differ between boots of differently configured kernels; worth knowing, rarely worth worrying about.
  if (renumbered.length) lines.push(`  ids changed: ${renumbered.length}`);
  return lines;
}

/** A unified-diff-like excerpt: the first differing lines after the common prefix, up to a few of each side. */
function lineDifferences(name: string, before: string | undefined, after: string): string[] {
  if (before === undefined) return [`--- ${name} (missing on disk)`];
  const a = before.split("\n");
  const b = after.split("\n");
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const shown = 6;
  const lines = [`--- ${name} (on disk)`, `+++ ${name} (this kernel)`, `@@ -${start + 1},${endA - start} +${start + 1},${endB - start} @@`];
  for (const l of a.slice(start, Math.min(endA, start + shown))) lines.push(`-${l}`);
  if (endA - start > shown) lines.push(`  … ${endA - start - shown} more lines removed`);
  for (const l of b.slice(start, Math.min(endB, start + shown))) lines.push(`+${l}`);
  if (endB - start > shown) lines.push(`  … ${endB - start - shown} more lines added`);
  return lines;
}
