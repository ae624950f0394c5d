// Operator alerts (BBS's kindly_notify_us, which only mailed): each alert is a
// file `<run dir>/alerts/<time>-<n>.txt`, a line in the postrun log, a record
// in postrun.json, and an email to `notify.opsEmail` when SMTP is configured.
// Mail failing is logged, never fatal: the file is the alert of record.

import { join } from "node:path";
import type { ResolvedConfig } from "../../config/load.js";
import type { AlertRecord } from "../../results/postrun-state.js";
import { Mailer, smtpSettings } from "../../transport/mail.js";
import { formatBbsDate } from "../../util/bbs-date.js";
import { writeFileAtomic } from "../../util/fs.js";
import type { PostrunLog } from "./log.js";
import type { RunMeta } from "../../results/run-dir.js";
import { ALERTS_DIR, POSTRUN_LOG_FILE } from "../../layout/central.js";

export interface Alerter {
  /** Writes (and mails) an alert; `step` names the postrun step it concerns. */
  raise(subject: string, body: string, step?: string): Promise<AlertRecord>;
  readonly raised: readonly AlertRecord[];
}

function stamp(date: Date): string {
  const pad = (value: number): string => String(value).padStart(2, "0");
  return `${date.getFullYear()}${pad(date.getMonth() + 1)}${pad(date.getDate())}-${pad(date.getHours())}${pad(date.getMinutes())}${pad(date.getSeconds())}`;
}

/** The alert subject line, naming the build as BBS's did ("... for 3.21 bioc builds on <central node>"). */
export function alertSubject(config: ResolvedConfig, what: string): string {
  const v = config.values;
  return `[bbs] Postrun alert for ${v.biocVersion} ${v.buildType} builds on ${config.nodeId}: ${what}`;
}

export function createAlerter(options: {
  config: ResolvedConfig;
  runDir: string;
  run: RunMeta;
  log: PostrunLog;
  now: () => Date;
}): Alerter {
  const { config, runDir, run, log, now } = options;
  const raised: AlertRecord[] = [];
  let counter = 0;
  return {
    raised,
    async raise(subject, body, step) {
      const at = now();
      counter += 1;
      const file = join(ALERTS_DIR, `${stamp(at)}-${counter}.txt`);
      const text = [
        `Subject: ${subject}`,
        `Date: ${formatBbsDate(at)}`,
        `Run: ${run.runId} (${runDir})`,
        `Central node: ${config.nodeId}`,
        ...(step === undefined ? [] : [`Step: ${step}`]),
        "",
        body.trimEnd(),
        "",
        `Postrun log: ${join(runDir, POSTRUN_LOG_FILE)}`,
        "",
      ].join("\n");
      writeFileAtomic(join(runDir, file), text);
      log.error(`ALERT ${subject} (${join(runDir, file)})`, step);
      const mailed = await mailAlert(config, subject, text, log, step);
      const record: AlertRecord = { file, at: at.toISOString(), subject, mailed };
      raised.push(record);
      return record;
    },
  };
}

async function mailAlert(
  config: ResolvedConfig,
  subject: string,
  text: string,
  log: PostrunLog,
  step: string | undefined,
): Promise<boolean> {
  const settings = smtpSettings(config);
  if (settings === undefined) return false;
  const mailer = new Mailer(settings);
  try {
    const outcome = await mailer.send({
      from: config.values["notify.from"],
      to: [config.values["notify.opsEmail"]],
      subject,
      text,
    });
    if (outcome.ok) log.info(`alert mailed to ${config.values["notify.opsEmail"]}`, step);
    else
      log.warn(
        `could not mail the alert to ${config.values["notify.opsEmail"]}: ${outcome.error ?? "unknown error"}`,
        step,
      );
    return outcome.ok;
  } finally {
    mailer.close();
  }
}
