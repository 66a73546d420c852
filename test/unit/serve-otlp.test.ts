// The OTLP push (runtime/serve/otlp.ts) against a receiver on 127.0.0.1 (test/support/otlp-receiver.ts) that decodes
// what arrives: the resource, each family's name, description and unit, counters as monotonic cumulative sums from
// the start time, gauges, histograms as bounds and per-bucket counts, summaries as bucketless histograms, labels as
// attributes, headers; the timer; a receiver that answers 500 then recovers, one busy (503: retried in the push), one
// slow (ticks skipped, said once, never two pushes at once), one down (one line, nothing thrown, nothing on stderr),
// one stuck mid-answer (shutdown still returns); shutdown pushing the last values; otlpMetricsUrl's errors.

import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { MetricFamily } from "../../runtime/metrics/model.ts";
import { otlpMetricsUrl, otlpProtocol, startOtlpPush, type OtlpOptions, type OtlpPush } from "../../runtime/serve/otlp.ts";
import { startOtlpReceiver, type OtlpReceiver } from "../support/otlp-receiver.ts";
import { waitFor } from "../support/wait.ts";

const START_MS = 1_700_000_000_123;
const START_NS = BigInt(START_MS) * 1_000_000n;

const FAMILIES: readonly MetricFamily[] = [
  {
    name: "syscount_syscalls",
    help: "Syscalls by process.",
    type: "counter",
    points: [
      { labels: { comm: "bash", syscall: "read" }, value: 120 },
      { labels: { comm: "sshd", syscall: "write" }, value: 7 },
    ],
  },
  { name: "runq_depth", help: "Tasks waiting.", type: "gauge", points: [{ labels: { cpu: "0" }, value: 2.5 }] },
  {
    name: "biolatency_latency_seconds",
    help: "Block I/O latency.",
    type: "histogram",
    unit: "seconds",
    points: [
      {
        labels: { disk: "vda" },
        buckets: [
          { le: 0.001, count: 3 },
          { le: 0.002, count: 5 },
          { le: 0.004, count: 5 },
          { le: Number.POSITIVE_INFINITY, count: 9 },
        ],
        count: 9,
        sum: 0.0421,
      },
    ],
  },
  {
    name: "hist_nosum_bytes",
    help: "A histogram the tracer keeps no sum for.",
    type: "histogram",
    unit: "bytes",
    points: [{ labels: {}, buckets: [{ le: 1, count: 1 }, { le: Number.POSITIVE_INFINITY, count: 4 }], count: 4 }],
  },
  {
    name: "read_size_bytes",
    help: "Read sizes.",
    type: "summary",
    unit: "bytes",
    points: [{ labels: { comm: "cat" }, count: 4, sum: 16384 }],
  },
  { name: "empty_family", help: "Nothing counted yet.", type: "counter", points: [] },
];

/** The options of a push to `r`, with the errors it reports collected in `errors`. */
function options(r: OtlpReceiver | string, errors: string[], over: Partial<OtlpOptions> = {}): OtlpOptions {
  return {
    url: typeof r === "string" ? r : r.url,
    intervalMs: 60_000,
    timeoutMs: 2_000,
    resource: { "service.name": "tsbpf", "tsbpf.tool": "syscount", "host.name": "node-1" },
    collect: async () => FAMILIES,
    startTimeMs: () => START_MS,
    onError: (line) => errors.push(line),
    ...over,
  };
}

/** Runs `body` with a receiver and a push to it, both released whatever happens. */
async function withPush(
  over: Partial<OtlpOptions>,
  body: (r: OtlpReceiver, push: OtlpPush, errors: string[]) => Promise<void>,
): Promise<void> {
  const r = await startOtlpReceiver();
  const errors: string[] = [];
  const push = startOtlpPush(options(r, errors, over));
  try {
    await body(r, push, errors);
  } finally {
    // A shutdown that hangs (the failure the test of its bound looks for) is cut short by closing the receiver.
    const shutdown = push.shutdown();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([shutdown, new Promise((resolve) => (timer = setTimeout(resolve, 15_000)))]);
    clearTimeout(timer);
    await r.close();
    await shutdown;
  }
}

const CONTENT_TYPE = { "http/protobuf": /^application\/x-protobuf$/, "http/json": /^application\/json/ } as const;

for (const protocol of ["http/protobuf", "http/json"] as const) test(`a push in ${protocol}: resource, names, descriptions, units, and every metric type as OTLP gives it`, async () => {
  const headers = { authorization: "Bearer s3cret", "x-scope-orgid": "team-a" };
  await withPush({ headers, ...(protocol === "http/json" ? { protocol } : {}) }, async (r, push, errors) => {
    const before = BigInt(Date.now()) * 1_000_000n;
    await push.flush();
    assert.equal(errors, []);
    assert.is(r.pushes.length, 1);
    const p = r.pushes[0]!;
    assert.is(p.method, "POST");
    assert.is(p.path, "/v1/metrics");
    assert.match(String(p.headers["content-type"]), CONTENT_TYPE[protocol], "http/protobuf unless told");
    assert.is(p.headers.authorization, "Bearer s3cret");
    assert.is(p.headers["x-scope-orgid"], "team-a");
    assert.match(String(p.headers["user-agent"]), /^tsbpf /);
    assert.is(p.resource["service.name"], "tsbpf");
    assert.is(p.resource["tsbpf.tool"], "syscount");
    assert.is(p.resource["host.name"], "node-1");
    assert.is(p.resource["telemetry.sdk.language"], "nodejs");
    assert.equal(p.scopes, ["tsbpf"]);
    assert.equal(
      p.metrics.map((m) => m.name),
      ["syscount_syscalls", "runq_depth", "biolatency_latency_seconds", "hist_nosum_bytes", "read_size_bytes"],
      "a family with no points is left out",
    );

    const counter = p.sum("syscount_syscalls");
    assert.is(counter.description, "Syscalls by process.");
    assert.is(counter.unit, "");
    assert.is(counter.isMonotonic, true);
    assert.is(counter.temporality, "cumulative");
    assert.equal(
      counter.points.map((x) => [x.attributes, x.value, x.isInt]),
      [
        [{ comm: "bash", syscall: "read" }, 120, true],
        [{ comm: "sshd", syscall: "write" }, 7, true],
      ],
    );
    for (const x of counter.points) {
      assert.is(x.startTimeNs, START_NS);
      assert.ok(x.timeNs >= before && x.timeNs <= BigInt(Date.now()) * 1_000_000n, "the time is the push's");
    }

    const gauge = p.gauge("runq_depth");
    assert.is(gauge.description, "Tasks waiting.");
    assert.equal(gauge.points.map((x) => [x.attributes, x.value, x.isInt]), [[{ cpu: "0" }, 2.5, false]]);

    const h = p.histogram("biolatency_latency_seconds");
    assert.is(h.unit, "s");
    assert.is(h.description, "Block I/O latency.");
    assert.is(h.temporality, "cumulative");
    const hp = h.points[0]!;
    assert.equal(hp.attributes, { disk: "vda" });
    assert.equal(hp.explicitBounds, [0.001, 0.002, 0.004]);
    assert.equal(hp.bucketCounts, [3, 2, 0, 4], "per bucket, the last above 0.004");
    assert.is(hp.count, 9);
    assert.is(hp.sum, 0.0421);
    assert.is(hp.startTimeNs, START_NS);

    const noSum = p.histogram("hist_nosum_bytes");
    assert.is(noSum.unit, "By");
    const noSumPoints = noSum.points.map((x) => [x.explicitBounds, x.bucketCounts, x.count, x.sum]);
    assert.equal(noSumPoints, [[[1], [1, 3], 4, undefined]]);

    const summary = p.histogram("read_size_bytes");
    assert.is(summary.temporality, "cumulative");
    assert.equal(
      summary.points.map((x) => [x.attributes, x.explicitBounds, x.bucketCounts, x.count, x.sum, x.startTimeNs]),
      [[{ comm: "cat" }, [], [4], 4, 16384, START_NS]],
      "a summary is a histogram with no bounds: count and sum",
    );
  });
});

test("the timer pushes every interval, with the values and start time of each collect", async () => {
  let n = 0;
  let start = START_MS;
  const collect = async (): Promise<readonly MetricFamily[]> => {
    n++;
    if (n === 2) start = START_MS + 5_000; // a reload restarted counting
    return [{ name: "c", help: "c", type: "counter", points: [{ labels: {}, value: n }] }];
  };
  await withPush({ intervalMs: 30, collect, startTimeMs: () => start }, async (r, _push, errors) => {
    await r.waitForPushes(3);
    const points = r.pushes.slice(0, 3).map((p) => p.sum("c").points[0]!);
    assert.equal(points.map((x) => x.value), [1, 2, 3]);
    assert.equal(points.map((x) => x.startTimeNs), [START_NS, START_NS + 5_000_000_000n, START_NS + 5_000_000_000n]);
    assert.equal(errors, []);
  });
});

test("a receiver that answers 500: one line, nothing thrown, and the next push delivers", async () => {
  await withPush({}, async (r, push, errors) => {
    r.answer(500);
    await push.flush();
    assert.is(r.pushes.length, 1, "500 is not retried");
    assert.equal(errors, [`OTLP push to ${r.url}/v1/metrics failed: HTTP 500 Internal Server Error`]);
    await push.flush();
    assert.is(r.pushes.length, 2);
    assert.is(r.pushes[1]!.status, 200);
    assert.is(r.pushes[1]!.sum("syscount_syscalls").points[0]!.value, 120);
    assert.is(errors.length, 1);
  });
});

test("a busy receiver (503) is retried within the push, as the exporter does", async () => {
  await withPush({ timeoutMs: 5_000 }, async (r, push, errors) => {
    r.answer(503);
    await push.flush();
    assert.equal(r.pushes.map((p) => p.status), [503, 200]);
    assert.equal(errors, []);
  });
});

test("a receiver that is down: one line naming ECONNREFUSED, nothing thrown, nothing on stderr", async () => {
  // A port that was just free: listen, note it, close.
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));

  const errors: string[] = [];
  const written: string[] = [];
  const write = process.stderr.write;
  const capture = (chunk: string | Uint8Array) => (written.push(String(chunk)), true);
  process.stderr.write = capture as typeof process.stderr.write;
  const push = startOtlpPush(options(`http://user:pw@127.0.0.1:${port}`, errors, { timeoutMs: 300 }));
  try {
    await push.flush();
    await push.shutdown();
  } finally {
    process.stderr.write = write;
  }
  assert.equal(errors, [
    `OTLP push to http://127.0.0.1:${port}/v1/metrics failed: ECONNREFUSED`,
    `OTLP push to http://127.0.0.1:${port}/v1/metrics failed: ECONNREFUSED`,
  ], "the flush and the last push at shutdown; the URL's credentials are not shown");
  assert.equal(written, [], "the exporter's own logging stays quiet");
});

test("a failing collect is one line and no push", async () => {
  const collect = async (): Promise<readonly MetricFamily[]> => {
    throw new Error("map read failed:\nEPERM");
  };
  await withPush({ collect }, async (r, push, errors) => {
    await push.flush();
    assert.is(r.pushes.length, 0);
    assert.equal(errors, [`OTLP push to ${r.url}/v1/metrics failed: collecting the metrics: map read failed: EPERM`]);
  });
});

test("a push the exporter cannot even encode is one line, never a rejection", async () => {
  await withPush({ startTimeMs: () => Number.NaN }, async (r, push, errors) => {
    await push.flush();
    assert.is(r.pushes.length, 0);
    assert.is(errors.length, 1);
    assert.match(errors[0]!, new RegExp(`^OTLP push to ${r.url}/v1/metrics failed: .*NaN`));
    assert.not.match(errors[0]!, /\n/);
  });
});

test("OTEL_EXPORTER_OTLP_COMPRESSION=gzip is honoured (the receiver gets the same metrics, gzipped)", async () => {
  process.env.OTEL_EXPORTER_OTLP_COMPRESSION = "gzip";
  try {
    await withPush({}, async (r, push, errors) => {
      await push.flush();
      assert.is(r.pushes[0]!.headers["content-encoding"], "gzip");
      assert.is(r.pushes[0]!.sum("syscount_syscalls").points[1]!.value, 7);
      assert.equal(errors, []);
    });
  } finally {
    delete process.env.OTEL_EXPORTER_OTLP_COMPRESSION;
  }
});

test("OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME add to the resource and override what serve gives", async () => {
  process.env.OTEL_RESOURCE_ATTRIBUTES = "k8s.node.name=worker-3,host.name=from-env";
  process.env.OTEL_SERVICE_NAME = "tracers";
  try {
    await withPush({}, async (r, push) => {
      await push.flush();
      const resource = r.pushes[0]!.resource;
      assert.equal(
        [resource["k8s.node.name"], resource["host.name"], resource["service.name"], resource["tsbpf.tool"]],
        ["worker-3", "from-env", "tracers", "syscount"],
      );
    });
  } finally {
    delete process.env.OTEL_RESOURCE_ATTRIBUTES;
    delete process.env.OTEL_SERVICE_NAME;
  }
});

test("a slow receiver: pushes never overlap, ticks are skipped, and that is said once", async () => {
  await withPush({ intervalMs: 20 }, async (r, _push, errors) => {
    r.delay(150);
    await r.waitForPushes(3);
    assert.is(r.maxConcurrent, 1);
    const behind = errors.filter((e) => e.includes("takes longer than the 20 ms interval"));
    assert.is(behind.length, 1, errors.join("\n"));
    assert.is(errors.length, 1);
  });
});

test("shutdown pushes the last values, then nothing more is pushed", async () => {
  let value = 0;
  const collect = async (): Promise<readonly MetricFamily[]> => [
    { name: "c", help: "c", type: "counter", points: [{ labels: {}, value }] },
  ];
  await withPush({ intervalMs: 60_000, collect }, async (r, push, errors) => {
    value = 41;
    await push.flush();
    value = 42;
    await push.shutdown();
    assert.equal(r.pushes.map((p) => p.sum("c").points[0]!.value), [41, 42]);
    await push.flush();
    assert.is(r.pushes.length, 2, "a flush after shutdown pushes nothing");
    assert.equal(errors, []);
  });
});

test("the timer stops at shutdown", async () => {
  await withPush({ intervalMs: 20 }, async (r, push) => {
    await r.waitForPushes(2);
    await push.shutdown();
    const n = r.pushes.length;
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.is(r.pushes.length, n);
  });
});

const abandoned = (ms: number) => `the last push was not done ${ms} ms after shutdown began; abandoned`;

test("shutdown returns when the receiver never finishes answering (bounded by timeoutMs), and says so", async () => {
  await withPush({ timeoutMs: 300 }, async (r, push, errors) => {
    r.trickle(true);
    // Without its own bound, shutdown would wait for the answer forever: the exporter's timeout is the socket's idle
    // time, which the trickle resets. The 10 s here only decides how long a broken shutdown takes to fail.
    let done = false;
    const shutdown = push.shutdown().then(() => (done = true));
    await waitFor(() => done, "shutdown to return", 10_000);
    await shutdown;
    assert.is(r.pushes.length, 1);
    assert.equal(errors, [`OTLP push to ${r.url}/v1/metrics failed: ${abandoned(300)}`]);
  });
});

test("a retry the exporter scheduled before shutdown returned never reaches the receiver afterwards", async () => {
  // collect() takes 1 s, so the exporter's deadline (1 s + timeoutMs from shutdown) is later than shutdown's own
  // (timeoutMs); the 503's Retry-After of 1 s then schedules a retry 2 s after shutdown starts, past its 1.5 s bound.
  const collect = async (): Promise<readonly MetricFamily[]> => {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    return FAMILIES;
  };
  await withPush({ timeoutMs: 1_500, collect }, async (r, push, errors) => {
    r.answer(503, 5, { "retry-after": "1" });
    await push.shutdown();
    assert.equal(errors, [`OTLP push to ${r.url}/v1/metrics failed: ${abandoned(1500)}`]);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    assert.equal(r.pushes.map((p) => p.status), [503]);
  });
});

test("otlpMetricsUrl: /v1/metrics added to a base URL, a full one kept, what is not http(s) refused with a hint", () => {
  assert.is(otlpMetricsUrl("http://collector:4318"), "http://collector:4318/v1/metrics");
  assert.is(otlpMetricsUrl("http://collector:4318/"), "http://collector:4318/v1/metrics");
  assert.is(otlpMetricsUrl("https://otlp.example/otlp"), "https://otlp.example/otlp/v1/metrics");
  assert.is(otlpMetricsUrl("https://otlp.example/otlp/v1/metrics"), "https://otlp.example/otlp/v1/metrics");
  assert.is(otlpMetricsUrl("http://[::1]:4318"), "http://[::1]:4318/v1/metrics");
  for (const [bad, why] of [
    ["localhost:4318", /^"localhost:4318" is not an http\(s\) URL \(OTLP is pushed over HTTP only, not localhost\)/],
    ["grpc://collector:4317", /^"grpc:\/\/collector:4317" is not an http\(s\) URL/],
    ["ftp://collector/", /is not an http\(s\) URL/],
    ["4318", /^"4318" is not a URL/],
    ["", /^"" is not a URL/],
    ["http://", /^"http:\/\/" is not a URL/],
  ] as const) {
    const r = otlpMetricsUrl(bad);
    assert.type(r, "object", bad);
    const error = (r as { error: string }).error;
    assert.match(error, why);
    assert.match(error, /e\.g\. http:\/\/127\.0\.0\.1:4318/);
    assert.not.match(error, /\n/);
  }
  assert.throws(() => startOtlpPush(options("localhost:4318", [])), /is not an http\(s\) URL/);
});

test("otlpProtocol: the flag, then OTEL_EXPORTER_OTLP_METRICS_PROTOCOL, then OTEL_EXPORTER_OTLP_PROTOCOL, then http/protobuf", () => {
  assert.is(otlpProtocol(undefined, {}), "http/protobuf");
  assert.is(otlpProtocol("http/json", { OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf" }), "http/json");
  assert.is(otlpProtocol(undefined, { OTEL_EXPORTER_OTLP_PROTOCOL: "http/json" }), "http/json");
  const both = { OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: "http/protobuf", OTEL_EXPORTER_OTLP_PROTOCOL: "http/json" };
  assert.is(otlpProtocol(undefined, both), "http/protobuf", "the metrics-specific variable wins");
  assert.is(otlpProtocol(undefined, { OTEL_EXPORTER_OTLP_PROTOCOL: " " }), "http/protobuf", "an empty variable is unset");
  assert.equal(otlpProtocol(undefined, { OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" }), {
    error: 'OTEL_EXPORTER_OTLP_PROTOCOL is "grpc": OTLP over gRPC is not supported; a collector\'s OTLP/HTTP port (4318) takes either of the others',
  });
  assert.equal(otlpProtocol("json", {}), { error: '--otlp-protocol is "json": expected http/protobuf or http/json' });
});

test.run();
