// The tsbpf command line: argv in, exit code out. Each command lives in its own file under cli/.

import { asmCommand } from "./asm.ts";

const USAGE = `usage: tsbpf <command> [options]

commands:
  asm <file.s> [--out file.bin] [--words]   assemble bpf_conformance-syntax assembly
  disasm <file.bin>                         disassemble raw eBPF bytecode
  vm <file.s|file.bin> [--mem hex] [--budget n]
                                            run a program in the eBPF VM and print r0
`;

const [command, ...args] = process.argv.slice(2);
let code = 0;
switch (command) {
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
    process.stderr.write(`tsbpf: unknown command '${command}'\n\n${USAGE}`);
    code = 2;
}
process.exitCode = code;
