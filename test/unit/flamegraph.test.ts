// Flame graphs (runtime/output/flamegraph.ts): folded stacks in, an SVG out, checked as drawn by a real browser.
// Without a browser: the merged tree, alphabetical order, the minimum width, colours by origin, XML escaping. In
// headless Chromium: an HTML page holding the SVG runs a probe script that reads the laid-out boxes (getBBox) and
// writes them into the DOM (--dump-dom): widths proportional to the samples, the widest leaf of the fixture the widest
// on screen, labels inside their boxes, a click zooming (the clicked frame across the width, the others hidden),
// search painting the matches and counting nested ones once, Escape undoing both, no script error; and the standalone
// .svg file screenshotted, its pixels decoded: the frames are there in their colours. And --flamegraph's recorder
// (flamegraph-output.ts) in front of a run's output, and the file it writes.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AggregationData } from "../../runtime/output/aggregations.ts";
import { FlameGraphRecorder, writeFlameGraph } from "../../runtime/output/flamegraph-output.ts";
import type { FoldedStack } from "../../runtime/output/folded.ts";
import { createOutput, type Sink } from "../../runtime/output/index.ts";
import type { StackTrace } from "../../runtime/symbols/types.ts";
import { fitLabel, flameGraphHtml, flameGraphSvg, frameColour, frameOrigin, mergeStacks, xml } from "../../runtime/output/flamegraph.ts";
import { consoleMessages, decodePng, findChromium, runChromium } from "../support/chromium.ts";
import { skip } from "../support/skip.ts";

const LONG = "a_very_long_function_name_that_cannot_fit_in_its_box";
const ODD = `idle <&>"' \u0001`;

/** Leaves: compute 200 (the widest), fib 120, vfs_read 70, cpu_idle 50, LONG 20, ODD 10; 470 samples in all. */
const FIXTURE: FoldedStack[] = [
  { stack: ["swapper/0", "cpu_idle_[k]"], value: 50n },
  { stack: ["bash", "main", "work", "read", "do_syscall_64_[k]", "ksys_read_[k]", "vfs_read_[k]"], value: 70n },
  { stack: ["bash", "main", "work", "compute"], value: 200n },
  { stack: ["node", "node::Start", "run_[j]", "fib_[j]"], value: 120n },
  { stack: ["bash", "main", ODD], value: 10n },
  { stack: ["bash", "main", LONG], value: 20n },
];
const TOTAL = 470;
const WIDTH = 1200;
const INNER = WIDTH - 20;

test("stacks merge by prefix; the root holds every sample; stacks without samples are left out", () => {
  const root = mergeStacks([...FIXTURE, { stack: ["bash", "never"], value: 0n }]);
  assert.is(root.value, TOTAL);
  assert.equal([...root.children.keys()], ["swapper/0", "bash", "node"]);
  const main = root.children.get("bash")!.children.get("main")!;
  assert.is(main.value, 300);
  assert.is(main.children.get("work")!.value, 270);
  assert.not.ok(root.children.get("bash")!.children.has("never"));
});

/** Each frame of an SVG: its title, and its rect's x and width. */
function framesOf(svg: string): { tip: string; x: number; width: number }[] {
  return [...svg.matchAll(/<g class="f"[^>]*><title>([^<]*)<\/title><rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"/g)]
    .map((m) => ({ tip: m[1]!, x: Number(m[2]), width: Number(m[3]) }));
}

test("siblings are laid out left to right in alphabetical order, widths by samples", () => {
  const frames = framesOf(flameGraphSvg(FIXTURE));
  const x = (name: string) => frames.find((f) => f.tip.startsWith(`${name} (`))!.x;
  assert.ok(x("bash") < x("node") && x("node") < x("swapper/0"), "bash, node, swapper/0");
  assert.ok(x(LONG) < x("work"), "a_very... before work");
  assert.ok(x("compute") < x("read"), "compute before read");
  const compute = frames.find((f) => f.tip.startsWith("compute ("))!;
  assert.ok(Math.abs(compute.width - (200 / TOTAL) * INNER) < 0.01, String(compute.width));
  assert.is(compute.tip, "compute (200 samples, 42.55%)");
});

test("frames narrower than the minimum width are left out with what stands on them", () => {
  const stacks: FoldedStack[] = [{ stack: ["big"], value: 100_000n }, { stack: ["small", "above"], value: 5n }];
  const tips = (svg: string) => framesOf(svg).map((f) => f.tip.slice(0, f.tip.indexOf(" (")));
  // 5 / 100005 of 1180 px is 0.059 px: under the default 0.1
  assert.equal(tips(flameGraphSvg(stacks)), ["all", "big"]);
  assert.equal(tips(flameGraphSvg(stacks, { minWidth: 0.01 })), ["all", "big", "small", "above"]);
});

test("origins from the annotations: the name shown without it, a hue range per origin", () => {
  assert.equal(frameOrigin("vfs_read_[k]"), { name: "vfs_read", origin: "kernel" });
  assert.equal(frameOrigin("fib_[j]"), { name: "fib", origin: "jit" });
  assert.equal(frameOrigin("main"), { name: "main", origin: "user" });
  const hue = (c: string) => Number(/^hsl\(([\d.]+),/.exec(c)![1]);
  for (const name of ["a", "vfs_read", "schedule", "x".repeat(40)]) {
    assert.ok(hue(frameColour(`${name}_[k]`)) >= 195 && hue(frameColour(`${name}_[k]`)) <= 225, name);
    assert.ok(hue(frameColour(`${name}_[j]`)) >= 85 && hue(frameColour(`${name}_[j]`)) <= 135, name);
    assert.ok(hue(frameColour(name)) <= 55, name);
  }
  assert.is(frameColour("main"), frameColour("main"));
  assert.is.not(frameColour("main"), frameColour("mainx"));
});

test("names are escaped for XML, and characters XML cannot hold are replaced", () => {
  assert.is(xml(`a<b>&"c'`), "a&lt;b&gt;&amp;&quot;c&apos;");
  assert.is(xml("x\u0000y\u001bz\ud800w\ud83d\ude00"), "x\ufffdy\ufffdz\ufffdw\ud83d\ude00");
  const svg = flameGraphSvg(FIXTURE, { title: "<T&>", subtitle: "s\"s" });
  assert.ok(svg.includes("idle &lt;&amp;&gt;&quot;&apos; \ufffd ("), "the odd frame's title");
  assert.ok(svg.includes(">&lt;T&amp;&gt;</text>") && svg.includes(">s&quot;s</text>"));
  assert.not.ok(/<[^a-zA-Z/?!]/.test(svg.replace(/<!\[CDATA\[[\s\S]*\]\]>/, "")), "no stray < outside the script");
});

test("labels: whole when they fit, cut with .. when not, none below three characters", () => {
  assert.is(fitLabel("compute", 100, 7.44), "compute");
  assert.is(fitLabel("compute", 52, 7.44), "comp..");
  assert.is(fitLabel("compute", 26, 7.44), "");
});

test("no samples: a RangeError, not an empty drawing", () => {
  assert.throws(() => flameGraphSvg([{ stack: ["a"], value: 0n }]), /at least one stack with a sample/);
});

/** A sink that keeps stdout and stderr apart. */
function memorySink(): Sink & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  const writer = (into: string[]) => ({ write: (text: string) => (into.push(text), true), once: () => undefined });
  return { stdout: writer(out), stderr: writer(err), out, err };
}

const kstack = (...symbols: string[]): StackTrace => ({ kind: "kstack", frames: symbols.map((symbol) => ({ address: 1n, origin: "kernel", symbol })) });

test("--flamegraph's recorder: the run's output unchanged; the first map with stacks kept, the others noted", async () => {
  const plain = memorySink();
  const recorded = memorySink();
  const calls: AggregationData = { name: "calls", kind: "count", keyed: true, entries: [{ key: "bash", value: 3n }] };
  const lat: AggregationData = { name: "lat", kind: "hist", keyed: true, entries: [{ key: kstack("a"), buckets: [1n] }] };
  const first: AggregationData = { name: "first", kind: "count", keyed: true, entries: [{ key: kstack("leaf", "root"), value: 4n }, { key: kstack("root"), value: 1n }] };
  const second: AggregationData = { name: "second", kind: "sum", keyed: true, entries: [{ key: kstack("x"), value: 9n }] };
  const recorder = new FlameGraphRecorder(createOutput("text", recorded), recorded, {});
  for (const o of [createOutput("text", plain), recorder]) {
    await o.attached(1);
    await o.line("a line");
    for (const m of [calls, lat, first, second]) await o.aggregation(m);
    await o.end();
  }
  assert.equal(recorded.out, plain.out);
  assert.equal(recorded.err.slice(0, plain.err.length), plain.err);
  assert.equal(recorded.err.slice(plain.err.length), [
    "note: @lat is a hist: folded stacks need one number per key (count(), sum() or an integer map), not histogram buckets; not in the flame graph\n",
    "note: @second has stacks too; the flame graph shows @first only (--format folded prints every map)\n",
  ]);
  assert.equal(recorder.recorded, { map: "@first", stacks: [{ stack: ["root_[k]"], value: 1n }, { stack: ["root_[k]", "leaf_[k]"], value: 4n }], samples: 5n });
  // A map keyed by stacks that nothing reached is kept, empty: the run says it has no samples.
  const empty = new FlameGraphRecorder(createOutput("text", memorySink()), memorySink(), {});
  empty.record({ name: "s", kind: "count", keyed: true, entries: [], keyType: { kind: "int", size: 8, signed: false, display: "kstack", depth: 127 } });
  assert.equal(empty.recorded, { map: "@s", stacks: [], samples: 0n });
});

test("writeFlameGraph: an SVG, or an HTML page for .html, subtitled with the map, its stacks and samples", () => {
  const dir = mkdtempSync(join(tmpdir(), "tsbpf-flamegraph-"));
  try {
    const recorded = { map: "@stacks", stacks: FIXTURE, samples: 470n };
    writeFlameGraph(join(dir, "f.svg"), recorded, { title: "T" });
    writeFlameGraph(join(dir, "f.html"), recorded, { title: "T" });
    const svg = readFileSync(join(dir, "f.svg"), "utf8");
    const html = readFileSync(join(dir, "f.html"), "utf8");
    assert.ok(svg.startsWith("<?xml ") && svg.includes(">@stacks: 6 stacks, 470 samples</text>"));
    assert.ok(html.startsWith("<!DOCTYPE html>") && html.includes("<svg ") && html.includes(">@stacks: 6 stacks, 470 samples</text>"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// ---------------------------------------------------------------------------------------------------------------
// In a browser.

/** Runs in the page after the SVG: the boxes as laid out, a click, a search, Escape; the summary into the DOM. */
const PROBE = String.raw`
(function () {
  var out = { errors: window.__errors };
  try {
    var svg = document.querySelector("svg");
    var frame = function (name) {
      return Array.prototype.filter.call(svg.querySelectorAll("g.f"), function (g) { return g.querySelector("title").textContent.indexOf(name + " (") === 0; })[0];
    };
    var summary = function () {
      return Array.prototype.map.call(svg.querySelectorAll("g.f"), function (g) {
        var r = g.querySelector("rect"), t = g.querySelector("text"), b = r.getBBox(), tb = t.getBBox();
        var tip = g.querySelector("title").textContent;
        return { name: tip.slice(0, tip.lastIndexOf(" (")), x: b.x, y: b.y, width: b.width, shown: getComputedStyle(g).display !== "none",
          label: t.textContent, textX: tb.x, textWidth: tb.width, fill: getComputedStyle(r).fill };
      });
    };
    out.before = summary();
    frame("work").querySelector("rect").dispatchEvent(new MouseEvent("click", { bubbles: true }));
    out.zoomed = summary();
    out.search = svg.flameGraph.search("read");
    out.matched = svg.querySelector(".matched").textContent;
    out.searched = summary();
    window.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape" }));
    out.reset = summary();
    var doc = new DOMParser().parseFromString(window.__svgText, "image/svg+xml");
    var bad = doc.getElementsByTagName("parsererror")[0];
    out.xmlError = bad ? bad.textContent : null;
  } catch (e) {
    out.errors.push(String((e && e.stack) || e));
  }
  var pre = document.createElement("pre");
  pre.id = "probe";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
  console.log("flamegraph-probe-done");
})();
`;

interface Box { name: string; x: number; y: number; width: number; shown: boolean; label: string; textX: number; textWidth: number; fill: string }
interface Probe { errors: string[]; before: Box[]; zoomed: Box[]; searched: Box[]; reset: Box[]; search: { frames: number; samples: number; percent: string }; matched: string; xmlError: string | null }

/** A script's text inside an HTML <script>: nothing in it may close the element. */
const inScript = (v: unknown) => JSON.stringify(v).replace(/</g, "\\u003c");

const chromium = findChromium();

test("in Chromium: boxes proportional to samples, labels inside them, click-to-zoom, search, Escape", async () => {
  if (!chromium) return skip("no chromium on PATH (Debian's chromium package): the flame graph's rendering is not checked");
  const dir = mkdtempSync(join(tmpdir(), "tsbpf-flamegraph-"));
  try {
    const svgText = flameGraphSvg(FIXTURE, { title: "Test", subtitle: "fixture" });
    const page = flameGraphHtml(FIXTURE, { title: "Test", subtitle: "fixture" })
      .replace("<head>", `<head>\n<script>window.__errors = []; window.addEventListener("error", function (e) { window.__errors.push(String(e.message)); }); window.__svgText = ${inScript(svgText)};</script>`)
      .replace("</body>", `<script>${PROBE}</script>\n</body>`);
    const file = join(dir, "page.html");
    writeFileSync(file, page);
    const run = await runChromium(chromium, ["--dump-dom", `file://${file}`]);
    const m = /<pre id="probe">([\s\S]*?)<\/pre>/.exec(run.stdout);
    assert.ok(m, `no probe output; chromium exited ${run.code}:\n${run.stderr.slice(-3000)}`);
    const p = JSON.parse(m[1]!.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&nbsp;/g, "\u00a0").replace(/&amp;/g, "&")) as Probe;
    const console = consoleMessages(run.stderr);
    assert.ok(console.some((l) => l.includes("flamegraph-probe-done")), `the console log is read: ${console.join("\n")}`);
    assert.equal(console.filter((l) => /Uncaught|Error/.test(l)), []);
    assert.equal(p.errors, []);
    assert.is(p.xmlError, null, "the standalone SVG is well-formed XML");

    const at = (boxes: Box[], name: string) => {
      const b = boxes.find((x) => x.name === name);
      assert.ok(b, `no frame ${name}`);
      return b!;
    };
    // The drawing: widths in proportion to the samples, the widest leaf widest.
    const expected: Record<string, number> = { all: 470, bash: 300, main: 300, work: 270, compute: 200, read: 70, vfs_read: 70, fib: 120, cpu_idle: 50, [LONG]: 20, [ODD.replace("\u0001", "\ufffd")]: 10 };
    for (const [name, samples] of Object.entries(expected)) {
      assert.ok(Math.abs(at(p.before, name).width - (samples / TOTAL) * INNER) < 0.1, `${name}: ${at(p.before, name).width}`);
    }
    const leaves = ["compute", "fib", "vfs_read", "cpu_idle", LONG];
    const widest = leaves.reduce((a, b) => (at(p.before, a).width >= at(p.before, b).width ? a : b));
    assert.is(widest, "compute");
    // Levels: a child sits right above its parent.
    assert.is(at(p.before, "work").y - at(p.before, "compute").y, 16);
    // Labels: inside their boxes; known names whole, the long one cut.
    assert.is(at(p.before, "compute").label, "compute");
    assert.ok(at(p.before, "compute").textWidth > 30, "compute's label has a width on screen");
    assert.match(at(p.before, LONG).label, /^a_v[a-z_]*\.\.$/);
    for (const b of p.before.filter((x) => x.label)) {
      assert.ok(b.textX >= b.x && b.textX + b.textWidth <= b.x + b.width + 0.5, `${b.name}'s label "${b.label}" (${b.textX}+${b.textWidth}) outside its box (${b.x}+${b.width})`);
    }
    // Kernel frames are drawn blue, user frames warm (computed fills are rgb()).
    const rgb = (b: Box) => /rgb\((\d+), (\d+), (\d+)\)/.exec(b.fill)!.slice(1).map(Number) as [number, number, number];
    assert.ok(rgb(at(p.before, "vfs_read"))[2] > rgb(at(p.before, "vfs_read"))[0], `vfs_read ${at(p.before, "vfs_read").fill}`);
    assert.ok(rgb(at(p.before, "compute"))[0] > rgb(at(p.before, "compute"))[2], `compute ${at(p.before, "compute").fill}`);

    // Zoomed into work: work across the width, its children scaled, its ancestors stretched, everything else hidden.
    assert.ok(Math.abs(at(p.zoomed, "work").width - INNER) < 0.1, String(at(p.zoomed, "work").width));
    assert.ok(Math.abs(at(p.zoomed, "compute").width - (200 / 270) * INNER) < 0.1);
    assert.ok(Math.abs(at(p.zoomed, "vfs_read").width - (70 / 270) * INNER) < 0.1);
    assert.ok(at(p.zoomed, "main").shown && Math.abs(at(p.zoomed, "main").width - INNER) < 0.1);
    for (const hidden of ["node", "fib", "swapper/0", LONG]) assert.not.ok(at(p.zoomed, hidden).shown, hidden);
    assert.is(at(p.zoomed, LONG).shown, false);

    // Search: read, ksys_read and vfs_read match; nested in one another, their 70 samples count once.
    assert.equal(p.search, { frames: 3, samples: 70, percent: "14.9%" });
    assert.is(p.matched, "Matched: 14.9% (3 frames)");
    assert.is(at(p.searched, "ksys_read").fill, "rgb(230, 0, 230)");
    assert.is.not(at(p.searched, "compute").fill, "rgb(230, 0, 230)");

    // Escape: back to the whole graph, colours restored.
    for (const b of p.before) {
      const r = at(p.reset, b.name);
      assert.ok(r.shown && Math.abs(r.width - b.width) < 0.01 && r.fill === b.fill && r.label === b.label, b.name);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** hsl(h,s%,l%) as 8-bit RGB. */
function hslToRgb(css: string): [number, number, number] {
  const [h, s, l] = /^hsl\(([\d.]+),([\d.]+)%,([\d.]+)%\)$/.exec(css)!.slice(1).map(Number) as [number, number, number];
  const a = (s / 100) * Math.min(l / 100, 1 - l / 100);
  const f = (n: number) => {
    const k = (n + h / 30) % 12;
    return Math.round(255 * (l / 100 - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return [f(0), f(8), f(4)];
}

test("in Chromium: the standalone .svg file renders, its frames in their colours, its script without errors", async () => {
  if (!chromium) return skip("no chromium on PATH (Debian's chromium package): the flame graph's rendering is not checked");
  const dir = mkdtempSync(join(tmpdir(), "tsbpf-flamegraph-"));
  try {
    const svg = flameGraphSvg(FIXTURE);
    const height = Number(/height="(\d+(?:\.\d+)?)"/.exec(svg)![1]);
    writeFileSync(join(dir, "f.svg"), svg);
    const png = join(dir, "f.png");
    const run = await runChromium(chromium, [`--screenshot=${png}`, `--window-size=${WIDTH},${Math.ceil(height)}`, `file://${join(dir, "f.svg")}`]);
    assert.equal(consoleMessages(run.stderr).filter((l) => /Uncaught|Error/.test(l)), []);
    const image = decodePng(readFileSync(png));
    assert.is(image.width, WIDTH);
    const pixel = (x: number, y: number) => Array.from(image.rgba.subarray((y * image.width + x) * 4, (y * image.width + x) * 4 + 3));
    const colours = new Set<string>();
    for (let i = 0; i < image.width * image.height; i += 7) colours.add(pixel(i % image.width, Math.floor(i / image.width)).join(","));
    assert.ok(colours.size > 20, `${colours.size} colours: a blank or flat image`);
    // In the middle of a frame's box (left of its label), the frame's colour.
    for (const name of ["all", "compute", "vfs_read_[k]", "fib_[j]"]) {
      const shown = frameOrigin(name).name;
      const m = new RegExp(`<title>${shown} \\([^<]*</title><rect x="([\\d.]+)" y="([\\d.]+)" width="([\\d.]+)" height="([\\d.]+)"[^>]* fill="([^"]+)"`).exec(svg)!;
      const [x, y, , h] = m.slice(1, 5).map(Number) as [number, number, number, number];
      const got = pixel(Math.round(x + 2), Math.round(y + h / 2));
      const want = hslToRgb(m[5]!);
      assert.ok(got.every((c, i) => Math.abs(c - want[i]!) <= 3), `${name}: pixel ${got}, expected ${want}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
