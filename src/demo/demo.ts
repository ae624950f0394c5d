// `bbs demo`: a complete local nightly build of the example corpus. Sets up the
// site under a work directory (git server, config), then runs each step as its
// own `bbs` process with the demo config, exactly as a site's crontab would:
// prerun, run, postrun, propagate, and a dry run of notify.

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { loadConfig, type ResolvedConfig } from "../config/load.js";
import { BbsError } from "../util/errors.js";
import { runCommand } from "../util/runner.js";
import { DEMO_NODE_ID, demoLayout, packageRoot, serveCorpus, writeDemoConfig, type DemoLayout } from "./setup.js";
import { BUILD_STATUS_DB_FILE, nodeProductsDir } from "../layout/central.js";

export interface DemoOptions {
  workDir: string;
  /** CHECK timeout of the demo build, in seconds. */
  checkTimeout: number;
  slots: number;
  /** Prints the demo's own messages (the steps print their progress themselves). */
  say: (line: string) => void;
  /** The script of the bbs running the demo: each step runs this same bbs. Default: this installation's bin/bbs.js. */
  bbsScript?: string;
}

export interface DemoStep {
  /** What cron would run, without the global options. */
  args: readonly string[];
  title: string;
}

export const DEMO_STEPS: readonly DemoStep[] = [
  { args: ["prerun"], title: "prerun: manifest, git snapshot, meat index, target repo" },
  { args: ["run"], title: "run: install, build and check every package (STAGE2-4)" },
  { args: ["postrun"], title: "postrun: status DBs, OUTGOING, propagation DB, report" },
  { args: ["propagate", "all"], title: "propagate: update, prepare and push the repository" },
  { args: ["notify"], title: "notify (dry run): the emails maintainers would get" },
];

export interface DemoResult {
  layout: DemoLayout;
  config: ResolvedConfig;
}

export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const layout = demoLayout(options.workDir);
  const corpus = join(packageRoot(), "examples", "corpus");
  options.say(`bbs demo in ${layout.workDir}`);
  const served = await serveCorpus(corpus, layout.gitRoot, "devel");
  const changed = served.filter((p) => p.changed).length;
  options.say(
    `git server: ${served.length} packages of examples/corpus in ${layout.gitRoot} (${changed === 0 ? "unchanged" : `${changed} new commit(s)`})`,
  );
  writeDemoConfig(layout.configDir, {
    workDir: layout.workDir,
    checkTimeout: options.checkTimeout,
    slots: options.slots,
  });
  const config = loadConfig(layout.configDir, DEMO_NODE_ID);
  // A site creates its (empty) staging repository once, before the first propagation.
  const staging = config.values["propagation.stagingDir"];
  if (staging !== undefined) mkdirSync(staging, { recursive: true });
  options.say(
    `config: ${layout.configDir} (node ${DEMO_NODE_ID}; see it with: bbs config show --config ${layout.configDir} --host ${DEMO_NODE_ID})`,
  );

  for (const [index, step] of DEMO_STEPS.entries()) {
    options.say("");
    options.say(`[${index + 1}/${DEMO_STEPS.length}] ${step.title}`);
    const args = [...step.args, "--config", layout.configDir, "--host", DEMO_NODE_ID];
    const exitCode = await runBbs(options.bbsScript ?? join(packageRoot(), "bin", "bbs.js"), args);
    if (exitCode !== 0) {
      throw new BbsError("BBS_STEP_FAILED", `demo step \`bbs ${step.args.join(" ")}\` exited with ${exitCode}`, {
        hint: `fix what it reported, then re-run the demo (safe), or that step alone: bbs ${args.join(" ")}`,
      });
    }
  }
  return { layout, config };
}

/** Runs bbs with inherited stdio (its live views reach the terminal). */
async function runBbs(script: string, args: readonly string[]): Promise<number> {
  const run = await runCommand({ command: { argv: [process.execPath, script, ...args] }, output: { inherit: true } });
  if (run.spawnError !== undefined)
    throw new BbsError("BBS_COMMAND_FAILED", `cannot start bbs ${args.join(" ")}: ${run.spawnError}`);
  return run.exitCode ?? (run.signal === "SIGINT" ? 130 : 1);
}

/** The closing message: where the report and the repository are, and how to open them. */
export function demoEpilogue(result: DemoResult): string[] {
  const v = result.config.values;
  const reportDir = v["report.publishDest"] ?? v["report.path"];
  const repo = v["propagation.destination"] ?? "";
  const configArgs = `--config ${result.layout.configDir} --host ${DEMO_NODE_ID}`;
  return [
    "",
    "The nightly build of the example corpus is done.",
    `  report:      ${join(reportDir, "index.html")}`,
    `               serve it with: bbs serve ${configArgs}   (then open the printed http://localhost URL)`,
    `  repository:  ${repo}`,
    `               in R: install.packages("tinyRanges", repos = "file://${repo}", lib = tempfile())`,
    `  status DB:   ${join(v["central.dir"], BUILD_STATUS_DB_FILE)}`,
    `  logs:        ${join(v["central.dir"], nodeProductsDir(DEMO_NODE_ID))}`,
    `Run \`bbs demo --workdir ${result.layout.workDir}\` again for the next night: the scheduler uses tonight's durations.`,
  ];
}
