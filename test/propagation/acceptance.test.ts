// `bbs propagate` end to end, as the publishing user runs it: from a
// postrun-shaped central directory holding the real corpus tarballs to a
// published repository that real R installs from. Release builds archive a
// superseded version, devel builds remove it. Dry runs change nothing; a
// second propagation of the same repository is refused while one runs; a
// repository changed since prepare is not pushed; a failed verification
// rolls the destination back.

import {
  chmodSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { acquireLock } from "../../src/util/lock.js";
import { useTempDirs } from "../fixtures/tmp.js";
import { runRscript } from "../rpkg/helpers/r.js";
import {
  buildBinaries,
  buildDocPackage,
  CORPUS_VERSIONS,
  corpusTarball,
  rAvailable,
  snapshotTree,
  writeCentralDir,
  type OutgoingPackage,
} from "./fixtures.js";
import { bbsPropagate, propagationConfig, type PropagationConfig } from "./helpers.js";

const dirs = useTempDirs();
let built: { v100: string; v110: string; extra: string };

/** The corpus as postrun leaves it: everything propagates but GenomeInfoDbData (kept out to keep the test light). */
function corpusOutgoing(): OutgoingPackage[] {
  return Object.keys(CORPUS_VERSIONS).map((pkg) => ({
    path: corpusTarball(pkg),
    manual: true,
    ...(pkg === "GenomeInfoDbData" ? { status: "NO, package depends on 'z' which is not available" } : {}),
  }));
}

function expectedCorpus(): Map<string, string> {
  return new Map(Object.entries(CORPUS_VERSIONS).filter(([pkg]) => pkg !== "GenomeInfoDbData"));
}

function sorted(map: ReadonlyMap<string, string>): [string, string][] {
  return [...map].sort(([a], [b]) => (a < b ? -1 : 1));
}

beforeAll(async () => {
  const work = await dirs.make("accept-build");
  built = {
    v100: await buildDocPackage(join(work, "src"), join(work, "v100"), {
      name: "propDocs",
      version: "1.0.0",
      news: "Rd",
    }),
    v110: await buildDocPackage(join(work, "src"), join(work, "v110"), {
      name: "propDocs",
      version: "1.1.0",
      news: "Rd",
    }),
    extra: await buildDocPackage(join(work, "src"), join(work, "extra"), {
      name: "propExtra",
      version: "0.1.0",
      news: "none",
    }),
  };
});

describe("a release build", () => {
  let setup: PropagationConfig;

  beforeAll(async () => {
    setup = propagationConfig(join(await dirs.make("accept-release"), "work"), { archive: true });
  });

  it("propagates the corpus, and R installs and loads a pure-R package from the destination", async () => {
    writeCentralDir(setup.central, [...corpusOutgoing(), { path: built.v100, manual: true }]);
    const run = await bbsPropagate(setup.config, ["all"]);
    expect(run.stderr).toBe("");
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/^==> update: /m);
    expect(run.stdout).toMatch(/^==> push: switch to release /m);
    expect(run.stdout).toMatch(/^push: release \S+ published and verified/m);

    const expected = new Map([...expectedCorpus(), ["propDocs", "1.0.0"]]);
    expect(sorted(rAvailable(join(setup.destination, "src/contrib")))).toEqual(sorted(expected));
    const lib = join(setup.workDir, "installed");
    const out = runRscript(
      `dir.create(commandArgs(TRUE)[2])
suppressMessages(install.packages("BiocGenerics", repos = paste0("file://", commandArgs(TRUE)[1]), lib = commandArgs(TRUE)[2], type = "source", quiet = TRUE))
suppressPackageStartupMessages(library(BiocGenerics, lib.loc = commandArgs(TRUE)[2]))
cat(as.character(packageVersion("BiocGenerics", lib.loc = commandArgs(TRUE)[2])), exists("combine"), "\\n")`,
      [setup.destination, lib],
    );
    expect(out.trim()).toBe("0.44.0 TRUE");
    // The published tree: every entry a link into the current release; landing pages and manuals there.
    expect(readlinkSync(join(setup.destination, "src"))).toBe(".bbs/current/src");
    expect(existsSync(join(setup.destination, "manuals/BiocGenerics/man/BiocGenerics.pdf"))).toBe(true);
    expect(existsSync(join(setup.destination, "manuals/GenomeInfoDbData"))).toBe(false);
    expect(readFileSync(join(setup.destination, "VIEWS"), "utf8")).toContain("Package: propDocs");
    expect(existsSync(join(setup.destination, "citations/IRanges/citation.html"))).toBe(true);
    for (const index of ["PACKAGES", "PACKAGES.gz", "PACKAGES.rds"])
      expect(existsSync(join(setup.destination, "src/contrib", index))).toBe(true);
  });

  it("archives the old version when a bumped version propagates; the destination serves the new one", async () => {
    writeCentralDir(setup.central, [{ path: built.v110, manual: true }]);
    const run = await bbsPropagate(setup.config, ["all"]);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toContain(
      `archive  src/contrib/propDocs_1.0.0.tar.gz -> src/contrib/Archive/propDocs/propDocs_1.0.0.tar.gz (superseded by 1.1.0)`,
    );
    expect(existsSync(join(setup.staging, "src/contrib/propDocs_1.0.0.tar.gz"))).toBe(false);
    expect(
      readFileSync(join(setup.staging, "src/contrib/Archive/propDocs/propDocs_1.0.0.tar.gz")).equals(
        readFileSync(built.v100),
      ),
    ).toBe(true);
    expect(rAvailable(join(setup.destination, "src/contrib")).get("propDocs")).toBe("1.1.0");
    expect(existsSync(join(setup.destination, "src/contrib/Archive/propDocs/propDocs_1.0.0.tar.gz"))).toBe(true);
    // The superseded file stays downloadable, unlisted, until the next push (clients may hold yesterday's index).
    expect(run.stdout).toContain(
      "keep     src/contrib/propDocs_1.0.0.tar.gz (superseded; unlisted until the next push)",
    );
    expect(existsSync(join(setup.destination, "src/contrib/propDocs_1.0.0.tar.gz"))).toBe(true);

    // Nothing new: nothing is published (the previous release stays the rollback target), the destination is verified.
    const releases = readdirSync(join(setup.destination, ".bbs/releases")).sort();
    const again = await bbsPropagate(setup.config, ["all"]);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/0 file\(s\) to propagate, 1 already in the repository/);
    expect(again.stdout).toMatch(/^push: nothing new to publish; release \S+ verified$/m);
    expect(readdirSync(join(setup.destination, ".bbs/releases")).sort()).toEqual(releases);
    // propagation.keepReleases (2): the current release and the one before.
    expect(releases).toHaveLength(2);
  });

  it("--dry-run prints every operation and changes neither the staging repository nor the destination", async () => {
    writeCentralDir(setup.central, [{ path: built.extra, manual: true }]);
    const staging = snapshotTree(setup.staging);
    const destination = snapshotTree(setup.destination);
    const run = await bbsPropagate(setup.config, ["all", "--dry-run"]);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^==> update: .*\(dry run: nothing changes\)$/m);
    expect(run.stdout).toContain(
      `would copy     ${join(setup.central, "OUTGOING/source/propExtra_0.1.0.tar.gz")} -> src/contrib/propExtra_0.1.0.tar.gz`,
    );
    expect(run.stdout).toContain(
      `would manual   ${join(setup.central, "OUTGOING/manuals/propExtra.pdf")} -> manuals/propExtra/man/propExtra.pdf`,
    );
    expect(run.stdout).toMatch(/^would switch {3}\.bbs\/current -> releases\//m);
    expect(snapshotTree(setup.staging)).toEqual(staging);
    expect(snapshotTree(setup.destination)).toEqual(destination);
    // Off a terminal the append-only reporter is chosen: every line starts with the local time.
    for (const line of run.rawStdout.trimEnd().split("\n"))
      expect(line).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} /);
  });

  it("--reporter ndjson: one JSON event per line, the same operations as data", async () => {
    writeCentralDir(setup.central, [{ path: built.extra, manual: true }]);
    const staging = snapshotTree(setup.staging);
    const run = await bbsPropagate(setup.config, ["all", "--dry-run", "--reporter", "ndjson"]);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr).toBe("");
    const events = run.rawStdout
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const event of events) {
      expect(event).toMatchObject({ command: "propagate", dryRun: true });
      expect(Number.isNaN(Date.parse(String(event["at"])))).toBe(false);
      expect(["info", "warning"]).toContain(event["level"]);
    }
    expect(events.filter((event) => event["kind"] === "step-start").map((event) => event["step"])).toEqual(
      expect.arrayContaining(["update", "prepare", "push"]),
    );
    expect(events).toContainEqual(
      expect.objectContaining({
        kind: "operation",
        step: "update",
        message: `copy     ${join(setup.central, "OUTGOING/source/propExtra_0.1.0.tar.gz")} -> src/contrib/propExtra_0.1.0.tar.gz`,
      }),
    );
    expect(snapshotTree(setup.staging)).toEqual(staging);
  });

  it("--reporter with an unknown name is a usage error naming the choices", async () => {
    const run = await bbsPropagate(setup.config, ["all", "--dry-run", "--reporter", "fancy"]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('error[BBS_USAGE]: unknown reporter "fancy" (--reporter)');
    expect(run.stderr).toContain("hint: choose one of default, append-only, ndjson");
  });

  it("refuses a second propagation of the same repository while one runs", async () => {
    const lock = acquireLock(join(setup.staging, ".bbs", "propagate.lock"), {
      command: "bbs propagate all (test holder)",
    });
    try {
      const run = await bbsPropagate(setup.config, ["push"]);
      expect(run.exitCode).toBe(2);
      expect(run.stderr).toMatch(
        /error\[BBS_LOCKED\]: propagation of the repository .* is locked by pid \d+ .*test holder/,
      );
    } finally {
      lock.release();
    }
  });

  it("refuses to push a repository changed since prepare", async () => {
    writeFileSync(join(setup.staging, "src/contrib/extra_1.0.tar.gz"), "put there by hand");
    const run = await bbsPropagate(setup.config, ["push"]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/error\[BBS_PRECONDITION\]: .* changed since the last prepare/);
    expect(run.stderr).toContain("hint: run `bbs propagate prepare` again, then push");
  });
});

describe("a repository with binary package types", () => {
  it("propagates each type into its contrib directory, indexed and verified", async () => {
    const setup = propagationConfig(
      join(await dirs.make("accept-binaries"), "work"),
      { archive: false },
      {
        global: {
          outgoing: {
            source: "local/buildsrc",
            "win.binary": "local/buildbin",
            "mac.binary.big-sur-arm64": "local/buildbin",
          },
        },
      },
    );
    const binaries = buildBinaries(join(setup.workDir, "build"), corpusTarball("BiocGenerics"));
    writeCentralDir(setup.central, [
      { path: corpusTarball("BiocGenerics") },
      { path: corpusTarball("zlibbioc") },
      { path: binaries.zip, pkgType: "win.binary" },
      { path: binaries.tgz, pkgType: "mac.binary.big-sur-arm64" },
    ]);
    const run = await bbsPropagate(setup.config, ["all"]);
    expect(run.exitCode, run.stderr).toBe(0);
    const listed = runRscript(
      `for (d in commandArgs(TRUE)) { ap <- available.packages(contriburl = paste0("file://", d), filters = list()); cat(basename(dirname(dirname(d))), paste(ap[, "Package"], ap[, "Version"]), "\\n") }`,
      ["bin/windows/contrib/4.2", "bin/macosx/big-sur-arm64/contrib/4.2"].map((path) => join(setup.destination, path)),
    );
    expect(
      listed
        .trim()
        .split("\n")
        .map((line) => line.trim()),
    ).toEqual(["windows BiocGenerics 0.44.0", "big-sur-arm64 BiocGenerics 0.44.0"]);
    expect(existsSync(join(setup.destination, "bin/windows/contrib/4.2/BiocGenerics_0.44.0.zip"))).toBe(true);
    expect(readFileSync(join(setup.destination, "REPOSITORY"), "utf8")).toBe(
      "source: src/contrib\nwin.binary: bin/windows/contrib/4.2\nmac.binary.big.sur.arm64: bin/macosx/big-sur-arm64/contrib/4.2\n" +
        "provides: source, win.binary, mac.binary.big-sur-arm64\n",
    );
    const views = readFileSync(join(setup.destination, "VIEWS"), "utf8");
    expect(views).toContain("win.binary.ver: bin/windows/contrib/4.2/BiocGenerics_0.44.0.zip\n");
    expect(views).toMatch(
      /Package: zlibbioc\n[\s\S]*?source\.ver: src\/contrib\/zlibbioc_1\.44\.0\.tar\.gz\n(?![\s\S]*?win\.binary\.ver: bin\/windows\/contrib\/4\.2\/zlibbioc)/,
    );
  });
});

describe("configuration mistakes", () => {
  it("a staging repository that does not exist is an error, and is not created", async () => {
    const setup = propagationConfig(join(await dirs.make("accept-typo"), "work"), {
      stagingDir: "${workDir}/staging-typo",
    });
    writeCentralDir(setup.central, [{ path: corpusTarball("BiocGenerics") }]);
    for (const args of [["all"], ["push", "--dry-run"]]) {
      const run = await bbsPropagate(setup.config, args);
      expect(run.exitCode).toBe(2);
      expect(run.stderr).toMatch(/error\[BBS_PRECONDITION\]: the staging repository .*staging-typo does not exist/);
    }
    expect(existsSync(join(setup.workDir, "staging-typo"))).toBe(false);
  });
});

describe("a devel build", () => {
  it("removes the superseded version instead of archiving it", async () => {
    const setup = propagationConfig(join(await dirs.make("accept-devel"), "work"), { archive: false });
    writeCentralDir(setup.central, [{ path: corpusTarball("BiocGenerics") }, { path: built.v100 }]);
    expect((await bbsPropagate(setup.config, ["all"])).exitCode).toBe(0);
    writeCentralDir(setup.central, [{ path: built.v110 }]);
    const run = await bbsPropagate(setup.config, ["all"]);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toContain("remove   src/contrib/propDocs_1.0.0.tar.gz (superseded by 1.1.0)");
    expect(
      readdirSync(join(setup.staging, "src/contrib")).filter(
        (name) => name.startsWith("propDocs") || name === "Archive",
      ),
    ).toEqual(["propDocs_1.1.0.tar.gz"]);
    expect(sorted(rAvailable(join(setup.destination, "src/contrib")))).toEqual([
      ["BiocGenerics", "0.44.0"],
      ["propDocs", "1.1.0"],
    ]);
    expect(existsSync(join(setup.destination, "src/contrib/propDocs_1.0.0.tar.gz"))).toBe(true); // unlisted, one more push

    writeCentralDir(setup.central, [{ path: built.extra }]);
    const next = await bbsPropagate(setup.config, ["all"]);
    expect(next.exitCode, next.stderr).toBe(0);
    expect(existsSync(join(setup.destination, "src/contrib/propDocs_1.0.0.tar.gz"))).toBe(false);
    expect(sorted(rAvailable(join(setup.destination, "src/contrib")))).toEqual([
      ["BiocGenerics", "0.44.0"],
      ["propDocs", "1.1.0"],
      ["propExtra", "0.1.0"],
    ]);
  });
});

/** A stand-in for R that runs the real one `good` times, then fails (verification faults). */
function failingRscript(dir: string, good: number): string {
  const counter = join(dir, "rscript-calls");
  const script = join(dir, `failing-rscript-after-${good}`);
  writeFileSync(
    script,
    `#!/bin/sh\necho x >> '${counter}'\nif [ "$(wc -l < '${counter}')" -gt ${good} ]; then echo 'R refused on purpose' >&2; exit 1; fi\nexec Rscript "$@"\n`,
  );
  chmodSync(script, 0o755);
  return script;
}

/** A destination as BBS's rsync left it: real directories and files, plus a page bbs does not manage. */
function bbsEraDestination(destination: string): Record<string, string> {
  mkdirSync(join(destination, "src", "contrib"), { recursive: true });
  mkdirSync(join(destination, "html"), { recursive: true });
  copyFileSync(corpusTarball("zlibbioc"), join(destination, "src", "contrib", "zlibbioc_1.44.0.tar.gz"));
  runRscript(`suppressMessages(tools::write_PACKAGES(commandArgs(TRUE)[1], type = "source"))`, [
    join(destination, "src", "contrib"),
  ]);
  writeFileSync(join(destination, "VIEWS"), "Package: zlibbioc\nVersion: 1.44.0\n\n");
  writeFileSync(join(destination, "html", "index.html"), "<p>managed by the website</p>\n");
  return snapshotTree(destination);
}

describe("a destination BBS published before", () => {
  it("a first push that fails verification is withdrawn: the old content is back", async () => {
    const setup = propagationConfig(join(await dirs.make("accept-migrate-fail"), "work"), { archive: false });
    const before = bbsEraDestination(setup.destination);
    writeCentralDir(setup.central, [{ path: corpusTarball("BiocGenerics") }]);
    for (const step of ["update", "prepare"]) expect((await bbsPropagate(setup.config, [step])).exitCode).toBe(0);
    const failing = propagationConfig(
      setup.workDir,
      { archive: false },
      {
        host: { r: { rscriptCmd: failingRscript(setup.workDir, 1) } },
        configDir: join(setup.workDir, "config-failing-r"),
      },
    );
    const run = await bbsPropagate(failing.config, ["push"]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(
      /error\[BBS_VERIFY_FAILED\]: push failed at step "verify": .*\(withdrawn: the destination serves what it served before\)/,
    );
    const after = snapshotTree(setup.destination);
    expect(Object.fromEntries(Object.entries(after).filter(([path]) => !path.startsWith(".bbs/")))).toEqual(before);
  });

  it("is taken over: its entries move aside, pages bbs does not manage stay", async () => {
    const setup = propagationConfig(join(await dirs.make("accept-migrate"), "work"), { archive: false });
    bbsEraDestination(setup.destination);
    writeCentralDir(setup.central, [{ path: corpusTarball("BiocGenerics") }]);
    const run = await bbsPropagate(setup.config, ["all"]);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr).toMatch(
      /warning: src at the destination is not managed by bbs: it moves to \.bbs\/legacy-\S+\/src/,
    );
    expect(readlinkSync(join(setup.destination, "src"))).toBe(".bbs/current/src");
    expect(readlinkSync(join(setup.destination, "VIEWS"))).toBe(".bbs/current/VIEWS");
    expect(readFileSync(join(setup.destination, "html", "index.html"), "utf8")).toBe("<p>managed by the website</p>\n");
    expect(sorted(rAvailable(join(setup.destination, "src/contrib")))).toEqual([["BiocGenerics", "0.44.0"]]);
    expect(readdirSync(join(setup.destination, ".bbs")).filter((name) => name.startsWith("legacy"))).toEqual([]);
  });
});

describe("verification", () => {
  it("a failed verification after the switch rolls the destination back and names the step", async () => {
    const setup = propagationConfig(join(await dirs.make("accept-verify"), "work"), { archive: false });
    writeCentralDir(setup.central, [{ path: corpusTarball("BiocGenerics") }, { path: built.v100 }]);
    expect((await bbsPropagate(setup.config, ["all"])).exitCode).toBe(0);
    const current = readlinkSync(join(setup.destination, ".bbs/current"));
    writeCentralDir(setup.central, [{ path: built.v110 }]);
    expect((await bbsPropagate(setup.config, ["update"])).exitCode).toBe(0);
    expect((await bbsPropagate(setup.config, ["prepare"])).exitCode).toBe(0);

    // R verifies the new release (the first R run of push), then fails.
    const failing = propagationConfig(
      setup.workDir,
      { archive: false },
      {
        host: { r: { rscriptCmd: failingRscript(setup.workDir, 1) } },
        configDir: join(setup.workDir, "config-failing-r"),
      },
    );
    const run = await bbsPropagate(failing.config, ["push"]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(
      /error\[BBS_VERIFY_FAILED\]: push failed at step "verify": .*R could not read the published indexes: R refused on purpose.*\(rolled back to release /,
    );
    expect(readlinkSync(join(setup.destination, ".bbs/current"))).toBe(current);
    expect(rAvailable(join(setup.destination, "src/contrib")).get("propDocs")).toBe("1.0.0");
    expect(lstatSync(join(setup.destination, "src")).isSymbolicLink()).toBe(true);

    // With R back, the same push succeeds.
    const retry = await bbsPropagate(setup.config, ["push"]);
    expect(retry.exitCode, retry.stderr).toBe(0);
    expect(rAvailable(join(setup.destination, "src/contrib")).get("propDocs")).toBe("1.1.0");
  });
});
