// A full staging disk during `bbs propagate` (issue 15, item 5): the staging
// repository lives on a real tmpfs of 1 MiB, filled until the kernel answers
// ENOSPC (no fault injection). update, prepare and push each stop with
// BBS_DISK_FULL naming the repository (exit 1, never BBS_INTERNAL "a bug"),
// leave no temporary file (.propagate.lock.tmp-*, *.tmp-*) and no lock behind,
// and once space is freed the same command completes.

import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canMountSmallFs, mountSmallFs, type SmallFs } from "../fixtures/small-fs.js";
import { useTempDirs } from "../fixtures/tmp.js";
import { corpusTarball, rAvailable, writeCentralDir } from "./fixtures.js";
import { bbsPropagate, propagationConfig, type CliRun, type PropagationConfig } from "./helpers.js";

const dirs = useTempDirs();
let disk: SmallFs | undefined;
let setup: PropagationConfig;

/** Every entry under `dir` whose name says it is temporary or a lock, relative to `dir`. */
function leftovers(dir: string, prefix = ""): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const relative = `${prefix}${entry.name}`;
    if (/\.tmp-|\.lock|\.takeover-/.test(entry.name)) found.push(relative);
    if (entry.isDirectory()) found.push(...leftovers(join(dir, entry.name), `${relative}/`));
  }
  return found;
}

function expectDiskFull(run: CliRun): void {
  expect(run.stderr).not.toMatch(/BBS_INTERNAL|a bug in bbs/);
  expect(run.stderr).toMatch(/^error\[BBS_DISK_FULL\]: .*no space left on the device/m);
  expect(run.stderr).toContain(setup.staging);
  expect(run.stderr).toMatch(/hint: free space on the file system holding \S+ \(df -h /);
  expect(run.exitCode).toBe(1);
  expect(leftovers(setup.staging)).toEqual([]);
  // prepare's scratch directory (.bbs/tmp/prepare-<pid>) is gone too.
  expect(existsSync(join(setup.staging, ".bbs", "tmp")) ? readdirSync(join(setup.staging, ".bbs", "tmp")) : []).toEqual(
    [],
  );
}

describe.skipIf(!canMountSmallFs())("propagation onto a full staging disk (a real tmpfs; needs root, as CI)", () => {
  beforeAll(async () => {
    const work = join(await dirs.make("disk-full"), "work");
    // Mounted where propagationConfig puts the staging repository.
    disk = mountSmallFs(join(work, "staging-repo"), 1024);
    setup = propagationConfig(work);
    writeCentralDir(setup.central, [{ path: corpusTarball("BiocGenerics") }, { path: corpusTarball("zlibbioc") }]);
  });

  afterAll(() => {
    disk?.dispose();
  });

  it("update: the lock cannot even be written; no .propagate.lock.tmp-* is left", async () => {
    disk!.fill();
    expectDiskFull(await bbsPropagate(setup.config, ["update"]));
  });

  it("update: the tarball copy fails half-way; no partial tarball is left", async () => {
    disk!.unfill();
    disk!.fill(16 * 1024); // room for the lock, not for the 49 KB BiocGenerics tarball
    const run = await bbsPropagate(setup.config, ["update"]);
    expectDiskFull(run);
    expect(
      readdirSync(join(setup.staging, "src", "contrib")).filter((name) => name.startsWith("BiocGenerics")),
    ).toEqual([]);
  });

  it("prepare: stops with BBS_DISK_FULL at the lock and part-way through the indexes", async () => {
    disk!.unfill();
    const update = await bbsPropagate(setup.config, ["update"]);
    expect(update.exitCode, update.stderr).toBe(0);
    disk!.fill();
    expectDiskFull(await bbsPropagate(setup.config, ["prepare"]));
    disk!.unfill();
    disk!.fill(8 * 1024);
    expectDiskFull(await bbsPropagate(setup.config, ["prepare"]));
  });

  it("push: a staging disk too full for its state and lock stops it before anything is published", async () => {
    disk!.unfill();
    const prepare = await bbsPropagate(setup.config, ["prepare"]);
    expect(prepare.exitCode, prepare.stderr).toBe(0);
    disk!.fill();
    expectDiskFull(await bbsPropagate(setup.config, ["push"]));
  });

  it("with space freed, the same commands complete and R reads the published repository", async () => {
    disk!.unfill();
    const run = await bbsPropagate(setup.config, ["all"]);
    expect(run.exitCode, run.stderr).toBe(0);
    expect([...rAvailable(join(setup.destination, "src/contrib"))].sort()).toEqual([
      ["BiocGenerics", "0.44.0"],
      ["zlibbioc", "1.44.0"],
    ]);
    expect(leftovers(setup.staging)).toEqual([]);
  });
});
