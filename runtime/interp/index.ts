// runtime/interp: the eBPF VM. Programs in, results and located faults out.

export { AddressSpace, type Region } from "./memory.ts";
export {
  DEFAULT_BUDGET, VmError, VmProgram, type Helper, type HelperContext, type MapRef, type RunInput, type RunResult,
  type VmMap, type VmOptions,
} from "./vm.ts";
export { MAX_FRAMES, STACK_SIZE } from "./jit.ts";
