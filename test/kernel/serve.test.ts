// `tsbpf serve` as a daemon, as its users run it: a child process serving a counting tracer
// (test/fixtures/serve/counter.ts) while a workload of known counts runs, scraped directly and by a real Prometheus
// server (test/support/prometheus.ts) whose HTTP API is asked for the counter and a histogram quantile; SIGHUP
// reloads that keep the counts of unchanged maps, and a broken tracer that leaves the previous one running and says
// why on /healthz; a stderr whose reader has gone; --user, after which the process holds no privilege and still
// serves; SIGTERM, after which none of its kernel objects is left.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { kernelTest } from "../support/kernel.ts";
import { skip } from "../support/skip.ts";
import { type RunChild, freshTag, leftOver, reap, scratchProject, spawnRun, within } from "../support/stop.ts";
import { prometheusBinary, startPrometheus } from "../support/prometheus.ts";
import { startOtlpReceiver } from "../support/otlp-receiver.ts";
import { hasOpenssl, makeCerts } from "../support/tls-certs.ts";
import { request } from "node:https";
import bcrypt from "bcryptjs";
import { log2Index, log2Bounds } from "../../core/aggregations.ts";

const scratch = scratchProject();
const tag = freshTag();
let tool: string | undefined;
const counterTool = async () => (tool ??= await scratch.tool("test/fixtures/serve/counter.ts", tag, ["calls", "sizes"]));

/** The workload's sizes: 60 preads of 48 bytes, 40 of 1000 (two log2 buckets, so the median and p90 interpolate). */
const SIZES = [...Array<number>(60).fill(48), ...Array<number>(40).fill(1000)];
const CALLS = 100;

/** A node process that, on each line of stdin, calls getppid() CALLS times and pread64() once per SIZES entry. */
interface Workload {
  readonly pid: number;
  /** One round; resolves once it is done. */
  round(): Promise<void>;
  stop(): void;
}

function workload(): Workload {
  const file = join(scratch.dir, "data.bin");
  writeFileSync(file, Buffer.alloc(4096));
  const code = `
    const fs = require("node:fs");
    const fd = fs.openSync(${JSON.stringify(file)}, "r");
    const buf = Buffer.alloc(4096);
    const sizes = ${JSON.stringify(SIZES)};
    process.stdin.on("data", () => {
      let s = 0;
      for (let i = 0; i < ${CALLS}; i++) s += process.ppid;
      for (const n of sizes) fs.readSync(fd, buf, 0, n, 0);
      process.stdout.write(s > 0 ? "done\\n" : "?\\n");
    });`;
  const child: ChildProcess = spawn(process.execPath, ["-e", code], { stdio: ["pipe", "pipe", "inherit"] });
  let out = "";
  let waiting: (() => void) | undefined;
  child.stdout!.on("data", (d: Buffer) => {
    out += d;
    if (out.includes("done\n")) {
      out = out.replace("done\n", "");
      waiting?.();
    }
  });
  return {
    pid: child.pid!,
    round: () => within(new Promise<void>((r) => {
      waiting = r;
      child.stdin!.write("go\n");
    }), 30_000, "the workload's round"),
    stop: () => void child.kill("SIGKILL"),
  };
}

/** `tsbpf serve` of the counter tool for `pid`, on 127.0.0.1 with a port the kernel picks; its URL once serving. */
async function serve(file: string, pid: number, extra: readonly string[] = []): Promise<{ run: RunChild; url: string }> {
  const run = spawnRun(["serve", file, "--metrics", "127.0.0.1:0", "--namespace", "t", "--param", `target=${pid}`, ...extra], { env: scratch.env });
  await run.stderrMatch(/serving metrics of .* at (http\S+)\/metrics/, 60_000);
  const url = /serving metrics of .* at (http\S+)\/metrics/.exec(run.stderr)![1]!;
  return { run, url };
}

async function scrape(url: string, accept = "application/openmetrics-text;version=1.0.0"): Promise<string> {
  const r = await fetch(`${url}/metrics`, { headers: { accept } });
  assert.is(r.status, 200, await r.clone().text());
  return r.text();
}

/** The value of sample `name{labels}` in an exposition, or undefined. */
function sample(body: string, name: string, labels = ""): number | undefined {
  const line = body.split("\n").find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ""} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1));
}

/** histogram_quantile as Prometheus computes it, over the buckets our log2 histogram gives SIZES. */
function expectedQuantile(q: number, values: readonly number[]): number {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(log2Index(BigInt(v)), (counts.get(log2Index(BigInt(v))) ?? 0) + 1);
  const indices = [...counts.keys()].sort((a, b) => a - b);
  // The buckets exposed run from the lowest to the highest that had values; le is each one's largest integer.
  const buckets: { le: number; cum: number }[] = [];
  let cum = 0;
  for (let i = indices[0]!; i <= indices.at(-1)!; i++) {
    cum += counts.get(i) ?? 0;
    buckets.push({ le: Number(log2Bounds(i).high! - 1n), cum });
  }
  const rank = q * values.length;
  const b = buckets.findIndex((x) => x.cum >= rank);
  const start = b > 0 ? buckets[b - 1]!.le : 0;
  const below = b > 0 ? buckets[b - 1]!.cum : 0;
  return start + (buckets[b]!.le - start) * ((rank - below) / (buckets[b]!.cum - below));
}

kernelTest(test, "serve: scraped counts and histogram buckets are what the workload did, and SIGTERM leaves nothing behind", async (sys) => {
  const file = await counterTool();
  const w = workload();
  let s: Awaited<ReturnType<typeof serve>> | undefined;
  try {
    s = await serve(file, w.pid);
    let body = await scrape(s.url);
    assert.is(sample(body, `t_${tag}calls_total`, `pid="${w.pid}"`), undefined, "nothing counted before the workload");
    await w.round();
    await w.round();
    body = await scrape(s.url);
    assert.is(sample(body, `t_${tag}calls_total`, `pid="${w.pid}"`), 2 * CALLS, body);
    assert.is(sample(body, `t_${tag}sizes_bytes_count`), 2 * SIZES.length, body);
    assert.is(sample(body, `t_${tag}sizes_bytes_bucket`, 'le="63"'), 2 * 60, body);
    assert.is(sample(body, `t_${tag}sizes_bytes_bucket`, 'le="1023"'), 2 * SIZES.length, body);
    assert.match(body, /^# EOF$/m);
    // The text format for a scraper that does not ask for OpenMetrics.
    const text = await scrape(s.url, "text/plain");
    assert.is(sample(text, `t_${tag}calls_total`, `pid="${w.pid}"`), 2 * CALLS);
    const health = await fetch(`${s.url}/healthz`);
    assert.is(health.status, 200);
    assert.is((await fetch(`${s.url}/readyz`)).status, 200);
    s.run.child.kill("SIGTERM");
    const exit = await within(s.run.exit, 20_000, "serve's exit after SIGTERM");
    assert.equal([exit.code, exit.signal], [0, null], s.run.stderr);
    assert.equal(await leftOver(sys, tag, s.run.pid), { maps: [], probes: [] });
  } finally {
    reap(s?.run);
    w.stop();
  }
});

kernelTest(test, "serve: a real Prometheus server scrapes it; its counter and histogram_quantile match the workload", async () => {
  if (!prometheusBinary()) return skip("prometheus is not installed (apt-get install prometheus; .ci/run installs it)");
  const file = await counterTool();
  const w = workload();
  let s: Awaited<ReturnType<typeof serve>> | undefined;
  let prom: Awaited<ReturnType<typeof startPrometheus>> | undefined;
  try {
    s = await serve(file, w.pid);
    await w.round();
    prom = await startPrometheus({ targets: [{ address: new URL(s.url).host, job: "tsbpf" }], scrapeInterval: "1s" });
    const calls = await prom.waitFor(`t_${tag}calls_total{pid="${w.pid}"}`, (r) => r.length === 1 && r[0]!.value === CALLS, 30_000);
    assert.is(calls[0]!.value, CALLS);
    for (const q of [0.5, 0.9]) {
      const r = await prom.waitFor(`histogram_quantile(${q}, t_${tag}sizes_bytes_bucket)`, (x) => x.length === 1 && Number.isFinite(x[0]!.value), 30_000);
      assert.ok(Math.abs(r[0]!.value - expectedQuantile(q, SIZES)) < 1e-9, `quantile ${q}: ${r[0]!.value}, expected ${expectedQuantile(q, SIZES)}`);
    }
    const targets = await prom.targets();
    assert.equal(targets.map((t) => t.health), ["up"], JSON.stringify(targets));
  } finally {
    await prom?.stop();
    reap(s?.run);
    w.stop();
  }
});

kernelTest(test, "serve -e: a one-liner's maps are metrics, named tsbpf_<name> and labelled by what they are keyed by", async () => {
  const w = workload();
  const program = `tracepoint("syscalls/sys_enter_getppid", () => { if (bpf.pid() === ${w.pid}) $.count(bpf.pid()); })`;
  const run = spawnRun(["serve", "-e", program, "--metrics", "127.0.0.1:0"], { env: scratch.env });
  try {
    await run.stderrMatch(/serving metrics of the one-liner \(-e\) at (http\S+)\/metrics/, 60_000);
    const url = /at (http\S+)\/metrics/.exec(run.stderr)![1]!;
    await w.round();
    const body = await scrape(url);
    assert.is(sample(body, "tsbpf_count_total", `pid="${w.pid}"`), CALLS, body);
    assert.match(body, /^tsbpf_tracer_info\{tool="tsbpf",file="-e",/m);
    run.child.kill("SIGTERM");
    assert.is((await within(run.exit, 20_000, "serve's exit")).code, 0, run.stderr);
  } finally {
    reap(run);
    w.stop();
  }
});

kernelTest(test, "serve --otlp: a receiver on 127.0.0.1 decodes the pushed counter and histogram, and SIGTERM pushes the last values", async () => {
  const file = await counterTool();
  const w = workload();
  const receiver = await startOtlpReceiver();
  const run = spawnRun(["serve", file, "--otlp", receiver.url, "--otlp-interval", "0.2", "--namespace", "t", "--param", `target=${w.pid}`], { env: scratch.env });
  try {
    await run.stderrMatch(/pushing metrics of .* every 0.2 s/, 60_000);
    assert.not.match(run.stderr, /serving metrics/, "no endpoint without --metrics");
    await w.round();
    // Pushes that began after the round: the round's counts are in them.
    const from = receiver.pushes.length;
    await receiver.waitForPushes(from + 2);
    const push = receiver.pushes.at(-1)!;
    assert.is(push.path, "/v1/metrics");
    assert.is(push.headers["content-type"], "application/x-protobuf", "OTLP's default encoding");
    assert.is(push.resource["service.name"], "tsbpf");
    assert.is(push.resource["tsbpf.tool"], "t");
    const calls = push.sum(`t_${tag}calls`);
    assert.ok(calls.isMonotonic);
    assert.is(calls.temporality, "cumulative");
    assert.equal(calls.points.map((p) => [p.attributes.pid, p.value]), [[String(w.pid), CALLS]]);
    const sizes = push.histogram(`t_${tag}sizes_bytes`);
    assert.is(sizes.unit, "By");
    const p = sizes.points[0]!;
    assert.is(p.count, SIZES.length);
    // Per bucket: 60 at most 63 bytes, none up to 511, 40 up to 1023, none above.
    assert.equal(p.explicitBounds, [63, 127, 255, 511, 1023]);
    assert.equal(p.bucketCounts, [60, 0, 0, 0, 40, 0]);
    await w.round();
    const before = receiver.pushes.length;
    run.child.kill("SIGTERM");
    assert.is((await within(run.exit, 20_000, "serve's exit")).code, 0, run.stderr);
    // The last push, at the stop, has the second round.
    assert.ok(receiver.pushes.length > before);
    assert.equal(receiver.pushes.at(-1)!.sum(`t_${tag}calls`).points.map((x) => x.value), [2 * CALLS]);
  } finally {
    reap(run);
    w.stop();
    await receiver.close();
  }
});

kernelTest(test, "serve: SIGHUP reloads a changed tracer keeping unchanged maps' counts; a broken one leaves it running and /healthz says why", async () => {
  const file = await counterTool();
  const original = readFileSync(file, "utf8");
  const w = workload();
  let s: Awaited<ReturnType<typeof serve>> | undefined;
  try {
    s = await serve(file, w.pid, ["-v"]);
    await w.round();
    const calls = `t_${tag}calls_total`;
    assert.is(sample(await scrape(s.url), calls, `pid="${w.pid}"`), CALLS);
    // A new map beside the unchanged ones: their counts go on from where they were.
    writeFileSync(file, `${original}\n/** Reads by process. */\nexport const ${tag}reads = new Count<u32>();\ntracepoint("syscalls/sys_enter_pread64", () => {\n  if (bpf.pid() === target) ${tag}reads.increment(bpf.pid());\n});\n`);
    s.run.child.kill("SIGHUP");
    await s.run.stderrMatch(/reloaded .* in \d+ ms/, 60_000);
    assert.match(s.run.stderr, new RegExp(`kept the counts of [^\\n]*${tag}calls`));
    await w.round();
    let body = await scrape(s.url);
    assert.is(sample(body, calls, `pid="${w.pid}"`), 2 * CALLS, body);
    assert.is(sample(body, `t_${tag}reads_total`, `pid="${w.pid}"`), SIZES.length, body);
    assert.is(sample(body, "tsbpf_reloads_total", 'result="success"'), 1);
    // A tracer that does not compile: the previous one keeps counting, and the health checks say so.
    writeFileSync(file, `${original}\nexport const broken = ;\n`);
    s.run.child.kill("SIGHUP");
    await s.run.stderrMatch(/reload failed, the previous tracer keeps running/, 60_000);
    await w.round();
    body = await scrape(s.url);
    assert.is(sample(body, calls, `pid="${w.pid}"`), 3 * CALLS, body);
    assert.is(sample(body, "tsbpf_last_reload_successful"), 0);
    const health = await fetch(`${s.url}/healthz`);
    assert.is(health.status, 200);
    assert.match(await health.text(), /the last reload failed .*does not compile/);
    assert.match(await (await fetch(`${s.url}/readyz`)).text(), /the last reload failed/);
    s.run.child.kill("SIGTERM");
    assert.is((await within(s.run.exit, 20_000, "serve's exit")).code, 0, s.run.stderr);
  } finally {
    writeFileSync(file, original);
    reap(s?.run);
    w.stop();
  }
});

/** A GET over https trusting `ca`, with basic auth when given: the status and body. */
function httpsGet(url: string, ca: Buffer, auth?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, ...(auth ? { auth } : {}) }, (res) => {
      let body = "";
      res.on("data", (d: Buffer) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

kernelTest(test, "serve --web.config.file: TLS and basic auth, scraped by a real Prometheus with its credentials; SIGHUP swaps the users", async () => {
  if (!hasOpenssl()) return skip("openssl is not installed (.ci/run installs it)");
  if (!prometheusBinary()) return skip("prometheus is not installed (apt-get install prometheus; .ci/run installs it)");
  const file = await counterTool();
  const certs = makeCerts();
  const config = join(certs.dir, "web.yml");
  const users = (name: string, password: string) =>
    `tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\nbasic_auth_users:\n  ${name}: ${bcrypt.hashSync(password, 4)}\n`;
  writeFileSync(config, users("alice", "wonderland"));
  writeFileSync(join(certs.dir, "alice.pw"), "wonderland");
  const w = workload();
  let s: Awaited<ReturnType<typeof serve>> | undefined;
  let prom: Awaited<ReturnType<typeof startPrometheus>> | undefined;
  try {
    s = await serve(file, w.pid, ["--web.config.file", config]);
    assert.match(s.url, /^https:\/\//);
    await w.round();
    const calls = `t_${tag}calls_total`;
    assert.is((await httpsGet(`${s.url}/metrics`, certs.server.cert)).status, 401);
    assert.is((await httpsGet(`${s.url}/metrics`, certs.server.cert, "alice:wrong")).status, 401);
    const ok = await httpsGet(`${s.url}/metrics`, certs.server.cert, "alice:wonderland");
    assert.is(ok.status, 200);
    assert.is(sample(ok.body, calls, `pid="${w.pid}"`), CALLS);
    prom = await startPrometheus({
      targets: [{ address: new URL(s.url).host, job: "tls", scheme: "https", tls: { caFile: certs.server.certFile }, basicAuth: { username: "alice", password: "wonderland" } }],
      scrapeInterval: "1s",
    });
    await prom.waitFor(`${calls}{pid="${w.pid}"}`, (r) => r.length === 1 && r[0]!.value === CALLS, 30_000);
    // SIGHUP reads the web config again: alice is out, bob is in.
    writeFileSync(config, users("bob", "builder"));
    s.run.child.kill("SIGHUP");
    await within((async () => {
      while ((await httpsGet(`${s!.url}/metrics`, certs.server.cert, "bob:builder")).status !== 200) await new Promise((r) => setTimeout(r, 100));
    })(), 20_000, "bob let in after SIGHUP");
    assert.is((await httpsGet(`${s.url}/metrics`, certs.server.cert, "alice:wonderland")).status, 401);
    // A web config that does not parse leaves bob in.
    writeFileSync(config, "basic_auth_users: [\n");
    s.run.child.kill("SIGHUP");
    await s.run.stderrMatch(/reload failed, the previous tracer keeps running: --web.config.file: /);
    assert.is((await httpsGet(`${s.url}/metrics`, certs.server.cert, "bob:builder")).status, 200);
  } finally {
    await prom?.stop();
    reap(s?.run);
    w.stop();
    certs.remove();
  }
});

kernelTest(test, "serve --user nobody: after attaching the process holds no privilege, and still serves", async () => {
  const file = await counterTool();
  const w = workload();
  let s: Awaited<ReturnType<typeof serve>> | undefined;
  try {
    s = await serve(file, w.pid, ["--user", "nobody"]);
    await s.run.stderrMatch(/running as nobody \(uid (\d+)/);
    const uid = /running as nobody \(uid (\d+)/.exec(s.run.stderr)![1]!;
    const status = readFileSync(`/proc/${s.run.pid}/status`, "utf8");
    // Real, effective, saved and filesystem ids are all nobody's, and no capability is left.
    assert.match(status, new RegExp(`^Uid:\\s+${uid}\\s+${uid}\\s+${uid}\\s+${uid}$`, "m"));
    assert.match(status, /^CapEff:\s+0+$/m);
    assert.match(status, /^CapPrm:\s+0+$/m);
    await w.round();
    assert.is(sample(await scrape(s.url), `t_${tag}calls_total`, `pid="${w.pid}"`), CALLS);
    // Reloading needs root: refused, and the tracer keeps running.
    s.run.child.kill("SIGHUP");
    await s.run.stderrMatch(/cannot be reloaded after dropping root/);
    s.run.child.kill("SIGTERM");
    assert.is((await within(s.run.exit, 20_000, "serve's exit")).code, 0, s.run.stderr);
  } finally {
    reap(s?.run);
    w.stop();
  }
});

kernelTest(test, "serve whose stderr's reader has gone (EPIPE) keeps serving, reloads, and exits 0 on SIGTERM", async (sys) => {
  const file = await counterTool();
  const w = workload();
  let s: Awaited<ReturnType<typeof serve>> | undefined;
  try {
    s = await serve(file, w.pid, ["-v"]);
    s.run.child.stderr!.destroy();
    // Each of these logs a line (-v), into a pipe no one reads any more.
    s.run.child.kill("SIGHUP");
    await w.round();
    s.run.child.kill("SIGHUP");
    await w.round();
    assert.is(sample(await scrape(s.url), `t_${tag}calls_total`, `pid="${w.pid}"`), 2 * CALLS);
    s.run.child.kill("SIGTERM");
    const exit = await within(s.run.exit, 20_000, "serve's exit after SIGTERM");
    assert.equal([exit.code, exit.signal], [0, null]);
    assert.equal(await leftOver(sys, tag, s.run.pid), { maps: [], probes: [] });
  } finally {
    reap(s?.run);
    w.stop();
  }
});

test.after(() => scratch.remove());

test.run();

