// Builds dist/: the command line and the package's entries bundled (esbuild), so that `tsbpf run` starts without a
// TypeScript loader (~0.2 s saved) and without resolving hundreds of small modules, and so that `import "tsbpf"` and
// `require("tsbpf")` need no TypeScript loader either; and dist/types/, the declarations of `tsbpf/testing`, so that a
// user's project type-checks against .d.ts files rather than the package's TypeScript sources (whose `.ts` import
// paths an ordinary `nodenext` project refuses: TS5097). Records a fingerprint of the sources: bin/tsbpf.js uses
// dist/ only while the sources still match it, and the entries refuse to run stale. Run by `npm run build`, and by
// `npm install` and `npm pack` (prepare).
//
// What package.json's exports point at:
//   dist/index.mjs, dist/testing.mjs   ES modules sharing their chunks with dist/cli.mjs: the CLI and a tool module it
//                                      imports see one runtime (runtime/user's registry of the tool's map objects).
//                                      Also what require() gets on Node >= 20.19 (require(esm), condition module-sync).
//   dist/index.cjs, dist/testing.cjs   CommonJS, for require() where Node cannot require ES modules (Node < 20.19) and
//                                      for Jest-style loaders: both entries are views of one bundle (dist/tsbpf.cjs),
//                                      a second copy of the runtime beside the ES modules'.

import { readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, relative, resolve, sep } from "node:path";
import { build, type BuildOptions, type Metafile, type Plugin } from "esbuild";
import { ENTRIES, contentFingerprint, sourceFingerprint } from "../bin/fresh.js";
import { warmCodeCache } from "../bin/warm.js";
import { PACKAGE_ROOT } from "../compiler/paths.ts";

const final = join(PACKAGE_ROOT, "dist");
// Built beside dist/ and swapped in at the end: a `tsbpf` started meanwhile finds the old bundle or the new, whole.
const out = join(PACKAGE_ROOT, `dist.tmp-${process.pid}`);
rmSync(out, { recursive: true, force: true });
process.on("exit", () => rmSync(out, { recursive: true, force: true }));
// Taken before the sources are read: a source edited during the build makes the result stale, not wrongly fresh.
const fingerprint = { sources: sourceFingerprint(), content: contentFingerprint() };

// The entries of `tsbpf` and `tsbpf/testing` first check that the bundle matches the sources (bin/fresh.js), then are
// the TypeScript modules' exports; the CommonJS bundle holds both under `index` and `testing`.
const at = (file: string) => JSON.stringify(join(PACKAGE_ROOT, file));
const VIRTUAL: Record<string, string> = {
  guard: `import { assertBundleFresh } from ${at("bin/fresh.js")};\nimport { PACKAGE_ROOT } from ${at("compiler/paths.ts")};\nassertBundleFresh(PACKAGE_ROOT);\n`,
  index: `import "tsbpf-entry:guard";\nexport * from ${at(ENTRIES.index)};\n`,
  testing: `import "tsbpf-entry:guard";\nexport * from ${at(ENTRIES.testing)};\n`,
  cjs: `import "tsbpf-entry:guard";\nexport * as index from ${at(ENTRIES.index)};\nexport * as testing from ${at(ENTRIES.testing)};\n`,
};
const entries: Plugin = {
  name: "tsbpf-entries",
  setup(b) {
    b.onResolve({ filter: /^tsbpf-entry:/ }, (a) => ({ path: a.path.slice("tsbpf-entry:".length), namespace: "tsbpf-entry" }));
    b.onLoad({ filter: /.*/, namespace: "tsbpf-entry" }, (a) => ({ contents: VIRTUAL[a.path]!, loader: "js", resolveDir: PACKAGE_ROOT }));
  },
};

// koffi is a native module; ts-morph is large and only needed when compiling (it stays a lazy import); esbuild
// (bundling a tool's user side) runs its own binary, found relative to its package. Everything else (zod) is bundled.
const external = ["koffi", "ts-morph", "esbuild"];
const common: BuildOptions & { metafile: true } = { bundle: true, platform: "node", target: "node20", external, logLevel: "warning", plugins: [entries], metafile: true };
const esm = await build({
  ...common,
  entryPoints: { cli: join(PACKAGE_ROOT, ENTRIES.cli), index: "tsbpf-entry:index", testing: "tsbpf-entry:testing" },
  splitting: true,
  format: "esm",
  outdir: out,
  outExtension: { ".js": ".mjs" },
  // The compiler's `import { ts } from "ts-morph"` loads the TypeScript inside ts-morph with require(), through V8's
  // code cache (compiler/typescript.ts): a cold start's largest cost.
  alias: { "ts-morph": join(PACKAGE_ROOT, "compiler", "typescript.ts") },
  banner: { js: "import { createRequire as __tsbpfRequire } from 'node:module'; const require = __tsbpfRequire(import.meta.url);" },
});
const cjs = await build({
  ...common,
  entryPoints: { tsbpf: "tsbpf-entry:cjs" },
  format: "cjs",
  outdir: out,
  outExtension: { ".js": ".cjs" },
  // CommonJS has no import.meta: the bundle's own URL stands for it (compiler/paths.ts finds the package from it).
  define: { "import.meta.url": "__tsbpfImportMetaUrl" },
  banner: { js: 'var __tsbpfImportMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
});
for (const name of ["index", "testing"]) {
  writeFileSync(join(out, `${name}.cjs`), [
    `// tsbpf${name === "index" ? "" : `/${name}`} for require() where Node cannot require ES modules, and for Jest-style loaders.`,
    '"use strict";',
    `module.exports = require("./tsbpf.cjs").${name};`,
    "",
  ].join("\n"));
}
writeFileSync(join(out, "fingerprint.json"), JSON.stringify(fingerprint) + "\n");

// Whatever the bundle leaves to `require`/`import` at run time must be a dependency: an installed package has nothing
// else (devDependencies, such as zod, which is bundled, are not installed).
const pkg = JSON.parse(readFileSync(join(PACKAGE_ROOT, "package.json"), "utf8")) as { dependencies?: Record<string, string> };
const builtins = new Set(builtinModules);
const packageOf = (path: string) => path.split("/").slice(0, path.startsWith("@") ? 2 : 1).join("/");
const missing = new Set<string>();
for (const meta of [esm.metafile, cjs.metafile] satisfies Metafile[]) {
  for (const o of Object.values(meta.outputs)) {
    for (const i of o.imports) {
      if (!i.external || i.path.startsWith("node:") || builtins.has(i.path)) continue;
      if (!pkg.dependencies?.[packageOf(i.path)]) missing.add(packageOf(i.path));
    }
  }
}
if (missing.size) throw new Error(`the bundle imports ${[...missing].join(", ")} at run time: not in package.json's dependencies`);

// dist/v8 is not packed (its entries name this machine's files; an install fills its own: bin/warm.js), nor are
// bin/fresh.js's stamps of a verified bundle.
writeFileSync(join(out, ".npmignore"), "v8/\n.verified-*\n");

// ---- declarations of tsbpf/testing -------------------------------------------------------------------------------

const types = join(out, "types");
const { Project, ts } = await import("ts-morph");
const project = new Project({
  compilerOptions: {
    declaration: true, emitDeclarationOnly: true, allowImportingTsExtensions: true, skipLibCheck: true, strict: true,
    module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022,
    rootDir: PACKAGE_ROOT, outDir: types, types: ["node"],
  },
});
project.addSourceFileAtPath(join(PACKAGE_ROOT, "testing.ts"));
project.resolveSourceFileDependencies();
const emitted = project.emitSync({ emitOnlyDtsFiles: true });
if (emitted.getEmitSkipped()) throw new Error("declarations of tsbpf/testing: emit skipped");
// Declaration emit keeps the sources' `.ts` import paths: each becomes `.js` (which resolves to the `.d.ts` beside
// it), and the hand-written declarations of `tsbpf` (stdlib-types/) are the package's own, not a copy.
const stdlib = join(PACKAGE_ROOT, "stdlib-types");
const rewrite = (file: string) => {
  const text = readFileSync(file, "utf8").replace(/((?:from|import)\s*\(?\s*)(["'])(\.{1,2}\/[^"']+)\2/g, (_m, pre: string, q: string, spec: string) => {
    let target = resolve(dirname(file), spec.replace(/\.ts$/, ".js"));
    const inTypes = relative(types, target);
    if (inTypes.startsWith(`stdlib-types${sep}`)) target = join(stdlib, inTypes.slice("stdlib-types".length + 1));
    let rel = relative(dirname(file), target).split(sep).join("/");
    if (!rel.startsWith(".")) rel = `./${rel}`;
    return `${pre}${q}${rel}${q}`;
  });
  writeFileSync(file, text);
};
const walk = (d: string): void => {
  for (const e of readdirSync(d, { withFileTypes: true })) {
    const p = join(d, e.name);
    if (e.isDirectory()) walk(p);
    else if (e.name.endsWith(".d.ts")) rewrite(p);
  }
};
walk(types);

rmSync(`${final}.old-${process.pid}`, { recursive: true, force: true });
try {
  renameSync(final, `${final}.old-${process.pid}`);
} catch (e) {
  if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
}
renameSync(out, final);
rmSync(`${final}.old-${process.pid}`, { recursive: true, force: true });

// V8's code cache of the TypeScript compiler, filled by compiling a sample with the new bundle, so that the first
// cold `tsbpf run` starts as fast as later ones.
warmCodeCache(PACKAGE_ROOT);
