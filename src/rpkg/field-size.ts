// How big a DESCRIPTION field R can afford. R's read.dcf (src/main/dcf.c)
// appends each continuation line by copying the whole value read so far into
// a new string: its time grows with the square of the field. Measured with R
// 4.2 on this project's machines: 1,000 lines of 100 bytes take about a
// second, 8,000 lines half a minute, and a 5 MB field of 50,000 lines more
// than ten minutes -- on the central node (prerun evaluates Authors@R) and
// again in every R CMD INSTALL, build and check of every builder. bbs's own
// reader is linear; the limits below keep what R must read small, and a
// package over them is refused with the field named instead.

/** At most this many continuation lines in one field (the largest real Collate fields have a few hundred). */
export const MAX_FIELD_CONTINUATION_LINES = 1000;
/** At most this many bytes in one field (real Description fields are a few KB). */
export const MAX_FIELD_BYTES = 100_000;

export interface OversizedField {
  field: string;
  /** 1-based line of the field's first line. */
  line: number;
  continuationLines: number;
  bytes: number;
}

/**
 * The first field of DCF bytes over the limits above (counted to its end), or undefined. One pass
 * over the bytes, no regular expression: it must stay cheap on the very input it guards against.
 */
export function oversizedField(bytes: Uint8Array): OversizedField | undefined {
  let current: OversizedField | undefined;
  let line = 0;
  let start = 0;
  const over = (field: OversizedField | undefined): boolean =>
    field !== undefined && (field.continuationLines > MAX_FIELD_CONTINUATION_LINES || field.bytes > MAX_FIELD_BYTES);
  while (start < bytes.length) {
    let end = start;
    while (end < bytes.length && bytes[end] !== 0x0a && bytes[end] !== 0x0d) end += 1;
    line += 1;
    const first = bytes[start];
    if (first === 0x20 || first === 0x09) {
      if (current !== undefined && !isBlankLine(bytes, start, end)) {
        current.continuationLines += 1;
        current.bytes += end - start;
      } else if (isBlankLine(bytes, start, end)) {
        if (over(current)) return current;
        current = undefined;
      }
    } else if (start === end) {
      if (over(current)) return current;
      current = undefined;
    } else {
      if (over(current)) return current;
      const colon = bytes.subarray(start, end).indexOf(0x3a);
      const name = Buffer.from(bytes.subarray(start, colon > 0 ? start + colon : end)).toString("latin1");
      current = { field: name, line, continuationLines: 0, bytes: end - start };
    }
    // CRLF is one line end; a lone CR or LF is one too.
    start = bytes[end] === 0x0d && bytes[end + 1] === 0x0a ? end + 2 : end + 1;
  }
  return over(current) ? current : undefined;
}

function isBlankLine(bytes: Uint8Array, start: number, end: number): boolean {
  for (let index = start; index < end; index += 1) if (bytes[index] !== 0x20 && bytes[index] !== 0x09) return false;
  return true;
}
