// The `Syscall` type through the compiler: recognised as a u32 with the "syscall" display hint wherever a layout type
// goes (aggregation keys, struct fields, map values, event fields, through a tracer's own alias), `top` carried into
// the spec; and in the VM the compiled tracer prints names where tsbpf run would, and so does the user side's print().

import { test } from "uvu";
import * as assert from "uvu/assert";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { compile } from "../../compiler/index.ts";
import type { TypeDesc } from "../../core/object/layout.ts";
import { simulate } from "../../testing.ts";
import { skip } from "../support/skip.ts";

const fixture = join(dirname(fileURLToPath(import.meta.url)), "../fixtures/vm/syscall-types.ts");
const SYSCALL: TypeDesc = { kind: "int", size: 4, signed: false, display: "syscall" };
/** openat and getppid on the running architecture (the kernel's tables, copied by hand). */
const NR = ({ x64: { openat: 257, getppid: 110 }, arm64: { openat: 56, getppid: 173 } } as Record<string, { openat: number; getppid: number }>)[process.arch];

test("the spec: Syscall is a u32 with the display hint in keys, struct fields, values and events; top is kept", () => {
  const r = compile(fixture);
  assert.equal(r.diagnostics, []);
  const map = (name: string) => r.spec!.maps.find((m) => m.name === name)!;
  assert.equal(map("calls").aggregation, { kind: "count", keyed: true, key: SYSCALL, top: 2 });
  assert.equal(map("calls").key, SYSCALL);
  assert.equal(map("byProcess").aggregation?.key, { kind: "struct", name: "ByProcess", fields: [{ name: "comm", type: { kind: "string", capacity: 16 } }, { name: "nr", type: SYSCALL }] });
  assert.equal(map("current").value, SYSCALL);
  assert.equal(map("events").events?.type, { kind: "struct", name: "Call", fields: [{ name: "pid", type: { kind: "int", size: 4, signed: false } }, { name: "nr", type: SYSCALL }] });
});

test("in the VM: names in every place, the top 2 of 3 keys, and events decoded as numbers for the user side", async () => {
  if (!NR) return skip(`no syscall table for ${process.arch}`);
  const s = await simulate("test/fixtures/vm/syscall-types.ts", { env: { comm: "bash", pid: 7, tid: 7 } });
  for (const [id, n] of [[1000, 1], [NR.openat, 3], [NR.getppid, 2]] as const) for (let i = 0; i < n; i++) s.fire("raw_syscalls/sys_enter", { id: BigInt(id) });
  assert.is(s.print("calls"), "@calls[getppid]: 2\n@calls[openat]: 3\n(top 2 of 3 keys)\n");
  // The user side's own objects: print() as tsbpf run prints, entries() the numbers.
  const maps = s.maps as unknown as { calls: { print(): string; entries(): [number, bigint][] } };
  assert.is(maps.calls.print(), s.print("calls"));
  assert.equal(maps.calls.entries().map(([k]) => k).sort((a, b) => a - b), [NR.openat, NR.getppid, 1000].sort((a, b) => a - b));
  assert.is(s.print("byProcess"), "@byProcess[bash, 1000]: 1\n@byProcess[bash, getppid]: 2\n@byProcess[bash, openat]: 3\n");
  assert.is(s.print("current"), "@current[7]: getppid\n");
  assert.equal(s.events("events").map((e) => e.nr), [1000, NR.openat, NR.openat, NR.openat, NR.getppid, NR.getppid]);
});

test.run();
