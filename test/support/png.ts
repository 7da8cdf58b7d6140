/** A small PNG decoder for screenshot checks: 8-bit RGB or RGBA, not interlaced (what headless Chromium writes). */
import { inflateSync } from 'node:zlib';

export interface Image {
  readonly width: number;
  readonly height: number;
  /** RGBA, 4 bytes a pixel. */
  readonly pixels: Uint8Array;
}

export function decodePng(file: Buffer): Image {
  if (file.subarray(0, 8).toString('hex') !== '89504e470d0a1a0a') throw new Error('not a PNG');
  let offset = 8;
  let width = 0;
  let height = 0;
  let colourType = 0;
  const data: Buffer[] = [];
  while (offset < file.length) {
    const length = file.readUInt32BE(offset);
    const type = file.subarray(offset + 4, offset + 8).toString('ascii');
    const body = file.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      const depth = body.readUInt8(8);
      colourType = body.readUInt8(9);
      if (depth !== 8 || (colourType !== 2 && colourType !== 6) || body.readUInt8(12) !== 0)
        throw new Error(`unsupported PNG: depth ${depth}, colour type ${colourType}`);
    } else if (type === 'IDAT') data.push(body);
    else if (type === 'IEND') break;
    offset += 12 + length;
  }
  const channels = colourType === 6 ? 4 : 3;
  const raw = inflateSync(Buffer.concat(data));
  const stride = width * channels;
  const out = new Uint8Array(width * height * 4);
  let previous = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)] ?? 0;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const current = new Uint8Array(stride);
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? (current[x - channels] ?? 0) : 0;
      const b = previous[x] ?? 0;
      const c = x >= channels ? (previous[x - channels] ?? 0) : 0;
      const value = line[x] ?? 0;
      let predicted = 0;
      if (filter === 1) predicted = a;
      else if (filter === 2) predicted = b;
      else if (filter === 3) predicted = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        predicted = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      current[x] = (value + predicted) & 0xff;
    }
    for (let x = 0; x < width; x++) {
      for (let channel = 0; channel < 3; channel++)
        out[(y * width + x) * 4 + channel] = current[x * channels + channel] ?? 0;
      out[(y * width + x) * 4 + 3] = channels === 4 ? (current[x * channels + 3] ?? 255) : 255;
    }
    previous = current;
  }
  return { width, height, pixels: out };
}

/** How many pixels are within `tolerance` of the `#rrggbb` colour on every channel. */
export function countColour(image: Image, hex: string, tolerance = 6): number {
  const target = [1, 3, 5].map((at) => Number.parseInt(hex.slice(at, at + 2), 16));
  let count = 0;
  for (let index = 0; index < image.pixels.length; index += 4) {
    if (target.every((value, channel) => Math.abs((image.pixels[index + channel] ?? 0) - value) <= tolerance))
      count += 1;
  }
  return count;
}
