// exporter-toolkit's web-config file read by runtime/serve/web-config.ts: a full file's settings (paths relative to
// the file, Go's cipher and curve names mapped to OpenSSL's, defaults), and each refusal as one line naming the file
// and the line of the key at fault.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import bcrypt from "bcryptjs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { WebConfigError, readWebConfig } from "../../runtime/serve/web-config.ts";
import { skip } from "../support/skip.ts";
import { type TestCerts, hasOpenssl, makeCerts } from "../support/tls-certs.ts";

let certs: TestCerts | undefined;
let dir = "";
const HASH = bcrypt.hashSync("pw", 4);

test.before(() => {
  dir = mkdtempSync(join(tmpdir(), "tsbpf-web-config-"));
  if (hasOpenssl()) certs = makeCerts();
});
test.after(() => {
  certs?.remove();
  rmSync(dir, { recursive: true, force: true });
});

function write(text: string, name = "web.yml"): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** The one-line error a file gives; checks its FILE:LINE: prefix. */
function refusal(text: string, line: number): string {
  const path = write(text);
  try {
    readWebConfig(path);
  } catch (e) {
    assert.instance(e, WebConfigError);
    const message = (e as Error).message;
    assert.not.match(message, /\n/, message);
    assert.ok(message.startsWith(`${path}:${line}: `), `expected line ${line}: ${message}`);
    return message;
  }
  throw new Error(`no error for:\n${text}`);
}

test("an empty file (or empty sections): plain HTTP, no users", () => {
  for (const text of ["", "# nothing\n", "tls_server_config:\nhttp_server_config:\nbasic_auth_users:\n"]) {
    const c = readWebConfig(write(text));
    assert.is(c.tls, undefined);
    assert.is(c.users.size, 0);
    assert.equal(c.headers, {});
    assert.is(c.rateLimit, undefined);
  }
  // TLS settings without a certificate or a client policy leave TLS off, as in exporter-toolkit.
  assert.is(readWebConfig(write("tls_server_config:\n  min_version: TLS13\n")).tls, undefined);
});

test("a full file: files relative to it, names mapped to OpenSSL's, users, headers, rate limit, notes", () => {
  if (!certs) return skip("openssl is not installed");
  mkdirSync(join(dir, "sub"), { recursive: true });
  for (const [from, to] of [[certs.server.certFile, "sub/s.crt"], [certs.server.keyFile, "sub/s.key"], [certs.ca.certFile, "sub/ca.crt"]]) {
    writeFileSync(join(dir, to!), readFileSync(from!));
  }
  const path = write(`tls_server_config:
  cert_file: sub/s.crt
  key_file: sub/s.key
  client_auth_type: RequireAndVerifyClientCert
  client_ca_file: sub/ca.crt
  min_version: TLS12
  max_version: TLS13
  cipher_suites:
    - TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
    - TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256
    - TLS_AES_128_GCM_SHA256
  prefer_server_cipher_suites: false
  curve_preferences: [X25519, CurveP256]
  client_allowed_sans: [scraper.example]
http_server_config:
  http2: true
  headers:
    Strict-Transport-Security: max-age=31536000
    X-XSS-Protection: ""
basic_auth_users:
  prometheus: ${HASH}
  "123": ${HASH}
rate_limit:
  interval: 1m30s
  burst: 5
`);
  const c = readWebConfig(path);
  const t = c.tls!;
  assert.ok(t.cert.equals(certs.server.cert));
  assert.ok(t.key.equals(certs.server.key));
  assert.ok(t.clientCa!.equals(certs.ca.cert));
  assert.is(t.clientAuth, "RequireAndVerifyClientCert");
  assert.is(t.minVersion, "TLSv1.2");
  assert.is(t.maxVersion, "TLSv1.3");
  assert.match(t.ciphers!, /^ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-CHACHA20-POLY1305:TLS_/);
  assert.is(t.honorCipherOrder, false);
  assert.is(t.ecdhCurve, "X25519:P-256");
  assert.equal(t.clientAllowedSans, ["scraper.example"]);
  assert.equal(c.headers, { "Strict-Transport-Security": "max-age=31536000" });
  assert.equal([...c.users.keys()], ["prometheus", "123"]);
  assert.equal(c.rateLimit, { intervalMs: 90_000, burst: 5 });
  assert.is(c.notes.length, 1);
  assert.match(c.notes[0]!, /http2 .* HTTP\/1\.1 only/);
  // Defaults: TLS 1.2 to 1.3, the server's cipher order, no client certificate.
  const d = readWebConfig(write(`tls_server_config:\n  cert_file: ${certs.server.certFile}\n  key_file: ${certs.server.keyFile}\n`)).tls!;
  assert.equal([d.minVersion, d.maxVersion, d.honorCipherOrder, d.clientAuth, d.ciphers], ["TLSv1.2", "TLSv1.3", true, "NoClientCert", undefined]);
  // RequireClientCert is exporter-toolkit's old name of RequireAnyClientCert.
  const any = readWebConfig(write(`tls_server_config:\n  cert_file: ${certs.server.certFile}\n  key_file: ${certs.server.keyFile}\n  client_auth_type: RequireClientCert\n`)).tls!;
  assert.is(any.clientAuth, "RequireAnyClientCert");
});

test("structure and YAML errors, each at its line", () => {
  assert.match(refusal("tls_server_config:\n  cert_file: a\nweb_config: {}\n", 3), /unknown key "web_config" at the top level; hint: the keys are tls_server_config, /);
  assert.match(refusal("tls_server_config:\n  certfile: a.crt\n", 2), /unknown key "certfile" in tls_server_config/);
  assert.match(refusal("http_server_config:\n  http3: true\n", 2), /unknown key "http3" in http_server_config/);
  assert.match(refusal("rate_limit:\n  interval: 1s\n  bust: 3\n", 3), /unknown key "bust" in rate_limit/);
  assert.match(refusal("basic_auth_users:\n  a: x\n  a: y\n", 3), /not valid YAML: .*unique/i);
  assert.match(refusal("tls_server_config:\n  cert_file: [a\n", 3), /not valid YAML/);
  assert.match(refusal("- a\n- b\n", 1), /the file: expected a mapping/);
  assert.match(refusal("tls_server_config: yes\n", 1), /tls_server_config: expected a mapping/);
  assert.match(refusal("tls_server_config:\n  cert_file: 12\n", 2), /tls_server_config\.cert_file: expected a string/);
  assert.match(refusal("http_server_config:\n  http2: yes\n", 2), /expected true or false/);
  assert.match(refusal("tls_server_config:\n  cipher_suites: TLS_AES_128_GCM_SHA256\n", 2), /cipher_suites: expected a list/);
  assert.match(refusal("basic_auth_users: [a]\n", 1), /basic_auth_users: expected a mapping/);
});

test("TLS errors name the key and its line: files, certificate and key, versions, suites, curves, client auth", () => {
  if (!certs) return skip("openssl is not installed");
  const cert = `  cert_file: ${certs.server.certFile}\n`;
  const key = `  key_file: ${certs.server.keyFile}\n`;
  const m1 = refusal(`tls_server_config:\n  cert_file: missing.crt\n${key}`, 2);
  assert.match(m1, /tls_server_config\.cert_file: cannot read .*missing\.crt \(no such file\); hint: relative paths are relative/);
  assert.ok(m1.includes(join(dir, "missing.crt")), "the path is resolved from the file's directory");
  assert.match(refusal(`tls_server_config:\n${cert}  key_file: nokey.pem\n`, 3), /key_file: cannot read .*nokey\.pem/);
  assert.match(refusal(`tls_server_config:\n${cert}  key_file: ${certs.otherKeyFile}\n`, 3), /key_file: .* is not the key of the certificate /);
  assert.match(refusal(`tls_server_config:\n  cert_file: ${certs.server.keyFile}\n${key}`, 2), /cert_file: .* is not a PEM certificate/);
  assert.match(refusal(`tls_server_config:\n${cert}  key_file: ${certs.server.certFile}\n`, 3), /key_file: .* is not a PEM private key/);
  assert.match(refusal(`tls_server_config:\n${cert}`, 2), /tls_server_config: no private key; hint: key_file/);
  assert.match(refusal(`tls_server_config:\n${key}`, 2), /tls_server_config: no certificate/);
  assert.match(refusal(`tls_server_config:\n${cert}${key}  cert: |\n    x\n`, 4), /both cert_file and cert/);
  assert.match(refusal(`tls_server_config:\n${cert}${key}  min_version: TLS14\n`, 4), /min_version: "TLS14" is not a TLS version; hint: use one of TLS10, TLS11, TLS12, TLS13/);
  assert.match(refusal(`tls_server_config:\n${cert}${key}  min_version: TLS13\n  max_version: TLS12\n`, 5), /min_version is above max_version/);
  assert.match(refusal(`tls_server_config:\n${cert}${key}  cipher_suites:\n    - TLS_AES_128_GCM_SHA256\n    - ECDHE-RSA-AES128-GCM-SHA256\n`, 6), /unknown cipher suite "ECDHE-RSA-AES128-GCM-SHA256"; hint: use Go's names/);
  assert.match(refusal(`tls_server_config:\n${cert}${key}  cipher_suites: [TLS_RSA_WITH_RC4_128_SHA]\n`, 4), /TLS_RSA_WITH_RC4_128_SHA is one of Go's insecure suites/);
  assert.match(refusal(`tls_server_config:\n${cert}${key}  curve_preferences: [CurveP256, P-256]\n`, 4), /unknown curve "P-256"; hint: use one of CurveP256, CurveP384, CurveP521, X25519/);
  assert.match(refusal(`tls_server_config:\n${cert}${key}  client_auth_type: VerifyAlways\n`, 4), /client_auth_type: "VerifyAlways" is not a client auth type/);
  assert.match(refusal(`tls_server_config:\n${cert}${key}  client_ca_file: ${certs.ca.certFile}\n`, 4), /a client CA is given without client_auth_type/);
  assert.match(refusal(`tls_server_config:\n${cert}${key}  client_auth_type: RequireAndVerifyClientCert\n`, 4), /needs the CA that signs client certificates; hint: set client_ca_file/);
  assert.match(refusal(`tls_server_config:\n${cert}${key}  client_auth_type: RequestClientCert\n  client_ca_file: ${certs.server.keyFile}\n`, 5), /client_ca_file: .* holds no PEM certificate/);
  assert.match(refusal(`tls_server_config:\n${cert}${key}  client_allowed_sans: [a]\n`, 4), /client_allowed_sans: no client certificate is asked for/);
});

test("basic_auth_users, headers and rate_limit errors at their lines", () => {
  assert.match(refusal(`basic_auth_users:\n  a: ${HASH}\n  b: plaintext\n`, 3), /basic_auth_users\.b: not a bcrypt hash; hint: make one with `htpasswd -nBC 10/);
  assert.match(refusal(`basic_auth_users:\n  c: "$2y$03$${HASH.slice(7)}"\n`, 2), /basic_auth_users\.c: not a bcrypt hash/);
  assert.match(refusal("basic_auth_users:\n  d:\n", 2), /basic_auth_users\.d: not a bcrypt hash/);
  assert.match(refusal("http_server_config:\n  headers:\n    X-Frame-Options: deny\n    Server: tsbpf\n", 4), /headers: Server cannot be configured; hint: exporter-toolkit allows Strict-Transport-Security/);
  assert.match(refusal("http_server_config:\n  headers:\n    X-Frame-Options: allow\n", 3), /X-Frame-Options: "allow" is not allowed; hint: use one of deny, sameorigin/);
  assert.match(refusal("rate_limit:\n  interval: 5 seconds\n", 2), /rate_limit\.interval: "5 seconds" is not a duration/);
  assert.match(refusal("rate_limit:\n  interval: 1s\n  burst: -1\n", 3), /rate_limit\.burst: expected a whole number/);
  // $2y$ (htpasswd), $2a$ and $2b$ hashes are all bcrypt.
  for (const prefix of ["$2y$", "$2a$", "$2b$"]) {
    assert.is(readWebConfig(write(`basic_auth_users:\n  u: "${prefix}${HASH.slice(4)}"\n`)).users.size, 1, prefix);
  }
});

test("a file that cannot be read: one line naming it", () => {
  const path = join(dir, "nope.yml");
  try {
    readWebConfig(path);
    assert.unreachable();
  } catch (e) {
    assert.instance(e, WebConfigError);
    assert.is((e as Error).message, `${path}: cannot read the web config file (no such file); hint: --web.config.file names a YAML file`);
  }
});

test.run();
