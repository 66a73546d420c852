// runtime/interp: the eBPF VM. Programs in, results and located faults out; mock maps and simulated helpers so
// that compiled tracers run without a kernel.

export { AddressSpace, type Acquired, type Region } from "./memory.ts";
export {
  DEFAULT_BUDGET, VmError, VmProgram, type Helper, type HelperContext, type MapRef, type RunInput, type RunResult,
  type VmMap, type VmOptions,
} from "./vm.ts";
export { MAX_FRAMES, STACK_SIZE } from "./jit.ts";
export { MockMap, asMockMap, type MockMapOptions } from "./maps.ts";
export { FakeClock, defaultEnvironment, memoryOf, seededRandom, simHelpers, type SimEnvironment } from "./helpers.ts";
export { SimCollection, type MockEventChannel, type SimCollectionOptions } from "./collection.ts";
export {
  DEFAULT_PERF_PAGES, MockPerfEventArray, MockRingBuffer, perfSampleSize, type CommitListener, type MockChannelOptions,
  type MockPerfEventArrayOptions, type RingRecord,
} from "./events.ts";
export { MockStackTraceMap } from "./stacks.ts";
