// JIT code: a perf map file's text (`START SIZE name` per line, hex, as Node's --perf-basic-prof and the JVM's
// agents write /tmp/perf-PID.map) in; the entry covering an address out, with Node's names cleaned into a function
// name and a script location, mapped through the script's source map to the original (TypeScript) file and line.

import { readFileSync } from "node:fs";
import { SourceMap } from "node:module";
import { dirname, isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** A perf map entry covering an address. */
export interface PerfMapHit {
  /** The name as the map writes it (`JS:*fib /app/x.js:3:13`). */
  readonly raw: string;
  readonly start: number;
}

/** A perf map, sorted by start address. Later lines win where code was reused (V8 moves and frees code). */
export class PerfMap {
  readonly #starts: Float64Array;
  readonly #ends: Float64Array;
  readonly #line: Uint32Array;
  readonly #names: string[];

  constructor(text: string) {
    const rows: { start: number; end: number; name: string; line: number }[] = [];
    let line = 0;
    for (const l of text.split("\n")) {
      line++;
      const sp1 = l.indexOf(" "), sp2 = sp1 < 0 ? -1 : l.indexOf(" ", sp1 + 1);
      if (sp2 < 0) continue;
      const start = parseInt(l.slice(0, sp1), 16), size = parseInt(l.slice(sp1 + 1, sp2), 16);
      if (!Number.isFinite(start) || !Number.isFinite(size) || size <= 0) continue;
      rows.push({ start, end: start + size, name: l.slice(sp2 + 1), line });
    }
    rows.sort((a, b) => a.start - b.start || a.line - b.line);
    this.#starts = Float64Array.from(rows, (r) => r.start);
    this.#ends = Float64Array.from(rows, (r) => r.end);
    this.#line = Uint32Array.from(rows, (r) => r.line);
    this.#names = rows.map((r) => r.name);
  }

  get size(): number {
    return this.#starts.length;
  }

  /** Every entry's name as written. */
  get names(): readonly string[] {
    return this.#names;
  }

  /** The newest entry containing `address`, or undefined. */
  lookup(address: number): PerfMapHit | undefined {
    const s = this.#starts;
    let lo = 0, hi = s.length - 1, found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (s[mid]! <= address) (found = mid), (lo = mid + 1);
      else hi = mid - 1;
    }
    let best = -1;
    // Entries are short (functions); an older, longer one may still cover the address from a little further back.
    for (let i = found, n = 0; i >= 0 && n < 64; i--, n++) {
      if (address < this.#ends[i]! && (best < 0 || this.#line[i]! > this.#line[best]!)) best = i;
    }
    return best < 0 ? undefined : { raw: this.#names[best]!, start: s[best]! };
  }
}

/** A perf map name taken apart. */
export interface JitName {
  /** The function's name (`fib`; `(anonymous)` for a nameless JS function); the raw text for a non-JS entry. */
  readonly name: string;
  /** The script location V8 gives (the function's start, 1-based). */
  readonly location?: { readonly file: string; readonly line: number; readonly column?: number };
}

// V8's code kinds: `JS:` (Node 20), `LazyCompile:`, `Function:`, `Script:`, `Eval:` (older V8), followed by a tier
// mark (`~` interpreted, `^` baseline, `+` Maglev, `*` optimized), the name, a space and `file:line:column`.
const V8_JS = /^(?:JS|LazyCompile|Function|Script|Eval|InterpretedFunction):([~^+*-]?)(.*)$/;
const LOCATION = /^(.*?):(\d+)(?::(\d+))?$/;

/** Cleans a perf map name: V8's JS entries become the function name and its script location; others stay as written. */
export function parseJitName(raw: string): JitName {
  const m = V8_JS.exec(raw);
  if (!m) return { name: raw };
  const rest = m[2]!;
  const sp = rest.lastIndexOf(" ");
  const where = LOCATION.exec(sp < 0 ? rest : rest.slice(sp + 1));
  // `JS:~ /app/x.js:1:1` (a script's top level) has an empty name; `JS:*get x /a.js:2:3` a name with a space.
  const name = (where ? (sp < 0 ? "" : rest.slice(0, sp)) : rest).trim() || "(anonymous)";
  if (!where) return { name };
  let file = where[1]!;
  if (file.startsWith("file://")) {
    try {
      file = fileURLToPath(file);
    } catch {
      // Keep the URL as written.
    }
  }
  const location = where[3] ? { file, line: Number(where[2]), column: Number(where[3]) } : { file, line: Number(where[2]) };
  return { name, location };
}

/** A source location. */
export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly column?: number;
}

/**
 * Source maps of scripts, read once per script: a `//# sourceMappingURL=` comment (a data: URL or a file relative to
 * the script) or a `.map` file beside it. `reach` turns a script's path into one this process can read (a
 * container's root prefixed); `read` reads a file (tests may replace it).
 */
export class SourceMaps {
  readonly #maps = new Map<string, { map: SourceMap; base: string } | undefined>();
  constructor(private readonly reach: (path: string) => string = (p) => p) {}

  /** Reads `script`'s source map now (for a process about to exit); cheap when read already. */
  load(script: string): void {
    if (this.#maps.has(script)) return;
    this.#maps.set(script, this.#read(script));
  }

  /** The original location of a 1-based line and column of `script`, or undefined when it has no source map. */
  original(script: string, line: number, column = 1): SourceLocation | undefined {
    this.load(script);
    const sm = this.#maps.get(script);
    if (!sm) return undefined;
    const e = sm.map.findEntry(line - 1, Math.max(0, column - 1)) as Partial<{
      generatedLine: number; originalSource: string; originalLine: number; originalColumn: number;
    }>;
    // findEntry gives the nearest mapping at or before the position, which may be on an earlier line: only a
    // mapping on the same generated line says where this line came from.
    if (e.originalSource === undefined || e.originalLine === undefined || e.generatedLine !== line - 1) return undefined;
    let file = e.originalSource;
    if (file.startsWith("file://")) file = fileURLToPath(file);
    else if (!isAbsolute(file) && !/^[a-z]+:/i.test(file)) file = resolve(sm.base, file);
    return { file, line: e.originalLine + 1, column: (e.originalColumn ?? 0) + 1 };
  }

  #read(script: string): { map: SourceMap; base: string } | undefined {
    const text = readText(this.reach(script));
    if (text === undefined) return undefined;
    // The last sourceMappingURL comment counts (a bundle may contain others inside strings before it).
    const all = [...text.matchAll(/\/\/[#@]\s*sourceMappingURL=(\S+)\s*$/gm)];
    const url = all.at(-1)?.[1];
    let payload: string | undefined, mapPath: string | undefined;
    if (url?.startsWith("data:")) {
      const comma = url.indexOf(",");
      const head = url.slice(5, comma);
      const body = url.slice(comma + 1);
      payload = head.endsWith(";base64") ? Buffer.from(body, "base64").toString("utf8") : decodeURIComponent(body);
    } else {
      mapPath = url ? (url.startsWith("file://") ? fileURLToPath(url) : resolve(dirname(script), url)) : `${script}.map`;
      payload = readText(this.reach(mapPath));
    }
    if (payload === undefined) return undefined;
    try {
      const json = JSON.parse(payload) as { sourceRoot?: string };
      const base = resolve(dirname(mapPath ?? script), json.sourceRoot ?? "");
      return { map: new SourceMap(json as ConstructorParameters<typeof SourceMap>[0]), base };
    } catch {
      return undefined;
    }
  }
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}
