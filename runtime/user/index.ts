// runtime/user: what `import { HashMap, Count, RingBuffer, bpf, param, ... } from "tsbpf"` gives a tracer module
// when it runs in Node (main(), load()): map objects bound to a loaded tracer's maps (kernel or VM), and the
// binding machinery the runner uses. Never imports the TypeScript compiler, nor koffi.

export { Aggregation, Avg, Count, Histogram, LinearHistogram, Max, Min, Stats, Sum, type AggregationOptions, type Bucket, type StatsValue } from "./aggregations.ts";
export type { EventBackend, MapBackend, UpdateFlag } from "./backend.ts";
export { bindDeclarations, captureDeclarations, objectsFromSpec, type BackendFor, type CaptureOptions, type Captured } from "./bind.ts";
export { PerfEventArray, RingBuffer, type EventChannel } from "./events.ts";
export { bpf } from "./helpers.ts";
export { kernelBackends } from "./kernel-backends.ts";
export {
  ArrayMap, HashMap, KeyedMap, LruHashMap, LruPerCpuHashMap, PerCpuArrayMap, PerCpuHashMap, PerCpuKeyedMap, mergeCpus, type MapOptions,
} from "./maps.ts";
export { param } from "./params.ts";
export { fentry, fexit, interval, kprobe, kretprobe, profile, rawTracepoint, tpBtf, tracepoint, uprobe, uretprobe } from "./probes.ts";
export { BIND, CLASS, isBindable, setParamValues, type Bindable, type ParamValue } from "./registry.ts";
export { simBackends } from "./sim-backends.ts";
