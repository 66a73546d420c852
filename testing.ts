// The public API of `tsbpf/testing`: running eBPF without root. So far the VM itself; `simulate()` with mock maps
// and helpers joins here.

export { DEFAULT_BUDGET, VmError, VmProgram, type Helper, type HelperContext, type RunInput, type RunResult, type VmMap, type VmOptions } from "./runtime/interp/index.ts";
