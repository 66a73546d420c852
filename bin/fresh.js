// Whether dist/ (the bundle `npm install` builds, or the packed package ships) matches the TypeScript sources: their
// paths, sizes and mtimes, or failing that their contents, in; a fingerprint and a yes/no out. bin/tsbpf.js runs the
// bundled CLI only while it is fresh, and otherwise the sources through tsx (bin/sources.js); the package's entries in
// dist/ (what `tsbpf` and `tsbpf/testing` resolve to) refuse to run stale (assertBundleFresh); cli/bundle.ts records
// the fingerprint it built.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * The sources dist/ is built from: every .ts file under cli/, compiler/, core/, runtime/, the root's entry modules,
 * and this file (the entries' freshness check).
 */
function sourceFiles(root) {
  const out = [];
  for (const dir of ["cli", "compiler", "core", "runtime"]) {
    const walk = (d) => {
      for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
        const p = join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.name.endsWith(".ts")) out.push(p);
      }
    };
    walk(join(root, dir));
  }
  for (const f of ["index.ts", "load.ts", "testing.ts", "bin/fresh.js"]) if (existsSync(join(root, f))) out.push(join(root, f));
  return out;
}

/** The sources' paths, sizes and mtimes: cheap to compute, and what a checkout that built dist/ still has. */
export function sourceFingerprint(root = ROOT, files = sourceFiles(root)) {
  const h = createHash("sha256");
  for (const p of files) {
    const st = statSync(p);
    h.update(`${p.slice(root.length)}:${st.size}:${Math.floor(st.mtimeMs)}\n`);
  }
  return h.digest("hex");
}

/**
 * The sources' paths and contents: what an installed package still has (npm pack and install do not keep mtimes),
 * read only when the paths, sizes and mtimes differ from the build's.
 */
export function contentFingerprint(root = ROOT, files = sourceFiles(root)) {
  const h = createHash("sha256");
  for (const p of files) h.update(`${p.slice(root.length)}\n`).update(readFileSync(p)).update("\n");
  return h.digest("hex");
}

/**
 * Whether dist/ was built from these sources. Where the paths, sizes and mtimes differ from the build's (an installed
 * package: npm gave its files new mtimes), the contents decide, once: a match leaves dist/.verified-<paths, sizes and
 * mtimes>, so the next start only stats the files (reading and hashing them all cost ~20 ms of every start). An edit
 * changes an mtime, and the contents decide again.
 */
export function bundleMatchesSources(root = ROOT) {
  const f = join(root, "dist", "fingerprint.json");
  if (!existsSync(f)) return false;
  try {
    const built = JSON.parse(readFileSync(f, "utf8"));
    const files = sourceFiles(root);
    const stat = sourceFingerprint(root, files);
    if (built.sources === stat) return true;
    if (typeof built.content !== "string") return false;
    const stamp = join(root, "dist", `.verified-${createHash("sha256").update(`${built.content}\n${stat}`).digest("hex").slice(0, 32)}`);
    if (existsSync(stamp)) return true;
    if (built.content !== contentFingerprint(root, files)) return false;
    try {
      writeFileSync(stamp, "");
    } catch {
      // A read-only package: the contents decide at every start.
    }
    return true;
  } catch {
    return false;
  }
}

/** Whether bin/tsbpf.js may run the bundle: it matches the sources, and TSBPF_NO_BUNDLE does not ask for the sources. */
export function bundleIsFresh(root = ROOT) {
  return !process.env.TSBPF_NO_BUNDLE && bundleMatchesSources(root);
}

/**
 * What the package's entries in dist/ run first: in a checkout whose sources changed since the last build, importing
 * `tsbpf` would otherwise run the old code without a word. An installed package ships a fresh dist/ (judged by content).
 */
export function assertBundleFresh(root) {
  if (bundleMatchesSources(root)) return;
  throw Object.assign(new Error(
    `tsbpf: ${join(root, "dist")} was built from other sources than ${root}'s: run \`npm run build\` there ` +
    "(or run the sources: node --conditions=tsbpf-source --import tsx)",
  ), { code: "TSBPF_STALE_BUNDLE" });
}

/** The bundle entries and their sources. */
export const ENTRIES = { cli: "cli/main.ts", index: "index.ts", testing: "testing.ts" };
