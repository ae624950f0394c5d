// The three propagation LED images of the report
// (`120px-{Red,Green,Blue}_Light_Icon.svg.png`, BBS's file names), drawn here
// rather than shipped as binaries: a 120x120 RGBA PNG of a shaded round light
// with an anti-aliased rim, encoded with zlib (PNG = signature + IHDR + IDAT +
// IEND, each chunk with its CRC-32).

import { deflateSync } from "node:zlib";

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n += 1) {
    let c = n;
    for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = (CRC_TABLE[(crc ^ byte) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, "latin1"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([length, typed, crc]);
}

/** Encodes RGBA pixels (row-major, 4 bytes per pixel) as a PNG. */
export function encodePng(width: number, height: number, rgba: Uint8Array): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // colour type: RGBA
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y += 1) {
    raw[y * (width * 4 + 1)] = 0; // filter: none
    Buffer.from(rgba.buffer, rgba.byteOffset + y * width * 4, width * 4).copy(raw, y * (width * 4 + 1) + 1);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(raw, { level: 9 })),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

export type LedColor = "Red" | "Green" | "Blue";

const LED_RGB: Readonly<Record<LedColor, readonly [number, number, number]>> = {
  Red: [220, 30, 30],
  Green: [30, 180, 40],
  Blue: [40, 90, 230],
};

export function ledFileName(color: LedColor): string {
  return `120px-${color}_Light_Icon.svg.png`;
}

/** A 120x120 shaded light of `color`: darker rim, bright highlight up-left, transparent outside. */
export function drawLed(color: LedColor, size = 120): Buffer {
  const [r, g, b] = LED_RGB[color];
  const pixels = new Uint8Array(size * size * 4);
  const centre = (size - 1) / 2;
  const radius = size / 2 - 2;
  for (let y = 0; y < size; y += 1) {
    for (let x = 0; x < size; x += 1) {
      const distance = Math.hypot(x - centre, y - centre);
      const coverage = Math.min(1, Math.max(0, radius - distance + 0.5));
      if (coverage === 0) continue;
      const rim = distance / radius; // 0 at the centre, 1 at the edge
      const highlight = Math.max(0, 1 - Math.hypot(x - centre * 0.65, y - centre * 0.6) / (radius * 0.55));
      const shade = 0.55 + 0.45 * (1 - rim * rim);
      const mix = (channel: number): number =>
        Math.round(Math.min(255, channel * shade + (255 - channel * shade) * highlight * 0.85));
      const at = (y * size + x) * 4;
      pixels[at] = mix(r);
      pixels[at + 1] = mix(g);
      pixels[at + 2] = mix(b);
      pixels[at + 3] = Math.round(255 * coverage);
    }
  }
  return encodePng(size, size, pixels);
}
