// Whether dist/ (the bundle `npm install` builds, or the packed package ships) matches the TypeScript sources: their
// paths, sizes and mtimes, or failing that their contents, in; a fingerprint and a yes/no out. bin/tsbpf.js runs the
// bundled CLI only while it is fresh, and otherwise the sources through tsx (useSources); the package's entries in
// dist/ (what `tsbpf` and `tsbpf/testing` resolve to) refuse to run stale (assertBundleFresh); cli/bundle.ts records
// the fingerprint it built.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { createRequire, register } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

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

/** Whether dist/ was built from these sources. */
export function bundleMatchesSources(root = ROOT) {
  const f = join(root, "dist", "fingerprint.json");
  if (!existsSync(f)) return false;
  try {
    const built = JSON.parse(readFileSync(f, "utf8"));
    const files = sourceFiles(root);
    return built.sources === sourceFingerprint(root, files) || (typeof built.content === "string" && built.content === contentFingerprint(root, files));
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

/**
 * The package's export condition that maps `tsbpf` and `tsbpf/testing` to index.ts and testing.ts (package.json), and
 * a module-resolution hook that adds it to every import of this process.
 */
export const SOURCE_CONDITION = "tsbpf-source";
const SOURCE_HOOKS = "data:text/javascript," + encodeURIComponent(
  `export function resolve(specifier, context, next) { return next(specifier, { ...context, conditions: [...context.conditions, ${JSON.stringify(SOURCE_CONDITION)}] }); }`,
);

/**
 * What running the sources needs that an installed package lacks: tsx (the TypeScript loader) and the development
 * dependencies (zod, which the bundle has built in; the test runner), all but the type-only @types packages.
 */
function missingForSources(root) {
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  const paths = createRequire(join(root, "package.json")).resolve.paths;
  return [...new Set(["tsx", ...Object.keys(pkg.devDependencies ?? {})])]
    .filter((name) => !name.startsWith("@types/") && !(paths(name) ?? []).some((dir) => existsSync(join(dir, name, "package.json"))));
}

/**
 * Makes this process run tsbpf from its TypeScript sources: tsx's loader, and `tsbpf` imports resolved to the sources
 * (so that a tool module imported by the CLI shares the CLI's runtime). That needs the development dependencies, as
 * a checkout has them; an installed package ships a fresh bundle instead, and lacks them: then this says, in one
 * line, how to rebuild.
 */
export async function useSources(root = ROOT) {
  const missing = missingForSources(root);
  if (missing.length) {
    throw Object.assign(new Error(
      `tsbpf: ${join(root, "dist")} does not match the sources, and running them needs tsbpf's development dependencies (missing: ${missing.join(", ")}): in a checkout, run \`npm install\` there (which also builds dist/); an installed tsbpf, reinstall it`,
    ), { code: "TSBPF_STALE_BUNDLE" });
  }
  const tsx = await import("tsx/esm/api");
  tsx.register();
  register(SOURCE_HOOKS, import.meta.url);
}

/** Entry `name` of the package: dist/<name>.mjs when fresh, else its TypeScript source through tsx. */
export async function importEntry(name) {
  if (bundleIsFresh()) return import(pathToFileURL(join(ROOT, "dist", `${name}.mjs`)).href);
  await useSources();
  return import(pathToFileURL(join(ROOT, ENTRIES[name])).href);
}
