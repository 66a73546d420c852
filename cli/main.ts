// The tsbpf command line: argv in, exit code out. Each command lives in its own file under cli/. Whatever a command
// throws ends here as one report without a stack trace (cli/report.ts); bad input (CliError) exits 2.

import { CliError } from "./args.ts";
import { describeFailure } from "./report.ts";

const USAGE = `usage: tsbpf <command> [options]

  tsbpf -e '<program>' [run options]         run a one-liner (docs/one-liners.md)

commands:
  run <file.ts|file.tsbpf> [--duration S] [--json] [--verbose] [--param name=value]
                                            compile, load and attach a tracer; print its maps at exit
  build <file.ts> [--emit summary|asm|spec|ir|tsbpf] [-o out]
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
`;

const [command, ...args] = process.argv.slice(2);

async function dispatch(): Promise<number> {
  let code = 0;
  switch (command) {
    case "run":
      code = await (await import("./run.ts")).runCommand(args);
      break;
    case "-e":
      // bpftrace's one-liner: `tsbpf -e 'program' [run options]`.
      code = await (await import("./run.ts")).runCommand([command, ...args]);
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
    default:
      process.stderr.write(`tsbpf: unknown command '${command}'; see tsbpf --help\n`);
      code = 2;
  }
  return code;
}

try {
  process.exitCode = await dispatch();
} catch (e) {
  process.stderr.write(`${describeFailure(command ?? "", e)}\n`);
  process.exitCode = e instanceof CliError ? e.exitCode : 1;
}
