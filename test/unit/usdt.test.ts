// USDT without the kernel: core/usdt.ts's notes of a program built here with <sys/sdt.h> against readelf's (sites at
// the probe's nop, semaphores in .probes, .stapsdt.base moving the sites of a prelinked file), argument specs decoded
// (x86-64 and arm64, and the specs refused), the compiler's checks of probes and argument indexes against the binary,
// and ctx.arg(i) run in the VM on specs of every kind, the binary's own included.

import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { compile } from "../../compiler/index.ts";
import { decodeArtifact, encodeArtifact } from "../../core/object/artifact.ts";
import { USDT_SPEC, type UsdtArg, UsdtError, encodeUsdtSpec, parseUsdtArg, parseUsdtArgs, usdtProbes } from "../../core/usdt.ts";
import { readElf } from "../../runtime/kernel/elf.ts";
import { memoryOf, simulate } from "../../testing.ts";
import { skip } from "../support/skip.ts";
import { type UsdtApp, buildUsdtApp } from "../support/usdt-app.ts";

const dir = mkdtempSync(join(tmpdir(), "tsbpf-usdt-"));
const built = buildUsdtApp(dir);
const app = (): UsdtApp | undefined => ("reason" in built ? (skip(built.reason), undefined) : built);

/** readelf -n's stapsdt notes: provider, name, location, base, semaphore, arguments. */
function readelfNotes(path: string): { provider: string; name: string; location: bigint; base: bigint; semaphore: bigint; args: string }[] {
  const r = spawnSync("readelf", ["-n", path], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`readelf failed: ${r.stderr}`);
  const out = [];
  const re = /Provider: (\S+)\s+Name: (\S+)\s+Location: (0x[0-9a-f]+), Base: (0x[0-9a-f]+), Semaphore: (0x[0-9a-f]+)\s+Arguments: ?([^\n]*)/g;
  for (const m of r.stdout.matchAll(re)) {
    out.push({ provider: m[1]!, name: m[2]!, location: BigInt(m[3]!), base: BigInt(m[4]!), semaphore: BigInt(m[5]!), args: m[6]!.trim() });
  }
  return out;
}

test("the notes of a program and a library built with <sys/sdt.h> are readelf's, sites on the probe's nop", () => {
  const a = app();
  if (!a) return;
  for (const path of [a.app, a.lib]) {
    const bytes = readFileSync(path);
    const probes = usdtProbes(bytes, path);
    const expected = readelfNotes(path);
    assert.ok(expected.length > 0, `readelf lists notes of ${path}`);
    assert.equal(probes.map((p) => ({ provider: p.provider, name: p.name, location: p.address, semaphore: p.semaphore, args: p.args })),
      expected.map(({ base: _, ...e }) => e));
    // sys/sdt.h puts a one-byte nop at each probe's address: the file offset must land on it.
    if (process.arch === "x64") for (const p of probes) assert.is(bytes[Number(p.offset)], 0x90, `${p.provider}:${p.name} at a nop`);
  }
  const probes = usdtProbes(readFileSync(a.app), a.app);
  assert.equal(probes.map((p) => `${p.provider}:${p.name}`), ["app:tick", "app:consts", "app:guarded"]);
  // The semaphore lives in .probes; its file offset is that section's (the only variable there).
  const probesSection = readElf(a.app).section(".probes")!;
  const guarded = probes.find((p) => p.name === "guarded")!;
  assert.is(guarded.semaphore, probesSection.addr);
  assert.is(guarded.semaphoreOffset, probesSection.offset);
  assert.ok(probes.filter((p) => p.name !== "guarded").every((p) => p.semaphore === 0n && p.semaphoreOffset === 0n));
  assert.equal(usdtProbes(readFileSync("/bin/sh"), "/bin/sh"), [], "a binary without notes has no probes");
});

test("a note's address moves with .stapsdt.base (a prelinked file), its semaphore does not", () => {
  const a = app();
  if (!a) return;
  const bytes = Buffer.from(readFileSync(a.app));
  const elf = readElf(a.app);
  const base = elf.section(".stapsdt.base")!;
  const before = usdtProbes(bytes, a.app);
  // Section headers are 64 bytes, sh_addr at 16: pretend prelink moved the file 0x10 lower than the notes recorded.
  const shoff = Number(bytes.readBigUInt64LE(40));
  bytes.writeBigUInt64LE(base.addr - 0x10n, shoff + base.index * 64 + 16);
  const after = usdtProbes(bytes, a.app);
  for (const [i, p] of after.entries()) {
    assert.is(p.address, before[i]!.address - 0x10n);
    assert.is(p.offset, before[i]!.offset - 0x10n);
    assert.is(p.semaphore, before[i]!.semaphore);
  }
});

test("files that are not ELF executables or libraries are refused, saying so", () => {
  assert.throws(() => usdtProbes(new TextEncoder().encode("#!/bin/sh\n"), "script"), (e: unknown) => e instanceof UsdtError && /script is not an ELF file/.test(e.message));
  const a = app();
  if (!a) return;
  const truncated = readFileSync(a.app).subarray(0, 200);
  assert.throws(() => usdtProbes(truncated, "cut"), /cut is a malformed ELF file/);
  const obj = join(dir, "lib.o");
  assert.is(spawnSync("gcc", ["-c", "-o", obj, join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "usdt", "lib.c")]).status, 0);
  assert.throws(() => usdtProbes(readFileSync(obj), "lib.o"), /lib.o is neither an executable nor a shared library \(ELF type 1\)/);
});

const X86: [string, Partial<UsdtArg>][] = [
  ["-4@%eax", { kind: "reg", register: "eax", regOffset: 80, size: 4, signed: true }],
  ["8@%rdx", { kind: "reg", register: "rdx", regOffset: 96, size: 8, signed: false }],
  ["-8@%r12", { kind: "reg", register: "r12", regOffset: 24, size: 8, signed: true }],
  ["2@%ax", { kind: "reg", regOffset: 80, size: 2, signed: false }],
  ["1@%al", { kind: "reg", regOffset: 80, size: 1, signed: false }],
  ["-1@%sil", { kind: "reg", regOffset: 104, size: 1, signed: true }],
  ["4@%r9d", { kind: "reg", regOffset: 64, size: 4 }],
  ["-4@-20(%rbp)", { kind: "reg_deref", register: "rbp", regOffset: 32, offset: -20n, size: 4, signed: true }],
  ["8@8(%rax)", { kind: "reg_deref", regOffset: 80, offset: 8n, size: 8, signed: false }],
  ["8@(%rsp)", { kind: "reg_deref", regOffset: 152, offset: 0n }],
  ["4@$5", { kind: "const", regOffset: 0, offset: 5n, size: 4, signed: false }],
  ["-4@$-3", { kind: "const", offset: -3n, signed: true }],
];

const ARM64: [string, Partial<UsdtArg>][] = [
  ["8@x0", { kind: "reg", register: "x0", regOffset: 0, size: 8, signed: false }],
  ["-4@x30", { kind: "reg", regOffset: 240, size: 4, signed: true }],
  ["-4@[sp, 12]", { kind: "reg_deref", register: "sp", regOffset: 248, offset: 12n }],
  ["8@[x29, -8]", { kind: "reg_deref", regOffset: 232, offset: -8n }],
  ["4@[x1]", { kind: "reg_deref", regOffset: 8, offset: 0n }],
  ["-4@5", { kind: "const", offset: 5n, signed: true }],
];

test("argument specs decode into a register, a constant or memory at a register, with size and signedness", () => {
  for (const [arch, table] of [["x86_64", X86], ["aarch64", ARM64]] as const) {
    for (const [spec, want] of table) {
      const got = parseUsdtArg(spec, arch);
      for (const [k, v] of Object.entries(want)) assert.equal(got[k as keyof UsdtArg], v, `${arch} ${spec}: ${k}`);
    }
  }
  assert.equal(parseUsdtArgs("  -4@%esi -4@-24(%rbp)  8@%rdx ").map((a) => a.kind), ["reg", "reg_deref", "reg"]);
  assert.equal(parseUsdtArgs(""), []);
});

test("argument specs USDT cannot read are refused, one message each", () => {
  const cases: [string, RegExp, "x86_64" | "aarch64"][] = [
    ["4%eax", /is not SIZE@OPERAND/, "x86_64"],
    ["3@%eax", /has size 3: sizes are 1, 2, 4 or 8/, "x86_64"],
    ["-16@%xmm0", /has size 16/, "x86_64"],
    ["8@%xmm0", /uses register xmm0, which cannot be read/, "x86_64"],
    ["1@%ah", /uses register ah/, "x86_64"],
    ["8@(%rax,%rbx,8)", /an indexed address .* is not supported/, "x86_64"],
    ["4@counter(%rip)", /a symbol's address is not supported/, "x86_64"],
    ["8@w0", /uses register w0/, "aarch64"],
    ["8@[x0, x1]", /this operand is not supported/, "aarch64"],
  ];
  for (const [spec, message, arch] of cases) assert.throws(() => parseUsdtArg(spec, arch), (e: unknown) => e instanceof UsdtError && message.test(e.message), spec);
  assert.throws(() => parseUsdtArgs(Array(13).fill("8@%rax").join(" ")), /13 USDT arguments/);
});

test("a spec record holds each argument's place and the shift that extends it", () => {
  const bytes = encodeUsdtSpec(parseUsdtArgs("-1@%al 8@-16(%rbp) 4@$7"));
  const v = new DataView(bytes.buffer);
  assert.is(bytes.length, USDT_SPEC.size);
  assert.equal([v.getUint32(USDT_SPEC.kind, true), v.getUint16(USDT_SPEC.regOffset, true), v.getUint8(USDT_SPEC.signed), v.getUint8(USDT_SPEC.shift)], [1, 80, 1, 56]);
  const o = USDT_SPEC.argSize;
  assert.equal([v.getUint32(o + USDT_SPEC.kind, true), v.getBigInt64(o + USDT_SPEC.offset, true), v.getUint8(o + USDT_SPEC.shift)], [2, -16n, 0]);
  assert.equal([v.getUint32(2 * o + USDT_SPEC.kind, true), v.getBigInt64(2 * o + USDT_SPEC.offset, true), v.getUint8(2 * o + USDT_SPEC.shift)], [0, 7n, 32]);
  assert.is(v.getUint32(USDT_SPEC.argCount, true), 3);
});

/** Compiles a tracer's text (in the scratch directory), returning its diagnostics' codes and messages. */
function diagnostics(text: string): string[] {
  const path = join(dir, `tracer-${Math.random().toString(36).slice(2)}.ts`);
  writeFileSync(path, text);
  return compile(path, { text }).diagnostics.map((d) => `${d.code} ${d.message}${d.hint ? ` | ${d.hint}` : ""}`);
}

test("the compiler checks a readable binary's probes and argument indexes, listing what there is", () => {
  const a = app();
  if (!a) return;
  const head = `import { usdt, Count, type u32 } from "tsbpf";\nexport const n = new Count<u32>();\n`;
  assert.equal(diagnostics(`${head}usdt(${JSON.stringify(a.app)}, "app", "tick", (ctx) => { n.increment(Number(ctx.arg(4))); });\n`), []);
  const past = diagnostics(`${head}usdt(${JSON.stringify(a.app)}, "app", "consts", (ctx) => { n.increment(Number(ctx.arg(3))); });\n`);
  assert.equal(past, ["TSB2095 USDT probe app:consts has 3 arguments (0: i32, 1: i32, 2: i32): ctx.arg(3) is past the last | its arguments are ctx.arg(0)..ctx.arg(2)"]);
  const missing = diagnostics(`${head}usdt(${JSON.stringify(a.lib)}, "lib", "fyre", (ctx) => { n.increment(1); });\n`);
  assert.equal(missing, [`TSB2094 ${a.lib} has no USDT probe lib:fyre | its probes: lib:fire (-4@%edi)`]);
});

test("ctx.arg(i) in the VM: registers, constants and memory, each extended from its size", async () => {
  const tracer = join(dir, "args.ts");
  writeFileSync(tracer, `import { usdt, HashMap, type u32, type i64 } from "tsbpf";
export const args = new HashMap<u32, i64>(16);
usdt("./missing-here", "app", "tick", (ctx) => {
  args.set(0, ctx.arg(0)); args.set(1, ctx.arg(1)); args.set(2, ctx.arg(2)); args.set(3, ctx.arg(3));
  args.set(11, ctx.arg(11)); args.set(99, BigInt(ctx.argCount()));
});
`);
  // 16 readable bytes: an argument in memory is read as 8 bytes whatever its size, as libbpf's bpf_usdt_arg does.
  const sim = await simulate(tracer, { env: { readUser: memoryOf([[0x7ffd_0000n, Uint8Array.of(0xfe, 0xff, 0xff, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)]]) } });
  const read = () => new Map([...sim.mock("args").entries()].map(([k, v]) => [k as number, v as bigint]));
  sim.fire("usdt:./missing-here:app:tick", { args: [-5n, 0xffff_ffffn, 7, 1n << 62n] });
  assert.equal(read(), new Map([[0, -5n], [1, 0xffff_ffffn], [2, 7n], [3, 1n << 62n], [11, 0n], [99, 4n]]));
  sim.mock("args").clear();
  sim.fire("usdt:./missing-here:app:tick", {
    args: [0x1_ffff_fffen, 0x1ffn, 0, 0],
    specs: ["-4@%eax", "1@%dl", "-4@-8(%rbp)", "-1@-4(%rbp)"],
    regs: { rbp: 0x7ffd_0008n },
  });
  assert.equal(read(), new Map([[0, -2n], [1, 0xffn], [2, -2n], [3, -128n], [11, 0n], [99, 4n]]));
  sim.mock("args").clear();
  sim.fire("usdt:./missing-here:app:tick", { specs: ["4@$5", "-2@$-3", "8@8(%rax)"], regs: { rax: 0x1000n } });
  // Memory that cannot be read gives 0, as bpf_probe_read_user's zeroed destination does.
  assert.equal(read(), new Map([[0, 5n], [1, -3n], [2, 0n], [3, 0n], [11, 0n], [99, 3n]]));
});

test("a compiled tracer (.tsbpf) keeps a USDT probe's attach point and its spec map", () => {
  // Optional: whatever process 4242 is here, the compiler does not look into it.
  const path = join(dir, "pid.ts");
  writeFileSync(path, `import { usdt, Count, type u32 } from "tsbpf";\nexport const n = new Count<u32>();\nusdt(4242, "app", "tick", { optional: true }, (ctx) => { n.increment(1); });\n`);
  const spec = compile(path).spec!;
  assert.equal(spec.programs[0]!.attach, { kind: "usdt", target: "/proc/4242/exe", provider: "app", name: "tick", pid: 4242 });
  assert.equal(spec.maps.find((m) => m.name === ".usdt_specs"), { name: ".usdt_specs", type: "array", keySize: 4, valueSize: USDT_SPEC.size, maxEntries: 256 });
  const text = encodeArtifact({ producer: "test", source: path, builtOn: { kernel: "k", arch: "x86_64" }, spec });
  assert.equal(decodeArtifact(new TextEncoder().encode(text), "pid.tsbpf").spec, spec);
});

test("ctx.arg(i) in the VM on the binary's own specs", async () => {
  const a = app();
  if (!a) return;
  const tick = usdtProbes(readFileSync(a.app), a.app).find((p) => p.name === "tick")!;
  const tracer = join(dir, "tick.ts");
  writeFileSync(tracer, `import { usdt, HashMap, type u32, type i64 } from "tsbpf";
export const args = new HashMap<u32, i64>(8);
usdt(${JSON.stringify(a.app)}, "app", "tick", (ctx) => {
  args.set(0, ctx.arg(0)); args.set(1, ctx.arg(1)); args.set(2, ctx.arg(2)); args.set(3, ctx.arg(3)); args.set(4, ctx.arg(4));
});
`);
  // -1@-9(%rbp) 2@-12(%rbp) -4@-16(%rbp) 8@-24(%rbp) 8@-32(%rbp): a frame whose locals are what app.c's loop has at i = 3.
  const frame = new Uint8Array(32);
  const f = new DataView(frame.buffer);
  f.setInt8(32 - 9, -3);
  f.setUint16(32 - 12, 60003, true);
  f.setInt32(32 - 16, -300000, true);
  f.setBigUint64(32 - 24, (1n << 40n) + 3n, true);
  f.setBigUint64(32 - 32, 0x5555_0000n, true);
  const sim = await simulate(tracer, { env: { readUser: memoryOf([[0x7ffd_0000n, frame]]) } });
  sim.fire(`usdt:${a.app}:app:tick`, { specs: tick.args.split(" "), regs: { rbp: 0x7ffd_0020n } });
  assert.equal(new Map([...sim.mock("args").entries()]), new Map<unknown, unknown>([[0, -3n], [1, 60003n], [2, -300000n], [3, (1n << 40n) + 3n], [4, 0x5555_0000n]]));
});

const cli = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "bin", "tsbpf.js");
const list = (...args: string[]) => spawnSync(process.execPath, [cli, "list", ...args], {
  cwd: dir, env: { ...process.env, TSBPF_CACHE_DIR: join(dir, "cache"), NO_COLOR: "1" }, encoding: "utf8", timeout: 60_000,
});

test("tsbpf list usdt:TARGET[:provider]:name lists the probes as a tracer names them, sites and arguments with -v", () => {
  const a = app();
  if (!a) return;
  const all = list(`usdt:${a.app}`);
  assert.is(all.status, 0, all.stderr);
  const names = ["app:consts", "app:guarded", "app:tick"].map((n) => `usdt:${a.app}:${n}\n`).join("");
  assert.is(all.stdout, names);
  assert.is(list(`U:${a.app}:*`).stdout, names, "bpftrace's short kind, and a name glob of any provider");
  assert.is(list(`usdt:${a.lib}:lib:f*`).stdout, `usdt:${a.lib}:lib:fire\n`);
  const guarded = usdtProbes(readFileSync(a.app), a.app).find((p) => p.name === "guarded")!;
  const v = list("-v", `usdt:${a.app}:app:guarded`);
  assert.is(v.stdout, `usdt:${a.app}:app:guarded\n    file offset 0x${guarded.offset.toString(16)}, semaphore at file offset 0x${guarded.semaphoreOffset.toString(16)}\n    arg0: i64  // ${guarded.args}\n`);
  assert.is(list(`usdt:${a.app}:nosuch`).status, 1);
  const missing = list(`usdt:${join(dir, "no-such-binary")}`);
  assert.is(missing.status, 2);
  assert.match(missing.stderr, /^tsbpf list: usdt:\S+no-such-binary: .*no such file.*\n$/);
  // bpftrace -l lists the same probes, where it runs.
  const bt = spawnSync("bpftrace", ["-l", `usdt:${a.app}:*`], { encoding: "utf8", timeout: 60_000 });
  if (bt.error || bt.status !== 0) return skip(`bpftrace -l does not run here: ${bt.error?.message ?? bt.stderr.trim()}`);
  assert.is(bt.stdout.split("\n").filter(Boolean).sort().map((l) => `${l}\n`).join(""), names);
});

test.run();
