// core/aggregations.ts is the one definition of histogram buckets: the code the compiler emits for
// Histogram/LinearHistogram.record() (run in the VM) puts every value in the bucket its formulas name, and the
// aggregation table agrees with the classes a tracer constructs.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { AGGREGATIONS, LOG2_BUCKETS, aggregationOfClass, linearBounds, linearBucketCount, linearIndex, log2Bounds, log2Index } from "../../core/aggregations.ts";
import { simulate } from "../../testing.ts";

const fixture = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "vm", "buckets.ts");

const U64_MAX = (1n << 64n) - 1n;
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;

/** Values around every power of two and the linear histograms' edges, unsigned and signed. */
function values(): { u: bigint; s: bigint }[] {
  const out: { u: bigint; s: bigint }[] = [];
  const edges = [0n, 1n, 2n, 3n, 9n, 10n, 11n, 99n, 100n, 101n, 1000n, U64_MAX, 1n << 63n];
  for (let k = 0n; k < 64n; k++) edges.push((1n << k) - 1n, 1n << k, (1n << k) + 1n);
  const signed = [0n, -1n, 1n, -50n, -51n, -49n, -44n, -43n, 48n, 49n, 50n, 51n, I64_MIN, I64_MAX, -(1n << 40n), 1n << 40n];
  for (let i = 0; i < Math.max(edges.length, signed.length); i++) {
    out.push({ u: BigInt.asUintN(64, edges[i % edges.length]!), s: signed[i % signed.length]! });
  }
  return out;
}

test("emitted bucket code follows the core formulas for every edge value", async () => {
  const sim = await simulate(fixture, { cpus: 1 });
  const lin = (name: string) => {
    const l = sim.spec.maps.find((m) => m.name === name)!.aggregation!.lhist!;
    return { min: BigInt(l.min), max: BigInt(l.max), step: BigInt(l.step) };
  };
  const linu = lin("linu");
  const lins = lin("lins");
  const bucketOf = (name: string): number => {
    const hit = sim.mock(name).entriesMerged().filter(([, v]) => v !== 0n);
    assert.is(hit.length, 1, `${name}: exactly one bucket counted`);
    return Number(hit[0]![0]);
  };
  for (const { u, s } of values()) {
    for (const m of ["log2u", "log2s", "linu", "lins"]) sim.mock(m).clear();
    sim.fire("kprobe:vfs_read", { args: [u, BigInt.asUintN(64, s)] });
    assert.is(bucketOf("log2u"), log2Index(u), `log2 of u64 ${u}`);
    assert.is(bucketOf("log2s"), log2Index(s), `log2 of i64 ${s}`);
    assert.is(bucketOf("linu"), linearIndex(u, linu), `linear of u64 ${u}`);
    assert.is(bucketOf("lins"), linearIndex(s, lins), `linear of i64 ${s}`);
  }
});

test("bucket bounds hold the values whose index they are", () => {
  for (let i = 0; i < LOG2_BUCKETS; i++) {
    const b = log2Bounds(i);
    if (b.low !== undefined) assert.is(log2Index(b.low), i);
    if (b.high !== undefined) assert.is(log2Index(b.high - 1n), i);
  }
  assert.is(log2Index(U64_MAX), LOG2_BUCKETS - 1);
  const p = { min: -50n, max: 50n, step: 7n };
  for (let i = 0; i < linearBucketCount(p); i++) {
    const b = linearBounds(i, p);
    if (b.low !== undefined) assert.is(linearIndex(b.low, p), i);
    if (b.high !== undefined) assert.is(linearIndex(b.high - 1n, p), i);
  }
});

test("each aggregation kind is one class with one method, found by its class name", () => {
  for (const [kind, def] of Object.entries(AGGREGATIONS)) {
    assert.is(def.kind, kind);
    assert.is(aggregationOfClass(def.class), def);
  }
  assert.is(aggregationOfClass("HashMap"), undefined);
});

test.run();
