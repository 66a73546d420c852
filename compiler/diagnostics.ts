// Diagnostics: one type for every compiler message ({code, message, span, hint}), the table of tsbpf's codes, and
// the tsc-like printer with a code frame. TypeScript's own errors pass through with their TS codes.

import type { SourceSpan } from "../core/asm/index.ts";

export type Severity = "error" | "warning";

export interface Diagnostic {
  /** "TSB1002" for tsbpf's, "TS2322" for TypeScript's. */
  readonly code: string;
  readonly severity: Severity;
  readonly message: string;
  readonly span?: SourceSpan;
  readonly hint?: string;
}

/**
 * tsbpf's codes. TSB1xxx: syntax outside the subset; TSB2xxx: types and layout; TSB3xxx: the kernel verifier;
 * TSB9xxx: internal errors (compiler bugs).
 */
export const CODES = {
  TSB1001: "unsupported syntax",
  TSB1002: "classes are not supported",
  TSB1003: "exceptions are not supported",
  TSB1004: "async functions and generators are not supported",
  TSB1005: "closure over mutable outer state",
  TSB1006: "recursion is not supported",
  TSB1007: "dynamic property access",
  TSB1008: "floating point is not supported",
  TSB1009: "values of type any or unknown",
  TSB1010: "loop without a provable bound",
  TSB1011: "probe declarator misuse",
  TSB1012: "unsupported module-level statement",
  TSB1013: "unsupported expression",
  TSB1014: "unsupported statement",
  TSB1015: "unsupported string operation",
  TSB1016: "argument must be a compile-time constant",
  TSB1017: "unsupported import",
  TSB1018: "unsupported function",
  TSB2001: "type has no fixed layout",
  TSB2002: "type mismatch",
  TSB2003: "stack over 512 bytes",
  TSB2004: "unknown tracepoint or field",
  TSB2005: "too many arguments",
  TSB2006: "map declaration misuse",
  /** Reported by the runtime (runtime/kernel/verifier.ts) at the TS line of the instruction the verifier refused. */
  TSB3001: "rejected by the kernel verifier",
  TSB9001: "internal compiler error",
} as const;
export type Code = keyof typeof CODES;

export function error(code: Code, message: string, span: SourceSpan | undefined, hint?: string): Diagnostic {
  return { code, severity: "error", message, ...(span ? { span } : {}), ...(hint ? { hint } : {}) };
}

/** Thrown for compiler bugs only; user errors are diagnostics. */
export class InternalError extends Error {
  override readonly name = "InternalError";
  constructor(message: string, readonly span?: SourceSpan) {
    super(message);
  }
}

/** A collector passed explicitly through the phases (no global state). */
export class Diagnostics {
  readonly list: Diagnostic[] = [];

  add(d: Diagnostic): void {
    this.list.push(d);
  }

  error(code: Code, message: string, span: SourceSpan | undefined, hint?: string): void {
    this.list.push(error(code, message, span, hint));
  }

  get hasErrors(): boolean {
    return this.list.some((d) => d.severity === "error");
  }
}

/** Source text by file name, for code frames. */
export type SourceLookup = (file: string) => string | undefined;

const useColor = () => process.stdout.isTTY && !process.env.NO_COLOR;

/** Prints a diagnostic like tsc: `file:line:col - error CODE: message`, the source line, `~~~` under the span, the hint. */
export function formatDiagnostic(d: Diagnostic, sources: SourceLookup, color = useColor()): string {
  const c = (code: string, s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const where = d.span ? `${c("96", d.span.file)}:${c("93", String(d.span.line))}:${c("93", String(d.span.column))} - ` : "";
  const lines = [`${where}${c(d.severity === "error" ? "91" : "93", d.severity)} ${c("90", d.code)}: ${d.message}`];
  const text = d.span ? sources(d.span.file) : undefined;
  if (d.span && text !== undefined) {
    const src = text.split("\n")[d.span.line - 1]?.replace(/\r$/, "");
    if (src !== undefined) {
      const num = String(d.span.line);
      const col = Math.max(0, d.span.column - 1);
      const len = Math.max(1, Math.min(d.span.length ?? 1, src.length - col));
      lines.push("", `${c("7", num)} ${src}`, `${c("7", " ".repeat(num.length))} ${" ".repeat(col)}${c("91", "~".repeat(len))}`);
    }
  }
  if (d.hint) lines.push(`  ${c("36", "hint")}: ${d.hint}`);
  return lines.join("\n");
}

export function formatDiagnostics(ds: readonly Diagnostic[], sources: SourceLookup, color = useColor()): string {
  return ds.map((d) => formatDiagnostic(d, sources, color)).join("\n\n") + (ds.length ? "\n" : "");
}
