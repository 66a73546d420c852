#!/usr/bin/env node
// The `tsbpf` command: the bundled CLI in dist/ when it matches the sources (fast start), otherwise the
// TypeScript sources through tsx.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Must compute what cli/bundle.ts's sourceFingerprint() computes. */
function fingerprint() {
  const h = createHash("sha256");
  for (const dir of ["cli", "compiler", "runtime"]) {
    const walk = (d) => {
      for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
        const p = join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.name.endsWith(".ts")) {
          const st = statSync(p);
          h.update(`${p.slice(root.length)}:${st.size}:${Math.floor(st.mtimeMs)}\n`);
        }
      }
    };
    walk(join(root, dir));
  }
  return h.digest("hex");
}

function bundleIsFresh() {
  const f = join(root, "dist", "fingerprint.json");
  if (process.env.TSBPF_NO_BUNDLE || !existsSync(f)) return false;
  try {
    return JSON.parse(readFileSync(f, "utf8")).sources === fingerprint();
  } catch {
    return false;
  }
}

if (bundleIsFresh()) {
  await import("../dist/tsbpf.mjs");
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("../cli/main.ts");
}
