// The stage table: the one place that says which stages a build has and how
// each is named by BBS, by bbs's configuration and by people. Everything else
// (the builder's `--stages 3,4`, BBS_EndOfRun.txt's `STAGE4 | ...` lines, the
// job-event log, the config keys `slots.check` / `timeouts.check`, the report's
// columns, progress lines) looks a stage up here instead of spelling it again.
// Prerun (STAGE1) and postrun (stage 6) are not in the table: they are commands
// of their own, not stages a builder runs per package.

export const STAGE_TABLE = [
  { number: 2, name: "STAGE2", id: "install", configKey: "install", label: "INSTALL" },
  { number: 3, name: "STAGE3", id: "buildsrc", configKey: "build", label: "BUILD" },
  { number: 4, name: "STAGE4", id: "checksrc", configKey: "check", label: "CHECK" },
  { number: 5, name: "STAGE5", id: "buildbin", configKey: "buildbin", label: "BUILD BIN" },
] as const satisfies ReadonlyArray<StageEntry>;

/** One row of the stage table. */
export interface StageEntry {
  /** BBS's stage number (`bbs run --stages 3,4`). */
  readonly number: number;
  /** BBS's stage name (`STAGE3`): BBS_EndOfRun.txt lines, the job-event log. */
  readonly name: string;
  /**
   * BBS's stage id (`buildsrc`): the `<stage>` of `products-in/<node>/<stage>/`
   * and of `<pkg>.<stage>-summary.dcf`, the third field of BUILD_STATUS_DB.txt
   * keys, the report's leaf pages `<node>-<stage>.html`, the job pools.
   */
  readonly id: string;
  /** The suffix of the stage's config keys: `slots.<configKey>`, `timeouts.<configKey>`. */
  readonly configKey: string;
  /** What people read: the report's column header, progress lines, messages. */
  readonly label: string;
}

/** The stages of a builder in the order they run (STAGE2..STAGE5). */
export const STAGES: readonly Stage[] = STAGE_TABLE.map((entry) => entry.id);
/** A stage's BBS id (`install`, `buildsrc`, `checksrc`, `buildbin`). */
export type Stage = (typeof STAGE_TABLE)[number]["id"];
/** A stage's number (2..5). */
export type StageNumber = (typeof STAGE_TABLE)[number]["number"];
/** A stage's config-key suffix (`install`, `build`, `check`, `buildbin`). */
export type StageConfigKey = (typeof STAGE_TABLE)[number]["configKey"];

/** The label of each stage (`BUILD BIN`), by id. */
export const STAGE_LABELS: Readonly<Record<Stage, string>> = perStage((entry) => entry.label);

export function isStage(value: string): value is Stage {
  return (STAGES as readonly string[]).includes(value);
}

/** The table row of a stage. */
export function stageEntry(stage: Stage): (typeof STAGE_TABLE)[number] {
  return STAGE_TABLE.find((entry) => entry.id === stage) as (typeof STAGE_TABLE)[number];
}

/** The stage a number runs (2 -> `install`). */
export function stageOfNumber(number: StageNumber): Stage {
  return STAGE_TABLE.find((entry) => entry.number === number)?.id as Stage;
}

/** The stage a BBS stage name names (`STAGE4` -> `checksrc`); undefined for anything else. */
export function stageOfName(name: string): Stage | undefined {
  return STAGE_TABLE.find((entry) => entry.name === name)?.id;
}

/** The stage a config-key suffix names (`check` -> `checksrc`); undefined for anything else. */
export function stageOfConfigKey(key: string): Stage | undefined {
  return STAGE_TABLE.find((entry) => entry.configKey === key)?.id;
}

/** BBS's name of a stage (`checksrc` -> `STAGE4`). */
export function stageName(stage: Stage): string {
  return stageEntry(stage).name;
}

/** A record with one value per stage, computed from each stage's row (timeouts, slots by config key...). */
export function perStage<T>(value: (entry: (typeof STAGE_TABLE)[number]) => T): Record<Stage, T> {
  return Object.fromEntries(STAGE_TABLE.map((entry) => [entry.id, value(entry)])) as Record<Stage, T>;
}
