// Where tsbpf's own files are: the package root (found by walking up to tsbpf's package.json, so that the same
// code works from the sources and from the bundled dist/) and the declarations folder the compiler checks against.

import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, "utf8")) as { name?: string }).name === "tsbpf") return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error("tsbpf: cannot find the package root (package.json named tsbpf)");
    dir = up;
  }
}

export const PACKAGE_ROOT = findRoot();
export const PACKAGE_VERSION = (JSON.parse(readFileSync(join(PACKAGE_ROOT, "package.json"), "utf8")) as { version: string }).version;
export const STDLIB_DIR = join(PACKAGE_ROOT, "stdlib-types");
