// exitsnoop and tcplife end to end (root): each sample loaded with load() and driven by a workload this test
// controls — children that exit with known codes or are killed, a TCP session over loopback with a server in a
// child process — and the events it sent checked field by field against what the workload did.

import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { Socket, createServer } from "node:net";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { load } from "../../load.ts";
import type { RingBuffer } from "../../stdlib-types/index.js";
import { format as formatExit } from "../../samples/exitsnoop.ts";
import { type Session, address, format as formatSession } from "../../samples/tcplife.ts";
import { kernelTest } from "../support/kernel.ts";
import { skip } from "../support/skip.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const exited = (c: ChildProcess) => new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once("exit", () => r())));

/** Drains `channel` until `done` holds for what was gathered, or fails after `ms` with what came. */
async function gather<E>(channel: RingBuffer<E>, keep: (e: E) => boolean, done: (got: E[]) => boolean, ms = 5000): Promise<E[]> {
  const got: E[] = [];
  const end = Date.now() + ms;
  while (!done(got)) {
    if (Date.now() > end) assert.unreachable(`timed out; events: ${JSON.stringify(got, (_, v) => (typeof v === "bigint" ? String(v) : v))}`);
    got.push(...channel.drain().filter(keep));
    await sleep(20);
  }
  return got;
}

/** Settles `p` within `ms`, or fails saying what was awaited: a lost event must fail the test, not hang it. */
async function within<T>(what: string, p: Promise<T>, ms = 5000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

// ---- exitsnoop ------------------------------------------------------------------------------------------------

/** How long each child is kept alive before it is told to exit or killed: its age must be at least this. */
const HOLD_MS = 150;

/** A shell that waits for a line on stdin, then exits with `code`, or is killed with `signal`. */
async function child(how: { code: number } | { signal: NodeJS.Signals }): Promise<{ pid: number; exited: number }> {
  const script = "code" in how ? `read x; exit ${how.code}` : "read x";
  const c = spawn("/bin/sh", ["-c", script], { stdio: ["pipe", "ignore", "ignore"] });
  try {
    await sleep(HOLD_MS);
    if ("code" in how) c.stdin!.write("\n");
    else c.kill(how.signal);
    await within(`sh (${script}) to exit`, exited(c));
    return { pid: c.pid!, exited: performance.now() };
  } finally {
    if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  }
}

kernelTest(test, "exitsnoop: our children's exit codes and killing signals, with their parent (us) and their age", async () => {
  const t = await load<typeof import("../../samples/exitsnoop.ts")>(join(root, "samples/exitsnoop.ts"), { cache: false });
  const exits = t.maps.exits;
  try {
    const t0 = performance.now();
    const runs = await Promise.all([child({ code: 0 }), child({ code: 3 }), child({ signal: "SIGKILL" }), child({ signal: "SIGTERM" })]);
    const pids = new Set(runs.map((r) => r.pid));
    const got = await gather(exits, (e) => pids.has(e.pid), (g) => g.length >= runs.length);
    await sleep(100);
    got.push(...exits.drain().filter((e) => pids.has(e.pid)));
    const byPid = new Map(got.map((e) => [e.pid, e]));
    assert.is(got.length, runs.length, "one event per process");
    [[0, 0], [3, 0], [0, 9], [0, 15]].forEach(([code, signal], i) => {
      const r = runs[i]!;
      const e = byPid.get(r.pid)!;
      assert.equal({ ...e, age: 0n }, { pid: r.pid, ppid: process.pid, tid: r.pid, age: 0n, code: code!, signal: signal!, core: false, comm: "sh" }, formatExit(e));
      // Started after t0 and before spawn() returned; exited after the hold and before we saw it exit.
      const ageMs = Number(e.age) / 1e6;
      assert.ok(ageMs >= HOLD_MS && ageMs <= r.exited - t0, `age ${ageMs} ms, held ${HOLD_MS} ms, ${r.exited - t0} ms in all`);
    });
    assert.match(formatExit(byPid.get(runs[2]!.pid)!), new RegExp(`^sh {15}${runs[2]!.pid} +${process.pid} +${runs[2]!.pid} +0\\.\\d\\d +signal 9 \\(KILL\\)$`));
    assert.is(exits.lost, 0n);
  } finally {
    await t.close();
  }
});

kernelTest(test, "exitsnoop: a multithreaded process is one exit (its last thread); --param threads gives each thread, failed drops exit(0)", async () => {
  // node runs several threads; exit(4) ends them all, and whichever thread goes last reports the process.
  const node = async (code: number) => {
    const c = spawn(process.execPath, ["-e", `setTimeout(() => process.exit(${code}), ${HOLD_MS})`], { stdio: "ignore" });
    await exited(c);
    return c.pid!;
  };
  // The kernel names a process after the file it executed (15 bytes at most).
  const name = basename(process.execPath).slice(0, 15);
  {
    const t = await load<typeof import("../../samples/exitsnoop.ts")>(join(root, "samples/exitsnoop.ts"), { cache: false });
    const exits = t.maps.exits;
    try {
      const pid = await node(4);
      const got = await gather(exits, (e) => e.pid === pid, (g) => g.length >= 1);
      await sleep(100);
      got.push(...exits.drain().filter((e) => e.pid === pid));
      assert.is(got.length, 1, JSON.stringify(got.map((e) => e.tid)));
      assert.equal([got[0]!.ppid, got[0]!.code, got[0]!.signal, got[0]!.comm], [process.pid, 4, 0, name]);
      assert.ok(got[0]!.age >= BigInt(HOLD_MS) * 1_000_000n);
    } finally {
      await t.close();
    }
  }
  const t = await load<typeof import("../../samples/exitsnoop.ts")>(join(root, "samples/exitsnoop.ts"), { cache: false, params: { threads: true, failed: true } });
  const exits = t.maps.exits;
  try {
    const ok = await node(0);
    const pid = await node(5);
    const got = await gather(exits, (e) => e.pid === pid || e.pid === ok, (g) => g.some((e) => e.tid === pid));
    await sleep(100);
    got.push(...exits.drain().filter((e) => e.pid === pid || e.pid === ok));
    assert.ok(got.every((e) => e.pid === pid && e.code === 5), "exit(0) is dropped");
    assert.ok(got.length >= 2, `${got.length} threads`);
    assert.is(got.filter((e) => e.tid === pid).length, 1, "the main thread once");
    assert.is(new Set(got.map((e) => e.tid)).size, got.length, "each thread once");
  } finally {
    await t.close();
  }
});

// ---- tcplife --------------------------------------------------------------------------------------------------

/**
 * A server in a child process on `host`: it reads 1000 bytes, answers 5000 and closes first; it prints its port
 * when listening (a string: console.log would colour a number under the runner's FORCE_COLOR) and exits when the
 * session is over.
 */
const SERVER = `
const net = require("node:net");
const server = net.createServer((s) => {
  let got = 0;
  s.on("data", (d) => { got += d.length; if (got === 1000) s.end(Buffer.alloc(5000, 1)); });
  s.on("close", () => server.close());
});
server.listen(0, process.argv[1], () => process.stdout.write(server.address().port + "\\n"));
`;

/** Whether this machine can listen on `host` (::1 is missing where IPv6 is disabled). */
async function canListen(host: string): Promise<boolean> {
  const s = createServer();
  return new Promise((resolve) => {
    s.once("error", () => resolve(false));
    s.listen(0, host, () => s.close(() => resolve(true)));
  });
}

/** Client side of one session: connect, wait HOLD_MS, send 1000 bytes, read the 5000 and the server's FIN, close. */
async function session(host: string) {
  const server = spawn(process.execPath, ["-e", SERVER, host], { stdio: ["ignore", "pipe", "inherit"] });
  const c: Socket = new Socket();
  try {
    const port = await within("the server's port", new Promise<number>((resolve, reject) => {
      server.stdout!.once("data", (d: Buffer) => resolve(Number(String(d).trim())));
      server.once("exit", (code) => reject(new Error(`the server exited (${code})`)));
    }));
    const serverComm = readFileSync(`/proc/${server.pid}/comm`, "utf8").trim();
    const t0 = performance.now();
    c.connect(port, host);
    await within("connect", new Promise<void>((r) => c.once("connect", r)));
    const local = c.localPort!;
    await sleep(HOLD_MS);
    c.write(Buffer.alloc(1000, 2));
    let received = 0;
    c.on("data", (d: Buffer) => (received += d.length));
    await within("the server's FIN", new Promise<void>((r) => c.once("end", r)));
    c.end();
    await within("the close", new Promise<void>((r) => c.once("close", () => r())));
    const elapsed = performance.now() - t0;
    await within("the server's exit", exited(server));
    assert.is(received, 5000);
    return { port, local, server: server.pid!, serverComm, elapsed };
  } finally {
    c.destroy();
    if (server.exitCode === null && server.signalCode === null) server.kill("SIGKILL");
  }
}

async function tcplife(host: string, family: number, text: string) {
  if (!(await canListen(host))) {
    // As for every kernel test, a skip under CI=true is a failure: CI's machine has loopback on both families.
    return skip(`tcplife over ${host}: this machine cannot listen on ${host}`);
  }
  const t = await load<typeof import("../../samples/tcplife.ts")>(join(root, "samples/tcplife.ts"), { cache: false });
  const sessions = t.maps.sessions;
  try {
    const s = await session(host);
    const ours = (e: Session) => (e.lport === s.local && e.rport === s.port) || (e.lport === s.port && e.rport === s.local);
    const got = await gather(sessions, ours, (g) => g.length >= 2);
    const client = got.find((e) => e.lport === s.local)!;
    const server = got.find((e) => e.lport === s.port)!;
    const addr = family === 2 ? [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 127, 0, 0, 1] : [...Array<number>(15).fill(0), 1];
    // The kernel counts one sequence number each for the SYN of an active open (acknowledged: tx of the client)
    // and for the FIN each side sent and received: 1000 bytes + SYN + FIN out, 5000 + FIN in for the client.
    assert.equal({ ...client, duration: 0n }, {
      pid: process.pid, comm: readFileSync("/proc/self/comm", "utf8").trim(), family, lport: s.local, rport: s.port,
      laddr: addr, raddr: addr, tx: 1002n, rx: 5001n, duration: 0n,
    });
    // The server closed first, in its own process; the last state change ran in our softirq work on loopback.
    assert.equal({ ...server, duration: 0n }, {
      pid: s.server, comm: s.serverComm, family, lport: s.port, rport: s.local, laddr: addr, raddr: addr, tx: 5001n, rx: 1001n, duration: 0n,
    });
    for (const e of [client, server]) {
      const ms = Number(e.duration) / 1000;
      assert.ok(ms >= HOLD_MS && ms <= s.elapsed + 1, `duration ${ms} ms, held ${HOLD_MS}, ${s.elapsed} ms in all`);
      assert.is(address(e.family, e.laddr), text);
    }
    assert.match(formatSession(client), new RegExp(`^${process.pid} +\\S+ +${family === 2 ? 4 : 6} ${text.replace(/\./g, "\\.")} +${s.local} +${text.replace(/\./g, "\\.")} +${s.port} +1002 +5001 \\d+\\.\\d\\d$`));
    assert.is(sessions.lost, 0n);
  } finally {
    await t.close();
  }
}

kernelTest(test, "tcplife: an IPv4 session over 127.0.0.1: both ends, their processes, bytes each way, duration", () => tcplife("127.0.0.1", 2, "127.0.0.1"));

kernelTest(test, "tcplife: an IPv6 session over ::1", () => tcplife("::1", 10, "::1"));

test.run();
