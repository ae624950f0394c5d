// `bbs run [--stages 2,3,4,5 | --stage N] [--no-bin] [--resume] [--packages a,b]
// [--schedule pipeline|barrier] [--incremental] [--force] [--reporter <name>]`: STAGE2-5 of the current
// run on this builder (BBS-run.py). On a terminal a live view; otherwise one timestamped line per
// event and finished job (append-only), or NDJSON (docs/events.md). Exit 0 when the run completed, whatever the packages'
// statuses; non-zero only for bbs's own failures.

import { Option, type Command } from "commander";
import { parseStageList } from "../stages/run/layout.js";
import type { StageNumber } from "../layout/stages.js";
import { BbsError } from "../util/errors.js";
import { nodeConfig } from "./context.js";
import { runBuilderWithProgress } from "./builder-progress.js";
import { reporterOption } from "./reporter.js";

interface RunCliOptions {
  stages?: string;
  stage?: string;
  bin?: boolean;
  resume?: boolean;
  packages?: string;
  run?: string;
  schedule?: "pipeline" | "barrier";
  incremental?: boolean;
  force?: boolean;
  reporter?: string;
}

function stagesOption(options: RunCliOptions): StageNumber[] | undefined {
  if (options.stages !== undefined && options.stage !== undefined) {
    throw new BbsError("BBS_USAGE", "give --stages or --stage, not both", { hint: "--stage 3 is --stages 3" });
  }
  if (options.stages !== undefined) return parseStageList(options.stages, "--stages");
  if (options.stage !== undefined) return parseStageList(options.stage, "--stage");
  return undefined;
}

function packagesOption(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  const names = [
    ...new Set(
      text
        .split(",")
        .map((name) => name.trim())
        .filter((name) => name !== ""),
    ),
  ];
  if (names.length === 0)
    throw new BbsError("BBS_USAGE", "--packages names no package", { hint: "e.g. --packages IRanges,S4Vectors" });
  return names;
}

export function registerRun(program: Command): void {
  program
    .command("run")
    .description("install, build, check (and build binaries of) the current run's packages on this builder: STAGE2-5")
    .option("--stages <list>", "stages to run, e.g. 2,3,4 (2 INSTALL, 3 BUILD, 4 CHECK, 5 BUILD BIN); default all")
    .option("--stage <n>", "run one stage (recovery by hand)")
    .option("--no-bin", "leave out STAGE5 (BBS's no-bin)")
    .option("--resume", "after a crash: run only the jobs that have no summary yet, deliver what did not arrive")
    .option("--packages <list>", "only these packages (comma-separated) and the installs they need")
    .option(
      "--incremental",
      "reuse the results of jobs whose inputs did not change since an earlier run (run.incremental)",
    )
    .option("--force", "with incremental runs: run every job anyway (inputs and results are still recorded)")
    .option("--run <id>", "build this run only: refused when the central node's current run is another one")
    .addOption(
      new Option(
        "--schedule <schedule>",
        "pipeline (a stage of a package starts as soon as it can) or barrier (BBS: stage after stage); default run.schedule",
      ).choices(["pipeline", "barrier"]),
    )
    .addOption(reporterOption())
    .action(async (options: RunCliOptions, command: Command) => {
      const config = nodeConfig(command);
      const stages = stagesOption(options);
      const packages = packagesOption(options.packages);
      await runBuilderWithProgress(
        config,
        {
          ...(stages === undefined ? {} : { stages }),
          noBin: options.bin === false,
          resume: options.resume === true,
          ...(packages === undefined ? {} : { packages }),
          ...(options.run === undefined ? {} : { runId: options.run }),
          ...(options.schedule === undefined ? {} : { schedule: options.schedule }),
          ...(options.incremental === true ? { incremental: true } : {}),
          force: options.force === true,
        },
        options.reporter,
      );
    });
}
