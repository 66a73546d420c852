// exporter-toolkit's web-config file (`--web.config.file`, the one node_exporter and Prometheus read) in, a checked
// WebConfig out: TLS settings as Node's tls module takes them (certificate and key read and matched, Go's cipher
// suite and curve names mapped to OpenSSL's), basic auth users with their bcrypt hashes, extra response headers and
// the rate limit. Parsed strictly, as exporter-toolkit does (yaml.v2 UnmarshalStrict): an unknown key is an error,
// and every error is one line, `FILE:LINE: what is wrong; hint`. Relative file paths are relative to the config
// file's directory. The server (http.ts) only applies what this returns; it reads no file itself.

import { X509Certificate, createPrivateKey, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, isAbsolute, join } from "node:path";
import { DEFAULT_CIPHERS, type SecureVersion, createSecureContext } from "node:tls";
import { type Document, LineCounter, type Node, isAlias, isMap, isScalar, isSeq, parseDocument } from "yaml";

/** What a web-config file asks for, checked; undefined parts were not asked for. */
export interface WebConfig {
  /** The file it was read from, as given. */
  readonly path: string;
  /** TLS, when tls_server_config names a certificate (or a client policy); otherwise plain HTTP. */
  readonly tls: TlsConfig | undefined;
  /** basic_auth_users: user name to bcrypt hash. Empty: no authentication. */
  readonly users: ReadonlyMap<string, string>;
  /** http_server_config.headers: added to every response (blank values left out). */
  readonly headers: Readonly<Record<string, string>>;
  /** rate_limit: a token bucket over all requests (`burst` tokens, one more every `intervalMs`); 429 when empty. */
  readonly rateLimit: { readonly intervalMs: number; readonly burst: number } | undefined;
  /** What was accepted but is not done as asked (http2), one line each, for the log. */
  readonly notes: readonly string[];
}

/** exporter-toolkit's client_auth_type values (Go's tls.ClientAuthType names; RequireClientCert is its old alias). */
export type ClientAuthType =
  | "NoClientCert"
  | "RequestClientCert"
  | "RequireAnyClientCert"
  | "VerifyClientCertIfGiven"
  | "RequireAndVerifyClientCert";

export interface TlsConfig {
  readonly cert: Buffer;
  readonly key: Buffer;
  /** Certificates that sign client certificates (client_ca_file or client_ca). */
  readonly clientCa: Buffer | undefined;
  readonly clientAuth: ClientAuthType;
  readonly minVersion: SecureVersion;
  readonly maxVersion: SecureVersion;
  /** OpenSSL's cipher list (TLS 1.2 and older suites, then TLS 1.3's defaults), when cipher_suites is given. */
  readonly ciphers: string | undefined;
  /** prefer_server_cipher_suites (default true): the server's order of ciphers wins. */
  readonly honorCipherOrder: boolean;
  /** OpenSSL's curve list from curve_preferences, when given. */
  readonly ecdhCurve: string | undefined;
  /** client_allowed_sans: a client certificate must carry one of these SANs (DNS, IP, e-mail or URI). */
  readonly clientAllowedSans: readonly string[] | undefined;
}

/** A web-config file that cannot be used; the message is one line, `FILE:LINE: what; hint`. */
export class WebConfigError extends Error {
  override readonly name = "WebConfigError";
}

const TOP_KEYS = ["tls_server_config", "http_server_config", "basic_auth_users", "rate_limit"] as const;
const TLS_KEYS = [
  "cert", "key", "client_ca", "cert_file", "key_file", "client_auth_type", "client_ca_file", "cipher_suites",
  "curve_preferences", "min_version", "max_version", "prefer_server_cipher_suites", "client_allowed_sans",
] as const;
const HTTP_KEYS = ["http2", "headers"] as const;
const RATE_KEYS = ["interval", "burst"] as const;

const CLIENT_AUTH: Readonly<Record<string, ClientAuthType>> = {
  NoClientCert: "NoClientCert",
  RequestClientCert: "RequestClientCert",
  RequireAnyClientCert: "RequireAnyClientCert",
  RequireClientCert: "RequireAnyClientCert",
  VerifyClientCertIfGiven: "VerifyClientCertIfGiven",
  RequireAndVerifyClientCert: "RequireAndVerifyClientCert",
};

const TLS_VERSIONS: Readonly<Record<string, SecureVersion>> = {
  TLS10: "TLSv1",
  TLS11: "TLSv1.1",
  TLS12: "TLSv1.2",
  TLS13: "TLSv1.3",
};
const VERSION_ORDER: readonly SecureVersion[] = ["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"];

/**
 * Go's crypto/tls names of the suites tls.CipherSuites() lists (the ones exporter-toolkit accepts) to OpenSSL's.
 * TLS 1.3 suites map to "": as in Go, cipher_suites does not choose TLS 1.3's, which stay OpenSSL's defaults.
 */
const CIPHER_SUITES: Readonly<Record<string, string>> = {
  TLS_AES_128_GCM_SHA256: "",
  TLS_AES_256_GCM_SHA384: "",
  TLS_CHACHA20_POLY1305_SHA256: "",
  TLS_RSA_WITH_AES_128_CBC_SHA: "AES128-SHA",
  TLS_RSA_WITH_AES_256_CBC_SHA: "AES256-SHA",
  TLS_RSA_WITH_AES_128_GCM_SHA256: "AES128-GCM-SHA256",
  TLS_RSA_WITH_AES_256_GCM_SHA384: "AES256-GCM-SHA384",
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: "ECDHE-ECDSA-AES128-SHA",
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: "ECDHE-ECDSA-AES256-SHA",
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: "ECDHE-RSA-AES128-SHA",
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: "ECDHE-RSA-AES256-SHA",
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: "ECDHE-ECDSA-AES128-GCM-SHA256",
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: "ECDHE-ECDSA-AES256-GCM-SHA384",
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: "ECDHE-RSA-AES128-GCM-SHA256",
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: "ECDHE-RSA-AES256-GCM-SHA384",
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: "ECDHE-RSA-CHACHA20-POLY1305",
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: "ECDHE-ECDSA-CHACHA20-POLY1305",
};

/** Go's tls.InsecureCipherSuites(): known names that exporter-toolkit refuses. */
const INSECURE_SUITES = new Set([
  "TLS_RSA_WITH_RC4_128_SHA", "TLS_RSA_WITH_3DES_EDE_CBC_SHA", "TLS_RSA_WITH_AES_128_CBC_SHA256",
  "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA", "TLS_ECDHE_RSA_WITH_RC4_128_SHA", "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA",
  "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
]);

/** exporter-toolkit's curve names to OpenSSL's. */
const CURVES: Readonly<Record<string, string>> = { CurveP256: "P-256", CurveP384: "P-384", CurveP521: "P-521", X25519: "X25519" };

/** The response headers exporter-toolkit lets a file set, with the values allowed where they are an enumeration. */
const EXTRA_HEADERS: Readonly<Record<string, readonly string[] | undefined>> = {
  "Strict-Transport-Security": undefined,
  "X-Content-Type-Options": ["nosniff"],
  "X-Frame-Options": ["deny", "sameorigin"],
  "X-XSS-Protection": undefined,
  "Content-Security-Policy": undefined,
};

/** A bcrypt hash as Go's bcrypt.Cost accepts it: $2$, $2a$, $2b$ or $2y$, a cost of 4 to 31, 22+31 characters. */
const BCRYPT = /^\$2[aby]?\$(\d\d)\$[./A-Za-z0-9]{53}$/;

/** A Go duration (`1s`, `250ms`, `1m30s`), as rate_limit.interval takes it. */
const DURATION_PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/g;
const DURATION_UNIT_MS: Readonly<Record<string, number>> = { ns: 1e-6, us: 1e-3, "µs": 1e-3, ms: 1, s: 1e3, m: 60e3, h: 3600e3 };

/** Reads and checks a web-config file; throws WebConfigError (one line) on anything exporter-toolkit would refuse. */
export function readWebConfig(path: string): WebConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new WebConfigError(`${path}: cannot read the web config file (${reason(e)}); hint: --web.config.file names a YAML file`);
  }
  return new Reader(path, text).config();
}

/** One file's walk: positions for messages, and the checks of each key. */
class Reader {
  readonly #path: string;
  readonly #lines = new LineCounter();
  readonly #doc: Document;
  readonly #notes: string[] = [];

  constructor(path: string, text: string) {
    this.#path = path;
    this.#doc = parseDocument(text, { lineCounter: this.#lines, uniqueKeys: true, prettyErrors: false });
    const problem = this.#doc.errors[0] ?? this.#doc.warnings[0];
    if (problem) {
      const line = this.#lines.linePos(problem.pos[0]).line;
      throw new WebConfigError(`${path}:${line}: not valid YAML: ${problem.message.split("\n")[0]}`);
    }
  }

  config(): WebConfig {
    const top = this.#map(this.#doc.contents, "the file", TOP_KEYS);
    const tlsSection = top.get("tls_server_config");
    const httpSection = top.get("http_server_config");
    const usersSection = top.get("basic_auth_users");
    const rateSection = top.get("rate_limit");
    return {
      path: this.#path,
      tls: tlsSection ? this.#tls(tlsSection.value) : undefined,
      headers: httpSection ? this.#http(httpSection.value) : {},
      users: usersSection ? this.#users(usersSection.value) : new Map(),
      rateLimit: rateSection ? this.#rateLimit(rateSection.value) : undefined,
      notes: this.#notes,
    };
  }

  #tls(node: Node | null): TlsConfig | undefined {
    const s = this.#map(node, "tls_server_config", TLS_KEYS);
    const str = (k: (typeof TLS_KEYS)[number]) => {
      const e = s.get(k);
      return e && e.value !== null ? { node: e.key, text: this.#string(e.value, `tls_server_config.${k}`) } : undefined;
    };
    const certFile = str("cert_file"), certText = str("cert");
    const keyFile = str("key_file"), keyText = str("key");
    const caFile = str("client_ca_file"), caText = str("client_ca");
    const authEntry = str("client_auth_type");
    const authText = authEntry?.text || "NoClientCert";
    const clientAuth = CLIENT_AUTH[authText];
    if (!clientAuth) {
      this.#fail(authEntry!.node, `tls_server_config.client_auth_type: ${JSON.stringify(authText)} is not a client auth type`, `use one of ${Object.keys(CLIENT_AUTH).join(", ")}`);
    }
    const minVersion = this.#version(s.get("min_version"), "min_version") ?? "TLSv1.2";
    const maxVersion = this.#version(s.get("max_version"), "max_version") ?? "TLSv1.3";
    if (VERSION_ORDER.indexOf(minVersion) > VERSION_ORDER.indexOf(maxVersion)) {
      this.#fail(s.get("max_version")?.key ?? s.get("min_version")!.key, "tls_server_config: min_version is above max_version", "max_version defaults to TLS13");
    }
    const ciphers = this.#ciphers(s.get("cipher_suites"));
    const ecdhCurve = this.#list(s.get("curve_preferences"), "curve_preferences", CURVES, "curve");
    const preferEntry = s.get("prefer_server_cipher_suites");
    const honorCipherOrder = preferEntry?.value ? this.#bool(preferEntry.value, "tls_server_config.prefer_server_cipher_suites") : true;
    const sansEntry = s.get("client_allowed_sans");
    const clientAllowedSans = sansEntry?.value ? this.#strings(sansEntry.value, "tls_server_config.client_allowed_sans") : undefined;

    // exporter-toolkit's TLSConfig.IsEnabled: any of these turns TLS on; the others alone leave plain HTTP (but are
    // checked all the same, as Go's strict parsing does).
    if (![certFile, certText, keyFile, keyText, caFile, caText, authEntry].some((x) => x?.text)) return undefined;
    const where = s.get("cert_file")?.key ?? s.get("cert")?.key ?? node;
    for (const [file, text, name] of [[certFile, certText, "cert"], [keyFile, keyText, "key"], [caFile, caText, "client_ca"]] as const) {
      if (file?.text && text?.text) this.#fail(text.node, `tls_server_config: both ${name}_file and ${name} are given`, "keep one");
    }
    if (!certFile?.text && !certText?.text) this.#fail(where, "tls_server_config: no certificate", "cert_file names the server's PEM certificate");
    if (!keyFile?.text && !keyText?.text) this.#fail(where, "tls_server_config: no private key", "key_file names the PEM key of cert_file's certificate");

    const cert = this.#pem(certFile, certText, "cert");
    const key = this.#pem(keyFile, keyText, "key");
    let x509: X509Certificate;
    try {
      x509 = new X509Certificate(cert.data);
    } catch {
      return this.#fail(cert.node, `tls_server_config.${cert.name}: ${cert.what} is not a PEM certificate`, "it should begin with -----BEGIN CERTIFICATE-----");
    }
    let privateKey: KeyObject;
    try {
      privateKey = createPrivateKey(key.data);
    } catch {
      return this.#fail(key.node, `tls_server_config.${key.name}: ${key.what} is not a PEM private key (or it is encrypted)`, "it should begin with -----BEGIN PRIVATE KEY----- or -----BEGIN EC/RSA PRIVATE KEY-----");
    }
    if (!x509.checkPrivateKey(privateKey)) {
      this.#fail(key.node, `tls_server_config.${key.name}: ${key.what} is not the key of the certificate ${cert.what}`, "give the key the certificate was made for");
    }

    const clientCa = caFile?.text || caText?.text ? this.#pem(caFile, caText, "client_ca") : undefined;
    if (clientCa && !/-----BEGIN CERTIFICATE-----/.test(clientCa.data.toString("latin1"))) {
      this.#fail(clientCa.node, `tls_server_config.${clientCa.name}: ${clientCa.what} holds no PEM certificate`, "it should hold the CA certificates that sign client certificates");
    }
    if (clientCa && clientAuth === "NoClientCert") {
      this.#fail(clientCa.node, "tls_server_config: a client CA is given without client_auth_type", "set client_auth_type: RequireAndVerifyClientCert");
    }
    if (!clientCa && (clientAuth === "VerifyClientCertIfGiven" || clientAuth === "RequireAndVerifyClientCert")) {
      this.#fail(authEntry!.node, `tls_server_config.client_auth_type: ${authText} needs the CA that signs client certificates`, "set client_ca_file");
    }
    if (clientAllowedSans && clientAuth === "NoClientCert") {
      this.#fail(sansEntry!.key, "tls_server_config.client_allowed_sans: no client certificate is asked for", "set client_auth_type: RequireAndVerifyClientCert");
    }

    const tls: TlsConfig = {
      cert: cert.data, key: key.data, clientCa: clientCa?.data, clientAuth, minVersion, maxVersion, ciphers,
      honorCipherOrder, ecdhCurve, clientAllowedSans,
    };
    try {
      createSecureContext(secureContextOptions(tls));
    } catch (e) {
      this.#fail(node, `tls_server_config: OpenSSL refuses these settings (${reason(e)})`, "check cipher_suites, curve_preferences and the versions");
    }
    return tls;
  }

  /** A PEM from a file (relative to the config file) or inline text; `what` names it in messages. */
  #pem(file: { node: Node; text: string } | undefined, text: { node: Node; text: string } | undefined, name: string) {
    if (text?.text) return { data: Buffer.from(text.text), node: text.node, name, what: `the inline ${name}` };
    const path = isAbsolute(file!.text) ? file!.text : join(dirname(this.#path), file!.text);
    try {
      return { data: readFileSync(path), node: file!.node, name: `${name}_file`, what: path };
    } catch (e) {
      return this.#fail(file!.node, `tls_server_config.${name}_file: cannot read ${path} (${reason(e)})`, "relative paths are relative to the web config file's directory");
    }
  }

  #version(entry: Entry | undefined, name: string): SecureVersion | undefined {
    if (!entry || entry.value === null) return undefined;
    const text = this.#string(entry.value, `tls_server_config.${name}`);
    const v = TLS_VERSIONS[text];
    if (!v) this.#fail(entry.value, `tls_server_config.${name}: ${JSON.stringify(text)} is not a TLS version`, `use one of ${Object.keys(TLS_VERSIONS).join(", ")}`);
    return v;
  }

  #ciphers(entry: Entry | undefined): string | undefined {
    if (!entry || entry.value === null) return undefined;
    const names = this.#strings(entry.value, "tls_server_config.cipher_suites");
    const openssl: string[] = [];
    names.forEach((name, i) => {
      const mapped = CIPHER_SUITES[name];
      const at = (entry.value as { items: Node[] }).items[i]!;
      if (mapped === undefined && INSECURE_SUITES.has(name)) {
        this.#fail(at, `tls_server_config.cipher_suites: ${name} is one of Go's insecure suites, which exporter-toolkit refuses too`, "use an ECDHE suite with AES-GCM or ChaCha20-Poly1305");
      }
      if (mapped === undefined) {
        this.#fail(at, `tls_server_config.cipher_suites: unknown cipher suite ${JSON.stringify(name)}`, "use Go's names, e.g. TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
      }
      if (mapped) openssl.push(mapped);
    });
    // TLS 1.3's suites are not chosen here (as in Go), so they are OpenSSL's defaults whatever the list says.
    return [...openssl, ...defaultTls13Suites()].join(":");
  }

  /** A list of names mapped through `table` and joined with ":" (OpenSSL's list syntax). */
  #list(entry: Entry | undefined, name: string, table: Readonly<Record<string, string>>, what: string): string | undefined {
    if (!entry || entry.value === null) return undefined;
    const names = this.#strings(entry.value, `tls_server_config.${name}`);
    return names.map((n, i) => {
      const mapped = table[n];
      if (mapped === undefined) {
        this.#fail((entry.value as { items: Node[] }).items[i]!, `tls_server_config.${name}: unknown ${what} ${JSON.stringify(n)}`, `use one of ${Object.keys(table).join(", ")}`);
      }
      return mapped;
    }).join(":");
  }

  #http(node: Node | null): Record<string, string> {
    const s = this.#map(node, "http_server_config", HTTP_KEYS);
    const http2 = s.get("http2");
    if (http2?.value && this.#bool(http2.value, "http_server_config.http2")) {
      this.#notes.push(`${this.#path}: http_server_config.http2 is accepted, but metrics are served over HTTP/1.1 only`);
    }
    const headersEntry = s.get("headers");
    const headers: Record<string, string> = {};
    if (!headersEntry?.value) return headers;
    if (!isMap(headersEntry.value)) this.#fail(headersEntry.value, "http_server_config.headers: expected a mapping of header names to values");
    for (const pair of headersEntry.value.items) {
      const name = this.#string(pair.key as Node, "http_server_config.headers");
      const allowed = EXTRA_HEADERS[name];
      if (!(name in EXTRA_HEADERS)) {
        this.#fail(pair.key as Node, `http_server_config.headers: ${name} cannot be configured`, `exporter-toolkit allows ${Object.keys(EXTRA_HEADERS).join(", ")}`);
      }
      const value = pair.value === null || (isScalar(pair.value) && pair.value.value === null) ? "" : this.#string(pair.value as Node, `http_server_config.headers.${name}`);
      if (value && allowed && !allowed.includes(value)) {
        this.#fail(pair.value as Node, `http_server_config.headers.${name}: ${JSON.stringify(value)} is not allowed`, `use one of ${allowed.join(", ")}`);
      }
      if (value) headers[name] = value;
    }
    return headers;
  }

  #users(node: Node | null): Map<string, string> {
    const users = new Map<string, string>();
    if (node === null || (isScalar(node) && node.value === null)) return users;
    if (!isMap(node)) this.#fail(node, "basic_auth_users: expected a mapping of user names to bcrypt hashes");
    for (const pair of node.items) {
      const keyNode = pair.key as Node;
      if (!isScalar(keyNode) || keyNode.value === null || typeof keyNode.value === "object") {
        this.#fail(keyNode, "basic_auth_users: a user name must be a plain string");
      }
      const user = String(keyNode.value);
      const value = this.#resolve(pair.value as Node | null);
      const hash = value === null || (isScalar(value) && value.value === null) ? "" : this.#string(value, `basic_auth_users.${user}`);
      const cost = BCRYPT.exec(hash)?.[1];
      if (cost === undefined || Number(cost) < 4 || Number(cost) > 31) {
        this.#fail(value ?? keyNode, `basic_auth_users.${user}: not a bcrypt hash`, "make one with `htpasswd -nBC 10 \"\" | tr -d ':\\n'` (apache2-utils)");
      }
      users.set(user, hash);
    }
    return users;
  }

  #rateLimit(node: Node | null): WebConfig["rateLimit"] {
    const s = this.#map(node, "rate_limit", RATE_KEYS);
    const intervalEntry = s.get("interval");
    const burstEntry = s.get("burst");
    let intervalMs = 0;
    if (intervalEntry?.value) {
      const text = this.#string(intervalEntry.value, "rate_limit.interval");
      const parts = [...text.matchAll(DURATION_PART)];
      if (text !== "0" && (parts.length === 0 || parts.map((m) => m[0]).join("") !== text)) {
        this.#fail(intervalEntry.value, `rate_limit.interval: ${JSON.stringify(text)} is not a duration`, "write it as Go does: 1s, 250ms, 1m30s");
      }
      intervalMs = parts.reduce((ms, m) => ms + Number(m[1]) * DURATION_UNIT_MS[m[2]!]!, 0);
    }
    let burst = 0;
    if (burstEntry?.value) {
      const v = isScalar(burstEntry.value) ? burstEntry.value.value : undefined;
      if (typeof v !== "number" || !Number.isInteger(v) || v < 0) this.#fail(burstEntry.value, "rate_limit.burst: expected a whole number of requests");
      burst = v;
    }
    // exporter-toolkit: an interval of 0 turns the limiter off.
    return intervalMs > 0 ? { intervalMs, burst } : undefined;
  }

  /** A mapping's entries by key; null (an empty section) is an empty mapping; unknown keys are errors. */
  #map(node: Node | null | undefined, where: string, keys: readonly string[]): Map<string, Entry> {
    const out = new Map<string, Entry>();
    const n = this.#resolve(node);
    if (n === null || n === undefined || (isScalar(n) && n.value === null)) return out;
    if (!isMap(n)) this.#fail(n, `${where}: expected a mapping of keys to values`);
    for (const pair of n.items) {
      const keyNode = pair.key as Node;
      const key = isScalar(keyNode) ? String(keyNode.value) : "";
      if (!keys.includes(key)) {
        const inside = where === "the file" ? "at the top level" : `in ${where}`;
        this.#fail(keyNode, `unknown key ${JSON.stringify(key)} ${inside}`, `the keys are ${keys.join(", ")}`);
      }
      const value = this.#resolve(pair.value as Node | null);
      out.set(key, { key: keyNode, value: value && isScalar(value) && value.value === null ? null : value });
    }
    return out;
  }

  #string(node: Node, where: string): string {
    const n = this.#resolve(node);
    if (!isScalar(n) || typeof n.value !== "string") this.#fail(n, `${where}: expected a string`);
    return n.value;
  }

  #bool(node: Node, where: string): boolean {
    const n = this.#resolve(node);
    if (!isScalar(n) || typeof n.value !== "boolean") this.#fail(n, `${where}: expected true or false`);
    return n.value;
  }

  #strings(node: Node, where: string): string[] {
    const n = this.#resolve(node);
    if (!isSeq(n)) this.#fail(n, `${where}: expected a list`, "write each item on its own line, starting with `- `");
    return n.items.map((item) => this.#string(item as Node, where));
  }

  #resolve<T extends Node | null | undefined>(node: T): T | Node {
    return node && isAlias(node) ? (node.resolve(this.#doc) as Node) : node;
  }

  #fail(node: Node | null | undefined, what: string, hint?: string): never {
    const offset = node?.range?.[0] ?? 0;
    const line = this.#lines.linePos(offset).line;
    throw new WebConfigError(`${this.#path}:${line}: ${what}${hint ? `; hint: ${hint}` : ""}`);
  }
}

interface Entry {
  readonly key: Node;
  readonly value: Node | null;
}

/** tls.createSecureContext's options for a TlsConfig (the server adds the client certificate policy). */
export function secureContextOptions(t: TlsConfig) {
  return {
    cert: t.cert,
    key: t.key,
    minVersion: t.minVersion,
    maxVersion: t.maxVersion,
    honorCipherOrder: t.honorCipherOrder,
    ...(t.clientCa ? { ca: t.clientCa } : {}),
    ...(t.ciphers ? { ciphers: t.ciphers } : {}),
    ...(t.ecdhCurve ? { ecdhCurve: t.ecdhCurve } : {}),
  };
}

/** Node's default TLS 1.3 suites (its cipher list names them with the TLS_ prefix, TLS 1.2's without). */
function defaultTls13Suites(): string[] {
  return DEFAULT_CIPHERS.split(":").filter((c) => c.startsWith("TLS_"));
}

function reason(e: unknown): string {
  const err = e as { code?: string; message?: string };
  if (err.code === "ENOENT") return "no such file";
  if (err.code === "EACCES") return "permission denied";
  if (err.code === "EISDIR") return "it is a directory";
  return (err.message ?? String(e)).split("\n")[0]!;
}
