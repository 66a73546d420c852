import { readFileSync } from "node:fs";
import { Kernel } from "../../runtime/kernel/kernel.ts";
import { checkProgram } from "./check.ts";
const k = process.argv[3] === "kernel" ? await Kernel.open() : undefined;
for (const f of process.argv[2]!.split(",")) {
  const o = await checkProgram("zz", readFileSync(f, "utf8"), k);
  console.log(f, o.status, o.codes.join(" "), o.problem ?? "", o.vm?.status ?? "", (o.vm?.message ?? "").slice(0, 200), o.kernel?.status ?? "", (o.kernel?.key ?? ""));
}
