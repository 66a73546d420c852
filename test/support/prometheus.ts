// A real Prometheus server for tests: scrape targets in (address, job, scheme, basic auth, TLS), a running server out,
// with its HTTP API as functions (an instant query, a poll until a query's result satisfies a check, the targets'
// health). Debian's `prometheus` package (2.42) is the server: each one gets a temporary directory for its
// configuration, TSDB and empty console directories, listens on 127.0.0.1 on a free port only, and is killed and its
// directory removed by stop(), by the test process's exit (normal, an exception, SIGINT/SIGTERM/SIGHUP), and, where
// util-linux's setpriv is installed, by the kernel when the test process dies otherwise (SIGKILL: PR_SET_PDEATHSIG).
// Its log is kept, and shown only in the error of a start, query or wait that failed.
//
// What Prometheus 2.42 does that the tests depend on:
// - It scrapes a target for the first time about 5 s after it starts (its discovery manager hands targets to the
//   scrape manager on a 5 s tick), then every scrape interval, at an offset within the interval fixed per target.
// - scrape_interval has no minimum; scrape_timeout must not exceed it and defaults to the smaller of 10 s and it.
// - It asks for OpenMetrics first: Accept: application/openmetrics-text;version=1.0.0,
//   application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1, and parses what the
//   response's Content-Type says.
// - Without honor_labels, a scraped `job` or `instance` label is renamed `exported_job`/`exported_instance` and the
//   target's own are set; with it, the scraped ones are kept.

import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { stringify } from "yaml";

export interface ScrapeTarget {
  /** "127.0.0.1:PORT" */
  readonly address: string;
  /** The job label and scrape pool's name; `target<i>` (the target's index) by default. Unique per server. */
  readonly job?: string;
  readonly scheme?: "http" | "https";
  readonly basicAuth?: { readonly username: string; readonly password: string };
  readonly tls?: { readonly caFile?: string; readonly insecureSkipVerify?: boolean; readonly certFile?: string; readonly keyFile?: string };
  /** "/metrics" by default. */
  readonly metricsPath?: string;
  /** Keep the target's own `job`/`instance` labels instead of renaming them `exported_*` (honor_labels). */
  readonly honorLabels?: boolean;
}

/** One sample of an instant query's result. */
export interface Sample {
  readonly metric: Record<string, string>;
  /** The value as a number: NaN, +Infinity and -Infinity kept. */
  readonly value: number;
}

/** An active target as /api/v1/targets reports it. */
export interface TargetHealth {
  readonly scrapeUrl: string;
  /** "up", "down", or "unknown" (not scraped yet). */
  readonly health: string;
  /** The last scrape's error, "" when it succeeded. */
  readonly lastError: string;
  /** The job (scrape pool) the target belongs to. */
  readonly job: string;
}

export interface PrometheusServer {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  /** An instant query (/api/v1/query); the result vector, values as numbers (NaN kept); throws with Prometheus's error text on a bad query. */
  query(expr: string): Promise<Sample[]>;
  /** Polls query(expr) until check(result) is true or timeoutMs passes; returns the last result, throws (with the last result and the targets' health and lastError) on timeout. */
  waitFor(expr: string, check: (r: Sample[]) => boolean, timeoutMs?: number): Promise<Sample[]>;
  /** /api/v1/targets: each active target's health, lastError, scrapeUrl. */
  targets(): Promise<TargetHealth[]>;
  /** Kills the server (SIGTERM, then SIGKILL after a bound) and removes its data directory. Idempotent. */
  stop(): Promise<void>;
  /** The server's process id (for tests of its cleanup). */
  readonly pid: number;
  /** The temporary directory holding its configuration and TSDB, removed by stop(). */
  readonly dir: string;
  /** What the server has logged so far (the last 64 KiB). */
  log(): string;
}

export interface PrometheusOptions {
  readonly targets: readonly ScrapeTarget[];
  /** The global scrape interval, "1s" by default (the first scrape still comes about 5 s after start). */
  readonly scrapeInterval?: string;
  readonly evaluationInterval?: string;
  /** A port to try first instead of a free one (for the test of the retry when it is taken). */
  readonly firstPort?: number;
}

/** Debian's prometheus binary, found on PATH, or undefined when it is not installed (apt-get install prometheus). */
export function prometheusBinary(): string | undefined {
  return onPath("prometheus");
}

/** How long start-up may take, to /-/ready (the TSDB opened, the configuration loaded). */
const READY_MS = 30_000;
/** How long stop() waits after SIGTERM before SIGKILL, and after SIGKILL for the exit. */
const STOP_MS = 5_000;
/** Attempts at a port: another process may take the free port found before Prometheus binds it. */
const PORT_ATTEMPTS = 4;
const LOG_KEEP = 64 * 1024;

/**
 * Starts a Prometheus server scraping `o.targets` and resolves once it is ready (/-/ready answers 200); rejects with
 * the tail of its log when it exits first or is not ready within the bound (after killing it and removing its
 * directory). Throws when prometheus is not installed: check prometheusBinary() first.
 */
export async function startPrometheus(o: PrometheusOptions): Promise<PrometheusServer> {
  const binary = prometheusBinary();
  if (!binary) throw new Error("prometheus is not installed (apt-get install prometheus)");
  const jobs = o.targets.map((t, i) => t.job ?? `target${i}`);
  const dup = jobs.find((j, i) => jobs.indexOf(j) !== i);
  if (dup !== undefined) throw new Error(`two scrape targets have the job "${dup}": Prometheus needs one job name per target`);
  const config = stringify({
    global: {
      scrape_interval: o.scrapeInterval ?? "1s",
      evaluation_interval: o.evaluationInterval ?? o.scrapeInterval ?? "1s",
    },
    scrape_configs: o.targets.map((t, i) => scrapeConfig(t, jobs[i]!)),
  });
  for (let attempt = 1; ; attempt++) {
    const port = attempt === 1 && o.firstPort !== undefined ? o.firstPort : await freePort();
    const started = await startOnce(binary, config, port);
    if (started.ok) return started.server;
    if (!started.portTaken || attempt === PORT_ATTEMPTS) throw new Error(started.error);
  }
}

function scrapeConfig(t: ScrapeTarget, job: string): Record<string, unknown> {
  return {
    job_name: job,
    scheme: t.scheme ?? "http",
    metrics_path: t.metricsPath ?? "/metrics",
    honor_labels: t.honorLabels ?? false,
    ...(t.basicAuth ? { basic_auth: { username: t.basicAuth.username, password: t.basicAuth.password } } : {}),
    ...(t.tls
      ? {
          tls_config: {
            ...(t.tls.caFile !== undefined ? { ca_file: t.tls.caFile } : {}),
            ...(t.tls.certFile !== undefined ? { cert_file: t.tls.certFile } : {}),
            ...(t.tls.keyFile !== undefined ? { key_file: t.tls.keyFile } : {}),
            ...(t.tls.insecureSkipVerify !== undefined ? { insecure_skip_verify: t.tls.insecureSkipVerify } : {}),
          },
        }
      : {}),
    static_configs: [{ targets: [t.address] }],
  };
}

type Started = { ok: true; server: PrometheusServer } | { ok: false; portTaken: boolean; error: string };

/** One server on `port`: ready, or killed and removed with why (and whether the port was taken). */
async function startOnce(binary: string, config: string, port: number): Promise<Started> {
  const dir = mkdtempSync(join(tmpdir(), "tsbpf-prometheus-"));
  const live: Live = { child: undefined, dir };
  running.add(live);
  installExitHandlers();
  let log = "";
  try {
    writeFileSync(join(dir, "prometheus.yml"), config);
    // Debian's defaults point at /etc/prometheus and /var/lib/prometheus, which the packaged service uses.
    mkdirSync(join(dir, "consoles"));
    mkdirSync(join(dir, "console_libraries"));
    const args = [
      `--config.file=${join(dir, "prometheus.yml")}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      `--web.console.templates=${join(dir, "consoles")}`,
      `--web.console.libraries=${join(dir, "console_libraries")}`,
    ];
    // setpriv execs Prometheus with PR_SET_PDEATHSIG: the kernel kills it when this process dies, SIGKILL included.
    const setpriv = onPath("setpriv");
    const [cmd, argv] = setpriv ? [setpriv, ["--pdeathsig", "KILL", "--", binary, ...args]] : [binary, args];
    const child = spawn(cmd, argv, { stdio: ["ignore", "pipe", "pipe"], env: withoutProxies(), cwd: dir });
    live.child = child;
    const keep = (b: Buffer) => {
      log += b.toString();
      if (log.length > 2 * LOG_KEEP) log = log.slice(-LOG_KEEP);
    };
    child.stdout!.on("data", keep);
    child.stderr!.on("data", keep);
    const exited = new Promise<string>((resolve) => {
      child.on("error", (e) => resolve(`could not run ${cmd}: ${e.message}`));
      child.on("exit", (code, signal) => resolve(`prometheus exited (${signal ?? `code ${code}`}) before it was ready`));
    });
    const url = `http://127.0.0.1:${port}`;
    const why = await Promise.race([exited, waitReady(url, join(dir, "data"), READY_MS)]);
    if (why === undefined) return { ok: true, server: new Server(url, live, () => log.slice(-LOG_KEEP)) };
    await kill(live);
    const portTaken = why === OTHERS || /address already in use/.test(log);
    return { ok: false, portTaken, error: `${why}; its log:\n${tail(log)}` };
  } catch (e) {
    await kill(live);
    return { ok: false, portTaken: false, error: `${(e as Error).message}; its log:\n${tail(log)}` };
  }
}

const OTHERS = "another server answers on its port";

/**
 * Resolves undefined once GET url/-/ready answers 200 from this server, or with why not once `ms` passes. A server
 * already on the port answers too, before this one fails to bind it: the answer counts when the flags the server
 * reports name this one's TSDB directory.
 */
async function waitReady(url: string, data: string, ms: number): Promise<string | undefined> {
  const end = Date.now() + ms;
  let last = "no answer yet";
  while (Date.now() < end) {
    try {
      const r = await get(`${url}/-/ready`, 1_000);
      if (r.status === 200) {
        const flags = JSON.parse((await get(`${url}/api/v1/status/flags`, 1_000)).body) as { data?: Record<string, string> };
        return flags.data?.["storage.tsdb.path"] === data ? undefined : OTHERS;
      }
      last = `HTTP ${r.status}: ${r.body.trim()}`;
    } catch (e) {
      last = (e as Error).message;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return `prometheus was not ready within ${ms} ms (last: ${last})`;
}

class Server implements PrometheusServer {
  readonly pid: number;
  readonly dir: string;

  constructor(readonly url: string, private readonly live: Live, readonly log: () => string) {
    this.pid = live.child!.pid!;
    this.dir = live.dir;
  }

  async query(expr: string): Promise<Sample[]> {
    const r = await get(`${this.url}/api/v1/query?query=${encodeURIComponent(expr)}`, 10_000);
    let body: QueryResponse;
    try {
      body = JSON.parse(r.body) as QueryResponse;
    } catch {
      throw new Error(`query ${expr}: HTTP ${r.status}, not JSON: ${r.body.slice(0, 200)}`);
    }
    if (body.status !== "success") throw new Error(`query ${expr}: ${body.errorType ?? `HTTP ${r.status}`}: ${body.error ?? r.body}`);
    const d = body.data!;
    switch (d.resultType) {
      case "vector":
        return (d.result as VectorSample[]).map((s) => ({ metric: s.metric, value: parseValue(s.value[1]) }));
      case "scalar":
        return [{ metric: {}, value: parseValue((d.result as [number, string])[1]) }];
      default:
        throw new Error(`query ${expr}: the result is a ${d.resultType}, not an instant vector or a scalar`);
    }
  }

  async waitFor(expr: string, check: (r: Sample[]) => boolean, timeoutMs = 30_000): Promise<Sample[]> {
    const end = Date.now() + timeoutMs;
    let last: Sample[] | undefined;
    let lastError = "";
    for (;;) {
      try {
        last = await this.query(expr);
        lastError = "";
        if (check(last)) return last;
      } catch (e) {
        lastError = (e as Error).message;
      }
      if (Date.now() > end) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    let targets: string;
    try {
      targets = (await this.targets()).map((t) => `${t.job} ${t.scrapeUrl}: ${t.health}${t.lastError ? ` (${t.lastError})` : ""}`).join("; ");
    } catch (e) {
      targets = `unknown: ${(e as Error).message}`;
    }
    const result = last === undefined ? "none" : JSON.stringify(last.map((s) => ({ metric: s.metric, value: String(s.value) })));
    throw new Error(`timed out after ${timeoutMs} ms waiting on ${expr}: last result ${result}${lastError ? `, last error ${lastError}` : ""}; targets: ${targets || "none"}`);
  }

  async targets(): Promise<TargetHealth[]> {
    const r = await get(`${this.url}/api/v1/targets?state=active`, 10_000);
    const body = JSON.parse(r.body) as { status: string; error?: string; data?: { activeTargets: TargetJson[] } };
    if (body.status !== "success") throw new Error(`targets: ${body.error ?? `HTTP ${r.status}`}`);
    return body.data!.activeTargets.map((t) => ({ scrapeUrl: t.scrapeUrl, health: t.health, lastError: t.lastError, job: t.scrapePool }));
  }

  stop(): Promise<void> {
    return kill(this.live);
  }
}

interface QueryResponse {
  status: "success" | "error";
  errorType?: string;
  error?: string;
  data?: { resultType: "vector" | "scalar" | "matrix" | "string"; result: unknown };
}
interface VectorSample {
  metric: Record<string, string>;
  value: [number, string];
}
interface TargetJson {
  scrapePool: string;
  scrapeUrl: string;
  health: string;
  lastError: string;
}

/** A sample value as the API writes it: a decimal string, or "NaN", "+Inf", "-Inf" (which Number() does not read). */
function parseValue(s: string): number {
  if (s === "+Inf") return Infinity;
  if (s === "-Inf") return -Infinity;
  return Number(s);
}

// ---- processes and their cleanup ----------------------------------------------------------------------------------

interface Live {
  child: ChildProcess | undefined;
  readonly dir: string;
  /** stop()'s promise, so a second stop() waits on the first. */
  stopping?: Promise<void>;
}

/** Servers started and not yet stopped, which the exit handlers kill. */
const running = new Set<Live>();
let handlersInstalled = false;

/** SIGTERM, then SIGKILL after STOP_MS; resolves once the process has exited and its directory is removed. */
function kill(live: Live): Promise<void> {
  live.stopping ??= (async () => {
    const child = live.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      const within = (ms: number) => Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms).unref())]);
      child.kill("SIGTERM");
      if (!(await within(STOP_MS))) {
        child.kill("SIGKILL");
        if (!(await within(STOP_MS))) throw new Error(`prometheus (pid ${child.pid}) did not exit after SIGKILL`);
      }
    }
    rmSync(live.dir, { recursive: true, force: true });
    running.delete(live);
  })();
  return live.stopping;
}

/** What the exit handlers do: no waiting is possible there, so SIGKILL (the data is thrown away anyway). */
function killAllNow(): void {
  for (const live of running) {
    const pid = live.child?.pid;
    if (pid !== undefined && live.child!.exitCode === null && live.child!.signalCode === null) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // gone already
      }
    }
    rmSync(live.dir, { recursive: true, force: true });
  }
  running.clear();
}

const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/**
 * Kills every server on the process's exit, and on a signal that would end it without an exit event: the handler
 * kills them and, when no other handler of the signal is left, raises the signal again so the process ends as it
 * would have.
 */
function installExitHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on("exit", killAllNow);
  for (const sig of SIGNALS) {
    const onSignal = () => {
      killAllNow();
      process.removeListener(sig, onSignal);
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    };
    process.on(sig, onSignal);
  }
}

// ---- small helpers ------------------------------------------------------------------------------------------------

/** A port free on 127.0.0.1 now (the kernel's pick for port 0); someone may take it before Prometheus binds it. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** GET over plain HTTP with node:http (no proxy from the environment applies), bounded by `ms`. */
function get(url: string, ms: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "GET", timeout: ms }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`GET ${url}: no answer within ${ms} ms`)));
    req.on("error", reject);
    req.end();
  });
}

/** The environment without proxy variables: every address Prometheus talks to is on loopback. */
function withoutProxies(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (/^(https?|all|no)_proxy$/i.test(k)) delete env[k];
  return env;
}

function onPath(cmd: string): string | undefined {
  for (const d of (process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin").split(delimiter)) {
    const p = join(d, cmd);
    if (existsSync(p)) return p;
  }
  return undefined;
}

function tail(log: string, lines = 30): string {
  return log.trimEnd().split("\n").slice(-lines).join("\n");
}
