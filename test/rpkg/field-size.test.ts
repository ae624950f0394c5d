// Hostile DESCRIPTION sizes (issue 15, item 6): bbs's DCF reader is linear
// (a regular expression used to trim blanks was quadratic in a run of blanks
// inside a line: 40 KB of them took 12 s, megabytes hours), and
// oversizedField() finds a field R would need minutes to read, counted to its end.

import { describe, expect, it } from "vitest";
import { parseDcf } from "../../src/rpkg/dcf.js";
import { MAX_FIELD_BYTES, MAX_FIELD_CONTINUATION_LINES, oversizedField } from "../../src/rpkg/field-size.js";

function description(fieldLines: number, lineText = "    some words of a long description x"): Buffer {
  const lines = ["Package: bigPkg", "Version: 1.0.0", "Description: start"];
  for (let i = 0; i < fieldLines; i += 1) lines.push(lineText);
  lines.push("License: GPL-2", "");
  return Buffer.from(lines.join("\n"));
}

describe("the DCF reader on hostile input", () => {
  // Not a timing assertion: before the fix this input took hours, past any test timeout.
  it("trims values with megabytes of blanks inside a line", () => {
    const blanks = " \t".repeat(1_000_000);
    const [record] = parseDcf(Buffer.from(`Package: x\nDescription: a${blanks}b${blanks}\n   c${blanks}d${blanks}\n`));
    expect(record!.fields.get("Description")).toBe(`a${blanks}b\nc${blanks}d`);
  });

  it("reads a 5 MB field of 50,000 continuation lines", () => {
    const bytes = description(50_000, `    ${"word ".repeat(19)}x`);
    expect(bytes.length).toBeGreaterThan(5_000_000);
    const value = parseDcf(bytes, { continuation: "space" })[0]!.fields.get("Description")!;
    expect(value.split(" x ").length).toBe(50_000);
  });
});

describe("oversizedField", () => {
  it("accepts fields up to the limits", () => {
    expect(oversizedField(description(MAX_FIELD_CONTINUATION_LINES))).toBeUndefined();
    expect(
      oversizedField(Buffer.from(`Package: x\nDescription: ${"y".repeat(MAX_FIELD_BYTES - 13)}\n`)),
    ).toBeUndefined();
  });

  it("names the first field over a limit, with its line and its whole size", () => {
    expect(oversizedField(description(50_000))).toEqual({
      field: "Description",
      line: 3,
      continuationLines: 50_000,
      bytes: "Description: start".length + 50_000 * "    some words of a long description x".length,
    });
    const long = Buffer.from(`Package: x\nTitle: t\n\nCollate: ${"z".repeat(MAX_FIELD_BYTES)}\nB: 1\n`);
    expect(oversizedField(long)).toMatchObject({ field: "Collate", line: 4, continuationLines: 0 });
  });

  it("counts CRLF and CR line ends as one, and blank lines end a field", () => {
    const crlf = Buffer.from(
      description(MAX_FIELD_CONTINUATION_LINES + 1)
        .toString()
        .replaceAll("\n", "\r\n"),
    );
    expect(oversizedField(crlf)).toMatchObject({ field: "Description", line: 3, continuationLines: 1001 });
    const cr = Buffer.from(
      description(MAX_FIELD_CONTINUATION_LINES + 1)
        .toString()
        .replaceAll("\n", "\r"),
    );
    expect(oversizedField(cr)).toMatchObject({ field: "Description", line: 3, continuationLines: 1001 });
    const split = Buffer.from(`A: 1\n${"  x\n".repeat(600)}\nB: 2\n${"  x\n".repeat(600)}`);
    expect(oversizedField(split)).toBeUndefined();
  });
});
