// tracefs: where it is (mounting it when root and it is not), tracepoint ids and formats, the list of events, and
// the legacy kprobe_events/uprobe_events interface. Paths in, ids, parsed formats and errors with suggestions out.

import { appendFileSync, existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { type TracepointFormat, parseFormat } from "../../core/tracefs-format.ts";
import { BpfError, NotFoundError, closest } from "./errors.ts";


const CANDIDATES = ["/sys/kernel/tracing", "/sys/kernel/debug/tracing"];

export class Tracefs {
  private constructor(readonly root: string) {}

  /**
   * Finds tracefs. If it is not mounted and `mount` is given (the process is root), mounts it at
   * /sys/kernel/tracing first: a fresh system often has the mount point but not the mount.
   */
  static locate(mount?: (target: string) => void): Tracefs {
    for (const c of CANDIDATES) if (existsSync(join(c, "events"))) return new Tracefs(c);
    const target = CANDIDATES[0]!;
    if (mount && existsSync(target)) {
      try {
        mount(target);
      } catch (e) {
        throw new BpfError(`tracefs is not mounted and mounting it at ${target} failed: ${(e as Error).message}`, "find tracefs",
          `mount it: mount -t tracefs nodev ${target}`);
      }
      if (existsSync(join(target, "events"))) return new Tracefs(target);
    }
    throw new BpfError("tracefs is not mounted", "find tracefs", `mount it as root: mount -t tracefs nodev ${target}`);
  }

  /** A Tracefs at a known root (tests use a fake directory tree). */
  static at(root: string): Tracefs {
    return new Tracefs(root);
  }

  categories(): string[] {
    return readdirSync(join(this.root, "events"), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  }

  events(category: string): string[] {
    const dir = join(this.root, "events", category);
    if (!existsSync(dir)) return [];
    return readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  }

  /** The perf event id of tracepoint category/name; NotFoundError with the closest names when it does not exist. */
  eventId(category: string, name: string): number {
    const file = join(this.root, "events", category, name, "id");
    try {
      return Number(readFileSync(file, "utf8").trim());
    } catch {
      throw this.notFound(category, name);
    }
  }

  format(category: string, name: string): TracepointFormat {
    const file = join(this.root, "events", category, name, "format");
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      throw this.notFound(category, name);
    }
    return parseFormat(category, text);
  }

  private notFound(category: string, name: string): NotFoundError {
    const cats = this.categories();
    let suggestions: string[];
    if (!cats.includes(category)) {
      const near = closest(category, cats);
      suggestions = near.flatMap((c) => (this.events(c).includes(name) ? [`${c}/${name}`] : [])).concat(near.map((c) => `${c}/...`)).slice(0, 3);
    } else {
      suggestions = closest(name, this.events(category)).map((n) => `${category}/${n}`);
    }
    return new NotFoundError(`no tracepoint ${category}/${name}`, `attach tracepoint ${category}/${name}`, suggestions,
      `list them with: ls ${join(this.root, "events", category)}`);
  }

  /** Lines of kprobe_events or uprobe_events (the legacy, pre-PMU probe interface). */
  probeEvents(kind: "kprobe" | "uprobe"): string[] {
    const file = join(this.root, `${kind}_events`);
    if (!existsSync(file)) return [];
    return readFileSync(file, "utf8").split("\n").filter((l) => l.trim());
  }

  hasProbeEvents(kind: "kprobe" | "uprobe"): boolean {
    return existsSync(join(this.root, `${kind}_events`));
  }

  /** Appends one definition (`p:group/name path:0x1234`) or removal (`-:group/name`) to kprobe_events/uprobe_events. */
  writeProbeEvent(kind: "kprobe" | "uprobe", line: string): void {
    appendFileSync(join(this.root, `${kind}_events`), `${line}\n`);
  }
}
