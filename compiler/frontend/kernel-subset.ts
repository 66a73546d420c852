// stdlib-types/kernel.d.ts as one program needs it: the text of the whole file (177 kernel structs, 220 KB, for
// editors) and the words of the program's files in, a declaration file out that keeps, of each struct a field
// access can reach, only the fields those words name. Parsing and binding the whole file added 150 ms to every
// cold compile; a tracer names a handful of fields. Line-based, on the generator's own layout (btf-types.ts):
// `export interface X {` ... `}` with one member per line, or an inline type over several lines.

/** One declaration of the file: an interface's members, or another declaration kept whole. */
interface Declaration {
  readonly name: string;
  /** The first line (`export interface task_struct {`), or the whole text for other declarations. */
  readonly head: string;
  /** An interface's members, each with its lines. */
  readonly members?: readonly { readonly name: string; readonly text: string }[];
}

interface Parsed {
  readonly preamble: string;
  readonly declarations: ReadonlyMap<string, Declaration>;
}

const cache = new Map<string, Parsed>();

function parse(text: string): Parsed {
  const hit = cache.get(text);
  if (hit) return hit;
  const lines = text.split("\n");
  const declarations = new Map<string, Declaration>();
  let i = 0;
  let preamble = "";
  while (i < lines.length && !lines[i]!.startsWith("export ")) preamble += `${lines[i++]}\n`;
  while (i < lines.length) {
    const line = lines[i]!;
    const iface = /^export interface (\w+) \{$/.exec(line);
    if (iface) {
      const members: { name: string; text: string }[] = [];
      i++;
      while (i < lines.length && lines[i] !== "}") {
        // A member: one line, or an inline type whose braces close on a later line.
        let text = `${lines[i]}\n`;
        const name = /^\s+(?:readonly\s+)?(\[?[\w$]+\]?)/.exec(lines[i]!)?.[1] ?? "";
        let depth = braces(lines[i]!);
        i++;
        while (depth > 0 && i < lines.length) {
          depth += braces(lines[i]!);
          text += `${lines[i++]}\n`;
        }
        members.push({ name, text });
      }
      i++; // the closing brace
      declarations.set(iface[1]!, { name: iface[1]!, head: line, members });
      continue;
    }
    const other = /^export (?:type|declare const|const) (\w+)/.exec(line);
    if (other) {
      // A declaration over one line (type aliases of integers): kept whole.
      let text = `${line}\n`;
      i++;
      while (i < lines.length && !text.trimEnd().endsWith(";") && lines[i] !== "") text += `${lines[i++]}\n`;
      declarations.set(other[1]!, { name: other[1]!, head: text });
      continue;
    }
    i++;
  }
  const parsed = { preamble, declarations };
  cache.set(text, parsed);
  return parsed;
}

function braces(line: string): number {
  let n = 0;
  for (const c of line) n += c === "{" ? 1 : c === "}" ? -1 : 0;
  return n;
}

/**
 * The declarations of `text` that `words` (every identifier of the program's files) can reach: the structs they
 * name, `task_struct` (what `bpf.currentTask()` returns), and through the fields they name, the structs those
 * fields' types name. A struct keeps its brand and the fields named; other declarations are kept whole.
 */
export function kernelSubset(text: string, words: ReadonlySet<string>): string {
  const { preamble, declarations } = parse(text);
  const wanted = ["task_struct", ...[...words].filter((w) => declarations.has(w))];
  const kept = new Map<string, string>();
  while (wanted.length) {
    const name = wanted.pop()!;
    if (kept.has(name)) continue;
    const d = declarations.get(name);
    if (!d) continue;
    if (!d.members) {
      kept.set(name, d.head);
      continue;
    }
    const members = d.members.filter((m) => m.name.startsWith("[") || words.has(m.name));
    for (const m of members) for (const ref of m.text.matchAll(/\b[A-Za-z_]\w*\b/g)) if (declarations.has(ref[0]) && !kept.has(ref[0])) wanted.push(ref[0]);
    kept.set(name, `${d.head}\n${members.map((m) => m.text).join("")}}\n`);
  }
  // Integer aliases (pid_t...) are small and named by fields: all of them.
  for (const d of declarations.values()) if (!d.members && !kept.has(d.name)) kept.set(d.name, d.head);
  return `${preamble}${[...kept.values()].join("\n")}`;
}
