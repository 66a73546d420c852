// Kernel structs as typed objects: a property access on a kernel type (`bpf.currentTask().real_parent.tgid`,
// `file.f_path.dentry`) in, reads of kernel memory out. The TypeScript types (stdlib-types/kernel.d.ts, or a
// project's `tsbpf types --btf` file) say what each step is: a `KernelPtr<T>` field is a pointer, read and followed;
// a struct or union field is embedded, and only moves the address; a `Bits<T>` field is a bitfield, shifted out of
// the bytes around it; an integer, `Str<N>` or `FixedArray` field is read into a value. Each read is
// bpf_probe_read_kernel of the field at its offset in the running kernel: a `btf_field` relocation (struct, dotted
// path through embedded members, size, or the part of the field wanted) that the loader resolves from the kernel's
// BTF (core/object/relocate.ts), so one compiled tracer reads the right bytes on every kernel. Also here:
// `fieldExists()`, and the typed parameters of kprobe, kretprobe, fentry and fexit handlers (`bindKernelArgs`).

import { ts } from "ts-morph";
import { BpfFunc } from "../../core/asm/helpers.ts";
import { type TypeDesc, layoutOf } from "../../core/object/layout.ts";
import { BOOL, type IntType, U64, intOf, tsbpfName } from "../frontend/types.ts";
import { type FieldPart, type Operand, imm, reg } from "../ir/ir.ts";
import { ERROR, type LowerCtx, type Val, VOID, scalar } from "./context.ts";
import { addressOf, lowerExpr } from "./expressions.ts";
import { inEventRecord } from "./helpers.ts";
import { PT_REGS, copiedArg } from "./probes.ts";
import { type Mem, loadInt, newMem, sameLayout, toScalar, zeroBytes } from "./values.ts";

/** The brand every generated kernel struct carries: `readonly [kernelLayout]: "struct task_struct"`. */
const BRAND = /^__@kernelLayout@\d+$/;

/** The C name of the kernel struct or union a TypeScript type is (or points to), or undefined. */
export function kernelStruct(checker: ts.TypeChecker, type: ts.Type): string | undefined {
  // A KernelPtr<T> is `ptr & T`: look in T, not in the intersection, whose properties TypeScript would make anew.
  if (type.isIntersection()) {
    for (const t of type.types) {
      const name = kernelStruct(checker, t);
      if (name) return name;
    }
    return undefined;
  }
  if (!(type.flags & ts.TypeFlags.Object)) return undefined;
  const brand = checker.getPropertiesOfType(type).find((p) => BRAND.test(p.escapedName as string));
  if (!brand) return undefined;
  const t = checker.getTypeOfSymbol(brand);
  if (!t.isStringLiteral()) return undefined;
  // "struct task_struct", "union bpf_attr", "typedef struct {...} atomic_t": the name is the last word.
  const m = /(\w+)$/.exec(t.value);
  return m?.[1];
}

/** What a field of a kernel struct is, from its declared TypeScript type. */
type FieldKind =
  | { readonly kind: "pointer" }
  | { readonly kind: "embedded" }
  | { readonly kind: "value"; readonly type: TypeDesc }
  | { readonly kind: "bits"; readonly type: IntType };

function fieldKind(cx: LowerCtx, e: ts.PropertyAccessExpression): FieldKind | undefined {
  const sym = cx.checker.getSymbolAtLocation(e.name);
  const decl = sym?.declarations?.[0];
  if (!decl || !ts.isPropertySignature(decl) || !decl.type) return undefined;
  const node = decl.type;
  const named = ts.isTypeReferenceNode(node) ? tsbpfName(cx.checker, cx.checker.getSymbolAtLocation(node.typeName)) : undefined;
  if (named === "KernelPtr") return { kind: "pointer" };
  if (named === "Bits") {
    const arg = (node as ts.TypeReferenceNode).typeArguments?.[0];
    const type = arg ? cx.p.types.intType(arg) : undefined;
    return type ? { kind: "bits", type } : undefined;
  }
  if (ts.isTypeLiteralNode(node) || kernelStruct(cx.checker, cx.checker.getTypeFromTypeNode(node))) return { kind: "embedded" };
  const type = cx.p.types.fromNode(node, `field ${e.name.text}`);
  return type ? { kind: "value", type } : undefined;
}

/** The struct a field access starts from, the dotted path through embedded members, and the pointer expression. */
function kernelPath(cx: LowerCtx, e: ts.PropertyAccessExpression, struct: string): { owner: string; field: string; base: ts.Expression } {
  // Walk back over embedded members to the pointer the path starts from.
  const path = [e.name.text];
  let owner = struct;
  let base: ts.Expression = e.expression;
  for (let inner = skipParens(base); ts.isPropertyAccessExpression(inner); inner = skipParens(base)) {
    const outer = kernelStruct(cx.checker, cx.checker.getTypeAtLocation(inner.expression));
    if (!outer || fieldKind(cx, inner)?.kind !== "embedded") break;
    path.unshift(inner.name.text);
    owner = outer;
    base = inner.expression;
  }
  return { owner, field: path.join("."), base };
}

/**
 * fieldExists(task.field): 1 when the running kernel has the field, else 0, set by the loader (a `btf_field`
 * relocation of part "exists"); nothing is read, and the object expression is not evaluated.
 */
export function fieldExists(cx: LowerCtx, call: ts.CallExpression): Val {
  const arg = call.arguments[0];
  if (!arg || call.arguments.length !== 1) return cx.error("TSB2027", ["fieldExists()", 1], call);
  const e = skipParens(arg);
  const struct = ts.isPropertyAccessExpression(e) ? kernelStruct(cx.checker, cx.checker.getTypeAtLocation(e.expression)) : undefined;
  if (!struct || !ts.isPropertyAccessExpression(e)) return cx.error("TSB2098", [arg.getText()], arg, "e.g. fieldExists(bpf.currentTask().core_cookie)");
  const { owner, field } = kernelPath(cx, e, struct);
  cx.at(call);
  const r = cx.b.newReg();
  cx.b.emit({ op: "fieldoff", dst: r, a: imm(0), reloc: { kind: "btf_field", struct: owner, field, part: "exists" } });
  return scalar(reg(r), BOOL);
}

/**
 * `e` when its object is a kernel struct (or a pointer to one), lowered; undefined when it is not (the caller goes
 * on with tsbpf's own structs). A run of embedded members (`file.f_path.dentry`) is one relocated offset from the
 * pointer that starts it.
 */
export function kernelProperty(cx: LowerCtx, e: ts.PropertyAccessExpression, dst?: Mem): Val | undefined {
  const struct = kernelStruct(cx.checker, cx.checker.getTypeAtLocation(e.expression));
  if (!struct) return undefined;
  const kind = fieldKind(cx, e);
  if (!kind) return cx.error("TSB2039", [`struct ${struct}`, e.name.text], e.name);
  const { owner, field, base } = kernelPath(cx, e, struct);
  const from = toScalar(cx, lowerExpr(cx, base), base);
  if (!from) return ERROR;
  cx.at(e);
  const at = (size?: number, part?: FieldPart, a: Operand = from.op) => {
    const r = cx.b.newReg();
    cx.b.emit({ op: "fieldoff", dst: r, a, reloc: { kind: "btf_field", struct: owner, field, ...(size === undefined ? {} : { size }), ...(part ? { part } : {}) } });
    return reg(r);
  };
  switch (kind.kind) {
    case "bits": {
      // 8 bytes from the byte of the field's first bit, shifted left and right by what the loader sets.
      const word = read(cx, { kind: "int", size: 8, signed: false }, at(undefined, "bit_offset"), e, undefined);
      if (word.kind !== "scalar") return word;
      const up = cx.b.bin("shl", word.op, at(undefined, "lshift", imm(0)));
      return scalar(cx.b.bin(kind.type.signed ? "ashr" : "lshr", up, at(undefined, "rshift", imm(0))), kind.type);
    }
    case "embedded":
      // The embedded struct's address: nothing is read until one of its fields is.
      return scalar(at(), U64);
    case "pointer":
      return read(cx, { kind: "int", size: 8, signed: false }, at(8), e, dst);
    case "value":
      return read(cx, kind.type, at(layoutOf(kind.type).size), e, dst);
  }
}

/**
 * bpf_probe_read_kernel of a `type` at `addr` (zeroed by the helper on failure): straight into `dst` when it has the
 * same layout (an event record's field: no copy), otherwise into a stack slot.
 */
function read(cx: LowerCtx, type: TypeDesc, addr: Operand, e: ts.Node, dst: Mem | undefined): Val {
  const size = layoutOf(type).size;
  const into = dst && sameLayout(dst.type, type);
  const m = into ? dst : newMem(cx, type, "a kernel field", e);
  if (type.kind === "string") {
    // A char array need not end in a NUL, and the helper leaves the bytes after one as they were: read as a string,
    // into zeroed memory so that it compares and hashes by value (an event record's reader stops at the NUL).
    if (!inEventRecord(cx, m)) zeroBytes(cx, m.base, m.off, size);
    cx.b.call(BpfFunc.ProbeReadKernelStr, [addressOf(cx, m), imm(size), addr]);
    return into ? VOID : { kind: "mem", ...m };
  }
  cx.b.call(BpfFunc.ProbeReadKernel, [addressOf(cx, m), imm(size), addr]);
  if (into) return VOID;
  const it = intOf(type);
  if (it) return scalar(loadInt(cx, m.base, m.off, it), it);
  return { kind: "mem", ...m };
}

function skipParens(e: ts.Expression): ts.Expression {
  while (ts.isParenthesizedExpression(e) || ts.isNonNullExpression(e)) e = e.expression;
  return e;
}

/** A kernel function's prototype as kernel-functions.d.ts declares it: its parameters' and return value's types. */
interface KernelSignature {
  readonly args: readonly { readonly name: string; readonly type: ts.TypeNode }[];
  readonly ret: ts.TypeNode;
}

/**
 * The prototype of kernel function `fn` in the `KernelFunctions` interface the program sees, when the handler of
 * `call` was typed by it (the declarator's overload with a type parameter was chosen); otherwise undefined, and the
 * handler gets the untyped context.
 */
function kernelSignature(cx: LowerCtx, call: ts.CallExpression, fn: string): KernelSignature | undefined {
  const decl = cx.checker.getResolvedSignature(call)?.getDeclaration();
  if (!decl || !decl.typeParameters?.length) return undefined;
  const mod = cx.checker.getSymbolAtLocation(decl.getSourceFile());
  const exported = mod && cx.checker.getExportsOfModule(mod).find((s) => s.name === "KernelFunctions");
  const target = exported && exported.flags & ts.SymbolFlags.Alias ? cx.checker.getAliasedSymbol(exported) : exported;
  const iface = target?.declarations?.find(ts.isInterfaceDeclaration);
  const member = iface?.members.find((m): m is ts.PropertySignature => ts.isPropertySignature(m) && m.name.getText() === fn);
  if (!member?.type || !ts.isTypeLiteralNode(member.type)) return undefined;
  const part = (name: string) => member.type && ts.isTypeLiteralNode(member.type)
    ? member.type.members.find((m): m is ts.PropertySignature => ts.isPropertySignature(m) && m.name.getText() === name)?.type : undefined;
  const args = part("args");
  const ret = part("ret");
  if (!args || !ts.isTupleTypeNode(args) || !ret) return undefined;
  return { args: args.elements.map((e, i) => (ts.isNamedTupleMember(e) ? { name: e.name.text, type: e.type } : { name: `arg${i}`, type: e })), ret };
}

/**
 * Binds the parameters of a kprobe, kretprobe, fentry or fexit handler typed by its function's BTF prototype
 * (`fentry("vfs_read", (file, buf, count, pos) => ...)`): fentry's and fexit's from the context's 64-bit slots (a
 * pointer copied out: the verifier's trusted pointer refuses arithmetic), fexit's last one the return value after
 * the arguments; a kprobe's from the registers of the calling convention, a kretprobe's one from the return
 * register. Each value is narrowed to its declared type. Returns false when the handler is not typed this way.
 */
export function bindKernelArgs(cx: LowerCtx, h: ts.ArrowFunction | ts.FunctionExpression): boolean {
  const probe = cx.probe;
  if (!probe || !["kprobe", "kretprobe", "fentry", "fexit"].includes(probe.kind) || !ts.isCallExpression(h.parent)) return false;
  const fn = String(probe.args[0]);
  const sig = kernelSignature(cx, h.parent, fn);
  if (!sig) return false;
  const ctx = { kind: "reg" as const, id: cx.ctxReg };
  const regs = PT_REGS[cx.p.arch];
  const slots: { name: string; type: ts.TypeNode; read: () => Val }[] = [];
  if (probe.kind === "kretprobe") {
    slots.push({ name: "ret", type: sig.ret, read: () => scalar(cx.b.load(ctx, regs.ret, 8, false), U64) });
  } else {
    sig.args.forEach((a, i) => slots.push({
      ...a,
      read: () => {
        if (probe.kind === "kprobe") return scalar(cx.b.load(ctx, regs.args[i]!, 8, false), U64);
        return isPointer(cx, a.type) ? copiedArg(cx, i, `argument ${a.name} of ${fn}`, h) : scalar(cx.b.load(ctx, i * 8, 8, false), U64);
      },
    }));
    if (probe.kind === "fexit") slots.push({ name: "ret", type: sig.ret, read: () => scalar(cx.b.load(ctx, sig.args.length * 8, 8, false), U64) });
  }
  h.parameters.forEach((p, i) => {
    const slot = slots[i];
    if (!ts.isIdentifier(p.name)) return void cx.error("TSB1013", ["destructuring"], p.name);
    if (!slot) return; // TypeScript has said that there is no such argument
    const sym = cx.symbol(p.name);
    if (!sym || !referenced(cx, h.body, sym)) return;
    // An argument that cannot be read is reported once, here, and is an error value where it is used.
    const failed = () => cx.bind(sym, { kind: "value", val: ERROR, mutable: false });
    if (probe.kind === "kprobe" && i >= regs.args.length) {
      cx.error("TSB2096", [fn, regs.args.length, slot.name, i], p, "fentry reads every argument of a function, from its trampoline");
      return failed();
    }
    if (slot.type.kind === ts.SyntaxKind.VoidKeyword) {
      cx.error("TSB2097", [fn], p);
      return failed();
    }
    const type = cx.p.types.fromNode(slot.type, `argument ${slot.name} of ${fn}`);
    const it = type && intOf(type);
    if (!it) return failed();
    cx.at(p);
    const v = slot.read();
    if (v.kind !== "scalar") return;
    const narrowed = it.bits === 64 ? v.op : cx.b.ext(v.op, it.bits as 8 | 16 | 32, it.signed);
    cx.bind(sym, { kind: "value", val: scalar(narrowed, it), mutable: false });
  });
  return true;
}

function isPointer(cx: LowerCtx, node: ts.TypeNode): boolean {
  if (!ts.isTypeReferenceNode(node)) return false;
  const name = tsbpfName(cx.checker, cx.checker.getSymbolAtLocation(node.typeName));
  return name === "KernelPtr" || name === "ptr";
}

/** Whether `body` refers to `sym` (an unread argument costs nothing, not even its copy). */
function referenced(cx: LowerCtx, body: ts.Node, sym: ts.Symbol): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (ts.isIdentifier(n) && cx.symbol(n) === sym) found = true;
    else ts.forEachChild(n, visit);
  };
  visit(body);
  return found;
}
