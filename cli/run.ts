// `tsbpf run file.ts [options] [-- args...]`: compile (cached), load, attach, then one of two things until Ctrl-C or
// the duration: stream the events of every exported channel as lines (or NDJSON), or — when the module exports
// main(args) — run main in this process with the module's map objects bound to the kernel's. At the end, print
// every exported map as bpftrace does and report lost events. Exit non-zero on failure; every kernel object is
// released on every path.

import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";
import { z } from "zod";
import { compileCached } from "../compiler/cache.ts";
import { formatDiagnostics } from "../compiler/diagnostics.ts";
import { paramValues, setParams } from "../core/object/params.ts";
import type { CollectionSpec, MapSpec } from "../core/object/spec.ts";
import { BpfError } from "../runtime/kernel/errors.ts";

const Options = z.object({
  duration: z.coerce.number().positive().optional(),
  json: z.boolean().default(false),
  verbose: z.boolean().default(false),
  cache: z.boolean().default(true),
  param: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*=.+$/, "expected name=value")).default([]),
});

const USAGE = `usage: tsbpf run <file.ts> [--duration seconds] [--json] [--verbose] [--param name=value]... [--no-cache] [-- args...]

Compiles, loads and attaches the tracer; prints the events of its exported RingBuffer/PerfEventArray channels as
they come, and its exported maps at the end (Ctrl-C, or after --duration). A module that exports main(args) runs
it instead, with args after --; there, --<param> <value> sets a load-time parameter declared with param().
`;

/** The user side of a tracer module, as `tsbpf run` uses it. */
interface ToolModule {
  main?: (args: string[]) => unknown;
  format?: (event: unknown, channel: string) => unknown;
  /** The line printed above format()'s lines. */
  header?: unknown;
}

export async function runCommand(argv: string[]): Promise<number> {
  const dash = argv.indexOf("--");
  const toolArgs = dash >= 0 ? argv.slice(dash + 1) : [];
  let parsed;
  try {
    parsed = parseArgs({
      args: dash >= 0 ? argv.slice(0, dash) : argv, allowPositionals: true,
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
  if (!opts.success || !file || positionals.length > 1) {
    const extra = positionals.length > 1 ? `tsbpf run: unexpected argument ${positionals[1]} (arguments for the tool go after --)\n` : "";
    process.stderr.write(`${opts.success ? "" : opts.error.issues.map((i) => `tsbpf run: --${i.path.join(".")}: ${i.message}\n`).join("")}${extra}${USAGE}`);
    return 2;
  }
  const o = opts.data;
  const log = (s: string) => process.stderr.write(`${s}\n`);

  const c = await compileCached(file, { cache: o.cache });
  if (c.diagnostics.length) process.stderr.write(formatDiagnostics(c.diagnostics, c.sources));
  if (!c.spec) return 1;
  if (o.verbose) log(`compiled in ${c.ms.toFixed(0)} ms${c.cached ? " (cached)" : ""}`);
  const hasMain = !!c.spec.userSide?.main;
  let spec: CollectionSpec;
  try {
    spec = withParams(c.spec, [...o.param, ...(hasMain ? paramsFromToolArgs(c.spec, toolArgs) : [])]);
  } catch (e) {
    process.stderr.write(`tsbpf run: ${(e as Error).message}\n`);
    return 2;
  }

  // Handling the signals ourselves tells the cleanup module that we will dispose (after printing the maps). A
  // second signal does not wait for anything.
  let stop: (() => void) | undefined;
  let signals = 0;
  const onSignal = () => {
    if (++signals > 1) process.exit(130);
    stop?.();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  let tracer: import("../runtime/user/tracer.ts").Tracer | undefined;
  try {
    // The module's own objects (for main and format) are constructed by importing it, before loading, so that
    // its param() calls see the values the programs are loaded with.
    let mod: ToolModule | undefined;
    let declarations: readonly import("../runtime/user/registry.ts").Bindable[] | undefined;
    if (spec.userSide) {
      const t = performance.now();
      const { captureDeclarations } = await import("../runtime/user/bind.ts");
      const { tsImport } = await import("tsx/esm/api");
      const captured = await captureDeclarations(() => tsImport(pathToFileURL(resolve(file)).href, import.meta.url) as Promise<ToolModule>, { params: paramValues(spec) });
      mod = captured.module;
      declarations = captured.objects;
      if (o.verbose) log(`imported the module's user side in ${(performance.now() - t).toFixed(0)} ms`);
    }
    const { Tracer } = await import("../runtime/user/tracer.ts");
    const probes = spec.programs.filter((p) => p.attach.kind !== "none").length;
    const t0 = performance.now();
    if (o.json) process.stdout.write(`${JSON.stringify({ type: "attached_probes", count: probes, data: { probes } })}\n`);
    else log(`Attaching ${probes} probe${probes === 1 ? "" : "s"}...`);
    const stopped = new Promise<void>((resolve) => {
      stop = resolve;
    });
    tracer = await Tracer.open(spec, declarations ? { declarations } : {});
    for (const sk of tracer.skipped) log(`skipped optional probe ${sk.attach}: ${sk.reason}`);
    if (o.verbose) log(`loaded and attached in ${(performance.now() - t0).toFixed(0)} ms; ${performance.now().toFixed(0)} ms since the process started`);
    const timer = o.duration !== undefined ? setTimeout(() => stop?.(), o.duration * 1000) : setInterval(() => {}, 1 << 30);
    let code = 0;
    try {
      if (hasMain && mod?.main) code = await runMain(mod.main, toolArgs, stopped, tracer);
      else await streamEvents(tracer, mod, o.json, stopped);
    } finally {
      clearTimeout(timer);
      clearInterval(timer);
    }
    if (!tracer.closed) {
      if (!hasMain) {
        const printed = tracer.printedMaps();
        if (!o.json && printed.length) process.stdout.write("\n");
        await printMaps(tracer, printed, o.json);
      }
      await reportLost(tracer, o.json);
    }
    return code;
  } catch (e) {
    if (e instanceof BpfError) {
      process.stderr.write(`error: ${e.describe()}\n`);
      return 1;
    }
    throw e;
  } finally {
    await tracer?.close();
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
  }
}

/**
 * Runs main(args) until it returns or the run is stopped. Stopping detaches the probes and ends main's event
 * loops; main then has two seconds to finish. main's return value, if a number, is the exit code.
 */
async function runMain(main: (args: string[]) => unknown, args: string[], stopped: Promise<void>, tracer: { stop(): Promise<void> }): Promise<number> {
  const done = (async () => main(args))();
  const first = await Promise.race([done.then((v) => ({ v }), (e: unknown) => ({ e })), stopped.then(() => undefined)]);
  if (first === undefined) {
    // Stopped: detach the probes and end the event streams main is reading (the maps stay readable); let it return.
    void tracer.stop();
    const late = await Promise.race([done.then((v) => ({ v }), (e: unknown) => ({ e })), new Promise<undefined>((r) => setTimeout(() => r(undefined), 2000).unref())]);
    if (late && "e" in late) return reportMainError(late.e);
    return late && typeof late.v === "number" ? late.v : 0;
  }
  if ("e" in first) return reportMainError(first.e);
  return typeof first.v === "number" ? first.v : 0;
}

function reportMainError(e: unknown): number {
  process.stderr.write(`main() failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  return 1;
}

/** Prints the events of every exported channel until stopped, in batches (one write per batch of records). */
async function streamEvents(tracer: import("../runtime/user/tracer.ts").Tracer, mod: ToolModule | undefined, json: boolean, stopped: Promise<void>): Promise<void> {
  const format = mod?.format;
  // The module's header, once, above the first line of format() (with columns, each channel prints its own).
  let moduleHeader = !json && format && typeof mod?.header === "string" ? mod.header : undefined;
  const channels = tracer.spec.maps.filter((m) => m.exported && m.events);
  if (!channels.length) return stopped;
  const out = await import("../runtime/output/events.ts");
  let halt = false;
  void stopped.then(() => {
    halt = true;
  });
  const write = async (text: string) => {
    if (text && !process.stdout.write(text)) await new Promise<void>((r) => process.stdout.once("drain", () => r()));
  };
  const print = (m: MapSpec) => {
    const columns = out.eventColumns(m.events!.type);
    let header = !json && !format;
    return (events: readonly unknown[]): string => {
      let text = "";
      if (moduleHeader !== undefined && events.length) {
        text += `${moduleHeader}\n`;
        moduleHeader = undefined;
      }
      if (header && events.length) {
        text += `${out.formatEventHeader(columns)}\n`;
        header = false;
      }
      for (const e of events) {
        if (json) text += `${out.eventJson(m.name, e)}\n`;
        else if (format) {
          const r = out.formatWith(format, e, m.name);
          if ("line" in r) text += `${r.line}\n`;
          else process.stderr.write(`${r.error}\n`);
        } else text += `${out.formatEventLine(columns, e)}\n`;
      }
      return text;
    };
  };
  type Channel = AsyncIterable<unknown> & { drain(): unknown[] };
  await Promise.all(channels.map(async (m) => {
    const channel = tracer.map(m.name) as unknown as Channel;
    const render = print(m);
    const it = channel[Symbol.asyncIterator]();
    const pending: unknown[] = [];
    while (!halt) {
      const r = await Promise.race([it.next(), stopped.then(() => undefined)]);
      if (!r || r.done) break;
      pending.push(r.value);
      // Whatever else is already decoded goes in the same write.
      pending.push(...channel.drain());
      await write(render(pending.splice(0)));
    }
    if (!tracer.closed) await write(render(channel.drain()));
  }));
}

async function printMaps(tracer: import("../runtime/user/tracer.ts").Tracer, maps: readonly MapSpec[], json: boolean): Promise<void> {
  const { readAggregation } = await import("../runtime/output/read.ts");
  const { formatAggregation, aggregationJson } = await import("../runtime/output/index.ts");
  for (const m of maps) {
    const data = readAggregation(tracer.collection.map(m.name), m);
    if (json) process.stdout.write(`${JSON.stringify(aggregationJson(data))}\n`);
    else process.stdout.write(formatAggregation(data));
  }
}

async function reportLost(tracer: import("../runtime/user/tracer.ts").Tracer, json: boolean): Promise<void> {
  const out = await import("../runtime/output/events.ts");
  for (const m of tracer.spec.maps) {
    if (!m.events || !tracer.objects.has(m.name)) continue;
    const lost = (tracer.map(m.name) as unknown as { lost: bigint }).lost;
    if (lost === 0n) continue;
    if (json) process.stdout.write(`${out.lostJson(m.name, lost)}\n`);
    else process.stderr.write(`${out.formatLost(m.name, lost, m.type === "ringbuf" ? "ringbuf" : "perf")}\n`);
  }
}

/** `--name value` and `--name=value` in a tool's arguments, for the load-time parameters the tracer declares. */
export function paramsFromToolArgs(spec: CollectionSpec, args: readonly string[]): string[] {
  const names = new Set((spec.params ?? []).map((p) => p.name));
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const m = /^--([A-Za-z_][A-Za-z0-9_]*)(?:=(.*))?$/.exec(args[i]!);
    if (!m || !names.has(m[1]!)) continue;
    const value = m[2] ?? args[i + 1];
    if (m[2] === undefined) i++;
    if (value === undefined) throw new Error(`--${m[1]} needs a value`);
    out.push(`${m[1]}=${value}`);
  }
  return out;
}

/** Sets load-time parameters from `name=value` assignments. */
export function withParams(spec: CollectionSpec, assignments: readonly string[]): CollectionSpec {
  const values: Record<string, string> = {};
  for (const a of assignments) values[a.slice(0, a.indexOf("="))] = a.slice(a.indexOf("=") + 1);
  return setParams(spec, values);
}
