// `bbs propagate`: the public surface of propagation. One call runs the
// selected steps in order (update, prepare, push) under the staging
// repository's lock; the first failing step stops the rest with its error.
//
//   import { propagate } from "../propagation/index.js";
//   await propagate(cfg, ["update", "prepare", "push"], { dryRun: false, onEvent: (event) => reporter.emit(event) });

import type { ResolvedConfig } from "../config/load.js";
import { destinationTransport, type RetryPolicy } from "../transport/index.js";
import { rethrowFsError, withFsContext } from "../util/fs-errors.js";
import { repositoryLayout, requireSetting, type RepositoryLayout } from "./layout.js";
import { manifestFilePath } from "./placeholders.js";
import { prepareRepository, type PrepareResult } from "./prepare.js";
import { pushRepository, type PushResult } from "./push.js";
import { PropagationLog, type PropagateEvent } from "./reporter.js";
import { lockStaging, requireStagingRoot, updateStagingState } from "./state.js";
import { applyUpdate, describeOperation, prepareUpdatePlan, type UpdatePlan, type UpdateResult } from "./update.js";

export { describePropagateEvent, type PropagateEvent } from "./reporter.js";
export {
  formatRepositoryFile,
  repositoryLayout,
  contribPath,
  type RepositoryLayout,
  type ContribDir,
} from "./layout.js";
export { parseStatusDb, propagates, type StatusDb } from "./inputs.js";
export { planUpdate, type UpdateOperation, type UpdatePlan, type UpdateResult } from "./update.js";
export type { PrepareResult } from "./prepare.js";
export type { PushResult } from "./push.js";

export const PROPAGATION_STEPS = ["update", "prepare", "push"] as const;
export type PropagationStep = (typeof PROPAGATION_STEPS)[number];

export interface PropagateOptions {
  /** Print every file operation; change nothing. */
  dryRun: boolean;
  /** Every step, file operation, note, warning and the closing summary, as events. */
  onEvent: (event: PropagateEvent) => void;
  /** Retry policy of push's upload (default: the transport's put policy, 5 attempts 30 s apart). */
  pushRetry?: Partial<RetryPolicy>;
}

export interface PropagateResult {
  layout: RepositoryLayout;
  update?: { plan: UpdatePlan; applied?: UpdateResult };
  prepare?: PrepareResult;
  push?: PushResult;
}

async function runUpdate(
  cfg: ResolvedConfig,
  layout: RepositoryLayout,
  options: PropagateOptions,
  reporter: PropagationLog,
): Promise<NonNullable<PropagateResult["update"]>> {
  reporter.step(`update: ${layout.root} from ${cfg.values["central.dir"]}`);
  const plan = prepareUpdatePlan(layout, cfg.values["central.dir"], {
    archive: cfg.values["propagation.archive"],
    manuals: cfg.values["propagation.manuals"],
  });
  for (const warning of plan.warnings) reporter.warn(warning);
  const copies = plan.operations.filter((operation) => operation.op === "copy").length;
  reporter.note(
    `${copies} file(s) to propagate, ${plan.alreadyThere.length} already in the repository, ${plan.notPropagated.length} not propagating (NO or UNNEEDED)`,
  );
  if (options.dryRun) {
    for (const operation of plan.operations) reporter.info(describeOperation(operation));
    return { plan };
  }
  const applied = await applyUpdate(layout, plan, reporter);
  if (plan.operations.length > 0) updateStagingState(layout, { updatedAt: new Date().toISOString() });
  return { plan, applied };
}

/** Runs `steps` (in update, prepare, push order) for the repository of `cfg`. */
export async function propagate(
  cfg: ResolvedConfig,
  steps: readonly PropagationStep[],
  options: PropagateOptions,
): Promise<PropagateResult> {
  const layout = repositoryLayout(cfg);
  const reporter = new PropagationLog(options.onEvent, options.dryRun);
  const result: PropagateResult = { layout };
  const wanted = new Set(steps);
  const transport = wanted.has("push")
    ? destinationTransport(requireSetting(cfg, "propagation.destination"), "propagation.destination", cfg)
    : undefined;
  // Before the lock, whose directory would otherwise create a mistyped staging repository.
  requireStagingRoot(layout);
  // A full or read-only staging disk is the machine's state, not a bug: name the repository.
  const fsContext = { path: layout.root, doing: `propagating (${steps.join(", ")}) the repository ${layout.root}` };
  const lock = withFsContext(fsContext, () =>
    lockStaging(layout, `bbs propagate ${steps.join(" ")}${options.dryRun ? " --dry-run" : ""}`),
  );
  try {
    if (wanted.has("update")) result.update = await runUpdate(cfg, layout, options, reporter);
    if (wanted.has("prepare")) {
      reporter.step(`prepare: ${layout.root}`);
      result.prepare = await prepareRepository(layout, {
        landingPages: cfg.values["propagation.landingPages"],
        rscript: cfg.values["r.rscriptCmd"],
        dryRun: options.dryRun,
        reporter,
        manifest: { file: manifestFilePath(cfg), meat0Dir: cfg.values.meat0Dir },
      });
    }
    if (transport !== undefined) {
      result.push = await pushRepository(layout, {
        transport,
        rscript: cfg.values["r.rscriptCmd"],
        keepReleases: cfg.values["propagation.keepReleases"],
        bandwidthLimit: cfg.values["propagation.bandwidthLimit"],
        dryRun: options.dryRun,
        reporter,
        stagingWillChange:
          options.dryRun &&
          ((result.update?.plan.operations.length ?? 0) > 0 ||
            (result.prepare !== undefined &&
              result.prepare.written.length + result.prepare.docsExtracted.length + result.prepare.docsRemoved.length >
                0)),
        ...(options.pushRetry === undefined ? {} : { retry: options.pushRetry }),
      });
    }
    summarize(result, options.dryRun, reporter);
    return result;
  } catch (error) {
    rethrowFsError(error, fsContext);
  } finally {
    lock.release();
  }
}

/** One line per step that ran: what it changed. */
function summarize(result: PropagateResult, dryRun: boolean, log: PropagationLog): void {
  const applied = result.update?.applied;
  if (applied !== undefined)
    log.summary(
      "update",
      `update: ${applied.added.length} added, ${applied.archived.length} archived, ${applied.removed.length} removed, ${applied.manuals.length} manual(s)`,
    );
  const prepared = result.prepare;
  if (prepared !== undefined)
    log.summary(
      "prepare",
      `prepare: ${prepared.opened} package file(s) read, ${prepared.cached} from cache, ${prepared.written.length} file(s) written`,
    );
  const pushed = result.push;
  if (pushed !== undefined && !dryRun)
    log.summary(
      "push",
      pushed.published
        ? `push: release ${pushed.release} published and verified (${pushed.uploaded.length} file(s) sent)`
        : `push: nothing new to publish; release ${pushed.release} verified`,
    );
}
