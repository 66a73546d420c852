// `tsbpf asm | disasm | vm`: the instruction layer and the VM from the command line. Files in, text or bytes out.

import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { AsmError, AssemblerError, decode, disassemble, encode, parseAsm, toWords } from "../core/asm/index.ts";
import { VmError, VmProgram } from "../runtime/interp/index.ts";

function readProgram(file: string): Uint8Array {
  const data = readFileSync(file);
  // Text files assemble; anything else is raw bytecode.
  if (file.endsWith(".s") || file.endsWith(".asm") || file.endsWith(".data")) {
    let text = data.toString("utf8");
    if (file.endsWith(".data")) text = text.split(/^--\s*asm\s*$/m)[1]?.split(/^--/m)[0] ?? "";
    return encode(parseAsm(text));
  }
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

export async function asmCommand(command: "asm" | "disasm" | "vm", argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      out: { type: "string", short: "o" },
      words: { type: "boolean" },
      mem: { type: "string" },
      budget: { type: "string" },
    },
  });
  const file = positionals[0];
  if (!file) {
    process.stderr.write(`tsbpf ${command}: missing file\n`);
    return 2;
  }
  try {
    const bytes = readProgram(file);
    if (command === "asm") {
      if (values.out) writeFileSync(values.out, bytes);
      else if (values.words) process.stdout.write(toWords(bytes).map((w) => "0x" + w.toString(16).padStart(16, "0")).join("\n") + "\n");
      else process.stdout.write(Buffer.from(bytes).toString("hex").replace(/(.{16})/g, "$1\n"));
      return 0;
    }
    if (command === "disasm") {
      process.stdout.write(disassemble(decode(bytes), { indices: true }));
      return 0;
    }
    const mem = values.mem ? Uint8Array.from(Buffer.from(values.mem.replace(/\s+/g, ""), "hex")) : undefined;
    const program = VmProgram.load(bytes, values.budget ? { budget: Number(values.budget) } : {});
    const result = program.run(mem ? { mem } : {});
    process.stdout.write(`r0 = 0x${result.r0.toString(16)} (${result.r0}), ${result.instructions} instructions\n`);
    return 0;
  } catch (e) {
    if (e instanceof AssemblerError) process.stderr.write(`${file}:${e.line}: error: ${e.message}\n`);
    else if (e instanceof AsmError || e instanceof VmError) process.stderr.write(`${file}: error: ${e.message}\n`);
    else if (e instanceof Error && "code" in e && e.code === "ENOENT") process.stderr.write(`tsbpf: cannot read ${file}\n`);
    else throw e;
    return 1;
  }
}
