// Capturing a tracer module's map objects while it is imported and binding them to a spec's maps: construction
// order, the class check, the errors, user-side param(), and two copies of the runtime in one process (a bundle
// standing for the CLI, the sources for the package the tool imports) sharing one registry.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { u32, u64 } from "../../core/object/layout.ts";
import type { CollectionSpec, MapSpec } from "../../core/object/spec.ts";
import { MockMap } from "../../runtime/interp/maps.ts";
import type { EventBackend } from "../../runtime/user/backend.ts";
import { bindDeclarations, captureDeclarations } from "../../runtime/user/bind.ts";
import * as user from "../../runtime/user/index.ts";
import { param } from "../../runtime/user/params.ts";
import { CLASS, registry, setParamValues } from "../../runtime/user/registry.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const dir = mkdtempSync(join(tmpdir(), "tsbpf-user-bind-"));
const packageUrl = pathToFileURL(join(root, "index.ts")).href;

/** A tracer module (user side) in a file of its own, importing the package's index.ts. Each name is imported once. */
function tool(name: string, body: string): () => Promise<Record<string, unknown>> {
  const file = join(dir, `${name}.ts`);
  writeFileSync(file, `import { HashMap, Count, RingBuffer, param, tracepoint, bpf } from ${JSON.stringify(packageUrl)};\n${body}`);
  return () => import(pathToFileURL(file).href) as Promise<Record<string, unknown>>;
}

const TOOL = `
export const limit = param("limit", 5n);
export const verbose = param("verbose", false);
const start = new HashMap<number, bigint>(16);
export const calls = new Count();
export const events = new RingBuffer(4096);
tracepoint("syscalls/sys_enter_openat", () => { calls.increment(); });
export function main() { return new HashMap<number, bigint>(4); }
export const now = () => bpf.ktimeGetNs();
export { start };
`;

const evSpec: MapSpec = {
  name: "events", type: "ringbuf", keySize: 0, valueSize: 0, maxEntries: 4096,
  events: { type: { kind: "struct", fields: [{ name: "x", type: u64 }] }, lostMap: "events.lost" }, declared: { class: "RingBuffer", index: 2 },
};
const SPEC: CollectionSpec = {
  maps: [
    { name: "calls", type: "percpu_array", keySize: 4, valueSize: 8, maxEntries: 1, key: u32, value: u64, aggregation: { kind: "count", keyed: false }, declared: { class: "Count", index: 1 } },
    { name: "start", type: "hash", keySize: 4, valueSize: 8, maxEntries: 16, key: u32, value: u64, declared: { class: "HashMap", index: 0 } },
    evSpec,
    { name: "events.lost", type: "percpu_array", keySize: 4, valueSize: 8, maxEntries: 1, key: u32, value: u64 },
  ],
  programs: [],
};

const quiet: EventBackend = { spec: evSpec, drain: () => 0, wait: () => Promise.resolve(), lost: () => 3n, closed: true };

/** Backends for SPEC: MockMaps and a channel that has nothing. */
function backends() {
  const mocks = new Map(SPEC.maps.filter((m) => m.type !== "ringbuf").map((m) => [m.name, new MockMap(m, { cpus: 2 })]));
  return { mocks, backendFor: (name: string) => (name === "events" ? quiet : mocks.get(name)!) };
}

test("objects are captured in construction order and bound by declared index; objects made later stay unbound", async () => {
  const { module, objects } = await captureDeclarations(tool("t1", TOOL), { params: { limit: 9 } });
  assert.equal(objects.map((o) => o[CLASS]), ["HashMap", "Count", "RingBuffer"]);
  assert.is(registry().capture, undefined, "capturing stops with the import");
  const { mocks, backendFor } = backends();
  const bound = bindDeclarations(objects, SPEC, backendFor);
  assert.equal([...bound.keys()], ["start", "calls", "events"]);
  assert.is(bound.get("start"), module.start);
  const start = module.start as user.HashMap<number, bigint>;
  assert.is(start.set(1, 10n), true);
  assert.is(mocks.get("start")!.get(1), 10n);
  mocks.get("calls")!.set(0, [2n, 3n]);
  assert.is((module.calls as user.Count).get(), 5n);
  assert.is((module.events as user.RingBuffer<unknown>).lost, 3n);
  assert.is(module.limit, 9n, "param() returns the value the runner set, as the default's type");
  assert.is(module.verbose, false, "and the default when none was set");
  const late = (module.main as () => user.HashMap<number, bigint>)();
  assert.throws(() => late.get(1), /this HashMap is not bound to a kernel map/);
  const t = (module.now as () => bigint)();
  assert.ok(t > 0n && t <= process.hrtime.bigint());
});

test("a class mismatch names both classes and binds nothing", async () => {
  const { objects } = await captureDeclarations(tool("t2", TOOL));
  const swapped: CollectionSpec = { ...SPEC, maps: SPEC.maps.map((m) => (m.name === "calls" ? { ...m, declared: { class: "Sum", index: 1 } } : m)) };
  assert.throws(() => bindDeclarations(objects, swapped, backends().backendFor),
    /^map calls: the compiled tracer declares a Sum \(map declaration 2 of the module\), but the module constructed a Count there\. Was the module changed since it was compiled\?$/);
  assert.throws(() => (objects[0] as user.HashMap<number, bigint>).get(1), /not bound/, "nothing was bound");
  const fewer: CollectionSpec = { ...SPEC, maps: SPEC.maps.filter((m) => m.name !== "events") };
  assert.throws(() => bindDeclarations(objects, fewer, backends().backendFor),
    /^the tracer module constructed 3 map objects while it was imported, but the compiled tracer declares 2: start \(HashMap\), calls \(Count\)\. Was the module changed/);
});

test("a module imported before constructs nothing the second time, and the error says why", async () => {
  const again = await captureDeclarations(tool("t2", TOOL));
  assert.equal(again.objects, []);
  assert.throws(() => bindDeclarations(again.objects, SPEC, backends().backendFor), /constructed no map objects while it was imported, but the compiled tracer declares 3: .*was it imported before\?/);
});

test("one capture at a time; a failed import ends the capture", async () => {
  let release!: () => void;
  const slow = captureDeclarations(() => new Promise<void>((r) => (release = r)));
  await assertRejects(captureDeclarations(async () => {}), /another tracer module is being imported right now/);
  release();
  await slow;
  await assertRejects(captureDeclarations(() => Promise.reject(new Error("syntax error in tool"))), /syntax error in tool/);
  assert.is(registry().capture, undefined);
});

test("two copies of the runtime (a bundle and the sources) share the registry and bind each other's objects", async () => {
  const out = join(dir, "copy-a.mjs");
  await build({ entryPoints: [join(root, "runtime/user/index.ts")], bundle: true, format: "esm", platform: "node", packages: "external", outfile: out, logLevel: "silent" });
  const a = (await import(pathToFileURL(out).href)) as typeof user;
  assert.is.not(a.HashMap, user.HashMap, "really another copy");
  const { module, objects } = await a.captureDeclarations(tool("t3", TOOL), { params: { limit: 2, verbose: 1 } });
  assert.is(objects.length, 3, "the bundle captured what the sources constructed");
  assert.not.ok(objects[0] instanceof a.HashMap, "instanceof would not have found them");
  const { mocks, backendFor } = backends();
  a.bindDeclarations(objects, SPEC, backendFor);
  (module.start as user.HashMap<number, bigint>).add(4, 6n);
  assert.is(mocks.get("start")!.get(4), 6n);
  assert.equal([module.limit, module.verbose], [2n, true]);
  // And the other way round: the sources bind what the bundle constructs.
  const { module: fromBundle, objects: captured } = await captureDeclarations(async () => new a.Count());
  assert.equal(captured, [fromBundle]);
  bindDeclarations(captured, { maps: [SPEC.maps[0]!].map((m) => ({ ...m, declared: { class: "Count", index: 0 } })), programs: [] }, backendFor);
  mocks.get("calls")!.set(0, [1n, 1n]);
  assert.is(fromBundle.get(), 2n);
});

test("param(): the default, or the value set, converted to the default's type", () => {
  setParamValues({});
  assert.is(param("n", 3), 3);
  setParamValues({ n: 4n, big: 5, flag: 0, on: 1n });
  assert.is(param("n", 3), 4);
  assert.is(param("big", 0n), 5n);
  assert.is(param("flag", true), false);
  assert.is(param("on", false), true);
  setParamValues(new Map([["n", 8]]));
  assert.is(param("n", 0), 8);
  setParamValues({});
});

async function assertRejects(p: Promise<unknown>, re: RegExp): Promise<void> {
  assert.match(await p.then(() => "resolved", (e: Error) => e.message), re);
}

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
