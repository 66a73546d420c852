// The metrics endpoint's server over real sockets on 127.0.0.1: every status it answers (200, 401, 404, 405, 408,
// 413, 414, 429, 431, 400, 500, 503), malformed and oversized requests sent raw, a slowloris connection held open
// while 20 scrapes succeed and then dropped, gzip, one shared exposition for concurrent scrapes, close() ending
// keep-alive and active connections, TLS (a self-signed certificate, every client certificate policy, client SANs,
// min_version), basic auth (right, wrong, unknown user; checks remembered), rate_limit, and update().

import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import tls from "node:tls";
import { gunzipSync } from "node:zlib";
import bcrypt from "bcryptjs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  type Endpoints, type Limits, type MetricsServer, ServeError, acceptsGzip, parseListen, startMetricsServer,
} from "../../runtime/serve/http.ts";
import { type WebConfig, readWebConfig } from "../../runtime/serve/web-config.ts";
import { skip } from "../support/skip.ts";
import { type TestCerts, hasOpenssl, makeCerts } from "../support/tls-certs.ts";

const BODY = "# TYPE x_total counter\nx_total 42\n";

interface FakeEndpoints {
  calls: number;
  accepts: (string | undefined)[];
  fail: string | undefined;
  ready: boolean;
  hold(): void;
  release(): void;
  endpoints: Endpoints;
}

/** Endpoints that count their scrapes; `hold` makes metrics() wait until released. */
function fakeEndpoints(): FakeEndpoints {
  let release: (() => void) | undefined;
  let held: Promise<void> | undefined;
  const e: FakeEndpoints = {
    calls: 0,
    accepts: [],
    fail: undefined,
    ready: true,
    hold() {
      held = new Promise((r) => (release = r));
    },
    release() {
      release?.();
      held = undefined;
    },
    endpoints: {
      metrics: async (accept: string | undefined) => {
        e.calls++;
        e.accepts.push(accept);
        if (held) await held;
        if (e.fail) throw new Error(`${e.fail}\nsecond line`);
        return { contentType: "text/plain; version=0.0.4; charset=utf-8", body: BODY };
      },
      healthz: () => ({ ok: true, body: "ok" }),
      readyz: () => ({ ok: e.ready, body: e.ready ? "ready" : "no tracer loaded yet" }),
    },
  };
  return e;
}

const QUICK: Partial<Limits> = { headersTimeoutMs: 1500, keepAliveTimeoutMs: 1500, handshakeTimeoutMs: 1500 };

async function withServer(
  f: (s: MetricsServer, e: FakeEndpoints, port: number) => Promise<void>,
  o: { webConfig?: WebConfig; limits?: Partial<Limits>; log?: string[] } = {},
): Promise<void> {
  const e = fakeEndpoints();
  const s = await startMetricsServer({
    listen: "127.0.0.1:0", endpoints: e.endpoints, limits: { ...QUICK, ...o.limits },
    ...(o.webConfig ? { webConfig: o.webConfig } : {}), log: (l) => o.log?.push(l),
  });
  try {
    await f(s, e, Number(new URL(s.url).port));
  } finally {
    e.release();
    await s.close();
  }
}

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** One request with node:http(s), a new connection unless an agent is given. */
function request(url: string, o: https.RequestOptions & { body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const mod = url.startsWith("https:") ? https : http;
    const req = mod.request(url, { agent: false, ...o }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(o.body);
  });
}

/** Raw bytes to the server; everything it sends back until it closes the connection (or `ms` passes). */
async function raw(port: number, text: string, ms = 5000): Promise<{ text: string; closed: boolean }> {
  const socket = net.connect(port, "127.0.0.1");
  let got = "";
  socket.on("data", (d) => (got += d.toString("latin1")));
  socket.on("error", () => {});
  try {
    await once(socket, "connect");
    socket.write(text);
    const closed = await Promise.race([once(socket, "close").then(() => true), sleep(ms).then(() => false)]);
    return { text: got, closed };
  } finally {
    socket.destroy();
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const statusOf = (text: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]);

test("parseListen: Go's listen addresses, and one line for what is wrong", () => {
  assert.equal(parseListen(":9464"), { host: undefined, port: 9464 });
  assert.equal(parseListen("127.0.0.1:9464"), { host: "127.0.0.1", port: 9464 });
  assert.equal(parseListen("[::1]:0"), { host: "::1", port: 0 });
  assert.equal(parseListen("localhost:9464"), { host: "localhost", port: 9464 });
  for (const [bad, why] of [
    ["9464", /write ":9464"/], ["::1:9464", /IPv6 address needs brackets/], [":70000", /out of range/],
    ["[nope]:1", /not an IPv6 address/], ["a_b:1", /not a host name/], ["", /expected HOST:PORT/], ["host:", /expected/],
  ] as const) {
    const r = parseListen(bad);
    assert.type(r, "string", bad);
    assert.match(r as string, why);
  }
});

test("startMetricsServer: a bad address, or a port in use, is a one-line ServeError", async () => {
  for (const [listen, why] of [["9464", /no host part/], ["127.0.0.1:1", /permission denied|in use/]] as const) {
    if (listen === "127.0.0.1:1" && process.getuid?.() === 0) continue; // root may bind port 1
    const e = await startMetricsServer({ listen, endpoints: fakeEndpoints().endpoints }).catch((x: unknown) => x);
    assert.instance(e, ServeError);
    assert.match((e as Error).message, why);
  }
  await withServer(async (_s, _e, port) => {
    const e = await startMetricsServer({ listen: `127.0.0.1:${port}`, endpoints: fakeEndpoints().endpoints }).catch((x: unknown) => x);
    assert.instance(e, ServeError);
    assert.match((e as Error).message, /^cannot listen on "127\.0\.0\.1:\d+": the address is in use; hint: /);
    assert.not.match((e as Error).message, /\n/);
  });
});

test("GET and HEAD of the three endpoints; 404 elsewhere, 405 with Allow for other methods, queries ignored", async () => {
  await withServer(async (s, e) => {
    assert.match(s.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const m = await request(`${s.url}/metrics?x=1&y`);
    assert.is(m.status, 200);
    assert.is(m.headers["content-type"], "text/plain; version=0.0.4; charset=utf-8");
    assert.is(m.body.toString(), BODY);
    const head = await request(`${s.url}/metrics`, { method: "HEAD" });
    assert.is(head.status, 200);
    assert.is(head.body.length, 0);
    assert.is(head.headers["content-length"], String(BODY.length));
    assert.is((await request(`${s.url}/healthz`)).status, 200);
    assert.is((await request(`${s.url}/readyz`)).body.toString(), "ready\n");
    e.ready = false;
    const notReady = await request(`${s.url}/readyz`);
    assert.is(notReady.status, 503);
    assert.is(notReady.body.toString(), "no tracer loaded yet\n");
    for (const path of ["/", "/metrics/", "/favicon.ico", "/METRICS", "//metrics"]) {
      assert.is((await request(`${s.url}${path}`)).status, 404, path);
    }
    assert.is((await request(`${s.url}/nope`, { method: "POST" })).status, 404);
    for (const method of ["POST", "PUT", "DELETE", "OPTIONS", "PATCH"]) {
      const r = await request(`${s.url}/healthz`, { method });
      assert.is(r.status, 405, method);
      assert.is(r.headers.allow, "GET, HEAD");
    }
  });
});

test("a request with a body: 413 and Connection: close; a URL over the limit: 414", async () => {
  await withServer(async (s, _e, port) => {
    const r = await request(`${s.url}/metrics`, { method: "GET", headers: { "Content-Length": "5" }, body: "hello" });
    assert.is(r.status, 413);
    assert.is(r.headers.connection, "close");
    const chunked = await raw(port, "POST /metrics HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
    assert.is(statusOf(chunked.text), 413);
    assert.ok(chunked.closed, "the connection is closed after a 413");
    const long = await request(`${s.url}/metrics?${"a".repeat(3000)}`);
    assert.is(long.status, 414);
    assert.is(long.headers.connection, "close");
  });
});

test("raw malformed and oversized requests: 400, 431, 414, each closing the connection", async () => {
  await withServer(async (_s, e, port) => {
    for (const [text, status] of [
      ["GARBAGE\r\n\r\n", 400],
      ["GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", 400],
      ["GET /metrics HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n", 400],
      ["GET /metrics HTTP/9.9\r\nHost: x\r\n\r\n", 400],
      ["GET /metrics HTTP/1.1\r\n\r\n", 400], // HTTP/1.1 without Host
      [`GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: ${"b".repeat(10_000)}\r\n\r\n`, 431],
      [`GET /metrics HTTP/1.1\r\nHost: x\r\n${"X-Many: 1234567890\r\n".repeat(1000)}\r\n`, 431],
      [`GET /${"a".repeat(10_000)} HTTP/1.1\r\nHost: x\r\n\r\n`, 414],
    ] as const) {
      const r = await raw(port, text);
      assert.is(statusOf(r.text), status, JSON.stringify(text.slice(0, 40)));
      assert.match(r.text, /\r\nConnection: close\r\n/i);
      assert.ok(r.closed, `closed after ${status}`);
    }
    assert.is(e.calls, 0, "no malformed request reached the endpoints");
  });
});

test("metrics() rejecting: 500 with its first line; healthz throwing: 500", async () => {
  const log: string[] = [];
  await withServer(async (s, e) => {
    e.fail = "the tracer's maps are gone";
    const r = await request(`${s.url}/metrics`);
    assert.is(r.status, 500);
    assert.is(r.body.toString(), "the tracer's maps are gone\n");
    e.endpoints.healthz = () => {
      throw new Error("boom");
    };
    assert.is((await request(`${s.url}/healthz`)).status, 500);
  }, { log });
  assert.ok(log.some((l) => l.includes("the tracer's maps are gone")), log.join("\n"));
});

test("gzip when Accept-Encoding takes it (Prometheus sends gzip); never when q=0", async () => {
  assert.ok(acceptsGzip("gzip"));
  assert.ok(acceptsGzip("deflate, gzip;q=0.5"));
  assert.ok(acceptsGzip("*"));
  assert.not.ok(acceptsGzip(undefined));
  assert.not.ok(acceptsGzip("identity"));
  assert.not.ok(acceptsGzip("gzip;q=0, *"));
  await withServer(async (s) => {
    const z = await request(`${s.url}/metrics`, { headers: { "Accept-Encoding": "gzip" } });
    assert.is(z.headers["content-encoding"], "gzip");
    assert.is(z.headers.vary, "Accept-Encoding");
    assert.is(Number(z.headers["content-length"]), z.body.length);
    assert.is(gunzipSync(z.body).toString(), BODY);
    const plain = await request(`${s.url}/metrics`, { headers: { "Accept-Encoding": "identity" } });
    assert.is(plain.headers["content-encoding"], undefined);
    assert.is(plain.body.toString(), BODY);
  });
});

test("concurrent scrapes with the same Accept share one metrics() call; another Accept gets its own", async () => {
  await withServer(async (s, e) => {
    e.hold();
    const om = "application/openmetrics-text;version=1.0.0";
    const pending = [
      ...Array.from({ length: 5 }, () => request(`${s.url}/metrics`, { headers: { Accept: om, "Accept-Encoding": "gzip" } })),
      request(`${s.url}/metrics`, { headers: { Accept: "text/plain" } }),
    ];
    while (e.calls < 2) await sleep(10);
    await sleep(100);
    e.release();
    const replies = await Promise.all(pending);
    assert.ok(replies.every((r) => r.status === 200));
    assert.is(e.calls, 2);
    assert.equal(e.accepts.sort(), [om, "text/plain"].sort());
    // Once answered, the next scrape makes a new exposition.
    await request(`${s.url}/metrics`, { headers: { Accept: om } });
    assert.is(e.calls, 3);
  });
});

test("slowloris: a connection trickling headers is held while 20 scrapes succeed, then dropped with 408", async () => {
  await withServer(async (s, e, port) => {
    const slow = net.connect(port, "127.0.0.1");
    let got = "";
    let closed = false;
    slow.on("data", (d) => (got += d));
    slow.on("error", () => {});
    slow.on("close", () => (closed = true));
    try {
      await once(slow, "connect");
      slow.write("GET /metrics HTTP/1.1\r\nHost: x\r\n");
      let n = 0;
      const trickle = setInterval(() => slow.writable && slow.write(`X-Slow-${n++}: 1\r\n`), 100);
      try {
        for (let i = 0; i < 20; i++) assert.is((await request(`${s.url}/metrics`)).status, 200);
        assert.not.ok(closed, "the slow connection is still open while others are served");
        for (let i = 0; i < 100 && !closed; i++) await sleep(100); // 10 s at most; the limit is 1.5 s
      } finally {
        clearInterval(trickle);
      }
      assert.ok(closed, "the slow connection was dropped");
      assert.is(statusOf(got), 408);
      assert.ok(n > 5, "it was still sending when it was dropped");
      assert.is(e.calls, 20);
    } finally {
      slow.destroy();
    }
  });
});

test("a connection that sends nothing is closed; an idle keep-alive connection too, after its response", async () => {
  await withServer(async (_s, _e, port) => {
    const idle = await raw(port, "", 10_000);
    assert.ok(idle.closed);
    assert.is(statusOf(idle.text), 408);
    const kept = await raw(port, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 10_000);
    assert.ok(kept.closed, "the keep-alive connection was closed");
    assert.is(kept.text.match(/HTTP\/1\.1 /g)?.length, 1, "one response and no 408 after it");
    assert.is(statusOf(kept.text), 200);
    assert.match(kept.text, /\r\nKeep-Alive: timeout=1\r\n/);
  });
});

test("maxConnections: a connection beyond the limit is closed at once", async () => {
  await withServer(async (s, _e, port) => {
    const held = [net.connect(port, "127.0.0.1"), net.connect(port, "127.0.0.1")];
    try {
      await Promise.all(held.map((h) => once(h, "connect")));
      await sleep(50);
      const over = await raw(port, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 3000);
      assert.ok(over.closed);
      assert.is(over.text, "");
      held.forEach((h) => h.destroy());
      await sleep(50);
      assert.is((await request(`${s.url}/healthz`)).status, 200);
    } finally {
      held.forEach((h) => h.destroy());
    }
  }, { limits: { maxConnections: 2 } });
});

test("close() ends keep-alive and active connections and stops listening", async () => {
  const e = fakeEndpoints();
  const s = await startMetricsServer({ listen: "127.0.0.1:0", endpoints: e.endpoints, limits: { keepAliveTimeoutMs: 60_000 } });
  const agent = new http.Agent({ keepAlive: true });
  try {
    await request(`${s.url}/healthz`, { agent });
    const kept = Object.values(agent.freeSockets).flat()[0]!;
    e.hold();
    const active = request(`${s.url}/metrics`).then(() => "answered", () => "ended");
    while (e.calls < 1) await sleep(10);
    const keptClosed = once(kept, "close");
    await s.close();
    await keptClosed;
    assert.is(await active, "ended");
    const again = await request(`${s.url}/healthz`).then(() => "answered", (x: NodeJS.ErrnoException) => x.code);
    assert.is(again, "ECONNREFUSED");
  } finally {
    e.release();
    agent.destroy();
    await s.close();
  }
});

// ---- web config: TLS, basic auth, headers, rate limit ----

let certs: TestCerts | undefined;
let dir = "";

/** A web config from YAML text, its files beside it in a temporary directory. */
function webConfig(yaml: string): WebConfig {
  const path = join(dir, `web-${Math.random().toString(36).slice(2)}.yml`);
  writeFileSync(path, yaml);
  return readWebConfig(path);
}

const tlsYaml = (extra = "") =>
  `tls_server_config:\n  cert_file: ${certs!.server.certFile}\n  key_file: ${certs!.server.keyFile}\n${extra}`;

test.before(() => {
  dir = mkdtempSync(join(tmpdir(), "tsbpf-serve-"));
  if (hasOpenssl()) certs = makeCerts();
});
test.after(() => {
  certs?.remove();
  rmSync(dir, { recursive: true, force: true });
});

/** The result of one HTTPS request: its status, or the error code that ended it. */
async function httpsStatus(url: string, o: https.RequestOptions = {}): Promise<number | string> {
  try {
    return (await request(url, { ca: certs!.server.cert, ...o })).status;
  } catch (x) {
    return (x as NodeJS.ErrnoException).code ?? String(x);
  }
}

test("TLS with a self-signed certificate; a stalled handshake is dropped", async () => {
  if (!certs) return skip("openssl is not installed");
  await withServer(async (s, _e, port) => {
    assert.match(s.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.is(await httpsStatus(`${s.url}/metrics`), 200);
    assert.is(await httpsStatus(`${s.url}/metrics`, { ca: certs!.ca.cert }), "DEPTH_ZERO_SELF_SIGNED_CERT");
    const plain = await raw(port, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
    assert.not.match(plain.text, /^HTTP/, "no plain HTTP on a TLS port");
    const stalled = await raw(port, "", 10_000);
    assert.ok(stalled.closed, "a client that never completes the handshake is dropped");
  }, { webConfig: webConfig(tlsYaml()) });
});

test("client_auth_type RequireAndVerifyClientCert: a certificate from client_ca_file is required", async () => {
  if (!certs) return skip("openssl is not installed");
  const log: string[] = [];
  const yaml = tlsYaml(`  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ${certs.ca.certFile}\n`);
  await withServer(async (s) => {
    assert.is(await httpsStatus(`${s.url}/metrics`, { cert: certs!.client.cert, key: certs!.client.key }), 200);
    assert.type(await httpsStatus(`${s.url}/metrics`), "string", "refused without a certificate");
    assert.type(await httpsStatus(`${s.url}/metrics`, { cert: certs!.stranger.cert, key: certs!.stranger.key }), "string");
  }, { webConfig: webConfig(yaml), log });
  assert.ok(log.some((l) => /TLS handshake .* failed|refused TLS client/.test(l)), log.join("\n"));
});

test("client_auth_type RequireAnyClientCert and VerifyClientCertIfGiven", async () => {
  if (!certs) return skip("openssl is not installed");
  const client = { cert: certs.client.cert, key: certs.client.key };
  const stranger = { cert: certs.stranger.cert, key: certs.stranger.key };
  await withServer(async (s) => {
    assert.type(await httpsStatus(`${s.url}/healthz`), "string", "a certificate is required");
    assert.is(await httpsStatus(`${s.url}/healthz`, stranger), 200, "any certificate will do");
  }, { webConfig: webConfig(tlsYaml("  client_auth_type: RequireAnyClientCert\n")) });
  const ifGiven = tlsYaml(`  client_auth_type: VerifyClientCertIfGiven\n  client_ca_file: ${certs.ca.certFile}\n`);
  await withServer(async (s) => {
    assert.is(await httpsStatus(`${s.url}/healthz`), 200, "none given");
    assert.is(await httpsStatus(`${s.url}/healthz`, client), 200, "a trusted one");
    assert.type(await httpsStatus(`${s.url}/healthz`, stranger), "string", "an untrusted one");
  }, { webConfig: webConfig(ifGiven) });
});

test("client_allowed_sans: the client certificate must carry one of them", async () => {
  if (!certs) return skip("openssl is not installed");
  const client = { cert: certs.client.cert, key: certs.client.key };
  const base = `  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ${certs.ca.certFile}\n`;
  await withServer(async (s) => {
    assert.is(await httpsStatus(`${s.url}/healthz`, client), 200);
  }, { webConfig: webConfig(tlsYaml(`${base}  client_allowed_sans: [other.example, scraper.example]\n`)) });
  await withServer(async (s) => {
    assert.is(await httpsStatus(`${s.url}/healthz`, client), 200, "an IPv6 SAN, compared in its short form");
  }, { webConfig: webConfig(tlsYaml(`${base}  client_allowed_sans: ["0:0:0:0:0:0:0:1"]\n`)) });
  const log: string[] = [];
  await withServer(async (s) => {
    assert.type(await httpsStatus(`${s.url}/healthz`, client), "string");
  }, { webConfig: webConfig(tlsYaml(`${base}  client_allowed_sans: [other.example]\n`)), log });
  assert.ok(log.some((l) => l.includes("DNS") || l.includes("scraper.example")), log.join("\n"));
});

test("min_version TLS13 refuses a TLS 1.2 client; max_version TLS12 refuses TLS 1.3 only clients", async () => {
  if (!certs) return skip("openssl is not installed");
  await withServer(async (s) => {
    assert.type(await httpsStatus(`${s.url}/healthz`, { maxVersion: "TLSv1.2" }), "string");
    assert.is(await httpsStatus(`${s.url}/healthz`, { minVersion: "TLSv1.3" }), 200);
  }, { webConfig: webConfig(tlsYaml("  min_version: TLS13\n")) });
  await withServer(async (s) => {
    assert.type(await httpsStatus(`${s.url}/healthz`, { minVersion: "TLSv1.3" }), "string");
    assert.is(await httpsStatus(`${s.url}/healthz`, { maxVersion: "TLSv1.2" }), 200);
  }, { webConfig: webConfig(tlsYaml("  max_version: TLS12\n  cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256]\n")) });
  // The suite asked for is the one negotiated.
  await withServer(async (_s, _e, port) => {
    const socket = tls.connect({ port, host: "127.0.0.1", ca: certs!.server.cert, servername: "localhost", maxVersion: "TLSv1.2" });
    try {
      await once(socket, "secureConnect");
      assert.is(socket.getCipher().name, "ECDHE-ECDSA-AES256-GCM-SHA384");
    } finally {
      socket.destroy();
    }
  }, { webConfig: webConfig(tlsYaml("  cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384]\n")) });
});

const basic = (user: string, password: string) => ({ Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}` });

test("basic auth: right password 200, wrong or unknown user or none 401 with a realm, on every path", async () => {
  const hash = bcrypt.hashSync("s3cret", 4);
  const compare = bcrypt.compare;
  let compares = 0;
  bcrypt.compare = ((...args: Parameters<typeof compare>) => (compares++, compare(...args))) as typeof compare;
  try {
    await withServer(async (s) => {
      const none = await request(`${s.url}/metrics`);
      assert.is(none.status, 401);
      assert.is(none.headers["www-authenticate"], 'Basic realm="tsbpf"');
      assert.is((await request(`${s.url}/healthz`)).status, 401);
      assert.is((await request(`${s.url}/nope`)).status, 401);
      assert.is((await request(`${s.url}/metrics`, { headers: { Authorization: "Bearer x" } })).status, 401);
      assert.is(compares, 0, "no credentials, no bcrypt");
      assert.is((await request(`${s.url}/metrics`, { headers: basic("prometheus", "wrong") })).status, 401);
      assert.is(compares, 1);
      assert.is((await request(`${s.url}/metrics`, { headers: basic("mallory", "s3cret") })).status, 401);
      assert.is(compares, 2, "an unknown user costs a bcrypt comparison too");
      for (let i = 0; i < 5; i++) assert.is((await request(`${s.url}/metrics`, { headers: basic("prometheus", "s3cret") })).status, 200);
      assert.is(compares, 3, "a successful check is remembered");
      assert.is((await request(`${s.url}/metrics`, { headers: basic("prometheus", "wrong") })).status, 401, "a failure is not");
      assert.is(compares, 4);
    }, { webConfig: webConfig(`basic_auth_users:\n  prometheus: ${hash}\n`) });
  } finally {
    bcrypt.compare = compare;
  }
});

test("update(): users swapped for the next request; TLS turned on for the next connection, on the same port", async () => {
  if (!certs) return skip("openssl is not installed");
  const alice = webConfig(`basic_auth_users:\n  alice: ${bcrypt.hashSync("a", 4)}\n`);
  const bob = webConfig(`${tlsYaml()}basic_auth_users:\n  bob: ${bcrypt.hashSync("b", 4)}\n`);
  await withServer(async (s) => {
    const before = s.url;
    assert.is((await request(`${s.url}/healthz`, { headers: basic("alice", "a") })).status, 200);
    s.update(bob);
    assert.is(s.url, before.replace("http:", "https:"));
    assert.is(await httpsStatus(`${s.url}/healthz`, { headers: basic("alice", "a") }), 401);
    assert.is(await httpsStatus(`${s.url}/healthz`, { headers: basic("bob", "b") }), 200);
    s.update(undefined);
    assert.is((await request(`${before}/healthz`)).status, 200, "no config: plain HTTP, no auth");
  }, { webConfig: alice });
});

test("http_server_config.headers on every response; rate_limit answers 429 past its burst", async () => {
  await withServer(async (s) => {
    const r = await request(`${s.url}/healthz`);
    assert.is(r.headers["x-frame-options"], "deny");
    assert.is(r.headers["x-content-type-options"], "nosniff");
    assert.is((await request(`${s.url}/nope`)).headers["x-frame-options"], "deny");
    assert.is((await request(`${s.url}/healthz`)).status, 429, "the burst of 2 is spent");
  }, { webConfig: webConfig("http_server_config:\n  headers:\n    X-Frame-Options: deny\n    X-Content-Type-Options: nosniff\nrate_limit:\n  interval: 1h\n  burst: 2\n") });
});

test.run();
