// runtime/kernel: everything that touches the running kernel. CollectionSpec in, live maps, programs, links and
// event readers out. Never imports the TypeScript compiler.

export { Collection, type CollectionOptions } from "./collection.ts";
export { releaseAll, track } from "./cleanup.ts";
export { BpfError, NotFoundError, UnsupportedFeatureError, PERMISSION_HINT } from "./errors.ts";
export { Kernel, type KernelOptions } from "./kernel.ts";
export { attach, describeAttach, type Link } from "./links/index.ts";
export { BpfMap, mapInfo, sumValues, type MapInfo, type UpdateFlag } from "./maps.ts";
export { PerfBufferReader, type PerfBufferOptions } from "./perfbuf.ts";
export { Program, type LoadOptions, type ProgramInfo } from "./programs.ts";
export { RingBufferReader, type RingBufferOptions } from "./ringbuf.ts";
export { linuxSys, SysError, type Sys } from "./sys.ts";
export { Tracefs, type TracepointField, type TracepointFormat } from "./tracefs.ts";
export { VerifierError } from "./verifier.ts";
