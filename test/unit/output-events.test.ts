// runtime/output/events.ts: event types in, columns out; events in, aligned text lines out; lost counts in, exit
// summaries out. Expected strings are exact: alignment, escaping, hex. (NDJSON records: output-json.test.ts.)

import { test } from "uvu";
import * as assert from "uvu/assert";
import { codecOf, i32, i64, u16, u32, u64, u8, type TypeDesc } from "../../core/object/layout.ts";
import {
  eventColumns,
  formatEventHeader,
  formatEventLine,
  formatLost,
  formatWith,
  isHexName,
} from "../../runtime/output/index.ts";

const str = (capacity: number): TypeDesc => ({ kind: "string", capacity });
const struct = (fields: Record<string, TypeDesc>): TypeDesc => ({
  kind: "struct",
  fields: Object.entries(fields).map(([name, type]) => ({ name, type })),
});

// interface OpenEvent { pid: u32; comm: Str<16>; fd: i32; err: i32; path: Str<256> }
const OPEN = struct({ pid: u32, comm: str(16), fd: i32, err: i32, path: str(256) });
const open = (over: Partial<Record<"pid" | "comm" | "fd" | "err" | "path", unknown>> = {}) => ({
  pid: 1234, comm: "bash", fd: 3, err: 0, path: "/etc/passwd", ...over,
});

test("columns: widths and alignment from the type", () => {
  const cols = eventColumns(OPEN);
  assert.equal(
    cols.map((c) => [c.header, c.width, c.align, c.style]),
    [["PID", 7, "right", "decimal"], ["COMM", 15, "left", "string"], ["FD", 7, "right", "decimal"],
      ["ERR", 7, "right", "decimal"], ["PATH", 16, "left", "string"]],
  );
  assert.equal(cols.map((c) => c.path), [["pid"], ["comm"], ["fd"], ["err"], ["path"]]);
  const ints = eventColumns(struct({ a: u8, b: { kind: "int", size: 1, signed: true }, c: u16, d: { kind: "int", size: 2, signed: true }, e: u64, f: i64 }));
  assert.equal(ints.map((c) => c.width), [3, 4, 5, 6, 12, 12]);
  // A header wider than the type's width widens the column; Str<4> pads to 3.
  assert.equal(eventColumns(struct({ latencyUs: u8, s: str(4), tiny: str(1) })).map((c) => [c.header, c.width]), [["LATENCY_US", 10], ["S", 3], ["TINY", 4]]);
});

test("opensnoop: header and rows align; the last column is not padded", () => {
  const cols = eventColumns(OPEN);
  assert.is(formatEventHeader(cols), "    PID COMM                 FD     ERR PATH");
  assert.is(formatEventLine(cols, open()), "   1234 bash                  3       0 /etc/passwd");
  assert.is(formatEventLine(cols, open({ fd: -1, err: 2, path: "/nonexistent/file/with/a/long/name" })),
    "   1234 bash                 -1       2 /nonexistent/file/with/a/long/name");
});

test("wide values push the line and the next columns take the slack back; numbers are never cut", () => {
  const cols = eventColumns(OPEN);
  assert.is(formatEventLine(cols, open({ pid: 4294967295 })), "4294967295 bash               3       0 /etc/passwd");
  assert.is(formatEventLine(cols, open({ pid: 4194304, comm: "a-very-long-command-name", fd: -1, err: 2, path: "/x" })),
    "4194304 a-very-long-command-name -1   2 /x");
  assert.is(formatEventLine(cols, open({ fd: -2147483648, err: -2147483648 })), "   1234 bash        -2147483648 -2147483648 /etc/passwd");
});

test("empty strings: a middle column stays aligned, an empty last column leaves no trailing space", () => {
  const cols = eventColumns(OPEN);
  assert.is(formatEventLine(cols, open({ comm: "" })), "   1234                       3       0 /etc/passwd");
  assert.is(formatEventLine(cols, open({ path: "" })), "   1234 bash                  3       0");
  assert.is(formatEventLine(eventColumns(struct({ comm: str(16), path: str(16) })), { comm: "sh", path: "" }), "sh");
});

test("control characters and backslashes are escaped; invalid UTF-8 and lone surrogates become U+FFFD", () => {
  const cols = eventColumns(struct({ pid: u32, path: str(64) }));
  assert.is(formatEventLine(cols, { pid: 1, path: "/tmp/a\nb\tc\r\x1b[31m\\d\x7f\u0085\u2028e\0" }),
    "      1 /tmp/a\\nb\\tc\\r\\x1b[31m\\\\d\\x7f\\u0085\\u2028e\\x00");
  const decoded = codecOf(struct({ pid: u32, path: str(8) })).fromBytes(Uint8Array.of(1, 0, 0, 0, 0x61, 0xff, 0x62, 0xc3, 0x28, 0, 0, 0));
  assert.is(formatEventLine(cols, decoded), "      1 a\uFFFDb\uFFFD(");
  assert.is(formatEventLine(cols, { pid: 1, path: "x\uD800y\uDC00z\uD83D\uDE00" }), "      1 x\uFFFDy\uFFFDz\uD83D\uDE00");
  // A string in a middle column that counts as one code point per emoji still aligns by code points.
  const two = eventColumns(struct({ comm: str(8), n: u8 }));
  assert.is(formatEventLine(two, { comm: "\uD83D\uDE00", n: 1 }), "\uD83D\uDE00         1");
});

test("hex by name (addr, ip, ptr, flags, *_addr, *Addr, *_ptr, *Ptr, *_flags, *Flags) and for pointers; two's complement for negatives", () => {
  for (const name of ["addr", "ip", "ptr", "IP", "Addr", "kernel_addr", "retAddr", "buf_ptr", "bufPtr", "flags", "open_flags", "gfpFlags"]) assert.ok(isHexName(name), name);
  for (const name of ["saddr", "daddr", "ipv4", "zip", "src_ip", "address", "pc", "ptrs", "addrs", "flag", "reflags", "nflags"]) assert.not.ok(isHexName(name), name);
  const cols = eventColumns(struct({ ip: u64, addr: i32, n: u64 }));
  assert.equal(cols.map((c) => [c.width, c.style]), [[18, "hex"], [10, "hex"], [12, "decimal"]]);
  assert.is(formatEventHeader(cols), "                IP       ADDR            N");
  assert.is(formatEventLine(cols, { ip: 0xffffffff81000000n, addr: -1, n: 5n }), "0xffffffff81000000 0xffffffff            5");
  assert.is(formatEventLine(cols, { ip: 0x7ffd1234n, addr: 0, n: 18446744073709551615n }), "        0x7ffd1234        0x0 18446744073709551615");
  const ptr = eventColumns({ kind: "pointer" });
  assert.equal(ptr.map((c) => [c.header, c.style]), [["VALUE", "hex"]]);
  assert.is(formatEventLine(ptr, 0xdeadbeefn), "        0xdeadbeef");
});

test("arrays print compactly and are never hex, even one that looks like an address", () => {
  const cols = eventColumns(struct({
    addr: { kind: "array", element: u8, length: 4 },
    v6: { kind: "array", element: u8, length: 16 },
    deltas: { kind: "array", element: i32, length: 2 },
    names: { kind: "array", element: str(8), length: 2 },
    raw: { kind: "bytes", length: 3 },
  }));
  assert.equal(cols.map((c) => [c.header, c.width, c.style]),
    [["ADDR", 17, "compound"], ["V6", 24, "compound"], ["DELTAS", 24, "compound"], ["NAMES", 24, "compound"], ["RAW", 13, "compound"]]);
  const event = {
    addr: [127, 0, 0, 1], v6: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
    deltas: [-1, 2], names: ["a,b", "q\"\n"], raw: Uint8Array.of(1, 2, 255),
  };
  assert.is(formatEventLine(cols, event),
    "[127,0,0,1]       [0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1] [-1,2]" + " ".repeat(10) + "[\"a,b\",\"q\\\"\\n\"]" + " ".repeat(10) + "[1,2,255]");
  const structs = eventColumns(struct({ kids: { kind: "array", element: struct({ pid: u32, comm: str(4) }), length: 2 } }));
  assert.is(formatEventLine(structs, { kids: [{ pid: 1, comm: "sh" }, { pid: 2, comm: "" }] }), "[{pid=1,comm=\"sh\"},{pid=2,comm=\"\"}]");
  assert.is(formatEventLine(eventColumns(struct({ big: { kind: "array", element: u64, length: 2 } })), { big: [2n ** 64n - 1n, 0n] }), "[18446744073709551615,0]");
});

test("nested structs flatten to PARENT.CHILD columns", () => {
  const cols = eventColumns(struct({ pid: u32, sock: struct({ saddr: u32, dport: u16, peer: struct({ remoteAddr: u64 }) }), tcpState: u8 }));
  assert.equal(cols.map((c) => c.header), ["PID", "SOCK.SADDR", "SOCK.DPORT", "SOCK.PEER.REMOTE_ADDR", "TCP_STATE"]);
  assert.equal(cols[3]!.path, ["sock", "peer", "remoteAddr"]);
  assert.is(formatEventHeader(cols), "    PID SOCK.SADDR SOCK.DPORT SOCK.PEER.REMOTE_ADDR TCP_STATE");
  assert.is(formatEventLine(cols, { pid: 1, sock: { saddr: 16777343, dport: 443, peer: { remoteAddr: 0x1000n } }, tcpState: 1 }),
    "      1   16777343        443                0x1000         1");
});

test("booleans, and a missing field prints as an empty cell", () => {
  const cols = eventColumns(struct({ ok: { kind: "bool" }, name: str(8) }));
  assert.is(formatEventHeader(cols), "OK    NAME");
  assert.is(formatEventLine(cols, { ok: true, name: "x" }), "true  x");
  assert.is(formatEventLine(cols, { ok: false, name: "x" }), "false x");
  assert.is(formatEventLine(eventColumns(OPEN), { pid: 7, path: "/p" }), "      7                                 /p");
});

test("values that do not match their column print as they are, in a column set used before and after", () => {
  const cols = eventColumns(OPEN);
  const plain = formatEventLine(cols, open());
  // A string in a decimal column, a number and an object in string columns, a bigint pid, wide characters, an
  // escape, a lone surrogate, a fraction: the text is what the general path makes of each.
  assert.is(formatEventLine(cols, open({ pid: "x", comm: 5, path: { a: 1 } })), "      x 5                     3       0 {a=1}");
  assert.is(formatEventLine(cols, open({ pid: 1n << 60n })), "1152921504606846976 bash      3       0 /etc/passwd");
  assert.is(formatEventLine(cols, open({ comm: "日本😀", path: "a\tb" })), "   1234 日本😀                   3       0 a\\tb");
  assert.is(formatEventLine(cols, open({ comm: "\ud800x", pid: 1.5 })), "    1.5 \uFFFDx                    3       0 /etc/passwd");
  assert.is(formatEventLine(cols, open()), plain);
  assert.is(formatEventLine(cols, null), "");
});

test("a non-struct event is one VALUE column", () => {
  const n = eventColumns(u32);
  assert.equal(n.map((c) => [c.header, c.path, c.width]), [["VALUE", [], 7]]);
  assert.is(formatEventHeader(n), "  VALUE");
  assert.is(formatEventLine(n, 42), "     42");
  assert.is(formatEventLine(eventColumns(u64), 2n ** 63n), "9223372036854775808");
  const s = eventColumns(str(64));
  assert.is(formatEventHeader(s), "VALUE");
  assert.is(formatEventLine(s, "hello\nworld"), "hello\\nworld");
});

test("maxWidth cuts strings and arrays (with …) and caps string padding; numbers stay whole", () => {
  const cols = eventColumns(OPEN, { maxWidth: 8 });
  assert.equal(cols.map((c) => c.width), [7, 8, 7, 7, 8]);
  assert.is(formatEventLine(cols, open({ pid: 4294967295, comm: "systemd-journal", path: "/usr/lib/x86_64" })),
    "4294967295 systemd…    3       0 /usr/li…");
  assert.is(formatEventLine(cols, open({ comm: "12345678", path: "/short" })), "   1234 12345678       3       0 /short");
  const arr = eventColumns(struct({ a: { kind: "array", element: u32, length: 4 } }), { maxWidth: 6 });
  assert.is(formatEventLine(arr, { a: [1, 22, 333, 4444] }), "[1,22…");
  // Without the option nothing is cut.
  assert.is(formatEventLine(eventColumns(OPEN), open({ comm: "systemd-journal-x" })), "   1234 systemd-journal-x     3       0 /etc/passwd");
});

test("formatLost", () => {
  assert.is(formatLost("events", 0, "ringbuf"), "");
  assert.is(formatLost("events", 0n, "perf"), "");
  assert.is(formatLost("events", 12, "ringbuf"), "Lost 12 events on events (ring buffer full; a larger RingBuffer(bytes) or fewer events would help)");
  assert.is(formatLost("opens", 1n, "ringbuf"), "Lost 1 event on opens (ring buffer full; a larger RingBuffer(bytes) or fewer events would help)");
  assert.is(formatLost("events", 3n, "perf"), "Lost 3 events on events (perf buffer full; more PerfEventArray({ pages }) or fewer events would help)");
});

test("formatWith: a line, or an error naming the channel instead of a crash", () => {
  const ev = { pid: 1 };
  assert.equal(formatWith((e) => `pid ${(e as { pid: number }).pid}`, ev, "events"), { line: "pid 1" });
  assert.equal(formatWith(() => "two\nlines\n", ev, "events"), { line: "two\nlines" });
  assert.equal(formatWith((_e, ch) => ch, ev, "opens"), { line: "opens" });
  assert.equal(formatWith(() => { throw new RangeError("boom"); }, ev, "events"), { error: "format() for channel events threw: RangeError: boom" });
  assert.equal(formatWith(() => { throw "str"; }, ev, "events"), { error: "format() for channel events threw: str" });
  assert.equal(formatWith(() => undefined, ev, "events"), { error: "format() for channel events returned undefined, not a string" });
  assert.equal(formatWith(() => 5, ev, "events"), { error: "format() for channel events returned number 5, not a string" });
  assert.equal(formatWith(() => null, ev, "events"), { error: "format() for channel events returned null, not a string" });
  assert.equal(formatWith(() => ({}), ev, "events"), { error: "format() for channel events returned an object, not a string" });
  assert.equal(formatWith(async () => "late", ev, "events"), {
    error: "format() for channel events returned a Promise; it must return the line as a string, synchronously",
  });
  assert.equal(formatWith(() => Promise.reject(new Error("x")), ev, "events"), {
    error: "format() for channel events returned a Promise; it must return the line as a string, synchronously",
  });
});

test.run();
