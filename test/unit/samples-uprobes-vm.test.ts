// The uprobe samples in the VM (no root): their compiled bytecode fired on simulated registers (arguments, return
// values) with user memory holding the strings, the current task and a fake clock; the checks are on the decoded
// events and the maps.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { FakeClock, memoryOf, simulate } from "../../testing.ts";
import type { HashMap } from "../../stdlib-types/index.js";

const cstr = (s: string) => new TextEncoder().encode(`${s}\0`);
/** User-space addresses of the simulated processes' strings. */
const LINE = 0x5600_0000_1000n;
const HOST = 0x7ffd_0000_2000n;

test("bashreadline: the line readline() returns, with the shell's pid and name", async () => {
  const long = `echo ${"x".repeat(300)}`;
  const s = await simulate<typeof import("../../samples/bashreadline.ts")>("samples/bashreadline.ts", {
    env: { pid: 4242, tid: 4242, comm: "bash", readUser: memoryOf([[LINE, cstr("ls -l /tmp | wc -l")], [LINE + 0x1000n, cstr(long)]]) },
  });
  const r = s.fire("uretprobe:/bin/bash:readline", { retval: LINE });
  assert.equal(r.events, [{ channel: "lines", event: { pid: 4242, comm: "bash", line: "ls -l /tmp | wc -l" } }]);
  // A longer line is cut to the event's 255 bytes.
  assert.equal(s.fire("uretprobe:/bin/bash:readline", { retval: LINE + 0x1000n }).events.map((e) => e.event.line), [long.slice(0, 255)]);
  // NULL: the end of input (Ctrl-D) sends nothing.
  assert.equal(s.fire("uretprobe:/bin/bash:readline", { retval: 0n }).events, []);
  assert.equal(s.maps.lines.drain().map((e) => e.line.length), [18, 255]);
});

test("gethostlatency: the time from each call to its return, with the name read at the return", async () => {
  const clock = new FakeClock(5_000_000_000n);
  // A program's first lookup: the page holding the name is not yet faulted in when the call begins, so a probe
  // cannot read it there; getaddrinfo reads it, so it is in memory when the call returns.
  const resident = memoryOf([[HOST, cstr("example.com")]]);
  const s = await simulate<typeof import("../../samples/gethostlatency.ts")>("samples/gethostlatency.ts", {
    clock, env: { pid: 300, tid: 301, comm: "curl", readUser: () => undefined },
  });
  const started = s.maps.started as HashMap<number, { ns: bigint; host: bigint }>;
  // getaddrinfo(node, service, hints, res): the entry keeps the time and the pointer.
  assert.equal(s.fire("uprobe:libc:getaddrinfo", { args: [HOST, 0n, 0n, 0x7ffd_0000_3000n] }).events, []);
  assert.equal(started.entries(), [[301, { ns: 5_000_000_000n, host: HOST }]]);
  s.env.readUser = resident;
  clock.advance(2_345_678n);
  const r = s.fire("uretprobe:libc:getaddrinfo", { retval: 0n });
  assert.equal(r.events, [{ channel: "lookups", event: { pid: 300, comm: "curl", latencyUs: 2345n, host: "example.com" } }]);
  assert.equal(started.keys(), []);
  // A return without its entry (the call began before the tracer was attached) sends nothing.
  assert.equal(s.fire("uretprobe:libc:getaddrinfo", { retval: 0n }).events, []);
  // A name the probe cannot read even at the return: the lookup is still sent, with no name, as bpftrace's tool
  // prints it.
  s.fire("uprobe:libc:getaddrinfo", { args: [0x10n, 0n, 0n, 0x7ffd_0000_3000n] });
  clock.advance(1_000n);
  assert.equal(s.fire("uretprobe:libc:getaddrinfo", { retval: 0n }).events.map((e) => e.event), [
    { pid: 300, comm: "curl", latencyUs: 1n, host: "" },
  ]);
});

test("gethostlatency: lookups overlapping on two threads each keep their own start; gethostbyname and gethostbyname2", async () => {
  const clock = new FakeClock(1_000_000_000n);
  const s = await simulate<typeof import("../../samples/gethostlatency.ts")>("samples/gethostlatency.ts", {
    clock, env: { pid: 50, comm: "resolver", readUser: memoryOf([[HOST, cstr("a.example")], [HOST + 0x100n, cstr("b.example")]]) },
  });
  const on = (tid: number) => (s.env.tid = tid);
  on(51);
  s.fire("uprobe:libc:gethostbyname", { args: [HOST] });
  clock.advance(1_000_000n);
  on(52);
  s.fire("uprobe:libc:gethostbyname2", { args: [HOST + 0x100n, 10n /* AF_INET6 */] });
  clock.advance(500_000n);
  const b = s.fire("uretprobe:libc:gethostbyname2", { retval: 0n });
  clock.advance(3_000_000n);
  on(51);
  const a = s.fire("uretprobe:libc:gethostbyname", { retval: 0x5600_0000_9000n });
  assert.equal([...b.events, ...a.events].map((e) => e.event), [
    { pid: 50, comm: "resolver", latencyUs: 500n, host: "b.example" },
    { pid: 50, comm: "resolver", latencyUs: 4500n, host: "a.example" },
  ]);
  assert.equal(s.maps.lookups.drain().map((e) => e.host), ["b.example", "a.example"]);
  assert.is(s.maps.lookups.lost, 0n);
});

test.run();
