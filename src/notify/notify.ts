// `bbs notify`: the maintainer emails of a run (BBS-notify.py). Dry run by
// default: every email is printed, nothing is sent and no SMTP server is
// contacted (BBS logged in even then). `send` delivers them through
// notify.smtp.*; `redirect` sends them all to one address instead (BBS's
// "any other argument"), each keeping its intended recipient in a header.
// A message that cannot be delivered is reported and the others still go.

import { join } from "node:path";
import type { ResolvedConfig } from "../config/load.js";
import { parseReportNodes } from "../config/nodes.js";
import { readRunMeta, resolveRunDir } from "../results/run-dir.js";
import { buildStatusKey, parseBuildStatusDb } from "../results/status-db.js";
import { BUILD_STATUS_DB_FILE } from "../layout/central.js";
import { reportTitle } from "../results/title.js";
import { readMeatIndex } from "../rpkg/meat-index.js";
import { MEAT_INDEX_FILE } from "../layout/central.js";
import { describeSmtp, Mailer, smtpSettings, type SendOutcome } from "../transport/mail.js";
import { BbsError } from "../util/errors.js";
import { readInputFile } from "../util/fs.js";
import { collectProblems, digestEmails, packageEmail, type Email, type ProblemScan } from "./messages.js";
import { attachImpacts } from "./impact.js";

export type NotifyMode = { kind: "dry-run" } | { kind: "send" } | { kind: "redirect"; address: string };

export interface NotifyOptions {
  mode: NotifyMode;
  /** One email per address for all its packages (default: notify.digest). */
  digest?: boolean;
  /** Notify about this run of central.runsDir instead of the current one. */
  runId?: string;
  /** Where the emails (dry run) and the progress lines go. */
  print: (text: string) => void;
}

export interface NotifyResult {
  runId: string;
  scan: ProblemScan;
  emails: Email[];
  /** One per email sent (empty in a dry run). */
  outcomes: SendOutcome[];
}

/** The header naming whom a redirected email was meant for. */
export const ORIGINAL_TO_HEADER = "X-BBS-Original-To";

const SEPARATOR = "###########################################################";

export function formatEmail(email: Email): string {
  return `${SEPARATOR}\nFrom: ${email.from}\nTo: ${email.to.join(", ")}\nSubject: ${email.subject}\n\n${email.text}`;
}

export async function runNotify(config: ResolvedConfig, options: NotifyOptions): Promise<NotifyResult> {
  const v = config.values;
  const publishedUrl = v["report.publishedUrl"];
  if (publishedUrl === undefined || publishedUrl.trim() === "") {
    throw new BbsError("BBS_CONFIG_INVALID", "report.publishedUrl is not set: the emails would link to nothing", {
      hint: "set report.publishedUrl in global.yaml to the public URL of the published report, e.g. https://bioconductor.org/checkResults/3.21/bioc-LATEST/",
    });
  }
  const runDir = resolveRunDir(config, options.runId);
  const run = readRunMeta(runDir);
  const dbPath = join(runDir, BUILD_STATUS_DB_FILE);
  const db = parseBuildStatusDb(
    readInputFile(dbPath, `run \`bbs postrun\` first: it writes ${BUILD_STATUS_DB_FILE}`).toString("utf8"),
    dbPath,
  );
  const statuses = new Map(
    db.map((line) => [buildStatusKey(line.package, line.node, line.stage), line.status] as const),
  );
  const records = readMeatIndex(join(runDir, MEAT_INDEX_FILE));
  const scan = collectProblems({
    records,
    statuses,
    notifyNodes: v["notify.nodes"],
    buildType: v.buildType,
    publishedUrl: publishedUrl.trim(),
    listRedirect: v["notify.opsEmail"],
  });
  const impactNote = attachImpacts(scan, { config, runDir, run, records, statuses });
  const title = reportTitle(v.buildType, v.biocVersion, parseReportNodes(v.reportNodes).length);
  const from = v["notify.from"];
  const digest = options.digest ?? v["notify.digest"];
  const url = publishedUrl.trim();
  let emails = digest
    ? digestEmails(scan.packages, title, from, v.buildType, url)
    : scan.packages.map((pkg) => packageEmail(pkg, title, from, v.buildType, url));
  const print = options.print;
  if (impactNote !== undefined) print(impactNote);
  print(
    `run ${run.runId}: ${scan.packages.length} package(s) with problems on ${v["notify.nodes"].join(", ") || "(no notify node)"}, ${emails.length} email(s)${digest ? " (digest)" : ""}`,
  );
  if (scan.deprecated.length > 0) print(`deprecated, not notified: ${scan.deprecated.join(", ")}`);
  if (scan.withoutEmail.length > 0)
    print(`no MaintainerEmail in the meat index, not notified: ${scan.withoutEmail.join(", ")}`);

  const mode = options.mode;
  if (mode.kind === "redirect") {
    emails = emails.map((email) => ({
      ...email,
      to: [mode.address],
      headers: { [ORIGINAL_TO_HEADER]: email.to.join(", ") },
    }));
  }
  if (mode.kind === "dry-run") {
    for (const email of emails) print(`${formatEmail(email)}\n`);
    print(`dry run: nothing sent (use --send, or --redirect <address>)`);
    return { runId: run.runId, scan, emails, outcomes: [] };
  }
  const settings = smtpSettings(config);
  if (settings === undefined) {
    throw new BbsError("BBS_CONFIG_INVALID", "notify.smtp.host is not set, so no email can be sent", {
      hint: "set notify.smtp.host (and port, tls, user; the password in BBS_SMTP_PASSWORD), or run without --send for a dry run",
    });
  }
  const mailer = new Mailer(settings);
  const outcomes: SendOutcome[] = [];
  try {
    for (const email of emails) {
      const outcome = await mailer.send(email);
      outcomes.push(outcome);
      print(
        outcome.ok
          ? `sent to ${email.to.join(", ")}: ${email.subject}`
          : `FAILED to ${email.to.join(", ")}: ${email.subject}: ${outcome.error ?? "unknown error"}`,
      );
    }
  } finally {
    mailer.close();
  }
  const failed = outcomes.filter((outcome) => !outcome.ok).length;
  print(`${outcomes.length - failed} of ${outcomes.length} email(s) sent through ${describeSmtp(settings)}`);
  return { runId: run.runId, scan, emails, outcomes };
}
