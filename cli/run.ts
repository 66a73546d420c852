// `tsbpf run file.ts|file.tsbpf [options] [-- args...]`: compile (cached) or read the compiled tracer, load, attach,
// then one of two things until Ctrl-C or the duration: stream the events of every exported channel, or — when the
// module exports main(args) — run main in this process with the module's map objects bound to the kernel's. At the end,
// print every exported map as bpftrace does and report lost events. What is printed, and how, is the Output of the
// format chosen once from the options (runtime/output/formats.ts: text, or NDJSON with --json), to stdout or the
// file of -o; -q leaves out the "Attaching N probes..." line (bpftrace's -q). Exit non-zero on failure; every kernel
// object is released on every path. How the run stops (signals at any moment of start-up, --duration, a stalled or
// closed stdout) and with which exit status is cli/stop.ts.

import { readlinkSync, statSync, type WriteStream } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import * as z from "../core/zod.ts";
import { btfFileProblem } from "../core/object/btf/index.ts";
import { isArtifactPath } from "../core/object/artifact.ts";
import { paramValues, setParams } from "../core/object/params.ts";
import type { CollectionSpec } from "../core/object/spec.ts";
import { targetProcess } from "../core/object/target.ts";
import { BpfError } from "../runtime/kernel/errors.ts";
import { createOutput, isOutputFormat, OUTPUT_FORMATS, type OutputFormat } from "../runtime/output/formats.ts";
import type { AggregationData } from "../runtime/output/aggregations.ts";
import type { FlameGraphRecorder } from "../runtime/output/flamegraph-output.ts";
import { eventChannel, type Output } from "../runtime/output/output.ts";
import { type Action, actionDecoder } from "../runtime/output/actions.ts";
import { processSink } from "../runtime/output/stdio.ts";
import type { EventBackend } from "../runtime/user/backend.ts";
import type { Bindable } from "../runtime/user/registry.ts";
import type { Tracer } from "../runtime/user/tracer.ts";
import { type StackFrames, hasStackValues } from "../runtime/output/stacks.ts";
import { USTACK_PIDS_MAP } from "../core/object/names.ts";
import { namesOption, parseCommandArgs, usageHint } from "./args.ts";
import { type TracerInput, tracerInput } from "./tracer-input.ts";
import { fileProblem, openOutputFile, readInput, startsWithElfMagic } from "./input.ts";
import { dieBy, parseDuration, RunStop, RunStopped } from "./stop.ts";
import { heldCommand, type RunTarget, targetPid, watchedProcess } from "./target.ts";

/** run's options, as parseArgs reads them (cli/main.ts also asks whether a first word is one: `tsbpf -q tool.ts`). */
const RUN_OPTIONS = {
  duration: { type: "string", short: "d" }, format: { type: "string", short: "f" }, json: { type: "boolean" },
  output: { type: "string", short: "o" }, quiet: { type: "boolean", short: "q" }, verbose: { type: "boolean", short: "v" },
  "no-cache": { type: "boolean" }, "syscall-numbers": { type: "boolean" }, param: { type: "string", multiple: true },
  program: { type: "string", short: "e" }, pid: { type: "string", short: "p" }, command: { type: "string", short: "c" },
  flamegraph: { type: "string" }, btf: { type: "string" },
} as const;

const Options = z.object({
  duration: z.optional(z.string()),
  output: z.optional(z.string()),
  quiet: z._default(z.boolean(), false),
  format: z._default(z.string().check(z.refine(isOutputFormat, { error: (i) => `unknown output format ${JSON.stringify(i.input)} (expected ${OUTPUT_FORMATS.slice(0, -1).join(", ")} or ${OUTPUT_FORMATS.at(-1)})` })), "text"),
  verbose: z._default(z.boolean(), false),
  "syscall-numbers": z._default(z.boolean(), false),
  cache: z._default(z.boolean(), true),
  param: z._default(z.array(z.string().check(z.regex(/^[A-Za-z_][A-Za-z0-9_]*=.+$/, { error: (i) => `expected name=value, not ${JSON.stringify(i.input)}` }))), []),
  pid: z.optional(z.string()),
  command: z.optional(z.string().check(z.refine((c) => c.trim() !== "", "expected a command to run"))),
  flamegraph: z.optional(z.string().check(z.refine((f) => f !== "", "expected a file name (.svg, or .html for a page)"))),
  btf: z.optional(z.string().check(z.refine((f) => f !== "", "expected a BTF file"))),
});

const USAGE = `usage: tsbpf run <file.ts|file.tsbpf|file.bpf.o> [--duration seconds] [--format ${OUTPUT_FORMATS.join("|")}] [--json] [-o file] [-q] [--syscall-numbers] [--verbose] [--param name=value]... [-p PID | -c CMD] [--flamegraph FILE] [--btf FILE] [--no-cache] [-- args...]
       tsbpf <file.ts|file.tsbpf> [options] [-- args...]
       tsbpf -e '<program>' [options]        (a one-liner: docs/one-liners.md)

Compiles (or, for a .tsbpf from tsbpf build -o or a clang-built libbpf object, reads), loads and attaches the
tracer; prints the events of its exported RingBuffer/PerfEventArray channels as they come, and its exported maps
at the end (Ctrl-C, or after --duration). A module that exports main(args) runs it instead, with args after --;
there, --<param> <value> sets a load-time parameter declared with param(). A libbpf object's maps are its .maps,
its events a ring buffer's records of struct event, its parameters .rodata's variables (docs/elf-objects.md).

  -e, --program TEXT       run a one-liner instead of a file (docs/one-liners.md)
  -d, --duration S         stop after S seconds (0.5, 10...) instead of at Ctrl-C
  -f, --format ${OUTPUT_FORMATS.join("|")}
                           text for people; json: NDJSON records on stdout (--json is -f json); folded: the maps
                           keyed by stacks as folded stacks on stdout, flamegraph.pl's input (docs/flamegraphs.md)
  -o, --output FILE        print the events, lines and maps to FILE (created, or emptied) instead of stdout
  -q, --quiet              without "Attaching N probes..." (json: the attached_probes record); errors and
                           warnings still print
  -p, --pid PID            count only that process (its threads too; uprobes attach to it); end when it exits
  -c, --command CMD        run CMD with /bin/sh, held until the probes are attached; trace it as -p does and end
                           when it exits; its output goes to stderr
  -v, --verbose            say how long compiling, loading and attaching took
      --param name=value   set a load-time parameter the tracer declares with param()
      --syscall-numbers    print keys and fields declared Syscall as numbers (as bpftrace does), not names
      --flamegraph FILE    at the end, draw the first map keyed by stacks as a flame graph into FILE (SVG; an HTML
                           page when FILE ends in .html)
      --btf FILE           read kernel struct offsets from this BTF file instead of /sys/kernel/btf/vmlinux: for a
                           kernel built without BTF, the file BTFHub has for it (docs/kernel-types.md)
      --no-cache           compile even when the cache holds this tracer
`;

/** Whether `word` is one of run's options (`-q`, `--duration=5`). */
export function isRunOption(word: string): boolean {
  return namesOption(word, RUN_OPTIONS);
}

/** The one-liner being run (-e) and the module file it was written to, whose diagnostics say `-e`. */
let oneLiner: { readonly file: string; readonly program: string } | undefined;

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
  const parsed = parseCommandArgs("run", negativeDurations(dash >= 0 ? argv.slice(0, dash) : argv), RUN_OPTIONS, USAGE);
  if (typeof parsed === "number") return parsed;
  const { values, positionals } = parsed;
  const { json, "no-cache": noCache, program, ...rest } = values;
  // A one-liner (-e) is a tracer module written into the cache directory; its diagnostics name it -e.
  if (typeof program === "string") {
    if (positionals.length) {
      process.stderr.write(`tsbpf run: -e takes the program; unexpected argument ${positionals[0]}; ${usageHint("run")}\n`);
      return 2;
    }
    const { writeOneLiner } = await import("./one-liner.ts");
    positionals.push(writeOneLiner(program));
    oneLiner = { file: positionals[0]!, program };
  }
  if (json && values.format !== undefined && values.format !== "json") {
    process.stderr.write(`tsbpf run: --json means --format json, not --format ${values.format}; ${usageHint("run")}\n`);
    return 2;
  }
  const opts = Options.safeParse({ ...rest, ...(json ? { format: "json" } : {}), cache: !noCache });
  const file = positionals[0];
  if (!opts.success || !file || positionals.length > 1) {
    const extra = positionals.length > 1 ? `tsbpf run: unexpected argument ${positionals[1]} (arguments for the tool go after --)\n` : "";
    const missing = !file ? `tsbpf run: no tracer file given; ${usageHint("run")}\n` : "";
    process.stderr.write(`${opts.success ? "" : opts.error.issues.map((i) => `tsbpf run: --${String(i.path[0])}: ${i.message}; ${usageHint("run")}\n`).join("")}${extra}${missing}`);
    return 2;
  }
  const bytes = readInput("run", file, isArtifactPath(file) ? "artifact" : startsWithElfMagic(file) ? "object" : "tracer");
  const duration = opts.data.duration === undefined ? undefined : parseDuration(opts.data.duration);
  if (typeof duration === "string") {
    process.stderr.write(`tsbpf run: ${duration}; ${usageHint("run")}\n`);
    return 2;
  }
  if (opts.data.btf !== undefined) {
    const problem = btfFileProblem(opts.data.btf);
    if (problem) {
      process.stderr.write(`tsbpf run: --btf: ${problem}; ${usageHint("run")}\n`);
      return 2;
    }
    // Read where kernel struct offsets are resolved: at load, in the VM, and by the compiler (core/object/btf).
    process.env.TSBPF_BTF = resolve(opts.data.btf);
  }
  const target = runTarget(opts.data);
  if (typeof target === "string") {
    process.stderr.write(`tsbpf run: ${target}; ${usageHint("run")}\n`);
    return 2;
  }
  const flamegraph = opts.data.flamegraph === undefined ? undefined : flameGraphFile(opts.data.flamegraph, file);
  if (typeof flamegraph === "string") {
    process.stderr.write(`tsbpf run: --flamegraph: ${flamegraph}; ${usageHint("run")}\n`);
    return 2;
  }
  // The refine above checked the format.
  const o = { ...opts.data, format: opts.data.format as OutputFormat, duration, target, flamegraph };
  // A file for the output is opened before compiling, as bad input is refused first; the run closes it.
  const output = o.output === undefined ? undefined : openOutputFile("run", o.output, file);
  const log = (s: string) => process.stderr.write(`${s}\n`);
  try {
    const input = await tracerInput("run", file, bytes, { cache: o.cache, log, verbose: o.verbose, ...(oneLiner ? { oneLiner } : {}) });
    if (typeof input === "number") return input;
    const hasMain = !!input.spec.userSide?.main;
    // Stacks are kept in stack trace maps: a tracer without one has none to draw.
    if (o.flamegraph && !input.spec.maps.some((m) => m.type === "stack_trace")) {
      process.stderr.write(`tsbpf run: --flamegraph: ${file} captures no stacks, so there is no flame graph to draw; hint: count bpf.kstack() or bpf.ustack() in a map (docs/flamegraphs.md)\n`);
      return 2;
    }
    let spec: CollectionSpec;
    try {
      spec = withParams(input.spec, [...o.param, ...(hasMain ? paramsFromToolArgs(input.spec, toolArgs) : [])]);
    } catch (e) {
      process.stderr.write(`tsbpf run: ${(e as Error).message}\n`);
      return 2;
    }
    return await runTracer(input, spec, { ...o, output }, toolArgs);
  } finally {
    output?.end();
  }
}

interface RunOptions {
  readonly duration: number | undefined;
  readonly format: OutputFormat;
  readonly "syscall-numbers": boolean;
  readonly verbose: boolean;
  readonly quiet: boolean;
  /** Where the run's stdout goes instead (-o), opened; runCommand closes it. */
  readonly output: WriteStream | undefined;
  /** The one process traced (-p, -c), if any. */
  readonly target: { readonly pid: number } | { readonly command: string } | undefined;
  /** Where --flamegraph draws the stacks at the end, and the graph's title. */
  readonly flamegraph: { readonly path: string; readonly title: string } | undefined;
}

/** --flamegraph's file, checked before the run (it is written at the end), or the complaint. */
function flameGraphFile(path: string, input: string): RunOptions["flamegraph"] | string {
  const dir = statSync(dirname(path), { throwIfNoEntry: false });
  if (!dir?.isDirectory()) return `${dirname(path)} is not a directory (writing ${path})`;
  const out = statSync(path, { throwIfNoEntry: false });
  if (out?.isDirectory()) return `${path} is a directory`;
  const read = statSync(input, { throwIfNoEntry: false });
  if (out && read && out.dev === read.dev && out.ino === read.ino) return `${path} is the tracer being run`;
  return { path, title: `tsbpf run ${basename(input)}` };
}

/** -p's process (checked now: one that does not exist is bad input) or -c's command, or the one-line complaint. */
function runTarget(o: { pid?: string | undefined; command?: string | undefined }): RunOptions["target"] | string {
  if (o.pid !== undefined && o.command !== undefined) return "-p and -c cannot be used together (-c traces the command it starts)";
  if (o.command !== undefined) return { command: o.command };
  if (o.pid === undefined) return undefined;
  const t = targetPid(o.pid);
  if (typeof t === "string") return t;
  if (t.note) process.stderr.write(`note: ${t.note}\n`);
  return { pid: t.pid };
}

/**
 * `--duration -5` as `--duration=-5`: parseArgs takes a value starting with "-" for an option, and the complaint
 * about it should be parseDuration's one line.
 */
function negativeDurations(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const next = args[i + 1];
    if ((a === "--duration" || a === "-d") && next !== undefined && /^-[\d.]/.test(next)) {
      out.push(`--duration=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

/**
 * The run proper, once the spec is compiled with its parameters: import the user side, load and attach, stream
 * events or run main() until stopped, print the maps, release everything, let stdout's reader take the rest.
 */
async function runTracer(input: TracerInput, spec: CollectionSpec, o: RunOptions, toolArgs: string[]): Promise<number> {
  const stop = new RunStop();
  const sink = processSink({
    onStdoutError: (e) => {
      const why = e.code ?? e.message;
      sink.stderr.write(`tsbpf run: ${o.output ? `writing ${String(o.output.path)} failed` : "stdout was closed"} (${why}): ${stop.reason ? "the rest of the output is dropped" : "stopping"}\n`);
      stop.request({ kind: "stdout-closed", code: why });
    },
    ...(o.output ? { stdout: o.output } : {}),
  });
  const log = (s: string) => sink.stderr.write(`${s}\n`);
  // Once a stop is asked for, nothing waits for stdout's reader: what is left is buffered, written at the end.
  void stop.requested.then(() => sink.abandon());
  const hasMain = !!spec.userSide?.main;
  let tracer: Tracer | undefined;
  let target: RunTarget | undefined;
  let running = false;
  let code = 0;
  try {
    // Until something exists in the kernel, SIGINT and SIGTERM keep their default action and end the process at
    // once: importing the user side (and compiling, before this) holds the event loop, where a handler would wait.
    // The module's own objects (for main and format) are constructed by importing it, before loading, so that
    // its param() calls see the values the programs are loaded with.
    let mod: ToolModule | undefined;
    let declarations: readonly Bindable[] | undefined;
    if (input.userSide) {
      const t = performance.now();
      const { captureDeclarations } = await import("../runtime/user/bind.ts");
      const { importUserSide } = await import("../runtime/user/module.ts");
      const code = await input.userSide();
      // Stack traces through the user side name its TypeScript file and line (the bundle's source map).
      process.setSourceMapsEnabled(true);
      const captured = await captureDeclarations(() => importUserSide<ToolModule>(code, input.origin), { params: paramValues(spec) });
      mod = captured.module;
      declarations = captured.objects;
      if (o.verbose) log(`imported the module's user side in ${(performance.now() - t).toFixed(0)} ms`);
    }
    const { Tracer } = await import("../runtime/user/tracer.ts");
    const probes = spec.programs.filter((p) => p.attach.kind !== "none").length;
    // Stack values print as symbolized frames, from the tracer's stack maps once it is open.
    const stacks = hasStackValues(spec) ? await stackFrames() : undefined;
    const outputOptions = { format: mod?.format, header: mod?.header, syscallNumbers: o["syscall-numbers"], ...(stacks ? { stacks } : {}) };
    const printer = createOutput(o.format, sink, outputOptions);
    // --flamegraph: in front of the format's Output, keeping the stacks of the maps it prints.
    const flame = o.flamegraph ? new (await import("../runtime/output/flamegraph-output.ts")).FlameGraphRecorder(printer, sink, outputOptions) : undefined;
    const output: Output = flame ?? printer;
    const t0 = performance.now();
    if (!o.quiet) await output.attached(probes);
    // From here a signal is ours: it aborts loading and attaching, which release what they created (stop.ts).
    stop.listen();
    stop.signal.throwIfAborted();
    if (o.target) target = "pid" in o.target ? watchedProcess(o.target.pid) : await heldCommand(o.target.command, stop.signal);
    if (target && o.verbose) log(`tracing process ${target.pid}`);
    tracer = await Tracer.open(target ? targetProcess(spec, target.pid) : spec, { ...(declarations ? { declarations } : {}), signal: stop.signal });
    stacks?.bind(tracer.stackSource());
    const forgetting = stacks ? rememberProcesses(tracer, stacks) : undefined;
    for (const sk of tracer.skipped) log(`skipped optional probe ${sk.attach}: ${sk.reason}`);
    if (o.verbose) log(`loaded and attached in ${(performance.now() - t0).toFixed(0)} ms; ${performance.now().toFixed(0)} ms since the process started`);
    running = true;
    target?.start((failure) => {
      if (failure && !stop.reason) log(`tsbpf run: ${failure}`);
      stop.request({ kind: "target-exited", pid: target!.pid });
    });
    const cancelTimer = o.duration !== undefined ? stop.after(o.duration) : keepAlive();
    // What the handlers ask (print, exit...) is carried out while the run lasts: until it is stopped, or main() returns.
    const actions = tracer.spec.actions ? new ActionPump(tracer, output, stop) : undefined;
    let endPump!: () => void;
    const pumpEnded = new Promise<void>((r) => (endPump = r));
    const pumping = actions?.run(Promise.race([stop.requested, pumpEnded]));
    try {
      if (hasMain && mod?.main) code = await runMain(mod.main, toolArgs, stop, tracer);
      else await streamEvents(tracer, output, stop.requested);
    } finally {
      cancelTimer();
      endPump();
      forgetting?.();
      await pumping;
    }
    if (!stop.hurriedBy && !tracer.closed) {
      // The end handlers, then what every handler asked before the maps print.
      tracer.runEnd();
      await actions?.drain();
      if (!hasMain) await printMaps(tracer, output);
      else if (flame) for (const m of await readMaps(tracer)) flame.record(m);
      await reportLost(tracer, output);
      await output.end();
      if (flame && o.flamegraph) {
        const drawn = await drawFlameGraph(flame, o.flamegraph, log);
        if (code === 0) code = drawn;
      }
    }
  } catch (e) {
    if (e instanceof RunStopped) {
      // Stopped during start-up (a signal ends the process below, once everything is released).
    } else if (e instanceof BpfError) {
      log(e.report());
      code = 1;
    } else {
      throw e;
    }
  } finally {
    try {
      await tracer?.close();
    } finally {
      await target?.close();
      stop.unlisten();
    }
  }
  // Everything of the kernel's is released.
  if (stop.hurriedBy) dieBy(stop.hurriedBy);
  const reason = stop.reason;
  if (!running && reason?.kind === "signal") dieBy(reason.signal);
  // What stdout's reader has not taken yet: a stalled reader keeps the process (and nothing of the kernel's) until it
  // reads or goes away; a signal now ends the process at once.
  if (sink.stdout.pending > 0) {
    const note = setTimeout(() => log(`tsbpf run: stopped; waiting for stdout's reader to take the last ${sink.stdout.pending} bytes (Ctrl-C drops them)`), 1000);
    await sink.stdout.flushed();
    clearTimeout(note);
  }
  await sink.stderr.flushed();
  // main() may have left timers or sockets behind, which would keep the process alive.
  if (hasMain) process.exit(code);
  return code;
}

/** A timer that keeps the process alive while it waits for a signal (a pending promise does not). */
export function keepAlive(): () => void {
  const t = setInterval(() => {}, 1 << 30);
  return () => clearInterval(t);
}

/**
 * Runs main(args) until it returns or the run is stopped. Stopping detaches the probes and ends main's event
 * loops; main then has two seconds to finish (a second Ctrl-C does not wait). main's return value, if a number, is
 * the exit code.
 */
async function runMain(main: (args: string[]) => unknown, args: string[], stop: RunStop, tracer: { stop(): Promise<void> }): Promise<number> {
  const done = (async () => main(args))().then((v) => ({ v }), (e: unknown) => ({ e }));
  const first = await Promise.race([done, stop.requested.then(() => undefined)]);
  if (first === undefined) {
    // Stopped: detach the probes and end the event streams main is reading (the maps stay readable); let it return.
    void tracer.stop();
    let grace: ReturnType<typeof setTimeout> | undefined;
    const late = await Promise.race([done, new Promise<undefined>((r) => (grace = setTimeout(() => r(undefined), 2000))), stop.hurried.then(() => undefined)]);
    clearTimeout(grace);
    if (late === undefined && !stop.hurriedBy) process.stderr.write("tsbpf run: main() did not return within 2 s of the stop; ending the run\n");
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

/** Events handed to the output at once, at most (about 170 KB of text for a 40-byte event). */
const EVENT_BATCH = 4096;

/** Hands the events of every exported channel to the output until stopped, in batches (what is already decoded). */
async function streamEvents(tracer: Tracer, output: Output, stopped: Promise<unknown>): Promise<void> {
  const channels = tracer.spec.maps.filter((m) => m.exported && m.events);
  if (!channels.length) {
    await stopped;
    return;
  }
  let halt = false;
  void stopped.then(() => {
    halt = true;
  });
  type Channel = AsyncIterable<unknown> & { drain(max?: number): unknown[] };
  await Promise.all(channels.map(async (m) => {
    const channel = tracer.map(m.name) as unknown as Channel;
    const ch = eventChannel(m);
    const it = channel[Symbol.asyncIterator]();
    const pending: unknown[] = [];
    while (!halt) {
      const r = await Promise.race([it.next(), stopped.then(() => undefined)]);
      if (!r || r.done) break;
      pending.push(r.value);
      // Whatever else is there goes in the same batch, up to a bound: a batch is written whole before the output
      // can wait for a slow reader, so an unbounded one would let a stalled stdout hold every event in memory (the
      // kernel drops and counts what the buffer cannot hold instead).
      pending.push(...channel.drain(EVENT_BATCH - 1));
      await output.events(ch, pending.splice(0));
    }
    if (!tracer.closed) await output.events(ch, channel.drain());
  }));
}

/**
 * Carries out what the handlers ask (runtime/output/actions.ts), in order: lines to the output, maps printed or
 * cleared, exit() as a stop. Runs until the run is stopped; drain() takes what is left at the end.
 */
class ActionPump {
  readonly #backend: EventBackend;
  readonly #decode: ReturnType<typeof actionDecoder>;
  #pending: Action[] = [];
  #lost = 0n;

  constructor(private readonly tracer: Tracer, private readonly output: Output, private readonly stop: RunStop) {
    this.#backend = tracer.actions()!;
    this.#decode = actionDecoder(tracer.spec.actions!);
  }

  async run(stopped: Promise<unknown>): Promise<void> {
    let halt = false;
    void stopped.then(() => {
      halt = true;
    });
    while (!halt) {
      await this.drain();
      await Promise.race([this.#backend.wait(), stopped]);
    }
  }

  /** Carries out every action sent so far. */
  async drain(): Promise<void> {
    for (;;) {
      this.#backend.drain((view, offset, length) => void this.#pending.push(this.#decode(view, offset, length)), 4096);
      if (!this.#pending.length) break;
      for (const a of this.#pending.splice(0)) await this.#carry(a);
    }
    const lost = this.#backend.lost();
    if (lost > this.#lost) {
      process.stderr.write(`tsbpf run: ${lost - this.#lost} print()/clear()/exit() records were lost: the handlers asked faster than they could be carried out\n`);
      this.#lost = lost;
    }
  }

  async #carry(a: Action): Promise<void> {
    switch (a.kind) {
      case "print":
        return this.output.line(a.text);
      case "exit":
        return this.stop.request({ kind: "exit" });
      case "clear":
        return (this.tracer.map(a.map) as unknown as { clear(): void }).clear();
      case "print_map": {
        const { readAggregation } = await import("../runtime/output/read.ts");
        const m = this.tracer.spec.maps.find((x) => x.name === a.map)!;
        return this.output.mapPrinted(readAggregation(this.tracer.collection.map(a.map), m), a.top);
      }
    }
  }
}

/** What prints a run's stack values: symbols, once the tracer's stack maps exist to read frames from (bind()). */
async function stackFrames(): Promise<StackFrames> {
  const [{ StackFrames }, { createSymbolizer }] = await Promise.all([import("../runtime/output/stacks.ts"), import("../runtime/symbols/index.ts")]);
  return new StackFrames(createSymbolizer());
}

/**
 * While the run lasts, reads what symbolizing user stacks needs (each process's mappings, a descriptor on each mapped
 * file, its perf map: symbolizer.remember) for the processes the programs captured user stacks of, which they list in
 * USTACK_PIDS_MAP, five times a second; a process again only after 2 s, or once it has exec'd. So a process that exits
 * before the maps print still symbolizes. Returns the function that stops it.
 */
export function rememberProcesses(tracer: Tracer, stacks: StackFrames): () => void {
  if (!tracer.spec.maps.some((m) => m.name === USTACK_PIDS_MAP)) return () => {};
  const pids = tracer.collection.map(USTACK_PIDS_MAP) as unknown as { keys(): Iterable<number> };
  const read = new Map<number, { at: number; exe: string }>();
  const timer = setInterval(() => {
    const now = Date.now();
    let seen: number[];
    try {
      seen = [...pids.keys()];
    } catch {
      return; // the map is being released as the run stops
    }
    for (const pid of seen) {
      // A process read before its exec (a stack taken between fork and exec) is read again once it has exec'd.
      let exe: string;
      try {
        exe = readlinkSync(`/proc/${pid}/exe`);
      } catch {
        continue; // gone, or a kernel thread: nothing more to read
      }
      const last = read.get(pid);
      if (last && last.exe === exe && now - last.at < 2000) continue;
      read.set(pid, { at: now, exe });
      stacks.symbolizer.remember(pid);
    }
  }, 200);
  timer.unref();
  return () => clearInterval(timer);
}

/** Every map the run prints (exported maps, or all aggregations), read and merged across CPUs. */
async function printMaps(tracer: Tracer, output: Output): Promise<void> {
  for (const m of await readMaps(tracer)) await output.aggregation(m);
}

/** The maps the run prints, read and merged across CPUs. */
async function readMaps(tracer: Tracer): Promise<AggregationData[]> {
  const { readAggregation } = await import("../runtime/output/read.ts");
  return tracer.printedMaps().map((m) => readAggregation(tracer.collection.map(m.name), m));
}

/** --flamegraph's file, from the map the recorder kept; the exit code (1 when there was nothing to draw or writing failed). */
async function drawFlameGraph(flame: FlameGraphRecorder, to: NonNullable<RunOptions["flamegraph"]>, log: (s: string) => void): Promise<number> {
  const r = flame.recorded;
  if (!r || r.samples <= 0n) {
    log(`tsbpf run: --flamegraph: ${r ? `${r.map} has no samples` : "no map printed at the end has stacks in its keys"}; ${to.path} not written`);
    return 1;
  }
  const { writeFlameGraph } = await import("../runtime/output/flamegraph-output.ts");
  try {
    writeFlameGraph(to.path, r, { title: to.title });
  } catch (e) {
    log(`tsbpf run: --flamegraph: ${fileProblem(to.path, e, "write")}`);
    return 1;
  }
  log(`wrote the flame graph of ${r.map} to ${to.path}: ${r.stacks.length} stacks, ${r.samples} samples`);
  return 0;
}

/** Every event channel (exported or not) that dropped events. */
async function reportLost(tracer: Tracer, output: Output): Promise<void> {
  for (const m of tracer.spec.maps) {
    if (!m.events || !tracer.objects.has(m.name)) continue;
    const lost = (tracer.map(m.name) as unknown as { lost: bigint }).lost;
    if (lost > 0n) await output.lost(eventChannel(m), lost);
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
