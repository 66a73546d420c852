// Running tsbpf from its TypeScript sources, when dist/ does not match them (bin/fresh.js): tsx's loader, and the
// tsbpf-source export condition on every import. Only bin/tsbpf.js (and tests) import this file; the bundle never
// does, so tsx, a development dependency, stays out of it.
import { existsSync, readFileSync } from "node:fs";
import { createRequire, register } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ENTRIES, ROOT, bundleIsFresh } from "./fresh.js";

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
