// Big and deep tracers for the compiler's robustness tests and measurements: a shape and a size in, the
// source text of a tracer out. Deterministic (no randomness), so a failure reproduces from its arguments.
// Used by test/unit/scale-*.test.ts and by `tsx test/support/scale-gen.ts <shape> <n> [file]`.

import { writeFileSync } from "node:fs";
import { argv } from "node:process";
import { fileURLToPath } from "node:url";

const HEAD = `import { HashMap, bpf, tracepoint, type u64 } from "tsbpf";

export const counts = new HashMap<u64, u64>(1024);
`;

/** A handler on sys_enter_write around `body` (lines, already indented by the caller or not). */
const tracer = (body: string): string => `${HEAD}
tracepoint("syscalls/sys_enter_write", (ctx) => {
  let a = ctx.count;
  let b = 0n;
${body}
  counts.set(a, b);
});
`;

/**
 * One ordinary statement: arithmetic, locals, a helper call, and one condition in 32 (TypeScript's checker allows
 * a function so many branches: compiler/frontend/depth.ts). None takes stack (a map call takes a key slot each),
 * so a long run of them measures code generation, not the 512-byte frame.
 */
function statement(i: number, indent: string): string {
  if (i % 32 === 31) return `${indent}if (b === a) a = a + 1n; else b = b - ${i}n;`;
  switch (i % 6) {
    case 0: return `${indent}a = a + ${i % 97}n;`;
    case 1: return `${indent}b = b ^ (a << ${i % 13}n);`;
    case 2: return `${indent}const c${i} = a * 3n + b;`;
    case 3: return (i - 1) % 32 === 31 ? `${indent}b = b + a;` : `${indent}b = b + c${i - 1};`;
    case 4: return `${indent}b = b + bpf.ktimeGetNs();`;
    default: return `${indent}a = a & 0xffffn;`;
  }
}

export const SHAPES = {
  /** `if (a > 0n) {` n deep, a statement at the bottom. */
  ifs: (n: number) => tracer(`${"  if (a > 0n) {\n".repeat(n)}    b = 1n;\n${"  }\n".repeat(n)}`),
  /** `{` n deep. */
  blocks: (n: number) => tracer(`${"  {\n".repeat(n)}    b = 1n;\n${"  }\n".repeat(n)}`),
  /** `b = ((((a))))` with n pairs of parentheses. */
  parens: (n: number) => tracer(`  b = ${"(".repeat(n)}a${")".repeat(n)};`),
  /** `b = a + a + ... + a` with n terms (a left-deep chain of n - 1 binary expressions). */
  terms: (n: number) => tracer(`  b = ${Array.from({ length: n }, () => "a").join(" + ")};`),
  /** `if (a === 0n) ... else if (a === 1n) ... else if ...`: a chain of n ifs, each the else of the one before. */
  elseIfs: (n: number) => tracer(`  ${Array.from({ length: n }, (_, i) => `if (a === ${i}n) b = ${i}n;`).join(" else ")}`),
  /** `b = a === 0n ? 0n : a === 1n ? 1n : ...`: n conditional expressions, each the else of the one before. */
  ternaries: (n: number) => tracer(`  b = ${Array.from({ length: n }, (_, i) => `a === ${i}n ? ${i}n : `).join("")}a;`),
  /** `b = ~~~~a` with n operators. */
  unary: (n: number) => tracer(`  b = ${"~".repeat(n)}a;`),
  /** `b = a > 0n && a > 1n && ...` with n comparisons (a left-deep chain of conditions). */
  conditions: (n: number) => tracer(`  if (${Array.from({ length: n }, (_, i) => `a > ${i}n`).join(" && ")}) b = 1n;`),
  /** n `if` statements one after the other, none nested. */
  sequentialIfs: (n: number) => tracer(Array.from({ length: n }, (_, i) => `  if (a > ${i}n) b = b + 1n;`).join("\n")),
  /** n ordinary statements in the handler's body. */
  statements: (n: number) => tracer(Array.from({ length: n }, (_, i) => statement(i, "  ")).join("\n")),
  /** n ordinary statements in the body of one `if`. */
  ifBody: (n: number) => tracer(`  if (a !== 7n) {\n${Array.from({ length: n }, (_, i) => statement(i, "    ")).join("\n")}\n  }`),
  /** Statements until the file is about n bytes long. */
  bytes: (n: number) => {
    const lines: string[] = [];
    let size = 200;
    for (let i = 0; size < n; i++) {
      const s = statement(i, "  ");
      lines.push(s);
      size += s.length + 1;
    }
    return tracer(lines.join("\n"));
  },
} as const;

export type Shape = keyof typeof SHAPES;

export const generate = (shape: Shape, n: number): string => SHAPES[shape](n);

if (argv[1] && fileURLToPath(import.meta.url) === argv[1]) {
  const [shape, n, out] = argv.slice(2);
  if (!shape || !(shape in SHAPES) || !n) {
    console.error(`usage: scale-gen.ts <${Object.keys(SHAPES).join("|")}> <n> [out.ts]`);
    process.exit(2);
  }
  const text = generate(shape as Shape, Number(n));
  if (out) writeFileSync(out, text);
  else process.stdout.write(text);
}
