// USDT probes in the kernel, on the workload of test/fixtures/usdt built here with <sys/sdt.h>: every site's count and
// argument values against what the program did (signed and unsigned ints of 1 to 8 bytes, in memory and in a
// register, constants, a string read through its pointer), a probe in a shared library, a semaphore the kernel sets
// while attached and clears after (the program prints it), per-process attach (a pid as the binary, and load()'s
// { pid }), tracefs uprobe_events instead of the PMU, a probe missing at load time, and bpftrace's usdt: on the same binary giving the same values.

import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { compile } from "../../compiler/index.ts";
import { load } from "../../load.ts";
import { Tracer } from "../../runtime/user/tracer.ts";
import { kernelTest } from "../support/kernel.ts";
import { skip } from "../support/skip.ts";
import { type UsdtApp, buildUsdtApp } from "../support/usdt-app.ts";
import { waitFor } from "../support/wait.ts";

const dir = mkdtempSync(join(tmpdir(), "tsbpf-usdt-"));
const env = { TSBPF_CACHE_DIR: join(dir, "cache") };
Object.assign(process.env, env);
const built = buildUsdtApp(dir);
const app = (): UsdtApp | undefined => ("reason" in built ? (skip(built.reason), undefined) : built);
const N = 5;

interface Workload {
  readonly child: ChildProcess;
  readonly pid: number;
  out: string;
  readonly exited: Promise<number | null>;
}

/** Starts the program, waiting for its first line ("ready E"). */
async function start(path: string): Promise<Workload> {
  const child = spawn(path, [String(N)], { stdio: ["pipe", "pipe", "inherit"] });
  const w: Workload = { child, pid: child.pid!, out: "", exited: new Promise((resolve) => child.on("exit", resolve)) };
  child.stdout!.on("data", (d: Buffer) => (w.out += d));
  await waitFor(() => w.out.includes("\n") || child.exitCode !== null, "the workload to start");
  return w;
}

/** Sends a line and waits for the program's line starting with `until`. */
async function step(w: Workload, until: string): Promise<void> {
  w.child.stdin!.write("go\n");
  await waitFor(() => new RegExp(`^${until}`, "m").test(w.out) || w.child.exitCode !== null, `the workload to print ${until}`);
}

function tracer(name: string, body: string): string {
  const path = join(dir, `${name}.ts`);
  writeFileSync(path, `import { usdt, bpf, Count, HashMap, type u32, type i64, type Str } from "tsbpf";\n${body}`);
  return path;
}

kernelTest(test, "every site's arguments, a library's probe, constants, a string, and the semaphore set only while attached", async () => {
  const a = app();
  if (!a) return;
  const path = tracer("all", `
export const hits = new Count<u32>();
export const vals = new HashMap<u32, i64>(64);
export const words = new HashMap<u32, Str<8>>(8);
usdt(${JSON.stringify(a.app)}, "app", "tick", (ctx) => {
  const i = Number(ctx.arg(3) - (1n << 40n));
  hits.increment(1);
  vals.set(i * 10, ctx.arg(0));
  vals.set(i * 10 + 1, ctx.arg(1));
  vals.set(i * 10 + 2, ctx.arg(2));
  vals.set(i * 10 + 3, BigInt(ctx.argCount()));
  words.set(i, bpf.probeReadUserStr(ctx.arg(4), 8));
});
usdt(${JSON.stringify(a.app)}, "app", "consts", (ctx) => {
  hits.increment(2);
  vals.set(100 + Number(ctx.arg(2)), ctx.arg(0) * 1000n + ctx.arg(1));
});
usdt(${JSON.stringify(a.lib)}, "lib", "fire", (ctx) => { hits.increment(3); vals.set(200 + Number(ctx.arg(0)), ctx.arg(0)); });
usdt(${JSON.stringify(a.app)}, "app", "guarded", (ctx) => { hits.increment(4); vals.set(300 - Number(ctx.arg(0)), ctx.arg(0)); });
`);
  const w = await start(a.app);
  try {
    assert.match(w.out, /^ready 0$/m, "no semaphore set before attaching");
    const t = await load<{ hits: unknown; vals: unknown; words: unknown }>(path);
    try {
      await step(w, "done");
      assert.match(w.out, /^enabled 1$/m, "the kernel set the semaphore while attached");
      const hits = t.maps.hits as { get(k: number): bigint | undefined };
      for (const k of [1, 2, 3, 4]) assert.is(hits.get(k), BigInt(N), `probe ${k} fired ${N} times`);
      const vals = new Map([...(t.maps.vals as { entries(): Iterable<[number, bigint]> }).entries()]);
      const words = new Map([...(t.maps.words as { entries(): Iterable<[number, string]> }).entries()]);
      for (let i = 0; i < N; i++) {
        // app.c: int8 -i, uint16 60000 + i, int32 -100000 * i, then five arguments; the string by parity.
        assert.equal([vals.get(i * 10), vals.get(i * 10 + 1), vals.get(i * 10 + 2), vals.get(i * 10 + 3)], [BigInt(-i), BigInt(60000 + i), BigInt(-100000 * i), 5n], `tick ${i}`);
        assert.is(words.get(i), i % 2 ? "odd" : "even");
        assert.is(vals.get(100 + i), 5n * 1000n - 3n, `consts ${i}: 5 and -3`);
        assert.is(vals.get(200 + 7 * i), BigInt(7 * i), `lib:fire ${i}`);
        assert.is(vals.get(300 + i), BigInt(-i), `guarded ${i}`);
      }
    } finally {
      await t.close();
    }
    await step(w, "after");
    assert.match(w.out, /^after 0$/m, "the semaphore is cleared when the probe is detached");
    assert.is(await w.exited, 0);
  } finally {
    w.child.kill("SIGKILL");
  }
});

kernelTest(test, "through tracefs uprobe_events too: the semaphore as path:0xoff(0xref), arguments by cookie", async () => {
  const a = app();
  if (!a) return;
  const path = tracer("legacy", `
export const sum = new Count<u32>();
usdt(${JSON.stringify(a.app)}, "app", "guarded", (ctx) => { sum.increment(Number(-ctx.arg(0))); });
`);
  const compiled = compile(path);
  assert.ok(compiled.spec, compiled.diagnostics.map((d) => d.message).join("\n"));
  const w = await start(a.app);
  try {
    const t = await Tracer.open(compiled.spec!, { collection: { legacyProbes: true } });
    try {
      assert.match(t.collection.links[0]!.mechanism, /^tracefs uprobe_events /);
      await step(w, "done");
      assert.match(w.out, /^enabled 1$/m);
      assert.equal([...(t.maps.sum as unknown as { entries(): Iterable<[number, bigint]> }).entries()].sort((x, y) => x[0] - y[0]),
        Array.from({ length: N }, (_, i) => [i, 1n]));
    } finally {
      await t.close();
    }
    await step(w, "after");
    assert.match(w.out, /^after 0$/m);
  } finally {
    w.child.kill("SIGKILL");
  }
});

kernelTest(test, "a pid as the binary, and load()'s { pid }, attach to that process only", async () => {
  const a = app();
  if (!a) return;
  const target = await start(a.app);
  const twin = await start(a.app);
  try {
    const byPid = tracer("pid", `
export const ticks = new Count<u32>();
usdt(${target.pid}, "app", "tick", (ctx) => { ticks.increment(bpf.pid()); });
`);
    const byPath = tracer("path", `
export const fires = new Count<u32>();
usdt(${JSON.stringify(a.lib)}, "lib", "fire", (ctx) => { fires.increment(bpf.pid()); });
`);
    const t1 = await load<{ ticks: unknown }>(byPid);
    const t2 = await load<{ fires: unknown }>(byPath, { pid: twin.pid });
    try {
      await Promise.all([step(target, "done"), step(twin, "done")]);
      const ticks = [...(t1.maps.ticks as { entries(): Iterable<[number, bigint]> }).entries()];
      const fires = [...(t2.maps.fires as { entries(): Iterable<[number, bigint]> }).entries()];
      assert.equal(ticks, [[target.pid, BigInt(N)]]);
      assert.equal(fires, [[twin.pid, BigInt(N)]]);
    } finally {
      await t1.close();
      await t2.close();
    }
  } finally {
    target.child.kill("SIGKILL");
    twin.child.kill("SIGKILL");
  }
});

kernelTest(test, "a probe the binary lacks, found on $PATH at load, fails naming the binary, the probe and what it has", async () => {
  const a = app();
  if (!a) return;
  const saved = process.env.PATH;
  process.env.PATH = `${dir}:${saved ?? ""}`;
  try {
    const path = tracer("missing", `export const n = new Count<u32>();\nusdt("tsbpf-usdt-app", "app", "nosuch", (ctx) => { n.increment(1); });\n`);
    let err: unknown;
    try {
      await (await load(path)).close();
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof Error, "load() fails");
    assert.match((err as Error).message, `no USDT probe app:nosuch in ${a.app}`);
    assert.match((err as { hint?: string }).hint ?? "", /its probes: app:tick \(.*\), app:consts/);
  } finally {
    process.env.PATH = saved;
  }
});

kernelTest(test, "bpftrace's usdt: on the same binary reads the same arguments", async () => {
  const a = app();
  if (!a) return;
  // Not lib:fire: bpftrace 0.17 -c looks a library's probes up in the command's mappings before the command has run,
  // and finds none ("Error finding location for probe"); tsbpf attaches to the library's file.
  const script = `usdt:${a.app}:app:tick { printf("tick %d %d %d %s\\n", arg0, arg1, arg2, str(arg4)); } usdt:${a.app}:app:consts { printf("consts %d %d %d\\n", arg0, arg1, arg2); }`;
  // -c starts the workload once every probe is attached, and ends bpftrace (flushing its output) when it exits; the
  // workload reads its two lines from bpftrace's stdin.
  const bt = spawn("bpftrace", ["-e", script, "-c", `${a.app} ${N}`], { stdio: ["pipe", "pipe", "pipe"] });
  let out = "", err = "";
  bt.stdout!.on("data", (d: Buffer) => (out += d));
  bt.stderr!.on("data", (d: Buffer) => (err += d));
  const spawned = await new Promise<boolean>((resolve) => {
    bt.once("error", () => resolve(false));
    bt.once("spawn", () => resolve(true));
  });
  if (!spawned) return skip("bpftrace is not installed");
  bt.stdin!.end("go\ngo\n");
  try {
    await waitFor(() => bt.exitCode !== null || bt.signalCode !== null, "bpftrace -c to end", 60_000);
    const want = Array.from({ length: N }, (_, i) => [`tick ${-i} ${60000 + i} ${-100000 * i} ${i % 2 ? "odd" : "even"}`, `consts 5 -3 ${i}`]).flat();
    assert.equal(out.split("\n").filter((l) => /^(tick|consts) /.test(l)), want, `${out}\n${err}`);
  } finally {
    if (bt.exitCode === null && bt.signalCode === null) bt.kill("SIGKILL");
  }
});

test.run();
