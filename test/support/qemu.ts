// A second kernel for tests: Debian's packaged cloud kernel booted under qemu-system-x86_64 with TCG. In: the files a
// guest needs (tsbpf's bundle, Node, busybox, compiled tracers, a workload, an /init script); out: the serial
// console's text, cut into the sections /init marks. Packages come from the distribution's archive through apt
// (`apt-get download`, unpacked with `dpkg-deb -x`) and are cached by package version under the tsbpf cache directory,
// so only the first run downloads. The initramfs is a cpio archive ("newc") written here, uncompressed; its temporary
// directory is removed on every path unless TSBPF_QEMU_KEEP is set (docs/testing.md, "A second kernel").

import { execFileSync, spawn, spawnSync } from "node:child_process";
import {
  closeSync, copyFileSync, existsSync, lstatSync, mkdtempSync, openSync, readFileSync, readdirSync, realpathSync,
  renameSync, rmSync, writeSync,
} from "node:fs";
import { arch, tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { cacheDir, makeDir } from "../../core/cache-dir.ts";

export const QEMU = "qemu-system-x86_64";

const onPath = (cmd: string): boolean => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;

/** Why a second kernel cannot be booted here (with what to install), or undefined when it can. */
export function qemuMissing(): string | undefined {
  if (process.platform !== "linux" || arch() !== "x64") return `the guest is x86_64 with this machine's Node, and this machine is ${process.platform}/${arch()}`;
  if (!onPath(QEMU)) return `${QEMU} is not installed (apt-get install qemu-system-x86)`;
  for (const [cmd, pkg] of [["apt-get", "apt"], ["apt-cache", "apt"], ["dpkg-deb", "dpkg"], ["gcc", "gcc"], ["ldd", "libc-bin"]]) {
    if (!onPath(cmd!)) return `${cmd} is not installed (${pkg})`;
  }
  return undefined;
}

// ---- packages from the archive ----------------------------------------------------------------------------------

/** A Debian package as the archive offers it now: its name and the version `apt-get download` fetches. */
export interface DebianPackage {
  readonly name: string;
  readonly version: string;
}

function apt(cmd: string, args: readonly string[], cwd?: string): string {
  const r = spawnSync(cmd, args, { encoding: "utf8", ...(cwd ? { cwd } : {}) });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")}: ${(r.stderr || r.stdout || String(r.error)).trim()}`);
  return r.stdout;
}

/** The candidate version of package `name`, or undefined when apt knows no such package. */
function candidate(name: string): string | undefined {
  const r = spawnSync("apt-cache", ["show", "--no-all-versions", name], { encoding: "utf8" });
  return r.status === 0 ? /^Version: (\S+)$/m.exec(r.stdout)?.[1] : undefined;
}

/**
 * The kernel to boot: the newest `linux-image-6.1.0-N-cloud-amd64` the archive has (the design notes checked
 * 6.1.0-57: kprobes, BTF and BPF trampolines built in), else the one the `linux-image-cloud-amd64` meta package
 * depends on (another 6.x: the caller says which it booted). Throws, saying to run `apt-get update`, when apt knows
 * neither.
 */
export function kernelPackage(): DebianPackage {
  const found = apt("apt-cache", ["search", "--names-only", "^linux-image-6\\.1\\.0-[0-9]+-cloud-amd64$"])
    .split("\n").map((l) => /^(linux-image-6\.1\.0-(\d+)-cloud-amd64) /.exec(l)).filter((m) => m !== null)
    .sort((a, b) => Number(b[2]) - Number(a[2]));
  let name = found[0]?.[1];
  if (name === undefined) {
    const deps = spawnSync("apt-cache", ["depends", "linux-image-cloud-amd64"], { encoding: "utf8" }).stdout ?? "";
    name = /Depends: (linux-image-\S+-cloud-amd64)$/m.exec(deps)?.[1];
  }
  const version = name === undefined ? undefined : candidate(name);
  if (name === undefined || version === undefined) {
    throw new Error("apt knows no linux-image-6.1.0-*-cloud-amd64 nor linux-image-cloud-amd64: run apt-get update (Debian's archive)");
  }
  return { name, version };
}

/** busybox-static: the guest's shell and tools, one static binary. */
export function busyboxPackage(): DebianPackage {
  const version = candidate("busybox-static");
  if (version === undefined) throw new Error("apt knows no busybox-static: run apt-get update (Debian's archive)");
  return { name: "busybox-static", version };
}

/** The cache directory of one package version (a version's `:` and `~` are not kept in the name). */
function packageCache(p: DebianPackage): string {
  return join(cacheDir(), "second-kernel", `${p.name}_${p.version.replace(/[^A-Za-z0-9.+-]/g, "_")}`);
}

/**
 * Downloads package `p` (`apt-get download`), unpacks it (`dpkg-deb -x`) and copies the file `pick` chooses from it
 * into the cache as `as`; returns the cached path. Already cached: no download. The file is renamed into place, so a
 * run that stops halfway leaves nothing a later run would take for whole.
 */
export function cachedPackageFile(p: DebianPackage, as: string, pick: (root: string) => string): string {
  const dir = packageCache(p);
  const out = join(dir, as);
  if (existsSync(out)) return out;
  makeDir(dir);
  const work = mkdtempSync(join(dir, ".download-"));
  try {
    // As root, apt drops to its _apt user to download, which cannot write into a 0700 temporary directory.
    apt("apt-get", ["download", "-q", "-o", "APT::Sandbox::User=root", `${p.name}=${p.version}`], work);
    const deb = readdirSync(work).find((f) => f.endsWith(".deb"));
    if (!deb) throw new Error(`apt-get download ${p.name}=${p.version} left no .deb`);
    apt("dpkg-deb", ["-x", join(work, deb), join(work, "root")]);
    copyFileSync(pick(join(work, "root")), join(work, as));
    renameSync(join(work, as), out);
    return out;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The kernel image (`/boot/vmlinuz-*` of the package), cached. */
export function kernelImage(p: DebianPackage): string {
  return cachedPackageFile(p, "vmlinuz", (root) => {
    const image = readdirSync(join(root, "boot")).find((f) => f.startsWith("vmlinuz-"));
    if (!image) throw new Error(`${p.name} has no /boot/vmlinuz-*`);
    return join(root, "boot", image);
  });
}

/** The static busybox binary, cached. */
export function busyboxBinary(p: DebianPackage): string {
  return cachedPackageFile(p, "busybox", (root) => join(root, "bin", "busybox"));
}

// ---- the initramfs ------------------------------------------------------------------------------------------------

const S_IFDIR = 0o040000, S_IFREG = 0o100000, S_IFLNK = 0o120000, S_IFCHR = 0o020000;

/**
 * A cpio archive in the "newc" format the kernel unpacks as its initramfs (Documentation/driver-api/early-userspace/
 * buffer-format.rst), written to a file as entries are added. A path's parent directories are added before it.
 */
export class Cpio {
  readonly #fd: number;
  readonly #dirs = new Set<string>(["", "."]);
  readonly #copied = new Set<string>();
  #ino = 1;
  #offset = 0;
  #closed = false;

  constructor(readonly path: string) {
    this.#fd = openSync(path, "w");
  }

  #write(b: Uint8Array): void {
    writeSync(this.#fd, b);
    this.#offset += b.length;
    const pad = (4 - (this.#offset % 4)) % 4;
    if (pad) {
      writeSync(this.#fd, new Uint8Array(pad));
      this.#offset += pad;
    }
  }

  #entry(name: string, mode: number, data: Uint8Array, rdev: readonly [number, number] = [0, 0]): void {
    if (this.#closed) throw new Error("the archive is closed");
    const nameBytes = Buffer.from(`${name}\0`);
    const fields = [this.#ino++, mode, 0, 0, mode & S_IFDIR ? 2 : 1, 0, data.length, 0, 0, rdev[0], rdev[1], nameBytes.length, 0];
    this.#write(Buffer.concat([Buffer.from(`070701${fields.map((f) => f.toString(16).padStart(8, "0")).join("")}`), nameBytes]));
    if (data.length) this.#write(data);
  }

  #parents(path: string): string {
    const name = path.replace(/^\/+/, "");
    const parts = name.split("/");
    for (let i = 1; i < parts.length; i++) this.dir(parts.slice(0, i).join("/"));
    return name;
  }

  dir(path: string, mode = 0o755): void {
    const name = path.replace(/^\/+|\/+$/g, "");
    if (this.#dirs.has(name)) return;
    this.#parents(name);
    this.#dirs.add(name);
    this.#entry(name, S_IFDIR | mode, new Uint8Array());
  }

  file(path: string, data: Uint8Array | string, mode = 0o644): void {
    this.#entry(this.#parents(path), S_IFREG | mode, typeof data === "string" ? Buffer.from(data) : data);
  }

  /** The file at `from` on this machine (a symlink followed), with its permission bits, at `path` (once). */
  copy(from: string, path: string): void {
    if (this.#copied.has(path)) return;
    this.#copied.add(path);
    this.file(path, readFileSync(from), lstatSync(realpathSync(from)).mode & 0o777);
  }

  symlink(path: string, target: string): void {
    this.#entry(this.#parents(path), S_IFLNK | 0o777, Buffer.from(target));
  }

  charDevice(path: string, major: number, minor: number, mode = 0o600): void {
    this.#entry(this.#parents(path), S_IFCHR | mode, new Uint8Array(), [major, minor]);
  }

  /** Writes the trailer and closes the file. */
  close(): void {
    if (this.#closed) return;
    this.#entry("TRAILER!!!", 0, new Uint8Array());
    this.#closed = true;
    closeSync(this.#fd);
  }

  /** Closes the file without a trailer (on a failed build: the caller removes it). */
  abandon(): void {
    if (this.#closed) return;
    this.#closed = true;
    closeSync(this.#fd);
  }
}

/** The program at `path` on this machine, at the same path, with every shared library `ldd` lists and the loader. */
export function addProgram(cpio: Cpio, path: string): void {
  cpio.copy(path, path);
  for (const line of execFileSync("ldd", [path], { encoding: "utf8" }).split("\n")) {
    // "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)", or the loader alone: "/lib64/ld-linux-x86-64.so.2 (0x...)"
    const lib = /=> (\/\S+)/.exec(line)?.[1] ?? /^\s*(\/\S+)/.exec(line)?.[1];
    if (lib) cpio.copy(lib, lib);
  }
}

/**
 * What loading the dist/ modules that import koffi reads from node_modules: a child Node imports them with a load
 * hook that logs every ES module (koffi's entry for `import`, and what it imports), then adds what CommonJS's
 * `require` cached (the native module for this platform, required by path). Real paths, as Node loads them.
 */
function koffiFiles(root: string, log: string): string[] {
  const dist = join(root, "dist");
  const entries = readdirSync(dist).filter((f) => f.endsWith(".mjs") && /from "koffi"|require\("koffi"\)/.test(readFileSync(join(dist, f), "utf8")));
  if (!entries.length) throw new Error(`no module of ${dist} imports koffi`);
  const hook = `import { appendFileSync } from "node:fs";
export async function load(url, context, next) { appendFileSync(${JSON.stringify(log)}, url + "\\n"); return next(url, context); }`;
  const script = `
import { createRequire, register } from "node:module";
import { pathToFileURL } from "node:url";
register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hook)}`)});
for (const e of ${JSON.stringify(entries.map((f) => join(dist, f)))}) await import(pathToFileURL(e).href);
process.stdout.write(JSON.stringify(Object.keys(createRequire(import.meta.url).cache)));`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`importing koffi from ${dist} failed: ${r.stderr}`);
  const esm = readFileSync(log, "utf8").split("\n").filter((u) => u.startsWith("file:")).map((u) => fileURLToPath(u));
  return [...new Set([...esm, ...(JSON.parse(r.stdout) as string[])].map((f) => realpathSync(f)))];
}

/**
 * tsbpf's bundle (dist/ but its type declarations, and package.json of `root`) at `at`, with the files of node_modules
 * that loading koffi reads (koffiFiles) and the package.json of each package they belong to (module resolution reads
 * them). The TypeScript compiler stays out: a compiled tracer runs without it. `scratch`: a directory for a log.
 */
export function addBundle(cpio: Cpio, root: string, at: string, scratch: string): void {
  for (const f of readdirSync(join(root, "dist"), { recursive: true, withFileTypes: true })) {
    if (f.isFile() && !f.name.endsWith(".d.ts")) cpio.copy(join(f.parentPath, f.name), join(at, relative(root, join(f.parentPath, f.name))));
  }
  cpio.copy(join(root, "package.json"), join(at, "package.json"));
  const modules = realpathSync(join(root, "node_modules"));
  const packages = new Set<string>();
  for (const f of koffiFiles(root, join(scratch, "koffi-modules.log"))) {
    if (!f.startsWith(`${modules}/`)) continue; // dist/'s own modules, copied above
    cpio.copy(f, join(at, "node_modules", relative(modules, f)));
    for (let d = dirname(f); d.startsWith(`${modules}/`); d = dirname(d)) {
      if (existsSync(join(d, "package.json"))) {
        packages.add(d);
        break;
      }
    }
  }
  if (!packages.size) throw new Error(`loading koffi read nothing from ${modules}`);
  for (const d of packages) cpio.copy(join(d, "package.json"), join(at, "node_modules", relative(modules, d), "package.json"));
}

// ---- booting ------------------------------------------------------------------------------------------------------

export interface BootOptions {
  readonly kernel: string;
  readonly initramfs: string;
  /** Stop the machine after this long (TCG on a loaded 2-core machine is slow: be generous). */
  readonly timeoutMs: number;
  /** Guest memory in MiB: the initramfs (Node is about 100 MB) is unpacked into it. */
  readonly memoryMiB?: number;
}

export interface BootResult {
  /** Everything the serial console printed, with the tty's `\r` taken out. */
  readonly console: string;
  readonly exitCode: number | null;
  readonly timedOut: boolean;
  /** From starting qemu to its exit, as this machine's clock measures it. */
  readonly ms: number;
}

/**
 * Boots `kernel` with `initramfs` under qemu-system-x86_64 (TCG: KVM is not used), the console on the first serial
 * port, and collects what it prints until the machine powers off, panics (`panic=-1` with `-no-reboot` makes qemu
 * exit), or the time runs out. qemu runs under timeout(1), so that it is stopped at the limit even when this process
 * was killed first.
 */
export function boot(o: BootOptions): Promise<BootResult> {
  const qemu = [
    QEMU, "-accel", "tcg", "-cpu", "max", "-smp", "1", "-m", String(o.memoryMiB ?? 1024),
    "-nodefaults", "-no-reboot", "-display", "none", "-serial", "stdio", "-monitor", "none",
    "-kernel", o.kernel, "-initrd", o.initramfs,
    "-append", "console=ttyS0 quiet panic=-1 rdinit=/init",
  ];
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const q = spawn("timeout", ["--kill-after=10", `${Math.ceil(o.timeoutMs / 1000)}`, ...qemu], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    q.stdout.on("data", (d: Buffer) => (out += d.toString("latin1")));
    q.stderr.on("data", (d: Buffer) => (out += d.toString("latin1")));
    q.on("error", reject);
    q.on("close", (code) => {
      // timeout(1) exits 124 when it stopped the command, 137 when it had to kill it.
      resolve({ console: out.replace(/\r/g, ""), exitCode: code, timedOut: code === 124 || code === 137, ms: Date.now() - started });
    });
  });
}

/** A temporary directory for one boot's files, removed by `done()` unless TSBPF_QEMU_KEEP is set (then it says where). */
export function scratchDir(): { readonly dir: string; done(): void } {
  const dir = mkdtempSync(join(tmpdir(), "tsbpf-qemu-"));
  return {
    dir,
    done() {
      if (process.env.TSBPF_QEMU_KEEP) console.log(`  qemu: kept ${dir} (TSBPF_QEMU_KEEP)`);
      else rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** What /init printed between `@@tsbpf-qemu begin NAME` and `@@tsbpf-qemu end NAME STATUS [more...]`. */
export interface Section {
  readonly lines: readonly string[];
  readonly status: number;
}

export const MARK = "@@tsbpf-qemu";

/** The console's sections by name; a section whose end never came is left out. */
export function sections(consoleText: string): Map<string, Section> {
  const out = new Map<string, Section>();
  let open: { name: string; lines: string[] } | undefined;
  for (const line of consoleText.split("\n")) {
    const m = new RegExp(`^${MARK} (begin|end) (\\S+)(?: (-?\\d+))?(?: .*)?$`).exec(line);
    if (m?.[1] === "begin") open = { name: m[2]!, lines: [] };
    else if (m?.[1] === "end" && open !== undefined && open.name === m[2]) {
      out.set(open.name, { lines: open.lines, status: Number(m[3]) });
      open = undefined;
    } else open?.lines.push(line);
  }
  return out;
}
