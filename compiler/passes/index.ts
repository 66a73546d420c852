// The optimisation pipeline: an IR function in, the same function simplified, to a fixed point.

import type { Func } from "../ir/ir.ts";
import { simplifyCfg } from "./cfg.ts";
import { eliminateDeadCode } from "./dce.ts";
import { foldConstants } from "./fold.ts";
import { isolateLoopComparisons } from "./loop-compares.ts";
import { narrowExtensions } from "./narrow.ts";
import { reuseTaskConstants } from "./task-constants.ts";

export function optimize(fn: Func): void {
  reuseTaskConstants(fn);
  for (let i = 0; i < 20; i++) {
    const a = foldConstants(fn);
    const b = eliminateDeadCode(fn);
    const c = simplifyCfg(fn);
    const d = narrowExtensions(fn);
    if (!a && !b && !c && !d) break;
  }
  isolateLoopComparisons(fn);
}
