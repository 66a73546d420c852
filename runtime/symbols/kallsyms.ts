// Kernel symbols: /proc/kallsyms text (and /proc/modules, for where each module's code ends) in; a sorted address
// table out, which turns a kernel address into the text symbol containing it, its offset and its module.
//
// kallsyms gives no sizes: a text symbol is taken to run until the next symbol of any kind (data symbols, and
// `_etext`, bound the text), and a module's last symbol until the end of the module's core layout as /proc/modules
// gives it. An address below the first symbol, inside a data symbol or past the end of its module has no symbol.

import { readFileSync } from "node:fs";

/** What a kernel address resolved to. */
export interface KernelSymbol {
  readonly name: string;
  readonly offset: bigint;
  /** The module (`ext4`, `bpf`), undefined for the kernel image. */
  readonly module?: string;
}

/** A module's loaded code: [base, base + size). */
export interface ModuleRange {
  readonly name: string;
  readonly base: bigint;
  readonly size: bigint;
}

/** The kernel's symbols, sorted by address. */
export class KallsymsTable {
  readonly #addresses: BigUint64Array;
  readonly #names: string[];
  /** Index into #modules + 1; 0 for the kernel image. */
  readonly #module: Uint16Array;
  readonly #text: Uint8Array;
  readonly #modules: string[];
  readonly #moduleEnd = new Map<string, bigint>();

  constructor(kallsyms: string, modules: readonly ModuleRange[] = []) {
    const rows: { address: bigint; name: string; module: number; text: boolean }[] = [];
    const moduleIndex = new Map<string, number>();
    this.#modules = [];
    for (const line of kallsyms.split("\n")) {
      // "ffffffff81000000 T _stext" or "ffffffffc0a01000 t ext4_fill_super\t[ext4]"
      const sp1 = line.indexOf(" ");
      if (sp1 <= 0 || line.charCodeAt(sp1 + 2) !== 0x20) continue;
      const type = line[sp1 + 1]!;
      const rest = line.slice(sp1 + 3);
      const tab = rest.indexOf("\t");
      const name = tab < 0 ? rest : rest.slice(0, tab);
      let module = 0;
      if (tab >= 0) {
        const m = /^\[([^\]]+)\]/.exec(rest.slice(tab + 1).trim());
        if (m) {
          let i = moduleIndex.get(m[1]!);
          if (i === undefined) {
            this.#modules.push(m[1]!);
            moduleIndex.set(m[1]!, (i = this.#modules.length));
          }
          module = i;
        }
      }
      let address: bigint;
      try {
        address = BigInt("0x" + line.slice(0, sp1));
      } catch {
        continue;
      }
      // Without CAP_SYSLOG (kptr_restrict) every address reads 0: no table rather than one wrong symbol for all.
      if (address === 0n) continue;
      rows.push({ address, name, module, text: type === "t" || type === "T" || type === "w" || type === "W" });
    }
    // Stable: of symbols sharing an address, the first listed wins (the function before its aliases `_stext`...).
    rows.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
    this.#addresses = new BigUint64Array(rows.length);
    this.#names = new Array<string>(rows.length);
    this.#module = new Uint16Array(rows.length);
    this.#text = new Uint8Array(rows.length);
    rows.forEach((r, i) => {
      this.#addresses[i] = r.address;
      this.#names[i] = r.name;
      this.#module[i] = r.module;
      this.#text[i] = r.text ? 1 : 0;
    });
    for (const m of modules) this.#moduleEnd.set(m.name, m.base + m.size);
  }

  /** How many symbols the table holds (0 when kallsyms was unreadable or its addresses hidden). */
  get size(): number {
    return this.#addresses.length;
  }

  /** The text symbol containing `address`, or undefined. */
  lookup(address: bigint): KernelSymbol | undefined {
    const a = this.#addresses;
    let lo = 0, hi = a.length - 1, found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (a[mid]! <= address) (found = mid), (lo = mid + 1);
      else hi = mid - 1;
    }
    if (found < 0) return undefined;
    // The first of the symbols at this address (the sort kept file order among them).
    while (found > 0 && a[found - 1] === a[found]) found--;
    if (!this.#text[found]) return undefined;
    const mod = this.#module[found]!;
    const module = mod ? this.#modules[mod - 1] : undefined;
    if (module !== undefined) {
      const end = this.#moduleEnd.get(module);
      if (end !== undefined && address >= end) return undefined;
    }
    const name = this.#names[found]!, offset = address - a[found]!;
    return module === undefined ? { name, offset } : { name, offset, module };
  }
}

/** Parses /proc/modules lines ("ext4 1036288 3 - Live 0xffffffffc0a00000"). */
export function parseModules(text: string): ModuleRange[] {
  const out: ModuleRange[] = [];
  for (const line of text.split("\n")) {
    const f = line.trim().split(/\s+/);
    if (f.length < 6 || !/^0x[0-9a-f]+$/i.test(f[5]!)) continue;
    const base = BigInt(f[5]!);
    if (base !== 0n) out.push({ name: f[0]!, base, size: BigInt(f[1]!) });
  }
  return out;
}

/** Where the kernel's symbols come from: the running kernel's files by default, or text given by a test. */
export interface KallsymsSource {
  /** A kallsyms file to read instead of /proc/kallsyms, or its text. */
  readonly kallsyms?: { readonly path: string } | { readonly text: string };
  /** A modules file to read instead of /proc/modules, or its text. */
  readonly modules?: { readonly path: string } | { readonly text: string };
}

/** Reads the kernel's symbols; unreadable files give an empty table (every address `[unknown]`), never a throw. */
export function readKallsyms(source: KallsymsSource = {}): KallsymsTable {
  const text = (s: { readonly path: string } | { readonly text: string } | undefined, fallback: string): string => {
    if (s && "text" in s) return s.text;
    try {
      return readFileSync(s?.path ?? fallback, "utf8");
    } catch {
      return "";
    }
  };
  // A kallsyms text given without a modules file means a fixture: the running kernel's modules do not apply.
  const modules = source.kallsyms && !source.modules ? "" : text(source.modules, "/proc/modules");
  return new KallsymsTable(text(source.kallsyms, "/proc/kallsyms"), parseModules(modules));
}
