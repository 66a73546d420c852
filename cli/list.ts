// `tsbpf list [pattern...]` and `tsbpf -l` (bpftrace's -l): probe patterns in, the attach points of this machine
// that match out, one a line in the form a tracer declares them (`tracepoint:syscalls/sys_enter_openat`,
// `kprobe:vfs_read`, `uprobe:/usr/lib/x86_64-linux-gnu/libc.so.6:malloc`, `software:page-faults`), sorted; with -v,
// what each one gives its handler. The sources: tracefs's available_events and format files, the kernel's BTF
// (FUNC records and btf_trace_* typedefs), a binary's ELF symbols and USDT notes (core/usdt.ts), core/perf-events.ts. Only what a pattern can
// match is read: `syscalls:*open*` reads one tracefs file, and nothing here loads the compiler or koffi.

import { readFileSync } from "node:fs";
import { release } from "node:os";
import { join } from "node:path";
import { tpBtfArgs } from "../compiler/frontend/btf-types.ts";
import { DEFAULT_CATEGORIES, collectTracepoints, type TracepointData } from "../compiler/frontend/tracepoint-types.ts";
import { STDLIB_DIR } from "../compiler/paths.ts";
import { type Btf, parseBtf } from "../core/object/btf/index.ts";
import { PERF_EVENTS, PERF_TYPE, type PerfEventDef, type PerfEventKind } from "../core/perf-events.ts";
import type { ProbeDeclarator } from "../core/probes.ts";
import { type UsdtProbe, UsdtError, parseUsdtArgs, usdtProbes } from "../core/usdt.ts";
import { ElfError, type ElfFile, SHN_UNDEF, SymbolType, readElf, symbolOffset } from "../runtime/kernel/elf.ts";
import { BpfError } from "../runtime/kernel/errors.ts";
import { resolveBinary } from "../runtime/kernel/libs.ts";
import { EVENT_SOURCES, cpuPmu } from "../runtime/kernel/pmu.ts";
import { Tracefs } from "../runtime/kernel/tracefs.ts";
import { writeAndDrain } from "../runtime/output/output.ts";
import { GuardedWriter } from "../runtime/output/stdio.ts";
import { CliError, parseCommandArgs } from "./args.ts";

const USAGE = `usage: tsbpf list [-v] [pattern ...]
       tsbpf -l [-v] [pattern ...]

Lists the probes this machine offers that match a pattern, one a line as a tracer names them (kind:name), sorted.
Without a pattern, every kernel-side probe: tracepoints, raw tracepoints, kernel functions, perf events.
A pattern is a glob (*, ?, [abc]), in tsbpf's form or bpftrace's:
  tracepoint:syscalls/*open*   t:syscalls:*open*   syscalls:*open*   syscalls/*open*
  rawTracepoint:sched_*  (rt:)   tpBtf:sched_*                    raw and BTF tracepoints (the kernel's BTF)
  kprobe:vfs_*  (k:)   kretprobe:  (kr:)   fentry:  (f:, kfunc:)   fexit:  (fr:, kretfunc:)
                                                                  kernel functions (the kernel's BTF)
  uprobe:libc:*alloc*   uprobe:/bin/bash:readline  (u:)   uretprobe:  (ur:)
                                                                  functions of a program or library
  usdt:/usr/bin/python3   usdt:./app:provider:*   usdt:PID  (U:)  USDT probes of a program, library or process
  software:*  (s:)   hardware:*  (h:)                             perf events
  *open*                                                          every kernel-side kind; kernel functions and
                                                                  raw tracepoints once, as kprobe: and rawTracepoint:
Options:
  -v, --verbose   under each probe what its handler gets: a tracepoint's ctx fields (name: TypeScript type // C
                  type), a kernel function's or raw tracepoint's arguments, a USDT probe's sites and argument
                  specs, a perf event's numbers
Exits 0 when something matched, 1 when nothing did, 2 for a bad pattern.
`;

/** The kinds a listing prints, named by the declarator a tracer writes. */
type ListKind = Exclude<ProbeDeclarator, "profile" | "interval" | "begin" | "end"> | PerfEventKind;

/** The kinds a name alone is enough for: all but uprobes and USDT probes, which need a binary. */
type KernelKind = Exclude<ListKind, "uprobe" | "uretprobe" | "usdt">;

/** Every name a pattern may give a kind: tsbpf's declarators, bpftrace's probe types and their short forms. */
const KINDS: Readonly<Record<string, ListKind>> = {
  tracepoint: "tracepoint", t: "tracepoint",
  rawTracepoint: "rawTracepoint", rawtracepoint: "rawTracepoint", raw_tracepoint: "rawTracepoint", rt: "rawTracepoint",
  tpBtf: "tpBtf", tp_btf: "tpBtf",
  kprobe: "kprobe", k: "kprobe", kretprobe: "kretprobe", kr: "kretprobe",
  fentry: "fentry", f: "fentry", kfunc: "fentry", fexit: "fexit", fr: "fexit", kretfunc: "fexit",
  uprobe: "uprobe", u: "uprobe", uretprobe: "uretprobe", ur: "uretprobe",
  usdt: "usdt", U: "usdt",
  software: "software", s: "software", hardware: "hardware", h: "hardware",
};

const KIND_LIST = "tracepoint, rawTracepoint, tpBtf, kprobe, kretprobe, fentry, fexit, uprobe, uretprobe, usdt, software, hardware";

/**
 * What a pattern without a kind is matched against: the kernel's own probes (never every binary on the system), each
 * kernel function once as a kprobe (fentry, fexit and kretprobe take the same names) and each raw tracepoint once.
 */
const KERNEL_SIDE: readonly KernelKind[] = ["tracepoint", "rawTracepoint", "kprobe", "software", "hardware"];

/** One pattern, for one kind: which names of that kind it matches. */
export type Query =
  | {
    readonly kind: KernelKind;
    readonly match: (name: string) => boolean;
    /** From a pattern without a kind: a source that cannot be read is a note, not a failure. */
    readonly implied: boolean;
  }
  | { readonly kind: "uprobe" | "uretprobe"; readonly target: string; readonly match: (name: string) => boolean; readonly implied: false }
  /** USDT probes: `match` takes "provider:name". */
  | { readonly kind: "usdt"; readonly target: string; readonly match: (name: string) => boolean; readonly implied: false };

/** A shell-style glob as an anchored RegExp: `*` any run of characters, `?` one, `[abc]`, `[a-z]`, `[!abc]`. */
export function globRegExp(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*") re += ".*";
    else if (c === "?") re += ".";
    else if (c === "[") {
      // A `]` right after `[` or `[!` belongs to the set, as in the shell.
      let j = i + 1;
      if (glob[j] === "!" || glob[j] === "^") j++;
      const end = glob.indexOf("]", j + 1);
      if (end < 0) {
        re += "\\[";
        continue;
      }
      const negated = j > i + 1;
      const body = glob.slice(j, end).replace(/[\\\]^[]/g, "\\$&");
      re += `[${negated ? "^" : ""}${body}]`;
      i = end;
    } else re += c.replace(/[.+^${}()|\\\]]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

const hasGlob = (s: string) => /[*?[]/.test(s);

/** `category/event` names matched part by part: `*` does not cross the slash. */
function tracepointMatch(category: string, event: string): (name: string) => boolean {
  const c = globRegExp(category || "*");
  const e = globRegExp(event || "*");
  return (name) => {
    const slash = name.indexOf("/");
    return c.test(name.slice(0, slash)) && e.test(name.slice(slash + 1));
  };
}

/** A glob without a category matches the whole `category/event` or the event alone (`sched_switch`). */
function wholeTracepointMatch(glob: string): (name: string) => boolean {
  const re = globRegExp(glob);
  return (name) => re.test(name) || re.test(name.slice(name.indexOf("/") + 1));
}

/**
 * Reads one pattern. `categories` gives the tracepoint categories, asked only for bpftrace's form without a kind
 * (`syscalls:*open*`), to tell a category from a kind misspelt. Bad input is a CliError.
 */
export function parsePattern(pattern: string, categories: () => readonly string[]): Query[] {
  if (pattern === "") throw new CliError("list", "an empty pattern; give a glob such as 'syscalls:*open*', or none to list everything");
  const colon = pattern.indexOf(":");
  const head = colon < 0 ? pattern : pattern.slice(0, colon);
  const rest = colon < 0 ? undefined : pattern.slice(colon + 1);
  const kind = Object.hasOwn(KINDS, head) ? KINDS[head] : undefined;
  // A kind's full name alone (`software`) lists the kind; a short form alone (`t`) is a name like any other.
  if (kind && (rest !== undefined || head === kind)) return [kindQuery(kind, rest ?? "")];
  if (rest !== undefined) {
    const re = globRegExp(head);
    if (!categories().some((c) => re.test(c))) {
      const uprobe = head.includes("/") ? `; a uprobe pattern is uprobe:${pattern}` : "";
      throw new CliError("list", `'${head}' is neither a probe kind nor a tracepoint category (kinds: ${KIND_LIST})${uprobe}`);
    }
    return [{ kind: "tracepoint", match: tracepointMatch(head, rest), implied: false }];
  }
  const slash = pattern.indexOf("/");
  if (slash >= 0) return [{ kind: "tracepoint", match: tracepointMatch(pattern.slice(0, slash), pattern.slice(slash + 1)), implied: false }];
  return KERNEL_SIDE.map((k) => nameQuery(k, pattern, true));
}

function nameQuery(kind: KernelKind, glob: string, implied: boolean): Query {
  if (kind === "tracepoint") return { kind, match: wholeTracepointMatch(glob || "*"), implied };
  const re = globRegExp(glob || "*");
  return { kind, match: (name) => re.test(name), implied };
}

function kindQuery(kind: ListKind, rest: string): Query {
  if (kind === "usdt") return usdtQuery(rest);
  if (kind === "uprobe" || kind === "uretprobe") {
    const at = rest.lastIndexOf(":");
    const target = at < 0 ? rest : rest.slice(0, at);
    const symbol = at < 0 ? "*" : rest.slice(at + 1) || "*";
    if (target === "") throw new CliError("list", `${kind} needs a program or library: ${kind}:libc:*alloc* or ${kind}:/bin/bash:readline`);
    if (hasGlob(target)) throw new CliError("list", `${kind}:${rest}: name one program or library (a path, bash, libc), not a pattern`);
    const re = globRegExp(symbol);
    return { kind, target, match: (name) => re.test(name), implied: false };
  }
  if (kind === "tracepoint") {
    const sep = rest.search(/[:/]/);
    if (sep >= 0) return { kind, match: tracepointMatch(rest.slice(0, sep), rest.slice(sep + 1)), implied: false };
  }
  return nameQuery(kind, rest, false);
}

/**
 * `usdt:TARGET`, `usdt:TARGET:NAME` (any provider) or `usdt:TARGET:PROVIDER:NAME`, as bpftrace reads them; TARGET is a
 * path, a program or library name, or a pid (its main executable).
 */
function usdtQuery(rest: string): Query {
  const parts = rest.split(":");
  const target = parts[0]!;
  if (target === "" || parts.length > 3) throw new CliError("list", `usdt needs a program, library or pid, then optionally provider and name: usdt:/usr/bin/python3 or usdt:./app:provider:*`);
  if (hasGlob(target)) throw new CliError("list", `usdt:${rest}: name one program, library or pid, not a pattern`);
  const [provider, name] = parts.length === 3 ? [parts[1] || "*", parts[2] || "*"] : ["*", parts[1] || "*"];
  const p = globRegExp(provider), n = globRegExp(name);
  return { kind: "usdt", target, match: (full) => p.test(full.slice(0, full.indexOf(":"))) && n.test(full.slice(full.indexOf(":") + 1)), implied: false };
}

// ---- what the machine has ----------------------------------------------------------------------------------------

const VMLINUX = "/sys/kernel/btf/vmlinux";

/** The machine's probes, each source read once and only when a query needs it. */
class Machine {
  #tracefs: Tracefs | undefined;
  #tracepoints: string[] | undefined;
  #btf: Btf | undefined;
  #functions: string[] | undefined;
  #rawTracepoints: string[] | undefined;
  #database: TracepointData | null | undefined;

  tracefs(): Tracefs {
    if (this.#tracefs) return this.#tracefs;
    try {
      return (this.#tracefs = Tracefs.locate());
    } catch (e) {
      // As a user, tracefs is usually mounted but mode 0700, so it looks absent: say that, not "not mounted".
      if (e instanceof BpfError && process.getuid?.() !== 0) {
        throw new BpfError(`cannot read tracefs as a user (${e.message})`, "list tracepoints", "tracepoints are listed by root only: sudo tsbpf list ...");
      }
      throw e;
    }
  }

  /** Every tracepoint perf can open, as "category/event" (available_events: what bpftrace lists too). */
  tracepoints(): string[] {
    if (this.#tracepoints) return this.#tracepoints;
    const file = join(this.tracefs().root, "available_events");
    // The kernel writes the file from its list of events as it is read: an event added or removed meanwhile (another
    // process's uprobe, a module) can make the read skip one that stays. Two reads, merged, make that unlikely.
    let text: string;
    try {
      text = `${readFileSync(file, "utf8")}\n${readFileSync(file, "utf8")}`;
    } catch (e) {
      throw new BpfError(`cannot read ${file}: ${(e as Error).message}`, "list tracepoints", "tracepoints are listed by root only: sudo tsbpf list ...");
    }
    const names = text.split("\n").filter((l) => l.includes(":")).map((l) => l.replace(":", "/"));
    return (this.#tracepoints = [...new Set(names)]);
  }

  categories(): string[] {
    return [...new Set(this.tracepoints().map((n) => n.slice(0, n.indexOf("/"))))];
  }

  btf(): Btf {
    if (this.#btf) return this.#btf;
    let bytes: Buffer;
    try {
      bytes = readFileSync(VMLINUX);
    } catch (e) {
      const missing = (e as { code?: string }).code === "ENOENT";
      throw new BpfError(missing ? `${VMLINUX} does not exist` : `cannot read ${VMLINUX}: ${(e as Error).message}`,
        "list kernel functions", missing ? "this kernel was built without BTF (CONFIG_DEBUG_INFO_BTF): its functions are not listed" : undefined);
    }
    return (this.#btf = parseBtf(bytes));
  }

  /**
   * The kernel functions of BTF (what fentry and fexit attach to by name), keeping only those ftrace can trace when
   * available_filter_functions is readable (kprobes and trampolines need them); all of them where it is not.
   */
  functions(): string[] {
    if (this.#functions) return this.#functions;
    let names = this.btf().namesOfKind("func");
    const traceable = this.#traceable();
    if (traceable) names = names.filter((n) => traceable.has(n));
    return (this.#functions = names);
  }

  #traceable(): Set<string> | undefined {
    try {
      const text = readFileSync(join(this.tracefs().root, "available_filter_functions"), "utf8");
      // "vfs_read", or "nf_conntrack_in [nf_conntrack]" for a module's function.
      return new Set(text.split("\n").map((l) => l.split(" ", 1)[0]!).filter((n) => n));
    } catch {
      return undefined; // not root, no ftrace, or a policy that hides it: every BTF function is listed
    }
  }

  /** Raw tracepoints: the kernel declares a btf_trace_<name> typedef for each, events without tracefs entries too. */
  rawTracepoints(): string[] {
    this.#rawTracepoints ??= this.btf().namesOfKind("typedef").filter((n) => n.startsWith("btf_trace_")).map((n) => n.slice("btf_trace_".length));
    return this.#rawTracepoints;
  }

  /** stdlib-types/tracepoints.json: the tracepoints a tracer's `tracepoint()` type-checks against. */
  declaredTracepoints(): TracepointData | null {
    if (this.#database !== undefined) return this.#database;
    try {
      return (this.#database = JSON.parse(readFileSync(join(STDLIB_DIR, "tracepoints.json"), "utf8")) as TracepointData);
    } catch {
      return (this.#database = null);
    }
  }
}

/** One line of the listing, with what -v prints under it (computed only under -v). */
type Listing = Map<string, () => string[]>;

function list(q: Query, m: Machine, out: Listing): void {
  switch (q.kind) {
    case "tracepoint":
      for (const name of m.tracepoints()) if (q.match(name)) out.set(`tracepoint:${name}`, () => tracepointDetails(m, name));
      return;
    case "rawTracepoint":
    case "tpBtf":
      for (const name of m.rawTracepoints()) if (q.match(name)) out.set(`${q.kind}:${name}`, () => rawTracepointDetails(m.btf(), name));
      return;
    case "kprobe":
    case "kretprobe":
    case "fentry":
    case "fexit":
      for (const name of m.functions()) if (q.match(name)) out.set(`${q.kind}:${name}`, () => functionDetails(m.btf(), name));
      return;
    case "uprobe":
    case "uretprobe": {
      const { path, file, names } = elfFunctions(q.target, q.kind);
      for (const name of names) if (q.match(name)) out.set(`${q.kind}:${path}:${name}`, () => symbolDetails(file, name));
      return;
    }
    case "usdt": {
      const { path, sites } = usdtSites(q.target);
      const byName = new Map<string, UsdtProbe[]>();
      for (const s of sites) byName.set(`${s.provider}:${s.name}`, [...(byName.get(`${s.provider}:${s.name}`) ?? []), s]);
      for (const [name, at] of byName) if (q.match(name)) out.set(`usdt:${path}:${name}`, () => usdtDetails(at));
      return;
    }
    case "software":
    case "hardware":
      for (const e of PERF_EVENTS) if (e.kind === q.kind && q.match(e.name)) out.set(`${e.kind}:${e.name}`, () => perfEventDetails(e));
      return;
    default: {
      const never: never = q;
      throw new Error(`unknown kind ${JSON.stringify(never)}`);
    }
  }
}

/** The names of the functions a program or library defines (.symtab and .dynsym); bad targets are CliErrors (exit 2). */
function elfFunctions(target: string, kind: string): { path: string; file: ElfFile; names: Set<string> } {
  try {
    const path = resolveBinary(target);
    const file = readElf(path);
    const names = new Set<string>();
    for (const s of file.symbols) {
      if ((s.type === SymbolType.Func || s.type === SymbolType.GnuIfunc) && s.shndx !== SHN_UNDEF && s.name !== "") names.add(s.name);
    }
    return { path, file, names };
  } catch (e) {
    if (e instanceof ElfError) throw new CliError("list", `${kind}:${target}: ${e.message}${e.hint ? `; ${e.hint}` : ""}`);
    throw e;
  }
}

/** The USDT probe sites of a program, library or process; bad targets are CliErrors (exit 2). */
function usdtSites(target: string): { path: string; sites: UsdtProbe[] } {
  const where = /^[1-9][0-9]*$/.test(target) ? `/proc/${target}/exe` : target;
  try {
    const path = resolveBinary(where);
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch (e) {
      throw new ElfError(`cannot read ${path}: ${(e as Error).message}`, path);
    }
    return { path: where === target ? path : where, sites: usdtProbes(bytes, path) };
  } catch (e) {
    if (e instanceof ElfError || e instanceof UsdtError) throw new CliError("list", `usdt:${target}: ${e.message}${e.hint ? `; ${e.hint}` : ""}`);
    throw e;
  }
}

// ---- -v ----------------------------------------------------------------------------------------------------------

const INDENT = "    ";

/** The record's fields as a handler's ctx has them: name and TypeScript type (as `tsbpf types` declares them), C type. */
function tracepointDetails(m: Machine, name: string): string[] {
  const slash = name.indexOf("/");
  const [category, event] = [name.slice(0, slash), name.slice(slash + 1)];
  const tracefs = m.tracefs();
  // collectTracepoints over a view of tracefs that holds this one tracepoint: the generator's own types.
  const one = { categories: () => [category], events: () => [event], format: (c: string, e: string) => tracefs.format(c, e) };
  const fields = collectTracepoints(one, [category], release()).tracepoints[name]?.fields ?? [];
  const typed = fields.map((f) => ({ decl: `${f.name}: ${f.tsType}`, c: `${f.type}${f.arrayLength !== undefined ? `[${f.arrayLength}]` : ""}` }));
  const width = Math.max(0, ...typed.map((t) => t.decl.length));
  const lines = typed.length ? typed.map((t) => `${INDENT}${t.decl.padEnd(width)}  // ${t.c}`) : [`${INDENT}(no fields)`];
  const declared = m.declaredTracepoints();
  if (declared && !Object.hasOwn(declared.tracepoints, name)) {
    const categories = [...new Set([...DEFAULT_CATEGORIES, category])].join(",");
    lines.push(`${INDENT}(not in tsbpf's tracepoint types, so tracepoint() refuses it: sudo tsbpf types --categories ${categories})`);
  }
  return lines;
}

/** The arguments `ctx.arg(i)` reads, typed by the btf_trace_<name> prototype. */
function rawTracepointDetails(btf: Btf, name: string): string[] {
  return (tpBtfArgs(btf, name) ?? []).map((a, i) => `${INDENT}arg${i}: ${a.type}`);
}

/** The function's BTF prototype: the arguments (`ctx.arg0()`, `ctx.arg(0)`) and what it returns. */
function functionDetails(btf: Btf, name: string): string[] {
  const fn = btf.findByName(name, "func")[0];
  const proto = fn ? btf.typeById(fn.type) : undefined;
  if (proto?.kind !== "func_proto") return [];
  const lines = proto.params.map((p, i) => `${INDENT}arg${i}: ${btf.declaration(p.type, p.name).trim()}`);
  if (proto.variadic) lines.push(`${INDENT}...`);
  lines.push(`${INDENT}returns: ${btf.typeName(proto.returnType)}`);
  return lines;
}

/** Where a uprobe on the name attaches (the symbol the runtime picks among versions), and whether it is an IFUNC. */
function symbolDetails(file: ElfFile, name: string): string[] {
  let at: ReturnType<typeof symbolOffset>;
  try {
    at = symbolOffset(file, name);
  } catch (e) {
    if (e instanceof ElfError) return [`${INDENT}${e.message}`]; // a symbol no segment holds: say so, list the rest
    throw e;
  }
  const { offset, size, symbol } = at;
  const version = symbol.version ? `${symbol.version.hidden ? "@" : "@@"}${symbol.version.name}` : "";
  const lines = [`${INDENT}file offset 0x${offset.toString(16)}: ${name}${version}, ${size} bytes`];
  if (symbol.type === SymbolType.GnuIfunc) {
    lines.push(`${INDENT}GNU indirect function: a uprobe here fires when the dynamic linker resolves it, not on each call`);
  }
  return lines;
}

/** Each site of a USDT probe: its file offset, semaphore, and its arguments as `ctx.arg(i)` reads them. */
function usdtDetails(sites: readonly UsdtProbe[]): string[] {
  const arch = process.arch === "arm64" ? "aarch64" : "x86_64";
  return sites.flatMap((s) => {
    const sema = s.semaphore ? `, semaphore at file offset 0x${s.semaphoreOffset.toString(16)}` : "";
    const head = `${INDENT}file offset 0x${s.offset.toString(16)}${sema}`;
    let args: string[];
    try {
      args = parseUsdtArgs(s.args, arch).map((a, i) => `${INDENT}arg${i}: ${a.signed ? "i" : "u"}${a.size * 8}  // ${a.spec}`);
    } catch (e) {
      if (!(e instanceof UsdtError)) throw e;
      args = [`${INDENT}${e.message}`];
    }
    return [head, ...(args.length ? args : [`${INDENT}(no arguments)`])];
  });
}

function perfEventDetails(e: PerfEventDef): string[] {
  const also = e.aliases.length ? `; also ${e.aliases.join(", ")}` : "";
  const lines = [`${INDENT}${e.constant} (perf type ${PERF_TYPE[e.kind]}, config ${e.config})${also}${e.since ? `; since Linux ${e.since}` : ""}`];
  if (e.kind === "hardware" && !hasHardwarePmu()) lines.push(`${INDENT}not available here: no hardware PMU (${EVENT_SOURCES})`);
  return lines;
}

let pmu: boolean | undefined;

/** Whether the machine exposes a CPU PMU (runtime/kernel/pmu.ts), read once. */
function hasHardwarePmu(): boolean {
  pmu ??= cpuPmu() !== undefined;
  return pmu;
}

// ---- the command -------------------------------------------------------------------------------------------------

export async function listCommand(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs("list", argv, { verbose: { type: "boolean", short: "v" } }, USAGE);
  if (typeof parsed === "number") return parsed;
  const verbose = parsed.values.verbose === true;
  const patterns = parsed.positionals;
  const m = new Machine();
  const queries = patterns.length
    ? patterns.flatMap((p) => parsePattern(p, () => m.categories()))
    : KERNEL_SIDE.map((k) => nameQuery(k, "*", true));

  const listing: Listing = new Map();
  const notes = new Set<string>();
  for (const q of queries) {
    try {
      list(q, m, listing);
    } catch (e) {
      // A pattern without a kind lists what can be read: as a user, kernel functions but not tracepoints.
      if (!(q.implied && e instanceof BpfError)) throw e;
      notes.add(`tsbpf list: ${q.kind} probes not listed: ${e.message}`);
    }
  }
  for (const n of notes) process.stderr.write(`${n}\n`);
  if (listing.size === 0) {
    process.stderr.write(`tsbpf list: nothing matches ${patterns.length ? patterns.map((p) => `'${p}'`).join(" ") : "on this machine"}\n`);
    return 1;
  }

  // A reader that goes away (`| head -1`) ends the listing quietly: no EPIPE, no stack.
  const out = new GuardedWriter(process.stdout);
  let chunk = "";
  for (const line of [...listing.keys()].sort(byCodeUnits)) {
    chunk += `${line}\n`;
    if (verbose) for (const d of listing.get(line)!()) chunk += `${d}\n`;
    if (chunk.length >= 1 << 16) {
      await writeAndDrain(out, chunk);
      chunk = "";
      if (out.error) return 0;
    }
  }
  await writeAndDrain(out, chunk);
  return 0;
}

function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
