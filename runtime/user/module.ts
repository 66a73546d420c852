// Importing a tracer's bundled user side (compiler/user-bundle.ts, or a .tsbpf file's): its code in; the module
// namespace out, evaluated afresh, with `tsbpf` and `tsbpf/testing` resolved to the runtime this process runs (the
// bundle in dist/ or the TypeScript sources), so that the maps the module constructs are this runtime's objects.
// The module is loaded from a file in the per-user cache, named by its content (kept: the next run of the same
// tracer finds it), so that Node applies its source map to stack traces; where the cache cannot be written, from a
// data: URL.

import { createHash } from "node:crypto";
import { existsSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { USER_SIDE_REQUIRE, USER_SIDE_REQUIRE_FROM, USER_SIDE_RUNTIME, USER_SIDE_TESTING } from "../../core/object/artifact.ts";
import { cacheDir, makeDir } from "../../core/cache-dir.ts";

/** The package entries of the runtime running this code: dist/index.mjs beside a bundled copy, index.ts for the sources. */
export function runtimeEntries(here: string = import.meta.url): { readonly runtime: string; readonly testing: string } {
  if (/\/dist\/[^/]+\.mjs$/.test(here)) return { runtime: new URL("./index.mjs", here).href, testing: new URL("./testing.mjs", here).href };
  return { runtime: new URL("../../index.ts", here).href, testing: new URL("../../testing.ts", here).href };
}

let imports = 0;

/**
 * Evaluates `code` as an ES module, once per call. `origin` (the .tsbpf file or the tracer's source) is where the
 * module's CommonJS parts (bundled packages) resolve Node's built-ins from when it has to run from a data: URL.
 */
export async function importUserSide<T>(code: string, origin: string): Promise<T> {
  const { runtime, testing } = runtimeEntries();
  const linked = code.replaceAll(JSON.stringify(USER_SIDE_RUNTIME), JSON.stringify(runtime)).replaceAll(JSON.stringify(USER_SIDE_TESTING), JSON.stringify(testing));
  const n = ++imports;
  const file = stored(linked);
  // A query makes each import a new module instance: the module's top level runs again (its maps are constructed anew).
  if (file) return (await import(`${pathToFileURL(file).href}?import=${n}`)) as T;
  // A data: URL is no base for require(): the origin's URL stands in.
  const fromData = linked.replace(USER_SIDE_REQUIRE, USER_SIDE_REQUIRE.replace(USER_SIDE_REQUIRE_FROM, JSON.stringify(pathToFileURL(origin).href)));
  return (await import(`data:text/javascript;base64,${Buffer.from(`${fromData}\n// import ${n}\n`).toString("base64")}`)) as T;
}

/** `code` as <cache>/user-side/<sha256>.mjs, written if missing; undefined when it cannot be. */
function stored(code: string): string | undefined {
  try {
    const dir = join(cacheDir(), "user-side");
    const file = join(dir, `${createHash("sha256").update(code).digest("hex")}.mjs`);
    if (existsSync(file)) return file;
    makeDir(dir);
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, code);
    renameSync(tmp, file);
    return file;
  } catch {
    return undefined;
  }
}
