// Rows of the history tables as SQLite returns them, and their mapping to
// the store's public types.

import type { JobRow, RunInfo, RunMode, RunRow, RunState } from "./types.js";

export interface RunRecord {
  run_id: string;
  node: string;
  kind: string;
  build_type: string | null;
  bioc_version: string | null;
  schedule: string | null;
  config_digest: string | null;
  bbs_version: string | null;
  host: string | null;
  pid: number | null;
  started_at: number;
  ended_at: number | null;
  state: RunState;
  mode: string | null;
}

export interface JobRecordRow {
  id: number;
  run_id: string;
  node: string;
  stage: string;
  package: string;
  version: string | null;
  git_commit: string | null;
  command: string | null;
  started_at: number;
  ended_at: number | null;
  elapsed: number | null;
  ret_code: number | null;
  status: string;
  attempt: number;
  error: string | null;
  survivors: number | null;
  input_hash: string | null;
  reused_from: string | null;
}

/** The named parameters (`@runId`, `@node`...) of a run row's columns, from its description. */
export function runParams(info: RunInfo): Record<string, string | number | null> {
  return {
    runId: info.runId,
    node: info.node,
    kind: info.kind,
    buildType: info.buildType ?? null,
    biocVersion: info.biocVersion ?? null,
    schedule: info.schedule ?? null,
    configDigest: info.configDigest ?? null,
    bbsVersion: info.bbsVersion ?? null,
    host: info.host ?? null,
    pid: info.pid ?? null,
    startedAt: info.startedAt.getTime(),
    mode: info.mode ?? null,
  };
}

export function toRun(row: RunRecord): RunRow {
  return {
    runId: row.run_id,
    node: row.node,
    kind: row.kind,
    startedAt: new Date(row.started_at),
    endedAt: row.ended_at === null ? undefined : new Date(row.ended_at),
    state: row.state,
    buildType: row.build_type ?? undefined,
    biocVersion: row.bioc_version ?? undefined,
    schedule: row.schedule ?? undefined,
    configDigest: row.config_digest ?? undefined,
    bbsVersion: row.bbs_version ?? undefined,
    host: row.host ?? undefined,
    pid: row.pid ?? undefined,
    ...(row.mode === null || row.mode === undefined ? {} : { mode: row.mode as RunMode }),
  };
}

export function toJob(row: JobRecordRow): JobRow {
  return {
    id: row.id,
    runId: row.run_id,
    node: row.node,
    stage: row.stage,
    package: row.package,
    version: row.version,
    commit: row.git_commit,
    command: row.command,
    startedAt: new Date(row.started_at),
    endedAt: row.ended_at === null ? undefined : new Date(row.ended_at),
    elapsedSeconds: row.elapsed ?? undefined,
    retCode: row.ret_code,
    status: row.status,
    attempt: row.attempt,
    error: row.error ?? undefined,
    survivors: row.survivors ?? null,
    inputHash: row.input_hash ?? null,
    reusedFrom: row.reused_from ?? null,
  };
}
