// Kernel types as TypeScript declarations: a parsed BTF blob (vmlinux) and the names of root types in; the text of
// a .d.ts declaring them and every type they embed out (`tsbpf types --btf`). Pure and deterministic: the same BTF
// and names always give the same bytes.

import type { Btf, BtfType, EnumType, Enum64Type, IntType, Member, StructType, TypeId, UnionType } from "../../core/object/btf/index.ts";
import { IntEncoding } from "../../core/object/btf/index.ts";

/**
 * The types `tsbpf types --btf` declares by default: what tracers read most (tasks, memory maps, files and the VFS,
 * credentials, sockets and packets, block I/O, exec, registers). Their closure is a few hundred types.
 */
export const DEFAULT_BTF_TYPES: readonly string[] = [
  "task_struct", "mm_struct", "cred", "linux_binprm", "file", "path", "dentry", "qstr", "inode", "super_block",
  "sock", "sock_common", "sk_buff", "net_device", "request", "bio", "pt_regs",
];

/**
 * The types stdlib-types/kernel.d.ts declares (`npm run gen:kernel`): the defaults, and what the samples and
 * typical fentry/kprobe arguments reach (TCP sockets, signals, open files, memory areas, I/O requests).
 */
export const KERNEL_TYPES: readonly string[] = [
  ...DEFAULT_BTF_TYPES, "tcp_sock", "signal_struct", "files_struct", "fs_struct", "vm_area_struct", "socket", "kiocb",
  "nsproxy", "pid",
];

export interface BtfDeclarationOptions {
  /** Root type names: structs, unions, enums or typedefs. */
  readonly types: readonly string[];
  /** Where the BTF came from, for the header, e.g. "Linux 6.18.44 (/sys/kernel/btf/vmlinux)". */
  readonly source?: string;
  /** The module the integer aliases are imported from (default "tsbpf", for a tracer project). */
  readonly importFrom?: string;
  /** The command that regenerates the file, for its header (default `tsbpf types --btf`). */
  readonly command?: string;
}

export interface BtfDeclarations {
  readonly text: string;
  /** Requested names that the BTF has no struct, union, enum or typedef for. */
  readonly missing: readonly string[];
  /** How many declarations the text holds (the roots found and the types they embed). */
  readonly count: number;
  /** The TypeScript name of each struct and union declared, by type id (a typedef's anonymous body too). */
  readonly structs: ReadonlyMap<TypeId, string>;
}

/** Columns the generated text keeps to (the project's line length). */
const WIDTH = 120;

/** The aliases of stdlib-types the declarations may use, in the order they are imported. */
const ALIASES = ["Bits", "FixedArray", "KernelPtr", "Str", "ptr", "u8", "u16", "u32", "u64", "i8", "i16", "i32", "i64"] as const;

/** The symbol that brands every generated struct and union (see `KERNEL_LAYOUT_DOC`). */
const BRAND = "kernelLayout";

/**
 * Names a declaration may not take: TypeScript's reserved words and predefined types (an interface cannot be called
 * `string` or `class`), the contextual keywords, and what the file itself imports or declares.
 */
const RESERVED: ReadonlySet<string> = new Set([
  "break", "case", "catch", "class", "const", "continue", "debugger", "default", "delete", "do", "else", "enum",
  "export", "extends", "false", "finally", "for", "function", "if", "import", "in", "instanceof", "new", "null",
  "return", "super", "switch", "this", "throw", "true", "try", "typeof", "var", "void", "while", "with", "implements",
  "interface", "let", "package", "private", "protected", "public", "static", "yield", "any", "boolean", "never",
  "number", "object", "string", "symbol", "undefined", "unknown", "bigint", "abstract", "accessor", "as", "asserts",
  "async", "await", "constructor", "declare", "from", "get", "global", "infer", "intrinsic", "is", "keyof", "module",
  "namespace", "of", "out", "override", "readonly", "require", "satisfies", "set", "type", "unique", "using",
  ...ALIASES, BRAND,
]);

/** Declarable kinds, in the order a name is looked up: C keeps tags and typedefs apart, TypeScript does not. */
const RANK: Readonly<Record<string, number>> = { struct: 0, union: 1, typedef: 2, enum: 3, enum64: 3 };

type Aggregate = StructType | UnionType;

/** One declaration of the output: a named struct, union or enum, or a typedef that needs a name of its own. */
interface Declared {
  readonly type: BtfType;
  /** For a typedef of an anonymous struct or union: the aggregate it names. */
  readonly body?: Aggregate;
  name: string;
}

/** The .d.ts text declaring `options.types` from `btf`, and which of them the BTF lacks. */
export function generateBtfDeclarations(btf: Btf, options: BtfDeclarationOptions): BtfDeclarations {
  const g = new Generator(btf);
  const missing: string[] = [];
  const roots: string[] = [];
  for (const name of new Set(options.types)) {
    const root = findRoot(btf, name);
    if (root) {
      g.declareRoot(root);
      roots.push(name);
    } else missing.push(name);
  }
  const body = g.render();
  const header = headerLines(options.source, roots.sort(compare), g.declared.size, options.command).join("\n");
  const used = ALIASES.filter((a) => g.used.has(a));
  const imports = used.length ? `import type { ${used.join(", ")} } from ${JSON.stringify(options.importFrom ?? "tsbpf")};\n` : "";
  const brand = g.branded ? `\n${KERNEL_LAYOUT_DOC}\ndeclare const ${BRAND}: unique symbol;\n` : "";
  const text = `${header}\n\n${imports}${brand}${body.length ? "\n" + body.join("\n") : ""}${imports ? "" : "\nexport {};\n"}`;
  const structs = new Map<TypeId, string>();
  for (const d of g.declared.values()) {
    if (d.body) structs.set(d.body.id, d.name);
    else if (isAggregate(d.type)) structs.set(d.type.id, d.name);
  }
  return { text, missing, count: g.declared.size, structs };
}

const KERNEL_LAYOUT_DOC = `/**
 * Brands the kernel's structs and unions: their layout is the kernel's (unions, bitfields, anonymous members), which
 * tsbpf does not compute from a TypeScript interface, so the compiler refuses them as map values or as
 * \`bpf.probeReadKernel<T>\` types instead of laying them out wrongly: read single fields instead.
 */`;

function headerLines(source: string | undefined, roots: readonly string[], count: number, command = "tsbpf types --btf"): string[] {
  const of = source ? ` of ${source}` : "";
  const lines = [
    `// Kernel types${of} from BTF, generated by \`${command}\`: do not edit; regenerate instead.`,
    ...wrap(`Roots: ${roots.length ? roots.join(", ") : "(none)"}; with the types they embed, ${count} declarations.`, "// "),
    "// A pointer to a struct declared here is a `KernelPtr<T>`, whose fields read kernel memory (`task.real_parent.tgid`);",
    "// other pointers are a `ptr`, whose doc comment gives the C type. Each field's doc comment gives its C declaration,",
    "// offset and size in this kernel only: the compiler takes offsets from the running kernel's BTF at load (CO-RE).",
  ];
  return lines;
}

/** Splits `text` at spaces into lines of at most WIDTH columns, each starting with `prefix`. */
function wrap(text: string, prefix: string): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line && prefix.length + line.length + 1 + word.length > WIDTH) {
      lines.push(prefix + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(prefix + line);
  return lines;
}

/** The type a root name denotes: a struct before a union before a typedef before an enum, the first by id. */
function findRoot(btf: Btf, name: string): BtfType | undefined {
  const candidates = btf.findByName(name).filter((t) => RANK[t.kind] !== undefined);
  candidates.sort((a, b) => RANK[a.kind]! - RANK[b.kind]! || a.id - b.id);
  return candidates[0];
}

/** Code-unit order: the same on every machine, unlike localeCompare. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const isAggregate = (t: BtfType): t is Aggregate => t.kind === "struct" || t.kind === "union";

class Generator {
  /** Declarations by type id. */
  readonly declared = new Map<TypeId, Declared>();
  /** The aliases the text refers to. */
  readonly used = new Set<string>();
  /** Whether any struct or union was declared (and so the brand symbol is needed). */
  branded = false;

  constructor(private readonly btf: Btf) {}

  /** Declares a root; a typedef named explicitly gets a declaration even when it only names an integer. */
  declareRoot(t: BtfType): void {
    if (t.kind === "typedef" && !this.#typedefBody(t)) {
      if (!this.declared.has(t.id)) this.declared.set(t.id, { type: t, name: t.name });
      this.#visit(t.type);
      return;
    }
    this.#visit(t.id);
  }

  /** The anonymous struct or union a typedef names (through qualifiers), if that is what it names. */
  #typedefBody(t: BtfType & { kind: "typedef" }): Aggregate | undefined {
    const target = this.#unqualified(t.type);
    return isAggregate(target) && target.name === "" ? target : undefined;
  }

  /** What a pointer points to, through qualifiers, and through typedefs that are not declared themselves. */
  #pointee(id: TypeId): BtfType {
    let t = this.#unqualified(id);
    for (let hops = 0; t.kind === "typedef" && !this.declared.has(t.id) && hops < 32; hops++) t = this.#unqualified(t.type);
    return t;
  }

  /** Looks through const, volatile, restrict and type tags, but not typedefs. */
  #unqualified(id: TypeId): BtfType {
    let t = this.btf.typeById(id);
    while (t.kind === "const" || t.kind === "volatile" || t.kind === "restrict" || t.kind === "type_tag") t = this.btf.typeById(t.type);
    return t;
  }

  /**
   * Adds the declarations a value of type `id` needs: named structs, unions and enums it is or embeds, and
   * typedefs of anonymous structs. Pointers stop the walk: a `ptr` needs no declaration of what it points to.
   */
  #visit(id: TypeId): void {
    const t = this.btf.typeById(id);
    switch (t.kind) {
      case "struct": case "union":
        if (t.name !== "") {
          if (this.declared.has(t.id)) return;
          this.declared.set(t.id, { type: t, name: t.name });
        }
        for (const m of t.members) this.#visit(m.type);
        return;
      case "enum": case "enum64":
        if (t.name !== "" && !this.declared.has(t.id)) this.declared.set(t.id, { type: t, name: t.name });
        return;
      case "typedef": {
        const body = this.#typedefBody(t);
        if (!body) return this.#visit(t.type);
        if (this.declared.has(t.id)) return;
        this.declared.set(t.id, { type: t, body, name: t.name });
        for (const m of body.members) this.#visit(m.type);
        return;
      }
      case "array":
        return this.#visit(t.elemType);
      case "const": case "volatile": case "restrict": case "type_tag":
        return this.#visit(t.type);
      case "void": case "int": case "ptr": case "fwd": case "func": case "func_proto": case "var": case "datasec":
      case "float": case "decl_tag":
        return;
    }
  }

  /** Gives every declaration a unique TypeScript name, then returns the declarations sorted by it. */
  #named(): Declared[] {
    const all = [...this.declared.values()];
    // The preferred owner of a contested name is decided by (name, kind rank, id): never by discovery order.
    all.sort((a, b) => compare(a.type.name, b.type.name) || RANK[a.type.kind]! - RANK[b.type.kind]! || a.type.id - b.type.id);
    const taken = new Set(RESERVED);
    for (const d of all) {
      const base = d.type.name.replace(/[^A-Za-z0-9_$]/g, "_");
      let name = base;
      if (taken.has(name)) name = `${base}_${d.type.kind}`;
      for (let n = 2; taken.has(name); n++) name = `${base}_${d.type.kind}${n}`;
      taken.add(name);
      d.name = name;
    }
    return all.sort((a, b) => compare(a.name, b.name));
  }

  render(): string[] {
    return this.#named().map((d) => this.#declaration(d));
  }

  #declaration(d: Declared): string {
    const t = d.type;
    if (d.body || isAggregate(t)) {
      const body = d.body ?? (t as Aggregate);
      const what = t.kind === "typedef" ? `typedef ${this.btf.declaration(t.type, t.name)}` : `${t.kind} ${t.name}`;
      const overlap = body.kind === "union" ? "; its members overlap" : "";
      this.branded = true;
      const lines = [`/** ${what} — ${plural(body.size, "byte")}${overlap} */`, `export interface ${d.name} {`];
      lines.push(`  readonly [${BRAND}]: ${JSON.stringify(what)};`);
      this.#fields(body, 0, "  ", undefined, lines);
      lines.push("}");
      return lines.join("\n") + "\n";
    }
    if (t.kind === "enum" || t.kind === "enum64") {
      const title = `enum ${t.name} — ${plural(t.size, "byte")}`;
      const doc = t.values.length ? docBlock([`${title}:`, ...enumerators(t)], "") : `/** ${title} */`;
      return `${doc}\nexport type ${d.name} = ${this.#int(t.size, t.signed)};\n`;
    }
    if (t.kind === "typedef") {
      return `/** typedef ${this.btf.declaration(t.type, t.name)} */\nexport type ${d.name} = ${this.#ref(t.type, "")};\n`;
    }
    throw new Error(`btf-types: cannot declare ${t.kind} ${t.name}`); // #visit only declares the kinds above
  }

  /**
   * The fields of a struct or union, one doc comment and one property each. Members of anonymous structs and
   * unions are flattened into their parent, as C reaches them (`sk->sk_family` through `__sk_common`'s unions).
   */
  #fields(agg: Aggregate, baseBits: number, indent: string, within: string | undefined, lines: string[], seen = new Set<string>()): void {
    for (const m of agg.members) {
      const bitOffset = baseBits + m.bitOffset;
      if (m.name === "") {
        const inner = this.btf.resolve(m.type);
        // An unnamed non-aggregate member is C padding (`int :3`): nothing to read.
        if (isAggregate(inner)) {
          const where = within === "union" || inner.kind === "union" ? "union" : "struct";
          this.#fields(inner, bitOffset, indent, where, lines, seen);
        }
        continue;
      }
      // Duplicate names cannot come from valid C; keep the first, as a C compiler would have refused the second.
      if (seen.has(m.name)) continue;
      seen.add(m.name);
      lines.push(`${indent}/** ${this.#fieldDoc(m, bitOffset, within)} */`);
      // A bitfield is read by its bit position and width in the running kernel: `Bits<T>` tells the compiler.
      const type = this.#ref(m.type, indent);
      if (this.#bitfield(m)) this.used.add("Bits");
      lines.push(`${indent}readonly ${m.name}: ${this.#bitfield(m) ? `Bits<${type}>` : type};`);
    }
  }

  /** `char comm[16] — offset 3000, 16 bytes`; a bitfield: `unsigned int x:1 — offset 8 bit 3, 1 bit`. */
  #fieldDoc(m: Member, bitOffset: number, within: string | undefined): string {
    const bits = this.#bitfield(m);
    const where = within ? `, in an anonymous ${within}` : "";
    if (bits) {
      const at = bitOffset + bits.shift;
      return `${this.btf.declaration(m.type, m.name)}:${bits.width} — offset ${Math.floor(at / 8)} bit ${at % 8}, ${plural(bits.width, "bit")}${where} (bitfield)`;
    }
    let size: string;
    try {
      size = plural(this.btf.sizeOf(m.type), "byte");
    } catch {
      size = "size unknown";
    }
    const byte = bitOffset % 8 === 0 ? `offset ${bitOffset / 8}` : `offset ${Math.floor(bitOffset / 8)} bit ${bitOffset % 8}`;
    return `${this.btf.declaration(m.type, m.name)} — ${byte}, ${size}${where}`;
  }

  /**
   * The width of a bitfield member and where its bits start relative to the member's offset: kind_flag BTF gives
   * the width in the member (5.1+); older BTF encodes bitfields as INTs with `bits` narrower than their size.
   */
  #bitfield(m: Member): { width: number; shift: number } | undefined {
    if (m.bitfieldSize !== 0) return { width: m.bitfieldSize, shift: 0 };
    const t = this.btf.resolve(m.type);
    if (t.kind === "int" && (t.bitOffset !== 0 || t.bits !== t.size * 8)) return { width: t.bits, shift: t.bitOffset };
    return undefined;
  }

  /** The TypeScript type of a value of BTF type `id`; anonymous structs and unions are written out inline. */
  #ref(id: TypeId, indent: string): string {
    const t = this.btf.typeById(id);
    switch (t.kind) {
      case "int":
        return this.#intType(t);
      case "ptr": {
        // A pointer to a struct or union declared here can be followed: `KernelPtr<T>` (a ptr, with T's fields).
        const d = this.declared.get(this.#pointee(t.type).id);
        if (d && (d.body || isAggregate(d.type))) {
          this.used.add("KernelPtr");
          return `KernelPtr<${d.name}>`;
        }
        this.used.add("ptr");
        return "ptr";
      }
      case "array": {
        const elem = this.#unqualified(t.elemType);
        // Only plain `char` arrays are strings; `unsigned char` and `u8` arrays are bytes (addresses, buffers).
        if (elem.kind === "int" && elem.name === "char") {
          this.used.add("Str");
          return `Str<${t.nelems}>`;
        }
        this.used.add("FixedArray");
        return `FixedArray<${this.#ref(t.elemType, indent)}, ${t.nelems}>`;
      }
      case "struct": case "union": {
        const d = this.declared.get(t.id);
        if (d) return d.name;
        const lines = ["{"];
        this.#fields(t, 0, indent + "  ", undefined, lines);
        lines.push(`${indent}}`);
        return lines.join("\n");
      }
      case "enum": case "enum64":
        return this.declared.get(t.id)?.name ?? this.#int(t.size, t.signed);
      case "typedef":
        return this.declared.get(t.id)?.name ?? this.#ref(t.type, indent);
      case "const": case "volatile": case "restrict": case "type_tag":
        return this.#ref(t.type, indent);
      case "float":
        // eBPF has no floating point: the bytes, to copy or compare.
        this.used.add("FixedArray").add("u8");
        return `FixedArray<u8, ${t.size}>`;
      case "void": case "fwd": case "func": case "func_proto": case "var": case "datasec": case "decl_tag":
        // None of these can be the type of a field or an array element in C: only pointers to them can.
        return "never";
    }
  }

  #intType(t: IntType): string {
    if (t.encoding === IntEncoding.Bool && t.size === 1) return "boolean";
    if (t.size === 16) {
      // __int128: two u64s, low word first (little endian).
      this.used.add("FixedArray").add("u64");
      return "FixedArray<u64, 2>";
    }
    return this.#int(t.size, t.encoding === IntEncoding.Signed);
  }

  /** u8..u64 / i8..i64 by size; an odd size (never in vmlinux) as its bytes. */
  #int(size: number, signed: boolean): string {
    const name = size === 1 || size === 2 || size === 4 || size === 8 ? `${signed ? "i" : "u"}${size * 8}` : undefined;
    if (name) {
      this.used.add(name);
      return name;
    }
    this.used.add("FixedArray").add("u8");
    return `FixedArray<u8, ${size}>`;
  }
}

/** The enumerators of an enum, one `NAME = value` line each. */
function enumerators(t: EnumType | Enum64Type): string[] {
  return t.values.map((v) => `- ${v.name} = ${v.value}`);
}

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? "" : "s"}`;
}

/** A JSDoc block of `lines` (blank lines kept) at `indent`. */
function docBlock(lines: readonly string[], indent: string): string {
  const body = lines.map((l) => (l ? `${indent} * ${l}` : `${indent} *`));
  return [`${indent}/**`, ...body, `${indent} */`].join("\n");
}

/** One argument of a BTF tracepoint (`tpBtf`) as the kernel types it: its C type, and whether it is a pointer. */
export interface TpBtfArg {
  /** The C declaration of its type, e.g. "struct task_struct *". */
  readonly type: string;
  readonly pointer: boolean;
}

/**
 * The arguments of the BTF tracepoint `name` (`tpBtf(name, ...)`, attach type BPF_TRACE_RAW_TP), from the
 * `btf_trace_<name>` typedef the kernel's tracepoint macros declare: a pointer to a function prototype whose first
 * parameter is the `void *__data` the kernel skips (btf_ctx_access), the rest the tracepoint's arguments, in order.
 * The verifier types `ctx.arg(i)` by them. Undefined when the BTF has no such typedef (no such tracepoint).
 */
export function tpBtfArgs(btf: Btf, name: string): readonly TpBtfArg[] | undefined {
  const typedef = btf.findByName(`btf_trace_${name}`, "typedef")[0];
  if (!typedef) return undefined;
  const ptr = btf.resolve(typedef.id);
  if (ptr.kind !== "ptr") return undefined;
  const proto = btf.resolve(ptr.type);
  if (proto.kind !== "func_proto") return undefined;
  return proto.params.slice(1).map((p) => {
    const t = btf.resolve(p.type);
    return { type: btf.declaration(p.type, "").trim(), pointer: t.kind === "ptr" };
  });
}
