// The rest of the user-side API: `bpf` (helpers throw, except ktimeGetNs), the probe declarators (no-ops), and the
// package's index.ts: it exports every class and function of stdlib-types/index.d.ts but load(), and importing it
// loads neither the TypeScript compiler nor koffi.

import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { HELPER_NAMES } from "../../core/helpers/table.ts";
import * as tsbpf from "../../index.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");

test("bpf: every helper of the table; calling one on the user side throws and says where it runs", () => {
  assert.equal(Object.keys(tsbpf.bpf).sort(), [...HELPER_NAMES].sort());
  assert.throws(() => tsbpf.bpf.comm!(), /^bpf\.comm\(\) runs in probe handlers only; on the user side, use process\.title$/);
  assert.throws(() => tsbpf.bpf.probeReadKernel!(), /^bpf\.probeReadKernel\(\) runs in probe handlers only; on the user side, it reads the state/);
  assert.ok(Object.isFrozen(tsbpf.bpf));
});

test("bpf.ktimeGetNs() is CLOCK_MONOTONIC in ns, the kernel's clock (the same as process.hrtime)", () => {
  const before = process.hrtime.bigint();
  const t = tsbpf.bpf.ktimeGetNs!() as bigint;
  const after = process.hrtime.bigint();
  assert.is(typeof t, "bigint");
  assert.ok(before <= t && t <= after);
  // /proc/uptime is CLOCK_BOOTTIME, which equals CLOCK_MONOTONIC on a machine that never suspended: at most apart
  // by the time spent suspended, and never behind.
  const uptime = BigInt(Math.round(Number(readFileSync("/proc/uptime", "utf8").split(" ")[0]) * 1e9));
  assert.ok(t <= uptime + 20_000_000n, `monotonic ${t} is not ahead of boottime ${uptime}`);
});

test("the probe declarators do nothing on the user side", () => {
  let called = false;
  const h = () => {
    called = true;
  };
  tsbpf.tracepoint("syscalls/sys_enter_openat", h);
  tsbpf.rawTracepoint("sys_enter", h);
  tsbpf.tpBtf("sched_switch", h);
  tsbpf.uprobe("libc", "malloc", h);
  tsbpf.uretprobe("libc", "malloc", h);
  tsbpf.kprobe("do_sys_openat2", h);
  tsbpf.kretprobe("do_sys_openat2", h);
  tsbpf.fentry("do_sys_openat2", h);
  tsbpf.fexit("do_sys_openat2", h);
  tsbpf.profile(99, h);
  tsbpf.interval(1000, h);
  assert.is(called, false);
});

test("index.ts exports every class and function that stdlib-types/index.d.ts declares, load() aside", () => {
  const dts = readFileSync(join(root, "stdlib-types/index.d.ts"), "utf8");
  const declared = [...dts.matchAll(/^export declare (?:class|function) (\w+)/gm)].map((m) => m[1]!).filter((n) => n !== "load");
  assert.ok(declared.length >= 20, `found ${declared.length}`);
  const missing = declared.filter((n) => typeof (tsbpf as Record<string, unknown>)[n] !== "function");
  assert.equal(missing, []);
  assert.type(tsbpf.bpf, "object");
  for (const n of ["captureDeclarations", "bindDeclarations", "objectsFromSpec", "kernelBackends", "simBackends", "setParamValues"]) {
    assert.type((tsbpf as Record<string, unknown>)[n], "function", n);
  }
});

test("importing index.ts loads neither the TypeScript compiler nor koffi", () => {
  const probe = `
    const m = await import(${JSON.stringify(pathToFileURL(join(root, "index.ts")).href)});
    const { createRequire } = await import("node:module");
    const cache = Object.keys(createRequire(import.meta.url).cache);
    console.log(JSON.stringify({ exports: Object.keys(m).length, heavy: cache.filter((p) => /node_modules[\\\\/](koffi|ts-morph|typescript)[\\\\/]/.test(p)) }));
  `;
  const out = execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", probe], { cwd: root, encoding: "utf8" });
  const r = JSON.parse(out.trim().split("\n").pop()!) as { exports: number; heavy: string[] };
  assert.ok(r.exports > 30);
  assert.equal(r.heavy, []);
});

test.run();
