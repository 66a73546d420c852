// core/asm: the instruction layer. Instructions as values, a builder DSL, encoding, decoding, validation,
// the text assembler and the disassembler, the kernel's helper ids. Imports nothing outside core/asm.

export * from "./opcodes.ts";
export * from "./instruction.ts";
export * from "./builder.ts";
export { BpfFunc, helperId, helperName } from "./helpers.ts";
export { AsmError, decode, encode, fromWords, resolve, slotIndex, toWords } from "./encode.ts";
export { opcodeSpec, validate } from "./validate.ts";
export { AssemblerError, parseAsm } from "./assembler.ts";
export { disassemble, formatInstruction, type DisasmOptions } from "./disasm.ts";
