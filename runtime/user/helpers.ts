// The `bpf` namespace on the user side: one function per helper of the helper table (core/helpers/table.ts) in,
// an object whose functions throw a clear error out, since helpers exist only in probe handlers. The exception is
// bpf.ktimeGetNs(): CLOCK_MONOTONIC nanoseconds, the same clock in both worlds (Node's hrtime reads it too), so
// user code can compute the age of a kernel timestamp.

import { HELPERS } from "../../core/helpers/table.ts";

/** Where user-side code finds the same thing, for the error message. */
const INSTEAD: Readonly<Record<string, string>> = {
  pid: "use process.pid",
  tid: "use process.pid (Node runs JavaScript on the main thread)",
  pidTgid: "use process.pid",
  uid: "use process.getuid()",
  gid: "use process.getgid()",
  comm: "use process.title",
  cpu: "use os.cpus() for the CPUs",
  random: "use Math.random() or crypto.randomInt()",
  loop: "use a for loop",
};

function userSide(name: string): (...args: unknown[]) => never {
  const hint = INSTEAD[name] ?? "it reads the state of the task or CPU a probe fires on, which user code does not have";
  return () => {
    throw new Error(`bpf.${name}() runs in probe handlers only; on the user side, ${hint}`);
  };
}

export const bpf: Readonly<Record<string, (...args: never[]) => unknown>> = Object.freeze({
  ...Object.fromEntries(HELPERS.map((h) => [h.name, userSide(h.name)])),
  /** CLOCK_MONOTONIC in nanoseconds: what bpf_ktime_get_ns returns in the kernel. */
  ktimeGetNs: (): bigint => process.hrtime.bigint(),
});
