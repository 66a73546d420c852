// Flame graphs: folded stacks (folded.ts) in, one self-contained SVG out (or an HTML page holding it), in the manner
// of Brendan Gregg's flamegraph.pl: one box per frame, as wide as its share of the samples, stacks sharing a prefix
// merged into one tower, siblings in alphabetical order (not by time: the x axis is not a timeline), the root at the
// bottom. Colour says where the code runs (folded.ts's annotations: `_[k]` kernel, `_[j]` JIT, the rest user code),
// the shade within a hue comes from the name, so that a function keeps its colour from one graph to the next.
//
// The file needs nothing else: no font, style sheet or script from elsewhere. Its own script (SCRIPT below) zooms
// into a frame on click (its ancestors stretched across, the other frames hidden), and searches frame names for a
// regular expression (Ctrl-F, F3 or the Search button), painting the matches and saying what share of the samples
// they hold. Hovering shows a frame's name, samples and percentage at the bottom, as its <title> does.

import type { FoldedStack } from "./folded.ts";

export interface FlameGraphOptions {
  /** The line at the top ("Flame Graph"). */
  readonly title?: string;
  /** A second, smaller line under the title (what was run, for how long...). */
  readonly subtitle?: string;
  /** The image's width in pixels (1200). */
  readonly width?: number;
  /** One level's height in pixels (16). */
  readonly frameHeight?: number;
  /** The labels' font size in pixels (12). */
  readonly fontSize?: number;
  /** Frames narrower than this many pixels are left out, with everything above them (0.1). */
  readonly minWidth?: number;
  /** What the values count, in the titles ("samples"). */
  readonly countName?: string;
}

/** One frame of the merged tree: its name as folded (with its annotation), its samples, and the stacks above it. */
interface Node {
  readonly name: string;
  value: number;
  readonly children: Map<string, Node>;
}

/** A frame placed in the image. */
interface Placed {
  readonly node: Node;
  readonly depth: number;
  /** Samples to the left of the frame, in its level. */
  readonly start: number;
}

const PAD = 10;
/** The width of one character of the monospace labels, as a fraction of the font size (DejaVu Sans Mono: 0.602). */
const CHAR_WIDTH = 0.62;
const MATCH_COLOUR = "rgb(230,0,230)";

/**
 * The stacks merged into one tree, the root ("all") holding every sample. Stacks with no positive value are left
 * out: they would have no width.
 */
export function mergeStacks(stacks: readonly FoldedStack[]): Node {
  const root: Node = { name: "all", value: 0, children: new Map() };
  for (const s of stacks) {
    if (s.value <= 0n) continue;
    const v = Number(s.value);
    root.value += v;
    let at = root;
    for (const name of s.stack) {
      let next = at.children.get(name);
      if (!next) at.children.set(name, (next = { name, value: 0, children: new Map() }));
      next.value += v;
      at = next;
    }
  }
  return root;
}

/** The frame's origin, from its annotation; and its name as shown, without it. */
export function frameOrigin(folded: string): { readonly name: string; readonly origin: "kernel" | "jit" | "user" } {
  const m = /^(.*)_\[([kj])\]$/s.exec(folded);
  if (!m) return { name: folded, origin: "user" };
  return { name: m[1]!, origin: m[2] === "k" ? "kernel" : "jit" };
}

/**
 * A frame's fill: a hue range per origin (user code warm red to yellow, kernel blue, JIT green), the place in the
 * range and the lightness from a hash of the name, so the same function has the same colour in every graph.
 */
export function frameColour(folded: string): string {
  const { name, origin } = frameOrigin(folded);
  const h = hash(name);
  const a = (h & 0xffff) / 0xffff;
  const b = (h >>> 16) / 0xffff;
  const [hue, span, sat] = origin === "kernel" ? [195, 30, 60] : origin === "jit" ? [85, 50, 55] : [0, 55, 85];
  return `hsl(${(hue + a * span).toFixed(1)},${sat}%,${(52 + b * 14).toFixed(1)}%)`;
}

/** FNV-1a over the name's UTF-16 code units: a stable, well spread 32-bit number. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The flame graph of `stacks` as a standalone SVG document. Throws a RangeError when no stack has a sample. */
export function flameGraphSvg(stacks: readonly FoldedStack[], options: FlameGraphOptions = {}): string {
  return `<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n${svgElement(stacks, options)}`;
}

/** The flame graph as an HTML page with the SVG inline (the same drawing and script). */
export function flameGraphHtml(stacks: readonly FoldedStack[], options: FlameGraphOptions = {}): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${xml(options.title ?? "Flame Graph")}</title>
<style>body { margin: 0; background: #fff; } svg { display: block; max-width: 100%; height: auto; }</style>
</head>
<body>
${svgElement(stacks, options)}
</body>
</html>
`;
}

/** The <svg> element: styles, background, title lines, the frames, the buttons, the status lines, the script. */
function svgElement(stacks: readonly FoldedStack[], options: FlameGraphOptions): string {
  const width = options.width ?? 1200;
  const frameHeight = options.frameHeight ?? 16;
  const fontSize = options.fontSize ?? 12;
  const minWidth = options.minWidth ?? 0.1;
  const countName = options.countName ?? "samples";
  const title = options.title ?? "Flame Graph";
  const root = mergeStacks(stacks);
  if (root.value <= 0) throw new RangeError("a flame graph needs at least one stack with a sample");
  const inner = width - 2 * PAD;
  const perSample = inner / root.value;
  const placed = place(root, (n) => n.value * perSample >= minWidth);
  const levels = placed.reduce((m, p) => Math.max(m, p.depth), 0) + 1;
  const titleY = fontSize * 2;
  const subtitleY = titleY + fontSize * 1.5;
  const top = (options.subtitle !== undefined ? subtitleY : titleY) + fontSize;
  const statusY = top + levels * frameHeight + fontSize * 1.5;
  const height = statusY + PAD;
  const charWidth = fontSize * CHAR_WIDTH;
  const percent = (v: number) => `${((v / root.value) * 100).toFixed(2)}%`;
  const frames = placed.map(({ node, depth, start }) => {
    const { name } = frameOrigin(node.name);
    const x = PAD + start * perSample;
    const w = node.value * perSample;
    const y = top + (levels - 1 - depth) * frameHeight;
    const tip = `${name} (${thousands(node.value)} ${countName}, ${percent(node.value)})`;
    return `<g class="f" data-x="${start}" data-w="${node.value}"><title>${xml(tip)}</title>`
      + `<rect x="${n2(x)}" y="${y}" width="${n2(w)}" height="${frameHeight - 1}" rx="2" fill="${frameColour(node.name)}"/>`
      + `<text x="${n2(x + 3)}" y="${y + frameHeight - 4.5}">${xml(fitLabel(name, w, charWidth))}</text></g>`;
  });
  const config = { pad: PAD, inner, total: root.value, charWidth, match: MATCH_COLOUR };
  return `<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" class="flamegraph">
<style>
.flamegraph text { font-family: "DejaVu Sans Mono", "Menlo", "Consolas", monospace; font-size: ${fontSize}px; fill: #000; }
.flamegraph .title { font-size: ${Math.round(fontSize * 1.4)}px; text-anchor: middle; }
.flamegraph .subtitle { fill: #555; text-anchor: middle; }
.flamegraph .button { fill: #333; cursor: pointer; text-decoration: underline; }
.flamegraph .f { cursor: pointer; }
.flamegraph .f:hover rect { stroke: #000; stroke-width: 0.5; }
.flamegraph .f text { pointer-events: none; }
.flamegraph .parent { opacity: 0.6; }
</style>
<rect class="background" x="0" y="0" width="${width}" height="${height}" fill="#f4f4f0"/>
<text class="title" x="${width / 2}" y="${titleY}">${xml(title)}</text>
${options.subtitle !== undefined ? `<text class="subtitle" x="${width / 2}" y="${subtitleY}">${xml(options.subtitle)}</text>\n` : ""}<text class="button unzoom" x="${PAD}" y="${titleY}" style="display: none">Reset Zoom</text>
<text class="button search" x="${width - PAD}" y="${titleY}" text-anchor="end">Search</text>
<g class="frames">
${frames.join("\n")}
</g>
<text class="details" x="${PAD}" y="${statusY}"> </text>
<text class="matched" x="${width - PAD}" y="${statusY}" text-anchor="end"> </text>
<script type="text/ecmascript"><![CDATA[
var flameGraphConfig = ${JSON.stringify(config)};
${SCRIPT}]]></script>
</svg>`;
}

/** The frames to draw, depth first, children in alphabetical order, leaving out those `keep` refuses (and above them). */
function place(root: Node, keep: (n: Node) => boolean): Placed[] {
  const out: Placed[] = [];
  const stack: Placed[] = [{ node: root, depth: 0, start: 0 }];
  while (stack.length) {
    const p = stack.pop()!;
    out.push(p);
    const children = [...p.node.children.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    let start = p.start;
    const next: Placed[] = [];
    for (const c of children) {
      if (keep(c)) next.push({ node: c, depth: p.depth + 1, start });
      start += c.value;
    }
    // pushed in reverse so that the leftmost is drawn first
    for (let i = next.length - 1; i >= 0; i--) stack.push(next[i]!);
  }
  return out;
}

/** A label that fits `width` pixels: whole, cut with "..", or nothing when not even three characters fit. */
export function fitLabel(name: string, width: number, charWidth: number): string {
  const fits = Math.floor((width - 6) / charWidth);
  if (fits < 3) return "";
  return name.length <= fits ? name : `${name.slice(0, fits - 2)}..`;
}

const n2 = (v: number) => String(Math.round(v * 100) / 100);
const thousands = (v: number) => String(v).replace(/\B(?=(\d{3})+(?!\d))/g, ",");

/**
 * Text for XML content and attribute values: the five special characters escaped, and the characters XML 1.0 cannot
 * hold at all (control characters but tab and newline, lone surrogates, U+FFFE/U+FFFF) replaced by U+FFFD.
 */
export function xml(s: string): string {
  return s
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|\p{Cs}/gu, "\uFFFD")
    .replace(/[&<>"']/g, (c) => `&${({ "&": "amp", "<": "lt", ">": "gt", '"': "quot", "'": "apos" } as Record<string, string>)[c]};`);
}

/**
 * The drawing's script, run once where it stands (after the frames). It finds its own <svg> (a standalone file, or
 * inline in an HTML page), reads flameGraphConfig, and sets the element's `flameGraph` property to { zoom(frame),
 * unzoom(), search(text), resetSearch() } for scripts and tests. Plain ES5: it runs in any browser that shows SVG.
 */
const SCRIPT = String.raw`(function () {
  "use strict";
  var cfg = flameGraphConfig;
  var me = document.currentScript;
  var svg = (me && me.closest && me.closest("svg")) || document.querySelector("svg");
  var details = svg.querySelector(".details");
  var matched = svg.querySelector(".matched");
  var unzoomButton = svg.querySelector(".unzoom");
  var searchButton = svg.querySelector(".search");
  var frames = [];
  var byElement = new Map();
  Array.prototype.forEach.call(svg.querySelectorAll("g.f"), function (g) {
    var rect = g.querySelector("rect");
    var tip = g.querySelector("title").textContent;
    var f = {
      g: g, rect: rect, text: g.querySelector("text"), tip: tip, name: tip.slice(0, tip.lastIndexOf(" (")),
      x: Number(g.getAttribute("data-x")), w: Number(g.getAttribute("data-w")), y: Number(rect.getAttribute("y")),
      fill: rect.getAttribute("fill")
    };
    frames.push(f);
    byElement.set(g, f);
  });
  var scale = cfg.inner / cfg.total;
  var searching = false;

  function fit(name, width) {
    var n = Math.floor((width - 6) / cfg.charWidth);
    if (n < 3) return "";
    return name.length <= n ? name : name.slice(0, n - 2) + "..";
  }
  function put(f, x, w) {
    f.rect.setAttribute("x", x.toFixed(2));
    f.rect.setAttribute("width", w.toFixed(2));
    f.text.setAttribute("x", (x + 3).toFixed(2));
    f.text.textContent = fit(f.name, w);
  }
  function zoom(z) {
    var k = cfg.inner / z.w;
    frames.forEach(function (f) {
      f.g.classList.remove("parent");
      f.g.style.display = "";
      if (f.y > z.y && f.x <= z.x && f.x + f.w >= z.x + z.w) {
        f.g.classList.add("parent");
        put(f, cfg.pad, cfg.inner);
      } else if (f.y <= z.y && f.x >= z.x && f.x + f.w <= z.x + z.w) {
        put(f, cfg.pad + (f.x - z.x) * k, f.w * k);
      } else {
        f.g.style.display = "none";
      }
    });
    unzoomButton.style.display = "";
  }
  function unzoom() {
    frames.forEach(function (f) {
      f.g.classList.remove("parent");
      f.g.style.display = "";
      put(f, cfg.pad + f.x * scale, f.w * scale);
    });
    unzoomButton.style.display = "none";
  }
  function search(text) {
    var re;
    try {
      re = new RegExp(text);
    } catch (e) {
      re = new RegExp(text.replace(/[.*+?^${"$"}{}()|[\]\\]/g, "\\$&"));
    }
    var hits = [];
    frames.forEach(function (f) {
      var hit = re.test(f.name);
      f.rect.setAttribute("fill", hit ? cfg.match : f.fill);
      if (hit) hits.push(f);
    });
    // A match inside another (a recursive function) holds no samples of its own: count each sample once.
    hits.sort(function (a, b) { return a.x - b.x || b.w - a.w; });
    var sum = 0;
    var end = -1;
    hits.forEach(function (f) {
      if (f.x >= end) {
        sum += f.w;
        end = f.x + f.w;
      }
    });
    var share = (100 * sum / cfg.total).toFixed(1) + "%";
    matched.textContent = "Matched: " + share + " (" + hits.length + " frames)";
    searchButton.textContent = "Reset Search";
    searching = true;
    return { frames: hits.length, samples: sum, percent: share };
  }
  function resetSearch() {
    frames.forEach(function (f) { f.rect.setAttribute("fill", f.fill); });
    matched.textContent = " ";
    searchButton.textContent = "Search";
    searching = false;
  }
  function ask() {
    if (searching) return resetSearch();
    var text = window.prompt("Search frames (a regular expression):", "");
    if (text) search(text);
  }
  svg.addEventListener("click", function (e) {
    var t = e.target;
    if (t === unzoomButton) return unzoom();
    if (t === searchButton) return ask();
    var g = t.closest ? t.closest("g.f") : null;
    if (g && byElement.has(g)) zoom(byElement.get(g));
  });
  svg.addEventListener("mouseover", function (e) {
    var g = e.target.closest ? e.target.closest("g.f") : null;
    details.textContent = g && byElement.has(g) ? byElement.get(g).tip : " ";
  });
  window.addEventListener("keydown", function (e) {
    if (e.key === "F3" || ((e.ctrlKey || e.metaKey) && (e.key === "f" || e.key === "F"))) {
      e.preventDefault();
      ask();
    } else if (e.key === "Escape") {
      unzoom();
      resetSearch();
    }
  });
  svg.flameGraph = {
    zoom: function (g) { if (byElement.has(g)) zoom(byElement.get(g)); },
    unzoom: unzoom,
    search: search,
    resetSearch: resetSearch
  };
})();
`;
