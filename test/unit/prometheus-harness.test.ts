// The real-Prometheus harness (test/support/prometheus.ts) against stand-in exporters on 127.0.0.1: one over HTTP,
// one requiring basic auth, one over HTTPS with a self-signed certificate made by openssl. Checked: Prometheus 2.42
// asks for OpenMetrics (its Accept header) and gets it; a labelled counter's values come back from a query with the
// target's job and instance; histogram_quantile over the raw buckets and over their rate gives the values worked out
// by hand from Prometheus's interpolation; basic auth and TLS targets are up, and down with the wrong password or
// without the CA (so it is the credentials that made them up); honor_labels; a bad query's error is Prometheus's;
// a configuration Prometheus refuses fails start with its log; a second server beside the first, started on the
// first's port, moves to a free one; stop() and the test process's end (SIGTERM, SIGKILL) leave no process and no
// directory. Skips when prometheus (or openssl) is not installed; CI installs both.

import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { prometheusBinary, startPrometheus, type PrometheusServer, type Sample } from "../support/prometheus.ts";
import { skip } from "../support/skip.ts";
import { waitFor } from "../support/wait.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const MISSING = "prometheus is not installed (apt-get install prometheus)";

// ---- the stand-in exporter ----------------------------------------------------------------------------------------

const OPENMETRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/**
 * The histogram's cumulative buckets per scrape: every scrape adds these again, so the raw buckets and their rate are
 * both proportional to them and give the same quantiles. With 10 observations a scrape:
 * - q=0.5: rank 5 falls in (2, 4], which holds 9-4=5 of them from rank 4 on: 2 + (4-2) * (5-4)/5 = 2.4.
 * - q=0.1: rank 1 falls in the first bucket (0, 1], whose lower bound is 0: 0 + 1 * 1/2 = 0.5.
 * - q=0.95: rank 9.5 falls in the +Inf bucket: the highest finite bound, 4.
 */
const BUCKETS: readonly (readonly [string, number])[] = [["1", 2], ["2", 4], ["4", 9], ["+Inf", 10]];

interface Scrape {
  readonly at: number;
  readonly path: string;
  readonly headers: Record<string, string | string[] | undefined>;
  /** The Content-Type served, or the status when refused. */
  readonly served: string;
}

/** An exporter's requests, and the text it serves (its n-th scrape's histogram is n times BUCKETS). */
class StandIn {
  readonly scrapes: Scrape[] = [];
  private n = 0;

  constructor(private readonly auth?: string) {}

  handle(req: IncomingMessage, res: ServerResponse): void {
    const record = (served: string) => this.scrapes.push({ at: Date.now(), path: req.url ?? "", headers: req.headers, served });
    if (this.auth !== undefined && req.headers.authorization !== `Basic ${Buffer.from(this.auth).toString("base64")}`) {
      record("401");
      res.writeHead(401, { "WWW-Authenticate": 'Basic realm="stand-in"' }).end();
      return;
    }
    if (!(req.headers.accept ?? "").includes("application/openmetrics-text")) {
      record("406");
      res.writeHead(406).end("this stand-in serves OpenMetrics only\n");
      return;
    }
    record(OPENMETRICS);
    res.writeHead(200, { "Content-Type": OPENMETRICS }).end(this.text(++this.n));
  }

  private text(n: number): string {
    return [
      "# TYPE standin_requests counter",
      "# HELP standin_requests Requests handled.",
      'standin_requests_total{method="get",code="200"} 7',
      'standin_requests_total{method="post",code="500"} 3',
      "# TYPE standin_latency_seconds histogram",
      "# UNIT standin_latency_seconds seconds",
      ...BUCKETS.map(([le, c]) => `standin_latency_seconds_bucket{le="${le}"} ${c * n}`),
      `standin_latency_seconds_count ${10 * n}`,
      `standin_latency_seconds_sum ${21 * n}`,
      "# TYPE standin_owner gauge",
      'standin_owner{job="inner",instance="inner:1"} 1',
      "# EOF",
      "",
    ].join("\n");
  }
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve(`127.0.0.1:${(server.address() as { port: number }).port}`));
  });
}

const close = (s: Server | undefined): Promise<void> => new Promise((r) => (s ? s.close(() => r()) : r()));

// ---- one server for the scraping tests ----------------------------------------------------------------------------

const plain = new StandIn();
const authed = new StandIn("scraper:s3cret");
const secure = new StandIn();
let servers: Server[] = [];
let certDir: string | undefined;
let prom: PrometheusServer | undefined;
let started = 0;

/** The shared server, started on first use; undefined (after a skip) when prometheus or openssl is missing. */
async function shared(): Promise<PrometheusServer | undefined> {
  if (prom) return prom;
  if (!prometheusBinary()) return void skip(MISSING);
  certDir = mkdtempSync(join(tmpdir(), "tsbpf-prometheus-cert-"));
  const cert = join(certDir, "cert.pem");
  const key = join(certDir, "key.pem");
  const ssl = spawnSync("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert,
    "-days", "1", "-subj", "/CN=tsbpf stand-in", "-addext", "subjectAltName=IP:127.0.0.1",
  ], { encoding: "utf8" });
  if (ssl.error) return void skip("openssl is not installed (apt-get install openssl)");
  assert.is(ssl.status, 0, ssl.stderr);
  const http = createHttpServer((q, s) => plain.handle(q, s));
  const basic = createHttpServer((q, s) => authed.handle(q, s));
  const tls = createHttpsServer({ cert: readFileSync(cert), key: readFileSync(key) }, (q, s) => secure.handle(q, s));
  servers = [http, basic, tls];
  const [httpAt, basicAt, tlsAt] = await Promise.all(servers.map(listen));
  started = Date.now();
  prom = await startPrometheus({
    scrapeInterval: "1s",
    targets: [
      { address: httpAt!, job: "plain" },
      { address: httpAt!, job: "honor", metricsPath: "/honor", honorLabels: true },
      { address: basicAt!, job: "auth", basicAuth: { username: "scraper", password: "s3cret" } },
      { address: basicAt!, job: "badauth", basicAuth: { username: "scraper", password: "wrong" } },
      { address: tlsAt!, job: "tls", scheme: "https", tls: { caFile: cert } },
      { address: tlsAt!, job: "tlsnoca", scheme: "https" },
    ],
  });
  console.log(`  prometheus ready ${Date.now() - started} ms after start`);
  return prom;
}

const byJob = (r: readonly Sample[], job: string) => r.filter((s) => s.metric.job === job);
/** True once `job`'s target has been scraped successfully (up is 1). */
const upIn = (job: string) => (r: readonly Sample[]) => byJob(r, job).some((s) => s.value === 1);

test.after(async () => {
  await prom?.stop();
  await Promise.all(servers.map(close));
  if (certDir) rmSync(certDir, { recursive: true, force: true });
});

test("Prometheus 2.42 asks for OpenMetrics, gets it, and a counter's labelled values come back with job and instance", async () => {
  const p = await shared();
  if (!p) return;
  await p.waitFor("up", upIn("plain"));
  const first = plain.scrapes.find((s) => s.path === "/metrics" && s.served === OPENMETRICS)!;
  console.log(`  first successful scrape ${first.at - started} ms after start`);
  console.log(`  scrape request headers: ${JSON.stringify(first.headers)}`);
  assert.match(String(first.headers.accept), /^application\/openmetrics-text;version=1\.0\.0,/);
  assert.match(String(first.headers["user-agent"]), /^Prometheus\/2\./);
  assert.ok(plain.scrapes.every((s) => s.served === OPENMETRICS), "every scrape asked for OpenMetrics");
  const r = byJob(await p.query("standin_requests_total"), "plain");
  const values = r.map((s) => `${s.metric.method} ${s.metric.code} ${s.metric.instance} ${s.value}`).sort();
  const at = (await p.targets()).find((t) => t.job === "plain")!.scrapeUrl.replace(/^http:\/\/|\/metrics$/g, "");
  assert.equal(values, [`get 200 ${at} 7`, `post 500 ${at} 3`]);
  assert.equal((await p.query('sum(standin_requests_total{job="plain"})')).map((s) => s.value), [10]);
  // a scalar comes back as one sample without labels; NaN and the infinities are numbers
  assert.equal(await p.query("scalar(vector(1)) / 0"), [{ metric: {}, value: Infinity }]);
  assert.ok(Number.isNaN((await p.query("vector(0) / 0"))[0]!.value));
});

test("histogram_quantile over the raw buckets and over their rate gives the hand-computed interpolations", async () => {
  const p = await shared();
  if (!p) return;
  await p.waitFor("up", upIn("plain"));
  const raw = (q: number) => `histogram_quantile(${q}, standin_latency_seconds_bucket{job="plain"})`;
  assert.equal((await p.query(raw(0.5))).map((s) => s.value), [2.4]);
  assert.equal((await p.query(raw(0.1))).map((s) => s.value), [0.5]);
  assert.equal((await p.query(raw(0.95))).map((s) => s.value), [4]);
  // rate() needs two scrapes in its window; then every bucket's rate is the same multiple of BUCKETS
  const r = await p.waitFor(`histogram_quantile(0.5, rate(standin_latency_seconds_bucket{job="plain"}[30s]))`, (v) => v.length === 1 && !Number.isNaN(v[0]!.value));
  assert.ok(Math.abs(r[0]!.value - 2.4) < 1e-9, `rate quantile ${r[0]!.value}`);
});

test("basic auth and TLS targets are up with the right credentials and CA, down without", async () => {
  const p = await shared();
  if (!p) return;
  // `up` has a series for a target once it has been scraped, 1 or 0
  await p.waitFor("up", (r) => ["auth", "badauth", "tls", "tlsnoca"].every((j) => byJob(r, j).length === 1));
  const h = new Map((await p.targets()).map((t) => [t.job, t]));
  assert.is(h.get("auth")!.health, "up", h.get("auth")!.lastError);
  assert.is(h.get("tls")!.health, "up", h.get("tls")!.lastError);
  assert.ok(h.get("tls")!.scrapeUrl.startsWith("https://127.0.0.1:"));
  assert.is(h.get("badauth")!.health, "down");
  assert.match(h.get("badauth")!.lastError, /401/);
  assert.is(h.get("tlsnoca")!.health, "down");
  assert.match(h.get("tlsnoca")!.lastError, /x509|certificate/);
  assert.ok(authed.scrapes.some((s) => s.served === OPENMETRICS) && authed.scrapes.some((s) => s.served === "401"));
  assert.ok(secure.scrapes.some((s) => s.served === OPENMETRICS));
  assert.equal(byJob(await p.query("standin_requests_total"), "tls").map((s) => s.value).sort(), [3, 7]);
});

test("honor_labels keeps a scraped job label; without it the label is renamed exported_job", async () => {
  const p = await shared();
  if (!p) return;
  const r = await p.waitFor("standin_owner", (v) => v.some((s) => s.metric.job === "inner") && v.some((s) => s.metric.job === "plain"));
  const honored = r.find((s) => s.metric.job === "inner");
  const renamed = r.find((s) => s.metric.job === "plain");
  assert.ok(honored && renamed, JSON.stringify(r));
  assert.is(honored.metric.instance, "inner:1");
  assert.is(honored.metric.exported_job, undefined);
  assert.is(renamed.metric.exported_job, "inner");
  assert.is(renamed.metric.exported_instance, "inner:1");
});

test("a bad query throws with Prometheus's error text; waitFor's timeout names the last result and the targets", async () => {
  const p = await shared();
  if (!p) return;
  const e = await p.query("sum(").then(() => undefined, (x: Error) => x);
  assert.ok(e, "a bad query did not throw");
  assert.match(e.message, /^query sum\(: bad_data: .*parse error/);
  const w = await p.waitFor("vector(5)", () => false, 500).then(() => undefined, (x: Error) => x);
  assert.ok(w);
  assert.match(w.message, /timed out after 500 ms waiting on vector\(5\): last result \[\{"metric":\{\},"value":"5"\}\]/);
  assert.match(w.message, /badauth http:\/\/127\.0\.0\.1:\d+\/metrics: down \(.*401/);
});

// ---- start, stop and cleanup --------------------------------------------------------------------------------------

/** True while process `pid` runs Prometheus (a reused pid running something else does not count). */
const alive = (pid: number): boolean => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("prometheus");
  } catch {
    return false;
  }
};

test("a second server beside the first, asked for the first's port, moves to a free one; stop() removes everything", async () => {
  const p = await shared();
  if (!p) return;
  const taken = Number(new URL(p.url).port);
  const second = await startPrometheus({ targets: [], firstPort: taken });
  try {
    assert.is.not(second.url, p.url);
    assert.equal((await second.query("vector(2)")).map((s) => s.value), [2]);
    assert.equal(await second.targets(), []);
    assert.equal((await p.query("vector(1)")).map((s) => s.value), [1], "the first still answers");
  } finally {
    await second.stop();
  }
  assert.not.ok(alive(second.pid), "the process is gone");
  assert.not.ok(existsSync(second.dir), "the directory is gone");
  await second.stop(); // idempotent
});

test("a configuration Prometheus refuses fails start with its log, and leaves nothing behind", async () => {
  if (!prometheusBinary()) return skip(MISSING);
  const before = new Set(spawnSync("ls", [tmpdir()], { encoding: "utf8" }).stdout.split("\n").filter((f) => f.startsWith("tsbpf-prometheus-")));
  const e = await startPrometheus({ targets: [], scrapeInterval: "soon" }).then(() => undefined, (x: Error) => x);
  assert.ok(e, "started with a bad interval");
  assert.match(e.message, /prometheus exited \(code \d+\) before it was ready; its log:\n[^]*not a valid duration string/);
  const after = spawnSync("ls", [tmpdir()], { encoding: "utf8" }).stdout.split("\n").filter((f) => f.startsWith("tsbpf-prometheus-") && !before.has(f));
  assert.equal(after, []);
  const dup = await startPrometheus({ targets: [{ address: "127.0.0.1:1", job: "x" }, { address: "127.0.0.1:2", job: "x" }] }).then(() => undefined, (x: Error) => x);
  assert.match(String(dup?.message), /two scrape targets have the job "x"/);
});

/** A test process of its own that starts a server, prints its pid and directory, and waits to be ended. */
async function childWithServer(): Promise<{ child: ReturnType<typeof spawn>; pid: number; dir: string; stderr: () => string }> {
  const script = [
    `import { startPrometheus } from ${JSON.stringify(join(root, "test/support/prometheus.ts"))};`,
    "const p = await startPrometheus({ targets: [] });",
    "console.log(JSON.stringify({ pid: p.pid, dir: p.dir }));",
    "setInterval(() => {}, 1000);",
  ].join("\n");
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.on("data", (b: Buffer) => (out += b.toString()));
  child.stderr.on("data", (b: Buffer) => (err += b.toString()));
  await waitFor(() => out.includes("\n") || child.exitCode !== null, "the child's server", 60_000);
  assert.ok(out.includes("\n"), `the child exited: ${err}`);
  const { pid, dir } = JSON.parse(out) as { pid: number; dir: string };
  assert.ok(alive(pid) && existsSync(dir));
  return { child, pid, dir, stderr: () => err };
}

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  test(`${signal} to the test process kills its server and removes its directory`, async () => {
    if (!prometheusBinary()) return skip(MISSING);
    const c = await childWithServer();
    try {
      c.child.kill(signal);
      await waitFor(() => c.child.exitCode !== null || c.child.signalCode !== null, "the child's exit");
      assert.is(c.child.signalCode, signal, "the child ended by the signal, as it would have without the harness");
      await waitFor(() => !alive(c.pid), `prometheus ${c.pid} to go`);
      assert.not.ok(existsSync(c.dir), "the directory is gone");
    } finally {
      c.child.kill("SIGKILL");
      if (alive(c.pid)) process.kill(c.pid, "SIGKILL");
      rmSync(c.dir, { recursive: true, force: true });
    }
  });
}

test("SIGKILL of the test process: the kernel kills its server (PR_SET_PDEATHSIG through setpriv)", async () => {
  if (!prometheusBinary()) return skip(MISSING);
  if (spawnSync("setpriv", ["--help"]).error) return skip("setpriv is not installed (util-linux)");
  const c = await childWithServer();
  try {
    c.child.kill("SIGKILL");
    await waitFor(() => !alive(c.pid), `prometheus ${c.pid} to go after its parent's SIGKILL`);
  } finally {
    if (alive(c.pid)) process.kill(c.pid, "SIGKILL");
    rmSync(c.dir, { recursive: true, force: true });
  }
});

test.run();
