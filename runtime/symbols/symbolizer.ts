// The symbolizer: captured addresses (kernel, or a process's) in, one Frame per address out, from /proc/kallsyms,
// the process's /proc/PID/maps and the ELF files behind its mappings, and its perf map for JIT code.
//
// Everything is read lazily and cached: the kernel's table once; a process's mappings at its first lookup (or at
// remember(), for a process about to exit); each mapped file once per (device, inode, mtime), however many processes
// map it. remember() is cheap (a run calls it for every process it sees, while they live): it keeps the mappings, the
// perf map and an open file descriptor on each mapped file not yet parsed, and the files are parsed, through those
// descriptors, only when a stack is printed. Files are read through /proc/PID/map_files, so a binary deleted or replaced since it was mapped is still
// the one symbolized. Nothing here throws for a file that is missing or unreadable: its frames are `[unknown]`.

import { closeSync, openSync, readFileSync, statSync } from "node:fs";
import type { Frame, Symbolizer } from "./types.ts";
import { type KallsymsSource, type KallsymsTable, readKallsyms } from "./kallsyms.ts";
import { type FunctionTable, type LoadSegment, findDebugFile, functionTable, loadSegments, virtualAddress } from "./elf-symbols.ts";
import { type Mapping, findMapping, isAnonymous, parseMaps } from "./proc-maps.ts";
import { PerfMap, SourceMaps, parseJitName } from "./perf-map.ts";
import { demangle } from "./demangle.ts";
import { readElf } from "../kernel/elf.ts";

/** Where symbols come from, for tests and unusual systems; the defaults read the running system. */
export interface SymbolizerOptions extends KallsymsSource {
  /** Directories searched for separate debug files before /usr/lib/debug (by build-id and `.gnu_debuglink`). */
  readonly debugDirs?: readonly string[];
  /** Where /proc is (tests only). */
  readonly proc?: string;
}

/** A parsed ELF file: what lookups need of it, without its bytes. */
interface ElfEntry {
  readonly table: FunctionTable;
  readonly segments: readonly LoadSegment[];
}

/** What is known of one process. */
interface ProcessView {
  maps: Mapping[];
  mapsText: string;
  /** Per mapping (range and inode): its file's entry, null when it cannot be read or parsed. */
  readonly files: Map<string, ElfEntry | null>;
  perfMap: PerfMap | undefined;
  perfMapPath: string | undefined;
  perfMapSize: number;
  readonly sources: SourceMaps;
}

/** Creates a symbolizer; see Symbolizer in types.ts. */
export function createSymbolizer(options: SymbolizerOptions = {}): Symbolizer {
  return new SystemSymbolizer(options);
}

class SystemSymbolizer implements Symbolizer {
  #kernel: KallsymsTable | undefined;
  readonly #processes = new Map<number, ProcessView>();
  /** Parsed files by "dev:inode:mtime", shared by every process that maps them. */
  readonly #elves = new Map<string, ElfEntry | null>();
  /** Files remember() kept open, not parsed yet, by "dev:inode:mtime": the descriptor to parse them through. */
  readonly #held = new Map<string, number>();
  /** What a remembered mapping ("range:inode" of a process) is, by "dev:inode:mtime". */
  readonly #heldBy = new Map<string, string>();
  readonly #debugDirs: readonly string[];
  readonly #proc: string;

  constructor(private readonly options: SymbolizerOptions) {
    this.#debugDirs = [...(options.debugDirs ?? []), "/usr/lib/debug"];
    this.#proc = options.proc ?? "/proc";
  }

  kernel(addresses: readonly bigint[]): Frame[] {
    this.#kernel ??= readKallsyms(this.options);
    const table = this.#kernel;
    return addresses.map((address) => {
      const hit = table.lookup(address);
      if (!hit) return { address, origin: "kernel" };
      const frame = { address, symbol: hit.name, offset: hit.offset, origin: "kernel" as const };
      return hit.module === undefined ? frame : { ...frame, module: hit.module };
    });
  }

  user(pid: number, addresses: readonly bigint[]): Frame[] {
    let view = this.#processes.get(pid);
    if (!view) this.#processes.set(pid, (view = this.#read(pid)));
    let refreshed = false;
    return addresses.map((address) => {
      let frame = this.#frame(pid, view, address);
      // A live process maps libraries and compiles code after we first looked: on a miss, look again (once a call).
      if (frame.symbol === undefined && !refreshed) {
        refreshed = true;
        if (this.#refresh(pid, view)) frame = this.#frame(pid, view, address);
      }
      return frame;
    });
  }

  remember(pid: number): void {
    let view = this.#processes.get(pid);
    if (!view) this.#processes.set(pid, (view = this.#read(pid)));
    else this.#refresh(pid, view);
    for (const m of view.maps) if (isFile(m)) this.#hold(pid, view, m);
    // Scripts' source maps too: JIT frames are mapped to their sources when printed, after the process is gone.
    if (view.perfMap) {
      for (const raw of view.perfMap.names) {
        const where = parseJitName(raw).location?.file;
        if (where?.startsWith("/")) view.sources.load(where);
      }
    }
  }

  forgetExited(keep: number): void {
    if (this.#processes.size <= keep) return;
    for (const pid of this.#processes.keys()) if (!statOf(`${this.#proc}/${pid}`)) this.#processes.delete(pid);
  }

  #read(pid: number): ProcessView {
    const mapsText = readText(`${this.#proc}/${pid}/maps`) ?? "";
    const root = `${this.#proc}/${pid}/root`;
    const view: ProcessView = {
      maps: parseMaps(mapsText), mapsText, files: new Map(), perfMap: undefined, perfMapPath: undefined, perfMapSize: -1,
      sources: new SourceMaps((p) => (statOf(`${root}${p}`) ? `${root}${p}` : p)),
    };
    this.#readPerfMap(pid, view);
    return view;
  }

  /** Re-reads the mappings and the perf map where they changed; true when anything did. */
  #refresh(pid: number, view: ProcessView): boolean {
    let changed = false;
    const text = readText(`${this.#proc}/${pid}/maps`);
    if (text !== undefined && text !== view.mapsText) {
      view.maps = parseMaps(text);
      view.mapsText = text;
      changed = true;
    }
    return this.#readPerfMap(pid, view) || changed;
  }

  /** Reads the process's perf map if it is new or has grown; true when it did. */
  #readPerfMap(pid: number, view: ProcessView): boolean {
    // A process in a container writes /tmp/perf-<its own pid>.map in its own root.
    const nspid = readText(`${this.#proc}/${pid}/status`)?.match(/^NSpid:\s*(.*)$/m)?.[1]?.trim().split(/\s+/).at(-1);
    const candidates = [...(nspid ? [`${this.#proc}/${pid}/root/tmp/perf-${nspid}.map`] : []), `/tmp/perf-${pid}.map`];
    for (const path of candidates) {
      const st = statOf(path);
      if (!st) continue;
      if (path === view.perfMapPath && st.size === view.perfMapSize) return false;
      const text = readText(path);
      if (text === undefined) continue;
      view.perfMap = new PerfMap(text);
      view.perfMapPath = path;
      view.perfMapSize = st.size;
      return true;
    }
    return false;
  }

  #frame(pid: number, view: ProcessView, address: bigint): Frame {
    const a = Number(address);
    const m = findMapping(view.maps, a);
    if (m && isFile(m)) {
      const elf = this.#file(pid, view, m);
      const va = elf ? virtualAddress(elf.segments, a - m.start + m.offset) : undefined;
      const hit = va === undefined ? undefined : elf!.table.lookup(va);
      if (hit) return { address, symbol: demangle(hit.name), offset: BigInt(hit.offset), module: m.path, origin: "user" };
    }
    // JIT code lives in anonymous memory; a perf map may also name code in a file's mapping that has no symbol there.
    const jit = view.perfMap?.lookup(a);
    if (jit) {
      const { name, location } = parseJitName(jit.raw);
      const frame = { address, symbol: name, offset: BigInt(a - jit.start), module: "[jit]", origin: "jit" as const };
      if (!location) return frame;
      const source = location.file.startsWith("/") ? view.sources.original(location.file, location.line, location.column) : undefined;
      return { ...frame, source: source ?? location };
    }
    return m && m.path && !isAnonymous(m) ? { address, module: m.path, origin: "user" } : { address, origin: "user" };
  }

  /** Keeps the mapped file open for a later #file() (nothing when it is parsed, or held, already). */
  #hold(pid: number, view: ProcessView, m: Mapping): void {
    const key = `${pid}:${m.range}:${m.inode}`;
    if (view.files.has(`${m.range}:${m.inode}`) || this.#heldBy.has(key) || this.#held.size >= MAX_HELD) return;
    const path = `${this.#proc}/${pid}/map_files/${m.range}`;
    const st = statOf(path);
    if (!st) return;
    const id = `${st.dev}:${st.ino}:${st.mtimeMs}`;
    this.#heldBy.set(key, id);
    if (this.#elves.has(id) || this.#held.has(id)) return;
    try {
      this.#held.set(id, openSync(path, "r"));
    } catch {
      // Not ours to read: #file() tries the paths then.
    }
  }

  /** The parsed file behind a mapping (cached per mapping, and per file across processes), or null. */
  #file(pid: number, view: ProcessView, m: Mapping): ElfEntry | null {
    const key = `${m.range}:${m.inode}`;
    const known = view.files.get(key);
    if (known !== undefined) return known;
    const heldId = this.#heldBy.get(`${pid}:${key}`);
    if (heldId !== undefined) {
      let parsed = this.#elves.get(heldId);
      const fd = this.#held.get(heldId);
      if (parsed === undefined && fd !== undefined) {
        this.#elves.set(heldId, (parsed = this.#parse(pid, `/proc/self/fd/${fd}`, m.path)));
        this.#held.delete(heldId);
        closeSync(fd);
      }
      if (parsed !== undefined) {
        view.files.set(key, parsed);
        return parsed;
      }
    }
    let entry: ElfEntry | null = null;
    // The mapped inode itself (a deleted or replaced file included), then the path inside the process's root, then
    // the path here; a path whose inode is not the mapped one is another file.
    const candidates = [`${this.#proc}/${pid}/map_files/${m.range}`, `${this.#proc}/${pid}/root${m.path}`, m.path];
    for (const path of candidates) {
      const st = statOf(path);
      if (!st || (st.ino !== m.inode && !path.includes("/map_files/"))) continue;
      const id = `${st.dev}:${st.ino}:${st.mtimeMs}`;
      let cached = this.#elves.get(id);
      if (cached === undefined) this.#elves.set(id, (cached = this.#parse(pid, path, m.path)));
      entry = cached;
      break;
    }
    view.files.set(key, entry);
    return entry;
  }

  #parse(pid: number, path: string, mappedPath: string): ElfEntry | null {
    try {
      const elf = readElf(path);
      const files = [elf];
      if (!elf.hasSymtab) {
        const root = `${this.#proc}/${pid}/root`;
        const debug = findDebugFile(elf, mappedPath, this.#debugDirs, (p) => [`${root}${p}`, p]);
        if (debug) files.push(debug);
      }
      return { table: functionTable(files), segments: loadSegments(elf) };
    } catch {
      return null;
    }
  }
}

/** Files remember() keeps open at most: beyond, a process's files are read by path when printed. */
const MAX_HELD = 4096;

/** A mapping of a file (not anonymous memory nor `[vdso]`, `[stack]`...). */
function isFile(m: Mapping): boolean {
  return m.path.startsWith("/") && !isAnonymous(m);
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

function statOf(path: string): { dev: number; ino: number; mtimeMs: number; size: number } | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}
