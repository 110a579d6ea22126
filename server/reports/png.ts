// Chart PNGs without an alpha channel. resvg writes RGBA; the charts are opaque (drawn on their
// panel), and an RGB PNG is embedded by pdfkit as it is, where an RGBA one is decoded in
// JavaScript and split into image and mask (measured: about 30 ms a chart on the render worker).
import { crc32, deflateSync } from 'node:zlib';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(data, crc32(head.subarray(4))) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/** An 8-bit RGB PNG of RGBA pixels (alpha dropped), each row filtered with Sub. */
export function opaquePng(rgba: Uint8Array, width: number, height: number): Buffer {
  const stride = width * 3;
  const raw = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    const out = y * (stride + 1);
    raw[out] = 1; // Sub: each byte minus the same channel of the pixel to its left
    let from = y * width * 4;
    let prevR = 0;
    let prevG = 0;
    let prevB = 0;
    for (let x = 0, at = out + 1; x < width; x++, from += 4, at += 3) {
      const r = rgba[from]!;
      const g = rgba[from + 1]!;
      const b = rgba[from + 2]!;
      raw[at] = (r - prevR) & 0xff;
      raw[at + 1] = (g - prevG) & 0xff;
      raw[at + 2] = (b - prevB) & 0xff;
      prevR = r;
      prevG = g;
      prevB = b;
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // colour type: RGB
  return Buffer.concat([
    SIGNATURE,
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
