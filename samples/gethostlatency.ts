// gethostlatency: how long each host name lookup through libc takes, system-wide (bcc's gethostlatency): a uprobe
// on getaddrinfo(), gethostbyname() and gethostbyname2() notes the time and the name asked for, by thread; the
// uretprobe on the same function sends the latency with the name when the lookup returns.
//   sudo npx tsbpf run samples/gethostlatency.ts
// then, in another terminal: getent ahosts localhost

import { HashMap, RingBuffer, bpf, uprobe, uretprobe, type Str, type ptr, type u32, type u64 } from "tsbpf";

interface Lookup {
  pid: u32;
  comm: Str<16>;
  /** From the call to its return, in microseconds. */
  latencyUs: u64;
  host: Str<128>;
}

/** A lookup in progress: when it started and the name, read at entry while the caller's string is sure to exist. */
interface Start {
  ns: u64;
  host: Str<128>;
}

/** Lookups in progress, by thread id: a thread makes one call at a time, and returns on the thread it entered. */
const started = new HashMap<u32, Start>(10240);
export const lookups = new RingBuffer<Lookup>(1 << 16);

function enter(host: ptr): void {
  started.set(bpf.tid(), { ns: bpf.ktimeGetNs(), host: bpf.probeReadUserStr(host, 128) });
}

function exit(): void {
  const tid = bpf.tid();
  const start = started.get(tid);
  if (start === undefined) return; // the call began before the tracer was attached
  lookups.emit({ pid: bpf.pid(), comm: bpf.comm(), latencyUs: (bpf.ktimeGetNs() - start.ns) / 1000n, host: start.host });
  started.delete(tid);
}

// getaddrinfo(node, service, hints, res), gethostbyname(name), gethostbyname2(name, af): the name is argument 0.
uprobe("libc", "getaddrinfo", (ctx) => enter(ctx.arg0()));
uretprobe("libc", "getaddrinfo", () => exit());
uprobe("libc", "gethostbyname", (ctx) => enter(ctx.arg0()));
uretprobe("libc", "gethostbyname", () => exit());
uprobe("libc", "gethostbyname2", (ctx) => enter(ctx.arg0()));
uretprobe("libc", "gethostbyname2", () => exit());
