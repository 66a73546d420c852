// The tsbpf command line: argv in, exit code out. Each command lives in its own file under cli/. A first word that is
// no command but a file (`tsbpf tool.ts`) or one of run's options (`tsbpf -q tool.ts`) is `tsbpf run`, as bpftrace
// takes a program file. Whatever a command throws ends here as one report without a stack trace (cli/report.ts);
// bad input (CliError) exits 2.

import { statSync } from "node:fs";
import { CliError } from "./args.ts";
import { describeFailure } from "./report.ts";

const USAGE = `usage: tsbpf <command> [options]
       tsbpf <file.ts|file.tsbpf> [run options]   (as tsbpf run)
       tsbpf -e '<program>' [run options]         a one-liner (docs/one-liners.md)

commands:
  run <file.ts|file.tsbpf> [-d seconds] [-f text|json|folded] [-o file] [-q] [-v] [--param name=value]
                                            compile, load and attach a tracer; print its maps at exit
  serve <file.ts|file.tsbpf> [--metrics [HOST]:PORT] [--otlp URL] [--web.config.file FILE] [--user NAME]
                                            run a tracer as a daemon; serve its maps as Prometheus metrics
  build <file.ts> [--emit summary|asm|spec|ir|tsbpf|object] [-o out]
                                            check and compile a tracer
  types [--categories a,b] [--out DIR] [--check]
                                            generate tracepoint declarations for the running kernel
  types --btf [--type a,b] [--out FILE] [--check]
                                            declare kernel structs (task_struct, sock...) from BTF
  list [-v] [pattern], -l [pattern]         list probes: tracepoints, kernel functions, uprobes (uprobe:libc:*)...
  asm <file.s> [--out file.bin] [--words]   assemble bpf_conformance-syntax assembly
  disasm <file.bin>                         disassemble raw eBPF bytecode
  vm <file.s|file.bin> [--mem hex] [--budget n]
                                            run a program in the eBPF VM and print r0

options:
  -h, --help                                this text; tsbpf <command> --help for a command's
  -V, --version                             tsbpf's version
`;

const [command, ...args] = process.argv.slice(2);
/** The command running, as a failure names it: `run` for `tsbpf tool.ts`. */
let running = command ?? "";

async function dispatch(): Promise<number> {
  let code = 0;
  switch (command) {
    case "run":
      code = await (await import("./run.ts")).runCommand(args);
      break;
    case "serve":
      code = await (await import("./serve.ts")).serveCommand(args);
      break;
    case "build":
      code = await (await import("./build.ts")).buildCommand(args);
      break;
    case "types":
      code = await (await import("./types.ts")).typesCommand(args);
      break;
    case "list":
    case "-l":
    case "-lv":
      code = await (await import("./list.ts")).listCommand(command === "-lv" ? ["-v", ...args] : args);
      break;
    case "asm":
    case "disasm":
    case "vm":
      code = await (await import("./asm.ts")).asmCommand(command, args);
      break;
    case undefined:
    case "help":
    case "--help":
    case "-h":
      process.stdout.write(USAGE);
      break;
    case "--version":
    case "-V":
      if (args.length) {
        process.stderr.write(`tsbpf: ${command} takes no arguments; see tsbpf --help\n`);
        code = 2;
      } else process.stdout.write(`tsbpf ${(await import("../compiler/paths.ts")).PACKAGE_VERSION}\n`);
      break;
    default: {
      const run = await import("./run.ts");
      if (isFileLike(command) || run.isRunOption(command)) {
        running = "run";
        code = await run.runCommand([command, ...args]);
      } else {
        const what = command.startsWith("-") ? `unknown option ${command}` : `unknown command '${command}'`;
        process.stderr.write(`tsbpf: ${what}; see tsbpf --help\n`);
        code = 2;
      }
    }
  }
  return code;
}

/**
 * Whether the first word names a tracer rather than a command: an existing file, or a path that would be one (the
 * run then says what is wrong with it: missing, a directory).
 */
function isFileLike(word: string): boolean {
  if (word.startsWith("-")) return false;
  if (/\.(ts|tsbpf)$/.test(word) || word.includes("/")) return true;
  return statSync(word, { throwIfNoEntry: false })?.isFile() === true;
}

try {
  process.exitCode = await dispatch();
} catch (e) {
  process.stderr.write(`${describeFailure(running, e)}\n`);
  process.exitCode = e instanceof CliError ? e.exitCode : 1;
}
