// The uprobe samples end to end (root): each is loaded with load(), driven by a real workload — an interactive
// bash on a pseudo-terminal, host name lookups by fresh child processes and by this one — and its events read back.
// Other processes on the machine may fire the same probes, so the checks keep the workload's own events, by pid.

import { spawnSync } from "node:child_process";
import { lookup } from "node:dns/promises";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import koffi from "koffi";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { load } from "../../load.ts";
import { kernelTest } from "../support/kernel.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");

/** Loads a sample with its exported maps typed as the module declares them. */
async function loadSample<M>(name: string) {
  const t = await load<M>(join(root, `samples/${name}.ts`));
  return { t, maps: t.maps };
}

kernelTest(test, "bashreadline: the lines typed into an interactive bash, with bash's pid", async () => {
  const { t, maps } = await loadSample<typeof import("../../samples/bashreadline.ts")>("bashreadline");
  try {
    const typed = ["echo tsbpf-one", "true 'two words'  ", "echo \"pid=$$\"", "exit"];
    // bash calls readline only when interactive on a terminal: script(1) gives it a pseudo-terminal and types our
    // input into it. No rc files, no history file written, a terminal without escape sequences, no ~/.inputrc.
    const r = spawnSync("script", ["-qfc", "bash --norc --noprofile +o history -i", "/dev/null"], {
      input: typed.map((l) => `${l}\n`).join(""),
      env: { ...process.env, TERM: "dumb", INPUTRC: "/dev/null" },
      encoding: "utf8",
      timeout: 10_000,
    });
    assert.is(r.status, 0, `script: ${r.error ?? r.stderr}`);
    const pid = Number(/pid=(\d+)/.exec(r.stdout)?.[1]);
    assert.ok(pid > 0, `no pid in bash's output: ${JSON.stringify(r.stdout)}`);
    // The events were sent before bash returned from readline(), so they are in the ring buffer by now.
    const events = maps.lines.drain().filter((e) => e.pid === pid);
    assert.equal(events, typed.map((line) => ({ pid, comm: "bash", line })));
    assert.is(maps.lines.lost, 0n);
  } finally {
    await t.close();
  }
});

/**
 * A fresh Node process whose first host name lookup passes a name in a page it has never touched: a memfd holding
 * "localhost", mapped and handed to getaddrinfo() without being read, as a C program's first lookup passes a
 * literal in read-only data no one has read yet. A probe cannot fault the page in: read at the entry, the name is
 * empty; the lookup reads it, so at the return it is there.
 */
const FIRST_LOOKUP = `
const koffi = require("koffi");
const libc = koffi.load("libc.so.6");
const memfdCreate = libc.func("int memfd_create(const char *name, unsigned int flags)");
const write = libc.func("intptr_t write(int fd, const char *buf, uintptr_t count)");
const mmap = libc.func("void *mmap(void *addr, uintptr_t length, int prot, int flags, int fd, intptr_t offset)");
const getaddrinfo = libc.func("int getaddrinfo(void *node, void *service, void *hints, _Out_ void **res)");
const fd = memfdCreate("host", 0);
if (write(fd, "localhost\\0", 10) !== 10) throw new Error("write to the memfd");
const page = mmap(null, 4096, 1 /* PROT_READ */, 2 /* MAP_PRIVATE */, fd, 0);
const status = getaddrinfo(page, null, null, [null]);
if (status !== 0) throw new Error("getaddrinfo: " + status);
`;

kernelTest(test, "gethostlatency: getaddrinfo, gethostbyname and gethostbyname2 calls, their host names and latencies", async () => {
  const { t, maps } = await loadSample<typeof import("../../samples/gethostlatency.ts")>("gethostlatency");
  try {
    // getaddrinfo from another process: getent ahosts calls it once per name.
    const getent = spawnSync("getent", ["ahosts", "localhost"], { encoding: "utf8", timeout: 10_000 });
    assert.is(getent.status, 0, getent.stderr);
    // A fresh process's first lookup, of a name in a page not yet faulted in (koffi resolved from the repository).
    const first = spawnSync(process.execPath, ["-e", FIRST_LOOKUP], { cwd: root, encoding: "utf8", timeout: 10_000 });
    assert.is(first.status, 0, first.stderr);
    // getaddrinfo from this process, on one of libuv's threads: the entry and the return meet by thread id.
    await lookup("localhost");
    // The other two, straight from this thread.
    const libc = koffi.load("libc.so.6");
    const gethostbyname = libc.func("void *gethostbyname(const char *name)");
    const gethostbyname2 = libc.func("void *gethostbyname2(const char *name, int af)");
    assert.ok(gethostbyname("localhost"));
    assert.ok(gethostbyname2("localhost", 2 /* AF_INET */));

    const pids = [getent.pid, first.pid, process.pid, process.pid, process.pid];
    const ours = maps.lookups.drain().filter((e) => pids.includes(e.pid));
    assert.equal(ours.map(({ pid, host }) => ({ pid, host })), pids.map((pid) => ({ pid, host: "localhost" })));
    // The name of each calling thread (not libuv's worker, which newer libuv names itself).
    const comm = readFileSync("/proc/self/comm", "utf8").trim();
    assert.equal([ours[0]?.comm, ours[3]?.comm, ours[4]?.comm], ["getent", comm, comm]);
    // A lookup through the name service switch takes some microseconds at least, and here never seconds.
    for (const e of ours) assert.ok(e.latencyUs > 0n && e.latencyUs < 10_000_000n, `${e.comm} ${e.host}: ${e.latencyUs} us`);
    assert.is(maps.lookups.lost, 0n);
  } finally {
    await t.close();
  }
});

test.run();
