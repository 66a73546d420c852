// USDT probes: a usdt AttachSpec (binary, provider, name, optional pid) and a writer of spec records in; a Link out
// that holds one uprobe per site of the probe. As libbpf does: the binary's `.note.stapsdt` notes give each site's
// file offset, semaphore and argument specs (core/usdt.ts); each site's decoded specs go into a record of the
// tracer's `.usdt_specs` map, and the program is attached at the site with that record's index as its bpf_cookie
// (a bpf_link on a perf event, 5.15), which the compiled `ctx.arg(i)` looks up. A semaphore is given to the kernel
// as the uprobe's reference counter (4.20), which it increments in the process while the probe is attached.

import { existsSync, readFileSync } from "node:fs";
import type { AttachOf } from "../../../core/probes.ts";
import { USDT_MAX_SITES, UsdtError, describeUsdtProbe, encodeUsdtSpec, parseUsdtArgs, usdtProbes } from "../../../core/usdt.ts";
import { ElfError } from "../elf.ts";
import { BpfError, NotFoundError, UnsupportedFeatureError } from "../errors.ts";
import type { Kernel } from "../kernel.ts";
import { resolveBinary } from "../libs.ts";
import { type Link, OwnedLink } from "./link.ts";
import { havePerfLink } from "./perf-event.ts";
import { attachUprobe } from "./uprobe.ts";

/** Hands out the records of a tracer's `.usdt_specs` map: writes one and returns its index, the site's cookie. */
export interface UsdtSpecWriter {
  write(spec: Uint8Array, site: string): bigint;
}

/** A writer over `update(index, record)` (the map's), refusing past the map's USDT_MAX_SITES records. */
export function usdtSpecWriter(update: (index: number, spec: Uint8Array) => void): UsdtSpecWriter {
  let next = 0;
  return {
    write(spec, site) {
      if (next >= USDT_MAX_SITES) {
        throw new BpfError(`cannot attach ${site}: the tracer's USDT probes have more than ${USDT_MAX_SITES} sites`, `attach ${site}`,
          "probe fewer USDT probes, or give a pid so that only one process's sites are attached");
      }
      update(next, spec);
      return BigInt(next++);
    },
  };
}

export interface UsdtAttachOptions {
  readonly specs: UsdtSpecWriter | undefined;
  readonly legacy?: boolean;
}

/** Attaches `progFd` at every site of the USDT probe `a`. */
export function attachUsdt(k: Kernel, progFd: number, a: AttachOf<"usdt">, opts: UsdtAttachOptions): Link {
  const label = `usdt:${a.target}:${a.provider}:${a.name}`;
  const what = `attach ${label}`;
  const path = resolveBinary(a.target, a.pid !== undefined ? { pid: a.pid } : {});
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new ElfError(`cannot read ${path}: ${(e as Error).message}`, path);
  }
  let all;
  try {
    all = usdtProbes(bytes, path);
  } catch (e) {
    if (e instanceof UsdtError) throw new ElfError(e.message, path, e.hint);
    throw e;
  }
  const sites = all.filter((p) => p.provider === a.provider && p.name === a.name);
  if (!sites.length) {
    const names = [...new Set(all.map(describeUsdtProbe))];
    throw new NotFoundError(`no USDT probe ${a.provider}:${a.name} in ${path}`, what, [],
      names.length ? `its probes: ${names.slice(0, 10).join(", ")}${names.length > 10 ? ", ..." : ""} (tsbpf list 'usdt:${path}')` : `${path} has no USDT probes (no .note.stapsdt notes)`);
  }
  if (!opts.specs) throw new BpfError(`${what}: the tracer has no USDT spec map (compiled by an older tsbpf?)`, what, "rebuild the tracer");
  if (!havePerfLink(k)) {
    throw new UnsupportedFeatureError("bpf_link on perf events", "USDT arguments are found through the attachment's cookie",
      "USDT probes need Linux 5.15 or later");
  }
  if (sites.some((s) => s.semaphore !== 0n) && !opts.legacy && !existsSync(`${k.eventSourceRoot}/uprobe/format/ref_ctr_offset`)) {
    throw new UnsupportedFeatureError("reference-counted uprobes", `${a.provider}:${a.name} has a semaphore for the kernel to set`, "USDT semaphores need Linux 4.20 or later");
  }
  const arch = process.arch === "arm64" ? "aarch64" : "x86_64";
  const links: Link[] = [];
  try {
    for (const site of sites) {
      const where = `${label} at 0x${site.offset.toString(16)}`;
      let args;
      try {
        args = parseUsdtArgs(site.args, arch);
      } catch (e) {
        if (e instanceof UsdtError) throw new BpfError(`cannot attach ${where}: ${e.message}`, what, e.hint);
        throw e;
      }
      const cookie = opts.specs.write(encodeUsdtSpec(args), where);
      links.push(attachUprobe(k, progFd, {
        target: path, offset: Number(site.offset), retprobe: false, cookie,
        ...(site.semaphoreOffset !== 0n ? { refCtrOffset: site.semaphoreOffset } : {}),
        ...(a.pid !== undefined ? { pid: a.pid } : {}),
        ...(opts.legacy ? { legacy: true } : {}),
      }));
    }
  } catch (e) {
    for (const l of links.reverse()) {
      try {
        l.close();
      } catch {
        // The original error matters more.
      }
    }
    throw e;
  }
  const description = `usdt ${path}:${a.provider}:${a.name} (${sites.length} site${sites.length === 1 ? "" : "s"}${a.pid !== undefined ? `, pid ${a.pid}` : ""})`;
  const mechanism = [...new Set(links.map((l) => l.mechanism))].join("; ");
  return new OwnedLink(description, mechanism, links.map((l) => ({ run: () => l.close(), runAsync: () => (l.closeAsync ? l.closeAsync() : Promise.resolve(l.close())) })));
}
