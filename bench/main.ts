// `npm run bench`: every benchmark, each printing raw figures and ratios against a reference measured in the
// same run. Select some with arguments: `npm run bench -- vm`.

import { benchRingbuf } from "./ringbuf.ts";
import { benchVm } from "./vm.ts";

const all: Record<string, () => void | Promise<void>> = { vm: benchVm, ringbuf: benchRingbuf };
all.compiled = async () => (await import("./compiled.ts")).benchCompiled();
all.events = async () => (await import("./events.ts")).benchEvents();
all.decode = async () => (await import("./decode.ts")).benchDecode();
all.oneliners = async () => (await import("./one-liners.ts")).benchOneLiners();
all.profile = async () => (await import("./profile.ts")).benchProfile();
all.symbols = async () => (await import("./symbols.ts")).benchSymbols();
all.xlated = async () => (await import("./xlated.ts")).benchXlated();
all.serve = async () => (await import("./serve.ts")).benchScrape();
all["serve-soak"] = async () => (await import("./serve.ts")).benchSoak();
const chosen = process.argv.slice(2).filter((a) => !a.startsWith("-"));
for (const [name, fn] of Object.entries(all)) {
  if (chosen.length && !chosen.includes(name)) continue;
  await fn();
}
