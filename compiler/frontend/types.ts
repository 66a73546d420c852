// Memory types from TypeScript: a type annotation (node) in, a TypeDesc (the shared layout model) out, or a
// diagnostic saying why the type has no fixed layout. tsbpf's integer aliases are recognised by their symbol, and so is
// `Syscall`, a u32 whose TypeDesc carries the display hint that makes the output print syscall names, and so are
// `KStack<D>`/`UStack<D>`, u64 stack ids whose hint makes it print the frames.

import { ts } from "ts-morph";
import type { FieldDesc, IntDisplay, TypeDesc } from "../../core/object/layout.ts";
import type { Diagnostics } from "../diagnostics.ts";
import { STDLIB_DIR, spanOf } from "./program.ts";

/** A scalar as the compiler tracks it: width and signedness (bool is an unsigned 8-bit with `bool`). */
export interface IntType {
  readonly bits: 8 | 16 | 32 | 64;
  readonly signed: boolean;
  readonly bool?: boolean;
}

export const U8: IntType = { bits: 8, signed: false };
export const U16: IntType = { bits: 16, signed: false };
export const U32: IntType = { bits: 32, signed: false };
export const U64: IntType = { bits: 64, signed: false };
export const I32: IntType = { bits: 32, signed: true };
export const I64: IntType = { bits: 64, signed: true };
export const BOOL: IntType = { bits: 8, signed: false, bool: true };

const INT_ALIASES: Record<string, IntType> = {
  u8: U8, u16: U16, u32: U32, u64: U64,
  i8: { bits: 8, signed: true }, i16: { bits: 16, signed: true }, i32: I32, i64: I64,
  ptr: U64, DataLoc: U32, Syscall: U32,
};

/** Integer aliases whose values print differently (core/object/layout.ts IntDisplay); in casts they are plain integers. */
const DISPLAYED: Record<string, IntDisplay> = { Syscall: "syscall" };

/** The largest Str<N> capacity or FixedArray length (1 MiB): more could not be a map value or an event. */
const MAX_SIZE = 1 << 20;

/** Frames a stack keeps when the tracer does not say: the kernel's default perf_event_max_stack, as bpftrace. */
export const DEFAULT_STACK_DEPTH = 127;
/** The deepest stack a stack trace map may hold by default (kernel.perf_event_max_stack). */
export const MAX_STACK_DEPTH = 127;

/** The struct a KFrames<D>/UFrames<D> is: the process, bpf_get_stack's result, the frames (FRAMES_OFFSET). */
export function framesDesc(display: "kframes" | "uframes", depth: number): TypeDesc {
  return {
    kind: "struct", name: display === "kframes" ? "KFrames" : "UFrames", display,
    fields: [
      { name: "pid", type: { kind: "int", size: 4, signed: false } },
      { name: "size", type: { kind: "int", size: 8, signed: true } },
      { name: "frames", type: { kind: "array", element: { kind: "int", size: 8, signed: false }, length: depth } },
    ],
  };
}

/** The u64 a KStack<D>/UStack<D> is: its display says which stack trace map holds its frames. */
export function stackDesc(stack: "kstack" | "ustack", depth: number): TypeDesc {
  return { kind: "int", size: 8, signed: false, display: stack, depth };
}

export function intDesc(t: IntType): TypeDesc {
  if (t.bool) return { kind: "bool" };
  return { kind: "int", size: (t.bits / 8) as 1 | 2 | 4 | 8, signed: t.signed };
}

export function intOf(t: TypeDesc): IntType | undefined {
  if (t.kind === "bool") return BOOL;
  if (t.kind === "int") return { bits: (t.size * 8) as IntType["bits"], signed: t.signed };
  if (t.kind === "pointer") return U64;
  return undefined;
}

/** Whether a symbol is declared in tsbpf's own declarations, and its name there. */
export function tsbpfName(checker: ts.TypeChecker, sym: ts.Symbol | undefined): string | undefined {
  if (!sym) return undefined;
  let s = sym;
  if (s.flags & ts.SymbolFlags.Alias) s = checker.getAliasedSymbol(s);
  const decl = s.declarations?.[0];
  if (!decl) return undefined;
  const file = decl.getSourceFile().fileName;
  return file.startsWith(STDLIB_DIR) ? s.getName() : undefined;
}

export class TypeResolver {
  private readonly inProgress = new Set<ts.Node>();

  constructor(private readonly checker: ts.TypeChecker, private readonly diags: Diagnostics) {}

  /** The layout type of an annotation, or undefined (with a diagnostic) when it has none. */
  fromNode(node: ts.TypeNode, what: string): TypeDesc | undefined {
    if (node.kind === ts.SyntaxKind.BooleanKeyword) return { kind: "bool" };
    if (node.kind === ts.SyntaxKind.AnyKeyword || node.kind === ts.SyntaxKind.UnknownKeyword) {
      this.diags.error("TSB1009", [what, node.getText()], spanOf(node),
        "give it a concrete type: an integer (u8..u64, i8..i64), boolean, Str<N>, FixedArray<T, N> or an interface");
      return undefined;
    }
    if (node.kind === ts.SyntaxKind.NumberKeyword) {
      this.diags.error("TSB2007", [what, "number"], spanOf(node), "use u8, u16, u32, i8, i16 or i32 (from \"tsbpf\")");
      return undefined;
    }
    if (node.kind === ts.SyntaxKind.BigIntKeyword) {
      this.diags.error("TSB2007", [what, "bigint"], spanOf(node), "use u64 or i64 (from \"tsbpf\")");
      return undefined;
    }
    if (node.kind === ts.SyntaxKind.StringKeyword) {
      this.diags.error("TSB2008", [what], spanOf(node), "use Str<N> (at most N - 1 bytes), e.g. Str<16> for a process name");
      return undefined;
    }
    if (ts.isParenthesizedTypeNode(node)) return this.fromNode(node.type, what);
    if (ts.isArrayTypeNode(node)) {
      this.diags.error("TSB2009", [what], spanOf(node), "use FixedArray<T, N>");
      return undefined;
    }
    if (ts.isTypeLiteralNode(node)) return this.struct(node.members, undefined, what, node);
    if (ts.isTypeReferenceNode(node)) return this.reference(node, what);
    this.diags.error("TSB2001", [what, node.getText()], spanOf(node),
      "use integers (u8..u64, i8..i64), boolean, Str<N>, FixedArray<T, N>, or interfaces of those");
    return undefined;
  }

  /**
   * The integer type a cast or an annotation names (`as i64`, `<i32>x`, `x: pid_t` where `type pid_t = i32`), or
   * undefined when it names no integer type; silent, for places where another type is not an error.
   */
  intType(node: ts.TypeNode | undefined): IntType | undefined {
    for (let n = node, hops = 0; n && hops < 64; hops++) {
      if (ts.isParenthesizedTypeNode(n)) {
        n = n.type;
        continue;
      }
      if (!ts.isTypeReferenceNode(n) || n.typeArguments?.length) return undefined;
      let sym = this.checker.getSymbolAtLocation(n.typeName);
      const builtin = tsbpfName(this.checker, sym);
      if (builtin !== undefined) return INT_ALIASES[builtin];
      if (sym && sym.flags & ts.SymbolFlags.Alias) sym = this.checker.getAliasedSymbol(sym);
      const decl = sym?.declarations?.[0];
      if (!decl || !ts.isTypeAliasDeclaration(decl) || decl.typeParameters?.length) return undefined;
      n = decl.type;
    }
    return undefined;
  }

  private reference(node: ts.TypeReferenceNode, what: string): TypeDesc | undefined {
    const sym = this.checker.getSymbolAtLocation(node.typeName);
    const builtin = tsbpfName(this.checker, sym);
    if (builtin !== undefined) {
      const int = INT_ALIASES[builtin];
      const display = DISPLAYED[builtin];
      if (int) return display ? { ...(intDesc(int) as Extract<TypeDesc, { kind: "int" }>), display } : intDesc(int);
      // A pointer to a kernel struct is an address; its fields are read where they are accessed (lower/kernel.ts).
      if (builtin === "KernelPtr") return intDesc(U64);
      if (builtin === "KFrames" || builtin === "UFrames") {
        const depth = node.typeArguments?.length ? this.stackDepth(node, what) : DEFAULT_STACK_DEPTH;
        return depth === undefined ? undefined : framesDesc(builtin === "KFrames" ? "kframes" : "uframes", depth);
      }
      if (builtin === "KStack" || builtin === "UStack") {
        const depth = node.typeArguments?.length ? this.stackDepth(node, what) : DEFAULT_STACK_DEPTH;
        return depth === undefined ? undefined : stackDesc(builtin === "KStack" ? "kstack" : "ustack", depth);
      }
      if (builtin === "Str") {
        const n = this.literalArg(node, 0, what);
        return n === undefined ? undefined : { kind: "string", capacity: n };
      }
      if (builtin === "FixedArray") {
        const elemNode = node.typeArguments?.[0];
        const n = this.literalArg(node, 1, what);
        const elem = elemNode ? this.fromNode(elemNode, what) : undefined;
        if (!elem || n === undefined) return undefined;
        if (elem.kind === "int" && elem.size === 1 && !elem.signed) return { kind: "array", element: elem, length: n };
        return { kind: "array", element: elem, length: n };
      }
    }
    let target = sym;
    if (target && target.flags & ts.SymbolFlags.Alias) target = this.checker.getAliasedSymbol(target);
    const decl = target?.declarations?.[0];
    if (decl && ts.isInterfaceDeclaration(decl)) {
      if (decl.typeParameters?.length) {
        this.diags.error("TSB2010", [what, "interfaces"], spanOf(node));
        return undefined;
      }
      return this.struct(decl.members, decl.name.text, what, decl);
    }
    if (decl && ts.isTypeAliasDeclaration(decl)) {
      if (decl.typeParameters?.length) {
        this.diags.error("TSB2010", [what, "type aliases"], spanOf(node));
        return undefined;
      }
      const t = this.fromNode(decl.type, what);
      return t && t.kind === "struct" && !t.name ? { ...t, name: decl.name.text } : t;
    }
    this.diags.error("TSB2001", [what, node.getText()], spanOf(node),
      "use integers (u8..u64, i8..i64), boolean, Str<N>, FixedArray<T, N>, or interfaces of those");
    return undefined;
  }

  /** The depth of KStack<D>/UStack<D>: a literal from 1 to MAX_STACK_DEPTH. */
  private stackDepth(node: ts.TypeReferenceNode, what: string): number | undefined {
    const n = this.literalArg(node, 0, what);
    if (n === undefined) return undefined;
    if (n > MAX_STACK_DEPTH) {
      this.diags.error("TSB2059", [String(n), "a stack depth", 1, MAX_STACK_DEPTH], spanOf(node.typeArguments![0]!), `in ${what}`);
      return undefined;
    }
    return n;
  }

  private literalArg(node: ts.TypeReferenceNode, i: number, what: string): number | undefined {
    const arg = node.typeArguments?.[i];
    // A literal, or any type the checker resolves to one: `typeof LEN` of a `const LEN = 64`, an alias `type N = 64`.
    const literal = arg ? this.checker.getTypeFromTypeNode(arg) : undefined;
    if (literal?.isNumberLiteral()) {
      const n = literal.value;
      if (Number.isInteger(n) && n > 0 && n <= MAX_SIZE) return n;
      if (Number.isInteger(n) && n > MAX_SIZE) {
        // A positive integer, but too large: say which sizes there are.
        this.diags.error("TSB2059", [String(n), `a ${node.typeName.getText()} size`, 1, MAX_SIZE], spanOf(arg!), `in ${what}`);
        return undefined;
      }
    }
    this.diags.error("TSB2011", [what, node.typeName.getText()], spanOf(node),
      `e.g. ${node.typeName.getText()}<16>, or <typeof LEN> of a \`const LEN = 16\``);
    return undefined;
  }

  private struct(members: ts.NodeArray<ts.TypeElement>, name: string | undefined, what: string, owner: ts.Node): TypeDesc | undefined {
    if (this.inProgress.has(owner)) {
      this.diags.error("TSB2012", [what, name ?? "the type"], spanOf(owner));
      return undefined;
    }
    this.inProgress.add(owner);
    try {
      const fields: FieldDesc[] = [];
      let ok = true;
      for (const m of members) {
        if (!ts.isPropertySignature(m) || !m.type || !(ts.isIdentifier(m.name) || ts.isStringLiteral(m.name))) {
          this.diags.error("TSB2013", [what], spanOf(m));
          ok = false;
          continue;
        }
        if (m.questionToken) {
          this.diags.error("TSB2014", [what], spanOf(m), "make the field required");
          ok = false;
          continue;
        }
        const t = this.fromNode(m.type, `${what}, field ${m.name.text}`);
        if (!t) {
          ok = false;
          continue;
        }
        fields.push({ name: m.name.text, type: t });
      }
      if (!ok) return undefined;
      if (fields.length === 0) {
        this.diags.error("TSB2015", [what], spanOf(owner));
        return undefined;
      }
      return name ? { kind: "struct", name, fields } : { kind: "struct", fields };
    } finally {
      this.inProgress.delete(owner);
    }
  }
}
