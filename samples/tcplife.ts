// tcplife: TCP sessions as they end, with the process, both ends, the bytes each way and how long the session
// lasted (bcc's tcplife). It follows only state changes (sock:inet_sock_set_state), never packets, so it costs
// little: a session's start is kept per socket until its move to TCP_CLOSE, and the byte counts are read then from
// the socket's tcp_sock (offsets from the running kernel's BTF).
//   sudo npx tsbpf run samples/tcplife.ts

import { HashMap, RingBuffer, bpf, tracepoint, type FixedArray, type Str, type ptr, type u16, type u32, type u64, type u8 } from "tsbpf";

const AF_INET = 2;
const IPPROTO_TCP = 6;
// TCP states (include/net/tcp_states.h).
const TCP_SYN_SENT = 2;
const TCP_FIN_WAIT1 = 4;
const TCP_CLOSE = 7;
const TCP_LAST_ACK = 9;

interface Owner {
  pid: u32;
  comm: Str<16>;
}

/** When each socket (by address) became a session: its last move to SYN_SENT, SYN_RECV or ESTABLISHED. */
const birth = new HashMap<ptr, u64>(10240);
/** The process behind a socket, from a state change it caused (connect(), close()). */
const owner = new HashMap<ptr, Owner>(10240);

export interface Session {
  pid: u32;
  comm: Str<16>;
  /** AF_INET (2) or AF_INET6 (10). */
  family: u16;
  lport: u16;
  rport: u16;
  /** Addresses as 16 bytes in network order; an IPv4 address is IPv4-mapped (::ffff:a.b.c.d), as the tracepoint stores it. */
  laddr: FixedArray<u8, 16>;
  raddr: FixedArray<u8, 16>;
  /**
   * Bytes sent (and acknowledged by the peer) and received, as the kernel counts them (tcp_info's bytes_acked and
   * bytes_received): sequence numbers, so each FIN counts one (in tx of its sender, rx of its receiver), and the
   * SYN of the side that connected one in its tx.
   */
  tx: u64;
  rx: u64;
  /** Microseconds from the start of the session to its close. */
  duration: u64;
}

export const sessions = new RingBuffer<Session>(1 << 18);

tracepoint("sock/inet_sock_set_state", (ctx) => {
  if (ctx.protocol !== IPPROTO_TCP) return;
  const sk = ctx.skaddr;
  // ESTABLISHED (1), SYN_SENT (2), SYN_RECV (3): the session starts (again, at ESTABLISHED).
  if (ctx.newstate < TCP_FIN_WAIT1) birth.set(sk, bpf.ktimeGetNs());
  // Most state changes happen in softirq context, where the current task is whoever was running. These three are
  // made by a system call of the socket's process: connect() (SYN_SENT), and close() or shutdown() by the side that
  // closes first (FIN_WAIT1) or second (LAST_ACK). bcc records the first and the last; FIN_WAIT1 also names the
  // server of an accepted connection that it closes first.
  if (ctx.newstate === TCP_SYN_SENT || ctx.newstate === TCP_FIN_WAIT1 || ctx.newstate === TCP_LAST_ACK) {
    owner.set(sk, { pid: bpf.pid(), comm: bpf.comm() });
  }
  if (ctx.newstate !== TCP_CLOSE) return;

  const start = birth.get(sk);
  if (start === undefined) {
    // A listener, or a socket that was open before tracing began.
    owner.delete(sk);
    return;
  }
  const duration = (bpf.ktimeGetNs() - start) / 1000n;
  birth.delete(sk);
  // Unknown owner (a reset in softirq, say): the current task, as bcc does, which may be the wrong process.
  let who: Owner = { pid: bpf.pid(), comm: bpf.comm() };
  const o = owner.get(sk);
  if (o) who = o;
  sessions.emit({
    pid: who.pid,
    comm: who.comm,
    family: ctx.family,
    lport: ctx.sport,
    rport: ctx.dport,
    laddr: ctx.saddr_v6,
    raddr: ctx.daddr_v6,
    tx: bpf.readKernelField<u64>(sk, "tcp_sock", "bytes_acked"),
    rx: bpf.readKernelField<u64>(sk, "tcp_sock", "bytes_received"),
    duration,
  });
  owner.delete(sk);
});

/** `tsbpf run` prints this line above the lines of format(). */
export const header = [
  "PID".padEnd(7), "COMM".padEnd(16), "IP", "LADDR".padEnd(26), "LPORT", "RADDR".padEnd(26), "RPORT", "TX_B".padStart(8), "RX_B".padStart(8), "MS",
].join(" ");

/** What `tsbpf run` prints per session, bcc's `tcplife -w` columns with bytes: PID COMM IP LADDR LPORT RADDR RPORT TX RX MS. */
export function format(s: Session): string {
  const ip = s.family === AF_INET ? "4" : "6";
  const ms = (Number(s.duration) / 1000).toFixed(2);
  return [
    String(s.pid).padEnd(7), s.comm.padEnd(16), ip, address(s.family, s.laddr).padEnd(26), String(s.lport).padEnd(5),
    address(s.family, s.raddr).padEnd(26), String(s.rport).padEnd(5), String(s.tx).padStart(8), String(s.rx).padStart(8), ms,
  ].join(" ");
}

/** An address of an event as text: dotted quad for AF_INET, RFC 5952 text otherwise ("::1", "fe80::1", "::ffff:1.2.3.4"). */
export function address(family: number, bytes: readonly number[]): string {
  if (family === AF_INET) return bytes.slice(12, 16).join(".");
  const groups = Array.from({ length: 8 }, (_, i) => (bytes[2 * i]! << 8) | bytes[2 * i + 1]!);
  if (groups.slice(0, 6).join() === "0,0,0,0,0,65535") return `::ffff:${bytes.slice(12, 16).join(".")}`;
  // The longest run of two or more zero groups (the first of equal runs) becomes "::".
  let best = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) [best, bestLength] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = (gs: number[]) => gs.map((g) => g.toString(16)).join(":");
  return best < 0 ? hex(groups) : `${hex(groups.slice(0, best))}::${hex(groups.slice(best + bestLength))}`;
}
