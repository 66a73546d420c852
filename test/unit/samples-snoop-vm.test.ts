// The snoop samples in the VM (no root): opensnoop, execsnoop and killsnoop fired on syscall entry and exit
// contexts, with the user memory their probes read (paths, argv, struct open_how) and, for execsnoop, the task
// memory at this kernel's BTF offsets; the checks are on the events they send and on the maps they leave behind.

import { readFileSync } from "node:fs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { parseBtf } from "../../core/object/btf/index.ts";
import { fieldOffset } from "../../core/object/relocate.ts";
import type { HashMap } from "../../stdlib-types/index.js";
import { memoryOf, simulate } from "../../testing.ts";
import { lacksVmlinuxBtf } from "../support/skip.ts";

/** A NUL-terminated C string. */
const cstr = (s: string) => {
  const b = new Uint8Array(Buffer.byteLength(s) + 1);
  b.set(new TextEncoder().encode(s));
  return b;
};
/** Little-endian u64s: an argv array, a struct open_how. */
const u64s = (...xs: bigint[]) => {
  const b = new Uint8Array(8 * xs.length);
  xs.forEach((x, i) => new DataView(b.buffer).setBigUint64(8 * i, x, true));
  return b;
};

const O_WRONLY = 0o1;
const O_CREAT = 0o100;
const O_CLOEXEC = 0o2000000;
const AT_FDCWD = -100;

// ---- opensnoop --------------------------------------------------------------------------------------------------

const PASSWD = 0x7000_0000n;
const MISSING = 0x7000_1000n;
const LOG = 0x7000_2000n;
const HOW = 0x7000_3000n;
const files = memoryOf([
  [PASSWD, cstr("/etc/passwd")],
  [MISSING, cstr("/nonexistent")],
  [LOG, cstr("/var/log/app.log")],
  [HOW, u64s(BigInt(O_WRONLY | O_CREAT), 0o644n, 0n)], // struct open_how { flags, mode, resolve }
]);
type OpenSnoop = typeof import("../../samples/opensnoop.ts");

test("opensnoop: openat's entry and exit become one event: fd on success, -1 and the errno on failure", async () => {
  const sim = await simulate<OpenSnoop>("samples/opensnoop.ts", { env: { pid: 300, tid: 301, comm: "cat", readUser: files } });
  assert.equal(sim.fire("syscalls/sys_enter_openat", { dfd: AT_FDCWD, filename: PASSWD, flags: O_CLOEXEC }).events, []);
  const ok = sim.fire("syscalls/sys_exit_openat", { ret: 3 });
  assert.equal(ok.events.map((e) => [e.channel, e.event]), [["events", { pid: 300, comm: "cat", fd: 3, errno: 0, flags: O_CLOEXEC, path: "/etc/passwd" }]]);
  sim.fire("syscalls/sys_enter_openat", { dfd: AT_FDCWD, filename: MISSING, flags: 0 });
  sim.fire("syscalls/sys_exit_openat", { ret: -2 });
  assert.equal(sim.events("events"), [
    { pid: 300, comm: "cat", fd: 3, errno: 0, flags: O_CLOEXEC, path: "/etc/passwd" },
    { pid: 300, comm: "cat", fd: -1, errno: 2, flags: 0, path: "/nonexistent" },
  ]);
  // Every exit took its entry out of the map; an exit without an entry (started before the tracer) sends nothing.
  assert.equal((sim.maps.pending as HashMap<number, unknown>).keys(), []);
  assert.equal(sim.fire("syscalls/sys_exit_openat", { ret: 4 }).events, []);
});

test("opensnoop: open and openat2 (its flags read from struct open_how), and two threads' opens in flight at once", async () => {
  const sim = await simulate<OpenSnoop>("samples/opensnoop.ts", { env: { pid: 300, tid: 301, comm: "app", readUser: files } });
  sim.fire("syscalls/sys_enter_open", { filename: PASSWD, flags: 0 });
  sim.env.tid = 302;
  sim.fire("syscalls/sys_enter_openat2", { dfd: AT_FDCWD, filename: LOG, how: HOW, usize: 24 });
  // Thread 302 returns first; each exit finds its own thread's path.
  sim.fire("syscalls/sys_exit_openat2", { ret: 7 });
  sim.env.tid = 301;
  sim.fire("syscalls/sys_exit_open", { ret: -13 });
  assert.equal(sim.events("events"), [
    { pid: 300, comm: "app", fd: 7, errno: 0, flags: O_WRONLY | O_CREAT, path: "/var/log/app.log" },
    { pid: 300, comm: "app", fd: -1, errno: 13, flags: 0, path: "/etc/passwd" },
  ]);
});

test("opensnoop --param pid: other processes are not even remembered; --param failed: only failures are sent", async () => {
  const other = await simulate<OpenSnoop>("samples/opensnoop.ts", { env: { pid: 7, readUser: files }, params: { pid: 300 } });
  other.fire("syscalls/sys_enter_openat", { filename: PASSWD });
  assert.equal((other.maps.pending as HashMap<number, unknown>).keys(), []);
  assert.equal(other.fire("syscalls/sys_exit_openat", { ret: 3 }).events, []);

  const failed = await simulate<OpenSnoop>("samples/opensnoop.ts", { env: { pid: 300, tid: 300, comm: "sh", readUser: files }, params: { failed: true } });
  failed.fire("syscalls/sys_enter_openat", { filename: PASSWD });
  assert.equal(failed.fire("syscalls/sys_exit_openat", { ret: 3 }).events, []);
  failed.fire("syscalls/sys_enter_openat", { filename: MISSING });
  failed.fire("syscalls/sys_exit_openat", { ret: -2 });
  assert.equal(failed.events("events"), [{ pid: 300, comm: "sh", fd: -1, errno: 2, flags: 0, path: "/nonexistent" }]);
  assert.equal((failed.maps.pending as HashMap<number, unknown>).keys(), []);
});

// ---- execsnoop --------------------------------------------------------------------------------------------------

const VMLINUX = "/sys/kernel/btf/vmlinux";
type ExecSnoop = typeof import("../../samples/execsnoop.ts");
type Exec = Parameters<ExecSnoop["format"]>[0];

/**
 * An exec's world: the path and argv in user memory (argv[0] first, then a NULL), and the current task whose
 * real_parent's tgid is `ppid`, at this kernel's offsets.
 */
function execMemory(btf: ReturnType<typeof parseBtf>, path: string, argv: readonly string[], ppid: number) {
  const FILENAME = 0x7000_0000n;
  const ARGV = 0x7100_0000n;
  const STRINGS = 0x7200_0000n;
  const regions: [bigint, Uint8Array][] = [[FILENAME, cstr(path)]];
  const pointers = argv.map((a, i) => {
    const at = STRINGS + BigInt(i) * 0x1000n;
    regions.push([at, cstr(a)]);
    return at;
  });
  regions.push([ARGV, u64s(...pointers, 0n)]);

  const off = (f: string) => fieldOffset(btf, "task_struct", f).offset;
  const task = 0xffff_8880_0000_0000n;
  const parent = 0xffff_8880_1000_0000n;
  const taskMem = new Uint8Array(16384);
  new DataView(taskMem.buffer).setBigUint64(off("real_parent"), parent, true);
  const parentMem = new Uint8Array(16384);
  new DataView(parentMem.buffer).setInt32(off("tgid"), ppid, true);
  return {
    ctx: { filename: FILENAME, argv: ARGV, envp: 0n },
    env: { task, readUser: memoryOf(regions), readKernel: memoryOf([[task, taskMem], [parent, parentMem]]) },
  };
}

/** argv as the event holds it: 20 slots, the unused ones empty. */
const slots = (...a: string[]) => [...a, ...Array<string>(20 - a.length).fill("")];

test("execsnoop: the parent from task_struct, argv read on entry, the new comm and the result on exit", async () => {
  if (lacksVmlinuxBtf()) return;
  const btf = parseBtf(readFileSync(VMLINUX));
  const long = "x".repeat(300);
  const m = execMemory(btf, "/usr/bin/ls", ["ls", "-l", "", long], 4321);
  const sim = await simulate<ExecSnoop>("samples/execsnoop.ts", { btf, env: { pid: 500, tid: 500, comm: "bash", ...m.env } });
  assert.equal(sim.fire("syscalls/sys_enter_execve", m.ctx).events, []);
  // The exec succeeded: the task now runs ls.
  sim.env.comm = "ls";
  const r = sim.fire("syscalls/sys_exit_execve", { ret: 0 });
  // argv[0] is the path executed; an argument longer than 127 bytes is cut; an empty one stays.
  const event = { pid: 500, ppid: 4321, comm: "ls", ret: 0, argc: 4, truncated: false, argv: slots("/usr/bin/ls", "-l", "", long.slice(0, 127)) };
  assert.equal(r.events.map((e) => e.event), [event]);
  assert.equal((sim.maps.execs as HashMap<number, unknown>).keys(), []);
  const { format } = await import("../../samples/execsnoop.ts");
  assert.is(format(event), `ls                   500    4321   0 /usr/bin/ls -l  ${long.slice(0, 127)}`);
});

test("execsnoop: a failed exec keeps the caller's comm; more than 20 arguments are cut and flagged; unreadable argv", async () => {
  if (lacksVmlinuxBtf()) return;
  const btf = parseBtf(readFileSync(VMLINUX));
  const many = Array.from({ length: 25 }, (_, i) => `arg${i}`);
  const m = execMemory(btf, "/bin/echo", many, 1);
  const sim = await simulate<ExecSnoop>("samples/execsnoop.ts", { btf, env: { pid: 600, tid: 600, comm: "sh", ...m.env } });
  sim.fire("syscalls/sys_enter_execve", m.ctx);
  sim.fire("syscalls/sys_exit_execve", { ret: -2 });
  const [failed] = sim.events<Exec>("events");
  assert.equal(failed, { pid: 600, ppid: 1, comm: "sh", ret: -2, argc: 20, truncated: true, argv: ["/bin/echo", ...many.slice(1, 20)] });
  const { format } = await import("../../samples/execsnoop.ts");
  assert.match(format(failed!), / -2 \/bin\/echo arg1 .* arg19 \.\.\.$/);

  // argv in memory the probe cannot read (not paged in yet): the path alone.
  sim.fire("syscalls/sys_enter_execve", { ...m.ctx, argv: 0x7f00_0000n });
  sim.fire("syscalls/sys_exit_execve", { ret: 0 });
  assert.equal(sim.events("events"), [{ pid: 600, ppid: 1, comm: "sh", ret: 0, argc: 1, truncated: false, argv: slots("/bin/echo") }]);
});

test("execsnoop --param failed: successful execs are not sent, and not left in the map", async () => {
  if (lacksVmlinuxBtf()) return;
  const btf = parseBtf(readFileSync(VMLINUX));
  const m = execMemory(btf, "/bin/true", ["true"], 1);
  const sim = await simulate<ExecSnoop>("samples/execsnoop.ts", { btf, params: { failed: true }, env: { pid: 700, tid: 700, comm: "sh", ...m.env } });
  sim.fire("syscalls/sys_enter_execve", m.ctx);
  assert.equal(sim.fire("syscalls/sys_exit_execve", { ret: 0 }).events, []);
  sim.fire("syscalls/sys_enter_execve", m.ctx);
  assert.equal(sim.fire("syscalls/sys_exit_execve", { ret: -13 }).events.map((e) => e.event.ret), [-13]);
  assert.equal((sim.maps.execs as HashMap<number, unknown>).keys(), []);
});

// ---- killsnoop --------------------------------------------------------------------------------------------------

type KillSnoop = typeof import("../../samples/killsnoop.ts");

test("killsnoop: kill, tkill and tgkill with their targets, signals and results; a process group as a negative target", async () => {
  const sim = await simulate<KillSnoop>("samples/killsnoop.ts", { env: { pid: 800, tid: 801, comm: "bash" } });
  sim.fire("syscalls/sys_enter_kill", { pid: 1234, sig: 15 });
  sim.fire("syscalls/sys_exit_kill", { ret: 0 });
  sim.fire("syscalls/sys_enter_kill", { pid: -99, sig: 9 }); // the process group 99
  sim.fire("syscalls/sys_exit_kill", { ret: -3 });
  sim.fire("syscalls/sys_enter_tkill", { pid: 1235, sig: 0 });
  sim.fire("syscalls/sys_exit_tkill", { ret: -1 });
  sim.fire("syscalls/sys_enter_tgkill", { tgid: 1234, pid: 1236, sig: 6 });
  sim.fire("syscalls/sys_exit_tgkill", { ret: 0 });
  assert.equal(sim.events("events"), [
    { pid: 800, comm: "bash", sig: 15, tpid: 1234, result: 0 },
    { pid: 800, comm: "bash", sig: 9, tpid: -99, result: -3 },
    { pid: 800, comm: "bash", sig: 0, tpid: 1235, result: -1 },
    { pid: 800, comm: "bash", sig: 6, tpid: 1236, result: 0 },
  ]);
  assert.equal((sim.maps.pending as HashMap<number, unknown>).keys(), []);
  // Another thread's exit does not pick up this thread's entry.
  sim.fire("syscalls/sys_enter_kill", { pid: 1, sig: 1 });
  sim.env.tid = 802;
  assert.equal(sim.fire("syscalls/sys_exit_kill", { ret: 0 }).events, []);
});

test("killsnoop --param failed: only the sends that failed", async () => {
  const sim = await simulate<KillSnoop>("samples/killsnoop.ts", { env: { pid: 800, tid: 800, comm: "kill" }, params: { failed: true } });
  sim.fire("syscalls/sys_enter_kill", { pid: 1234, sig: 15 });
  assert.equal(sim.fire("syscalls/sys_exit_kill", { ret: 0 }).events, []);
  sim.fire("syscalls/sys_enter_kill", { pid: 4194305, sig: 15 });
  sim.fire("syscalls/sys_exit_kill", { ret: -3 });
  assert.equal(sim.events("events"), [{ pid: 800, comm: "kill", sig: 15, tpid: 4194305, result: -3 }]);
  assert.equal((sim.maps.pending as HashMap<number, unknown>).keys(), []);
});

test.run();
