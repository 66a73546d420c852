// Reading results: a map (kernel BpfMap or the VM's MockMap: the same user-side interface) and its MapSpec in,
// merged AggregationData out, ready for the text and JSON printers.

import type { MapSpec } from "../../core/object/spec.ts";
import { type AggregationData, type AggregationEntry, collectBuckets, mergeCount, mergeMax, mergeMin, mergeStats } from "./aggregations.ts";

/** The user-side read interface both map implementations have. */
export interface ReadableMap {
  readonly perCpu: boolean;
  entries(): [unknown, unknown][];
  entriesPerCpu(): [unknown, unknown[]][];
}

const toBig = (v: unknown): bigint => (typeof v === "bigint" ? v : BigInt(v as number));

export function readAggregation(map: ReadableMap, spec: MapSpec): AggregationData {
  const a = spec.aggregation;
  if (!a) {
    const rows = map.perCpu ? map.entriesPerCpu().map(([k, vs]) => [k, sumAll(vs)] as [unknown, unknown]) : map.entries();
    const types = { ...(spec.key ? { keyType: spec.key } : {}), ...(spec.value ? { valueType: spec.value } : {}) };
    return { name: spec.name, kind: "map", keyed: true, entries: rows.map(([key, value]) => ({ key, value })), ...types };
  }
  const base = {
    name: spec.name, kind: a.kind, keyed: a.keyed, ...(a.unit ? { unit: a.unit } : {}), ...(a.top ? { top: a.top } : {}),
    ...(a.key ? { keyType: a.key } : {}),
  };
  const rows = map.entriesPerCpu();
  let entries: AggregationEntry[] = [];
  switch (a.kind) {
    case "count":
    case "sum":
      entries = rows.map(([key, vs]) => ({ key: a.keyed ? key : undefined, value: mergeCount(vs.map(toBig)) }));
      if (!a.keyed) entries = entries.filter((e) => "value" in e && e.value !== 0n).slice(0, 1);
      break;
    case "min":
    case "max": {
      for (const [key, vs] of rows) {
        const slots = vs.map((v) => {
          const s = v as { value: bigint; set: bigint };
          return { value: a.signed ? BigInt.asIntN(64, s.value) : BigInt.asUintN(64, s.value), set: s.set };
        });
        const m = a.kind === "min" ? mergeMin(slots, !!a.signed) : mergeMax(slots, !!a.signed);
        if (m !== undefined) entries.push({ key: a.keyed ? key : undefined, value: m });
      }
      break;
    }
    case "avg":
    case "stats":
      for (const [key, vs] of rows) {
        const s = mergeStats(vs as { count: bigint; total: bigint }[]);
        if (s.count > 0n) entries.push({ key: a.keyed ? key : undefined, count: s.count, total: s.total });
      }
      break;
    case "hist":
    case "lhist": {
      if (a.keyed) {
        const counts = rows.map(([k, vs]) => {
          const hk = k as { key: unknown; bucket: number };
          return { key: hk.key, bucket: hk.bucket, count: mergeCount(vs.map(toBig)) };
        });
        entries = collectBuckets(counts);
      } else {
        const buckets: bigint[] = [];
        for (const [k, vs] of rows) buckets[Number(k)] = mergeCount(vs.map(toBig));
        for (let i = 0; i < buckets.length; i++) buckets[i] ??= 0n;
        if (buckets.some((b) => b > 0n)) entries = [{ key: undefined, buckets }];
      }
      break;
    }
  }
  return {
    ...base,
    entries,
    ...(a.lhist ? { lhist: { min: BigInt(a.lhist.min), max: BigInt(a.lhist.max), step: BigInt(a.lhist.step) } } : {}),
  } as AggregationData;
}

function sumAll(vs: unknown[]): unknown {
  if (vs.every((v) => typeof v === "bigint")) return (vs as bigint[]).reduce((x, y) => x + y, 0n);
  if (vs.every((v) => typeof v === "number")) return (vs as number[]).reduce((x, y) => x + y, 0);
  return vs;
}
