// Builds dist/: the command line bundled into a few ES modules (esbuild), so that `tsbpf run` starts without a
// TypeScript loader (~0.2 s saved) and without resolving hundreds of small modules; and dist/types/, the declarations
// of `tsbpf/testing`, so that a user's project type-checks against .d.ts files rather than the package's TypeScript
// sources (whose `.ts` import paths an ordinary `nodenext` project refuses: TS5097). Records a fingerprint of the
// sources; bin/fresh.js (the command and the package entries) uses dist/ only while the sources still match it. Run
// by `npm install` and `npm pack` (prepare).

import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { build } from "esbuild";
import { ENTRIES, contentFingerprint, sourceFingerprint } from "../bin/fresh.js";
import { PACKAGE_ROOT } from "../compiler/paths.ts";

const out = join(PACKAGE_ROOT, "dist");
rmSync(out, { recursive: true, force: true });
await build({
  entryPoints: Object.fromEntries(Object.entries(ENTRIES).map(([name, src]) => [name, join(PACKAGE_ROOT, src)])),
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  outdir: out,
  outExtension: { ".js": ".mjs" },
  // koffi is a native module; ts-morph is large and only needed when compiling (it stays a lazy import); tsx
  // (loading a tool's TypeScript user side) resolves files relative to its own package.
  external: ["koffi", "ts-morph", "tsx"],
  // The compiler's `import { ts } from "ts-morph"` loads the TypeScript inside ts-morph with require(), through V8's
  // code cache (compiler/typescript.ts): a cold start's largest cost.
  alias: { "ts-morph": join(PACKAGE_ROOT, "compiler", "typescript.ts") },
  logLevel: "warning",
  banner: { js: "import { createRequire as __tsbpfRequire } from 'node:module'; const require = __tsbpfRequire(import.meta.url);" },
});
writeFileSync(join(out, "fingerprint.json"), JSON.stringify({ sources: sourceFingerprint(), content: contentFingerprint() }) + "\n");

// V8's code cache of the TypeScript compiler (compiler/v8-cache.ts), filled by compiling a sample with the bundle, so
// that the first `tsbpf run` starts as fast as later ones. Its entries name this machine's files: not packed.
const warm = join(out, ".warm");
spawnSync(process.execPath, [join(PACKAGE_ROOT, "bin", "tsbpf.js"), "build", join(PACKAGE_ROOT, "samples", "runqlat.ts"), "-o", join(warm, "runqlat.txt")],
  { env: { ...process.env, TSBPF_CACHE_DIR: warm }, stdio: "ignore" });
if (existsSync(join(warm, "v8"))) renameSync(join(warm, "v8"), join(out, "v8"));
rmSync(warm, { recursive: true, force: true });
writeFileSync(join(out, ".npmignore"), "v8/\n");

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
