// `tsbpf run file.ts [--duration S] [--json] [--verbose] [--param name=value]`: compile (cached), load, attach,
// wait for Ctrl-C or the duration, then print every exported map as bpftrace does (or NDJSON). Exit non-zero on
// failure; every kernel object is released on every path.

import { parseArgs } from "node:util";
import { z } from "zod";
import { formatDiagnostics } from "../compiler/diagnostics.ts";
import { setParams } from "../compiler/object/params.ts";
import type { CollectionSpec } from "../compiler/object/spec.ts";
import { BpfError } from "../runtime/kernel/errors.ts";
import { compileCached } from "../compiler/cache.ts";

const Options = z.object({
  duration: z.coerce.number().positive().optional(),
  json: z.boolean().default(false),
  verbose: z.boolean().default(false),
  cache: z.boolean().default(true),
  param: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*=.+$/, "expected name=value")).default([]),
});

const USAGE = "usage: tsbpf run <file.ts> [--duration seconds] [--json] [--verbose] [--param name=value]... [--no-cache]\n";

export async function runCommand(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv, allowPositionals: true,
      options: {
        duration: { type: "string", short: "d" }, json: { type: "boolean" }, verbose: { type: "boolean", short: "v" },
        "no-cache": { type: "boolean" }, param: { type: "string", short: "p", multiple: true },
      },
    });
  } catch (e) {
    process.stderr.write(`tsbpf run: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const opts = Options.safeParse({ ...values, cache: !values["no-cache"] });
  const file = positionals[0];
  if (!opts.success || !file) {
    process.stderr.write(`${opts.success ? "" : opts.error.issues.map((i) => `tsbpf run: --${i.path.join(".")}: ${i.message}\n`).join("")}${USAGE}`);
    return 2;
  }
  const o = opts.data;
  const log = (s: string) => process.stderr.write(`${s}\n`);

  const c = await compileCached(file, { cache: o.cache });
  if (c.diagnostics.length) process.stderr.write(formatDiagnostics(c.diagnostics, c.sources));
  if (!c.spec) return 1;
  if (o.verbose) log(`compiled in ${c.ms.toFixed(0)} ms${c.cached ? " (cached)" : ""}`);
  let spec: CollectionSpec;
  try {
    spec = withParams(c.spec, o.param);
  } catch (e) {
    process.stderr.write(`tsbpf run: ${(e as Error).message}\n`);
    return 2;
  }

  const { Collection } = await import("../runtime/kernel/collection.ts");
  const { Kernel } = await import("../runtime/kernel/kernel.ts");
  const probes = spec.programs.filter((p) => p.attach.kind !== "none").length;
  // Handling the signals ourselves tells the cleanup module that we will dispose (after printing the maps).
  let interrupted: (() => void) | undefined;
  const onSignal = () => interrupted?.();
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  let collection: import("../runtime/kernel/collection.ts").Collection | undefined;
  try {
    const kernel = await Kernel.open();
    const t0 = performance.now();
    if (o.json) process.stdout.write(`${JSON.stringify({ type: "attached_probes", count: probes, data: { probes } })}\n`);
    else log(`Attaching ${probes} probe${probes === 1 ? "" : "s"}...`);
    collection = await Collection.load(spec, { kernel });
    if (o.verbose) log(`loaded and attached in ${(performance.now() - t0).toFixed(0)} ms; ${performance.now().toFixed(0)} ms since the process started`);
    // A timer keeps the event loop alive until the duration ends or a signal arrives.
    let timer: ReturnType<typeof setTimeout> | undefined;
    await new Promise<void>((resolve) => {
      interrupted = resolve;
      timer = o.duration !== undefined ? setTimeout(resolve, o.duration * 1000) : setInterval(() => {}, 1 << 30);
    });
    clearTimeout(timer);
    clearInterval(timer);
    if (!o.json) process.stdout.write("\n");
    await printMaps(collection, spec, o.json);
    return 0;
  } catch (e) {
    if (e instanceof BpfError) {
      process.stderr.write(`error: ${e.describe()}\n`);
      return 1;
    }
    throw e;
  } finally {
    collection?.dispose();
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
  }
}

async function printMaps(c: { map(name: string): unknown }, spec: CollectionSpec, json: boolean): Promise<void> {
  const { readAggregation } = await import("../runtime/output/read.ts");
  const { formatAggregation, aggregationJson } = await import("../runtime/output/index.ts");
  const exported = spec.maps.filter((m) => m.exported);
  const shown = exported.length ? exported : spec.maps.filter((m) => m.aggregation);
  for (const m of shown) {
    const data = readAggregation(c.map(m.name) as Parameters<typeof readAggregation>[0], m);
    if (json) process.stdout.write(`${JSON.stringify(aggregationJson(data))}\n`);
    else process.stdout.write(formatAggregation(data));
  }
}

/** Sets load-time parameters from `--param name=value` arguments. */
export function withParams(spec: CollectionSpec, assignments: readonly string[]): CollectionSpec {
  const values: Record<string, string> = {};
  for (const a of assignments) values[a.slice(0, a.indexOf("="))] = a.slice(a.indexOf("=") + 1);
  return setParams(spec, values);
}
