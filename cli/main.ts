// The tsbpf command line: argv in, exit code out. Each command lives in its own file under cli/. Whatever a command
// throws ends here as one report without a stack trace: bad input (CliError, exit 2), the kernel's refusal
// (BpfError: runtime/kernel/errors.ts has no dependencies, so loading it costs nothing), a syntax error in a tool's user-side code as esbuild found it, or, for a bug in tsbpf, its message
// (the stack with TSBPF_DEBUG=1).

import { BpfError } from "../runtime/kernel/errors.ts";
import { CliError } from "./args.ts";
import { asmCommand } from "./asm.ts";

const USAGE = `usage: tsbpf <command> [options]

commands:
  run <file.ts> [--duration S] [--json] [--verbose] [--param name=value]
                                            compile, load and attach a tracer; print its maps at exit
  build <file.ts> [--emit summary|asm|spec|ir]
                                            check and compile a tracer
  types [--categories a,b] [--out DIR] [--check]
                                            generate tracepoint declarations for the running kernel
  types --btf [--type a,b] [--out FILE] [--check]
                                            declare kernel structs (task_struct, sock...) from BTF
  asm <file.s> [--out file.bin] [--words]   assemble bpf_conformance-syntax assembly
  disasm <file.bin>                         disassemble raw eBPF bytecode
  vm <file.s|file.bin> [--mem hex] [--budget n]
                                            run a program in the eBPF VM and print r0
`;

const [command, ...args] = process.argv.slice(2);

async function dispatch(): Promise<number> {
  let code = 0;
  switch (command) {
    case "run":
      code = await (await import("./run.ts")).runCommand(args);
      break;
    case "build":
      code = await (await import("./build.ts")).buildCommand(args);
      break;
    case "types":
      code = await (await import("./types.ts")).typesCommand(args);
      break;
    case "asm":
    case "disasm":
    case "vm":
      code = await asmCommand(command, args);
      break;
    case undefined:
    case "help":
    case "--help":
    case "-h":
      process.stdout.write(USAGE);
      break;
    default:
      process.stderr.write(`tsbpf: unknown command '${command}'; see tsbpf --help\n`);
      code = 2;
  }
  return code;
}

try {
  process.exitCode = await dispatch();
} catch (e) {
  process.stderr.write(`${report(command ?? "", e)}\n`);
  process.exitCode = e instanceof CliError ? e.exitCode : 1;
}

/** What a command that threw prints: one report, never a stack trace unless TSBPF_DEBUG asks for it. */
function report(command: string, e: unknown): string {
  if (e instanceof CliError) return e.report();
  if (e instanceof BpfError) return e.report();
  const esbuild = esbuildProblems(e);
  if (esbuild) return esbuild;
  const debug = process.env.TSBPF_DEBUG ? `\n${e instanceof Error ? e.stack : ""}` : "";
  const message = e instanceof Error ? e.message.split("\n")[0] : String(e);
  return `tsbpf ${command}: internal error: ${message}\n  hint: this is a bug in tsbpf; TSBPF_DEBUG=1 shows where${debug}`;
}

/** esbuild's TransformError (tsx importing a tool's user side): its messages at file:line:col, as tsc prints them. */
function esbuildProblems(e: unknown): string | undefined {
  const errors = (e as { errors?: unknown } | undefined)?.errors;
  if (!Array.isArray(errors) || !errors.length) return undefined;
  const lines: string[] = [];
  for (const m of errors as { text?: unknown; location?: { file?: string; line?: number; column?: number; lineText?: string } | null }[]) {
    if (typeof m?.text !== "string") return undefined;
    const at = m.location ? `${m.location.file}:${m.location.line}:${(m.location.column ?? 0) + 1}: ` : "";
    lines.push(`${at}error: ${m.text}`);
    if (m.location?.lineText) lines.push(`  ${m.location.lineText}`);
  }
  return lines.join("\n");
}
