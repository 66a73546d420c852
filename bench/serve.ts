// What a scrape of `tsbpf serve` costs, and what the daemon's memory does over a long run.
//
// serve: a per-CPU hash map of N label sets (a Count keyed by {pid, comm}: two labels) filled from user space, then
// one scrape's steps timed apart: reading the map (batch lookups, merged across CPUs), the metric families
// (runtime/metrics/families.ts) and the OpenMetrics text (prom-client), and the gzip Prometheus asks for. The
// reference, in the same run: prom-client's own Counter holding the same N label sets, writing its text. Then one
// OTLP push of the same families in each encoding (http/protobuf, http/json) to a local receiver. Needs root and
// bpf(); without, it says so.
//
// serve-soak (`npm run bench -- serve-soak --soak-seconds=600`): `tsbpf serve` of test/fixtures/serve/counter.ts as a
// child, for `--soak-seconds` (default 60) after a 15 s warm-up, of a workload that starts short-lived processes (new
// pids: new label sets, past --max-series 500 and past the maps' sizes) and scrapes every 100 ms; its RSS and V8 heap,
// the series exposed and the entries in its maps (bpftool) at the start and at the end, and the peak RSS.

import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, mkdirSync, writeFileSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import client from "prom-client";
import type { MapSpec } from "../core/object/spec.ts";
import { expose } from "../runtime/metrics/exposition.ts";
import { MetricSet } from "../runtime/metrics/families.ts";
import type { MetricFamily } from "../runtime/metrics/model.ts";
import type { OtlpProtocol } from "../runtime/serve/otlp.ts";
import { readAggregation } from "../runtime/output/read.ts";
import { median, ratio } from "./util.ts";

const RUNS = 5;
const ms = (x: number) => `${x.toFixed(1)} ms`;

export async function benchScrape(): Promise<void> {
  if (process.getuid?.() !== 0) {
    console.log("serve scrape: skipped (needs root and bpf())");
    return;
  }
  const { BpfMap } = await import("../runtime/kernel/maps.ts");
  const { linuxSys } = await import("../runtime/kernel/sys.ts");
  const { possibleCpus } = await import("../runtime/kernel/cpus.ts");
  const sys = await linuxSys();
  const cpus = possibleCpus().length;
  console.log(`serve scrape: a Count keyed by {pid, comm} with N label sets (${cpus} CPUs), median of ${RUNS} scrapes`);
  for (const n of [10_000, 100_000]) {
    const key = { kind: "struct", fields: [{ name: "pid", type: { kind: "int", size: 4, signed: false } }, { name: "comm", type: { kind: "string", capacity: 16 } }] } as const;
    const spec: MapSpec = {
      name: "calls", type: "percpu_hash", keySize: 20, valueSize: 8, maxEntries: n, exported: true, key, value: { kind: "int", size: 8, signed: false },
      aggregation: { kind: "count", keyed: true, key },
    };
    const map = BpfMap.create(sys, spec);
    try {
      const perCpu = Array.from({ length: cpus }, (_, c) => BigInt(c + 1));
      for (let i = 0; i < n; i++) map.set({ pid: 1000 + i, comm: `proc-${i % 997}` }, perCpu);
      const set = new MetricSet([spec], { namespace: "bench", maxSeries: n });
      const times = { read: [] as number[], families: [] as number[], text: [] as number[], gzip: [] as number[], total: [] as number[] };
      let bytes = 0;
      let gzBytes = 0;
      for (let r = 0; r < RUNS; r++) {
        const t0 = performance.now();
        const data = readAggregation(map, spec);
        const t1 = performance.now();
        const { families } = set.scrape(() => data);
        const t2 = performance.now();
        const { body } = await expose(families, "application/openmetrics-text;version=1.0.0", { process: false });
        const t3 = performance.now();
        const gz = gzipSync(body);
        const t4 = performance.now();
        times.read.push(t1 - t0);
        times.families.push(t2 - t1);
        times.text.push(t3 - t2);
        times.gzip.push(t4 - t3);
        times.total.push(t4 - t0);
        bytes = body.length;
        gzBytes = gz.length;
      }
      // The reference: prom-client's own counter with the same label sets, writing its text.
      const registry = new client.Registry<typeof client.Registry.OPENMETRICS_CONTENT_TYPE>();
      registry.setContentType(client.Registry.OPENMETRICS_CONTENT_TYPE);
      const counter = new client.Counter({ name: "bench_calls", help: "h", labelNames: ["pid", "comm"], registers: [registry] });
      for (let i = 0; i < n; i++) counter.inc({ pid: String(1000 + i), comm: `proc-${i % 997}` }, cpus * (cpus + 1) / 2);
      const ref: number[] = [];
      for (let r = 0; r < RUNS; r++) {
        const t0 = performance.now();
        await registry.metrics();
        ref.push(performance.now() - t0);
      }
      const m = (xs: number[]) => median(xs);
      const push = await otlpPushTimes(set.scrape(() => readAggregation(map, spec)).families);
      console.log(`  ${n.toLocaleString("en")} series: scrape ${ms(m(times.total))} = read ${ms(m(times.read))} + families ${ms(m(times.families))} + text ${ms(m(times.text))} + gzip ${ms(m(times.gzip))}; ` +
        `${(bytes / 1e6).toFixed(1)} MB (${(gzBytes / 1e6).toFixed(2)} MB gzipped); prom-client's own counter writes its text in ${ms(m(ref))} ` +
        `(families + text: ${ratio(m(times.families) + m(times.text), m(ref))})`);
      console.log(`  ${n.toLocaleString("en")} series: OTLP push of the same families (encode + POST to a local receiver): ` +
        push.map((p) => `${p.protocol} ${ms(p.ms)} (${(p.bytes / 1e6).toFixed(1)} MB)`).join(", "));
    } finally {
      map.close();
    }
  }
}

/** The soak's length: `npm run bench -- serve --soak-seconds=600`. */
/** One OTLP push of `families` in each encoding to a receiver on 127.0.0.1 that reads and drops them: median times. */
async function otlpPushTimes(families: readonly MetricFamily[]): Promise<{ protocol: OtlpProtocol; ms: number; bytes: number }[]> {
  const { startOtlpPush } = await import("../runtime/serve/otlp.ts");
  let bytes = 0;
  const server = createServer((req, res) => {
    let n = 0;
    req.on("data", (c: Buffer) => (n += c.length));
    req.on("end", () => {
      bytes = n;
      const json = req.headers["content-type"] === "application/json";
      res.writeHead(200, { "content-type": json ? "application/json" : "application/x-protobuf" }).end(json ? "{}" : "");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const out: { protocol: OtlpProtocol; ms: number; bytes: number }[] = [];
  try {
    for (const protocol of ["http/protobuf", "http/json"] as const) {
      const errors: string[] = [];
      const push = startOtlpPush({
        url, protocol, intervalMs: 3_600_000, timeoutMs: 60_000, resource: { "service.name": "bench" },
        collect: async () => families, startTimeMs: () => Date.now(), onError: (line) => errors.push(line),
      });
      const times: number[] = [];
      for (let r = 0; r < RUNS; r++) {
        const t0 = performance.now();
        await push.flush();
        times.push(performance.now() - t0);
      }
      await push.shutdown();
      if (errors.length) throw new Error(`OTLP push in the bench failed: ${errors[0]}`);
      out.push({ protocol, ms: median(times), bytes });
    }
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  return out;
}

function soakSeconds(): number {
  const a = process.argv.find((x) => x.startsWith("--soak-seconds="));
  return a ? Number(a.slice("--soak-seconds=".length)) : 60;
}

/**
 * The entries in each soak map the process holds, by name ("calls 2048, last 1024"), read with bpftool (map ids from
 * the process's fdinfo); what it says instead when bpftool is missing.
 */
function mapSizes(pid: number): string {
  const ids = new Set<number>();
  for (const fd of readdirSync(`/proc/${pid}/fdinfo`)) {
    try {
      const id = /^map_id:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, "utf8"))?.[1];
      if (id) ids.add(Number(id));
    } catch {
      // closed meanwhile
    }
  }
  const sizes: string[] = [];
  for (const id of [...ids].sort((a, b) => a - b)) {
    const show = spawnSync("bpftool", ["-j", "map", "show", "id", String(id)], { encoding: "utf8" });
    if (show.error) return "(bpftool is not installed)";
    const name = (JSON.parse(show.stdout || "{}") as { name?: string }).name ?? "";
    if (!/calls|last/.test(name)) continue;
    const dump = spawnSync("bpftool", ["-j", "map", "dump", "id", String(id)], { encoding: "utf8", maxBuffer: 1 << 28 });
    sizes.push(`${name} ${(JSON.parse(dump.stdout || "[]") as unknown[]).length}`);
  }
  return sizes.join(", ");
}

function rssKb(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) : NaN;
}

export async function benchSoak(): Promise<void> {
  if (process.getuid?.() !== 0) {
    console.log("serve soak: skipped (needs root and bpf())");
    return;
  }
  const seconds = soakSeconds();
  const root = join(import.meta.dirname, "..");
  const dir = mkdtempSync(join(tmpdir(), "tsbpf-soak-"));
  mkdirSync(join(dir, "node_modules"));
  symlinkSync(root, join(dir, "node_modules", "tsbpf"), "dir");
  writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n');
  // Every process's getppid() calls, keyed by pid: each short-lived process is a new label set.
  const tool = join(dir, "soak.ts");
  copyFileSync(join(root, "test/fixtures/serve/counter.ts"), tool);
  // And when each process last called it, in an LRU map of 1,024: old pids are evicted, so its label sets churn.
  writeFileSync(tool, `${readFileSync(tool, "utf8").replace("if (bpf.pid() === target) calls", "calls").replace("new Count<u32>()", "new Count<u32>({ maxEntries: 2048 })")
    .replace('type u32 } from "tsbpf";', 'type u32, type u64, LruHashMap } from "tsbpf";')}
/** When each process last called getppid(). @labels pid @unit ns */
export const last = new LruHashMap<u32, u64>(1024);
tracepoint("syscalls/sys_exit_getppid", () => {
  last.set(bpf.pid(), bpf.ktimeGetNs());
});
`);
  const env = { ...process.env, TSBPF_CACHE_DIR: join(dir, ".cache"), NO_COLOR: "1" };
  const build = spawnSync(process.execPath, [join(root, "bin/tsbpf.js"), "build", tool, "-o", join(dir, "soak.tsbpf")], { env, encoding: "utf8" });
  if (build.status !== 0) {
    console.log(`serve soak: skipped (the tool does not build: ${build.stderr.trim()})`);
    rmSync(dir, { recursive: true, force: true });
    return;
  }
  const child = spawn(process.execPath, [join(root, "bin/tsbpf.js"), "serve", join(dir, "soak.tsbpf"), "--metrics", "127.0.0.1:0", "--max-series", "500"], { env, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d));
  try {
    const until = Date.now() + 60_000;
    while (!/at (http\S+)\/metrics/.test(stderr) && Date.now() < until && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
    const url = /at (http\S+)\/metrics/.exec(stderr)?.[1];
    if (!url) throw new Error(`serve did not start: ${stderr}`);
    const scrape = async () => {
      const text = await (await fetch(`${url}/metrics`)).text();
      const heap = /^nodejs_heap_size_used_bytes (\S+)$/m.exec(text)?.[1];
      return { series: text.split("\n").filter((l) => /^soak_(calls_total|last_seconds)\{/.test(l)).length, heapMb: Number(heap) / 2 ** 20 };
    };
    let scrapes = 0;
    let spawned = 0;
    let peak = 0;
    /** `ms` of the workload: short-lived processes, each calling getppid() (a shell reads its $PPID): new pids. */
    const work = async (ms: number) => {
      const end = Date.now() + ms;
      while (Date.now() < end) {
        for (let i = 0; i < 20; i++, spawned++) spawnSync("/bin/sh", ["-c", ":"], { stdio: "ignore" });
        await scrape();
        scrapes++;
        peak = Math.max(peak, rssKb(child.pid!));
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    // Warm up until both maps are full and the guard refuses label sets: from then on nothing should grow.
    await work(15_000);
    const start = { rss: rssKb(child.pid!), ...(await scrape()), at: spawned, maps: mapSizes(child.pid!) };
    peak = start.rss;
    await work(seconds * 1000);
    const after = { rss: rssKb(child.pid!), ...(await scrape()), maps: mapSizes(child.pid!) };
    const mb = (kb: number) => `${(kb / 1024).toFixed(1)} MB`;
    const body = await (await fetch(`${url}/metrics`)).text();
    const dropped = [...body.matchAll(/^tsbpf_series_dropped_total\{metric="(soak_\w+)"\} (\d+)$/gm)].map((m) => `${m[1]} ${m[2]}`).join(", ");
    console.log(`serve soak: ${seconds} s after a 15 s warm-up, ${scrapes} scrapes, ${spawned - start.at} short-lived processes; RSS ${mb(start.rss)} -> ${mb(after.rss)} ` +
      `(peak ${mb(peak)}, ${ratio(after.rss, start.rss)}), V8 heap used ${start.heapMb.toFixed(1)} -> ${after.heapMb.toFixed(1)} MB; series ${start.series} -> ${after.series} ` +
      `(a Count of 2,048 entries and an LRU map of 1,024, --max-series 500; label sets dropped: ${dropped}); map entries ${start.maps} -> ${after.maps}`);
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
    rmSync(dir, { recursive: true, force: true });
  }
}
