// Reads bpf_conformance .data files (the format of upstream lib/src/bpf_test_parser.cc): file text in,
// sections out. The suite lives outside the repository, in ../shared/conformance (or $BPF_CONFORMANCE_DIR).

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export interface ConformanceTest {
  readonly name: string;
  readonly file: string;
  /** Assembly text, when the file has an `-- asm` section. */
  readonly asm?: string;
  /** Raw 64-bit words, when the file has a `-- raw` section (executed instead of asm). */
  readonly raw?: bigint[];
  /** `-- raw` lines written as 8 byte pairs per instruction (the negative `unused-*` files). */
  readonly rawBytes?: Uint8Array;
  readonly mem?: Uint8Array;
  readonly result?: bigint;
  readonly error?: string;
  /** Why the upstream parser would skip the file, if it would. */
  readonly skip?: string;
}

/** Where the suite is looked for: $BPF_CONFORMANCE_DIR if set, else ../shared/conformance/bpf_conformance beside the checkout. */
export function suiteCandidates(): string[] {
  const env = process.env.BPF_CONFORMANCE_DIR;
  if (env) return [resolve(env)];
  const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
  return [join(root, "../shared/conformance/bpf_conformance"), join(root, "../../shared/conformance/bpf_conformance")];
}

/** The suite's directory (one of suiteCandidates() holding its tests), or undefined. */
export function suiteDir(): string | undefined {
  return suiteCandidates().find((c) => existsSync(join(c, "tests")));
}

/** Why there is no suite: the places looked in, absolute. */
export function suiteAbsent(): string {
  const how = process.env.BPF_CONFORMANCE_DIR ? "$BPF_CONFORMANCE_DIR" : "beside the checkout; set BPF_CONFORMANCE_DIR to use another place";
  return `the bpf_conformance suite's data is absent (looked for tests/ in ${suiteCandidates().join(" and ")}: ${how})`;
}

export function listTests(dir: string, sub: "tests" | "negative"): ConformanceTest[] {
  return readdirSync(join(dir, sub))
    .filter((f) => f.endsWith(".data"))
    .sort()
    .map((f) => parseTestFile(join(dir, sub, f), readFileSync(join(dir, sub, f), "utf8")));
}

const SECTION_KINDS = ["asm", "result", "mem", "raw", "no register offset", " c", "error"] as const;

export function parseTestFile(file: string, text: string): ConformanceTest {
  const name = file.split("/").pop()!.replace(/\.data$/, "");
  const sections = new Map<string, string[]>();
  let current: string[] | undefined;
  for (let line of text.split("\n")) {
    line = line.replace(/\r$/, "");
    const hash = line.indexOf("#");
    if (hash >= 0) line = line.slice(0, hash);
    if (line.trim() === "") continue;
    if (line.includes("--")) {
      const kind = SECTION_KINDS.find((k) => line.includes(k));
      if (!kind) return { name, file, skip: `unknown directive: ${line.trim()}` };
      current = [];
      sections.set(kind, current);
      continue;
    }
    current?.push(line);
  }
  const out: { -readonly [K in keyof ConformanceTest]: ConformanceTest[K] } = { name, file };
  const asm = sections.get("asm");
  if (asm?.length) out.asm = asm.join("\n");
  const raw = sections.get("raw");
  if (raw?.length) {
    const tokens = raw.join(" ").trim().split(/\s+/);
    if (raw.every((l) => /^\s*([0-9a-fA-F]{2}\s+){7}[0-9a-fA-F]{2}\s*$/.test(l))) {
      out.rawBytes = Uint8Array.from(tokens.map((t) => parseInt(t, 16)));
    } else {
      out.raw = tokens.map((t) => (t.startsWith("0x") ? BigInt(t) : BigInt(t)));
    }
  }
  const mem = sections.get("mem");
  if (mem?.length) out.mem = Uint8Array.from(mem.join(" ").trim().split(/\s+/).map((t) => parseInt(t, 16)));
  const result = sections.get("result");
  if (result?.length) {
    const last = result[result.length - 1]!.trim();
    out.result = last.includes("0x") ? BigInt(last.toLowerCase()) : BigInt(last);
  }
  const error = sections.get("error");
  // An empty `-- error` section (the negative `unused-*` files) still says: this must fail.
  if (error) out.error = error.length ? error[error.length - 1]!.trimEnd() : "";
  if (out.result === undefined && out.error === undefined) out.skip = "no result and no error";
  else if (!out.asm && !out.raw && !out.rawBytes) out.skip = "no instructions";
  return out;
}
