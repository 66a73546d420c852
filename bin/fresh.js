// Whether dist/ (the bundle `npm install` builds, or the packed package ships) matches the TypeScript sources: their
// paths, sizes and mtimes, or failing that their contents, in; a fingerprint and a yes/no out. bin/tsbpf.js and the package entry (index.js, testing.js) use the bundle only
// while it is fresh, and otherwise run the sources through tsx; cli/bundle.ts records the fingerprint it built.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

/** The sources dist/ is built from: every .ts file under cli/, compiler/, core/, runtime/, and the root's entry modules. */
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
  for (const f of ["index.ts", "load.ts", "testing.ts"]) if (existsSync(join(root, f))) out.push(join(root, f));
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

export function bundleIsFresh(root = ROOT) {
  const f = join(root, "dist", "fingerprint.json");
  if (process.env.TSBPF_NO_BUNDLE || !existsSync(f)) return false;
  try {
    const built = JSON.parse(readFileSync(f, "utf8"));
    const files = sourceFiles(root);
    return built.sources === sourceFingerprint(root, files) || (typeof built.content === "string" && built.content === contentFingerprint(root, files));
  } catch {
    return false;
  }
}

/** The bundle entries and their sources. */
export const ENTRIES = { cli: "cli/main.ts", index: "index.ts", testing: "testing.ts" };

/** Entry `name` of the package: dist/<name>.mjs when fresh, else its TypeScript source through tsx. */
export async function importEntry(name) {
  if (bundleIsFresh()) return import(pathToFileURL(join(ROOT, "dist", `${name}.mjs`)).href);
  const { register } = await import("tsx/esm/api");
  register();
  return import(pathToFileURL(join(ROOT, ENTRIES[name])).href);
}
