// load() (the package's API) on a path that is no tracer file: a TypeError naming the file and the problem, before
// the compiler runs (it used to throw a raw ENOENT from compile()). Nothing here reaches the kernel.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { load } from "../../load.ts";

async function failure(path: string | URL): Promise<Error> {
  try {
    await load(path, { cache: false });
  } catch (e) {
    return e as Error;
  }
  throw new assert.Assertion({ message: `load(${path}) did not fail`, generated: false, operator: "throws", expects: "", actual: "" });
}

const dir = mkdtempSync(join(tmpdir(), "tsbpf-load-"));

test("a missing file: 'no such file' with its path", async () => {
  const e = await failure(join(dir, "missing.ts"));
  assert.instance(e, TypeError);
  assert.is(e.message, `load(): ${join(dir, "missing.ts")}: no such file`);
  assert.not.match(e.message, "ENOENT");
});

test("a directory, and a path through a file", async () => {
  assert.is((await failure(dir)).message, `load(): ${dir}: is a directory, not a tracer file`);
  writeFileSync(join(dir, "plain"), "");
  assert.is((await failure(join(dir, "plain", "x.ts"))).message, `load(): ${join(dir, "plain", "x.ts")}: a part of the path is not a directory`);
});

test("a relative missing path is reported resolved, with where relative paths start and how to name a module's neighbour", async () => {
  const e = await failure("missing-guard2.ts");
  assert.is(e.message, `load(): ${join(process.cwd(), "missing-guard2.ts")}: no such file (a relative path is resolved against the working directory, ${process.cwd()}; for a file beside your module, pass new URL("./name.ts", import.meta.url))`);
});

test("a URL names a file beside the calling module", async () => {
  const e = await failure(new URL("./missing-beside.ts", import.meta.url));
  assert.is(e.message, `load(): ${join(dirname(fileURLToPath(import.meta.url)), "missing-beside.ts")}: no such file`);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
