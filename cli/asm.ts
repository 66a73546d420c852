// `tsbpf asm | disasm | vm`: the instruction layer and the VM from the command line. Files in, text or bytes out.

import { writeFileSync } from "node:fs";
import { AsmError, AssemblerError, decode, disassemble, encode, parseAsm, toWords } from "../core/asm/index.ts";
import { VmError, VmProgram } from "../runtime/interp/index.ts";
import { CliError, integerOption, parseCommandArgs, usageHint } from "./args.ts";
import { fileProblem, readInput } from "./input.ts";

type Command = "asm" | "disasm" | "vm";

const isAssembly = (file: string) => file.endsWith(".s") || file.endsWith(".asm") || file.endsWith(".data");

const USAGE: Record<Command, string> = {
  asm: `usage: tsbpf asm <file.s> [-o file.bin] [--words]

Assembles bpf_conformance-syntax assembly; prints the bytecode as hex (8 bytes a line), as 64-bit words with
--words, or writes it to a file with -o.
`,
  disasm: `usage: tsbpf disasm <file.bin>

Disassembles raw eBPF bytecode (8-byte instructions, little-endian) into the syntax tsbpf asm reads.
`,
  vm: `usage: tsbpf vm <file.s|file.bin> [--mem hex] [--budget n]

Runs a program in the eBPF VM and prints r0. A .s, .asm or .data file is assembled first, anything else is
bytecode. --mem gives the input memory (r1 points at it) as hex bytes; --budget the most instructions to run.
`,
};

const OPTIONS = {
  asm: { out: { type: "string", short: "o" }, words: { type: "boolean" } },
  disasm: {},
  vm: { mem: { type: "string" }, budget: { type: "string" } },
} as const;

function readProgram(command: Command, file: string): Uint8Array {
  // Text files assemble; anything else is raw bytecode.
  const data = readInput(command, file, isAssembly(file) || command === "asm" ? "assembly" : "bytecode");
  if (isAssembly(file) || command === "asm") {
    let text = data.toString("utf8");
    if (file.endsWith(".data")) text = text.split(/^--\s*asm\s*$/m)[1]?.split(/^--/m)[0] ?? "";
    return encode(parseAsm(text));
  }
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

export async function asmCommand(command: Command, argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(command, argv, OPTIONS[command], USAGE[command]);
  if (typeof parsed === "number") return parsed;
  const values = parsed.values as { out?: string; words?: boolean; mem?: string; budget?: string };
  const [file, extra] = parsed.positionals;
  if (!file) throw new CliError(command, `missing file; ${usageHint(command)}`);
  if (extra !== undefined) throw new CliError(command, `unexpected argument ${extra}; ${usageHint(command)}`);
  const budget = integerOption(command, "budget", values.budget, 1);
  const memText = values.mem?.replace(/\s+/g, "").replace(/^0x/i, "");
  if (memText !== undefined && !/^([0-9a-fA-F]{2})*$/.test(memText)) {
    throw new CliError(command, `--mem must be hex bytes (e.g. 0a0b0c0d), not ${JSON.stringify(values.mem)}`);
  }
  try {
    const bytes = readProgram(command, file);
    if (command === "asm") {
      if (values.out) {
        try {
          writeFileSync(values.out, bytes);
        } catch (e) {
          throw new CliError(command, fileProblem(values.out, e, "write"));
        }
      } else if (values.words) process.stdout.write(toWords(bytes).map((w) => "0x" + w.toString(16).padStart(16, "0")).join("\n") + "\n");
      else process.stdout.write(Buffer.from(bytes).toString("hex").replace(/(.{16})/g, "$1\n"));
      return 0;
    }
    if (command === "disasm") {
      process.stdout.write(disassemble(decode(bytes), { indices: true }));
      return 0;
    }
    const mem = memText !== undefined ? Uint8Array.from(Buffer.from(memText, "hex")) : undefined;
    const program = VmProgram.load(bytes, budget !== undefined ? { budget } : {});
    const result = program.run(mem ? { mem } : {});
    process.stdout.write(`r0 = 0x${result.r0.toString(16)} (${result.r0}), ${result.instructions} instructions\n`);
    return 0;
  } catch (e) {
    if (e instanceof AssemblerError) {
      process.stderr.write(`${file}:${e.line}: error: ${e.message}\n`);
      return 1;
    }
    if (e instanceof AsmError || e instanceof VmError) {
      process.stderr.write(`${file}: error: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
