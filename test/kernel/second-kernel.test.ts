// kprobe, kretprobe, fentry and fexit on a real kernel: Debian's 6.1 cloud kernel under qemu (TCG), which has kprobes
// and BPF trampolines where this machine's kernel has neither (docs/testing.md, "A second kernel"). One boot: the
// tracers of test/fixtures/second-kernel/ are compiled here (`tsbpf build -o x.tsbpf`), then in the guest each runs
// under tsbpf's bundle (`tsbpf run x.tsbpf -f json -c workload`) on a workload with known system calls (workload.c:
// N getppid() calls, then N times open, read COUNT bytes of a DATA_SIZE-byte file, close), and its JSON output comes
// back on the serial console. Every count is exact for the workload's process; the arguments and return values read
// are the ones the workload passed and got.

import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { bundleMatchesSources } from "../../bin/fresh.js";
import { runCli } from "../support/cli.ts";
import {
  type BootResult, Cpio, type DebianPackage, MARK, type Section, addBundle, addProgram, boot, busyboxBinary, busyboxPackage,
  kernelImage, kernelPackage, qemuMissing, scratchDir, sections,
} from "../support/qemu.ts";
import { skip } from "../support/skip.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const fixtures = join(root, "test/fixtures/second-kernel");

/** The workload's calls of each kind, the bytes it asks each read for, and the size of the file it reads. */
const N = 100, COUNT = 48, DATA_SIZE = 100;
const TRACERS = ["kprobe", "kretprobe", "fentry", "fexit"] as const;
type TracerName = (typeof TRACERS)[number];
/** Boot, Node's start-ups and four runs under TCG take about a minute on an idle machine; a loaded one is slower. */
const BOOT_LIMIT_MS = 7 * 60_000;

const INIT = `#!/bin/sh
/bin/busybox mount -t proc proc /proc
/bin/busybox --install -s /bin
export PATH=/bin HOME=/tmp TSBPF_CACHE_DIR=/tmp/tsbpf-cache
echo "${MARK} init $(cut -d' ' -f1 /proc/uptime)"
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tracefs tracefs /sys/kernel/tracing
mount -t debugfs debugfs /sys/kernel/debug
mount -t bpf bpf /sys/fs/bpf
echo "${MARK} kernel $(uname -r)"
for t in ${TRACERS.join(" ")}; do
  echo "${MARK} begin $t"
  ${process.execPath} /tsbpf/dist/cli.mjs run /tracers/$t.tsbpf -f json -c "/bin/sqwork ${N} /data ${COUNT}" 2>&1
  echo "${MARK} end $t $? $(cut -d' ' -f1 /proc/uptime)"
done
echo "${MARK} done"
poweroff -f
`;

interface Guest {
  readonly kernel: DebianPackage;
  readonly boot: BootResult;
  readonly sections: Map<string, Section>;
}

function gcc(args: string[]): void {
  const r = spawnSync("gcc", args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`gcc ${args.join(" ")}: ${r.stderr}`);
}

/** The packages to boot, or why they cannot be had (nothing installs qemu, or apt's lists are missing). */
function packages(): { kernel: DebianPackage; busybox: DebianPackage } | string {
  const why = qemuMissing();
  if (why) return why;
  try {
    return { kernel: kernelPackage(), busybox: busyboxPackage() };
  } catch (e) {
    return (e as Error).message;
  }
}

/** Builds the guest's files, boots it once and parses its console. */
async function runGuest(p: { kernel: DebianPackage; busybox: DebianPackage }): Promise<Guest> {
  if (!bundleMatchesSources(root)) throw new Error("dist/ does not match the sources, and the guest runs dist/: npm run build");
  const kernel = p.kernel;
  const vmlinuz = kernelImage(kernel);
  const busybox = busyboxBinary(p.busybox);
  const scratch = scratchDir();
  try {
    for (const t of TRACERS) {
      const r = await runCli(["build", join(fixtures, `${t}.ts`), "-o", join(scratch.dir, `${t}.tsbpf`)], process.env);
      if (r.status !== 0) throw new Error(`tsbpf build ${t}.ts: ${r.stderr}`);
    }
    gcc(["-static", "-nostdlib", "-O2", "-fno-stack-protector", "-o", join(scratch.dir, "sqwork"), join(fixtures, "workload.c")]);
    const initramfs = join(scratch.dir, "initramfs.cpio");
    const cpio = new Cpio(initramfs);
    try {
      cpio.copy(busybox, "bin/busybox");
      cpio.symlink("bin/sh", "busybox");
      for (const d of ["proc", "sys", "dev", "tmp"]) cpio.dir(d);
      cpio.charDevice("dev/console", 5, 1);
      cpio.file("init", INIT, 0o755);
      addProgram(cpio, process.execPath);
      addBundle(cpio, root, "tsbpf", scratch.dir);
      for (const t of TRACERS) cpio.copy(join(scratch.dir, `${t}.tsbpf`), `tracers/${t}.tsbpf`);
      cpio.copy(join(scratch.dir, "sqwork"), "bin/sqwork");
      cpio.file("data", "x".repeat(DATA_SIZE));
      cpio.close();
    } catch (e) {
      cpio.abandon();
      throw e;
    }
    const result = await boot({ kernel: vmlinuz, initramfs, timeoutMs: BOOT_LIMIT_MS });
    writeFileSync(join(scratch.dir, "console.log"), result.console);
    const init = new RegExp(`^${MARK} init (\\S+)$`, "m").exec(result.console)?.[1];
    const ends = [...result.console.matchAll(new RegExp(`^${MARK} end (\\S+) -?\\d+ (\\S+)$`, "gm"))].map((m) => `${m[1]} ${m[2]} s`);
    console.log(`  qemu: ${kernel.name} ${kernel.version}: ${(result.ms / 1000).toFixed(1)} s from start to power-off; ` +
      `guest uptime at /init ${init ?? "?"} s, at each tracer's end: ${ends.join(", ") || "none"}`);
    return { kernel, boot: result, sections: sections(result.console) };
  } finally {
    scratch.done();
  }
}

let available: ReturnType<typeof packages> | undefined;
let guest: Promise<Guest> | undefined;

/** The console's last lines, for a failure's message. */
const tail = (g: Guest): string => g.boot.console.split("\n").slice(-40).join("\n");

/**
 * The tracer's maps from its JSON records, after checking that its run ended well and announced `probes` probes
 * (`attached_probes` comes before attaching, as bpftrace's "Attaching N probes...": the counts prove the attaching).
 */
function records(g: Guest, t: TracerName, probes: number): Map<string, Record<string, number>> {
  if (g.boot.timedOut) throw new Error(`the guest did not power off within ${BOOT_LIMIT_MS / 1000} s:\n${tail(g)}`);
  const s = g.sections.get(t);
  if (!s) throw new Error(`no output of ${t} on the console:\n${tail(g)}`);
  const text = s.lines.join("\n");
  assert.is(s.status, 0, `tsbpf run ${t}.tsbpf exited ${s.status}:\n${text}`);
  const maps = new Map<string, Record<string, number>>();
  let attached: number | undefined;
  for (const line of s.lines) {
    if (!line.startsWith("{")) continue;
    const r = JSON.parse(line) as { type: string; data: Record<string, unknown> };
    if (r.type === "attached_probes") attached = r.data.probes as number;
    if (r.type === "map") for (const [k, v] of Object.entries(r.data)) maps.set(k.replace(/^@/, ""), v as Record<string, number>);
  }
  assert.is(attached, probes, `${t}: probes announced\n${text}`);
  return maps;
}

/** Registers a test of one tracer's run; the guest boots once, for the first that runs. */
function guestTest(name: string, fn: (g: Guest) => void): void {
  test(name, async () => {
    const p = (available ??= packages());
    if (typeof p === "string") return skip(`the second kernel cannot boot here: ${p}`);
    guest ??= runGuest(p);
    fn(await guest);
  });
}

guestTest("the guest boots the 6.x cloud kernel and runs every tracer", (g) => {
  const release = new RegExp(`^${MARK} kernel (\\S+)$`, "m").exec(g.boot.console)?.[1];
  assert.ok(release?.startsWith("6."), `kernel release ${release}:\n${tail(g)}`);
  assert.ok(g.kernel.name.includes(release!), `${g.kernel.name} booted as ${release}`);
  assert.ok(new RegExp(`^${MARK} done$`, "m").test(g.boot.console), `/init did not reach its end:\n${tail(g)}`);
  assert.equal([...g.sections.keys()], [...TRACERS]);
});

guestTest("kprobe: getppid() counted exactly; vfs_read's typed arguments read from the registers, the file through kernel structs", (g) => {
  const m = records(g, "kprobe", 2);
  assert.equal(m.get("getppid"), { sqwork: N });
  assert.equal(m.get("readCount"), { [COUNT]: N });
  assert.equal(m.get("fileSize"), { [DATA_SIZE]: N }, "file.f_inode.i_size of the file read");
});

guestTest("kretprobe: do_sys_openat2's return is the fd, vfs_read's the bytes read", (g) => {
  const m = records(g, "kretprobe", 2);
  const fds = Object.entries(m.get("openRet") ?? {});
  assert.is(fds.length, 1, `one fd for every open: ${JSON.stringify(fds)}`);
  assert.ok(Number(fds[0]![0]) >= 0 && Number(fds[0]![0]) < 1024, `an fd, not an error: ${fds[0]![0]}`);
  assert.is(fds[0]![1], N);
  assert.equal(m.get("readRet"), { [COUNT]: N });
});

guestTest("fentry: getppid() counted exactly; vfs_read's typed arguments from the trampoline, the file's name through kernel structs", (g) => {
  const m = records(g, "fentry", 2);
  assert.equal(m.get("getppid"), { sqwork: N });
  assert.equal(m.get("readCount"), { [COUNT]: N });
  assert.equal(m.get("readName"), { data: N }, "file.f_path.dentry.d_name.name of the file read");
});

guestTest("fexit: the return value after the arguments (the fd, the bytes read), and an argument beside it", (g) => {
  const m = records(g, "fexit", 2);
  const fds = Object.entries(m.get("openRet") ?? {});
  assert.is(fds.length, 1, `one fd for every open: ${JSON.stringify(fds)}`);
  assert.ok(Number(fds[0]![0]) >= 0 && Number(fds[0]![0]) < 1024, `an fd, not an error: ${fds[0]![0]}`);
  assert.is(fds[0]![1], N);
  const kret = Object.keys(records(g, "kretprobe", 2).get("openRet") ?? {});
  assert.equal(Object.keys(m.get("openRet") ?? {}), kret, "fexit and kretprobe saw the same fd");
  assert.equal(m.get("readRet"), { [COUNT]: N });
  assert.equal(m.get("readCount"), { [COUNT]: N });
});

test.run();
