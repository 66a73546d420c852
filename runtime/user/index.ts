// runtime/user: what `import { HashMap, Count, RingBuffer, bpf, param, ... } from "tsbpf"` gives a tracer module
// when it runs in Node (main(), load()): map objects bound to a loaded tracer's maps (kernel or VM), and the
// binding machinery the runner uses. Never imports the TypeScript compiler, nor koffi.

// Every class a tracer declares (core/maps.ts and core/aggregations.ts name them) and every probe declarator
// (core/probes.ts), whatever is added to their files.
export * from "./aggregations.ts";
export type { EventBackend, MapBackend, UpdateFlag } from "./backend.ts";
export { bindDeclarations, captureDeclarations, objectsFromSpec, type BackendFor, type CaptureOptions, type Captured } from "./bind.ts";
export * from "./events.ts";
export { bpf } from "./helpers.ts";
export { kernelBackends } from "./kernel-backends.ts";
export * from "./maps.ts";
export { param } from "./params.ts";
export * from "./probes.ts";
export { BIND, CLASS, isBindable, setParamValues, type Bindable, type ParamValue } from "./registry.ts";
export { simBackends } from "./sim-backends.ts";
