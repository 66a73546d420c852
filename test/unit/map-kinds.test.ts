// core/maps.ts and core/aggregations.ts are the tables of map kinds and aggregations: checked against the running
// kernel's `enum bpf_map_type`, and both ways against what each side implements: every class the tables name is
// declared to the editor, exported to Node, made by the user-side binder, and every kind the VM claims to simulate
// builds its mock; no user-side class is missing from the tables.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { AGGREGATIONS } from "../../core/aggregations.ts";
import { MAP_KINDS, type MapType, mapKindOfClass, mapKindOfId } from "../../core/maps.ts";
import { parseBtf } from "../../core/object/btf/index.ts";
import type { MapSpec } from "../../core/object/spec.ts";
import { SimCollection } from "../../runtime/interp/collection.ts";
import { MockPerfEventArray, MockRingBuffer } from "../../runtime/interp/events.ts";
import { MockMap } from "../../runtime/interp/maps.ts";
import { MockStackTraceMap } from "../../runtime/interp/stacks.ts";
import { USER_CLASSES } from "../../runtime/user/bind.ts";
import * as tsbpf from "../../index.ts";
import { lacksVmlinuxBtf } from "../support/skip.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const VMLINUX = "/sys/kernel/btf/vmlinux";
const tableClasses = [
  ...Object.values(MAP_KINDS).flatMap((k) => (k.class ? [k.class] : [])),
  ...Object.values(AGGREGATIONS).map((a) => a.class),
];

test("every map kind's id is the running kernel's BPF_MAP_TYPE_* of the same name", () => {
  if (lacksVmlinuxBtf()) return;
  const [e] = parseBtf(readFileSync(VMLINUX)).findByName("bpf_map_type", "enum");
  assert.ok(e && e.kind === "enum");
  const kernel = new Map(e.values.map((v) => [v.name, v.value]));
  for (const [type, k] of Object.entries(MAP_KINDS)) {
    assert.is(k.type, type);
    assert.is(kernel.get(`BPF_MAP_TYPE_${type.toUpperCase()}`), k.id, `${type} is ${k.id}`);
    assert.is(mapKindOfId(k.id), k);
  }
});

test("the flags agree with the kernel's names", () => {
  for (const k of Object.values(MAP_KINDS)) {
    assert.is(k.perCpu, k.type.includes("percpu"), `${k.type}: per-CPU`);
    assert.is(k.lru, k.type.startsWith("lru_"), `${k.type}: LRU`);
    if (k.class) assert.is(mapKindOfClass(k.class), k);
  }
});

test("every class of the tables is declared to the editor, exported to Node and made by the binder; and no other", () => {
  const dts = readFileSync(join(root, "stdlib-types", "index.d.ts"), "utf8");
  const declared = [...dts.matchAll(/^export declare class (\w+)/gm)].map((m) => m[1]!);
  const exported = tsbpf as unknown as Record<string, unknown>;
  for (const cls of tableClasses) {
    assert.ok(declared.includes(cls), `stdlib-types/index.d.ts declares ${cls}`);
    assert.type(exported[cls], "function", `the package exports ${cls}`);
    assert.ok(USER_CLASSES.includes(cls), `runtime/user/bind.ts makes ${cls}`);
  }
  assert.equal([...USER_CLASSES].sort(), [...tableClasses].sort(), "the binder makes exactly the tables' classes");
  assert.equal([...declared].sort(), [...tableClasses].sort(), "stdlib-types declares exactly the tables' classes");
});

test("every kind the VM simulates builds its mock; the others are refused by name", () => {
  const mocks = { map: MockMap, ringbuf: MockRingBuffer, perf: MockPerfEventArray, stack: MockStackTraceMap } as const;
  for (const k of Object.values(MAP_KINDS)) {
    const spec: MapSpec = {
      name: "m", type: k.type as MapType, keySize: k.channel === "ringbuf" ? 0 : 4,
      valueSize: k.type === "stack_trace" ? 8 * 127 : k.channel === "perf" ? 4 : k.channel === "ringbuf" ? 0 : 8,
      maxEntries: k.channel === "ringbuf" ? 4096 : k.channel === "perf" ? 0 : 4,
      ...(k.channel ? { events: { type: { kind: "int", size: 8, signed: false }, lostMap: "lost" } } : {}),
    };
    const build = () => new SimCollection({ maps: [spec], programs: [] });
    if (!k.vm) {
      assert.throws(build, new RegExp(`${k.type} maps are not simulated`));
      continue;
    }
    const c = build();
    const made = c.maps.get("m") ?? c.channels.get("m") ?? c.stackMaps.get("m");
    assert.ok(made instanceof mocks[k.vm], `${k.type} is simulated by ${mocks[k.vm].name}`);
  }
});

test.run();
