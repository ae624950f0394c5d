// The `schedule:` section: when cron (Unix) or Task Scheduler (Windows) starts
// each bbs command, per node. Part of SCHEMA (schema.ts spreads it in); kept
// apart because the five commands repeat the same three keys. The cross-key
// checks (a real cron parser, the time zone) are in schedule-rules.ts.

import { list, str } from "./kinds.js";

/** The commands `bbs schedule` starts, in the order of a night. */
export const SCHEDULED_COMMANDS = ["prerun", "run", "postrun", "notify", "propagate"] as const;
export type ScheduledCommand = (typeof SCHEDULED_COMMANDS)[number];

// HH:MM in shape only; the ranges are the cron parser's to judge (schedule-rules.ts).
const TIME = /^[0-9]{1,2}:[0-9]{2}$/;
const TIME_HINT = 'a 24-hour time HH:MM such as "17:55"';

const DAYS_DOC =
  "Days it starts, as cron's day-of-week field (`*`, `sun-fri`, `1-5`, `mon,wed,fri`), in `schedule.timeZone`.";

export const SCHEDULE_KEYS = {
  "schedule.timeZone": str({
    scope: "node",
    default: "UTC",
    doc: "IANA time zone the schedule times of this node are written in (e.g. `America/New_York`); cron and Task Scheduler start tasks on the node's system clock, so it must be the node's system time zone (`bbs schedule --install` checks).",
    bbs: "(US Eastern, the build machines' clock)",
  }),
  "schedule.command": str({
    scope: "node",
    default: "bbs",
    doc: "How cron and Task Scheduler start bbs on this node (an absolute path is safest; crontab lines run in a login shell, as BBS's did).",
  }),
  "schedule.configDir": str({
    scope: "node",
    doc: "This config directory as seen on the node (`--config` of the scheduled commands); unset: the directory `bbs schedule` was given.",
  }),
  "schedule.prerun.time": str({
    scope: "node",
    pattern: TIME,
    patternHint: TIME_HINT,
    doc: "When prerun starts on the central node (unset: not scheduled).",
    bbs: "crontab: prerun.sh",
  }),
  "schedule.prerun.days": str({ scope: "node", default: "*", doc: DAYS_DOC }),
  "schedule.prerun.options": list({
    scope: "node",
    default: [],
    doc: "Extra options of the scheduled `bbs prerun`.",
  }),
  "schedule.run.time": str({
    scope: "node",
    pattern: TIME,
    patternHint: TIME_HINT,
    doc: "When `bbs run` starts on every builder (the report nodes that are not foreign); a host file may set its own (unset: not scheduled).",
    bbs: "crontab / Task Scheduler: run.sh, run.bat",
  }),
  "schedule.run.days": str({ scope: "node", default: "*", doc: DAYS_DOC }),
  "schedule.run.options": list({
    scope: "node",
    default: [],
    doc: "Extra options of the scheduled `bbs run`.",
  }),
  "schedule.postrun.time": str({
    scope: "node",
    pattern: TIME,
    patternHint: TIME_HINT,
    doc: "When `bbs postrun --wait` starts on the central node; it waits for every builder's end of run, so it may start right after prerun (unset: not scheduled).",
    bbs: "crontab: postrun.sh (started at a guessed hour)",
  }),
  "schedule.postrun.days": str({ scope: "node", default: "*", doc: DAYS_DOC }),
  "schedule.postrun.options": list({
    scope: "node",
    default: [],
    doc: "Extra options of the scheduled `bbs postrun --wait` (e.g. `[--max-wait, 20h]`).",
  }),
  "schedule.notify.time": str({
    scope: "node",
    pattern: TIME,
    patternHint: TIME_HINT,
    doc: "When `bbs notify` starts on the central node (unset: not scheduled).",
    bbs: "crontab: stage7-notify.sh",
  }),
  "schedule.notify.days": str({ scope: "node", default: "*", doc: DAYS_DOC }),
  "schedule.notify.options": list({
    scope: "node",
    default: ["--send"],
    doc: "Options of the scheduled `bbs notify` (`[--send]` mails the maintainers; `[]` makes it a dry run).",
    bbs: "BBS-notify.py do-it",
  }),
  "schedule.propagate.time": str({
    scope: "node",
    pattern: TIME,
    patternHint: TIME_HINT,
    doc: "When `bbs propagate` starts on the central node, as `schedule.propagate.user` (unset: not scheduled).",
    bbs: "biocpush crontab: updateReposPkgs, prepareRepos, pushRepos",
  }),
  "schedule.propagate.days": str({ scope: "node", default: "*", doc: DAYS_DOC }),
  "schedule.propagate.options": list({
    scope: "node",
    default: [],
    doc: "Extra options of the scheduled `bbs propagate` (e.g. `[push]` for one step).",
  }),
  "schedule.propagate.user": str({
    scope: "node",
    doc: "The publishing user whose crontab holds `bbs propagate` (biocpush); unset: the node's `user`.",
    bbs: "biocpush",
  }),
  "schedule.propagate.logDir": str({
    path: true,
    scope: "node",
    default: "${logDir}",
    doc: "Where the scheduled `bbs propagate` writes its dated log (a directory the publishing user can write).",
    bbs: "/home/biocpush/cron.log/<ver>",
  }),
} as const;
