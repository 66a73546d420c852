// Fills dist/v8, V8's code cache of the TypeScript compiler (compiler/v8-cache.ts), by compiling a sample with the
// bundle: the first cold `tsbpf run` then deserializes TypeScript's code instead of compiling it (~0.4 s). Run by
// cli/bundle.ts after a build, and by npm when it installs the package (postinstall: a packed package does not ship
// dist/v8, whose entries name the machine's files). Never fails: without it, the first compile fills the user's cache.
import { spawnSync } from "node:child_process";
import { existsSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ROOT, bundleMatchesSources } from "./fresh.js";

export function warmCodeCache(root = ROOT) {
  const dist = join(root, "dist");
  // A checkout's `npm install` runs this before its prepare step has built dist/: nothing to warm yet.
  if (!bundleMatchesSources(root)) return;
  const warm = join(dist, `.warm-${process.pid}`);
  try {
    spawnSync(process.execPath, [join(root, "bin", "tsbpf.js"), "build", join(root, "samples", "runqlat.ts"), "-o", join(warm, "runqlat.txt")], {
      env: { ...process.env, TSBPF_CACHE_DIR: warm, TSBPF_NO_BUNDLE: "" },
      stdio: "ignore",
      timeout: 120_000,
    });
    if (existsSync(join(warm, "v8"))) {
      rmSync(join(dist, "v8"), { recursive: true, force: true });
      renameSync(join(warm, "v8"), join(dist, "v8"));
    }
  } catch {
    // A read-only package directory: no shared code cache.
  } finally {
    rmSync(warm, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) warmCodeCache();
