// The packages a run built against (table run_packages, migration 4): for
// each results run (`<run id>@<node>`, src/results/history.ts), every package
// of the node's dependency graph with its version, its commit when the build
// itself builds it, and its direct dependencies. Postrun writes them with the
// run's results; "impact of a change" compares a package's closure tonight
// with the one of its last good run, and `bbs impact` walks the graph back.

import type Database from "better-sqlite3";

/** `build`: a package of the build (meat index, has a commit); `installed`: found on the node (CRAN, base R). */
export type PackageSource = "build" | "installed";

export interface RunPackage {
  readonly package: string;
  readonly source: PackageSource;
  readonly version: string | null;
  /** Abbreviated commit (gitlog's `git_last_commit`); null for installed packages. */
  readonly commit: string | null;
  /** Depends, Imports, LinkingTo. */
  readonly deps: readonly string[];
  /** Suggests that are packages of the build (what CHECK also loads). */
  readonly suggests: readonly string[];
}

interface RunPackageRecord {
  package: string;
  source: string;
  version: string | null;
  git_commit: string | null;
  deps: string;
  suggests: string;
}

function names(text: string): string[] {
  return text === "" ? [] : text.split(" ");
}

/** Replaces the packages recorded for `runId` (an import of the same run again writes the same rows). */
export function recordRunPackages(db: Database.Database, runId: string, packages: readonly RunPackage[]): void {
  const insert = db.prepare(
    `INSERT INTO run_packages (run_id, package, source, version, git_commit, deps, suggests) VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  db.transaction(() => {
    db.prepare("DELETE FROM run_packages WHERE run_id = ?").run(runId);
    for (const pkg of packages) {
      insert.run(
        runId,
        pkg.package,
        pkg.source,
        pkg.version,
        pkg.commit,
        [...new Set(pkg.deps)].join(" "),
        [...new Set(pkg.suggests)].join(" "),
      );
    }
  }).immediate();
}

/** The packages recorded for `runId`, by name; empty when none were (a run imported before migration 4). */
export function runPackages(db: Database.Database, runId: string): Map<string, RunPackage> {
  const rows = db.prepare("SELECT * FROM run_packages WHERE run_id = ?").all(runId) as RunPackageRecord[];
  return new Map(
    rows.map((row) => [
      row.package,
      {
        package: row.package,
        source: row.source === "build" ? "build" : "installed",
        version: row.version,
        commit: row.git_commit,
        deps: names(row.deps),
        suggests: names(row.suggests),
      },
    ]),
  );
}

/** Results runs (of `kind`) whose recorded commit of `pkg` starts with `commitPrefix`, oldest first. */
export function runsWithCommit(
  db: Database.Database,
  pkg: string,
  commitPrefix: string,
  kind: string,
): Array<{ runId: string; node: string; startedAt: Date; commit: string }> {
  const rows = db
    .prepare(
      `SELECT r.run_id, r.node, r.started_at, p.git_commit FROM run_packages p JOIN runs r ON r.run_id = p.run_id
       WHERE p.package = @pkg AND r.kind = @kind AND p.git_commit IS NOT NULL
         AND (substr(p.git_commit, 1, length(@prefix)) = @prefix OR substr(@prefix, 1, length(p.git_commit)) = p.git_commit)
       ORDER BY r.started_at, r.run_id`,
    )
    .all({ pkg, kind, prefix: commitPrefix.toLowerCase() }) as Array<{
    run_id: string;
    node: string;
    started_at: number;
    git_commit: string;
  }>;
  return rows.map((row) => ({
    runId: row.run_id,
    node: row.node,
    startedAt: new Date(row.started_at),
    commit: row.git_commit,
  }));
}
