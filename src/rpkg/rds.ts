// R's serialization (format version 3, XDR) of the one object bbs writes for
// R to read: a character matrix with dimnames, as `saveRDS()` writes the
// PACKAGES.rds of `tools::write_PACKAGES`. readRDS() detects the compression
// by its magic bytes, so the gzip-compressed output here reads back exactly
// like R's xz-compressed file.

import { gzipSync } from "node:zlib";

const NILVALUE_SXP = 254;
const SYMSXP = 1;
const LISTSXP = 2;
const CHARSXP = 9;
const INTSXP = 13;
const STRSXP = 16;
const VECSXP = 19;
const HAS_ATTR = 1 << 9;
const HAS_TAG = 1 << 10;
const UTF8_MASK = 1 << 3;
const ASCII_MASK = 1 << 6;

/** Writer version recorded in the header (R 4.2.2); readers only check the minimal version. */
const WRITER_VERSION = (4 << 16) | (2 << 8) | 2;
/** Format version 3 needs R >= 3.5.0 to read. */
const MIN_READER_VERSION = (3 << 16) | (5 << 8) | 0;

/** A character matrix: `rows[i][j]` is row i, column j; undefined is NA. */
export interface CharacterMatrix {
  /** Row names, or undefined for none (R's NULL). */
  rownames?: readonly string[];
  colnames: readonly string[];
  rows: readonly (readonly (string | undefined)[])[];
}

class XdrWriter {
  private readonly chunks: Buffer[] = [];

  int(value: number): void {
    const buffer = Buffer.alloc(4);
    buffer.writeInt32BE(value);
    this.chunks.push(buffer);
  }

  bytes(bytes: Buffer): void {
    this.chunks.push(bytes);
  }

  result(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

function writeCharsxp(out: XdrWriter, value: string | undefined): void {
  if (value === undefined) {
    out.int(CHARSXP);
    out.int(-1);
    return;
  }
  const bytes = Buffer.from(value, "utf8");
  const ascii = bytes.every((byte) => byte < 128);
  out.int(CHARSXP | ((ascii ? ASCII_MASK : UTF8_MASK) << 12));
  out.int(bytes.length);
  out.bytes(bytes);
}

function writeStrsxp(out: XdrWriter, values: readonly (string | undefined)[], hasAttributes = false): void {
  out.int(STRSXP | (hasAttributes ? HAS_ATTR : 0));
  out.int(values.length);
  for (const value of values) writeCharsxp(out, value);
}

/** One tagged node of an attribute pairlist; the symbol is written in full (each appears once). */
function writeAttributeTag(out: XdrWriter, name: string): void {
  out.int(LISTSXP | HAS_TAG);
  out.int(SYMSXP);
  writeCharsxp(out, name);
}

/** The uncompressed serialization of a character matrix, as `serialize(m, NULL, xdr = TRUE, version = 3)`. */
export function serializeCharacterMatrix(matrix: CharacterMatrix): Buffer {
  const nrow = matrix.rows.length;
  const ncol = matrix.colnames.length;
  for (const [index, row] of matrix.rows.entries()) {
    if (row.length !== ncol) throw new TypeError(`row ${index + 1} has ${row.length} values, expected ${ncol}`);
  }
  if (matrix.rownames !== undefined && matrix.rownames.length !== nrow) {
    throw new TypeError(`${matrix.rownames.length} row names for ${nrow} rows`);
  }
  const out = new XdrWriter();
  out.bytes(Buffer.from("X\n", "latin1"));
  out.int(3);
  out.int(WRITER_VERSION);
  out.int(MIN_READER_VERSION);
  const nativeEncoding = Buffer.from("UTF-8", "latin1");
  out.int(nativeEncoding.length);
  out.bytes(nativeEncoding);

  // R stores matrices column by column.
  const values: (string | undefined)[] = [];
  for (let column = 0; column < ncol; column += 1) for (const row of matrix.rows) values.push(row[column]);
  writeStrsxp(out, values, true);

  writeAttributeTag(out, "dim");
  out.int(INTSXP);
  out.int(2);
  out.int(nrow);
  out.int(ncol);

  writeAttributeTag(out, "dimnames");
  out.int(VECSXP);
  out.int(2);
  if (matrix.rownames === undefined) out.int(NILVALUE_SXP);
  else writeStrsxp(out, matrix.rownames);
  writeStrsxp(out, matrix.colnames);
  out.int(NILVALUE_SXP);
  return out.result();
}

/** The bytes of an .rds file holding the matrix (gzip-compressed, as `saveRDS(compress = TRUE)`). */
export function characterMatrixRds(matrix: CharacterMatrix): Buffer {
  return gzipSync(serializeCharacterMatrix(matrix), { level: 6 });
}
