// A tracer module's user side as one ES module: the tracer's path in; its code (main, format, the top-level code
// that constructs its maps, its local imports and the packages it imports, bundled by esbuild, TypeScript stripped)
// out, with `tsbpf` and `tsbpf/testing` left as the placeholder specifiers of core/object/artifact.ts. `tsbpf run`
// imports it through runtime/user/module.ts, which points them at the runtime that runs it; `tsbpf build -o
// x.tsbpf` ships it. So the module resolves `tsbpf` wherever its file lives, inside a project or not.

import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { USER_SIDE_REQUIRE, USER_SIDE_RUNTIME, USER_SIDE_TESTING } from "../core/object/artifact.ts";

/** The module could not be bundled (a missing import, a syntax error esbuild sees): one line per problem. */
export class UserSideError extends Error {
  override readonly name = "UserSideError";
}

export interface UserBundleOptions {
  /**
   * The `import.meta.url` the code sees: the source file's URL by default (a run on this machine); a compiled
   * tracer shipped elsewhere has no such file, and keeps the URL it was built from.
   */
  readonly importMetaUrl?: string;
  /** Inline a source map (the TypeScript file and line in stack traces); on unless false. */
  readonly sourceMap?: boolean;
}

export async function bundleUserSide(file: string, options: UserBundleOptions = {}): Promise<string> {
  const first = await bundle(file, options, false);
  // esbuild's ESM output reaches bundled CommonJS packages' require() through its __require, which needs a `require`
  // in scope; the banner makes one, only when needed (a module may declare its own).
  return first.includes("__require") ? bundle(file, options, true) : first;
}

async function bundle(file: string, options: UserBundleOptions, withRequire: boolean): Promise<string> {
  const { build } = await import("esbuild");
  const url = options.importMetaUrl ?? pathToFileURL(file).href;
  const outfile = join(dirname(resolve(file)), "user-side.mjs");
  let result;
  try {
    result = await build({
      entryPoints: [file],
      outfile,
      bundle: true,
      write: false,
      format: "esm",
      platform: "node",
      target: "node20",
      logLevel: "silent",
      sourcemap: options.sourceMap === false ? false : "external",
      sourcesContent: false,
      ...(withRequire ? { banner: { js: USER_SIDE_REQUIRE } } : {}),
      // The bundle is loaded from elsewhere: what the module asks of its own location is its source file's.
      define: {
        "import.meta.url": JSON.stringify(url),
        "import.meta.filename": JSON.stringify(url.startsWith("file:") ? fileURLToPath(url) : url),
        "import.meta.dirname": JSON.stringify(url.startsWith("file:") ? dirname(fileURLToPath(url)) : url),
      },
      plugins: [{
        name: "tsbpf-runtime",
        setup(b) {
          b.onResolve({ filter: /^tsbpf(\/testing)?$/ }, (args) => ({ path: args.path === "tsbpf" ? USER_SIDE_RUNTIME : USER_SIDE_TESTING, external: true }));
        },
      }],
    });
  } catch (e) {
    const errors = (e as { errors?: { text: string; location?: { file: string; line: number; column: number } | null }[] }).errors;
    if (!errors?.length) throw e;
    throw new UserSideError(errors.map((m) => `${m.location ? `${resolve(m.location.file)}:${m.location.line}:${m.location.column + 1} - ` : ""}error: ${m.text}`).join("\n"));
  }
  const code = result.outputFiles.find((f) => f.path.endsWith(".mjs"))!.text;
  const map = result.outputFiles.find((f) => f.path.endsWith(".map"));
  if (!map) return code;
  // Sources as absolute file URLs (esbuild writes them relative to the output file, which is never where the bundle
  // runs from), inline: stack traces through the module name the TypeScript file and line.
  const m = JSON.parse(map.text) as { sources: string[] };
  m.sources = m.sources.map((src) => pathToFileURL(resolve(dirname(outfile), src)).href);
  const body = code.replace(/\/\/# sourceMappingURL=\S+\s*$/, "");
  return `${body}//# sourceMappingURL=data:application/json;base64,${Buffer.from(JSON.stringify(m)).toString("base64")}\n`;
}
