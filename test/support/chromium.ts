// Headless Chromium for tests that check a page really renders: a URL and what to do with it in, the page's DOM after
// its scripts ran (--dump-dom) or a screenshot, with Chromium's log (console messages, uncaught errors) out; and a
// PNG decoder, so a screenshot's pixels can be checked. Every run has its own profile directory, removed after, and
// a bound: a Chromium still running then is killed with its whole process group (it was started as the group's
// leader), so no browser outlives a test.

import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { inflateSync } from "node:zlib";

/** The Chromium binary on PATH (Debian's `chromium`), or undefined. */
export function findChromium(): string | undefined {
  for (const dir of (process.env.PATH ?? "/usr/bin").split(delimiter)) {
    for (const name of ["chromium", "chromium-browser", "google-chrome"]) {
      const p = join(dir, name);
      if (existsSync(p)) return p;
    }
  }
  return undefined;
}

export interface ChromiumRun {
  readonly stdout: string;
  /** Chromium's log (--enable-logging=stderr): console messages and uncaught errors are lines with CONSOLE in them. */
  readonly stderr: string;
  readonly code: number | null;
}

/**
 * Runs `chromium --headless=new` with `args` (the URL and --dump-dom or --screenshot=FILE among them) and resolves
 * with what it printed once it exits; rejects, after killing its process group, when it has not exited within `ms`.
 */
export async function runChromium(binary: string, args: readonly string[], ms = 60_000): Promise<ChromiumRun> {
  const profile = mkdtempSync(join(tmpdir(), "tsbpf-chromium-"));
  const child = spawn(binary, [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check", "--disable-extensions",
    "--hide-scrollbars", "--force-device-scale-factor=1", "--enable-logging=stderr", "--v=0", `--user-data-dir=${profile}`, ...args,
  ], { detached: true, stdio: ["ignore", "pipe", "pipe"] });
  const killGroup = () => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
    } catch {
      // the group is gone already
    }
  };
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
  child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await new Promise<ChromiumRun>((resolve, reject) => {
      timer = setTimeout(() => {
        killGroup();
        reject(new Error(`chromium did not exit within ${ms} ms (killed); its log:\n${stderr.slice(-2000)}`));
      }, ms);
      child.on("error", reject);
      child.on("close", (code) => resolve({ stdout, stderr, code }));
    });
  } finally {
    clearTimeout(timer);
    // helpers (zygote, renderer) that outlived the browser go with the group
    killGroup();
    rmSync(profile, { recursive: true, force: true });
  }
}

/** The messages a page logged (console.log, console.error, uncaught exceptions), from Chromium's log. */
export function consoleMessages(log: string): string[] {
  return log.split("\n").filter((l) => l.includes(":CONSOLE"));
}

export interface Image {
  readonly width: number;
  readonly height: number;
  /** RGBA, 4 bytes a pixel, row by row. */
  readonly rgba: Uint8Array;
}

/** An 8-bit RGB or RGBA non-interlaced PNG (what Chromium's screenshots are) decoded with node:zlib. */
export function decodePng(png: Buffer): Image {
  if (png.readUInt32BE(0) !== 0x89504e47) throw new Error("not a PNG");
  let pos = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const data: Buffer[] = [];
  while (pos < png.length) {
    const length = png.readUInt32BE(pos);
    const type = png.toString("latin1", pos + 4, pos + 8);
    const body = png.subarray(pos + 8, pos + 8 + length);
    if (type === "IHDR") {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      const depth = body[8];
      const colour = body[9];
      if (depth !== 8 || (colour !== 2 && colour !== 6) || body[12] !== 0) throw new Error(`unsupported PNG: depth ${depth}, colour type ${colour}, interlace ${body[12]}`);
      channels = colour === 6 ? 4 : 3;
    } else if (type === "IDAT") data.push(body);
    else if (type === "IEND") break;
    pos += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(data));
  const stride = width * channels;
  const rows = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? rows[y * stride + i - channels]! : 0;
      const b = y > 0 ? rows[(y - 1) * stride + i]! : 0;
      const c = y > 0 && i >= channels ? rows[(y - 1) * stride + i - channels]! : 0;
      let p: number;
      switch (filter) {
        case 0: p = 0; break;
        case 1: p = a; break;
        case 2: p = b; break;
        case 3: p = (a + b) >> 1; break;
        case 4: {
          const e = a + b - c;
          const da = Math.abs(e - a);
          const db = Math.abs(e - b);
          const dc = Math.abs(e - c);
          p = da <= db && da <= dc ? a : db <= dc ? b : c;
          break;
        }
        default: throw new Error(`bad PNG filter ${filter} on row ${y}`);
      }
      rows[y * stride + i] = (line[i]! + p) & 0xff;
    }
  }
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    for (let k = 0; k < 3; k++) rgba[i * 4 + k] = rows[i * channels + k]!;
    rgba[i * 4 + 3] = channels === 4 ? rows[i * channels + 3]! : 255;
  }
  return { width, height, rgba };
}
