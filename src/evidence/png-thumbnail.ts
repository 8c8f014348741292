/**
 * A small PNG thumbnail of a screenshot, for digests: a digest shows each case's screenshot
 * 120 px wide, and mailing the full-size viewport PNG (about 240 KB each) made a 27-case
 * digest 6.4 MB. Screenshots come from Chromium as 8-bit RGB or RGBA, non-interlaced PNGs;
 * that is all this reads, so it needs neither a browser nor an image library. The original
 * evidence file is never changed: the thumbnail is made when the mail is built.
 */
import zlib from 'node:zlib';

export interface Thumbnail {
  png: Buffer;
  width: number;
  height: number;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Decoded pixels, RGB (alpha composited over white). */
function decode(png: Buffer): { width: number; height: number; rgb: Uint8Array } {
  if (png.length < 33 || !png.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG');
  let off = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  while (off + 8 <= png.length) {
    const len = png.readUInt32BE(off);
    const type = png.toString('latin1', off + 4, off + 8);
    const data = png.subarray(off + 8, off + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const [depth, colorType, , , interlace] = [data[8], data[9], data[10], data[11], data[12]];
      if (depth !== 8 || (colorType !== 2 && colorType !== 6) || interlace !== 0)
        throw new Error(`unsupported PNG (bit depth ${depth}, colour type ${colorType}, interlace ${interlace})`);
      channels = colorType === 6 ? 4 : 3;
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    off += 12 + len;
  }
  if (!channels || !width || !height) throw new Error('PNG without a header');
  // Raw inflate past the 2-byte zlib header, ignoring the Adler-32 trailer as browsers do:
  // the thumbnail is a display copy, and the evidence file keeps its own SHA-256.
  const raw = zlib.inflateRawSync(Buffer.concat(idat).subarray(2), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
  const stride = width * channels;
  if (raw.length < height * (stride + 1)) throw new Error('truncated PNG data');
  const rgb = new Uint8Array(width * height * 3);
  let prev = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const cur = new Uint8Array(stride);
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? cur[i - channels]! : 0;
      const b = prev[i]!;
      const c = i >= channels ? prev[i - channels]! : 0;
      let p: number;
      if (filter === 0) p = 0;
      else if (filter === 1) p = a;
      else if (filter === 2) p = b;
      else if (filter === 3) p = (a + b) >> 1;
      else if (filter === 4) {
        const pa = Math.abs(b - c);
        const pb = Math.abs(a - c);
        const pc = Math.abs(a + b - 2 * c);
        p = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else throw new Error(`bad PNG filter ${filter}`);
      cur[i] = (line[i]! + p) & 0xff;
    }
    for (let x = 0; x < width; x++) {
      const s = x * channels;
      const alpha = channels === 4 ? cur[s + 3]! / 255 : 1;
      for (let k = 0; k < 3; k++) rgb[(y * width + x) * 3 + k] = Math.round(cur[s + k]! * alpha + 255 * (1 - alpha));
    }
    prev = cur;
  }
  return { width, height, rgb };
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

function encode(width: number, height: number, rgb: Uint8Array): Buffer {
  const stride = width * 3;
  const raw = Buffer.alloc(height * (stride + 1));
  for (let y = 0; y < height; y++) {
    // Filter "Sub": neighbouring pixels of a screenshot are alike, so differences compress well.
    raw[y * (stride + 1)] = 1;
    for (let i = 0; i < stride; i++) {
      const v = rgb[y * stride + i]!;
      const left = i >= 3 ? rgb[y * stride + i - 3]! : 0;
      raw[y * (stride + 1) + 1 + i] = (v - left) & 0xff;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([
    SIGNATURE,
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Scales a PNG down to at most `maxWidth` pixels wide (area average), keeping its proportions. */
export function pngThumbnail(png: Buffer, maxWidth: number): Thumbnail {
  const src = decode(png);
  const width = Math.min(maxWidth, src.width);
  const height = Math.max(1, Math.round((src.height * width) / src.width));
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const y0 = Math.floor((y * src.height) / height);
    const y1 = Math.max(y0 + 1, Math.floor(((y + 1) * src.height) / height));
    for (let x = 0; x < width; x++) {
      const x0 = Math.floor((x * src.width) / width);
      const x1 = Math.max(x0 + 1, Math.floor(((x + 1) * src.width) / width));
      const sum = [0, 0, 0];
      for (let sy = y0; sy < y1; sy++)
        for (let sx = x0; sx < x1; sx++) for (let k = 0; k < 3; k++) sum[k]! += src.rgb[(sy * src.width + sx) * 3 + k]!;
      const n = (y1 - y0) * (x1 - x0);
      for (let k = 0; k < 3; k++) out[(y * width + x) * 3 + k] = Math.round(sum[k]! / n);
    }
  }
  return { png: encode(width, height, out), width, height };
}
