// The SPB job store's schema (the coordinator's SQLite file, `spb.db`), as
// numbered migrations (history/sqlite.ts applies them). Append; never edit a
// released one. Times are epoch milliseconds (UTC).

export const SPB_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE packages (
    name          TEXT PRIMARY KEY,
    jobs          INTEGER NOT NULL DEFAULT 0     -- submissions so far: the next job id is <name>-<jobs + 1>
  ) STRICT;

  CREATE TABLE jobs (
    id            TEXT PRIMARY KEY,              -- <package>-<n>
    package       TEXT NOT NULL REFERENCES packages (name),
    source        TEXT NOT NULL,                 -- JobSource as JSON
    issue         INTEGER,
    new_package   INTEGER NOT NULL,
    bioc_version  TEXT NOT NULL,
    rerun_of      TEXT,
    submitted_by  TEXT NOT NULL,
    submitted_at  INTEGER NOT NULL,
    state         TEXT NOT NULL,                 -- queued | running | complete
    completed_at  INTEGER,
    result        TEXT                           -- overall status once complete
  ) STRICT;
  CREATE INDEX jobs_by_package ON jobs (package, submitted_at);
  CREATE INDEX jobs_by_time ON jobs (submitted_at);

  -- The expected-node set of a job, and each node's state and results.
  CREATE TABLE job_nodes (
    job_id        TEXT NOT NULL REFERENCES jobs (id),
    node          TEXT NOT NULL,
    state         TEXT NOT NULL,                 -- queued | claimed | running | done | lost
    outcome       TEXT,                          -- completed | unsupported | abnormal (done nodes)
    reason        TEXT,                          -- why lost or abnormal
    enqueued_at   INTEGER,                       -- the back end accepted the work item
    claim_deadline INTEGER NOT NULL,             -- lost if not claimed by then
    claim_id      TEXT,
    worker_id     TEXT,
    claimed_at    INTEGER,
    heartbeat_at  INTEGER,
    started_at    INTEGER,
    ended_at      INTEGER,
    applied_seq   INTEGER NOT NULL DEFAULT 0,    -- events 1..applied_seq are applied
    running_step  TEXT,
    commit_built  TEXT,
    version       TEXT,
    maintainer    TEXT,
    info          TEXT,                          -- NodeInfo as JSON
    PRIMARY KEY (job_id, node)
  ) STRICT;
  CREATE INDEX job_nodes_open ON job_nodes (state);

  CREATE TABLE steps (
    job_id        TEXT NOT NULL,
    node          TEXT NOT NULL,
    step          TEXT NOT NULL,
    command       TEXT,                          -- argv as JSON
    started_at    INTEGER,
    ended_at      INTEGER,
    elapsed       REAL,
    ret_code      INTEGER,
    status        TEXT,                          -- NULL while running
    detail        TEXT,
    attempts      INTEGER,
    PRIMARY KEY (job_id, node, step),
    FOREIGN KEY (job_id, node) REFERENCES job_nodes (job_id, node)
  ) STRICT;

  -- Every event received, once: (job, node, seq) is the idempotency key.
  CREATE TABLE events (
    job_id        TEXT NOT NULL,
    node          TEXT NOT NULL,
    seq           INTEGER NOT NULL,
    type          TEXT NOT NULL,
    body          TEXT NOT NULL,                 -- the event as JSON
    received_at   INTEGER NOT NULL,
    PRIMARY KEY (job_id, node, seq)
  ) STRICT;

  CREATE TABLE logs (
    job_id        TEXT NOT NULL,
    node          TEXT NOT NULL,
    step          TEXT NOT NULL,
    offset        INTEGER NOT NULL,
    text          TEXT NOT NULL,
    PRIMARY KEY (job_id, node, step, offset)
  ) STRICT;

  -- Liveness of each node's worker (the latest heartbeat).
  CREATE TABLE workers (
    node          TEXT PRIMARY KEY,
    worker_id     TEXT NOT NULL,
    last_seen     INTEGER NOT NULL,
    job_id        TEXT,
    step          TEXT,
    version       TEXT
  ) STRICT;

  -- The embedded back end's queue: one row per (job, node) work item.
  CREATE TABLE deliveries (
    job_id        TEXT NOT NULL,
    node          TEXT NOT NULL,
    item          TEXT NOT NULL,                 -- WorkItem as JSON
    created_at    INTEGER NOT NULL,
    lease_until   INTEGER,                       -- leased to a worker until then
    leased_to     TEXT,
    PRIMARY KEY (job_id, node)
  ) STRICT;

  -- Completion hooks: a completed job leaves one row per subscriber (the
  -- tracker's post-back...), in the transaction that completed it; the row
  -- stays until the subscriber marked it delivered.
  CREATE TABLE outbox (
    id            INTEGER PRIMARY KEY,
    subscriber    TEXT NOT NULL,
    job_id        TEXT NOT NULL REFERENCES jobs (id),
    created_at    INTEGER NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    delivered_at  INTEGER,
    last_error    TEXT,
    UNIQUE (subscriber, job_id)
  ) STRICT;
  CREATE INDEX outbox_due ON outbox (subscriber, delivered_at, next_attempt_at);
  `,
  // The tracker's comment of each job (the post-back edits it rather than posting twice).
  `
  CREATE TABLE tracker_comments (
    job_id        TEXT PRIMARY KEY REFERENCES jobs (id),
    repo          TEXT NOT NULL,                 -- owner/name
    issue         INTEGER NOT NULL,
    comment_id    INTEGER NOT NULL,              -- GitHub's id of the comment
    url           TEXT NOT NULL,                 -- its html_url
    posted_at     INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
  ) STRICT;
  `,
];
