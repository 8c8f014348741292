/**
 * Digest thumbnails: a screenshot-sized PNG becomes a small PNG at most 240 px wide, with the
 * right pixels, from the filter types Chromium's encoder uses; digests attach the thumbnail,
 * not the full-size evidence screenshot.
 */
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { pngThumbnail } from '../src/evidence/png-thumbnail.js';

/** An independent PNG encoder for the test: rows filtered with each of the five filter types in turn. */
function encodePng(width: number, height: number, channels: 3 | 4, pixel: (x: number, y: number) => number[]) {
  const stride = width * channels;
  const rows: number[][] = [];
  for (let y = 0; y < height; y++) {
    const r: number[] = [];
    for (let x = 0; x < width; x++) r.push(...pixel(x, y).slice(0, channels));
    rows.push(r);
  }
  const raw = Buffer.alloc(height * (stride + 1));
  for (let y = 0; y < height; y++) {
    const f = y % 5;
    raw[y * (stride + 1)] = f;
    const cur = rows[y]!;
    const prev = y ? rows[y - 1]! : new Array<number>(stride).fill(0);
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? cur[i - channels]! : 0;
      const b = prev[i]!;
      const c = i >= channels ? prev[i - channels]! : 0;
      const pa = Math.abs(b - c);
      const pb = Math.abs(a - c);
      const pc = Math.abs(a + b - 2 * c);
      const paeth = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      const pred = [0, a, b, (a + b) >> 1, paeth][f]!;
      raw[y * (stride + 1) + 1 + i] = (cur[i]! - pred) & 0xff;
    }
  }
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(body) >>> 0);
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = channels === 4 ? 6 : 2;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw, { level: 1 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Pixel (x, y) of a PNG written by pngThumbnail (RGB, filter Sub). */
function pixelOf(png: Buffer, x: number, y: number): number[] {
  const width = png.readUInt32BE(16);
  const idat = png.indexOf('IDAT', 33, 'latin1');
  const raw = zlib.inflateSync(png.subarray(idat + 4, idat + 4 + png.readUInt32BE(idat - 4)));
  const stride = width * 3;
  const row = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
  const out = Array.from(row);
  for (let i = 3; i < stride; i++) out[i] = (out[i]! + out[i - 3]!) & 0xff;
  return out.slice(x * 3, x * 3 + 3);
}

describe('pngThumbnail', () => {
  // A screenshot-like page: banner, noisy "text" lines, a red price outline.
  const page = (x: number, y: number) =>
    y < 64
      ? [17, 17, 17, 255]
      : x >= 600 && x < 800 && y >= 300 && y < 340
        ? [224, 0, 0, 255]
        : (x * 7 + y * 13) % 23 < 3 && y % 20 < 12
          ? [40, 40, 40, 255]
          : [255, 255, 255, 255];

  it('shrinks a full-size screenshot to a 240 px wide thumbnail a fraction of its size', () => {
    const full = encodePng(1280, 864, 3, page);
    const t = pngThumbnail(full, 240);
    expect([t.width, t.height]).toEqual([240, 162]);
    expect(t.png.readUInt32BE(16)).toBe(240);
    expect(t.png.length).toBeLessThan(full.length / 5);
    // The banner stays dark, the outlined price red, the page white.
    expect(pixelOf(t.png, 10, 2)).toEqual([17, 17, 17]);
    expect(pixelOf(t.png, 130, 60)).toEqual([224, 0, 0]);
    expect(pixelOf(t.png, 239, 161)[0]).toBeGreaterThan(150);
  });

  it('composites RGBA over white and keeps small images at their size', () => {
    const rgba = encodePng(4, 2, 4, (x) => (x < 2 ? [0, 0, 255, 255] : [0, 0, 0, 0]));
    const t = pngThumbnail(rgba, 240);
    expect([t.width, t.height]).toEqual([4, 2]);
    expect(pixelOf(t.png, 0, 1)).toEqual([0, 0, 255]);
    expect(pixelOf(t.png, 3, 1)).toEqual([255, 255, 255]);
    const half = pngThumbnail(rgba, 2);
    expect(pixelOf(half.png, 0, 0)).toEqual([0, 0, 255]);
    expect(pixelOf(half.png, 1, 0)).toEqual([255, 255, 255]);
  });

  it('refuses what it cannot read instead of guessing', () => {
    expect(() => pngThumbnail(Buffer.from('GIF89a....................................'), 240)).toThrow(/not a PNG/);
  });
});
