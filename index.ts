// The public API of `tsbpf`: the user side of a tracer (maps, aggregations, event channels, param(), the probe
// declarators and `bpf` as they behave when the module runs in Node, plus the binding that the runner and load()
// use), the instruction layer (build, encode, assemble, disassemble eBPF) and the VM. Importing it loads neither
// the TypeScript compiler nor koffi (the kernel layer loads koffi when a kernel is opened).

export * from "./runtime/user/index.ts";
export * as asm from "./core/asm/index.ts";
export { VmError, VmProgram, type Helper, type HelperContext, type RunInput, type RunResult, type VmOptions } from "./runtime/interp/index.ts";
export { CompileError, Tracer, load, type LoadOptions } from "./load.ts";
