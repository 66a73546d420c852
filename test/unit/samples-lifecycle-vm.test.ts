// exitsnoop and tcplife in the VM (no root): the compiled bytecode fired on tracepoint contexts, with task_struct
// and tcp_sock laid out in simulated kernel memory at the offsets this machine's BTF gives; the checks are on the
// decoded events, the maps left behind, and the samples' format() lines.

import { existsSync, readFileSync } from "node:fs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { type Btf, parseBtf } from "../../core/object/btf/index.ts";
import { fieldOffset } from "../../core/object/relocate.ts";
import { FakeClock, memoryOf, simulate } from "../../testing.ts";
import type { HashMap } from "../../stdlib-types/index.js";
import { type Exit, format as formatExit, status } from "../../samples/exitsnoop.ts";
import { type Session, address, format as formatSession } from "../../samples/tcplife.ts";
import { lacksVmlinuxBtf } from "../support/skip.ts";

const VMLINUX = "/sys/kernel/btf/vmlinux";
const btf: Btf | undefined = existsSync(VMLINUX) ? parseBtf(readFileSync(VMLINUX)) : undefined;

/** A test without this machine's BTF has no offsets to lay memory out at: it skips, saying so. */
function withBtf(name: string, fn: (btf: Btf) => Promise<void>): void {
  test(name, async () => {
    if (!btf) {
      lacksVmlinuxBtf();
      return;
    }
    await fn(btf);
  });
}

/** Kernel memory for one struct: fields written at their offsets in this kernel. */
class Struct {
  readonly bytes: Uint8Array;
  private readonly view: DataView;

  constructor(private readonly btf: Btf, private readonly name: string, readonly address: bigint, size = 8192) {
    this.bytes = new Uint8Array(size);
    this.view = new DataView(this.bytes.buffer);
  }

  private at(field: string, size: number): number {
    const f = fieldOffset(this.btf, this.name, field);
    assert.is(f.size, size, `${this.name}.${field} size`);
    return f.offset;
  }

  i32(field: string, v: number): this {
    this.view.setInt32(this.at(field, 4), v, true);
    return this;
  }

  u64(field: string, v: bigint): this {
    this.view.setBigUint64(this.at(field, 8), v, true);
    return this;
  }

  str(field: string, s: string, size = 16): this {
    const at = this.at(field, size);
    this.bytes.fill(0, at, at + size);
    this.bytes.set(new TextEncoder().encode(s), at);
    return this;
  }
}

// ---- exitsnoop ------------------------------------------------------------------------------------------------

/** A process 4242 ("server") whose last thread 4250 ("worker") exits; its parent is 1. Times in ns. */
function processTasks(btf: Btf) {
  const thread = new Struct(btf, "task_struct", 0xffff_8880_0001_0000n);
  const leader = new Struct(btf, "task_struct", 0xffff_8880_0002_0000n);
  const parent = new Struct(btf, "task_struct", 0xffff_8880_0003_0000n);
  thread.u64("group_leader", leader.address).u64("real_parent", parent.address).u64("start_time", 9_500_000_000n).str("comm", "worker");
  leader.u64("group_leader", leader.address).u64("real_parent", parent.address).u64("start_time", 7_000_000_000n).str("comm", "server");
  parent.i32("tgid", 1);
  return { thread, leader, parent, memory: memoryOf([thread, leader, parent].map((s) => [s.address, s.bytes] as const)) };
}

async function exitsnoop(btf: Btf, params: Record<string, boolean> = {}) {
  const tasks = processTasks(btf);
  const clock = new FakeClock(10_000_000_000n);
  const sim = await simulate<typeof import("../../samples/exitsnoop.ts")>("samples/exitsnoop.ts", {
    btf, clock, params, env: { pid: 4242, tid: 4250, comm: "worker", task: tasks.thread.address, readKernel: tasks.memory },
  });
  const exit = (exitCode: number, groupDead: boolean): Exit[] => {
    tasks.thread.i32("exit_code", exitCode);
    return sim.fire("sched/sched_process_exit", { pid: 4250, group_dead: groupDead }).events.map((e) => e.event as unknown as Exit);
  };
  return { sim, exit };
}

withBtf("exitsnoop: a process's exit when its last thread goes, with the leader's name and age, the parent and the code", async (btf) => {
  const { sim, exit } = await exitsnoop(btf);
  assert.equal(exit(3 << 8, false), [], "a thread of a live process: not reported");
  const [e] = exit(3 << 8, true);
  assert.equal(e, { pid: 4242, ppid: 1, tid: 4250, age: 3_000_000_000n, code: 3, signal: 0, core: false, comm: "server" });
  assert.is(formatExit(e!), "server           4242    1       4250    3.00    code 3");
  // The event went to the ring, decoded by the user-side object as main() or load() would see it.
  assert.equal(sim.maps.exits.drain(), [e]);
});

withBtf("exitsnoop: the wait status decoded: exit code, killing signal, core dump flag", async (btf) => {
  const { exit } = await exitsnoop(btf);
  const decoded = (s: number) => {
    const [e] = exit(s, true);
    return [e!.code, e!.signal, e!.core, status(e!)];
  };
  assert.equal(decoded(0), [0, 0, false, "0"]);
  assert.equal(decoded(255 << 8), [255, 0, false, "code 255"]);
  assert.equal(decoded(9), [0, 9, false, "signal 9 (KILL)"]);
  assert.equal(decoded(0x80 | 11), [0, 11, true, "signal 11 (SEGV), core dumped"]);
  assert.equal(decoded(15), [0, 15, false, "signal 15 (TERM)"]);
});

withBtf("exitsnoop: --param threads reports every thread with its own name and age; --param failed drops exit(0)", async (btf) => {
  const threads = await exitsnoop(btf, { threads: true });
  assert.equal(threads.exit(0, false), [{ pid: 4242, ppid: 1, tid: 4250, age: 500_000_000n, code: 0, signal: 0, core: false, comm: "worker" }]);
  const failed = await exitsnoop(btf, { failed: true });
  assert.equal(failed.exit(0, true), []);
  assert.equal(failed.exit(9, true).map((e) => e.signal), [9]);
  assert.equal(failed.exit(1 << 8, true).map((e) => e.code), [1]);
});

// ---- tcplife --------------------------------------------------------------------------------------------------

const TCP = 6;
const AF_INET = 2;
const AF_INET6 = 10;
const enum State { Established = 1, SynSent, SynRecv, FinWait1, FinWait2, TimeWait, Close, CloseWait, LastAck, Listen }

const v4mapped = (a: string): number[] => [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, ...a.split(".").map(Number)];
const v6 = (groups: number[]): number[] => groups.flatMap((g) => [g >> 8, g & 0xff]);

async function tcplife(btf: Btf) {
  const clock = new FakeClock(1_000_000_000n);
  const socks = new Map<bigint, Struct>();
  const sock = (address: bigint, tx: bigint, rx: bigint) => {
    socks.set(address, new Struct(btf, "tcp_sock", address, 4096).u64("bytes_acked", tx).u64("bytes_received", rx));
    return address;
  };
  const sim = await simulate<typeof import("../../samples/tcplife.ts")>("samples/tcplife.ts", {
    btf, clock, env: { readKernel: (addr, len) => memoryOf([...socks.values()].map((s) => [s.address, s.bytes] as const))(addr, len) },
  });
  /** The current task when the state changes: a process, or whoever a softirq interrupted. */
  const as = (pid: number, comm: string) => Object.assign(sim.env, { pid, tid: pid, comm });
  const ipv4 = (local: string, lport: number, remote: string, rport: number) => ({
    family: AF_INET, protocol: TCP, sport: lport, dport: rport, saddr: local.split(".").map(Number), daddr: remote.split(".").map(Number),
    saddr_v6: v4mapped(local), daddr_v6: v4mapped(remote),
  });
  const move = (skaddr: bigint, oldstate: State, newstate: State, ends: Record<string, unknown>) =>
    sim.fire("sock/inet_sock_set_state", { skaddr, oldstate, newstate, ...ends }).events.map((e) => e.event as unknown as Session);
  return { sim, clock, sock, as, ipv4, move };
}

withBtf("tcplife: an active open and close: the process of connect()/close(), both ends, bytes from tcp_sock, duration from ESTABLISHED", async (btf) => {
  const { sim, clock, sock, as, ipv4, move } = await tcplife(btf);
  const sk = sock(0xffff_8880_1000_0000n, 1002n, 5001n);
  const ends = ipv4("10.0.0.5", 40000, "93.184.216.34", 80);
  as(500, "curl");
  assert.equal(move(sk, State.Close, State.SynSent, ends), []);
  clock.advance(1_000_000n);
  as(0, "swapper/1"); // the SYN-ACK arrives in softirq
  move(sk, State.SynSent, State.Established, ends);
  clock.advance(12_345_000n);
  as(500, "curl");
  move(sk, State.Established, State.FinWait1, ends);
  as(0, "swapper/0");
  move(sk, State.FinWait1, State.FinWait2, ends);
  clock.advance(1_000_000n);
  as(31, "ksoftirqd/2");
  const [s] = move(sk, State.FinWait2, State.Close, ends);
  assert.equal(s, {
    pid: 500, comm: "curl", family: AF_INET, lport: 40000, rport: 80, laddr: v4mapped("10.0.0.5"), raddr: v4mapped("93.184.216.34"),
    tx: 1002n, rx: 5001n, duration: 13_345n,
  });
  assert.is(formatSession(s!), "500     curl             4 10.0.0.5                   40000 93.184.216.34              80        1002     5001 13.35");
  // Nothing is left behind for the socket.
  assert.equal((sim.maps.birth as HashMap<bigint, bigint>).keys(), []);
  assert.equal((sim.maps.owner as HashMap<bigint, unknown>).keys(), []);
});

withBtf("tcplife: a passive open closed by the peer is the process that closed second (LAST_ACK); IPv6 addresses", async (btf) => {
  const { clock, sock, as, move } = await tcplife(btf);
  const sk = sock(0xffff_8880_2000_0000n, 5001n, 1001n);
  const local = v6([0x2001, 0xdb8, 0, 0, 0, 0, 0, 1]);
  const remote = v6([0xfe80, 0, 0, 0, 0x8a3, 0x9dff, 0xfed5, 0x6b19]);
  const ends = { family: AF_INET6, protocol: TCP, sport: 22, dport: 22440, saddr_v6: local, daddr_v6: remote };
  as(0, "swapper/0");
  move(sk, State.Listen, State.SynRecv, ends);
  move(sk, State.SynRecv, State.Established, ends);
  clock.advance(2_000_000_000n);
  move(sk, State.Established, State.CloseWait, ends);
  as(77, "sshd");
  move(sk, State.CloseWait, State.LastAck, ends);
  clock.advance(500_000n);
  as(0, "swapper/0");
  const [s] = move(sk, State.LastAck, State.Close, ends);
  assert.equal([s!.pid, s!.comm, s!.family, s!.lport, s!.rport, s!.tx, s!.rx, s!.duration], [77, "sshd", AF_INET6, 22, 22440, 5001n, 1001n, 2_000_500n]);
  assert.equal([address(s!.family, s!.laddr), address(s!.family, s!.raddr)], ["2001:db8::1", "fe80::8a3:9dff:fed5:6b19"]);
  assert.is(formatSession(s!), "77      sshd             6 2001:db8::1                22    fe80::8a3:9dff:fed5:6b19   22440     5001     1001 2000.50");
});

withBtf("tcplife: a passive open the server closes first is the server (FIN_WAIT1), not the task of the final softirq", async (btf) => {
  const { clock, sock, as, ipv4, move } = await tcplife(btf);
  const sk = sock(0xffff_8880_2100_0000n, 5001n, 1001n);
  const ends = ipv4("127.0.0.1", 28527, "127.0.0.1", 46644);
  as(22597, "recordProg"); // on loopback the client's own system calls run the server socket's softirq work
  move(sk, State.Listen, State.SynRecv, ends);
  move(sk, State.SynRecv, State.Established, ends);
  clock.advance(230_000n);
  as(3277, "redis-server");
  move(sk, State.Established, State.FinWait1, ends);
  as(22597, "recordProg");
  move(sk, State.FinWait1, State.FinWait2, ends);
  const [s] = move(sk, State.FinWait2, State.Close, ends);
  assert.equal([s!.pid, s!.comm, s!.lport, s!.rport, s!.duration], [3277, "redis-server", 28527, 46644, 230n]);
});

withBtf("tcplife: no owner recorded: the current task; listeners, other protocols and sockets opened before tracing: nothing", async (btf) => {
  const { sim, clock, sock, as, ipv4, move } = await tcplife(btf);
  const ends = ipv4("127.0.0.1", 5000, "127.0.0.1", 6000);
  // Reset while established: the task the softirq interrupted, which is all the kernel knows.
  const reset = sock(0xffff_8880_3000_0000n, 0n, 0n);
  as(0, "swapper/3");
  move(reset, State.SynRecv, State.Established, ends);
  clock.advance(1_000n);
  assert.equal(move(reset, State.Established, State.Close, ends).map((s) => [s.pid, s.comm, s.duration]), [[0, "swapper/3", 1n]]);
  // A listener never had a session.
  const listener = sock(0xffff_8880_4000_0000n, 0n, 0n);
  as(9, "nginx");
  assert.equal(move(listener, State.Close, State.Listen, ends), []);
  assert.equal(move(listener, State.Listen, State.Close, ends), []);
  // Closed without a start seen: opened before tracing began (its owner, recorded at close(), is dropped).
  const old = sock(0xffff_8880_5000_0000n, 10n, 10n);
  move(old, State.Established, State.FinWait1, ends);
  move(old, State.FinWait1, State.FinWait2, ends);
  assert.equal(move(old, State.FinWait2, State.Close, ends), []);
  // Not TCP (SCTP uses the tracepoint too).
  const sctp = sock(0xffff_8880_6000_0000n, 0n, 0n);
  move(sctp, State.Close, State.SynSent, { ...ends, protocol: 132 });
  assert.equal(move(sctp, State.SynSent, State.Close, { ...ends, protocol: 132 }), []);
  assert.equal((sim.maps.birth as HashMap<bigint, bigint>).keys(), []);
  assert.equal((sim.maps.owner as HashMap<bigint, unknown>).keys(), []);
});

test("tcplife address(): dotted quads for IPv4, RFC 5952 text for IPv6", () => {
  assert.is(address(AF_INET, v4mapped("192.168.1.20")), "192.168.1.20");
  assert.is(address(AF_INET6, v6([0, 0, 0, 0, 0, 0, 0, 0])), "::");
  assert.is(address(AF_INET6, v6([0, 0, 0, 0, 0, 0, 0, 1])), "::1");
  assert.is(address(AF_INET6, v6([0xfe80, 0, 0, 0, 0, 0, 0, 0])), "fe80::");
  assert.is(address(AF_INET6, v6([0x2001, 0xdb8, 0, 0, 1, 0, 0, 1])), "2001:db8::1:0:0:1"); // the first of equal runs
  assert.is(address(AF_INET6, v6([1, 0, 0, 2, 0, 0, 0, 3])), "1:0:0:2::3"); // the longest run
  assert.is(address(AF_INET6, v6([0x2001, 0xdb8, 0, 1, 1, 1, 1, 1])), "2001:db8:0:1:1:1:1:1"); // one zero group stays
  assert.is(address(AF_INET6, v4mapped("10.1.2.3")), "::ffff:10.1.2.3");
});

test.run();
