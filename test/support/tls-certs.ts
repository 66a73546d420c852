// Certificates for TLS tests, made by openssl in a temporary directory (no key is committed): a CA, a self-signed
// server certificate for localhost and 127.0.0.1, a client certificate the CA signed (SAN DNS:scraper.example), a
// self-signed client certificate no CA vouches for, and a key that matches none of them. Out: their paths and
// contents, and remove() for the directory.

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Pair {
  readonly certFile: string;
  readonly keyFile: string;
  readonly cert: Buffer;
  readonly key: Buffer;
}

export interface TestCerts {
  readonly dir: string;
  readonly ca: Pair;
  readonly server: Pair;
  readonly client: Pair;
  readonly stranger: Pair;
  readonly otherKeyFile: string;
  remove(): void;
}

/** Whether openssl can be run here. */
export function hasOpenssl(): boolean {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];

export function makeCerts(): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), "tsbpf-tls-"));
  try {
    const run = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
    const pair = (name: string): Pair => ({
      certFile: join(dir, `${name}.crt`), keyFile: join(dir, `${name}.key`),
      cert: readFileSync(join(dir, `${name}.crt`)), key: readFileSync(join(dir, `${name}.key`)),
    });
    run("req", "-x509", ...EC, "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=tsbpf test CA");
    run("req", "-x509", ...EC, "-keyout", "server.key", "-out", "server.crt", "-days", "2", "-subj", "/CN=localhost",
      "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1");
    run("req", ...EC, "-keyout", "client.key", "-out", "client.csr", "-subj", "/CN=scraper");
    writeFileSync(join(dir, "client.ext"), "subjectAltName=DNS:scraper.example,IP:::1\n");
    run("x509", "-req", "-in", "client.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "client.crt",
      "-days", "2", "-extfile", "client.ext");
    run("req", "-x509", ...EC, "-keyout", "stranger.key", "-out", "stranger.crt", "-days", "2", "-subj", "/CN=stranger",
      "-addext", "subjectAltName=DNS:scraper.example");
    run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "other.key");
    return {
      dir, ca: pair("ca"), server: pair("server"), client: pair("client"), stranger: pair("stranger"),
      otherKeyFile: join(dir, "other.key"), remove: () => rmSync(dir, { recursive: true, force: true }),
    };
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}
