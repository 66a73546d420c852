// The public API of `tsbpf`. So far: the instruction layer (build, encode, assemble, disassemble eBPF) and the VM.
// The tracer language (probes, maps) and `load()` join here as they land.

export * as asm from "./compiler/asm/index.ts";
export { VmError, VmProgram, type Helper, type HelperContext, type RunInput, type RunResult, type VmOptions } from "./runtime/interp/index.ts";
