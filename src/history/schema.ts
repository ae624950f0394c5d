// The history database's schema, as numbered migrations. `PRAGMA
// user_version` holds how many have been applied; each runs in its own
// transaction, so a crash mid-migration leaves the previous version intact.
// Append new migrations; never edit a released one.

export const MIGRATIONS: readonly string[] = [
  // 1: runs and jobs.
  `
  CREATE TABLE runs (
    run_id        TEXT PRIMARY KEY,
    node          TEXT NOT NULL,
    kind          TEXT NOT NULL,               -- run | prerun | bench ...
    build_type    TEXT,
    bioc_version  TEXT,
    schedule      TEXT,                        -- pipeline | barrier
    config_digest TEXT,
    bbs_version   TEXT,
    host          TEXT,
    pid           INTEGER,
    started_at    INTEGER NOT NULL,            -- epoch milliseconds
    ended_at      INTEGER,
    state         TEXT NOT NULL DEFAULT 'running' -- running | finished | cancelled | failed | interrupted
  ) STRICT;
  CREATE INDEX runs_by_node ON runs (node, kind, started_at);

  CREATE TABLE jobs (
    id          INTEGER PRIMARY KEY,
    run_id      TEXT NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
    node        TEXT NOT NULL,
    stage       TEXT NOT NULL,                 -- install | buildsrc | checksrc | buildbin | prerun stages
    package     TEXT NOT NULL,
    version     TEXT,
    git_commit  TEXT,
    command     TEXT,
    started_at  INTEGER NOT NULL,
    ended_at    INTEGER,
    elapsed     REAL,                          -- seconds, from the first start (re-runs included)
    ret_code    INTEGER,                       -- NULL: timeout (RetCode: None) or not finished
    status      TEXT NOT NULL,                 -- OK | ERROR | TIMEOUT | WARNINGS | skipped ... | running | interrupted | cancelled
    attempt     INTEGER NOT NULL,              -- 1, then 2... when a resumed run starts the job again
    error       TEXT,
    UNIQUE (run_id, node, stage, package, attempt)
  ) STRICT;
  CREATE INDEX jobs_by_package ON jobs (package, node, stage, started_at);
  CREATE INDEX jobs_by_stage ON jobs (node, stage, package, started_at);
  `,
  // 2: processes a job left alive when it ended (killed then): see jobs/process.ts.
  `
  ALTER TABLE jobs ADD COLUMN survivors INTEGER;
  `,
  // 3: incremental runs (docs/architecture.md#job-inputs): the hash of each job's inputs, the
  // inputs themselves once per distinct hash (a night where nothing changed adds no row), and
  // the run a reused result was first produced in.
  `
  ALTER TABLE jobs ADD COLUMN input_hash TEXT;
  ALTER TABLE jobs ADD COLUMN reused_from TEXT;
  CREATE TABLE job_inputs (
    input_hash TEXT PRIMARY KEY,
    inputs     TEXT NOT NULL                   -- JSON: JobInputs of src/history/inputs.ts
  ) STRICT;
  CREATE INDEX jobs_by_input ON jobs (node, stage, package, input_hash);
  `,
  // 4: the packages a run built against, per results run (<run id>@<node>): what "impact of a
  // change" compares between tonight and a package's last good run (src/history/packages.ts).
  `
  CREATE TABLE run_packages (
    run_id      TEXT NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
    package     TEXT NOT NULL,
    source      TEXT NOT NULL,                 -- build (a package of the build) | installed (found on the node)
    version     TEXT,
    git_commit  TEXT,                          -- abbreviated, as gitlog has it; NULL for installed packages
    deps        TEXT NOT NULL,                 -- Depends, Imports, LinkingTo: names, space-separated
    suggests    TEXT NOT NULL,                 -- Suggests (packages of the build only): names, space-separated
    PRIMARY KEY (run_id, package)
  ) STRICT;
  CREATE INDEX run_packages_by_commit ON run_packages (package, git_commit);
  `,
  // 5: whether a run reused earlier results (incremental) or ran every job (full), so that every
  // Nth night can be a full rebuild (run.fullRebuildEvery). NULL: not an incremental-aware run.
  `
  ALTER TABLE runs ADD COLUMN mode TEXT;
  `,
];
