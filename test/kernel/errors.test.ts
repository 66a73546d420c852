// The running kernel's refusals and what tsbpf says about them: maps too large for the kernel's limits (E2BIG, or
// ENOMEM for more memory than the machine has), invalid definitions (EINVAL), a tracer whose large local needs a
// per-CPU scratch map over the 32 KiB limit, and more programs on one tracepoint than BPF_TRACE_MAX_PROGS. Each
// refusal is cheap: the kernel checks the sizes before it allocates anything. Only this test's own objects are
// counted (this process's fds), since other tracers may be loaded on the machine.

import { readdirSync } from "node:fs";
import { join } from "node:path";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Exit, Mov, R0, resolve } from "../../core/asm/index.ts";
import type { CollectionSpec, MapSpec } from "../../core/object/spec.ts";
import { compile } from "../../compiler/index.ts";
import { Collection } from "../../runtime/kernel/collection.ts";
import { BPF_TRACE_MAX_PROGS, BpfError, UnsupportedFeatureError } from "../../runtime/kernel/errors.ts";
import { Kernel } from "../../runtime/kernel/kernel.ts";
import { BpfMap, HASH_ELEMENT_MAX, HASH_ENTRIES_MAX, PERCPU_VALUE_MAX } from "../../runtime/kernel/maps.ts";
import { kernelTest } from "../support/kernel.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const openFds = () => readdirSync("/proc/self/fd").length;

/** The error BpfMap.create throws for `spec` on this kernel (the test fails if the kernel accepts it). */
function refusal(sys: Parameters<typeof BpfMap.create>[0], spec: MapSpec): BpfError {
  const before = openFds();
  try {
    BpfMap.create(sys, spec).close();
  } catch (e) {
    assert.instance(e, BpfError, String(e));
    assert.is(openFds(), before, "no fd left open by the refusal or the feature probe");
    return e as BpfError;
  }
  throw new assert.Assertion({ message: `the kernel accepted ${JSON.stringify(spec)}`, generated: false, operator: "refusal", expects: "", actual: "" });
}

kernelTest(test, "map limits: E2BIG is 'too large' with the limit, never 'this kernel does not support'", (sys) => {
  const cases: [MapSpec, string][] = [
    [{ name: "pcpu", type: "percpu_array", keySize: 4, valueSize: 1 << 20, maxEntries: 1 }, `too large: 1048576 bytes per value, limit ${PERCPU_VALUE_MAX} for a per-CPU map`],
    [{ name: "pcpu", type: "percpu_hash", keySize: 4, valueSize: PERCPU_VALUE_MAX + 1, maxEntries: 1 }, `too large: ${PERCPU_VALUE_MAX + 1} bytes per value`],
    [{ name: "entries", type: "hash", keySize: 4, valueSize: 4096, maxEntries: 1 << 28 }, `too large: 268435456 entries, limit ${HASH_ENTRIES_MAX} (2^27)`],
    [{ name: "entries", type: "lru_hash", keySize: 4, valueSize: 8, maxEntries: HASH_ENTRIES_MAX + 1 }, `too large: ${HASH_ENTRIES_MAX + 1} entries`],
    [{ name: "elem", type: "hash", keySize: 4, valueSize: HASH_ELEMENT_MAX - 3, maxEntries: 1 }, `too large: ${HASH_ELEMENT_MAX + 1} bytes per element`],
  ];
  for (const [spec, message] of cases) {
    const e = refusal(sys, spec);
    assert.is(e.code, "E2BIG", `${spec.name}: ${e.message}`);
    assert.not.instance(e, UnsupportedFeatureError);
    assert.match(e.message, message);
  }
  // At each size limit, the same maps are created: the limits are the kernel's, not guesses. (Not the entries
  // limit: 2^27 entries allocate 2 GiB of buckets.)
  for (const spec of [
    { name: "pcpu", type: "percpu_array", keySize: 4, valueSize: PERCPU_VALUE_MAX, maxEntries: 1 },
    { name: "elem", type: "hash", keySize: 4, valueSize: HASH_ELEMENT_MAX - 4, maxEntries: 1 },
  ] as MapSpec[]) BpfMap.create(sys, spec).close();
});

kernelTest(test, "map limits: ENOMEM for an array larger than the machine is 'too large', with its size", (sys) => {
  const e = refusal(sys, { name: "huge", type: "array", keySize: 4, valueSize: 4096, maxEntries: 1 << 28 });
  assert.is(e.code, "ENOMEM", e.message);
  assert.match(e.message, "too large: 1.0 TiB: 268435456 entries of 4 + 4096 bytes, more than this machine's memory");
});

kernelTest(test, "map definitions: EINVAL names the invalid field", (sys) => {
  const cases: [MapSpec, string][] = [
    [{ name: "bad", type: "hash", keySize: 0, valueSize: 8, maxEntries: 1 }, "key_size is 0"],
    [{ name: "bad", type: "hash", keySize: 4, valueSize: 0, maxEntries: 1 }, "value_size is 0"],
    [{ name: "bad", type: "hash", keySize: 4, valueSize: 8, maxEntries: 0 }, "max_entries is 0"],
    [{ name: "bad", type: "array", keySize: 8, valueSize: 8, maxEntries: 1 }, "key_size is 8"],
    [{ name: "bad", type: "ringbuf", keySize: 0, valueSize: 0, maxEntries: 1000 }, "the kernel rejected the size 1000"],
  ];
  for (const [spec, message] of cases) {
    const e = refusal(sys, spec);
    assert.is(e.code, "EINVAL", e.message);
    assert.match(e.message, message);
  }
});

kernelTest(test, "a tracer with a 1 MB local: the compiler refuses it at the local (TSB2062); a scratch map the kernel finds too large says whose", async (sys) => {
  const big = (n: number) => `import { tracepoint, Count, type u8, type u32, type FixedArray } from "tsbpf";
export const calls = new Count<u32>();
tracepoint("syscalls/sys_enter_getppid", () => {
  const buf: FixedArray<u8, ${n}> = [];
  buf[3] = 1;
  calls.increment(buf[3]!);
});
`;
  const refused = compile(join(root, "test/fixtures/big-local.ts"), { text: big(1048576) });
  assert.not.ok(refused.spec, "a 1 MB local compiled");
  const d = refused.diagnostics.find((x) => x.code === "TSB2062");
  assert.ok(d, refused.diagnostics.map((x) => `${x.code} ${x.message}`).join("\n"));
  assert.is(d!.span?.line, 4);
  // The runtime's explanation, for a scratch map the kernel refuses all the same (a spec built elsewhere, or a
  // kernel with a lower limit): a compiled 1 KiB local whose scratch map is made 1 MiB before loading.
  const r = compile(join(root, "test/fixtures/big-local.ts"), { text: big(1024) });
  assert.ok(r.spec, r.diagnostics.map((x) => x.message).join("\n"));
  const spec: CollectionSpec = { ...r.spec, maps: r.spec.maps.map((m) => (m.name.startsWith(".scratch") ? { ...m, valueSize: 1048576 } : m)) };
  const before = openFds();
  try {
    await Collection.load(spec, { kernel: new Kernel(sys), track: false });
    assert.unreachable("the kernel accepted a 1 MB per-CPU value");
  } catch (e) {
    assert.instance(e, BpfError);
    assert.match((e as Error).message, "create map .scratch.sys_enter_getppid (percpu_array): too large: 1048576 bytes per value, limit 32768");
    assert.match((e as BpfError).hint ?? "", "the scratch memory of program sys_enter_getppid");
  }
  assert.is(openFds(), before, "every map created before the refusal is closed");
});

kernelTest(test, `more than ${BPF_TRACE_MAX_PROGS} programs on one tracepoint: E2BIG explained as the kernel's per-event limit`, async (sys) => {
  const count = BPF_TRACE_MAX_PROGS + 2;
  const spec: CollectionSpec = {
    maps: [],
    programs: Array.from({ length: count }, (_, i) => ({
      name: `many_${i}`, type: "tracepoint" as const, license: "GPL",
      attach: { kind: "tracepoint" as const, category: "syscalls", name: "sys_enter_getpgid" },
      instructions: resolve([Mov.imm(R0, 0), Exit()]),
    })),
  };
  const before = openFds();
  try {
    const c = await Collection.load(spec, { kernel: new Kernel(sys), track: false });
    await c.disposeAsync();
    assert.unreachable(`the kernel attached ${count} programs to one tracepoint`);
  } catch (e) {
    assert.instance(e, BpfError, String(e));
    assert.is((e as BpfError).code, "E2BIG", (e as Error).message);
    assert.match((e as Error).message, /^attach program many_\d+ to tracepoint syscalls\/sys_enter_getpgid: too many BPF programs on one event: the kernel allows 64 per tracepoint/);
    assert.match((e as BpfError).hint ?? "", "attach fewer probes to it");
  }
  assert.is(openFds(), before, "every program, perf event and link is released");
});

test.run();
