// `bbs config import-bbs` on a small BBS checkout written in BBS's shapes
// (test/fixtures/bbs-checkout/README.md): the draft passes `bbs config check`
// and resolves to what the BBS chain set, what cannot be translated is listed
// with file and line, and existing directories are never overwritten silently.

import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.js";
import { importBbs, type ImportResult } from "../../src/config/import-bbs/index.js";
import { VARIABLES } from "../../src/config/import-bbs/mapping.js";
import { parseNodeSpecs } from "../../src/config/import-bbs/nodespecs.js";
import { parseConfigFile } from "../../src/config/import-bbs/shell.js";
import { checkConfigDir, loadConfig } from "../../src/config/load.js";
import { SCHEMA } from "../../src/config/schema.js";
import { BbsError } from "../../src/util/errors.js";
import { repoRoot } from "../fixtures/test-config.js";
import { useTempDirs } from "../fixtures/tmp.js";

const CHECKOUT = join(repoRoot(), "test/fixtures/bbs-checkout");
const dirs = useTempDirs();

function thrown(work: () => unknown): BbsError {
  try {
    work();
  } catch (error) {
    if (error instanceof BbsError) return error;
    throw error;
  }
  throw new Error("expected a BbsError");
}

/** A copy of the fixture checkout to change. */
async function checkoutCopy(): Promise<string> {
  const root = await dirs.make("bbs-checkout");
  cpSync(CHECKOUT, join(root, "BBS"), { recursive: true });
  return join(root, "BBS");
}

const at = (result: ImportResult, kind: string, file: string, line?: number) =>
  result.items.filter((item) => item.kind === kind && item.file === file && (line === undefined || item.line === line));

describe("bbs config import-bbs on 3.21/bioc", () => {
  it("writes a draft that passes the check and resolves to the BBS chain's values", async () => {
    const out = join(await dirs.make("import"), "bioc-3.21");
    const result = importBbs({ checkout: CHECKOUT, build: "3.21/bioc", out });
    expect(result.central).toBe("bbscentral1");
    expect(result.hosts).toEqual(["bbscentral1", "kjohnson1", "kunpeng2", "nebbiolo1", "palomino7"]);
    expect(result.platforms).toEqual(["linux-aarch64", "linux-x86_64", "macos-arm64", "windows"]);
    expect(result.checkProblems).toEqual([]);
    const checked = checkConfigDir(out, { env: {} });
    expect([...checked.problems, ...checked.siteProblems]).toEqual([]);

    const nebbiolo1 = loadConfig(out, "nebbiolo1", { env: {} }).values;
    expect(nebbiolo1.biocVersion).toBe("3.21");
    expect(nebbiolo1["central.nodeId"]).toBe("bbscentral1");
    expect(nebbiolo1["central.dir"]).toBe("/home/biocbuild/public_html/BBS/3.21/bioc");
    // The builders' view of the central node's web server, not the central node's own `localhost`.
    expect(nebbiolo1["central.baseUrl"]).toBe("http://203.0.113.24/BBS/3.21/bioc");
    expect(nebbiolo1.reportNodes).toEqual([
      "nebbiolo1",
      "palomino7:bin",
      "kjohnson1:bin",
      "kunpeng2",
      "lconway:foreign",
    ]);
    expect(nebbiolo1.outgoing).toEqual({
      source: "nebbiolo1/buildsrc",
      "win.binary": "palomino7/buildbin",
      "mac.binary.big-sur-arm64": "kjohnson1/buildbin",
    });
    expect(nebbiolo1["propagation.finalRepo"]).toBe("file:///home/biocpush/PACKAGES/3.21/bioc");
    expect(nebbiolo1["report.path"]).toBe("/home/biocbuild/public_html/BBS/3.21/bioc/report");
    expect(nebbiolo1["report.publishedUrl"]).toBe("https://bioconductor.org/checkResults/3.21/bioc-LATEST/");
    expect(nebbiolo1.nonTargetRepos).toHaveLength(5);
    expect(nebbiolo1.rHome).toBe("/home/biocbuild/bbs-3.21-bioc/R");
    expect(nebbiolo1.rLibs).toBe("/home/biocbuild/bbs-3.21-bioc/R/site-library");
    expect(nebbiolo1.meatDir).toBe("/home/biocbuild/bbs-3.21-bioc/meat");
    expect([nebbiolo1["slots.install"], nebbiolo1["slots.build"], nebbiolo1["slots.check"]]).toEqual([18, 16, 18]);
    expect(nebbiolo1.transmissionMode).toBe("asynchronous");
    expect(nebbiolo1["tools.rsync"]).toBe("/usr/bin/rsync");
    expect(nebbiolo1.os).toBe("Linux (Ubuntu 24.04.1 LTS)");
    expect(nebbiolo1["r.environUser"]).toBe(join(out, "Renviron.bioc"));
    expect(readFileSync(join(out, "Renviron.bioc"), "utf8")).toBe(
      readFileSync(join(CHECKOUT, "3.21/Renviron.bioc"), "utf8"),
    );

    const palomino7 = loadConfig(out, "palomino7", { env: {} }).values;
    expect(palomino7.pkgType).toBe("win.binary");
    expect(palomino7.logEncoding).toBe("iso8859-1");
    expect(palomino7["r.cmd"]).toBe("F:\\biocbuild\\bbs-3.21-bioc\\R\\bin\\R.exe");
    expect(palomino7["tools.rsyncOptions"]).toMatch(/^-r --delete/);
    expect(palomino7.dontPushSrcPkgs).toBe(true);
    const kjohnson1 = loadConfig(out, "kjohnson1", { env: {} }).values;
    expect(kjohnson1["r.environment"]).toEqual({ LANG: "en_US.UTF-8" });
    expect(kjohnson1["r.checkOptions"]).toBe("--no-vignettes");
    const kunpeng2 = loadConfig(out, "kunpeng2", { env: {} }).values;
    expect(kunpeng2.transmissionMode).toBe("none");
    expect(kunpeng2.reportNote).toBe(
      "See the ARM64 notes (https://example.org/arm64-howto) for debugging Linux ARM64 issues.",
    );
    expect(loadConfig(out, "bbscentral1", { env: {} }).values.centralHost).toBe("localhost");

    // Values go where BBS set them: the build in global.yaml, nodespecs.py in platforms, a node's file in its host file.
    const global = readFileSync(join(out, "global.yaml"), "utf8");
    expect(global).toMatch(/^biocVersion: "3\.21" {2}# 3\.21\/config\.sh:22 BBS_BIOC_VERSION$/m);
    expect(global).not.toMatch(/meatDir|slots/);
    expect(readFileSync(join(out, "platforms/windows.yaml"), "utf8")).toMatch(/^pkgType: win\.binary/m);
    expect(readFileSync(join(out, "hosts/nebbiolo1.yaml"), "utf8")).toMatch(
      /^nodeId: nebbiolo1[^\n]*\nplatform: linux-x86_64[^\n]*\nuser: biocbuild/m,
    );
    expect(readFileSync(join(out, "hosts/nebbiolo1.yaml"), "utf8")).toMatch(/^rHome: \$\{workDir\}\/R {2}#/m);
  });

  it("lists what it could not translate with file, line, variable and why", async () => {
    const result = importBbs({ checkout: CHECKOUT, build: "3.21/bioc", out: join(await dirs.make("items"), "draft") });
    const nebbiolo1 = "3.21/bioc/nebbiolo1/config.sh";
    expect(at(result, "unparsed", nebbiolo1, 21)[0]?.why).toMatch(/command substitution/);
    expect(at(result, "unparsed", nebbiolo1, 22)[0]?.text).toBe("ulimit -n 4096");
    expect(at(result, "needs-user", nebbiolo1, 23)[0]?.variable).toBe("BBS_EXPERIMENTAL_CACHE");
    expect(at(result, "note", "3.21/bioc/bbscentral1/config.sh", 38)[0]?.why).toMatch(/file:\/\/\/home\/biocpush/);
    expect(at(result, "note", "3.21/bioc/teran2")[0]?.why).toMatch(/not imported/);
    expect(at(result, "note", "3.21/config.sh", 29)[0]?.why).toMatch(/localhost.*on bbscentral1/);
    expect(at(result, "dropped", "nodes/nebbiolo1/local-settings.sh", 11)[0]?.variable).toBe("BBS_PYTHON_CMD");
    // Shell locals (wd0=$(pwd)) and the chain's own lines are not reported; files every node reads are reported once.
    expect(result.items.some((item) => item.variable === "wd0" || item.variable === "wd1")).toBe(false);
    expect(at(result, "dropped", "3.21/config.sh", 12)).toHaveLength(1);
    expect(result.items.map((item) => item.kind)).toEqual(
      [...result.items.map((item) => item.kind)].sort(
        (a, b) =>
          ["needs-user", "unparsed", "note", "dropped"].indexOf(a) -
          ["needs-user", "unparsed", "note", "dropped"].indexOf(b),
      ),
    );
  });

  it("never overwrites a directory without --force, and leaves nothing half-written", async () => {
    const parent = await dirs.make("force");
    const out = join(parent, "draft");
    mkdirSync(out);
    writeFileSync(join(out, "mine.txt"), "keep me\n");
    const refused = thrown(() => importBbs({ checkout: CHECKOUT, build: "3.21/bioc", out }));
    expect(refused.code).toBe("BBS_USAGE");
    expect(refused.hint).toMatch(/--force/);
    expect(readdirSync(out)).toEqual(["mine.txt"]);
    importBbs({ checkout: CHECKOUT, build: "3.21/bioc", out, force: true });
    expect(existsSync(join(out, "mine.txt"))).toBe(false);
    expect(existsSync(join(out, "global.yaml"))).toBe(true);
    expect(readdirSync(parent)).toEqual(["draft"]);
  });

  it("names the checkout, versions and build types it found when the arguments do not match", async () => {
    const out = join(await dirs.make("errors"), "draft");
    const missing = thrown(() => importBbs({ checkout: join(CHECKOUT, "nope"), build: "3.21/bioc", out }));
    expect([missing.code, missing.message]).toEqual(["BBS_INPUT_INVALID", expect.stringMatching(/does not exist/)]);
    const notCheckout = thrown(() => importBbs({ checkout: join(CHECKOUT, "nodes"), build: "3.21/bioc", out }));
    expect(notCheckout.message).toMatch(/is not a BBS checkout/);
    const version = thrown(() => importBbs({ checkout: CHECKOUT, build: "3.19/bioc", out }));
    expect([version.code, version.hint]).toEqual(["BBS_INPUT_INVALID", "versions found: 3.20, 3.21"]);
    const buildType = thrown(() => importBbs({ checkout: CHECKOUT, build: "3.21/books", out }));
    expect(buildType.hint).toBe("build types of 3.21: bioc, workflows");
    expect(thrown(() => importBbs({ checkout: CHECKOUT, build: "3.21", out })).code).toBe("BBS_USAGE");
    const noCentral = thrown(() => importBbs({ checkout: CHECKOUT, build: "3.21/bioc", out, central: "bbscentral9" }));
    expect(noCentral.hint).toMatch(/^node directories of 3\.21\/bioc: bbscentral1, bbscentral2, kjohnson1/);
    expect(existsSync(out)).toBe(false);
  });

  it("asks for --central when the builders do not say which central node they use", async () => {
    const checkout = await checkoutCopy();
    for (const node of ["kjohnson1/config.sh", "palomino7/config.bat"]) {
      const path = join(checkout, "3.21/bioc", node);
      writeFileSync(
        path,
        readFileSync(path, "utf8").replace(/BBS_CENTRAL_RHOST="?bbscentral1"?/, "BBS_CENTRAL_RHOST=bbscentral2"),
      );
    }
    const out = join(await dirs.make("central"), "draft");
    const error = thrown(() => importBbs({ checkout, build: "3.21/bioc", out }));
    expect(error.message).toMatch(
      /several node directories of 3\.21\/bioc set BBS_REPORT_NODES: bbscentral1, bbscentral2/,
    );
    expect(error.hint).toMatch(/--central/);
    expect(importBbs({ checkout, build: "3.21/bioc", out, central: "bbscentral2" }).central).toBe("bbscentral2");
  });

  it("says which keys need the user when a report node has no directory", async () => {
    const checkout = await checkoutCopy();
    rmSync(join(checkout, "3.21/bioc/kunpeng2"), { recursive: true });
    const result = importBbs({ checkout, build: "3.21/bioc", out: join(await dirs.make("partial"), "draft") });
    expect(at(result, "needs-user", "3.21/bioc/bbscentral1/config.sh", 41)[0]?.why).toMatch(
      /report node kunpeng2 has no directory 3\.21\/bioc\/kunpeng2\//,
    );
    expect(result.checkProblems.join("\n")).toMatch(/report node "kunpeng2" has no host file hosts\/kunpeng2\.yaml/);
  });
});

describe("bbs config import-bbs on the command line", () => {
  afterEach(() => vi.restoreAllMocks());

  const run = async (args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
    let stdout = "";
    let stderr = "";
    vi.spyOn(process.stdout, "write").mockImplementation(
      (chunk: string | Uint8Array) => ((stdout += String(chunk)), true),
    );
    vi.spyOn(process.stderr, "write").mockImplementation(
      (chunk: string | Uint8Array) => ((stderr += String(chunk)), true),
    );
    const code = await main(["node", "bbs", ...args]);
    vi.restoreAllMocks();
    return { code, stdout, stderr };
  };

  it("prints the draft, the check and the list of what it could not translate", async () => {
    const out = join(await dirs.make("cli"), "draft");
    const result = await run(["config", "import-bbs", CHECKOUT, "3.21/bioc", "--out", out]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^wrote .*draft: global\.yaml, 4 platform\(s\) .*central node bbscentral1$/m);
    expect(result.stdout).toMatch(/^bbs config check: OK$/m);
    expect(result.stdout).toMatch(
      /^needs you \(1\):\n {2}3\.21\/bioc\/nebbiolo1\/config\.sh:23 {2}BBS_EXPERIMENTAL_CACHE: /m,
    );
    expect(result.stdout).toMatch(/^ {2}3\.21\/bioc\/nebbiolo1\/config\.sh:22 {2}`ulimit -n 4096`: a command/m);
    const again = await run(["config", "import-bbs", CHECKOUT, "3.21/bioc", "--out", out]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/^error\[BBS_USAGE\]: .*draft exists already\n {2}hint: .*--force/);
  });
});

describe("reading BBS's files", () => {
  it("keeps references, and reports commands, conditionals and command substitutions", () => {
    const statements = parseConfigFile(
      [
        'export A="$B/x" # comment',
        "C='lit $D'",
        "export E=${F}y",
        'if [ "$X" = 1 ]; then',
        "export G=$(date +%Y)",
        "fi",
      ].join("\n"),
      "sh",
    );
    expect(statements[0]).toMatchObject({
      kind: "assign",
      name: "A",
      word: [
        { kind: "ref", name: "B" },
        { kind: "lit", text: "/x" },
      ],
    });
    expect(statements[1]).toMatchObject({ kind: "assign", exported: false, word: [{ kind: "lit", text: "lit $D" }] });
    expect(statements[2]).toMatchObject({
      word: [
        { kind: "ref", name: "F" },
        { kind: "lit", text: "y" },
      ],
    });
    expect(statements[3]).toMatchObject({ kind: "unsupported", line: 4, why: expect.stringMatching(/conditional/) });
    expect(statements[4]).toMatchObject({
      kind: "unsupported",
      line: 5,
      why: expect.stringMatching(/command substitution/),
    });
    const bat = parseConfigFile("@rem x\r\nset A=%B%\\bin\r\ncall ..\\config.bat\r\n", "bat");
    expect(bat).toMatchObject([
      {
        kind: "assign",
        name: "A",
        word: [
          { kind: "ref", name: "B" },
          { kind: "lit", text: "\\bin" },
        ],
      },
      { kind: "source", line: 3 },
    ]);
  });

  it("reads nodespecs.py in its tuple form too, and says where it stopped", () => {
    const text =
      'allnodes = {\n    \'malbec1\': ("Linux (Ubuntu 18.04.3 LTS)",\n "x86_64", "x86_64-linux-gnu", "source", "utf_8"),\n    \'bad\': [1, 2]\n}\n';
    const { specs, items } = parseNodeSpecs(text, "nodes/nodespecs.py");
    expect(specs.get("malbec1")?.fields).toEqual({
      OS: "Linux (Ubuntu 18.04.3 LTS)",
      Arch: "x86_64",
      Platform: "x86_64-linux-gnu",
      pkgType: "source",
      encoding: "utf_8",
    });
    expect(items).toMatchObject([
      { kind: "unparsed", line: 4, why: expect.stringMatching(/neither a dict nor a tuple/) },
    ]);
  });

  it("maps each BBS variable to the key whose reference names it", () => {
    for (const [name, mapping] of Object.entries(VARIABLES)) {
      if (mapping.as === "environment") continue;
      const spec = SCHEMA[mapping.key];
      expect("bbs" in spec ? spec.bbs : "", name).toContain(name);
    }
  });
});
