import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { displayWidth, formatRDcf, formatRDcfField, strwrap } from "../../src/rpkg/r-write-dcf.js";
import { seededRandom } from "./helpers/random.js";
import { runRscript, runRscriptJson } from "./helpers/r.js";

const WORDS = [
  "R",
  "(>=",
  "4.0.0),",
  "methods,",
  "BiocGenerics",
  "S4Vectors",
  "end.",
  "end.)",
  'quote."',
  "why?",
  "wow!",
  "x",
  "GenomicRanges(>=1.41.5),",
  "café",
  "日本語",
  "e\u0301",
  "naïve",
  "a".repeat(30),
  "b".repeat(75),
  "ok",
  "1.2-3",
  "|",
];
const SEPARATORS = [" ", " ", " ", "  ", "   ", "\t", "\n", "\n    ", "\n\n", "\n \n", " \t ", ".  "];

function generateValues(count: number): [string, string][] {
  const random = seededRandom(4242);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const values: [string, string][] = [
    [
      "Depends",
      "R (>= 4.0.0), methods, BiocGenerics (>= 0.37.0), S4Vectors (>= 0.27.12), IRanges (>= 2.23.9), GenomeInfoDb (>= 1.15.2)",
    ],
    ["Imports", "stats,\nutils,\ngraphics"],
    ["Title", "Sentence one.  Sentence two.   Three?  Four"],
    ["Description", "Para one.\n\nPara two after a blank line.\n\n\nPara three."],
    ["License", "Artistic-2.0"],
    ["X", "a".repeat(100)],
    ["Y", "short " + "b".repeat(66)],
  ];
  while (values.length < count) {
    const n = 1 + Math.floor(random() * 30);
    let text = pick(WORDS);
    for (let i = 1; i < n; i += 1) text += pick(SEPARATORS) + pick(WORDS);
    values.push([
      pick(["Depends", "Imports", "Suggests", "LinkingTo", "git_last_commit_date", "A", "LongFieldNameForWrapping"]),
      text,
    ]);
  }
  return values;
}

const values = generateValues(300);
let rOutput: string;

beforeAll(() => {
  const dir = mkdtempSync(join(tmpdir(), "bbs-writedcf-"));
  writeFileSync(join(dir, "values.json"), JSON.stringify(values));
  runRscript(
    `args <- commandArgs(TRUE); v <- jsonlite::fromJSON(args[1], simplifyVector = FALSE)
tags <- unique(vapply(v, function(e) e[[1]], "")); m <- matrix(NA_character_, length(v), length(tags), dimnames = list(NULL, tags))
for (i in seq_along(v)) m[i, v[[i]][[1]]] <- v[[i]][[2]]
write.dcf(m, file = args[2])`,
    [join(dir, "values.json"), join(dir, "out.dcf")],
  );
  rOutput = readFileSync(join(dir, "out.dcf"), "utf8");
});

describe("formatRDcf reproduces R's write.dcf", () => {
  it("field by field on 300 generated values", () => {
    const ours = values.map(([tag, value]) => `${formatRDcfField(tag, value)}\n`);
    expect(ours).toEqual(rOutput.split(/(?<=\n)\n/));
  });

  it("for whole records", () => {
    expect(formatRDcf(values.map(([tag, value]) => [[tag, value]]))).toBe(rOutput);
  });

  it("leaves out empty values and empty records", () => {
    expect(
      formatRDcf([
        [
          ["A", "1"],
          ["B", ""],
          ["C", undefined],
        ],
        [["D", ""]],
        [["E", "2"]],
      ]),
    ).toBe("A: 1\n\nE: 2\n");
  });
});

describe("strwrap and nchar(type = 'w')", () => {
  it("agree with R on edge cases", () => {
    const texts = ["", " ", "a", "  lead", "x.  y", "one\n\ntwo", "\n\nfirst empty", "w".repeat(80) + " tail"];
    const r = runRscriptJson<{ wrap: string[][]; width: number[] }>(
      `t <- jsonlite::fromJSON(commandArgs(TRUE)[1])
cat(jsonlite::toJSON(list(wrap = lapply(t, function(x) strwrap(x, width = 20, indent = 2, exdent = 4)),
  width = nchar(c("abc", "日本", "e\\u0301", "\\U1F600", "\\u00ad", "\\u200b"), type = "w"))))`,
      [JSON.stringify(texts)],
    );
    expect(texts.map((text) => strwrap(text, { width: 20, indent: 2, exdent: 4 }))).toEqual(r.wrap);
    expect(["abc", "日本", "e\u0301", "\u{1F600}", "\u00ad", "\u200b"].map(displayWidth)).toEqual(r.width);
  });
});
