// core/perf-events.ts is the one table of perf event names: checked against the union types the editor completes
// (stdlib-types/index.d.ts SoftwareEventName, HardwareEventName), both ways, and its lookups (aliases, defaults).

import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { PERF_EVENTS, perfEvent, perfEventNames } from "../../core/perf-events.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const dts = readFileSync(join(root, "stdlib-types", "index.d.ts"), "utf8");

/** The string literals of `export type <name> = "a" | "b" ...;`. */
function union(name: string): string[] {
  const m = new RegExp(`^export type ${name} =([^;]*);`, "m").exec(dts);
  if (!m) throw new Error(`stdlib-types/index.d.ts declares no ${name}`);
  return [...m[1]!.matchAll(/"([^"]+)"/g)].map((x) => x[1]!);
}

test("the editor's event name unions are the table's names and aliases, no more, no fewer", () => {
  assert.equal(union("SoftwareEventName").sort(), perfEventNames("software").sort());
  assert.equal(union("HardwareEventName").sort(), perfEventNames("hardware").sort());
});

test("an event is found by its name or an alias, within its kind only", () => {
  assert.is(perfEvent("software", "faults")?.name, "page-faults");
  assert.is(perfEvent("software", "cs")?.constant, "PERF_COUNT_SW_CONTEXT_SWITCHES");
  assert.is(perfEvent("hardware", "cycles")?.config, 0);
  assert.is(perfEvent("hardware", "page-faults"), undefined);
  assert.is(perfEvent("software", "cycles"), undefined);
  const names = PERF_EVENTS.flatMap((e) => [e.name, ...e.aliases].map((n) => `${e.kind}:${n}`));
  assert.is(new Set(names).size, names.length, "no name or alias is given twice in a kind");
  for (const e of PERF_EVENTS) assert.ok(Number.isInteger(e.defaultPeriod) && e.defaultPeriod > 0, `${e.name}'s default period`);
});

test.run();
