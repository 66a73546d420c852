// Preloaded with `node --import`: records every module the process loads, one URL or path per line, in the file
// $TSBPF_MODULE_LOG: ES modules as the loader resolves them (a hook on the loader's thread), and at exit every
// CommonJS module in require's cache (TypeScript is CommonJS, loaded by ts-morph). A test reads the file to prove
// what a command did not load.
import { appendFileSync } from "node:fs";
import { createRequire, register } from "node:module";

const log = process.env.TSBPF_MODULE_LOG;
if (log) {
  const hooks = `
    import { appendFileSync } from "node:fs";
    export async function resolve(specifier, context, next) {
      const r = await next(specifier, context);
      if (!r.url.startsWith("data:")) appendFileSync(${JSON.stringify(log)}, r.url + "\\n");
      return r;
    }`;
  register(`data:text/javascript,${encodeURIComponent(hooks)}`);
  const cache = createRequire(import.meta.url).cache;
  process.on("exit", () => appendFileSync(log, Object.keys(cache).map((p) => `${p}\n`).join("")));
}
