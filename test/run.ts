// `npm test`: runs every test runner (typecheck, uvu unit/VM/kernel tests, bpf_conformance) as child processes,
// streams their output, and ends with one line of its own: `tests: N passed, M failed, K skipped`.

import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const tsx = ["--import", "tsx"];

interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

interface Runner {
  readonly name: string;
  readonly args: string[];
  /** Reads the runner's counts from its output (ANSI codes removed) and exit code. */
  readonly count: (out: string, code: number) => Counts;
}

const num = (out: string, re: RegExp): number | undefined => {
  const m = re.exec(out);
  return m ? Number(m[1]) : undefined;
};

const runners: Runner[] = [
  {
    name: "typecheck",
    args: [...tsx, "test/typecheck.ts"],
    count: (out, code) => {
      const errors = num(out, /typecheck: (\d+) errors/);
      return errors === 0 && code === 0 ? { passed: 1, failed: 0, skipped: 0 } : { passed: 0, failed: 1, skipped: 0 };
    },
  },
  {
    name: "uvu",
    args: [...tsx, "node_modules/uvu/bin.js", "test", "\\.test\\.ts$"],
    count: (out, code) => {
      const total = num(out, /Total:\s+(\d+)/);
      const passed = num(out, /Passed:\s+(\d+)/);
      const skipped = num(out, /Skipped:\s+(\d+)/) ?? 0;
      if (total === undefined || passed === undefined) return { passed: 0, failed: 1, skipped: 0 };
      const failed = total - passed;
      return { passed, failed: failed || (code !== 0 ? 1 : 0), skipped };
    },
  },
  {
    name: "conformance",
    args: [...tsx, "test/conformance/main.ts"],
    count: (out, code) => {
      const c: Counts = { passed: 0, failed: 0, skipped: 0 };
      const lines = [...out.matchAll(/bpf_conformance (\w+): (\d+) passed, (\d+) failed, (\d+) skipped/g)];
      if (lines.length === 0) return { passed: 0, failed: 1, skipped: 0 };
      for (const m of lines) {
        c.passed += Number(m[2]);
        c.failed += Number(m[3]);
        c.skipped += Number(m[4]);
      }
      const neg = /bpf_conformance negative: (\d+) rejected, (\d+) accepted/.exec(out);
      if (neg) {
        c.passed += Number(neg[1]);
        c.failed += Number(neg[2]);
      }
      if (code !== 0 && c.failed === 0) c.failed = 1;
      return c;
    },
  },
];

function run(r: Runner): Promise<Counts> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, r.args, { cwd: root, stdio: ["ignore", "pipe", "pipe"], env: process.env });
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      process.stdout.write(d);
    });
    child.stderr.on("data", (d: Buffer) => {
      out += d.toString();
      process.stderr.write(d);
    });
    child.on("close", (code) => {
      // eslint-disable-next-line no-control-regex
      resolve(r.count(out.replace(/\x1b\[[0-9;]*m/g, ""), code ?? 1));
    });
  });
}

const total: Counts = { passed: 0, failed: 0, skipped: 0 };
for (const r of runners) {
  console.log(`\n== ${r.name}`);
  const c = await run(r);
  total.passed += c.passed;
  total.failed += c.failed;
  total.skipped += c.skipped;
}
console.log(`\ntests: ${total.passed} passed, ${total.failed} failed${total.skipped ? `, ${total.skipped} skipped` : ""}`);
process.exitCode = total.failed ? 1 : 0;
