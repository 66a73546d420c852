// What a command that threw prints: an error in, a report without a stack trace out. Bad input (CliError, which is
// also how a tool's user side that esbuild cannot bundle is reported, at file:line:col as tsc would) and the
// kernel's refusals (BpfError) say what to do; a module that cannot be found, or a tool's module that threw while
// being imported, is named with the place (its bundle's source map gives the TypeScript line); anything else is a
// bug in tsbpf (its stack with TSBPF_DEBUG=1). And whether what a command prints may be coloured (useColor).

import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import { BpfError } from "../runtime/kernel/errors.ts";
import { PACKAGE_ROOT } from "../compiler/paths.ts";
import { CliError } from "./args.ts";

export function describeFailure(command: string, e: unknown): string {
  if (e instanceof CliError || e instanceof BpfError) return e.report();
  const message = e instanceof Error ? e.message.split("\n")[0]! : String(e);
  const code = e instanceof Error && "code" in e ? String(e.code) : "";
  if (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") {
    return `tsbpf ${command}: ${message}\n  hint: install what the tracer imports in its project (npm install), and run tsbpf from there`;
  }
  const where = e instanceof Error ? userFrame(e) : undefined;
  if (where) return `${where} - error: ${message}\n  hint: the tool's module threw this while it was imported`;
  const debug = process.env.TSBPF_DEBUG && e instanceof Error ? `\n${e.stack}` : "";
  return `tsbpf ${command}: internal error: ${message}\n  hint: this is a bug in tsbpf; TSBPF_DEBUG=1 shows where${debug}`;
}

/** tsbpf's own code, relative to the package root (tools may live in the package too: samples/, test/). */
const OWN = /^(cli|compiler|core|runtime|dist|bin)\/|^(index|load|testing)\.[jt]s$/;

/** The first stack frame in a file outside tsbpf and Node (the tool's own code), as file:line:col. */
export function userFrame(e: Error): string | undefined {
  for (const line of (e.stack ?? "").split("\n").slice(1)) {
    const m = /\(?((?:file:\/\/)?\/[^():]+):(\d+):(\d+)\)?\s*$/.exec(line);
    if (!m) continue;
    const file = m[1]!.startsWith("file://") ? fileURLToPath(m[1]!) : m[1]!;
    if (OWN.test(relative(PACKAGE_ROOT, file))) return undefined;
    // A dependency's frame (the tool's or tsbpf's): whose code called it decides.
    if (/[\\/]node_modules[\\/]/.test(file)) continue;
    return `${file}:${m[2]}:${m[3]}`;
  }
  return undefined;
}

/** The part of a stream that says whether a person reads it: process.stdout and process.stderr are ones. */
export interface ColorTarget {
  readonly isTTY?: boolean | undefined;
}

/**
 * Whether text written to `stream` may carry colours (ANSI escapes): never when NO_COLOR is set and not empty
 * (no-color.org); always when FORCE_COLOR is, unless it is "0" or "false" (as Node's own colours read it); otherwise
 * only on a terminal that is not TERM=dumb. Ask it of the stream the text goes to: diagnostics go to stderr.
 */
export function useColor(stream: ColorTarget, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR) return false;
  const force = env.FORCE_COLOR;
  if (force) return force !== "0" && force !== "false";
  return stream.isTTY === true && env.TERM !== "dumb";
}
