// hardware() and software() perf events against the running kernel, on a workload with a known number of page
// faults and context switches (test/fixtures/tools/touch-pages.c, built here): one process counted by tsbpf -p,
// bpftrace and perf stat on the same run (held stopped until all three are attached); a -c command whose work runs
// in a thread it starts later (the per-process events are inherited); the whole machine (one event per CPU) through
// load(). Hardware cycles: on a machine without a PMU, the one line that says so (exit 1, no stack trace) and an
// optional probe skipped; where there is a PMU, a busy loop's cycles counted.
//
// The margin: the workload touches PAGES pages, and exec and the C runtime's start fault about 50 more times
// (measured with perf stat: 49..53 over 10 runs of `touch-pages 0 0`, 1051..1053 for 1000 pages; tsbpf, bpftrace
// and perf stat all counted 2051 for 2000 pages on the same run); a held -c or -p
// process also counts /bin/sh's exec. So the count is at least PAGES and at most PAGES + 300.

import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { load } from "../../load.ts";
import { STACK_FRAME, runCli } from "../support/cli.ts";
import { kernelTest } from "../support/kernel.ts";
import { has, lacks, skip } from "../support/skip.ts";
import { waitFor } from "../support/wait.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const scratch = mkdtempSync(join(tmpdir(), "tsbpf-perf-events-"));
const env = { ...process.env, TSBPF_CACHE_DIR: join(scratch, "cache"), NO_COLOR: "1" };
const FAULTS = join(root, "test/fixtures/tools/perf-faults.ts");
const CYCLES = join(root, "test/fixtures/tools/perf-cycles.ts");
const PAGES = 2000;
const SLEEPS = 50;
const MARGIN = 300;

/** touch-pages built from its C source, or undefined (after a skip) without a C compiler. */
function workload(): string | undefined {
  const bin = join(scratch, "touch-pages");
  if (existsSync(bin)) return bin;
  const cc = spawnSync("cc", ["-O1", "-pthread", "-o", bin, join(root, "test/fixtures/tools/touch-pages.c")], { encoding: "utf8" });
  if (cc.error || cc.status !== 0) {
    skip(`cannot build the workload with cc: ${cc.error?.message ?? cc.stderr}`);
    return undefined;
  }
  return bin;
}

/** `@name[key]: value` lines of tsbpf's text output, by key. */
function counts(out: string, name: string): Map<number, number> {
  return new Map([...out.matchAll(new RegExp(`^@${name}\\[(\\d+)\\]: (\\d+)$`, "gm"))].map((m) => [Number(m[1]), Number(m[2])]));
}

const onlyValue = (m: Map<number, number>, pid: number): number => {
  assert.equal([...m.keys()], [pid], `only process ${pid} counted`);
  return m.get(pid)!;
};

interface Output {
  readonly child: ChildProcess;
  out: string;
  err: string;
  readonly exit: Promise<number | null>;
}

function collect(child: ChildProcess): Output {
  const r = { child, out: "", err: "", exit: new Promise<number | null>((resolve) => child.on("close", resolve)) };
  child.stdout!.on("data", (d: Buffer) => (r.out += d));
  child.stderr!.on("data", (d: Buffer) => (r.err += d));
  return r;
}

const state = (pid: number): string => {
  const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
  return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
};

const perfFds = (pid: number): number => {
  try {
    return readdirSync(`/proc/${pid}/fd`).filter((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`) === "anon_inode:[perf_event]";
      } catch {
        return false;
      }
    }).length;
  } catch {
    return 0;
  }
};

kernelTest(test, "software page-faults and context switches of one process: tsbpf -p, bpftrace and perf stat on the same run", async () => {
  const bin = workload();
  if (!bin) return;
  // Held stopped before exec until every tool is attached.
  const target = spawn("/bin/sh", ["-c", `kill -STOP $$; exec ${bin} ${PAGES} ${SLEEPS}`], { stdio: "ignore" });
  const pid = target.pid!;
  const tools: ChildProcess[] = [target];
  try {
    await waitFor(() => state(pid) === "T", "the workload to stop itself");
    const tsbpf = collect(spawn(process.execPath, [join(root, "bin/tsbpf.js"), "run", "--verbose", "-p", String(pid), FAULTS], { cwd: root, env }));
    // bpftrace's BEGIN runs once its other probes are attached.
    const bt = collect(spawn("bpftrace", ["-e", `BEGIN { printf("ready\\n"); } software:page-faults:1 /pid == ${pid}/ { @faults = count(); } software:cs:1 /pid == ${pid}/ { @switches = count(); }`], { env }));
    const perf = spawnSync("perf", ["--version"]).status === 0
      ? collect(spawn("perf", ["stat", "-x,", "-e", "page-faults,context-switches", "-p", String(pid)], { env }))
      : undefined;
    tools.push(tsbpf.child, bt.child, ...(perf ? [perf.child] : []));
    await waitFor(() => /^loaded and attached in /m.test(tsbpf.err), "tsbpf to attach", 60_000);
    await waitFor(() => /^ready$/m.test(bt.out), "bpftrace to attach", 60_000);
    if (perf) await waitFor(() => perfFds(perf.child.pid!) >= 2, "perf stat to open its events", 60_000);
    process.kill(pid, "SIGCONT");
    await waitFor(() => target.exitCode !== null || target.signalCode !== null, "the workload to end", 60_000);
    assert.is(target.exitCode, 0);
    assert.is(await tsbpf.exit, 0, tsbpf.err);
    const faults = onlyValue(counts(tsbpf.out, "faults"), pid);
    const aligned = onlyValue(counts(tsbpf.out, "aligned"), pid);
    const switches = onlyValue(counts(tsbpf.out, "switches"), pid);
    assert.not.match(tsbpf.out, /@badPeriod/, "every sample's period is 1");
    assert.ok(faults >= PAGES && faults <= PAGES + MARGIN, `${faults} page faults for ${PAGES} pages touched`);
    assert.ok(aligned >= PAGES && aligned <= faults, `${aligned} faults at a page-aligned address (ctx.addr())`);
    assert.ok(switches >= SLEEPS && switches <= SLEEPS + MARGIN, `${switches} context switches for ${SLEEPS} sleeps`);

    // bpftrace prints its maps when interrupted.
    bt.child.kill("SIGINT");
    assert.is(await bt.exit, 0, bt.err);
    const btFaults = Number(/^@faults: (\d+)$/m.exec(bt.out)?.[1]);
    const btSwitches = Number(/^@switches: (\d+)$/m.exec(bt.out)?.[1]);
    console.log(`  tsbpf: ${faults} faults, ${switches} switches; bpftrace: ${btFaults}, ${btSwitches}`);
    assert.ok(Math.abs(faults - btFaults) <= 10, `tsbpf counted ${faults} faults, bpftrace ${btFaults}`);
    assert.ok(Math.abs(switches - btSwitches) <= 10, `tsbpf counted ${switches} switches, bpftrace ${btSwitches}`);
    if (perf) {
      assert.is(await perf.exit, 0, perf.err);
      const stat = (event: string) => Number(new RegExp(`^(\\d+),[^,]*,${event},`, "m").exec(perf.err)?.[1]);
      console.log(`  perf stat: ${stat("page-faults")} faults, ${stat("context-switches")} switches`);
      assert.ok(Math.abs(faults - stat("page-faults")) <= 10, `tsbpf counted ${faults} faults, perf stat ${stat("page-faults")}`);
      assert.ok(Math.abs(switches - stat("context-switches")) <= 10, `tsbpf counted ${switches} switches, perf stat ${stat("context-switches")}`);
    } else {
      skip("perf (linux-perf) is not installed: no comparison with perf stat");
    }
  } finally {
    for (const c of tools) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  }
});

kernelTest(test, "-c: the command's later thread counts too (the per-process events are inherited)", async () => {
  const bin = workload();
  if (!bin) return;
  const r = await runCli(["run", "--verbose", FAULTS, "-c", `${bin} ${PAGES} ${SLEEPS} 1`], env);
  assert.is(r.status, 0, r.stderr);
  const pid = Number(/^tracing process (\d+)$/m.exec(r.stderr)?.[1]);
  const faults = onlyValue(counts(r.stdout, "faults"), pid);
  assert.ok(faults >= PAGES && faults <= PAGES + MARGIN, `${faults} page faults for ${PAGES} pages touched in a thread`);
  assert.ok(onlyValue(counts(r.stdout, "switches"), pid) >= SLEEPS);
});

kernelTest(test, "without a process: one event per CPU, every process's faults counted (load())", async () => {
  const bin = workload();
  if (!bin) return;
  await using t = await load<typeof import("../fixtures/tools/perf-faults.ts")>(FAULTS, { cache: false });
  const child = spawn(bin, [String(PAGES), String(SLEEPS)], { stdio: "ignore" });
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  assert.is(code, 0);
  // The child's count starts at fork, in Node's process image: a little more than a -c command's.
  const faults = Number(t.maps.faults.get(child.pid!) ?? 0n);
  assert.ok(faults >= PAGES && faults <= PAGES + MARGIN, `${faults} page faults for ${PAGES} pages touched`);
  assert.ok(Number(t.maps.aligned.get(child.pid!) ?? 0n) >= PAGES);
  assert.ok(Number(t.maps.switches.get(child.pid!) ?? 0n) >= SLEEPS);
});

kernelTest(test, "hardware cycles without a PMU: one line saying so, exit 1, no stack trace; an optional probe is skipped", async () => {
  if (await has("cpu-pmu")) return;
  const r = await runCli(["run", CYCLES, "-c", "true"], env);
  assert.is(r.status, 1, r.stderr);
  assert.match(r.stderr, /^error: this CPU has no hardware performance counters \(no PMU exposed to this machine, e\.g\. a VM without vPMU\): hardware:cycles cannot be sampled; software events work$/m);
  assert.not.match(r.stderr, STACK_FRAME);
  const optional = join(scratch, "optional-cycles.ts");
  writeFileSync(optional, `import { Count, hardware, software } from "tsbpf";
export const cycles = new Count();
export const faults = new Count();
hardware("cycles", { period: 100000, optional: true }, () => { cycles.increment(); });
software("page-faults", { period: 1 }, () => { faults.increment(); });
`);
  const o = await runCli(["run", optional, "-c", "true"], env);
  assert.is(o.status, 0, o.stderr);
  assert.match(o.stderr, /hardware:cycles:100000.*no hardware performance counters/);
  assert.match(o.stdout, /^@faults: \d+$/m);
});

kernelTest(test, "hardware cycles where the CPU has a PMU: a busy loop's cycles are counted", async () => {
  if (await lacks("cpu-pmu")) return;
  const r = await runCli(["run", "--verbose", CYCLES, "-c", `/bin/sh -c 'i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done'`], env);
  assert.is(r.status, 0, r.stderr);
  const pid = Number(/^tracing process (\d+)$/m.exec(r.stderr)?.[1]);
  assert.ok(onlyValue(counts(r.stdout, "cycles"), pid) > 0, r.stdout);
});

test.run();
