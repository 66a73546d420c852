// core/asm: builder encodings, label resolution, round trips, assembler errors, annotated disassembly.

import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  Add, Add32, AsmError, Atomic, Be, Bswap, Call, CallX, Exit, Ja, Ja32, JEq, JSGt32, LdFunc, LdImm64, LdMapFd,
  LdMapValue, Ldx, Ldxs, Mov, MovSX, Neg, R0, R1, R2, R10, SDiv, SMod32, St, Stx, decode, disassemble, encode,
  label, parseAsm, resolve, toWords, validate, withMeta,
} from "../../core/asm/index.ts";
import { listTests, suiteAbsent, suiteDir } from "../conformance/data.ts";
import { testBytes } from "../conformance/vm.ts";
import { skip } from "../support/skip.ts";

const word = (...items: Parameters<typeof encode>[0]) => toWords(encode(items)).map((w) => "0x" + w.toString(16).padStart(16, "0"));

test("builder encodes each form with the kernel's field layout", () => {
  assert.equal(word(Mov.imm(R0, 1)), ["0x00000001000000b7"]);
  assert.equal(word(Add.reg(R1, R2)), ["0x000000000000210f"]);
  assert.equal(word(Add32.imm(R1, -1)), ["0xffffffff00000104"]);
  assert.equal(word(SDiv.imm(R1, 3)), ["0x0000000300010137"]);
  assert.equal(word(SMod32.reg(R1, R2)), ["0x000000000001219c"]);
  assert.equal(word(MovSX(32, R1, R2)), ["0x00000000002021bf"]);
  assert.equal(word(Neg(R1)), ["0x0000000000000187"]);
  assert.equal(word(Be(16, R1)), ["0x00000010000001dc"]);
  assert.equal(word(Bswap(64, R1)), ["0x00000040000001d7"]);
  assert.equal(word(Ldx.dw(R0, R1, 8)), ["0x0000000000081079"]);
  assert.equal(word(Ldxs.b(R0, R1, -1)), ["0x00000000ffff1091"]);
  assert.equal(word(St.w(R10, -4, 7)), ["0x00000007fffc0a62"]);
  assert.equal(word(Stx.b(R10, -1, R1)), ["0x00000000ffff1a73"]);
  assert.equal(word(Atomic.dw.fetchAdd(R10, -8, R1)), ["0x00000001fff81adb"]);
  assert.equal(word(Atomic.w.cmpxchg(R1, 0, R2)), ["0x000000f1000021c3"]);
  assert.equal(word(Call.helper(5)), ["0x0000000500000085"]);
  assert.equal(word(CallX(R2)), ["0x000000000000028d"]);
  assert.equal(word(Exit()), ["0x0000000000000095"]);
  assert.equal(word(LdImm64(R0, 0x1122334455667788n)), ["0x5566778800000018", "0x1122334400000000"]);
  assert.equal(word(LdMapValue(R1, "rodata", 16)), ["0x0000000000002118", "0x0000001000000000"]);
});

test("labels resolve to slot offsets counted from the next instruction, lddw taking two slots", () => {
  const insns = resolve([
    JEq.imm(R1, 0, "out"), // slot 0
    LdImm64(R0, 1n), // slots 1-2
    Ja("out"), // slot 3
    Call.local("fn"), // slot 4
    label("out"),
    Exit(), // slot 5
    label("fn"),
    LdFunc(R1, "out"), // slots 6-7
    Ja32("out"), // slot 8
  ]);
  assert.equal(insns.map((i) => [i.off, i.imm]), [[4, 0], [0, 1], [1, 0], [0, 1], [0, 0], [0, -2], [0, -4]]);
  assert.ok(insns.every((i) => i.target === undefined));
});

test("a dangling label, a duplicate label and a too-distant jump are errors", () => {
  assert.throws(() => resolve([Ja("nowhere"), Exit()]), (e: unknown) => e instanceof AsmError && /undefined label nowhere/.test(e.message) && e.index === 0);
  assert.throws(() => resolve([label("a"), label("a"), Exit()]), /duplicate label a/);
  const far = [JEq.imm(R1, 0, "end"), ...Array.from({ length: 40000 }, () => Mov.imm(R0, 0)), label("end"), Exit()];
  assert.throws(() => resolve(far), /beyond the 16-bit offset range; use ja32/);
  // ja32 reaches it
  const ok = resolve([Ja32("end"), ...Array.from({ length: 40000 }, () => Mov.imm(R0, 0)), label("end"), Exit()]);
  assert.is(ok[0]!.imm, 40000);
});

test("decode is the exact inverse of encode", () => {
  const bytes = encode([LdImm64(R1, -5n), LdMapFd(R2, "m"), Ldx.h(R0, R1, 2), JSGt32.reg(R0, R1, 1), Exit(), Exit()]);
  assert.equal(encode(decode(bytes)), bytes);
  assert.throws(() => decode(bytes.subarray(0, 12)), /not a multiple of 8/);
  assert.throws(() => decode(bytes.subarray(0, 8)), /missing its second slot/);
});

test("validate rejects non-zero unused fields, bad registers, writes to r10 and jumps out of the program", () => {
  assert.throws(() => validate(decode(Uint8Array.of(0x07, 0x00, 0x01, 0, 1, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0))), /unused field off must be 0/);
  assert.throws(() => validate([Mov.imm(11, 0), Exit()]), /invalid register r11/);
  assert.throws(() => validate([Mov.imm(R10, 0), Exit()]), /read-only frame pointer/);
  assert.throws(() => validate([Ja(5), Exit()]), /outside the program/);
  assert.throws(() => validate([Ja(1), LdImm64(R0, 1n), Exit()]), /middle of lddw/);
  assert.throws(() => validate([Mov.imm(R0, 0)]), /last instruction must be exit/);
  assert.throws(() => validate([]), /no instructions/);
});

// The suite's data lives beside the checkout (../shared/conformance), not in the repository.
const dir = suiteDir();
const noSuite = (): boolean => {
  if (dir) return false;
  skip(suiteAbsent());
  return true;
};

test("disassemble -> assemble -> disassemble is the identity on every conformance test", () => {
  if (noSuite()) return;
  let n = 0;
  for (const t of listTests(dir!, "tests")) {
    const bytes = testBytes(t);
    const text = disassemble(decode(bytes));
    const again = encode(parseAsm(text));
    assert.equal(again, bytes, t.name);
    assert.is(disassemble(decode(again)), text, t.name);
    n++;
  }
  assert.is(n, 313);
});

test("lddw.data's assembly encodes to exactly its raw words", () => {
  if (noSuite()) return;
  const t = listTests(dir!, "tests").find((x) => x.name === "lddw")!;
  assert.equal(toWords(encode(parseAsm(t.asm!))), t.raw);
});

test("the assembler rejects the suite's invalid_* files with upstream's messages", () => {
  const expected: Record<string, string> = {
    invalid_register: "Invalid register: %r50",
    invalid_mnemonic: "Invalid mnemonic: ldxq",
    invalid_offset: "Failed to decode register and offset: %r1",
    invalid_offset_range: "Offset out of 16-bit range: +0x10000",
    invalid_imm32_dec_range: "Immediate out of 32-bit range: 2147483648",
    invalid_imm32_hex_range: "Immediate out of 32-bit range: 0x100000000",
    invalid_label: "Invalid label: NOT_A_LABEL",
    invalid_lock: "Invalid number of operands for lock",
    invalid_lock2: "Invalid number of operands for lock",
    invalid_operand_count: "Invalid number of operands for mnemonic: lddw",
  };
  if (noSuite()) return;
  const negatives = listTests(dir!, "negative");
  for (const [name, message] of Object.entries(expected)) {
    const t = negatives.find((x) => x.name === name)!;
    assert.throws(() => parseAsm(t.asm!), (e: unknown) => e instanceof Error && e.message === message, name);
  }
  const directive = negatives.find((x) => x.name === "invalid_unknown_directive")!;
  assert.ok(directive.skip?.startsWith("unknown directive"));
});

test("assembler number grammar: hex bit patterns, signed decimals, required jump signs", () => {
  assert.is(parseAsm("mov32 %r0, 0xffffffff\nexit").length, 3); // label exit + 2 instructions
  assert.throws(() => parseAsm("mov %r0, -0x1"), /Immediate out of 32-bit range/);
  assert.throws(() => parseAsm("mov %r0, -2147483649"), /Immediate out of 32-bit range/);
  assert.throws(() => parseAsm("ldxb %r0, [%r1+32768]"), /Offset out of 16-bit range/);
  assert.throws(() => parseAsm("mov %r0, 1\nmov %r0,1"), /Invalid number of operands|Invalid register/);
  assert.throws(() => parseAsm("a:\na:\nexit"), /Duplicate label a/);
  const [ja] = resolve(parseAsm("ja +0\nexit"));
  assert.is(ja!.off, 0);
});

test("extension syntax for map loads and function addresses round-trips", () => {
  const text = "lddw %r1, map_fd counts\nlddw %r2, map_value rodata+8\nlddw %r3, map_idx 2\nlddw %r4, btf_id 77\nlddw %r5, func +1\nexit\nexit\n";
  const items = parseAsm(text);
  const insns = resolve(items);
  assert.is(insns[0]!.map, "counts");
  assert.is(insns[1]!.imm2, 8);
  assert.is(disassemble(insns), text);
});

test("instructions outside the ISA disassemble to .raw slots that assemble back", () => {
  const bytes = Uint8Array.of(0x07, 0x00, 0x01, 0, 1, 0, 0, 0, 0xff, 0x12, 0x34, 0x56, 1, 2, 3, 4, 0x95, 0, 0, 0, 0, 0, 0, 0);
  const text = disassemble(decode(bytes));
  assert.match(text, /^\.raw 0x0000000100010007\n\.raw 0x04030201563412ff\nexit\n$/);
  assert.equal(encode(parseAsm(text)), bytes);
});

test("metadata prints as `; source` comments when the source line changes", () => {
  const span = { file: "tool.ts", line: 12, column: 3 };
  const text = disassemble([
    withMeta(Mov.imm(R0, 0), { span, source: "  let n = 0;" }),
    withMeta(Add.imm(R0, 1), { span: { ...span, line: 13 }, source: "  n += 1;" }),
    withMeta(Add.imm(R0, 1), { span: { ...span, line: 13 }, source: "  n += 1;", comment: "again" }),
    Exit(),
  ]);
  assert.is(text, "; let n = 0;  (tool.ts:12)\nmov %r0, 0\n; n += 1;  (tool.ts:13)\nadd %r0, 1\nadd %r0, 1  ; again\nexit\n");
  // comments do not disturb the assembler
  assert.is(resolve(parseAsm(text)).length, 4);
});

test.run();
