// A config directory with one of each mistake an operator makes; `bbs config check`
// must report every one of them, in one run, each naming file, line, column and key.

import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkConfigDir } from "../../src/config/load.js";
import { writeConfigDir } from "./config-dir.js";

const files: Record<string, string> = {
  "global.yaml": [
    /*  1 */ 'biocVersion: "3.21"',
    /*  2 */ "central:",
    /*  3 */ "  nodeId: linux1",
    /*  4 */ "  dir: /srv/central",
    /*  5 */ "reportNodes:",
    /*  6 */ "  - linux1",
    /*  7 */ "  - win1:bin",
    /*  8 */ "  - linux1",
    /*  9 */ "outgoing:",
    /* 10 */ "  source: linux1/buildsrc",
    /* 11 */ "  mac.binary.big-sur-arm64: mac9/buildbin",
    /* 12 */ "timeouts:",
    /* 13 */ "  check: 40 minutes",
    /* 14 */ "slots:",
    /* 15 */ "  install: 0",
    /* 16 */ "reprot:",
    /* 17 */ "  path: /srv/report",
    /* 18 */ "propagation:",
    /* 19 */ "  archive: sometimes",
    /* 20 */ "  stagingDir: ${workdir}/staging",
    /* 21 */ "manifest:",
    /* 22 */ "  file: ${manifest.gitBranch}/software.txt",
    /* 23 */ "  gitBranch: ${manifest.file}",
    "",
  ].join("\n"),
  "platforms/linux.yaml": ["os: Linux", "arch: x86_64", ""].join("\n"),
  // YAML syntax error: an unclosed flow sequence
  "platforms/windows.yaml": ["os: Windows", "arch: [x64", "pkgType: win.binary", ""].join("\n"),
  "hosts/linux1.yaml": [
    "nodeId: linux1",
    "platform: linux",
    "workDir: /home/bbs/work",
    "rHome: /usr/lib/R",
    "slots:",
    "  check: -3",
    "",
  ].join("\n"),
  // rHome (required) is missing
  "hosts/win1.yaml": ["nodeId: win1", "platform: windows", "workDir: C:/bbs", ""].join("\n"),
  // names a platform that has no file
  "hosts/mac1.yaml": ["nodeId: mac1", "platform: macos", "workDir: /Users/bbs", "rHome: /opt/R", ""].join("\n"),
  // file name differs from the node id
  "hosts/linux2.yaml": [
    "nodeId: linux-two",
    "platform: linux",
    "workDir: /home/bbs/work2",
    "rHome: /usr/lib/R",
    "",
  ].join("\n"),
};

let dir = "";
let cleanup = (): void => {};
let problems: string[] = [];

beforeAll(() => {
  ({ dir, cleanup } = writeConfigDir(files));
  problems = checkConfigDir(dir, { env: {} }).problems;
});
afterAll(() => cleanup());

const expected: Array<[string, RegExp]> = [
  ["YAML syntax error", /^platforms\/windows\.yaml:\d+:\d+: YAML syntax error: /],
  ["unknown key with a suggestion", /^global\.yaml:16:1: reprot: unknown key\n\s+hint: did you mean `report`\?/],
  ["wrong type", /^global\.yaml:19:12: propagation\.archive: must be true or false, not "sometimes"/],
  ["missing required key", /^hosts\/win1\.yaml: rHome: required key is missing/],
  ["zero slot count", /^global\.yaml:15:12: slots\.install: slot count must be at least 1, got 0/],
  ["negative slot count", /^hosts\/linux1\.yaml:6:10: slots\.check: slot count must be at least 1, got -3/],
  [
    "timeout given as text",
    /^global\.yaml:13:10: timeouts\.check: must be a whole number of seconds, not the text "40 minutes"\n\s+hint: write the number of seconds/,
  ],
  [
    "unknown platform named by a host",
    /^hosts\/mac1\.yaml:2:11: platform: names platform "macos", but platforms\/macos\.yaml does not exist\n\s+hint: known platforms: linux, windows/,
  ],
  [
    "duplicate node id in the report node list",
    /^global\.yaml:8:5: reportNodes\[2\]: duplicate node id "linux1" \(already listed as reportNodes\[0\]\)/,
  ],
  [
    "OUTGOING map naming an unknown node",
    /^global\.yaml:11:3: outgoing\.mac\.binary\.big-sur-arm64: names node "mac9", which is not a \(non-foreign\) report node/,
  ],
  [
    "reference to an undefined key",
    /^global\.yaml:20:15: propagation\.stagingDir: refers to \$\{workdir\}, which is not a configuration key\n\s+hint: did you mean \$\{workDir\}\?/,
  ],
  [
    "reference cycle",
    /^global\.yaml:\d+:\d+: manifest\.(file|gitBranch): reference cycle: \$\{manifest\.(file|gitBranch)\} -> \$\{manifest\.(file|gitBranch)\} -> \$\{manifest\.(file|gitBranch)\}/,
  ],
  [
    "host file name differs from its node id",
    /^hosts\/linux2\.yaml:1:9: nodeId: node id "linux-two" differs from the file name "linux2"\n\s+hint: rename the file to hosts\/linux-two\.yaml or set nodeId: linux2/,
  ],
];

describe("bbs config check on a directory with every kind of mistake", () => {
  it.each(expected)("reports %s with file, line, column and key", (_label, pattern) => {
    const matching = problems.filter((p) => pattern.test(p));
    expect(matching, `no problem matches ${pattern}\nproblems:\n${problems.join("\n")}`).toHaveLength(1);
  });

  it("reports each problem once, even when several hosts read the same file", () => {
    expect(new Set(problems).size).toBe(problems.length);
    expect(problems.filter((p) => p.includes("reprot"))).toHaveLength(1);
  });

  it("does not cascade a missing key into reference errors", () => {
    expect(problems.filter((p) => p.includes("${rHome}"))).toEqual([]);
  });

  it("prints them all from the CLI, exits 2 (user error) without a stack trace", async () => {
    const result = await execa("node", ["bin/bbs.js", "--config", dir, "config", "check"], {
      reject: false,
      env: { BBS_CONFIG: "" },
    });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/^error\[BBS_CONFIG_INVALID\]: \d+ problem\(s\) in configuration /);
    for (const [, pattern] of expected) {
      const unanchored = new RegExp(pattern.source.replace(/^\^/, "- "), pattern.flags);
      expect(result.stderr).toMatch(unanchored);
    }
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});

describe("a single mistake loaded for one host", () => {
  it("fails loadConfig with every problem of that host, not only the first", async () => {
    const result = await execa("node", ["bin/bbs.js", "--config", dir, "--host", "linux1", "config", "show"], {
      reject: false,
    });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("slots.check: slot count must be at least 1, got -3");
    expect(result.stderr).toContain("reprot: unknown key");
    expect(result.stderr).toContain("hint: fix the places listed above");
  });
});
