// The metrics endpoint's server: a listen address, three endpoints (the exposition, liveness, readiness) and an
// optional web config (web-config.ts) in; a listening HTTP or HTTPS server out, which answers GET and HEAD of
// /metrics, /healthz and /readyz and nothing else, and bounds what a client can take: the request head's size, the
// time to send it (a slowloris client, whose headers trickle in, is dropped; others are served meanwhile), the
// connections, the bcrypt work of basic auth. /metrics is gzipped when the client accepts it, and concurrent
// scrapes with the same Accept share one exposition. Its behaviour follows node_exporter's (exporter-toolkit).
//
// How: one net.Server listens and hands each connection to Node's HTTP parser (a never-listening http.Server),
// through a never-listening tls.Server when TLS is on. So a new web config (SIGHUP) takes effect for the next
// connection by swapping that tls.Server, and turning TLS on or off keeps the port. The time limits are this
// file's own timers: Node's headersTimeout and requestTimeout only run for an http.Server that listens itself.

import { createHash } from "node:crypto";
import http from "node:http";
import net from "node:net";
import type { Duplex } from "node:stream";
import tls from "node:tls";
import { promisify } from "node:util";
import { gzip } from "node:zlib";
import bcrypt from "bcryptjs";
import { type TlsConfig, type WebConfig, secureContextOptions } from "./web-config.ts";

export interface Endpoints {
  /** The exposition for one scrape; `accept` is the request's Accept header. Rejections become a 500 with one line. */
  metrics(accept: string | undefined): Promise<{ readonly contentType: string; readonly body: string | Buffer }>;
  /** Liveness and readiness: ok false answers 503. body is a short text (why, when not ok). */
  healthz(): { readonly ok: boolean; readonly body: string };
  readyz(): { readonly ok: boolean; readonly body: string };
}

/** What one client may take. */
export interface Limits {
  /** Bytes of a request's head (request line and headers): more is 431, or 414 when the request line alone is. */
  readonly maxHeaderBytes: number;
  /** Bytes of a request's target (path and query): more is 414. */
  readonly maxUrlBytes: number;
  /** A TLS handshake's time. */
  readonly handshakeTimeoutMs: number;
  /** From a connection's start (its TLS handshake done) to its first request's complete head; then 408 and closed. */
  readonly headersTimeoutMs: number;
  /** From a response's end to the next request's complete head on the same connection; then closed. */
  readonly keepAliveTimeoutMs: number;
  /** A connection without traffic this long while a request is answered is closed (a client that stopped reading). */
  readonly idleTimeoutMs: number;
  /** Open connections; more are closed at once. */
  readonly maxConnections: number;
  /** bcrypt checks waiting for their turn (one runs at a time); a request that would be one more gets 429. */
  readonly maxPendingAuth: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxHeaderBytes: 8192,
  maxUrlBytes: 2048,
  handshakeTimeoutMs: 5000,
  headersTimeoutMs: 5000,
  keepAliveTimeoutMs: 10_000,
  idleTimeoutMs: 60_000,
  maxConnections: 128,
  maxPendingAuth: 16,
};

export interface ServerOptions {
  /** ":9464" (every interface), "127.0.0.1:9464", "[::1]:0", "localhost:9464" (parseListen). */
  readonly listen: string;
  readonly endpoints: Endpoints;
  /** From readWebConfig: TLS, basic auth, extra headers, rate limit. */
  readonly webConfig?: WebConfig | undefined;
  /** Tests shorten the timeouts. */
  readonly limits?: Partial<Limits>;
  /** Where one-line notes go (refused TLS clients, failed expositions, a web config's notes). */
  readonly log?: (line: string) => void;
}

export interface MetricsServer {
  /** "http://127.0.0.1:9464" or https://..., the bound address (port 0 resolved). */
  readonly url: string;
  /** New web config (SIGHUP): new TLS context for new connections; users, headers and rate limit for new requests. */
  update(webConfig: WebConfig | undefined): void;
  /** Stops listening and closes every connection (idle and active). */
  close(): Promise<void>;
}

/** The server cannot start; the message is one line with a hint. */
export class ServeError extends Error {
  override readonly name = "ServeError";
}

/** Starts the server; rejects with ServeError on a bad listen address, a port in use or one not allowed. */
export async function startMetricsServer(o: ServerOptions): Promise<MetricsServer> {
  const where = parseListen(o.listen);
  if (typeof where === "string") throw new ServeError(`cannot listen on "${o.listen}": ${where}`);
  const server = new Server(o, { ...DEFAULT_LIMITS, ...o.limits });
  await server.listen(where, o.listen);
  return server;
}

/** A listen address as Go's net.Listen takes it; a string says what is wrong. An empty host: every interface. */
export function parseListen(s: string): { host: string | undefined; port: number } | string {
  const m = /^(?:\[([^\]]*)\]|([^:[\]]*)):(\d{1,5})$/.exec(s);
  if (!m) {
    if (/^\d+$/.test(s)) return `no host part; write ":${s}" for every interface, or "127.0.0.1:${s}"`;
    if (!s.startsWith("[") && s.split(":").length > 2) return `an IPv6 address needs brackets, as in "[::1]:9464"`;
    return `expected HOST:PORT, :PORT or [IPv6]:PORT, as in ":9464" or "127.0.0.1:9464"`;
  }
  const port = Number(m[3]);
  if (port > 65535) return `port ${port} is out of range (0 to 65535)`;
  if (m[1] !== undefined) return net.isIPv6(m[1]) ? { host: m[1], port } : `"${m[1]}" is not an IPv6 address`;
  const host = m[2]!;
  if (host === "") return { host: undefined, port };
  if (net.isIPv4(host) || /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/.test(host)) {
    return { host, port };
  }
  return `"${host}" is not a host name or an IP address`;
}

/** The state of one connection as HTTP sees it (the TLS socket under TLS). */
interface Connection {
  /** The deadline for the next request's head, while none is being answered. */
  timer: NodeJS.Timeout | undefined;
  /** Requests being answered (more than one when a client pipelines). */
  active: number;
}

interface Exposition {
  readonly contentType: string;
  readonly body: string | Buffer;
}

/** One exposition shared by the scrapes that asked while it was being made, and its gzipped body, made once. */
interface SharedScrape {
  readonly exposition: Promise<Exposition>;
  gzipped?: Promise<Buffer>;
}

const gzipAsync = promisify(gzip);

const PATHS = new Set(["/metrics", "/healthz", "/readyz"]);

/** exporter-toolkit keeps 100 checked credentials. */
const AUTH_CACHE_SIZE = 100;

class Server implements MetricsServer {
  readonly #endpoints: Endpoints;
  readonly #limits: Limits;
  readonly #log: (line: string) => void;
  readonly #outer: net.Server;
  readonly #http: http.Server;
  /** Every accepted TCP connection, for close(). */
  readonly #sockets = new Set<net.Socket>();
  readonly #connections = new WeakMap<Duplex, Connection>();
  readonly #scrapes = new Map<string, SharedScrape>();
  readonly #auth = new BasicAuth();
  #config: WebConfig | undefined;
  /** Where new connections go through TLS: made from #config.tls. */
  #tls: tls.Server | undefined;
  #bucket: { tokens: number; at: number } | undefined;
  #address = "";
  #closed: Promise<void> | undefined;

  constructor(o: ServerOptions, limits: Limits) {
    this.#endpoints = o.endpoints;
    this.#limits = limits;
    this.#log = o.log ?? (() => {});
    this.#http = http.createServer({ maxHeaderSize: limits.maxHeaderBytes }, (req, res) => this.#onRequest(req, res));
    this.#http.keepAliveTimeout = limits.keepAliveTimeoutMs;
    this.#http.timeout = limits.idleTimeoutMs;
    this.#http.on("clientError", (e: Error & { code?: string; rawPacket?: Buffer }, socket: Duplex) => this.#onClientError(e, socket));
    this.#outer = net.createServer({ noDelay: true }, (socket) => this.#onConnection(socket));
    this.#outer.maxConnections = limits.maxConnections;
    this.update(o.webConfig);
  }

  get url(): string {
    return `${this.#tls ? "https" : "http"}://${this.#address}`;
  }

  listen(where: { host: string | undefined; port: number }, text: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const failed = (e: Error & { code?: string }) => reject(new ServeError(listenFailure(text, e)));
      this.#outer.once("error", failed);
      this.#outer.listen({ port: where.port, ...(where.host ? { host: where.host } : {}) }, () => {
        this.#outer.off("error", failed);
        // Accept errors (EMFILE) after start: reported, and the server goes on.
        this.#outer.on("error", (e) => this.#log(`metrics server: ${e.message}`));
        const a = this.#outer.address() as net.AddressInfo;
        this.#address = a.family === "IPv6" ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
        resolve();
      });
    });
  }

  update(webConfig: WebConfig | undefined): void {
    this.#config = webConfig;
    this.#tls = webConfig?.tls ? this.#tlsServer(webConfig.tls) : undefined;
    this.#bucket = webConfig?.rateLimit ? { tokens: webConfig.rateLimit.burst, at: Date.now() } : undefined;
    for (const note of webConfig?.notes ?? []) this.#log(note);
  }

  close(): Promise<void> {
    this.#closed ??= new Promise((resolve) => {
      this.#outer.close(() => resolve());
      for (const s of this.#sockets) s.destroy();
    });
    return this.#closed;
  }

  #onConnection(socket: net.Socket): void {
    this.#sockets.add(socket);
    socket.once("close", () => this.#sockets.delete(socket));
    // A reset or a broken pipe: the layers above (TLS, HTTP) report what matters; this only keeps it from throwing.
    socket.on("error", () => socket.destroy());
    if (this.#closed) return void socket.destroy();
    if (this.#tls) this.#tls.emit("connection", socket);
    else this.#adopt(socket);
  }

  /** A tls.Server that never listens: connections are handed to it; what comes out secure goes to HTTP. */
  #tlsServer(t: TlsConfig): tls.Server {
    const server = tls.createServer({
      ...secureContextOptions(t),
      requestCert: t.clientAuth !== "NoClientCert",
      // Node refuses a missing or untrusted certificate itself only here; the other policies are checked below.
      rejectUnauthorized: t.clientAuth === "RequireAndVerifyClientCert",
      handshakeTimeout: this.#limits.handshakeTimeoutMs,
      ALPNProtocols: ["http/1.1"],
    });
    server.on("secureConnection", (socket: tls.TLSSocket) => {
      const refused = clientRefusal(socket, t);
      if (refused === undefined) return this.#adopt(socket);
      this.#log(`metrics server: refused TLS client ${socket.remoteAddress}: ${refused}`);
      socket.destroy();
    });
    server.on("tlsClientError", (e: Error, socket: tls.TLSSocket) => {
      this.#log(`metrics server: TLS handshake with ${socket.remoteAddress ?? "a client"} failed: ${firstLine(e)}`);
      socket.destroy();
    });
    return server;
  }

  /** Hands a connection to HTTP, with the deadline for its first request's head. */
  #adopt(socket: net.Socket | tls.TLSSocket): void {
    const c: Connection = { timer: undefined, active: 0 };
    this.#connections.set(socket, c);
    this.#deadline(socket, c, this.#limits.headersTimeoutMs, true);
    socket.once("close", () => clearTimeout(c.timer));
    this.#http.emit("connection", socket);
  }

  /**
   * The next request's head must be complete within `ms`, however slowly its bytes come (a slowloris client sends a
   * header line every few seconds and would hold the connection forever). A first request is told 408; an idle
   * keep-alive connection is closed without a word, as HTTP allows.
   */
  #deadline(socket: Duplex, c: Connection, ms: number, first: boolean): void {
    clearTimeout(c.timer);
    c.timer = setTimeout(() => {
      if (first && socket.writable) socket.write(statusOnly(408));
      socket.destroy();
    }, ms);
  }

  #onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const socket = req.socket;
    const c = this.#connections.get(socket);
    if (c) {
      clearTimeout(c.timer);
      c.active++;
      res.once("close", () => {
        c.active--;
        if (c.active === 0 && !socket.destroyed) this.#deadline(socket, c, this.#limits.keepAliveTimeoutMs, false);
      });
    }
    this.#answer(req, res).catch((e: unknown) => {
      this.#log(`metrics server: ${req.url}: ${firstLine(e)}`);
      if (res.headersSent) res.destroy();
      else reply(res, 500, firstLine(e));
    });
  }

  async #answer(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const config = this.#config;
    for (const [name, value] of Object.entries(config?.headers ?? {})) res.setHeader(name, value);
    const target = req.url ?? "";
    if (Buffer.byteLength(target) > this.#limits.maxUrlBytes) return reply(res, 414, "the URL is too long", true);
    // Nothing here takes a body, so one is not read: the connection closes after the answer.
    const length = req.headers["content-length"];
    if (req.headers["transfer-encoding"] !== undefined || (length !== undefined && length !== "0")) {
      return reply(res, 413, "a request body is not accepted", true);
    }
    if (!this.#takeToken()) return reply(res, 429, "too many requests");
    if (config && config.users.size > 0) {
      const verdict = await this.#auth.check(req.headers.authorization, config.users, this.#limits.maxPendingAuth);
      if (verdict === "busy") return reply(res, 429, "too many authentication checks at once");
      if (verdict === "denied") {
        res.setHeader("WWW-Authenticate", 'Basic realm="tsbpf"');
        return reply(res, 401, "unauthorized");
      }
    }
    const path = pathOf(target);
    if (!PATHS.has(path)) return reply(res, 404, "not found; the endpoints are /metrics, /healthz and /readyz");
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.setHeader("Allow", "GET, HEAD");
      return reply(res, 405, `${req.method} is not allowed; use GET`);
    }
    if (path === "/healthz" || path === "/readyz") {
      const h = path === "/healthz" ? this.#endpoints.healthz() : this.#endpoints.readyz();
      return reply(res, h.ok ? 200 : 503, h.body);
    }
    const scrape = this.#scrape(req.headers.accept);
    let exposition: Exposition;
    try {
      exposition = await scrape.exposition;
    } catch (e) {
      this.#log(`metrics server: /metrics: ${firstLine(e)}`);
      return reply(res, 500, firstLine(e));
    }
    res.setHeader("Content-Type", exposition.contentType);
    res.setHeader("Vary", "Accept-Encoding");
    let body: string | Buffer = exposition.body;
    if (acceptsGzip(req.headers["accept-encoding"])) {
      body = await (scrape.gzipped ??= gzipAsync(exposition.body));
      res.setHeader("Content-Encoding", "gzip");
    }
    res.setHeader("Content-Length", Buffer.byteLength(body));
    res.end(body);
  }

  /** The exposition for this Accept: the one being made, or a new one. */
  #scrape(accept: string | undefined): SharedScrape {
    const key = accept ?? "";
    let s = this.#scrapes.get(key);
    if (!s) {
      const exposition = Promise.resolve().then(() => this.#endpoints.metrics(accept));
      const done = () => void this.#scrapes.delete(key);
      exposition.then(done, done);
      this.#scrapes.set(key, (s = { exposition }));
    }
    return s;
  }

  /** rate_limit's token bucket (golang.org/x/time/rate as exporter-toolkit uses it): true when a request may pass. */
  #takeToken(): boolean {
    const limit = this.#config?.rateLimit;
    const b = this.#bucket;
    if (!limit || !b) return true;
    const now = Date.now();
    b.tokens = Math.min(limit.burst, b.tokens + (now - b.at) / limit.intervalMs);
    b.at = now;
    if (b.tokens < 1) return false;
    b.tokens--;
    return true;
  }

  /** A request Node's parser refused: 431 or 414 (too long), or 400 (malformed); the connection is closed. */
  #onClientError(e: Error & { code?: string; rawPacket?: Buffer }, socket: Duplex): void {
    const answering = (this.#connections.get(socket)?.active ?? 0) > 0;
    if (e.code !== "ECONNRESET" && socket.writable && !answering) {
      const tooLong = e.code === "HPE_HEADER_OVERFLOW";
      socket.write(statusOnly(tooLong ? (requestLineOver(e.rawPacket, this.#limits.maxUrlBytes) ? 414 : 431) : 400));
    }
    socket.destroy();
  }
}

/**
 * basic_auth_users checked as exporter-toolkit does: one bcrypt comparison at a time (each is ~100 ms of CPU at
 * cost 10, and bcryptjs runs it on this thread, in slices), successes remembered (by a digest of user, hash and
 * password) so a scrape does not pay it each time, and an unknown user costs a comparison like a known one, so
 * timing does not tell which names exist.
 */
class BasicAuth {
  readonly #cache = new Set<string>();
  #queue: Promise<unknown> = Promise.resolve();
  #pending = 0;

  async check(header: string | undefined, users: ReadonlyMap<string, string>, maxPending: number): Promise<"ok" | "denied" | "busy"> {
    const credentials = basicCredentials(header);
    if (!credentials) return "denied";
    const known = users.get(credentials.user);
    // Compared against a configured hash (of the same cost) and refused whatever the result.
    const hash = known ?? users.values().next().value!;
    const key = createHash("sha256").update(JSON.stringify([credentials.user, hash, credentials.password])).digest("base64");
    if (known && this.#cache.has(key)) return "ok";
    if (this.#pending >= maxPending) return "busy";
    this.#pending++;
    const turn = this.#queue.then(() => this.#cache.has(key) || bcrypt.compare(credentials.password, hash));
    this.#queue = turn.catch(() => false);
    let match: boolean;
    try {
      match = await turn;
    } catch {
      match = false;
    } finally {
      this.#pending--;
    }
    if (!known || !match) return "denied";
    if (this.#cache.size >= AUTH_CACHE_SIZE) this.#cache.delete(this.#cache.values().next().value!);
    this.#cache.add(key);
    return "ok";
  }
}

/** User and password of an `Authorization: Basic ...` header (as Go's Request.BasicAuth reads it). */
function basicCredentials(header: string | undefined): { user: string; password: string } | undefined {
  const m = /^basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? "");
  if (!m) return undefined;
  const text = Buffer.from(m[1]!, "base64").toString("utf8");
  const colon = text.indexOf(":");
  return colon < 0 ? undefined : { user: text.slice(0, colon), password: text.slice(colon + 1) };
}

/** Why a TLS client is refused by the policies Node does not apply itself, or undefined. */
function clientRefusal(socket: tls.TLSSocket, t: TlsConfig): string | undefined {
  const cert = socket.getPeerX509Certificate();
  if (t.clientAuth === "RequireAnyClientCert" && !cert) return "no client certificate";
  if (t.clientAuth === "VerifyClientCertIfGiven" && cert && !socket.authorized) {
    return `its certificate is not trusted (${socket.authorizationError})`;
  }
  if (!t.clientAllowedSans) return undefined;
  if (!cert) return "no client certificate, and client_allowed_sans asks for one";
  const sans = subjectAltNames(cert.subjectAltName);
  const allowed = new Set(t.clientAllowedSans.map(canonicalSan));
  if (sans.some((s) => allowed.has(s))) return undefined;
  return `none of its certificate's SANs (${sans.join(", ") || "none"}) is in client_allowed_sans`;
}

/** The DNS, IP, e-mail and URI names of a certificate's subjectAltName text (`DNS:a, IP Address:1.2.3.4, ...`). */
function subjectAltNames(text: string | undefined): string[] {
  const out: string[] = [];
  // Node quotes a value (as JSON) when it holds a comma or a quote.
  for (const m of (text ?? "").matchAll(/(DNS|IP Address|email|URI):("(?:[^"\\]|\\.)*"|[^,]*)(?:, |$)/g)) {
    out.push(canonicalSan(m[2]!.startsWith('"') ? (JSON.parse(m[2]!) as string) : m[2]!));
  }
  return out;
}

/** An IPv6 address in its short form (Node writes SANs in the long one), anything else as it is. */
function canonicalSan(s: string): string {
  return net.isIPv6(s) ? new URL(`http://[${s}]/`).hostname.slice(1, -1) : s;
}

/** The path of a request target, without the query; an absolute URL (a proxy's form) gives its path. */
function pathOf(target: string): string {
  if (/^https?:\/\//i.test(target)) {
    try {
      return new URL(target).pathname;
    } catch {
      return "";
    }
  }
  return target.split("?")[0]!;
}

/** Whether an Accept-Encoding header takes gzip (with a q above 0, by name or by `*`). */
export function acceptsGzip(header: string | undefined): boolean {
  let gzipQ: number | undefined;
  let anyQ: number | undefined;
  for (const part of (header ?? "").toLowerCase().split(",")) {
    const [name, ...params] = part.split(";").map((p) => p.trim());
    const q = params.find((p) => p.startsWith("q="));
    const weight = q === undefined ? 1 : Number(q.slice(2));
    if (name === "gzip" || name === "x-gzip") gzipQ = weight;
    else if (name === "*") anyQ = weight;
  }
  return (gzipQ ?? anyQ ?? 0) > 0;
}

/** Whether the request line alone (the part of the head Node's parser had) is over the URL limit. */
function requestLineOver(raw: Buffer | undefined, maxUrlBytes: number): boolean {
  if (!raw || !/^[A-Z]+ /.test(raw.toString("latin1", 0, 16))) return false;
  const end = raw.indexOf("\r\n");
  return (end < 0 ? raw.length : end) > maxUrlBytes;
}

function reply(res: http.ServerResponse, status: number, text: string, close = false): void {
  const body = `${text}\n`;
  res.statusCode = status;
  res.setHeader("Content-Type", "text/plain; charset=utf-8");
  res.setHeader("Content-Length", Buffer.byteLength(body));
  if (close) res.setHeader("Connection", "close");
  res.end(body);
}

/** A whole response for a connection about to be closed, written under the parser. */
function statusOnly(status: number): string {
  return `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`;
}

function listenFailure(listen: string, e: Error & { code?: string }): string {
  const at = `cannot listen on "${listen}"`;
  switch (e.code) {
    case "EADDRINUSE":
      return `${at}: the address is in use; hint: another process serves this port (ss -ltnp shows which), or choose another`;
    case "EACCES":
      return `${at}: permission denied; hint: ports below 1024 need root or CAP_NET_BIND_SERVICE; the usual port is :9464`;
    case "EADDRNOTAVAIL":
      return `${at}: no interface of this machine has that address; hint: ":PORT" listens on every interface`;
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `${at}: the host name does not resolve; hint: give an IP address`;
    default:
      return `${at}: ${firstLine(e)}`;
  }
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split("\n")[0]!;
}
