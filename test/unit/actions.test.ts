// The handlers' actions in the VM (runtime/output/actions.ts through simulate()): a print() line of every kind of
// value formatted as `tsbpf run` prints it, print(map, top), clear and exit in the order they were asked; and
// time()'s strftime conversions.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { strftime } from "../../runtime/output/actions.ts";
import { simulate } from "../../testing.ts";

test("print() lines: integers (u64 and negative i64 exact), booleans, strings, probe(), constant text", async () => {
  const s = await simulate<typeof import("../fixtures/vm/actions.ts")>("test/fixtures/vm/actions.ts", { env: { comm: "bash" } });
  const r = s.fire("sched/sched_process_exec", { pid: 42 });
  assert.equal(r.actions, [
    { kind: "print", text: "tracepoint:sched:sched_process_exec: pid 42 comm bash big 18446744073709551615 neg -5 odd false 100%" },
    { kind: "print", text: "plain" },
    { kind: "print", text: "bash" },
    { kind: "print_map", map: "seen", top: 1 },
    { kind: "clear", map: "seen" },
  ]);
  assert.equal(s.fire("sched/sched_process_exec", { pid: 1001 }).actions.at(-1), { kind: "exit" });
  // Taking them: everything the two runs asked, in order; then nothing.
  assert.is(s.actions().length, 11);
  assert.equal(s.printed(), []);
});

test("time(): strftime's conversions, bpftrace's %f, unknown ones kept", () => {
  const saved = process.env.TZ;
  process.env.TZ = "UTC";
  try {
    const ns = BigInt(Date.UTC(2026, 11, 7, 13, 5, 9, 123)) * 1_000_000n + 456_789n;
    assert.is(strftime("%Y-%m-%d %H:%M:%S.%f", ns), "2026-12-07 13:05:09.123456");
    assert.is(strftime("%T %D %F %R", ns), "13:05:09 12/07/26 2026-12-07 13:05");
    assert.is(strftime("%a %A %b %B %e %j %y", ns), "Mon Monday Dec December  7 341 26");
    assert.is(strftime("%I%p %s %z %% %Q", ns), `01PM ${Math.floor(Number(ns / 1_000_000_000n))} +0000 % %Q`);
  } finally {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  }
});

test.run();
