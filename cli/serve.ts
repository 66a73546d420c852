// `tsbpf serve file.ts|file.tsbpf [--metrics [HOST]:PORT] [--otlp URL] [--user NAME] ...`: a tracer as a daemon whose
// maps are metrics. Binds the endpoint first (runtime/serve/http.ts: /metrics, /healthz, /readyz; TLS and basic auth
// from a web-config file), compiles (cached) or reads the tracer (cli/tracer-input.ts), loads and attaches it, drops
// root with --user, and serves until SIGTERM or SIGINT: everything detached, exit 0 (a second signal releases what is
// left and ends by it). Each scrape reads the exported maps (runtime/output/read.ts) into metric families
// (runtime/metrics/families.ts) that prom-client writes (runtime/metrics/exposition.ts); --otlp pushes the same
// families (runtime/serve/otlp.ts). SIGHUP reloads the web-config file, and the tracer when its compiled form changed,
// keeping the maps whose definition did not change (their counts go on); a tracer that fails to compile or load
// leaves the previous one running, and /healthz and /readyz say why. Event channels are drained and counted
// (tsbpf_events_total); main() and format() are not run.

import { readFileSync } from "node:fs";
import { hostname, release } from "node:os";
import { basename, resolve } from "node:path";
import { spawnSync } from "node:child_process";
import { btfFileProblem } from "../core/object/btf/index.ts";
import { isArtifactPath } from "../core/object/artifact.ts";
import type { CollectionSpec, MapSpec } from "../core/object/spec.ts";
import { BpfError } from "../runtime/kernel/errors.ts";
import type { BpfMap } from "../runtime/kernel/maps.ts";
import type { MetricFamily } from "../runtime/metrics/model.ts";
import type { Tracer } from "../runtime/user/tracer.ts";
import type { EventBackend } from "../runtime/user/backend.ts";
import { StackFrames, hasStackValues } from "../runtime/output/stacks.ts";
import { createSymbolizer } from "../runtime/symbols/index.ts";
import { CliError, integerOption, parseCommandArgs, usageHint } from "./args.ts";
import { readInput, startsWithElfMagic } from "./input.ts";
import { dieBy, parseDuration } from "./stop.ts";
import { DEFAULT_LISTEN, DEFAULT_MAX_SERIES, SERVE_OPTIONS } from "./serve-options.ts";
import { keepAlive, rememberProcesses, withParams } from "./run.ts";
import { type TracerInput, tracerInput } from "./tracer-input.ts";

const USAGE = `usage: tsbpf serve <file.ts|file.tsbpf> | -e '<program>' [--metrics [HOST]:PORT] [--otlp URL] [--otlp-protocol P] [--otlp-interval S] [--otlp-header name=value]... [--web.config.file FILE] [--user NAME] [--max-series N] [--namespace NAME] [--param name=value]... [--btf FILE] [-q] [-v] [--no-cache]

Runs the tracer until SIGTERM or Ctrl-C and serves its exported maps as Prometheus/OpenMetrics metrics: counts and
sums as counters, min and max as gauges, averages and stats as summaries, histograms with cumulative le buckets, a
plain map's integer values (or each integer field of its values) as gauges; keys as labels. A map's doc comment is
its help, and its tags name the rest: @name, @unit, @labels, @type counter|gauge (docs/fleet.md).
SIGHUP reloads the web config, and the tracer when it changed, keeping the counts of maps that did not change.

  -e, --program TEXT          serve a one-liner's maps instead of a file's (docs/one-liners.md): its $ maps are
                              tsbpf_<name>, $ alone tsbpf_<count, sum, hist...>
  -m, --metrics [HOST]:PORT   serve GET /metrics, /healthz and /readyz there (default ${DEFAULT_LISTEN}: every
                              interface; 127.0.0.1:9464 for this machine only; port 0 picks one)
      --otlp URL              also push the metrics over OTLP/HTTP to URL (an OpenTelemetry collector,
                              http://host:4318); without --metrics, only push
      --otlp-protocol P       http/protobuf or http/json (default: OTEL_EXPORTER_OTLP_PROTOCOL, else
                              http/protobuf)
      --otlp-interval S       seconds between pushes (default 10)
      --otlp-header N=V       a header sent with each push (authorization...)
      --web.config.file FILE  TLS and basic auth, in the Prometheus exporters' web-config format
  -u, --user NAME             after attaching, run as NAME (and its group): reading maps needs no privilege;
                              reloading the tracer then needs a restart
      --max-series N          label sets per metric (default ${DEFAULT_MAX_SERIES}); more are dropped and counted
                              in tsbpf_series_dropped_total
      --namespace NAME        the first part of every metric name (default: the tracer's file name)
      --param name=value      set a load-time parameter the tracer declares with param()
      --btf FILE              kernel struct offsets from this BTF file (docs/kernel-types.md)
  -q, --quiet                 print only errors
  -v, --verbose               say how long loading took, and each reload
      --no-cache              compile even when the cache holds this tracer
`;

interface ServeOptions {
  readonly file: string;
  /** The one-liner (-e) `file` was written from. */
  readonly oneLiner?: { readonly file: string; readonly program: string };
  readonly listen: string | undefined;
  readonly otlp: string | undefined;
  readonly otlpProtocol: import("../runtime/serve/otlp.ts").OtlpProtocol;
  readonly otlpIntervalMs: number;
  readonly otlpHeaders: Readonly<Record<string, string>>;
  readonly webConfigFile: string | undefined;
  /** The web config as read at start (SIGHUP reads the file again). */
  readonly webConfig: import("../runtime/serve/web-config.ts").WebConfig | undefined;
  readonly user: { readonly name: string; readonly uid: number; readonly gid: number; readonly groups: readonly number[] } | undefined;
  readonly maxSeries: number;
  readonly namespace: string;
  readonly params: readonly string[];
  readonly quiet: boolean;
  readonly verbose: boolean;
  readonly cache: boolean;
}

export async function serveCommand(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs("serve", argv, SERVE_OPTIONS, USAGE);
  if (typeof parsed === "number") return parsed;
  const { values: v, positionals } = parsed;
  const bad = (what: string): number => {
    process.stderr.write(`tsbpf serve: ${what}; ${usageHint("serve")}\n`);
    return 2;
  };
  const str = (k: string) => v[k] as string | undefined;
  const program = str("program");
  if (program !== undefined && positionals.length) return bad(`-e takes the program; unexpected argument ${positionals[0]}`);
  // A one-liner (-e) is a tracer module written into the cache directory; its diagnostics name it -e.
  const oneLiner = program === undefined ? undefined : { file: (await import("./one-liner.ts")).writeOneLiner(program), program };
  const file = oneLiner?.file ?? positionals[0];
  if (!file) return bad("no tracer file given (or -e and a one-liner)");
  if (positionals.length > 1) return bad(`unexpected argument ${positionals[1]}`);
  const { parseListen } = await import("../runtime/serve/http.ts");
  const listen = str("metrics") ?? (str("otlp") === undefined ? DEFAULT_LISTEN : undefined);
  if (listen !== undefined) {
    const l = parseListen(listen);
    if (typeof l === "string") return bad(`--metrics: ${l}`);
  }
  const otlp = str("otlp");
  let otlpProtocol: ServeOptions["otlpProtocol"] = "http/protobuf";
  if (otlp !== undefined) {
    const { otlpMetricsUrl, otlpProtocol: protocolOf } = await import("../runtime/serve/otlp.ts");
    const u = otlpMetricsUrl(otlp);
    if (typeof u !== "string") return bad(`--otlp: ${u.error}`);
    const p = protocolOf(str("otlp-protocol"));
    if (typeof p !== "string") return bad(p.error);
    otlpProtocol = p;
  } else if (str("otlp-protocol") !== undefined || str("otlp-interval") !== undefined || v["otlp-header"] !== undefined) {
    const which = ["otlp-protocol", "otlp-interval", "otlp-header"].find((k) => v[k] !== undefined)!;
    return bad(`--${which} is for the OTLP push, and there is none: give --otlp URL too`);
  }
  let otlpIntervalMs = 10_000;
  if (str("otlp-interval") !== undefined) {
    const d = parseDuration(str("otlp-interval")!, "--otlp-interval");
    if (typeof d === "string") return bad(d);
    if (d < 0.1) return bad(`--otlp-interval takes at least 0.1 seconds, not ${d}`);
    otlpIntervalMs = d * 1000;
  }
  const otlpHeaders: Record<string, string> = {};
  for (const h of (v["otlp-header"] as string[] | undefined) ?? []) {
    const eq = h.indexOf("=");
    if (eq <= 0 || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(h.slice(0, eq)) || /[\r\n\0]/.test(h)) {
      return bad(`--otlp-header: expected name=value (a header name, and a value on one line), not ${JSON.stringify(h)}`);
    }
    otlpHeaders[h.slice(0, eq)] = h.slice(eq + 1);
  }
  let maxSeries = DEFAULT_MAX_SERIES;
  try {
    maxSeries = integerOption("serve", "max-series", str("max-series"), 1) ?? DEFAULT_MAX_SERIES;
  } catch (e) {
    if (e instanceof CliError) return bad(e.message);
    throw e;
  }
  const namespace = str("namespace") ?? (oneLiner ? "tsbpf" : basename(file).replace(/\.(bpf\.o|tsbpf|ts|o)$/, ""));
  if (str("namespace") !== undefined && !/^([a-zA-Z_:][a-zA-Z0-9_:]*)?$/.test(namespace)) {
    return bad(`--namespace: ${JSON.stringify(namespace)} cannot start a metric name (letters, digits, _ and :, not first a digit; "" for none)`);
  }
  const params = (v.param as string[] | undefined) ?? [];
  const badParam = params.find((p) => !/^[A-Za-z_][A-Za-z0-9_]*=.+$/.test(p));
  if (badParam !== undefined) return bad(`--param: expected name=value, not ${JSON.stringify(badParam)}`);
  if (str("btf") !== undefined) {
    const problem = btfFileProblem(str("btf")!);
    if (problem) return bad(`--btf: ${problem}`);
    process.env.TSBPF_BTF = resolve(str("btf")!);
  }
  let user: ServeOptions["user"];
  if (str("user") !== undefined) {
    const u = resolveUser(str("user")!);
    if (typeof u === "string") return bad(`--user: ${u}`);
    if (process.getuid?.() !== 0) return bad(`--user drops root, and this process is not root (uid ${process.getuid?.()})`);
    user = u;
  }
  const webConfigFile = str("web.config.file");
  // Read before anything is loaded: a bad file is bad input.
  const webConfig = webConfigFile !== undefined ? await readWebConfigOrThrow(webConfigFile) : undefined;
  readInput("serve", file, isArtifactPath(file) ? "artifact" : startsWithElfMagic(file) ? "object" : "tracer");
  // A daemon outlives its log's reader (a pipe to a logger that died): once stderr fails (EPIPE), what it would say
  // is dropped and serving goes on, instead of an unhandled 'error' ending the process.
  process.stderr.on("error", () => {});
  return new Daemon({
    file, ...(oneLiner ? { oneLiner } : {}), listen, otlp, otlpProtocol, otlpIntervalMs, otlpHeaders, webConfigFile, webConfig, user, maxSeries, namespace, params,
    quiet: v.quiet === true, verbose: v.verbose === true, cache: v["no-cache"] !== true,
  }).run();
}

async function readWebConfigOrThrow(path: string) {
  const { readWebConfig, WebConfigError } = await import("../runtime/serve/web-config.ts");
  try {
    return readWebConfig(path);
  } catch (e) {
    if (e instanceof WebConfigError) throw new CliError("serve", `--web.config.file: ${e.message}`);
    throw e;
  }
}

/**
 * A user to run as: a name from the passwd database (getent, so NSS users count too) or a numeric `uid[:gid]`; its
 * groups from the group database. A string says what is wrong.
 */
export function resolveUser(spec: string): NonNullable<ServeOptions["user"]> | string {
  const numeric = /^(\d+)(?::(\d+))?$/.exec(spec);
  if (numeric) {
    const uid = Number(numeric[1]);
    const gid = Number(numeric[2] ?? numeric[1]);
    if (uid === 0) return "uid 0 is root: name an unprivileged user (nobody)";
    return { name: spec, uid, gid, groups: [gid] };
  }
  if (!/^[a-z_][a-z0-9_.-]*\$?$/i.test(spec)) return `${JSON.stringify(spec)} is not a user name`;
  const r = spawnSync("getent", ["passwd", spec], { encoding: "utf8" });
  const line = r.status === 0 ? r.stdout.split("\n")[0] : passwdLine(spec);
  if (!line) return `no user ${spec} on this machine (getent passwd ${spec} found none)`;
  const [, , uid, gid] = line.split(":");
  if (uid === "0") return `${spec} is root (uid 0): name an unprivileged user (nobody)`;
  const g = spawnSync("id", ["-G", spec], { encoding: "utf8" });
  const groups = g.status === 0 ? g.stdout.trim().split(/\s+/).map(Number).filter(Number.isInteger) : [Number(gid)];
  return { name: spec, uid: Number(uid), gid: Number(gid), groups };
}

function passwdLine(name: string): string | undefined {
  try {
    return readFileSync("/etc/passwd", "utf8").split("\n").find((l) => l.startsWith(`${name}:`));
  } catch {
    return undefined;
  }
}

/** The definition of a map that decides whether a reload can keep it: everything but how it is shown. */
function mapShape(m: MapSpec): string {
  const { name, type, keySize, valueSize, maxEntries, flags, key, value, initialValue, freeze, aggregation, pinning } = m;
  const a = aggregation && { kind: aggregation.kind, keyed: aggregation.keyed, signed: aggregation.signed, lhist: aggregation.lhist };
  return JSON.stringify({ name, type, keySize, valueSize, maxEntries, flags, key, value, initialValue, freeze, a, pinning });
}

/** The daemon's own metric families (#families), which no map may be exposed as. */
const OWN_METRICS = ["tsbpf_tracer_info", "tsbpf_series_dropped", "tsbpf_reloads", "tsbpf_last_reload_successful", "tsbpf_events", "tsbpf_events_lost"];

/** The state /healthz and /readyz report. */
interface Health {
  loaded: boolean;
  /** The last reload's failure, while no later one succeeded. */
  reloadFailure?: { at: Date; why: string };
  stopping: boolean;
}

class Daemon {
  #tracer: Tracer | undefined;
  #spec: CollectionSpec | undefined;
  #metrics: import("../runtime/metrics/families.ts").MetricSet | undefined;
  #startMs = Date.now();
  #health: Health = { loaded: false, stopping: false };
  #reloads = { success: 0, failure: 0 };
  #lastReloadOk = true;
  /** Records drained from each event channel. */
  readonly #events = new Map<string, number>();
  #drainTimer: ReturnType<typeof setInterval> | undefined;
  #reloading: Promise<void> | undefined;
  #dropped = false;
  /** The endpoint, once bound (a reload gives it the web config read again). */
  #server: () => import("../runtime/serve/http.ts").MetricsServer | undefined = () => undefined;
  readonly #log = (s: string) => void process.stderr.write(`${s}\n`);

  constructor(readonly o: ServeOptions) {}

  /** The tracer as messages name it: its file, or -e. */
  get #name(): string {
    return this.o.oneLiner ? "the one-liner (-e)" : this.o.file;
  }

  async run(): Promise<number> {
    const { startMetricsServer, ServeError } = await import("../runtime/serve/http.ts");
    let server: import("../runtime/serve/http.ts").MetricsServer | undefined;
    this.#server = () => server;
    let push: import("../runtime/serve/otlp.ts").OtlpPush | undefined;
    let stopped!: (signal: NodeJS.Signals) => void;
    const stop = new Promise<NodeJS.Signals>((r) => (stopped = r));
    const onStop = (s: NodeJS.Signals) => {
      // A second SIGTERM or SIGINT does not wait for the last push or for detaching to finish.
      if (this.#health.stopping) dieBy(s);
      this.#health.stopping = true;
      stopped(s);
    };
    const onHup = () => void this.reload();
    let code = 0;
    try {
      // The endpoint first: a port in use is said at once, and /readyz answers 503 while the tracer loads.
      if (this.o.listen !== undefined) {
        const webConfig = this.o.webConfig;
        try {
          server = await startMetricsServer({
            listen: this.o.listen, ...(webConfig ? { webConfig } : {}), log: this.#log,
            endpoints: { metrics: (accept) => this.#expose(accept), healthz: () => this.#healthz(), readyz: () => this.#readyz() },
          });
        } catch (e) {
          if (e instanceof ServeError) throw new CliError("serve", `--metrics: ${e.message}`, 1);
          throw e;
        }
      }
      const t0 = performance.now();
      const input = await this.#input();
      if (typeof input === "number") return input;
      process.on("SIGTERM", onStop);
      process.on("SIGINT", onStop);
      await this.#open(input.spec, undefined);
      if (this.o.verbose) this.#log(`loaded and attached in ${(performance.now() - t0).toFixed(0)} ms`);
      if (server && !this.o.quiet) this.#log(`serving metrics of ${this.#name} at ${server.url}/metrics`);
      if (this.o.otlp !== undefined) {
        const { startOtlpPush } = await import("../runtime/serve/otlp.ts");
        push = startOtlpPush({
          url: this.o.otlp, protocol: this.o.otlpProtocol, intervalMs: this.o.otlpIntervalMs, headers: this.o.otlpHeaders,
          resource: { "service.name": "tsbpf", "service.instance.id": hostname(), "host.name": hostname(), "tsbpf.tool": this.o.namespace },
          collect: async () => this.#families(),
          startTimeMs: () => this.#startMs,
          onError: this.#log,
        });
        if (!this.o.quiet) this.#log(`pushing metrics of ${this.#name} to ${this.o.otlp} (${this.o.otlpProtocol}) every ${this.o.otlpIntervalMs / 1000} s`);
      }
      if (this.o.user) this.#dropRoot(this.o.user);
      process.on("SIGHUP", onHup);
      // A pending promise keeps no process alive; the endpoint does, the OTLP timer (unref'd) does not.
      const done = keepAlive();
      const signal = await stop;
      done();
      if (this.o.verbose) this.#log(`${signal}: detaching`);
    } catch (e) {
      if (e instanceof BpfError) {
        this.#log(e.report());
        code = 1;
      } else throw e;
    } finally {
      process.removeListener("SIGHUP", onHup);
      clearInterval(this.#drainTimer);
      this.#forgetting?.();
      await this.#reloading?.catch(() => {});
      await push?.shutdown().catch(() => {});
      await server?.close().catch(() => {});
      await this.#tracer?.close().catch((e: unknown) => this.#log(`tsbpf serve: detaching failed: ${(e as Error).message}`));
      process.removeListener("SIGTERM", onStop);
      process.removeListener("SIGINT", onStop);
    }
    return code;
  }

  /** The tracer's collection, compiled or read, with --param set; an exit code when it does not compile. */
  async #input(): Promise<TracerInput | number> {
    const bytes = readInput("serve", this.o.file, isArtifactPath(this.o.file) ? "artifact" : startsWithElfMagic(this.o.file) ? "object" : "tracer");
    const input = await tracerInput("serve", this.o.file, bytes, {
      cache: this.o.cache, log: this.#log, verbose: this.o.verbose, ...(this.o.oneLiner ? { oneLiner: this.o.oneLiner } : {}),
    });
    if (typeof input === "number") return input;
    try {
      return { ...input, spec: withParams(input.spec, this.o.params) };
    } catch (e) {
      throw new CliError("serve", (e as Error).message);
    }
  }

  /** Loads and attaches `spec` (sharing `share`'s maps of the same definition), and makes its metrics the served ones. */
  async #open(spec: CollectionSpec, previous: Tracer | undefined): Promise<void> {
    const { MetricSet, MetricNameError } = await import("../runtime/metrics/families.ts");
    const { Tracer, printedMaps } = await import("../runtime/user/tracer.ts");
    let metrics;
    try {
      metrics = new MetricSet(printedMaps(spec), { namespace: this.o.namespace, maxSeries: this.o.maxSeries, reserved: OWN_METRICS });
    } catch (e) {
      if (e instanceof MetricNameError) throw new CliError("serve", e.message);
      throw e;
    }
    const shareMaps = new Map<string, BpfMap>();
    if (previous) {
      const before = new Map(previous.spec.maps.map((m) => [m.name, mapShape(m)]));
      for (const m of spec.maps) {
        if (m.events || before.get(m.name) !== mapShape(m)) continue;
        shareMaps.set(m.name, previous.collection.map(m.name));
      }
    }
    // Loaded, verified and bound before the previous tracer lets go: a program the verifier refuses changes nothing.
    const next = await Tracer.open(spec, { attach: false, collection: { shareMaps } });
    const gap = performance.now();
    try {
      if (previous) await previous.stop();
      await next.collection.attachAll();
    } catch (e) {
      await next.close().catch(() => {});
      // The previous tracer's programs are still loaded: attach them again.
      if (previous) await previous.collection.attachAll().catch(() => {});
      throw e;
    }
    const kept = spec.maps.filter((m) => shareMaps.has(m.name) && !m.name.startsWith("."));
    const exported = printedMaps(spec);
    if (previous && exported.some((m) => !shareMaps.has(m.name))) this.#startMs = Date.now();
    this.#tracer = next;
    this.#spec = spec;
    this.#metrics = metrics;
    for (const s of next.skipped) this.#log(`skipped optional probe ${s.attach}: ${s.reason}`);
    for (const s of metrics.skipped) if (!this.o.quiet) this.#log(`note: map ${s.map} is not exposed: ${s.reason}`);
    if (spec.userSide?.main && !this.o.quiet && !previous) this.#log(`note: ${this.o.file} exports main(); serve exposes its maps and does not run main()`);
    if (previous && this.o.verbose) {
      this.#log(`kept the counts of ${kept.map((m) => m.name).join(", ") || "no map"}; no probe was attached for ${(performance.now() - gap).toFixed(0)} ms`);
    }
    this.#forgetting?.();
    if (hasStackValues(spec)) {
      // One resolver for the daemon's life: kernel symbols are read while still root, and each process's mappings
      // while it runs (as tsbpf run does), so that a process that exits before a scrape still symbolizes.
      this.#stackOptions.stacks ??= new StackFrames(createSymbolizer());
      this.#stackOptions.stacks.bind(next.stackSource());
      this.#forgetting = rememberProcesses(next, this.#stackOptions.stacks);
    }
    this.#health.loaded = true;
    this.#drainEvents(next);
    if (previous) await previous.close();
  }

  /** What prints stack keys: one symbolizer for the daemon's life (kernel symbols are read while still root). */
  readonly #stackOptions: { stacks?: StackFrames | undefined } = {};
  /** Stops reading the mappings of the processes whose user stacks the tracer took. */
  #forgetting: (() => void) | undefined;

  /** Empties the tracer's event channels four times a second, counting what they held. */
  #drainEvents(t: Tracer): void {
    clearInterval(this.#drainTimer);
    const channels: [string, EventBackend][] = [];
    for (const m of t.spec.maps) {
      if (!m.events) continue;
      channels.push([m.name, t.eventBackend(m.name)]);
    }
    if (!channels.length) return;
    this.#drainTimer = setInterval(() => {
      for (const [name, b] of channels) {
        let n = 0;
        try {
          b.drain(() => void n++, 1 << 20);
        } catch {
          continue; // released while reloading
        }
        if (n) this.#events.set(name, (this.#events.get(name) ?? 0) + n);
      }
    }, 250);
    this.#drainTimer.unref();
  }

  /** The tracer's metric families and the daemon's own. */
  async #families(): Promise<MetricFamily[]> {
    const { readAggregation } = await import("../runtime/output/read.ts");
    // From here on nothing awaits: a reload cannot close the tracer between taking it and reading its maps.
    const t = this.#tracer;
    const metrics = this.#metrics;
    if (!t || !metrics) return [];
    const stacks = this.#stackOptions.stacks;
    const scrape = metrics.scrape((m) => readAggregation(t.collection.map(m.name), m), stacks ? { stacks } : {});
    // Processes seen without end: what was read of those that have exited goes, past 4,096 of them.
    stacks?.symbolizer.forgetExited?.(4096);
    const refused = metrics.refusedTotals();
    const own: MetricFamily[] = [
      { name: "tsbpf_tracer_info", help: "The tracer being served (always 1).", type: "gauge",
        points: [{ labels: { tool: this.o.namespace, file: this.o.oneLiner ? "-e" : basename(this.o.file), kernel: release() }, value: 1 }] },
      { name: "tsbpf_series_dropped", help: "Label sets beyond --max-series left out of each metric (each counted once while it stays out).", type: "counter",
        points: metrics.maps.length ? [...new Set([...refused.keys(), ...scrape.families.map((f) => f.name)])].map((m) => ({ labels: { metric: m }, value: refused.get(m) ?? 0 })) : [] },
      { name: "tsbpf_reloads", help: "Reloads (SIGHUP) of the tracer, by result.", type: "counter",
        points: [{ labels: { result: "success" }, value: this.#reloads.success }, { labels: { result: "failure" }, value: this.#reloads.failure }] },
      { name: "tsbpf_last_reload_successful", help: "Whether the last reload loaded the tracer (1) or left the previous one running (0).", type: "gauge",
        points: [{ labels: {}, value: this.#lastReloadOk ? 1 : 0 }] },
    ];
    const channels = t.spec.maps.filter((m) => m.events);
    if (channels.length) {
      own.push({ name: "tsbpf_events", help: "Records read from the tracer's event channels (serve counts them, and prints none).", type: "counter",
        points: channels.map((m) => ({ labels: { channel: m.name }, value: this.#events.get(m.name) ?? 0 })) });
      own.push({ name: "tsbpf_events_lost", help: "Records the tracer's programs could not send: the channel was full.", type: "counter",
        points: channels.map((m) => ({ labels: { channel: m.name }, value: Number(t.eventBackend(m.name).lost()) })) });
    }
    return [...scrape.families, ...own];
  }

  async #expose(accept: string | undefined): Promise<{ contentType: string; body: string }> {
    const { expose } = await import("../runtime/metrics/exposition.ts");
    return expose(await this.#families(), accept);
  }

  #healthz(): { ok: boolean; body: string } {
    const f = this.#health.reloadFailure;
    return { ok: !this.#health.stopping, body: this.#health.stopping ? "stopping\n" : f ? `ok; the last reload failed (${f.at.toISOString()}), the previous tracer is running: ${f.why}\n` : "ok\n" };
  }

  #readyz(): { ok: boolean; body: string } {
    if (this.#health.stopping) return { ok: false, body: "stopping\n" };
    if (!this.#health.loaded) return { ok: false, body: `loading ${this.o.file}\n` };
    const f = this.#health.reloadFailure;
    return { ok: true, body: f ? `ready; the last reload failed (${f.at.toISOString()}), the previous tracer is running: ${f.why}\n` : "ready\n" };
  }

  /** SIGHUP: the web config again, and the tracer when it changed; a failure leaves what runs as it is. */
  reload(): Promise<void> {
    if (this.#reloading) {
      this.#log("tsbpf serve: SIGHUP during a reload: ignored (send it again once it is done)");
      return this.#reloading;
    }
    this.#reloading = this.#reload().finally(() => (this.#reloading = undefined));
    return this.#reloading;
  }

  async #reload(): Promise<void> {
    const t0 = performance.now();
    try {
      if (this.o.webConfigFile !== undefined) {
        // A bad file leaves the previous configuration in place, as a failed tracer does.
        this.#server()?.update(await readWebConfigOrThrow(this.o.webConfigFile));
      }
      if (this.#dropped) throw new CliError("serve", `the tracer cannot be reloaded after dropping root (--user ${this.o.user!.name}): restart tsbpf serve to load a changed tracer`);
      const input = await this.#input();
      if (typeof input === "number") throw new CliError("serve", `${this.o.file} does not compile (the errors are above)`);
      if (JSON.stringify(input.spec) === JSON.stringify(this.#spec)) {
        if (this.o.verbose) this.#log(`SIGHUP: ${this.o.file} is unchanged`);
      } else {
        await this.#open(input.spec, this.#tracer);
        if (!this.o.quiet) this.#log(`reloaded ${this.o.file} in ${(performance.now() - t0).toFixed(0)} ms`);
      }
      this.#reloads.success++;
      this.#lastReloadOk = true;
      delete this.#health.reloadFailure;
    } catch (e) {
      const why = e instanceof CliError ? e.message : e instanceof BpfError ? e.report().split("\n")[0]! : (e as Error).message;
      this.#reloads.failure++;
      this.#lastReloadOk = false;
      this.#health.reloadFailure = { at: new Date(), why };
      this.#log(`tsbpf serve: reload failed, the previous tracer keeps running: ${why}`);
    }
  }

  /** --user: the process becomes that user (groups, then gid, then uid); from then on it holds no privilege. */
  #dropRoot(u: NonNullable<ServeOptions["user"]>): void {
    // Kernel symbols are readable only while privileged: read them now for stack keys.
    this.#stackOptions.stacks?.symbolizer.kernel([0n]);
    process.setgroups!(u.groups.length ? [...u.groups] : [u.gid]);
    process.setgid!(u.gid);
    process.setuid!(u.uid);
    if (process.getuid!() !== u.uid || process.geteuid!() !== u.uid || process.getegid!() !== u.gid) {
      throw new Error(`dropping root to ${u.name} left uid ${process.geteuid!()} gid ${process.getegid!()}`);
    }
    this.#dropped = true;
    if (!this.o.quiet) this.#log(`running as ${u.name} (uid ${u.uid}, gid ${u.gid})`);
  }
}
