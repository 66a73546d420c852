// A child process for the lifecycle tests: loads a collection of many probes (legacy tracefs uprobes, so that
// there are tracefs entries to clean up) and then exits in the way argv[2] says:
//   interrupt   attach slowly, printing "attached N"; the parent signals us mid-attach
//   exit        attach everything, print "ready", then return without disposing (process exit must clean up)
//   throw       attach everything, then throw an uncaught exception
//   wait        attach everything, print "ready", then wait for a signal

import { Collection } from "../../runtime/kernel/collection.ts";
import { Kernel } from "../../runtime/kernel/kernel.ts";
import type { CollectionSpec, ProgramSpec } from "../../core/object/spec.ts";
import { counterMap, counterProgram } from "./programs.ts";

const mode = process.argv[2] ?? "exit";
const n = Number(process.argv[3] ?? 40);
/** The prefix of every program and map name, which the parent looks for (argv[4]). */
const tag = process.argv[4] ?? "lc";
const programs: ProgramSpec[] = Array.from({ length: n }, (_, i) => ({
  name: `${tag}_${i}`,
  type: "kprobe",
  attach: { kind: "uprobe", target: "libc", symbol: "getppid", retprobe: i % 2 === 1 },
  instructions: counterProgram(`${tag}m`),
  license: "GPL",
}));
const spec: CollectionSpec = {
  maps: [counterMap(`${tag}m`)],
  programs: [...programs, { name: `${tag}_tp`, type: "tracepoint", attach: { kind: "tracepoint", category: "syscalls", name: "sys_enter_getppid" }, instructions: counterProgram(`${tag}m`), license: "GPL" }],
};

const kernel = await Kernel.open();
await Collection.load(spec, {
  kernel,
  legacyProbes: true,
  onAttach: (_link, i) => {
    process.stdout.write(`attached ${i + 1}\n`);
    if (mode === "interrupt") {
      // Slow down so the parent's signal lands mid-attach.
      const until = Date.now() + 20;
      while (Date.now() < until);
    }
  },
});
process.stdout.write("ready\n");
if (mode === "throw") throw new Error("boom (on purpose)");
if (mode === "wait" || mode === "interrupt") setInterval(() => {}, 1000);
