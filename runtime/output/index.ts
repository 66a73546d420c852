// runtime/output: tracer results printed the way bpftrace prints its maps. AggregationData in (built from map
// reads with the per-CPU merging helpers), bpftrace's text output or NDJSON records out; a run's stages (attached,
// events, aggregation, lost, end) through one Output interface, text or NDJSON behind it, chosen by name.

// The bucket formulas are core's (the compiler emits those indices); they are part of reading results too.
export { type BucketBounds, LOG2_BUCKETS, type LinearHistogramParams, linearBounds, log2Bounds } from "../../core/aggregations.ts";
export {
  bucketBounds,
  collectBuckets,
  compareKeys,
  keyIdentity,
  mergeCount,
  mergeMax,
  mergeMin,
  mergeStats,
  orderedEntries,
  type AggregationData,
  type AggregationEntry,
  type AggregationKind,
  type MinMaxSlot,
} from "./aggregations.ts";
export { barLength, bucketLabel, formatAggregation, formatAggregations, formatKey, formatValue, type FormatOptions } from "./text.ts";
export {
  aggregationJson,
  attachedJson,
  eventJson,
  JSON_FORMAT_VERSION,
  jsonKey,
  lostJson,
  mapJson,
  printfJson,
  serialize,
  toNdjson,
  type AggregationRecord,
  type AggregationRecordType,
  type JsonValue,
} from "./json.ts";export {
  eventColumns,
  escapeText,
  formatEventHeader,
  formatEventLine,
  formatLost,
  formatWith,
  isHexName,
  type ColumnStyle,
  type EventColumn,
  type EventColumnOptions,
} from "./events.ts";
export { eventChannel, writeAndDrain, type EventChannel, type Output, type OutputOptions, type Sink, type Writer } from "./output.ts";
export { TextOutput } from "./text-output.ts";
export { JsonOutput, type JsonOutputOptions } from "./json-output.ts";
export { FoldedOutput } from "./folded-output.ts";
export { createOutput, isOutputFormat, OUTPUT_FORMATS, type OutputFormat } from "./formats.ts";
export { GuardedWriter, processSink, type StdioSink } from "./stdio.ts";
