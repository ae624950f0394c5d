// `bbs notify [--send | --redirect <address>] [--digest] [--run <id>]`: the
// maintainer emails of the current run (BBS-notify.py). Without --send it is
// a dry run printing every email. Exits 1 (BBS_MAIL_FAILED) when some emails
// could not be delivered; the others were sent.

import { Option, type Command } from "commander";
import { runNotify, type NotifyMode } from "../notify/notify.js";
import { BbsError } from "../util/errors.js";
import { nodeConfig } from "./context.js";

interface NotifyCliOptions {
  send?: boolean;
  redirect?: string;
  digest?: boolean;
  run?: string;
}

export function registerNotify(program: Command): void {
  program
    .command("notify")
    .description(
      "email package maintainers about TIMEOUT and ERROR results of the notify nodes (dry run unless --send or --redirect)",
    )
    .addOption(new Option("--send", "send the emails (default: print them, send nothing)").conflicts("redirect"))
    .addOption(new Option("--redirect <address>", "send every email to this address instead of the maintainers"))
    .option("--digest", "one email per maintainer address for all their packages (default: notify.digest)")
    .option("--run <id>", "notify about this run of central.runsDir instead of the current one")
    .action(async (options: NotifyCliOptions, command: Command) => {
      const config = nodeConfig(command);
      const mode: NotifyMode =
        options.redirect !== undefined
          ? { kind: "redirect", address: options.redirect }
          : options.send === true
            ? { kind: "send" }
            : { kind: "dry-run" };
      const result = await runNotify(config, {
        mode,
        ...(options.digest === true ? { digest: true } : {}),
        ...(options.run === undefined ? {} : { runId: options.run }),
        print: (text) => process.stdout.write(`${text}\n`),
      });
      const failed = result.outcomes.filter((outcome) => !outcome.ok);
      if (failed.length > 0) {
        throw new BbsError(
          "BBS_MAIL_FAILED",
          `${failed.length} of ${result.outcomes.length} email(s) could not be sent`,
          {
            details: failed.map(
              (outcome) => `${outcome.to.join(", ")}: ${outcome.subject}: ${outcome.error ?? "unknown error"}`,
            ),
            hint: "the other emails were sent; check the addresses and the SMTP server (notify.smtp.*), then send the failed ones with --redirect or fix the meat index",
          },
        );
      }
    });
}
