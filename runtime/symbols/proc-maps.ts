// A process's memory mappings: the text of /proc/PID/maps in, the executable mappings out (address range, file
// offset, device and inode, path, and whether the file was deleted since it was mapped).

/** One executable mapping of a process. */
export interface Mapping {
  /** [start, end) in the process's address space. */
  readonly start: number;
  readonly end: number;
  /** The file offset mapped at `start`. */
  readonly offset: number;
  /** "08:01" as maps prints it (major:minor, hex). */
  readonly dev: string;
  readonly inode: number;
  /** The file's path as mapped, without maps' ` (deleted)` suffix; `""` for anonymous memory, `[vdso]` and the like. */
  readonly path: string;
  /** The file was deleted or replaced after it was mapped: only /proc/PID/map_files still reaches it. */
  readonly deleted: boolean;
  /** The text maps prints for the range: `55d0c0a00000-55d0c0a01000`, the name of its /proc/PID/map_files link. */
  readonly range: string;
}

/** Whether a mapping is anonymous memory (where JIT compilers put their code) rather than a file. */
export function isAnonymous(m: Mapping): boolean {
  return m.inode === 0 && (m.path === "" || m.path.startsWith("[anon"));
}

/** Parses /proc/PID/maps, keeping the executable mappings, sorted by address (maps lists them so). */
export function parseMaps(text: string): Mapping[] {
  const out: Mapping[] = [];
  for (const line of text.split("\n")) {
    // start-end perms offset dev inode [path]; the path may contain spaces, so it is the rest of the line.
    const m = /^([0-9a-f]+)-([0-9a-f]+)\s+(\S{4})\s+([0-9a-f]+)\s+(\S+)\s+(\d+)\s*(.*)$/.exec(line);
    if (!m || m[3]![2] !== "x") continue;
    let path = m[7]!;
    const deleted = path.endsWith(" (deleted)");
    if (deleted) path = path.slice(0, -" (deleted)".length);
    out.push({
      start: parseInt(m[1]!, 16), end: parseInt(m[2]!, 16), offset: parseInt(m[4]!, 16), dev: m[5]!,
      inode: Number(m[6]!), path, deleted, range: `${m[1]}-${m[2]}`,
    });
  }
  return out;
}

/** The mapping containing `address` (a sorted list), or undefined. */
export function findMapping(maps: readonly Mapping[], address: number): Mapping | undefined {
  let lo = 0, hi = maps.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const m = maps[mid]!;
    if (address < m.start) hi = mid - 1;
    else if (address >= m.end) lo = mid + 1;
    else return m;
  }
  return undefined;
}
