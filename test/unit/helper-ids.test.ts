// core/asm/helpers.ts: the one table of kernel helper ids, against the running kernel's own `enum bpf_func_id` (read
// from its BTF), and the disassembler and assembler naming helpers through it.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { BpfFunc, Call, Exit, Mov, R0, disassemble, encode, helperId, helperName, parseAsm } from "../../core/asm/index.ts";
import { parseBtf } from "../../core/object/btf/index.ts";
import { lacksVmlinuxBtf } from "../support/skip.ts";

const VMLINUX = "/sys/kernel/btf/vmlinux";

test("every helper id is the running kernel's BPF_FUNC_* of the same name", () => {
  if (lacksVmlinuxBtf()) return;
  const btf = parseBtf(readFileSync(VMLINUX));
  const [e] = btf.findByName("bpf_func_id", "enum");
  assert.ok(e && e.kind === "enum", "the kernel's BTF has enum bpf_func_id");
  const kernel = new Map(e.values.map((v) => [v.name, v.value]));
  const ours = Object.entries(BpfFunc);
  for (const [key, id] of ours) {
    const name = helperName(id)!;
    assert.is(kernel.get(`BPF_FUNC_${name.slice(4)}`), id, `BpfFunc.${key} (${name}) is ${id}`);
  }
  // Helper ids stopped growing at 211 (Linux 6.2): the kernel has none we lack.
  const max = kernel.get("__BPF_FUNC_MAX_ID");
  assert.is(max, ours.length, `__BPF_FUNC_MAX_ID is ${max}, the table has ${ours.length} ids`);
});

test("names and ids map both ways, from the kernel's spelling", () => {
  assert.is(helperName(BpfFunc.MapLookupElem), "bpf_map_lookup_elem");
  assert.is(helperName(BpfFunc.L3CsumReplace), "bpf_l3_csum_replace");
  assert.is(helperName(BpfFunc.SkcToTcp6Sock), "bpf_skc_to_tcp6_sock");
  assert.is(helperName(BpfFunc.DPath), "bpf_d_path");
  assert.is(helperName(BpfFunc.Jiffies64), "bpf_jiffies64");
  assert.is(helperName(212), undefined);
  for (const id of Object.values(BpfFunc)) assert.is(helperId(helperName(id)!), id);
  assert.is(helperId("bpf_no_such_helper"), undefined);
});

test("the disassembler names helpers as bpftool does, and the assembler reads the name back", () => {
  const prog = [Call.helper(BpfFunc.KtimeGetNs), Call.helper(BpfFunc.GetCurrentPidTgid), Call.helper(999), Mov.imm(R0, 0), Exit()];
  const text = disassemble(prog);
  assert.match(text, /^call bpf_ktime_get_ns#5$/m);
  assert.match(text, /^call bpf_get_current_pid_tgid#14$/m);
  assert.match(text, /^call helper 999$/m, "an id past the table keeps the numeric form");
  assert.equal(encode(parseAsm(text)), encode(prog));
  assert.equal(encode(parseAsm("call bpf_loop\nexit")), encode([Call.helper(BpfFunc.Loop), Exit()]));
  assert.throws(() => parseAsm("call bpf_no_such_helper\nexit"), /Unknown helper: bpf_no_such_helper/);
});

test.run();
