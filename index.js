// The package's main entry for Node: dist/index.mjs (the bundle `npm install` builds) while it matches the
// sources, otherwise index.ts through tsx. Its export list must equal index.ts's (test/unit/package-entry.test.ts).
import { importEntry } from "./bin/fresh.js";

const m = await importEntry("index");
export const {
  Aggregation, ArrayMap, Avg, BIND, CLASS, CompileError, Count, HashMap, Histogram, KeyedMap, LinearHistogram,
  LruHashMap, LruPerCpuHashMap, Max, Min, PerCpuArrayMap, PerCpuHashMap, PerCpuKeyedMap, PerfEventArray, RingBuffer,
  Stats, Sum, Tracer, VmError, VmProgram, asm, bindDeclarations, bpf, captureDeclarations, fentry, fexit, interval,
  isBindable, kernelBackends, kprobe, kretprobe, load, mergeCpus, objectsFromSpec, param, profile, rawTracepoint,
  setParamValues, simBackends, tpBtf, tracepoint, uprobe, uretprobe
} = m;
