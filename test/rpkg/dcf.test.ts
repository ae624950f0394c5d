import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  formatDcf,
  formatDcfRecord,
  injectDcfFields,
  mergeDcfRecords,
  parseDcf,
  readDcfFile,
  type DcfRecord,
} from "../../src/rpkg/dcf.js";
import { BbsError } from "../../src/util/errors.js";
import { runRscriptJson } from "./helpers/r.js";

// Inputs chosen to exercise every rule of R's read.dcf; each is read by our
// parser and by real R in one Rscript run.
const CASES: Record<string, string> = {
  basic: "Package: a\nVersion: 1.0\n\nPackage: b\nVersion: 2.0\n",
  crlf: "A: 1\r\nB: two\r\n  cont\r\n\r\nA: 3\r\n",
  crOnly: "A: x\rB: y\r  z\r\rA: 2\r",
  continuationBlanks: "A:   x  \n  y  \n\t z\t\nB: 1\n",
  whitespaceLinesSeparate: "A: x\n \t \nB: y\n\t\nC: z\n",
  manyBlankLines: "\n\n  \nA: x\n\n\n\nB: y\n\n\n",
  escapedBlank: "A: first\n .\n second\n\t.\t\n .\n third\nB: z\n",
  escapedBlankAtEnd: "A: x\n .\nB: y\n",
  escapedBlankFirst: "A:\n .\n y\n",
  emptyThenContinuation: "B:\n  only cont\n",
  duplicateField: "A: x\nB: 1\nA: y\n",
  colonInValue: "URL: https://example.org:8080/a?b=c:d\n",
  oddTags: "Foo Bar: x\nDate/Publication: 2024-10-24\nA : spaced\nx.y_z-1: w\n",
  noFinalNewline: "A: x\nB: y",
  emptyValues: "A:\nB:    \nC:x\n",
  utf8: "Title: Ångström café — 日本語\nAuthor: Zoë\n",
  hashFields: "#c: 1\nA: x\n",
  dotContinuation: "A: x\n  .y\n  . \n",
  differentFieldsPerRecord: "A: 1\nB: 2\n\nC: 3\nA: 4\n\nD: 5\n",
  continuationOfDuplicate: "A: x\n  more\nB: 1\nA: y\n  again\n",
  errorContinuationFirst: "  cont\nA: x\n",
  errorContinuationAfterBlank: "A: x\n\n\tB: y\n",
  errorNoColon: "A: x\nnocolon\n",
  errorEmptyTag: "A: x\n:x: 1\n",
};

interface RResult {
  error?: string;
  fieldOrder?: string[];
  records?: Record<string, string>[];
}

let dir: string;
let rResults: Record<string, RResult>;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "bbs-dcf-"));
  for (const [name, text] of Object.entries(CASES)) writeFileSync(join(dir, name), text);
  rResults = runRscriptJson<Record<string, RResult>>(
    `args <- commandArgs(TRUE); dir <- args[1]; out <- list()
for (name in args[-1]) {
  m <- tryCatch(read.dcf(file.path(dir, name)), error = function(e) conditionMessage(e))
  out[[name]] <- if (is.character(m) && is.null(dim(m))) list(error = m) else list(
    fieldOrder = I(colnames(m)),
    records = lapply(seq_len(nrow(m)), function(i) { r <- m[i, ]; as.list(r[!is.na(r)]) }))
}
cat(jsonlite::toJSON(out, auto_unbox = TRUE))`,
    [dir, ...Object.keys(CASES)],
  );
});

function asObject(record: DcfRecord): Record<string, string> {
  return Object.fromEntries(record.fields);
}

function firstAppearanceOrder(records: DcfRecord[]): string[] {
  const order: string[] = [];
  for (const record of records) for (const name of record.fields.keys()) if (!order.includes(name)) order.push(name);
  return order;
}

describe("parseDcf agrees with R's read.dcf", () => {
  for (const name of Object.keys(CASES)) {
    it(name, () => {
      const r = rResults[name]!;
      const bytes = readFileSync(join(dir, name));
      if (r.error !== undefined) {
        expect(() => parseDcf(bytes, { source: name })).toThrow(BbsError);
        return;
      }
      const records = parseDcf(bytes, { source: name });
      expect(records.map(asObject)).toEqual(r.records);
      expect(firstAppearanceOrder(records)).toEqual(r.fieldOrder);
    });
  }
});

describe("parseDcf details", () => {
  it("keeps field order and record start lines", () => {
    const records = parseDcf("\n\nZ: 1\nA: 2\nM: 3\n\nB: 4\n");
    expect([...records[0]!.fields.keys()]).toEqual(["Z", "A", "M"]);
    expect(records.map((r) => r.line)).toEqual([3, 7]);
  });

  it("names the file and line of malformed input", () => {
    const cases: [string, RegExp][] = [
      [CASES.errorContinuationFirst!, /^DESCRIPTION:1: a continuation line .* cannot start a record: " {2}cont"$/],
      [CASES.errorContinuationAfterBlank!, /^DESCRIPTION:3: a continuation line/],
      [CASES.errorNoColon!, /^DESCRIPTION:2: the line has no "Field:" name: "nocolon"$/],
      [CASES.errorEmptyTag!, /^DESCRIPTION:2: the line has an empty field name/],
    ];
    for (const [text, message] of cases) {
      try {
        parseDcf(text, { source: "DESCRIPTION" });
        expect.unreachable();
      } catch (error) {
        expect(error).toBeInstanceOf(BbsError);
        expect((error as BbsError).code).toBe("BBS_INPUT_INVALID");
        expect((error as BbsError).message).toMatch(message);
        expect((error as BbsError).hint).toBeTruthy();
      }
    }
    expect(() => readDcfFile(join(dir, "no-such-file"))).toThrow(/no-such-file does not exist/);
  });

  it("offers BBS's parser quirks: comments and continuation joined with one space", () => {
    const text = "# generated\nA: a long\n   value\n\tcontinued\n#B: not a field\nC: 1\n";
    const [record] = parseDcf(text, { comments: true, continuation: "space" });
    expect(asObject(record!)).toEqual({ A: "a long value continued", C: "1" });
    expect(() => parseDcf(text)).toThrow(/:1: the line has no "Field:" name/);
  });

  it("merges records as BBS's merge-records mode does", () => {
    const merged = mergeDcfRecords(parseDcf("Package: a\nVersion: 1\n\nVersion: 2\nTitle: t\n"));
    expect([...merged.fields]).toEqual([
      ["Package", "a"],
      ["Version", "2"],
      ["Title", "t"],
    ]);
    expect(mergeDcfRecords([])).toEqual({ line: 0, fields: new Map() });
  });
});

describe("decoding", () => {
  const latin1Description = Buffer.concat([
    Buffer.from("Package: enc\nTitle: Caf"),
    Buffer.from([0xe9]),
    Buffer.from(" na"),
    Buffer.from([0xef]),
    Buffer.from("ve\nEncoding: latin1\n"),
  ]);
  const latin2Description = Buffer.concat([
    Buffer.from("Package: enc2\nAuthor: "),
    Buffer.from([0xb1, 0xb3]),
    Buffer.from("\nEncoding: latin2\n"),
  ]);
  const utf8Description = Buffer.from("Package: enc3\nTitle: Café 日本\nEncoding: UTF-8\n", "utf8");

  it("decodes each record with its declared Encoding, like tools:::.read_description", () => {
    const files = { latin1: latin1Description, latin2: latin2Description, utf8: utf8Description };
    for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, `DESCRIPTION.${name}`), bytes);
    const r = runRscriptJson<Record<string, Record<string, string>>>(
      `dir <- commandArgs(TRUE)[1]; out <- list()
for (n in c("latin1", "latin2", "utf8")) out[[n]] <- as.list(enc2utf8(tools:::.read_description(file.path(dir, paste0("DESCRIPTION.", n)))))
cat(jsonlite::toJSON(out, auto_unbox = TRUE))`,
      [dir],
    );
    for (const [name, bytes] of Object.entries(files)) {
      expect(asObject(parseDcf(bytes)[0]!)).toEqual(r[name]);
    }
    expect(parseDcf(latin1Description)[0]!.fields.get("Title")).toBe("Café naïve");
  });

  it("reads undeclared invalid UTF-8 as Latin-1 rather than mangling it, and drops a BOM", () => {
    const bytes = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from("Package: x\nTitle: Caf"),
      Buffer.from([0xe9]),
      Buffer.from("\n"),
    ]);
    expect(asObject(parseDcf(bytes)[0]!)).toEqual({ Package: "x", Title: "Café" });
  });

  it("r-utf8 decoding shows invalid bytes as <xx>, as R's strwrap does", () => {
    const [record] = parseDcf(latin1Description, { decoding: "r-utf8" });
    expect(record!.fields.get("Title")).toBe("Caf<e9> na<ef>ve");
    expect(parseDcf(utf8Description, { decoding: "r-utf8" })[0]!.fields.get("Title")).toBe("Café 日本");
  });

  it("rejects an unknown declared encoding, naming it", () => {
    expect(() => parseDcf(Buffer.from("Package: x\nEncoding: klingon\n"), { source: "x/DESCRIPTION" })).toThrow(
      /x\/DESCRIPTION:1: unknown encoding "Encoding: klingon"/,
    );
  });
});

describe("formatDcf", () => {
  it("writes BBS's format", () => {
    const text = formatDcf(
      [
        [
          ["Package", "a4"],
          ["Version", "1.55.0"],
        ],
        new Map([["Package", "b"]]),
      ],
      { blankLineAfterLast: true },
    );
    expect(text).toBe("Package: a4\nVersion: 1.55.0\n\nPackage: b\n\n");
    expect(formatDcf([[["A", "1"]], [["B", "2"]]])).toBe("A: 1\n\nB: 2\n");
    expect(formatDcf([])).toBe("");
  });

  it("writes multi-line values that R and our parser read back unchanged", () => {
    const values = { Description: "line one\nline two\n\nafter an empty line", Title: "plain", Empty: "" };
    const text = formatDcfRecord(Object.entries(values));
    expect(text).toBe("Description: line one\n line two\n .\n after an empty line\nTitle: plain\nEmpty: \n");
    writeFileSync(join(dir, "written.dcf"), text);
    const r = runRscriptJson<Record<string, string>>(
      `m <- read.dcf(commandArgs(TRUE)[1]); cat(jsonlite::toJSON(as.list(m[1, ]), auto_unbox = TRUE))`,
      [join(dir, "written.dcf")],
    );
    expect(r).toEqual(values);
    expect(asObject(parseDcf(text)[0]!)).toEqual(values);
  });

  it("refuses field names that would corrupt the file", () => {
    for (const name of ["", "a:b", " lead", "#x", "a\nb"])
      expect(() => formatDcfRecord([[name, "v"]])).toThrow(/invalid DCF field name/);
  });
});

describe("injectDcfFields", () => {
  const gitFields: [string, string][] = [
    ["git_url", "https://git.bioconductor.org/packages/a4"],
    ["git_branch", "devel"],
    ["git_last_commit", "1a2b3c4"],
    ["git_last_commit_date", "2024-10-23 10:12:33 -0400 (Wed, 23 Oct 2024)"],
    ["Repository", "Bioconductor 3.21"],
  ];

  it("drops blank lines and old values with their continuation lines, appends whole values in order", () => {
    const before =
      "Package: a4\nVersion: 1.55.0\n\ngit_url: old\n  continued-old-url\nTitle: A title\n  over two lines\n" +
      "Repository: CRAN\ngit_last_commit_date: 2020-01-01\n";
    const after = injectDcfFields(Buffer.from(before), gitFields).toString("utf8");
    expect(after).toBe(
      "Package: a4\nVersion: 1.55.0\nTitle: A title\n  over two lines\n" +
        "git_url: https://git.bioconductor.org/packages/a4\ngit_branch: devel\ngit_last_commit: 1a2b3c4\n" +
        "git_last_commit_date: 2024-10-23 10:12:33 -0400 (Wed, 23 Oct 2024)\nRepository: Bioconductor 3.21\n",
    );
    const record = mergeDcfRecords(parseDcf(after));
    expect(record.fields.get("git_last_commit_date")).toBe("2024-10-23 10:12:33 -0400 (Wed, 23 Oct 2024)");
    expect(record.fields.get("Title")).toBe("A title\nover two lines");
  });

  it("handles a missing final newline, CRLF files and latin1 files", () => {
    expect(injectDcfFields(Buffer.from("Package: x\nVersion: 1"), [["A", "b"]]).toString()).toBe(
      "Package: x\nVersion: 1\nA: b\n",
    );
    expect(injectDcfFields(Buffer.from("Package: x\r\nVersion: 1\r\n\r\n"), [["A", "b"]]).toString()).toBe(
      "Package: x\r\nVersion: 1\r\nA: b\r\n",
    );
    const latin1 = Buffer.concat([
      Buffer.from("Package: x\nTitle: Caf"),
      Buffer.from([0xe9]),
      Buffer.from("\nEncoding: latin1\n"),
    ]);
    const injected = injectDcfFields(latin1, [["Maintainer", "Zoë <z@x.org>"]]);
    expect(injected.subarray(latin1.length)).toEqual(
      Buffer.concat([Buffer.from("Maintainer: Zo"), Buffer.from([0xeb]), Buffer.from(" <z@x.org>\n")]),
    );
    expect(parseDcf(injected)[0]!.fields.get("Maintainer")).toBe("Zoë <z@x.org>");
    expect(() => injectDcfFields(latin1, [["A", "日本"]])).toThrow(/cannot be written in its declared Encoding latin1/);
  });
});
