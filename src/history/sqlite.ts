// Opening a bbs SQLite database (the history, the SPB's job store): WAL
// journal so readers never block writers nor see half a transaction, writers
// wait up to 10 s for each other, and numbered migrations applied once each
// in their own transaction (`PRAGMA user_version` counts them), so a crash
// mid-migration leaves the previous version intact.

import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { BbsError } from "../util/errors.js";

export interface OpenDatabaseOptions {
  /** Append-only list of SQL scripts; never edit a released one. */
  readonly migrations: readonly string[];
  /** What the file is, for messages: "the history database". */
  readonly what: string;
  /** The config key naming the file, for hints. */
  readonly configKey: string;
  /** A command that opens it for writing (and so migrates it), for hints. */
  readonly writer: string;
  /** Never creates nor migrates: for readers such as the report. */
  readonly readonly?: boolean;
}

export function openMigratedDatabase(path: string, options: OpenDatabaseOptions): Database.Database {
  const readonly = options.readonly === true;
  let db: Database.Database;
  try {
    if (!readonly) mkdirSync(dirname(path), { recursive: true });
    db = new Database(path, { readonly, fileMustExist: readonly });
  } catch (error) {
    throw new BbsError("BBS_PRECONDITION", `cannot open ${options.what} ${path}: ${(error as Error).message}`, {
      hint: readonly
        ? `nothing has been recorded there yet; run \`${options.writer}\` first or check ${options.configKey} in the config`
        : "check that the directory is writable",
      cause: error,
    });
  }
  db.pragma("busy_timeout = 10000");
  if (!readonly) {
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.pragma("foreign_keys = ON");
  }
  try {
    migrate(db, path, options);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

function migrate(db: Database.Database, path: string, options: OpenDatabaseOptions): void {
  const { migrations } = options;
  const current = db.pragma("user_version", { simple: true }) as number;
  if (current > migrations.length) {
    throw new BbsError(
      "BBS_PRECONDITION",
      `${options.what} ${path} has schema version ${current}, newer than this bbs knows (${migrations.length})`,
      { hint: `upgrade bbs, or point ${options.configKey} at another file` },
    );
  }
  if (current === migrations.length) return;
  if (options.readonly === true) {
    throw new BbsError(
      "BBS_PRECONDITION",
      `${options.what} ${path} has schema version ${current}; this bbs needs ${migrations.length}`,
      { hint: `run any writing bbs command (${options.writer}) once to migrate it` },
    );
  }
  migrations.forEach((sql, index) => {
    if (index < current) return;
    db.transaction(() => {
      // Re-check inside the write lock: another process may have migrated meanwhile.
      if ((db.pragma("user_version", { simple: true }) as number) > index) return;
      db.exec(sql);
      db.pragma(`user_version = ${index + 1}`);
    }).immediate();
  });
}
